"""Oversight of personal-data reads: officers whose reads are unlike their peers', with evidence.

Every served read of personal data lands in the audit ledger. This rule compares each officer's
reads in a window with those of their peers and names the officers the inspection unit should
look at, with the reads that made each signal. It suggests; the inspection unit decides.

Peers are compared with robust statistics (median and median absolute deviation), because a
handful of very busy officers must not drag the baseline up and hide an outlier. Each signal
also has an absolute floor and a floor on the spread, so a quiet population never turns three
reads instead of one into a finding.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from contracts.actor import Purpose

#: makes a median absolute deviation comparable with a standard deviation (normal data)
MAD_TO_SIGMA = 1.4826

EVERYONE = "everyone"


class SignalCode(StrEnum):
    VOLUME = "volume"
    NO_CASE_SUBJECTS = "no_case_subjects"
    OUT_OF_HOURS_BULK = "out_of_hours_bulk"
    REPEATED_SUBJECT = "repeated_subject"


@dataclass(frozen=True)
class Read:
    """One served read of personal data, as the audit ledger records it."""

    officer_id: str
    #: the officer's unit path (`city/branch/station`), so that peers can be grouped by level
    unit: str
    role: str
    purpose: str
    case_id: str | None
    #: opaque to the rule, which only compares subjects for equality (a digest works too)
    subject: str
    operation: str
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("a read's time must carry a time zone offset")


@dataclass(frozen=True)
class SignalThresholds:
    #: below this figure the signal never fires, whatever the peers do
    min_figure: float
    #: the least spread a baseline may claim: peers who all read alike have a MAD near zero
    min_spread: float
    #: fires as supporting evidence from this z-score
    notable_z: float
    #: flags the officer from this z-score
    strong_z: float
    #: `min_figure` and `min_spread` are per day of the window: the figure grows with its length
    per_day: bool = False

    def __post_init__(self) -> None:
        if self.min_spread <= 0:
            raise ValueError("min_spread must be positive")
        if not 0 < self.notable_z <= self.strong_z:
            raise ValueError("need 0 < notable_z <= strong_z")


@dataclass(frozen=True)
class OversightRules:
    time_zone: str = "Asia/Shanghai"
    #: local working hours; a range that wraps midnight (22:00–06:00) is allowed
    working_hours_start: time = time(7)
    working_hours_end: time = time(22)
    #: an officer with fewer reads in the window is neither judged nor part of any baseline:
    #: someone on leave for most of the window would drag the typical figure down. No more than
    #: the repeated-subject floor, or an officer who reads nothing but one person goes unseen.
    min_reads: int = 5
    #: a peer group smaller than this gives no baseline; the next, wider group is used. When the
    #: whole population is smaller, nobody is judged.
    min_peer_group: int = 8
    #: unit levels to group peers at before role alone (1 city, 2 branch, 3 station), narrowest
    #: first: traffic squads and patrol stations of the same role read very differently
    peer_unit_depths: tuple[int, ...] = (2,)
    #: the spread is at least this fraction of the median: in counts of human work, reading
    #: twice as much as a colleague is ordinary variety, not an anomaly
    relative_spread_floor: float = 0.5
    #: purposes whose work runs without a case by design (an emergency at hand, a citizen at the
    #: counter); their caseless reads are left to the volume and out-of-hours signals
    caseless_purposes: frozenset[str] = frozenset(
        {Purpose.EMERGENCY_RESPONSE.value, Purpose.CITIZEN_SERVICE.value}
    )
    #: the span in which many subjects read out of hours make a bulk read
    bulk_span: timedelta = timedelta(hours=1)
    #: look-ups of one subject this far apart are separate occasions, so that one pursuit's
    #: repeated trajectory reads count once and a look-up every few days counts each time
    occasion_gap: timedelta = timedelta(hours=8)
    #: reads kept as evidence per finding; the figure says how many there were
    evidence_cap: int = 20
    #: one extreme signal must not outweigh several strong ones in the ordering
    score_z_cap: float = 20.0
    #: busy is not misuse, and case-linked work can legitimately run to several times the
    #: typical load: volume alone flags only far out (with the spread floor, six times the median)
    volume: SignalThresholds = SignalThresholds(
        min_figure=15, min_spread=1, notable_z=4, strong_z=10, per_day=True
    )
    no_case_subjects: SignalThresholds = SignalThresholds(
        min_figure=6, min_spread=1, notable_z=4, strong_z=8, per_day=True
    )
    out_of_hours_bulk: SignalThresholds = SignalThresholds(
        min_figure=30, min_spread=3, notable_z=3.5, strong_z=6
    )
    #: occasions are small whole numbers whose spread is floored at one: five separate look-ups
    #: of one subject without a case is the real gate, and peers who re-check their beat's
    #: plates a couple of times raise the bar through the median
    repeated_subject: SignalThresholds = SignalThresholds(
        min_figure=5, min_spread=1, notable_z=2.5, strong_z=3
    )

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # an unknown zone fails here, not in the middle of a run
        if self.working_hours_start == self.working_hours_end:
            raise ValueError("working hours must start and end at different times")
        if self.min_reads < 1 or self.min_peer_group < 2 or self.evidence_cap < 1:
            raise ValueError("need min_reads >= 1, min_peer_group >= 2, evidence_cap >= 1")
        if any(depth < 1 for depth in self.peer_unit_depths):
            raise ValueError("unit depths start at 1 (the city)")
        if self.bulk_span <= timedelta(0) or self.occasion_gap <= timedelta(0):
            raise ValueError("bulk_span and occasion_gap must be positive")

    def thresholds(self, code: SignalCode) -> SignalThresholds:
        return {
            SignalCode.VOLUME: self.volume,
            SignalCode.NO_CASE_SUBJECTS: self.no_case_subjects,
            SignalCode.OUT_OF_HOURS_BULK: self.out_of_hours_bulk,
            SignalCode.REPEATED_SUBJECT: self.repeated_subject,
        }[code]


@dataclass(frozen=True)
class Baseline:
    #: `role=… unit=…`, `role=…` or `everyone`: the narrowest group big enough to compare with
    peer_group: str
    peers: int
    median: float
    #: median absolute deviation, scaled to compare with a standard deviation
    mad: float
    #: what the z-score divides by: the MAD, raised to the floors
    spread: float


@dataclass(frozen=True)
class Finding:
    code: SignalCode
    #: reads (volume), distinct subjects read without a case (no_case_subjects), distinct
    #: subjects in the densest out-of-hours span (out_of_hours_bulk), occasions on which the
    #: most looked-up subject was read without a case (repeated_subject)
    figure: int
    baseline: Baseline
    z: float
    strong: bool
    #: one read per unit of the figure (each read, each subject's first read, each occasion's
    #: first read), sampled evenly across them down to the rules' cap, in time order
    evidence: tuple[Read, ...]


@dataclass(frozen=True)
class Flag:
    """An officer the inspection unit should look at: the makings of an oversight case."""

    officer_id: str
    role: str
    unit: str
    reads: int
    score: float
    #: strongest first
    findings: tuple[Finding, ...]
    window_start: datetime
    window_end: datetime

    @property
    def codes(self) -> tuple[SignalCode, ...]:
        return tuple(finding.code for finding in self.findings)

    def finding(self, code: SignalCode) -> Finding | None:
        return next((finding for finding in self.findings if finding.code == code), None)


@dataclass(frozen=True)
class _Measured:
    figure: int
    #: the reads behind the figure, one per unit of it, in time order
    behind: Sequence[Read]


def assess(
    reads: Iterable[Read], rules: OversightRules, window_start: datetime, window_end: datetime
) -> list[Flag]:
    """Officers with at least one strong signal in `[window_start, window_end)`, highest score
    first (ties by officer id)."""
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("the window must carry time zone offsets")
    if window_start >= window_end:
        raise ValueError("the window must start before it ends")

    by_officer: defaultdict[str, list[Read]] = defaultdict(list)
    for read in reads:
        if window_start <= read.at < window_end:
            by_officer[read.officer_id].append(read)
    judged = {
        officer_id: sorted(officer_reads, key=_in_time_order)
        for officer_id, officer_reads in sorted(by_officer.items())
        if len(officer_reads) >= rules.min_reads
    }
    if len(judged) < rules.min_peer_group:
        return []

    zone = ZoneInfo(rules.time_zone)
    measured = {
        officer_id: _measure(officer_reads, rules, zone)
        for officer_id, officer_reads in judged.items()
    }
    ladders = {
        officer_id: _peer_groups(officer_reads[-1], rules)
        for officer_id, officer_reads in judged.items()
    }
    members: defaultdict[str, list[str]] = defaultdict(list)
    for officer_id, ladder in ladders.items():
        for group in ladder:
            members[group].append(officer_id)

    days = max((window_end - window_start) / timedelta(days=1), 1.0)
    baselines: dict[tuple[str, SignalCode], Baseline] = {}
    flags = []
    for officer_id, officer_reads in judged.items():
        group = next(g for g in ladders[officer_id] if len(members[g]) >= rules.min_peer_group)
        findings = []
        for code in SignalCode:
            thresholds = rules.thresholds(code)
            scale = days if thresholds.per_day else 1.0
            key = (group, code)
            if key not in baselines:
                figures = [measured[peer][code].figure for peer in members[group]]
                baselines[key] = _baseline(group, figures, thresholds, scale, rules)
            finding = _judge(
                code, measured[officer_id][code], baselines[key], thresholds, scale, rules
            )
            if finding is not None:
                findings.append(finding)
        if any(finding.strong for finding in findings):
            findings.sort(key=lambda finding: (-finding.z, finding.code))
            latest = officer_reads[-1]
            flags.append(
                Flag(
                    officer_id=officer_id,
                    role=latest.role,
                    unit=latest.unit,
                    reads=len(officer_reads),
                    score=sum(min(finding.z, rules.score_z_cap) for finding in findings),
                    findings=tuple(findings),
                    window_start=window_start,
                    window_end=window_end,
                )
            )
    flags.sort(key=lambda flag: (-flag.score, flag.officer_id))
    return flags


def is_working_hours(at: datetime, rules: OversightRules) -> bool:
    local = at.astimezone(ZoneInfo(rules.time_zone)).time()
    return _within(local, rules.working_hours_start, rules.working_hours_end)


def _within(local: time, start: time, end: time) -> bool:
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _in_time_order(read: Read) -> tuple[datetime, str, str, str, str, str, str]:
    # every field takes part so that the order, and so the evidence, never depends on input order
    return (
        read.at,
        read.subject,
        read.operation,
        read.purpose,
        read.case_id or "",
        read.unit,
        read.role,
    )


def _peer_groups(latest: Read, rules: OversightRules) -> list[str]:
    """Narrowest first; an officer who moved during the window is judged where they are now."""
    segments = latest.unit.split("/")
    groups = [
        f"role={latest.role} unit={'/'.join(segments[:depth])}" for depth in rules.peer_unit_depths
    ]
    return [*dict.fromkeys(groups), f"role={latest.role}", EVERYONE]


def _measure(
    reads: Sequence[Read], rules: OversightRules, zone: ZoneInfo
) -> dict[SignalCode, _Measured]:
    caseless = [read for read in reads if read.case_id is None]
    return {
        SignalCode.VOLUME: _Measured(len(reads), reads),
        SignalCode.NO_CASE_SUBJECTS: _first_of_each_subject(
            [read for read in caseless if read.purpose not in rules.caseless_purposes]
        ),
        SignalCode.OUT_OF_HOURS_BULK: _densest_out_of_hours_span(reads, rules, zone),
        # any purpose counts here: declaring an emergency each time does not make looking up one
        # person on many separate occasions ordinary
        SignalCode.REPEATED_SUBJECT: _most_repeated_subject(caseless, rules.occasion_gap),
    }


def _first_of_each_subject(reads: Sequence[Read]) -> _Measured:
    firsts: dict[str, Read] = {}
    for read in reads:
        firsts.setdefault(read.subject, read)
    return _Measured(len(firsts), list(firsts.values()))


def _densest_out_of_hours_span(
    reads: Sequence[Read], rules: OversightRules, zone: ZoneInfo
) -> _Measured:
    """The most distinct subjects read out of hours within one `bulk_span`.

    Distinct subjects, not reads: following one vehicle through the night is a pursuit, reading
    through many people is bulk.
    """
    night = [
        read
        for read in reads
        if not _within(
            read.at.astimezone(zone).time(), rules.working_hours_start, rules.working_hours_end
        )
    ]
    in_span: Counter[str] = Counter()
    best, best_first, best_last = 0, 0, -1
    first = 0
    for last, read in enumerate(night):
        in_span[read.subject] += 1
        while read.at - night[first].at >= rules.bulk_span:
            leaving = night[first].subject
            in_span[leaving] -= 1
            if not in_span[leaving]:
                del in_span[leaving]
            first += 1
        if len(in_span) > best:
            best, best_first, best_last = len(in_span), first, last
    return _first_of_each_subject(night[best_first : best_last + 1])


def _most_repeated_subject(caseless: Sequence[Read], occasion_gap: timedelta) -> _Measured:
    by_subject: defaultdict[str, list[Read]] = defaultdict(list)
    for read in caseless:
        by_subject[read.subject].append(read)
    best: list[Read] = []
    best_reads = 0
    for subject in sorted(by_subject):
        subject_reads = by_subject[subject]
        occasions = [subject_reads[0]] + [
            later
            for earlier, later in pairwise(subject_reads)
            if later.at - earlier.at >= occasion_gap
        ]
        if (len(occasions), len(subject_reads)) > (len(best), best_reads):
            best, best_reads = occasions, len(subject_reads)
    return _Measured(len(best), best)


def _baseline(
    group: str,
    figures: Sequence[int],
    thresholds: SignalThresholds,
    scale: float,
    rules: OversightRules,
) -> Baseline:
    median = float(statistics.median(figures))
    mad = MAD_TO_SIGMA * float(statistics.median(abs(figure - median) for figure in figures))
    spread = max(mad, thresholds.min_spread * scale, rules.relative_spread_floor * median)
    return Baseline(group, len(figures), median, mad, spread)


def _judge(
    code: SignalCode,
    measured: _Measured,
    baseline: Baseline,
    thresholds: SignalThresholds,
    scale: float,
    rules: OversightRules,
) -> Finding | None:
    if measured.figure < thresholds.min_figure * scale:
        return None
    z = (measured.figure - baseline.median) / baseline.spread
    if z < thresholds.notable_z:
        return None
    return Finding(
        code=code,
        figure=measured.figure,
        baseline=baseline,
        z=z,
        strong=z >= thresholds.strong_z,
        evidence=_evenly_sampled(measured.behind, rules.evidence_cap),
    )


def _evenly_sampled(reads: Sequence[Read], cap: int) -> tuple[Read, ...]:
    if len(reads) <= cap:
        return tuple(reads)
    return tuple(reads[index * len(reads) // cap] for index in range(cap))
