"""Stored secrets (passwords, client secrets, one-time codes) hashed with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool


class Passwords:
    """argon2id hashing; verifying an unknown user costs as much as a known one."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash("not a real password, only spends the same time")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    # argon2 is deliberately slow CPU work: in a service it runs in a real thread, off the
    # eventlet hub, so the process keeps serving while it hashes
    def hash_off_hub(self, secret: str) -> str:
        return str(tpool.execute(self.hash, secret))

    def verify_off_hub(self, stored_hash: str | None, secret: str) -> bool:
        return bool(tpool.execute(self.verify, stored_hash, secret))
