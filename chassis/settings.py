"""Settings shared by every service, read from `SP_*` environment variables.

Each service subclasses `ChassisSettings` in its own `settings.py`, which is the one home of
its configuration and its documented defaults.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class QueueType(StrEnum):
    CLASSIC = "classic"
    QUORUM = "quorum"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class ChassisSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SP_", extra="ignore", frozen=True)

    service_name: str = Field(default="", description="set by each service's settings class")
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    #: management API of the broker: dead-letter counts and operator tooling
    rabbit_api_uri: str = "http://guest:guest@127.0.0.1:15672"
    database_url: str = "postgresql+psycopg2://postgres:postgres@127.0.0.1:5432/smart_policing"
    #: prepended to every schema name; test runs use a unique one for isolation
    schema_prefix: str = ""
    db_pool_size: int = Field(default=10, ge=1, le=200)
    #: check each pooled connection before use (one extra round trip per transaction)
    db_pool_pre_ping: bool = False

    #: durable queues become quorum queues in a cluster; the type is fixed at declaration
    queue_type: QueueType = QueueType.CLASSIC
    #: nameko's prefetch caps calls in flight whatever max_workers says: raise both together
    max_workers: int = Field(default=20, ge=1, le=1000)
    prefetch_count: int = Field(default=20, ge=1, le=1000)

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8100, ge=0, le=65535)

    outbox_relay_enabled: bool = True
    outbox_poll_interval_s: float = Field(default=0.5, gt=0, le=60)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)
    outbox_confirm_timeout_s: float = Field(default=10.0, gt=0, le=120)
    #: after a commit wakes the relay, it waits this long so that the commits close behind it
    #: share one round (one claim, one confirm wait, one update) instead of one round each
    outbox_coalesce_s: float = Field(default=0.01, ge=0, le=1)
    #: how often the relay recounts its backlog for the metrics gauge (a count query)
    outbox_backlog_gauge_interval_s: float = Field(default=1.0, gt=0, le=60)
    #: how long an unroutable event waits before the relay offers it to the broker again
    outbox_unroutable_retry_s: float = Field(default=30.0, gt=0, le=86400)

    #: sent outbox rows hold event payloads (possibly personal data): kept this long, then deleted
    outbox_sent_retention_s: float = Field(default=7 * 86400, gt=0)
    #: inbox rows must outlive any redelivery of the event they record
    inbox_retention_s: float = Field(default=30 * 86400, gt=0)
    #: idempotency keys must outlive any client retry of the command
    idempotency_retention_s: float = Field(default=7 * 86400, gt=0)
    housekeeping_interval_s: float = Field(default=3600, gt=0)
    #: days each of the service's data classes is kept (`{"sightings": 365}`); a class not
    #: named here is kept
    retention_days: dict[str, float] = Field(default_factory=dict)
    retention_interval_s: float = Field(default=3600, gt=0)

    #: retries of a failing event handler before its event goes to the dead-letter queue
    event_max_retries: int = Field(default=3, ge=0, le=50)
    #: delay before retry n is the n-th entry (the last entry repeats)
    event_retry_backoff_s: tuple[float, ...] = (0.5, 2.0, 10.0)

    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP traces endpoint")
    #: spans also go to the platform's own trace store (management), for auditors
    trace_store_enabled: bool = True
    log_level: str = "INFO"
    #: `json` for machines (the default), `console` for people reading `make run`
    log_format: LogFormat = LogFormat.JSON

    @property
    def db_schema(self) -> str:
        return f"{self.schema_prefix}{self.service_name}"

    def retry_delay_s(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based)."""
        backoff = self.event_retry_backoff_s or (1.0,)
        return backoff[min(attempt, len(backoff)) - 1]
