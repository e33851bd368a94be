"""Configuration of the management service: the one home of its settings and defaults."""

from __future__ import annotations

from pathlib import Path

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
        default_factory=lambda: {
            "ledger_details": 3 * 365.0,
            "spans": 30.0,
            "oversight_cases": 3 * 365.0,
        }
    )
    #: a citizen's "who looked at my data" report: whether it names officers (units only by
    #: default), and how long a read under an open investigation may be withheld from it
    access_report_shows_officers: bool = False
    access_report_max_withhold_days: int = Field(default=180, ge=0, le=3650)
    #: how often the ledger's tree head (size and Merkle root) is recorded
    ledger_tree_head_interval_s: float = Field(default=60.0, gt=0)
    #: where copies of signed tree heads go, outside the database (None: nowhere; a
    #: deployment points it at storage the database's operators cannot rewrite)
    ledger_witness_path: Path | None = Path("var/ledger-witness.jsonl")
    #: failed logins in a row that lock an officer's account, and for how long
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_s: float = Field(default=900, gt=0)
    #: duty-roster rules every station's weeks are held to
    roster_min_rest_hours: float = Field(default=11, ge=0, le=48)
    roster_max_consecutive_days: int = Field(default=6, ge=1, le=14)
    roster_max_hours_per_week: float = Field(default=40, gt=0, le=84)
    local_time_zone: str = "Asia/Shanghai"
    #: how often, and over how many past days, officers' personal-data reads are assessed
    oversight_interval_s: float = Field(default=3600, gt=0)
    oversight_window_days: int = Field(default=14, ge=1, le=62)
    #: an incident reported longer ago than this gets no dispatch task (a history being loaded)
    dispatch_incident_max_age_s: float = Field(default=3600, gt=0)
