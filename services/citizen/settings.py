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

    #: how long personal data is kept, per data class (days); each deletion leaves a receipt
    #: in the ledger
    retention_days: dict[str, float] = Field(
        default_factory=lambda: {
            "notifications": 90.0,
            "sink_messages": 30.0,
            "move_requests": 180.0,
            "open311_requests": 2 * 365.0,
            "appointment_bookings": 365.0,
        }
    )

    #: move-my-car requests an hour: per requester, and per plate (abuse of the owner)
    move_requests_per_requester_per_hour: int = Field(default=3, ge=1, le=100)
    move_requests_per_plate_per_hour: int = Field(default=5, ge=1, le=100)
    #: where the owner's reply page lives (the link in the SMS; the token follows it)
    move_reply_url: str = "https://app.smart-policing.local/move-my-car/reply"
    #: keys the check part of certificate numbers (anyone can verify a number with the
    #: service; nobody can make one); set a real one in every deployment
    certificate_number_key: SecretStr = SecretStr("dev-only-certificate-number-key")

    # -- fines and payments --

    #: `sandbox-pay`: SandboxPay (sandbox: no money moves), for local runs and tests;
    #: `none`: no online payment (fines are paid at a counter); a deployment adds its
    #: provider's adapter beside SandboxPay
    payment_provider: Literal["sandbox-pay", "none"] = "sandbox-pay"
    #: signs SandboxPay's notifications; a real provider's secret comes with its adapter
    sandbox_pay_secret: SecretStr = SecretStr("dev-only-sandbox-pay-notification-secret")
    #: SandboxPay's hosted page, as the gateway serves it
    sandbox_pay_page_url: str = "http://127.0.0.1:8000/api/v1/citizen/sandbox-pay"
    #: where the provider sends the citizen back (`?payment_id=…` is appended)
    payment_return_url: str = "http://127.0.0.1:8000/citizen/payments/return"
    #: how long the provider's page takes a payment; after that a new one may be started
    payment_ttl_s: int = Field(default=900, ge=60, le=86400)
    #: lookups and bindings (each tries a plate's VIN) per citizen and hour
    fine_lookups_per_hour: int = Field(default=10, ge=1, le=1000)
    #: keys the digests of VIN tails; set a real one in every deployment
    vin_digest_key: SecretStr = SecretStr("dev-only-vin-digest-key")
