"""Configuration of the data service: the one home of its settings and defaults."""

from __future__ import annotations

from pydantic import Field, SecretStr

from chassis.settings import ChassisSettings


class Settings(ChassisSettings):
    service_name: str = "data"
    http_port: int = 8101
    retention_days: dict[str, float] = Field(default_factory=lambda: {"sightings": 365.0})
    #: the widest time window one look-back query may ask for
    lookback_max_window_days: float = Field(default=31, gt=0, le=366)
    #: sightings older than this are served only with a supervisor's authorisation
    sightings_authorisation_age_days: float = Field(default=90, gt=0)
    #: the city's time zone: hours of the day in summaries are local hours
    local_time_zone: str = "Asia/Shanghai"
    #: the widest window of one sweep condition (a checkpoint's pass window)
    sweep_max_window_hours: float = Field(default=24, gt=0, le=24 * 7)
    #: the largest area a sweep may ask about, as the radius of a circle
    sweep_max_radius_m: float = Field(default=2000, gt=0, le=20_000)
    #: keys the hashes that find a person by national id without storing it
    national_id_key: SecretStr = SecretStr("dev-only-national-id-key")
    #: keys the case-scoped pseudonyms of plates a sweep returns without naming them
    pseudonym_key: SecretStr = SecretStr("dev-only-pseudonym-key")
    #: the longest an authorisation may stay valid
    authorisation_max_validity_days: float = Field(default=30, gt=0, le=366)
    #: a sightings COPY blocks the whole process (see chassis.green.driver_blocking); if it waits
    #: this long for a lock (a partition being made or dropped by another transaction, perhaps of
    #: this very process) it gives up and the batch is retried, instead of waiting for ever
    sightings_copy_lock_timeout_ms: int = Field(default=2000, ge=10, le=60_000)
