"""Device rules with a clock the test sets: when a silent device is offline, where its outage
begins, its uptime, and what a credential looks like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from contracts.actor import Actor, ActorKind
from contracts.devices import DeviceStatus, DeviceUpdate
from contracts.errors import Forbidden
from contracts.sightings import DeviceCreate
from services.prevention.devices_app import MANAGING_ROLES, check_roles, device_of
from services.prevention.domain.devices import (
    UPTIME_WINDOWS,
    HealthRules,
    credential_of,
    is_offline,
    new_secret,
    offline_after,
    outage_start,
    split_credential,
    status_of,
    uptime,
)

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RULES = HealthRules(grace_factor=2.0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# -- offline detection -------------------------------------------------------------------------


def test_a_device_is_offline_only_once_silent_past_its_interval_with_grace() -> None:
    assert not is_offline(T0, 60, at(60), RULES)  # one interval: merely due
    assert not is_offline(T0, 60, at(119), RULES)  # one late heartbeat is forgiven
    assert not is_offline(T0, 60, at(120), RULES)  # exactly at the deadline
    assert is_offline(T0, 60, at(120.001), RULES)
    assert offline_after(T0, 60, RULES) == at(120)


def test_the_interval_and_the_grace_factor_both_set_the_deadline() -> None:
    assert is_offline(T0, 10, at(21), RULES)
    assert not is_offline(T0, 600, at(21), RULES)
    lenient = HealthRules(grace_factor=3.0)
    assert not is_offline(T0, 10, at(21), lenient) and is_offline(T0, 10, at(31), lenient)


def test_a_grace_factor_below_one_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        HealthRules(grace_factor=0.5)


def test_an_outage_begins_when_the_first_missed_heartbeat_was_due() -> None:
    assert outage_start(T0, 60) == at(60)


def test_status_follows_decommissioning_then_outage_then_first_heartbeat() -> None:
    assert status_of(False, at(60), T0) is DeviceStatus.DECOMMISSIONED
    assert status_of(True, at(60), T0) is DeviceStatus.OFFLINE
    assert status_of(True, at(60), None) is DeviceStatus.OFFLINE  # never spoke, and overdue
    assert status_of(True, None, None) is DeviceStatus.PENDING
    assert status_of(True, None, T0) is DeviceStatus.ONLINE


# -- uptime ------------------------------------------------------------------------------------


def test_uptime_counts_outages_over_the_watched_part_of_the_window() -> None:
    now = at(24 * 3600)
    day = UPTIME_WINDOWS["24h"]
    one_hour_down = [(at(3600), at(7200))]
    figure = uptime(day, now, T0, None, one_hour_down)
    assert (figure.window_s, figure.monitored_s, figure.down_s) == (86400, 86400, 3600)
    assert figure.percent == pytest.approx(100 * 23 / 24, abs=0.001)


def test_an_open_outage_lasts_until_now_and_old_outages_fall_out_of_the_window() -> None:
    now = at(10 * 24 * 3600)
    week = UPTIME_WINDOWS["7d"]
    outages = [(at(3600), at(7200)), (now - timedelta(hours=2), None)]
    figure = uptime(week, now, T0, None, outages)
    assert figure.monitored_s == 7 * 86400
    assert figure.down_s == 7200  # the first outage is more than 7 days old


def test_uptime_of_a_device_watched_for_an_hour_is_over_that_hour() -> None:
    now = at(3600)
    figure = uptime(UPTIME_WINDOWS["24h"], now, T0, None, [(at(1800), at(2700))])
    assert (figure.monitored_s, figure.down_s, figure.percent) == (3600, 900, 75.0)


def test_a_decommissioned_device_is_counted_until_it_was_retired() -> None:
    now = at(24 * 3600)
    retired = at(12 * 3600)
    figure = uptime(UPTIME_WINDOWS["24h"], now, T0, retired, [(at(11 * 3600), None)])
    assert (figure.monitored_s, figure.down_s) == (12 * 3600, 3600)


def test_a_device_never_watched_has_no_uptime_figure() -> None:
    figure = uptime(UPTIME_WINDOWS["24h"], T0, None, None, [])
    assert (figure.monitored_s, figure.percent) == (0, None)


# -- credentials -------------------------------------------------------------------------------


def test_a_credential_is_the_device_id_and_a_fresh_secret() -> None:
    secret = new_secret()
    assert secret != new_secret() and len(secret) >= 43
    assert split_credential(credential_of("cp.futian-01", secret)) == ("cp.futian-01", secret)


@pytest.mark.parametrize(
    "credential",
    [
        None,
        42,
        "",
        "no-secret-at-all",
        "cp-1.",
        ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "cp-1.short",
        "cp 1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "cp-1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A",
        "x" * 300 + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_anything_not_shaped_like_a_credential_is_not_one(credential: object) -> None:
    assert split_credential(credential) is None


# -- who may do what ---------------------------------------------------------------------------


def test_only_administrators_and_supervisors_manage_devices() -> None:
    admin = Actor(kind=ActorKind.OFFICER, id="o-admin", roles=("admin",))
    officer = Actor(kind=ActorKind.OFFICER, id="o-1", roles=("officer",))
    device = Actor(kind=ActorKind.DEVICE, id="cp-1", roles=("admin",))
    check_roles(admin, MANAGING_ROLES, "change devices")
    for refused in (officer, device):
        with pytest.raises(Forbidden):
            check_roles(refused, MANAGING_ROLES, "change devices")


def test_only_a_device_reports_a_heartbeat_and_only_its_own() -> None:
    assert device_of(Actor(kind=ActorKind.DEVICE, id="cp-1")) == "cp-1"
    with pytest.raises(Forbidden):
        device_of(Actor(kind=ActorKind.OFFICER, id="o-1", roles=("admin",)))


# -- contracts ---------------------------------------------------------------------------------


def test_registration_as_before_still_validates_with_the_new_defaults() -> None:
    device = DeviceCreate.model_validate(
        {
            "device_id": "cp-futian-01",
            "kind": "checkpoint",
            "name": "Shennan Rd",
            "unit_id": "futian",
            "location": {"lat": 22.54, "lon": 114.05},
        }
    )
    assert device.heartbeat_interval_s == 60 and device.protocol is None


@pytest.mark.parametrize("interval", [0, 4, 3601])
def test_heartbeat_intervals_outside_the_limits_are_refused(interval: int) -> None:
    with pytest.raises(ValidationError):
        DeviceUpdate(heartbeat_interval_s=interval)


def test_a_change_names_a_field_never_the_id_and_clears_only_optional_ones() -> None:
    with pytest.raises(ValidationError):
        DeviceUpdate.model_validate({})
    with pytest.raises(ValidationError):
        DeviceUpdate.model_validate({"device_id": "other"})
    with pytest.raises(ValidationError):
        DeviceUpdate.model_validate({"name": None})
    cleared = DeviceUpdate.model_validate({"vendor": None, "heartbeat_interval_s": 30})
    assert cleared.changes() == {"vendor": None, "heartbeat_interval_s": 30}
