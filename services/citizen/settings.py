"""Configuration of the citizen service: the one home of its settings and defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "citizen"
    http_port: int = 8105

    #: citizen tokens: their own issuer and audience, never accepted on officer routes
    token_issuer: str = "https://smart-policing.local/citizen"
    token_ttl_s: int = Field(default=1800, ge=60, le=86400)
    #: encrypts the stored private signing keys; set a real one in every deployment
    signing_key_passphrase: SecretStr = SecretStr("dev-only-citizen-signing-key-passphrase")
    #: keys the digests phone numbers are found by; set a real one in every deployment
    phone_digest_key: SecretStr = SecretStr("dev-only-phone-digest-key")

    #: sign-in codes: how long one is valid, how soon another may be sent, how many an hour,
    #: and how many wrong guesses spend one
    code_ttl_s: int = Field(default=300, ge=30, le=3600)
    code_resend_after_s: int = Field(default=60, ge=1, le=3600)
    codes_per_hour: int = Field(default=5, ge=1, le=100)
    code_max_attempts: int = Field(default=5, ge=1, le=20)

    #: where notifications go: `sink` stores them locally (development and tests; nothing
    #: leaves the machine); a deployment names its SMS/voice/push gateway's adapter
    notification_provider: Literal["sink"] = "sink"
    notification_max_attempts: int = Field(default=5, ge=1, le=50)
    #: back-off before attempt n+1 is base × 2^(n-1), capped
    notification_retry_base_s: float = Field(default=2.0, gt=0, le=600)
    notification_retry_cap_s: float = Field(default=600.0, gt=0)
    #: how often due notifications are delivered, and how many at a time
    notification_interval_s: float = Field(default=0.5, gt=0, le=60)
    notification_batch: int = Field(default=100, ge=1, le=1000)
