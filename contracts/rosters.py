"""Duty rosters of stations: shift templates, minimum staffing, leave, generated weeks."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field

SHIFT_NAME = r"^[a-z][a-z0-9_-]{0,31}$"


class ShiftTemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=SHIFT_NAME)
    #: local wall-clock start
    start: time
    duration_hours: float = Field(gt=0, le=24)
    night: bool = False


class StaffingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shift: str = Field(pattern=SHIFT_NAME)
    weekday_minimum: int = Field(ge=0, le=200)
    #: Saturday and Sunday; the weekday figure when absent
    weekend_minimum: int | None = Field(default=None, ge=0, le=200)


class StationRules(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "shifts": [
                        {"name": "day", "start": "08:00", "duration_hours": 8},
                        {"name": "evening", "start": "16:00", "duration_hours": 8},
                        {"name": "night", "start": "00:00", "duration_hours": 8, "night": True},
                    ],
                    "staffing": [
                        {"shift": "day", "weekday_minimum": 4, "weekend_minimum": 3},
                        {"shift": "evening", "weekday_minimum": 4, "weekend_minimum": 3},
                        {"shift": "night", "weekday_minimum": 3},
                    ],
                }
            ]
        },
    )

    shifts: list[ShiftTemplateIn] = Field(min_length=1, max_length=12)
    staffing: list[StaffingIn] = Field(max_length=12)


class LeaveCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"first": "2026-12-07", "last": "2026-12-09", "reason": "annual leave"}]
        },
    )

    first: date
    last: date
    reason: str = Field(min_length=2, max_length=200)


class RosterAssignment(BaseModel):
    officer_id: str
    day: date
    shift: str
    start: datetime
    end: datetime
    night: bool


class RosterViolation(BaseModel):
    #: understaffed, overlap, rest_too_short, over_max_hours, too_many_consecutive_days, …
    code: str
    message: str
    officer_id: str | None = None
    day: date | None = None
    shift: str | None = None
    shortfall: int = 0


class OfficerFairness(BaseModel):
    nights: int
    weekend_shifts: int


class RosterWeek(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "station_id": "futian-xiangmihu",
                    "week_start": "2026-11-30",
                    "assignments": [
                        {
                            "officer_id": "li.wei",
                            "day": "2026-11-30",
                            "shift": "day",
                            "start": "2026-11-30T08:00:00+08:00",
                            "end": "2026-11-30T16:00:00+08:00",
                            "night": False,
                        }
                    ],
                    "unmet": [
                        {
                            "code": "understaffed",
                            "message": "2026-12-05 (Sat) night: 1 officer short (2 of 3)",
                            "day": "2026-12-05",
                            "shift": "night",
                            "shortfall": 1,
                        }
                    ],
                    "fairness": {"li.wei": {"nights": 1, "weekend_shifts": 1}},
                }
            ]
        }
    )

    station_id: str
    #: a Monday
    week_start: date
    assignments: list[RosterAssignment]
    #: rules the week does not meet (a generated week can only fall short on staffing)
    unmet: list[RosterViolation]
    #: nights and weekend shifts so far (the last four weeks and this one)
    fairness: dict[str, OfficerFairness]


class RosterSlot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    officer_id: str = Field(max_length=64)
    day: date
    shift: str = Field(pattern=SHIFT_NAME)


class RosterEdit(BaseModel):
    """A supervisor's change to a week: checked against the same rules as the generator; a
    change that breaks any rule for an officer is refused whole, with every violation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "remove": [{"officer_id": "li.wei", "day": "2026-12-01", "shift": "night"}],
                    "add": [{"officer_id": "wang.fang", "day": "2026-12-01", "shift": "night"}],
                }
            ]
        },
    )

    add: list[RosterSlot] = Field(default_factory=list, max_length=200)
    remove: list[RosterSlot] = Field(default_factory=list, max_length=200)
