"""Devices speaking for themselves: `Authorization: Device <device_id>.<secret>` on HTTP, the
same in gRPC metadata. The prevention service checks a credential (its argon2 hash is all it
keeps); a credential it vouched for is believed here for `ttl_s`, so a stream of batches does
not cost an argon2 check each. A rotated or decommissioned device's old credential therefore
works for at most `ttl_s` more."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.actor import ActorKind
from contracts.errors import Unauthenticated
from gateway.auth import Principal
from gateway.rpc import RemoteError

DEVICE_SCHEME = "device"
REFUSED = "invalid device credential"
MAX_CREDENTIAL_CHARS = 200


def device_credential(header: str) -> str | None:
    """The credential of an `Authorization: Device …` header, or None for another scheme."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != DEVICE_SCHEME:
        return None
    credential = value.strip()
    if not credential or len(credential) > MAX_CREDENTIAL_CHARS:
        raise Unauthenticated(REFUSED)
    return credential


@dataclass
class DeviceCredentials:
    authenticate: Callable[[str], Awaitable[dict[str, Any]]]
    ttl_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    max_remembered: int = 100_000
    _known: dict[str, tuple[Principal, float]] = field(default_factory=dict)

    def remembered(self, credential: str) -> Principal | None:
        found = self._known.get(_fingerprint(credential))
        return found[0] if found is not None and found[1] > self.clock() else None

    async def verify(self, credential: str) -> Principal:
        principal = self.remembered(credential)
        if principal is not None:
            return principal
        try:
            device = await self.authenticate(credential)
        except RemoteError as exc:
            if exc.exc_type == "Unauthenticated":
                raise Unauthenticated(REFUSED) from None
            raise
        principal = Principal(
            kind=ActorKind.DEVICE,
            id=str(device["device_id"]),
            roles=(),
            unit=device.get("unit_id"),
            scope=None,
            pillar="prevention",
            jti="",
            expires_at=datetime.now(UTC) + timedelta(seconds=self.ttl_s),
        )
        if len(self._known) >= self.max_remembered:
            self._known.clear()
        self._known[_fingerprint(credential)] = (principal, self.clock() + self.ttl_s)
        return principal


def _fingerprint(credential: str) -> str:
    # the secret itself is not kept in memory longer than the request
    return hashlib.sha256(credential.encode()).hexdigest()
