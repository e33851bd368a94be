"""Configuration of the management service: the one home of its settings and defaults."""

from __future__ import annotations

from pydantic import Field, SecretStr

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "management"
    http_port: int = 8106

    token_issuer: str = "https://smart-policing.local/management"
    token_ttl_s: int = Field(default=900, ge=60, le=86400)
    #: encrypts the stored private signing keys; set a real one in every deployment
    signing_key_passphrase: SecretStr = SecretStr("dev-only-signing-key-passphrase")
    #: keys the digests of personal details in the ledger; set a real one in every deployment
    ledger_digest_key: SecretStr = SecretStr("dev-only-ledger-digest-key")
    #: personal details behind ledger entries (the entries stay) and trace spans
    retention_days: dict[str, float] = Field(
        default_factory=lambda: {"ledger_details": 3 * 365.0, "spans": 30.0}
    )
    #: how often the ledger's tree head (size and Merkle root) is recorded
    ledger_tree_head_interval_s: float = Field(default=60.0, gt=0)
