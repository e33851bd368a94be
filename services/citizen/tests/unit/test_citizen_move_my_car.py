"""Move-my-car limits and messages, without a broker."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from services.citizen.domain import move_my_car

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def test_under_the_limit_there_is_no_wait() -> None:
    assert move_my_car.wait_for([NOW - timedelta(minutes=5)] * 2, 3, NOW) == 0


def test_at_the_limit_the_wait_is_until_the_oldest_that_counts_ages_out() -> None:
    recent = [NOW - timedelta(minutes=m) for m in (50, 20, 10)]
    assert move_my_car.wait_for(recent, 3, NOW) == 10 * 60
    older = [NOW - timedelta(minutes=70), *recent[1:]]
    assert move_my_car.wait_for(older, 3, NOW) == 0


@pytest.mark.parametrize(
    "text",
    ["13900139001", "打我 139 0013 9001", "+86-139-0013-9001", "0755-8300 0000", "电话1234567"],
)
def test_phone_numbers_are_recognised_however_written(text: str) -> None:
    assert move_my_car.has_phone_number(text)


@pytest.mark.parametrize("text", ["B2-117 车位", "香蜜湖路 3 号", "3 号楼 12 层 1201"])
def test_places_with_a_few_digits_are_not_numbers(text: str) -> None:
    assert not move_my_car.has_phone_number(text)


def test_the_owner_is_told_the_plate_and_place_and_nothing_else() -> None:
    sms = move_my_car.owner_sms("粤B7A001", "香蜜湖路 3 号", "https://x/reply?token=abc")
    call = move_my_car.owner_call_script("粤B7A001", "香蜜湖路 3 号")
    for text in (sms, call):
        assert "粤B·7A001" in text and "香蜜湖路 3 号" in text
        assert not re.search(r"1[3-9][0-9]{9}", text)
