"""A small harness: run a coroutine from N concurrent workers for a while, report rate and
latency percentiles. Every benchmark prints its figure beside its floor from the same run."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    #: percentiles measured elsewhere (an external load generator), instead of samples
    known_percentiles: tuple[tuple[float, float], ...] = ()

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        known = dict(self.known_percentiles)
        if p in known:
            return known[p]
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def line(self, floor: Result | None = None) -> str:
        ratio = f"{self.rate / floor.rate:5.2f}x" if floor and floor.rate else "  floor"
        return (
            f"{self.name:<58} {self.rate:8.0f}/s  p50 {self.percentile(50):6.2f} ms  "
            f"p99 {self.percentile(99):7.2f} ms  errors {self.errors:<4} {ratio}"
        )


async def measure(
    name: str,
    call: Callable[[], Awaitable[object]],
    *,
    concurrency: int,
    seconds: float,
    warmup_s: float = 1.0,
) -> Result:
    """Run `call` from `concurrency` workers; count only what finishes after the warm-up."""
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    measuring_from = started + warmup_s
    until = measuring_from + seconds

    async def worker() -> None:
        nonlocal errors
        while (now := time.perf_counter()) < until:
            try:
                await call()
                ok = True
            except Exception:
                ok = False
            done = time.perf_counter()
            if done >= measuring_from and done < until:
                if ok:
                    latencies.append((done - now) * 1000)
                else:
                    errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, len(latencies), errors, seconds, latencies)


def mean_floor(name: str, *floors: Result) -> Result:
    """Floors measured before and after the subject, merged: drift shows, noise averages out."""
    latencies = [x for f in floors for x in f.latencies_ms]
    return Result(
        name,
        sum(f.requests for f in floors),
        sum(f.errors for f in floors),
        sum(f.seconds for f in floors),
        latencies,
    )


def spread(values: list[float]) -> str:
    return f"{statistics.mean(values):.0f} ± {statistics.pstdev(values):.0f}"
