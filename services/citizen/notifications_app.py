"""Notification use cases: take a request into the outbox, deliver what is due, report."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from contracts.errors import NotFound
from contracts.notifications import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationRequest,
    SinkMessage,
)
from services.citizen.domain.notifications import (
    OutgoingMessage,
    Provider,
    RetryPolicy,
    attempt,
    masked_recipient,
)
from services.citizen.settings import Settings
from services.citizen.store import notifications, sink_messages


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.notification_max_attempts,
        base=timedelta(seconds=settings.notification_retry_base_s),
        cap=timedelta(seconds=settings.notification_retry_cap_s),
    )


def enqueue(
    session: Session,
    request: NotificationRequest,
    sender: str,
    now: datetime,
    *,
    sensitive: bool = False,
) -> None:
    """Into the outbox, in the caller's transaction; the same id twice is one message."""
    recipient = request.phone or request.device_token
    assert recipient is not None  # the contract requires one for every channel
    session.execute(
        pg_insert(notifications)
        .values(
            notification_id=request.notification_id,
            channel=str(request.channel),
            recipient=recipient.removeprefix("+86"),
            body=request.body,
            sensitive=sensitive,
            category=request.category,
            sender=sender,
            status=str(DeliveryStatus.PENDING),
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )


def deliver_due(
    session: Session, provider: Provider, policy: RetryPolicy, now: datetime, limit: int
) -> int:
    """One attempt for each message whose time has come; returns how many were tried. Rows are
    claimed with SKIP LOCKED, so several processes share the work without sending twice."""
    t = notifications
    rows = session.execute(
        select(t)
        .where(t.c.status == str(DeliveryStatus.PENDING), t.c.next_attempt_at <= now)
        .order_by(t.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        message = OutgoingMessage(
            notification_id=row.notification_id,
            channel=Channel(row.channel),
            recipient=row.recipient,
            body=row.body or "",
            category=row.category,
        )
        result = attempt(provider, message, row.attempts, policy, now)
        values: dict[str, Any] = {
            "status": str(result.status),
            "attempts": result.attempts,
            "next_attempt_at": result.next_attempt_at,
            "last_error": result.error,
        }
        if result.provider_message_id is not None:
            values["provider_message_id"] = result.provider_message_id
            values["sent_at"] = now
            if result.status is DeliveryStatus.DELIVERED:
                values["delivered_at"] = now
            if row.sensitive:
                values["body"] = None  # a sign-in code is not kept once it has gone
        session.execute(update(t).where(t.c.notification_id == row.notification_id).values(values))
    return len(rows)


def _notification(row: Any) -> Notification:
    channel = Channel(row.channel)
    return Notification(
        notification_id=row.notification_id,
        channel=channel,
        category=row.category,
        recipient=masked_recipient(channel, row.recipient),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        sender=row.sender,
        created_at=row.created_at,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


def status(session: Session, notification_id: uuid.UUID) -> Notification:
    row = session.execute(
        select(notifications).where(notifications.c.notification_id == notification_id)
    ).first()
    if row is None:
        raise NotFound("no such notification")
    return _notification(row)


def sink_listing(
    session: Session, recipient: str | None, category: str | None, limit: int
) -> list[SinkMessage]:
    """What the local sink received, newest first."""
    t = sink_messages
    query = select(t).order_by(t.c.received_at.desc(), t.c.notification_id).limit(limit)
    if recipient is not None:
        query = query.where(t.c.recipient == recipient.removeprefix("+86"))
    if category is not None:
        query = query.where(t.c.category == category)
    return [
        SinkMessage(
            notification_id=row.notification_id,
            channel=Channel(row.channel),
            recipient=row.recipient,
            body=row.body,
            category=row.category,
            received_at=row.received_at,
        )
        for row in session.execute(query)
    ]
