from collections import namedtuple

import pytest

from contracts.values import distance_m
from services.data.domain.lookback import LookbackRefused
from services.data.domain.places import bounding_box, nearest_page, parse_nearest_cursor

Row = namedtuple("Row", "place_id lat lon")


def test_distance_of_a_known_pair():
    # Futian (22.5431, 114.0579) to Shekou (22.4822, 113.9127): about 16.3 km
    assert distance_m(22.5431, 114.0579, 22.4822, 113.9127) == pytest.approx(16_300, rel=0.01)
    assert distance_m(22.5, 114.0, 22.5, 114.0) == 0


def test_bounding_box_holds_the_whole_circle():
    box = bounding_box(22.5, 114.0, 5_000)
    for bearing_lat, bearing_lon in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        lat = 22.5 + bearing_lat * 5_000 / 110_540
        lon = 114.0 + bearing_lon * 5_000 / (111_320 * 0.9239)
        assert box.south <= lat <= box.north and box.west <= lon <= box.east


def test_nearest_first_within_radius_then_pages():
    rows = [
        Row("far", 22.60, 114.0),  # ~11 km: outside 5 km
        Row("b", 22.51, 114.0),
        Row("a", 22.51, 114.0),  # same distance as b: ties by id
        Row("near", 22.501, 114.0),
    ]
    page, cursor = nearest_page(rows, 22.5, 114.0, 5_000, None, 2)
    assert [r.place_id for _, r in page] == ["near", "a"]
    assert cursor is not None
    page, cursor = nearest_page(rows, 22.5, 114.0, 5_000, parse_nearest_cursor(cursor), 2)
    assert [r.place_id for _, r in page] == ["b"]
    assert cursor is None


def test_bad_cursor_is_refused():
    with pytest.raises(LookbackRefused):
        parse_nearest_cursor("not-a-cursor")
