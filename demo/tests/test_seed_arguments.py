"""`make run` seeds with the seeder's defaults: they must be valid."""

from __future__ import annotations

import pytest

from contracts.sightings import MAX_BATCH_ROWS
from demo.seed import parse_args


def test_the_defaults_are_valid() -> None:
    args = parse_args([])
    assert args.scale == 0 and 0 < args.scale_batch <= MAX_BATCH_ROWS


def test_a_batch_larger_than_prevention_makes_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--scale", "10", "--scale-batch", str(MAX_BATCH_ROWS + 1)])
