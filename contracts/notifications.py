"""Notifications: SMS, voice calls and push messages to citizens and staff, through one
provider interface, from an outbox with retries.

Other pillars send through the citizen service: by RPC (`citizen.send_notification`) or by
staging a `<producer>.notification.requested.v1` event in their own outbox (the durable way:
the request leaves with the transaction that caused it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.citizens import MobileNumber


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    PUSH = "push"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"  # the provider reported it delivered
    FAILED = "failed"  # refused for good, or out of attempts


MAX_BODY_CHARS = 500


class NotificationRequest(BaseModel):
    """One message to one recipient. `notification_id` makes a repeat harmless: the same id
    is sent once. A phone number for SMS and voice; a device token for push."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "notification_id": "4b1f0f0e-5d0c-4c55-9f53-2d1f7c1c2a10",
                    "channel": "sms",
                    "phone": "13800138000",
                    "body": "您的验证码是 123456，5 分钟内有效。",
                    "category": "sign_in_code",
                }
            ]
        },
    )

    notification_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    channel: Channel
    phone: MobileNumber | None = None
    device_token: str | None = Field(default=None, min_length=8, max_length=200)
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    #: what kind of message (sign_in_code, move_my_car, appointment_reminder, …): for the
    #: delivery report and the sink, never shown to the recipient
    category: str = Field(pattern=r"^[a-z][a-z0-9_]{1,48}$")

    @model_validator(mode="after")
    def _recipient_fits_channel(self) -> NotificationRequest:
        if self.channel is Channel.PUSH:
            if self.device_token is None or self.phone is not None:
                raise ValueError("a push message goes to a device token, not a phone")
        elif self.phone is None or self.device_token is not None:
            raise ValueError(f"a {self.channel} message goes to a phone number")
        return self


class Notification(BaseModel):
    """A message's delivery state. The recipient is masked: delivery reports are read by
    staff who need the state, not the number."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notification_id": "4b1f0f0e-5d0c-4c55-9f53-2d1f7c1c2a10",
                    "channel": "sms",
                    "category": "school_pickup",
                    "recipient": "139****9000",
                    "status": "delivered",
                    "attempts": 1,
                    "sender": "prevention",
                    "created_at": "2026-11-29T08:00:00Z",
                    "sent_at": "2026-11-29T08:00:01Z",
                    "delivered_at": "2026-11-29T08:00:01Z",
                    "last_error": None,
                }
            ]
        }
    )

    notification_id: uuid.UUID
    channel: Channel
    category: str
    recipient: str = Field(description="masked")
    status: DeliveryStatus
    attempts: int
    sender: str = Field(description="the service that asked for it")
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None


class SinkMessage(BaseModel):
    """A message as the local development sink received it (the sink stores everything it is
    given so it can be browsed; no real message leaves a development machine)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notification_id": "4b1f0f0e-5d0c-4c55-9f53-2d1f7c1c2a10",
                    "channel": "sms",
                    "recipient": "13900139000",
                    "body": "孩子已到校门口。",
                    "category": "school_pickup",
                    "received_at": "2026-11-29T08:00:01Z",
                }
            ]
        }
    )

    notification_id: uuid.UUID
    channel: Channel
    recipient: str
    body: str
    category: str
    received_at: datetime


NOTIFICATION_REQUESTED_SUFFIX = "notification.requested.v1"
NOTIFICATION_REQUEST_PATTERN = f"*.{NOTIFICATION_REQUESTED_SUFFIX}"


def notification_requested(producer: str) -> str:
    return f"{producer}.{NOTIFICATION_REQUESTED_SUFFIX}"
