"""A service's token-signing keys in its own schema: made on first use, rotated on demand,
published (as JWKs) while tokens they signed may still be alive."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from chassis import signing


def signing_keys_table(metadata: MetaData, name: str = "signing_keys") -> Table:
    return Table(
        name,
        metadata,
        Column("kid", String(64), primary_key=True),
        Column("private_pem", LargeBinary, nullable=False),
        Column("public_jwk", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("retired_at", DateTime(timezone=True)),
    )


@lru_cache(maxsize=16)
def _private_key(kid: str, pem: bytes, passphrase: bytes) -> Any:
    return signing.decrypt_private_key(pem, passphrase)


class KeyRing:
    """Keys in `table`, private halves encrypted with `passphrase`."""

    def __init__(self, table: Table, passphrase: bytes) -> None:
        self.table = table
        self._passphrase = passphrase

    def _active(self, session: Session) -> Any:
        t = self.table
        return session.execute(
            select(t).where(t.c.retired_at.is_(None)).order_by(t.c.created_at.desc()).limit(1)
        ).first()

    def current(self, session: Session) -> tuple[str, Any]:
        """The active key (kid, private key), made on first use."""
        row = self._active(session)
        if row is None:
            # two processes starting at once must not each make a key
            session.execute(text(f'LOCK TABLE "{self.table.name}" IN SHARE ROW EXCLUSIVE MODE'))
            row = self._active(session)
            if row is None:
                return self.rotate(session)
        return row.kid, _private_key(row.kid, row.private_pem, self._passphrase)

    def rotate(self, session: Session) -> tuple[str, Any]:
        """A new active key; the old one is retired (still published for a while)."""
        key = signing.generate_private_key()
        kid = signing.new_kid()
        t = self.table
        session.execute(update(t).where(t.c.retired_at.is_(None)).values(retired_at=func.now()))
        session.execute(
            insert(t).values(
                kid=kid,
                private_pem=signing.encrypt_private_key(key, self._passphrase),
                public_jwk=signing.public_jwk(key, kid),
            )
        )
        return kid, key

    def published(self, session: Session, now: datetime, token_ttl: timedelta) -> dict[str, Any]:
        """The JWKS: the active key (made if there is none yet, so a fresh service publishes
        one before its first token) and keys retired within a token's lifetime."""
        self.current(session)
        t = self.table
        rows = session.execute(
            select(t.c.public_jwk)
            .where(t.c.retired_at.is_(None) | (t.c.retired_at > now - token_ttl))
            .order_by(t.c.created_at.desc())
        ).scalars()
        return {"keys": list(rows)}
