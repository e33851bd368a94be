"""The local notification sink: a provider that keeps every message in this service's database
instead of sending it, so development machines and tests can read what would have gone out.
Never configured in a deployment (`SP_NOTIFICATION_PROVIDER`)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.citizen.domain.notifications import OutgoingMessage, ProviderReceipt
from services.citizen.store import sink_messages


class LocalSink:
    name = "sink"

    def __init__(self, session: Session) -> None:
        self._session = session

    def deliver(self, message: OutgoingMessage) -> ProviderReceipt:
        self._session.execute(
            pg_insert(sink_messages)
            .values(
                notification_id=message.notification_id,
                channel=str(message.channel),
                recipient=message.recipient,
                body=message.body,
                category=message.category,
            )
            .on_conflict_do_nothing()
        )
        return ProviderReceipt(
            provider_message_id=f"sink-{message.notification_id}", delivered=True
        )
