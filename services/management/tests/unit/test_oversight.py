from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from services.management.domain.oversight import (
    EVERYONE,
    Flag,
    OversightRules,
    Read,
    SignalCode,
    assess,
    is_working_hours,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW_START = datetime(2026, 11, 2, tzinfo=SHANGHAI)
BRANCHES = ("futian", "nanshan", "luohu")
#: the person the planted repeated-lookup officer keeps looking up (an ex-partner, say)
EX_PARTNER = "person=p-ex-partner"
BULK_READER = "bulk_reader"
REPEATED_LOOKUP = "repeated_lookup"
RULES = OversightRules()


def _local(day: int, hours: float) -> datetime:
    return (WINDOW_START + timedelta(days=day, hours=hours)).astimezone(UTC)


@dataclass(frozen=True)
class Population:
    reads: tuple[Read, ...]
    window_start: datetime
    window_end: datetime
    #: officer id → ordinary profile: patrol, night_shift, traffic, investigator, supervisor
    profiles: dict[str, str]
    #: misuse → the officer it was planted on
    planted: dict[str, str]


@dataclass(frozen=True)
class _Officer:
    id: str
    profile: str
    unit: str
    role: str
    branch: int


class _City:
    """Reads of a city's officers over a window, with the variety ordinary work has."""

    def __init__(self, seed: int, days: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.days = days
        self.reads: list[Read] = []

    def activity(self, typical: float) -> float:
        # ordinary variety stops at three times as busy (or as quiet) as typical: an officer far
        # beyond that is what the volume signal is for
        return typical * float(np.clip(self.rng.lognormal(0.0, 0.4), 1 / 3, 3))

    def duty_days(self, share: float) -> list[int]:
        return [day for day in range(self.days) if self.rng.random() < share]

    def local_plate(self, branch: int) -> str:
        return f"plate=粤B{branch}L{int(self.rng.integers(400)):03d}"

    def any_plate(self) -> str:
        return f"plate=粤B{int(self.rng.integers(100_000)):05d}"

    def local_person(self, branch: int) -> str:
        return f"person=p-{BRANCHES[branch]}-{int(self.rng.integers(600)):04d}"

    def any_person(self) -> str:
        return f"person=p-{int(self.rng.integers(10_000_000)):07d}"

    def read(
        self,
        officer: _Officer,
        at: datetime,
        subject: str,
        purpose: str,
        case_id: str | None = None,
    ) -> None:
        if subject.startswith("person="):
            operation = "data.find_person"
        else:
            operation = ("data.plate_trajectory", "data.vehicle_dossier")[int(self.rng.integers(2))]
        self.reads.append(
            Read(officer.id, officer.unit, officer.role, purpose, case_id, subject, operation, at)
        )

    def street_subject(self, officer: _Officer) -> str:
        local = self.rng.random() < 0.6
        if self.rng.random() < 0.7:
            return self.local_plate(officer.branch) if local else self.any_plate()
        return self.local_person(officer.branch) if local else self.any_person()

    def street_purpose(self) -> tuple[str, str | None]:
        draw = self.rng.random()
        if draw < 0.05:
            return "criminal_investigation", f"case-{int(self.rng.integers(5000)):04d}"
        if draw < 0.15:
            return "emergency_response", None
        return "patrol_and_prevention", None

    def patrol(self, officer: _Officer, typical: float, shift: tuple[float, float]) -> None:
        rate = self.activity(typical)
        for day in self.duty_days(0.7):
            for _ in range(int(self.rng.poisson(rate))):
                if self.rng.random() < 0.05:  # running late at the end of a shift
                    hours = shift[1] + float(self.rng.uniform(0, 2.5))
                else:
                    hours = float(self.rng.uniform(*shift))
                purpose, case_id = self.street_purpose()
                self.read(
                    officer, _local(day, hours), self.street_subject(officer), purpose, case_id
                )

    def traffic(self, officer: _Officer) -> None:
        rate = self.activity(10)
        for day in self.duty_days(0.7):
            for _ in range(int(self.rng.integers(1, 4))):
                start, minutes = float(self.rng.uniform(7.5, 18)), float(self.rng.uniform(30, 90))
                self.burst(officer, day, start, minutes, int(self.rng.poisson(rate)))
        if self.rng.random() < 0.3:  # evening drink-driving checkpoints run past 22:00
            for day in self.rng.choice(self.days, size=int(self.rng.integers(1, 3)), replace=False):
                self.burst(officer, int(day), 21.0, 120, int(self.rng.poisson(25)))

    def burst(self, officer: _Officer, day: int, start: float, minutes: float, reads: int) -> None:
        for _ in range(reads):
            hours = start + float(self.rng.uniform(0, minutes)) / 60
            subject = self.any_plate() if self.rng.random() < 0.85 else self.any_person()
            self.read(officer, _local(day, hours), subject, "traffic_enforcement")

    def investigator(self, officer: _Officer) -> None:
        cases = {
            f"case-{officer.id}-{number}": [
                self.any_person() if self.rng.random() < 0.6 else self.any_plate()
                for _ in range(int(self.rng.integers(5, 16)))
            ]
            for number in range(int(self.rng.integers(2, 5)))
        }
        case_ids = sorted(cases)
        rate = self.activity(10)
        for day in self.duty_days(0.75):
            for _ in range(int(self.rng.poisson(rate))):
                late = self.rng.random() < 0.1
                hours = float(self.rng.uniform(21, 23.5) if late else self.rng.uniform(9, 21))
                if self.rng.random() < 0.88:
                    case_id = case_ids[int(self.rng.integers(len(case_ids)))]
                    pool = cases[case_id]
                    subject = pool[int(self.rng.integers(len(pool)))]
                    self.read(
                        officer, _local(day, hours), subject, "criminal_investigation", case_id
                    )
                else:  # a preliminary check before anything is opened
                    subject = self.any_person()
                    self.read(officer, _local(day, hours), subject, "patrol_and_prevention")

    def bulk_reader(self, officer: _Officer) -> None:
        for day in self.rng.choice(self.days, size=min(5, self.days), replace=False):
            at = _local(int(day), 1 + float(self.rng.uniform(0, 1.5)))
            for _ in range(int(self.rng.integers(55, 91))):
                at += timedelta(seconds=float(self.rng.uniform(20, 60)))
                self.read(officer, at, self.any_person(), "patrol_and_prevention")

    def repeated_lookup(self, officer: _Officer) -> None:
        for day in self.rng.choice(self.days, size=min(7, self.days), replace=False):
            at = _local(int(day), float(self.rng.uniform(20, 23.5)))
            for _ in range(int(self.rng.integers(1, 3))):
                self.read(officer, at, EX_PARTNER, "patrol_and_prevention")
                at += timedelta(minutes=float(self.rng.uniform(5, 15)))


def _officers(count: int, rng: random.Random) -> list[_Officer]:
    shares = {"patrol": 0.45, "night_shift": 0.12, "traffic": 0.18, "investigator": 0.20}
    profiles = [profile for profile, share in shares.items() for _ in range(round(share * count))]
    profiles += ["supervisor"] * (count - len(profiles))
    rng.shuffle(profiles)
    officers = []
    for index, profile in enumerate(profiles[:count]):
        branch = index % len(BRANCHES)
        station = f"sz/{BRANCHES[branch]}/s{index // len(BRANCHES) % 2 + 1}"
        if profile == "traffic":
            unit, role = f"sz/traffic/{BRANCHES[branch]}-squad", "officer"
        elif profile == "investigator":
            in_detachment = index % 10 < 7
            unit = f"sz/cid/team-{branch + 1}" if in_detachment else station
            role = "investigator"
        elif profile == "supervisor":
            unit, role = station, "supervisor"
        else:
            unit, role = station, "officer"
        officers.append(_Officer(f"o-{index:04d}", profile, unit, role, branch))
    return officers


@lru_cache(maxsize=16)
def generate_population(
    seed: int,
    officers: int = 200,
    days: int = 14,
    planted: tuple[str, ...] = (BULK_READER, REPEATED_LOOKUP),
) -> Population:
    """A deterministic city: ordinary officers of every kind, plus the misuse asked for."""
    city = _City(seed, days)
    staff = _officers(officers, random.Random(seed))
    for officer in staff:
        match officer.profile:
            case "patrol":
                city.patrol(officer, 5, (8, 20))
            case "night_shift":
                city.patrol(officer, 4, (22, 31))
            case "supervisor":
                city.patrol(officer, 2, (8, 19))
            case "traffic":
                city.traffic(officer)
            case "investigator":
                city.investigator(officer)
    day_patrol = [officer for officer in staff if officer.profile == "patrol"]
    chosen: dict[str, str] = {}
    for misuse, branch in zip(planted, range(len(BRANCHES)), strict=False):
        candidates = [o for o in day_patrol if o.branch == branch and o.id not in chosen.values()]
        officer = candidates[int(city.rng.integers(len(candidates)))]
        getattr(city, misuse)(officer)
        chosen[misuse] = officer.id
    return Population(
        reads=tuple(city.reads),
        window_start=WINDOW_START,
        window_end=WINDOW_START + timedelta(days=days),
        profiles={officer.id: officer.profile for officer in staff},
        planted=chosen,
    )


def _assess(population: Population, rules: OversightRules = RULES) -> list[Flag]:
    return assess(population.reads, rules, population.window_start, population.window_end)


def _flag_of(flags: list[Flag], officer_id: str) -> Flag:
    matching = [flag for flag in flags if flag.officer_id == officer_id]
    assert matching, f"{officer_id} was not flagged"
    return matching[0]


def _reads_of(population: Population, officer_id: str) -> list[Read]:
    return [read for read in population.reads if read.officer_id == officer_id]


def test_planted_bulk_reader_is_flagged_with_its_signals_and_evidence() -> None:
    population = generate_population(1)
    bulk_reader = population.planted[BULK_READER]
    flag = _flag_of(_assess(population), bulk_reader)

    assert set(flag.codes) >= {
        SignalCode.VOLUME,
        SignalCode.NO_CASE_SUBJECTS,
        SignalCode.OUT_OF_HOURS_BULK,
    }
    # volume supports; reading through hundreds of people without a case, at night, is the case
    strong = {finding.code for finding in flag.findings if finding.strong}
    assert strong >= {SignalCode.NO_CASE_SUBJECTS, SignalCode.OUT_OF_HOURS_BULK}
    assert flag.reads == len(_reads_of(population, bulk_reader))
    assert (flag.role, flag.unit) == ("officer", _reads_of(population, bulk_reader)[0].unit)

    volume = flag.finding(SignalCode.VOLUME)
    assert volume is not None
    assert volume.figure == flag.reads
    assert volume.baseline.peer_group == f"role=officer unit=sz/{BRANCHES[0]}"
    assert volume.figure > 4 * volume.baseline.median
    assert volume.baseline.spread >= volume.baseline.mad

    no_case = flag.finding(SignalCode.NO_CASE_SUBJECTS)
    assert no_case is not None and no_case.figure >= 275
    assert all(read.case_id is None for read in no_case.evidence)
    assert len({read.subject for read in no_case.evidence}) == len(no_case.evidence)

    night = flag.finding(SignalCode.OUT_OF_HOURS_BULK)
    assert night is not None and night.figure >= 30
    assert not any(is_working_hours(read.at, RULES) for read in night.evidence)
    assert night.evidence[-1].at - night.evidence[0].at < RULES.bulk_span
    assert night.baseline.median < 5

    for finding in flag.findings:
        assert len(finding.evidence) == min(finding.figure, RULES.evidence_cap)
        assert all(read.officer_id == bulk_reader for read in finding.evidence)
        assert [read.at for read in finding.evidence] == sorted(
            read.at for read in finding.evidence
        )
        assert finding.z >= RULES.thresholds(finding.code).notable_z


def test_planted_repeated_lookup_is_flagged_for_the_person_looked_up() -> None:
    population = generate_population(1)
    flag = _flag_of(_assess(population), population.planted[REPEATED_LOOKUP])

    repeated = flag.finding(SignalCode.REPEATED_SUBJECT)
    assert repeated is not None and repeated.strong
    assert repeated.figure == 7
    assert {read.subject for read in repeated.evidence} == {EX_PARTNER}
    assert all(read.case_id is None for read in repeated.evidence)
    # one read per occasion, so the evidence shows the separate days it happened
    assert len({read.at.astimezone(SHANGHAI).date() for read in repeated.evidence}) == 7
    assert repeated.baseline.median <= 2


def test_an_officer_who_reads_nothing_but_one_person_is_judged() -> None:
    population = generate_population(1, planted=())
    patrol_read = _reads_of(population, _first_of(population, "patrol"))[0]
    quiet = dataclasses.replace(patrol_read, officer_id="o-quiet")
    visits = [
        read for day in (0, 2, 5, 7, 9, 12) for read in _burst(quiet, _local(day, 21), [EX_PARTNER])
    ]

    flags = _with(population, visits)

    assert [flag.officer_id for flag in flags] == ["o-quiet"]
    assert flags[0].codes == (SignalCode.REPEATED_SUBJECT,)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_flags_the_planted_officers_and_no_ordinary_officer(seed: int) -> None:
    population = generate_population(seed)

    flagged = {flag.officer_id for flag in _assess(population)}

    assert flagged == set(population.planted.values())


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_an_ordinary_population_flags_nobody(seed: int) -> None:
    assert _assess(generate_population(seed, planted=())) == []


def test_night_shift_officers_read_out_of_hours_and_are_not_flagged() -> None:
    population = generate_population(2)
    night_shift = {oid for oid, profile in population.profiles.items() if profile == "night_shift"}
    night_reads = [read for read in population.reads if read.officer_id in night_shift]
    # the test means something only if their reads really are out of hours
    assert sum(not is_working_hours(read.at, RULES) for read in night_reads) > 0.9 * len(
        night_reads
    )

    flagged = {flag.officer_id for flag in _assess(population)}

    assert not flagged & night_shift


def _first_of(population: Population, profile: str) -> str:
    return min(oid for oid, kind in population.profiles.items() if kind == profile)


def _burst(
    template: Read,
    start: datetime,
    subjects: list[str],
    *,
    purpose: str = "patrol_and_prevention",
    case_id: str | None = None,
) -> list[Read]:
    """One read every 50 seconds, as someone working through a list would."""
    return [
        dataclasses.replace(
            template,
            subject=subject,
            operation="data.find_person"
            if subject.startswith("person=")
            else "data.plate_trajectory",
            purpose=purpose,
            case_id=case_id,
            at=start + timedelta(seconds=50 * number),
        )
        for number, subject in enumerate(subjects)
    ]


def _with(population: Population, extra: list[Read]) -> list[Flag]:
    reads = [*population.reads, *extra]
    return assess(reads, RULES, population.window_start, population.window_end)


def test_a_night_shift_officer_who_reads_through_people_in_bulk_is_flagged() -> None:
    population = generate_population(2, planted=())
    officer_id = _first_of(population, "night_shift")
    people = [f"person=p-harvest-{number:03d}" for number in range(60)]

    flags = _with(population, _burst(_reads_of(population, officer_id)[0], _local(3, 2), people))

    assert [flag.officer_id for flag in flags] == [officer_id]
    night = flags[0].finding(SignalCode.OUT_OF_HOURS_BULK)
    assert night is not None and night.strong and night.figure == 60


def test_following_one_vehicle_through_the_night_is_not_bulk() -> None:
    population = generate_population(2, planted=())
    officer_id = _first_of(population, "night_shift")
    pursuit = ["plate=粤B9P001"] * 60

    flags = _with(
        population,
        _burst(
            _reads_of(population, officer_id)[0],
            _local(3, 2),
            pursuit,
            purpose="emergency_response",
        ),
    )

    assert flags == []


def test_a_daytime_burst_of_case_work_is_not_out_of_hours_bulk() -> None:
    population = generate_population(2, planted=())
    officer_id = _first_of(population, "investigator")
    associates = [f"person=p-case-{number:03d}" for number in range(60)]

    flags = _with(
        population,
        _burst(
            _reads_of(population, officer_id)[0],
            _local(3, 10),
            associates,
            purpose="criminal_investigation",
            case_id="case-0001",
        ),
    )

    assert flags == []


def test_reads_under_purposes_that_run_without_a_case_are_not_caseless_snooping() -> None:
    population = generate_population(2, planted=())
    officer_id = _first_of(population, "patrol")
    template = _reads_of(population, officer_id)[0]
    counter_duty = [
        read
        for day in range(5)
        for read in _burst(
            template,
            _local(day, 10),
            [f"person=p-applicant-{day}-{number:02d}" for number in range(40)],
            purpose="citizen_service",
        )
    ]

    assert _with(population, counter_duty) == []
    # the same reads under patrol would be
    patrol = [dataclasses.replace(read, purpose="patrol_and_prevention") for read in counter_duty]
    flagged = _with(population, patrol)
    assert [flag.officer_id for flag in flagged] == [officer_id]
    assert flagged[0].codes[0] == SignalCode.NO_CASE_SUBJECTS


def test_peers_are_grouped_by_unit_so_traffic_squads_are_not_held_to_patrol_volumes() -> None:
    population = generate_population(1, planted=())
    traffic = {oid for oid, profile in population.profiles.items() if profile == "traffic"}

    by_role_only = assess(
        population.reads,
        dataclasses.replace(RULES, peer_unit_depths=()),
        population.window_start,
        population.window_end,
    )

    # the unit level is what keeps traffic officers' ordinary bursts from looking like misuse
    assert {flag.officer_id for flag in by_role_only} & traffic
    assert _assess(population) == []


def test_a_small_peer_group_falls_back_to_the_role_then_everyone() -> None:
    population = generate_population(1)
    flags = _assess(population)
    groups = {finding.baseline.peer_group for flag in flags for finding in flag.findings}
    assert groups == {f"role=officer unit=sz/{BRANCHES[0]}", f"role=officer unit=sz/{BRANCHES[1]}"}

    lone = [
        dataclasses.replace(read, role="analyst", unit="sz/bureau")
        for read in _reads_of(population, population.planted[BULK_READER])
    ]
    others = [r for r in population.reads if r.officer_id != population.planted[BULK_READER]]
    flags = assess([*others, *lone], RULES, population.window_start, population.window_end)

    analyst = next(flag for flag in flags if flag.role == "analyst")
    assert {finding.baseline.peer_group for finding in analyst.findings} == {EVERYONE}

    # investigators at one branch's stations are too few, all investigators are enough
    at_a_station = [dataclasses.replace(read, role="investigator") for read in lone]
    at_a_station = [dataclasses.replace(read, unit="sz/futian/s1") for read in at_a_station]
    flags = assess([*others, *at_a_station], RULES, population.window_start, population.window_end)

    investigator = next(flag for flag in flags if flag.role == "investigator")
    assert {finding.baseline.peer_group for finding in investigator.findings} == {
        "role=investigator"
    }


def _officer_reads(officer_id: str, count: int, *, day_hours: float = 10) -> list[Read]:
    return [
        Read(
            officer_id=officer_id,
            unit="sz/futian/s1",
            role="officer",
            purpose="patrol_and_prevention",
            case_id=None,
            subject=f"plate=粤B{officer_id[-2:]}{number:03d}",
            operation="data.plate_trajectory",
            at=(WINDOW_START + timedelta(days=number % 14, hours=day_hours)).astimezone(UTC),
        )
        for number in range(count)
    ]


def test_a_population_too_small_to_have_peers_flags_nobody() -> None:
    reads = [read for index in range(5) for read in _officer_reads(f"o-{index:02d}", 20)]
    reads += _officer_reads("o-99", 900, day_hours=2)

    flags = assess(reads, RULES, WINDOW_START, WINDOW_START + timedelta(days=14))

    assert flags == []


def test_peers_who_all_read_alike_do_not_make_a_busier_officer_extreme() -> None:
    # every peer reads exactly 300: their MAD is zero, so only the spread floor keeps 450 ordinary
    reads = [read for index in range(40) for read in _officer_reads(f"o-{index:02d}", 300)]
    reads += _officer_reads("o-99", 450)

    assert assess(reads, RULES, WINDOW_START, WINDOW_START + timedelta(days=14)) == []


def test_a_quiet_population_does_not_flag_three_reads_instead_of_one() -> None:
    reads = [read for index in range(40) for read in _officer_reads(f"o-{index:02d}", 14)]
    reads += _officer_reads("o-99", 42)
    window_end = WINDOW_START + timedelta(days=14)

    assert assess(reads, RULES, WINDOW_START, window_end) == []
    # while the same officer reading at scale is flagged: the floors, not blindness, kept it quiet
    reads += _officer_reads("o-98", 600)
    assert [flag.officer_id for flag in assess(reads, RULES, WINDOW_START, window_end)] == ["o-98"]


def test_officers_on_leave_neither_are_judged_nor_drag_the_baseline_down() -> None:
    working = [f"o-{index:02d}" for index in range(40)]
    reads = [read for officer_id in working for read in _officer_reads(officer_id, 300)]
    reads += [read for index in range(40, 100) for read in _officer_reads(f"o-{index:02d}", 3)]
    window = (WINDOW_START, WINDOW_START + timedelta(days=14))

    assert assess(reads, RULES, *window) == []
    # counted in, the officers on leave would make everyone at work look extreme
    everyone_counts = dataclasses.replace(RULES, min_reads=1)
    assert [flag.officer_id for flag in assess(reads, everyone_counts, *window)] == working


def test_evidence_is_capped() -> None:
    population = generate_population(3)
    rules = dataclasses.replace(RULES, evidence_cap=5)

    flags = _assess(population, rules)

    assert flags
    findings = [finding for flag in flags for finding in flag.findings]
    assert all(len(finding.evidence) == min(5, finding.figure) for finding in findings)
    assert any(finding.figure > 5 for finding in findings)


def _harvest(template: Read, first_night: datetime) -> list[Read]:
    """Five nights of reading through 60 people each, from 02:00 local."""
    return [
        read
        for night in range(5)
        for read in _burst(
            template,
            first_night + timedelta(days=night, hours=2),
            [f"person=p-harvest-{night}-{number:03d}" for number in range(60)],
        )
    ]


def test_only_reads_inside_the_window_count() -> None:
    population = generate_population(4, planted=())
    officer_id = _first_of(population, "patrol")
    template = _reads_of(population, officer_id)[0]
    window = (population.window_start, population.window_end)

    before = _harvest(template, population.window_start - timedelta(days=7))
    after = _harvest(template, population.window_end)
    inside = _harvest(template, population.window_start + timedelta(days=4))

    assert assess([*population.reads, *before, *after], RULES, *window) == []
    flagged = assess([*population.reads, *inside], RULES, *window)
    assert [flag.officer_id for flag in flagged] == [officer_id]


def test_results_are_deterministic_and_ordered() -> None:
    population = generate_population(5)
    shuffled = list(population.reads)
    random.Random(99).shuffle(shuffled)

    flags = _assess(population)

    assert flags == _assess(generate_population.__wrapped__(5))
    assert flags == assess(shuffled, RULES, population.window_start, population.window_end)
    assert [flag.officer_id for flag in flags] == [
        flag.officer_id for flag in sorted(flags, key=lambda f: (-f.score, f.officer_id))
    ]
    # reading through hundreds of people outweighs looking one up again and again
    assert flags[0].officer_id == population.planted[BULK_READER]


def test_times_and_windows_must_carry_a_time_zone() -> None:
    naive = datetime(2026, 11, 2, 10)
    with pytest.raises(ValueError):
        dataclasses.replace(_officer_reads("o-01", 1)[0], at=naive)
    with pytest.raises(ValueError):
        assess([], RULES, naive, naive + timedelta(days=1))
    with pytest.raises(ValueError):
        assess([], RULES, WINDOW_START, WINDOW_START)


def test_working_hours_may_wrap_midnight() -> None:
    night_desk = dataclasses.replace(RULES, working_hours_start=time(22), working_hours_end=time(6))

    assert is_working_hours(_local(0, 23), night_desk)
    assert is_working_hours(_local(0, 3), night_desk)
    assert not is_working_hours(_local(0, 12), night_desk)
    assert not is_working_hours(_local(0, 3), RULES)
    assert is_working_hours(_local(0, 12), RULES)
    assert not is_working_hours(_local(0, 22), RULES)
