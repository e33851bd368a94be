"""The generated demo city: deterministic, valid for every contract, and shaped like a city."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from contracts.identity import UnitCreate
from contracts.incidents import IncidentCreate
from contracts.places import PlaceCreate, PlaceKind
from contracts.sightings import DeviceCreate, SightingsRecorded
from contracts.values import normalise_plate
from contracts.vehicles import PersonCreate, VehicleCreate
from demo import generator
from demo.city import CHECKPOINTS, UNITS
from demo.generator import (
    LOCAL_TIME_ZONE,
    SHENZHEN,
    City,
    CitySize,
    generate_city,
    sighting_batches,
)
from services.data.domain.sightings import rows_of
from services.prevention.domain.sightings import sighting_id

# microseconds on purpose: the window's ends must be honoured to the second
NOW = datetime(2026, 11, 29, 20, 30, 15, 250_000, tzinfo=UTC)
SMALL = CitySize(persons=50, vehicles=80, incidents=300, incident_days=30, places_per_town=7)


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city(NOW)


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(LOCAL_TIME_ZONE)


# -- determinism -------------------------------------------------------------------------------


def test_the_same_seed_and_now_make_the_same_city() -> None:
    assert generate_city(NOW, SMALL, seed=7) == generate_city(NOW, SMALL, seed=7)


def test_another_seed_makes_another_city() -> None:
    one, other = generate_city(NOW, SMALL, seed=7), generate_city(NOW, SMALL, seed=8)
    assert one.persons != other.persons
    assert one.vehicles != other.vehicles
    assert {i["incident_id"] for i in one.incidents}.isdisjoint(
        i["incident_id"] for i in other.incidents
    )


def test_incident_ids_do_not_depend_on_now_so_a_reseed_finds_them() -> None:
    today, tomorrow = generate_city(NOW, SMALL), generate_city(NOW + timedelta(days=1), SMALL)
    assert [i["incident_id"] for i in today.incidents] == [
        i["incident_id"] for i in tomorrow.incidents
    ]
    assert today.incidents[0]["incident_id"] == str(
        uuid.uuid5(generator.INCIDENT_NAMESPACE, f"{generator.DEFAULT_SEED}:0")
    )


def test_a_change_in_one_size_leaves_the_other_parts_alone() -> None:
    fewer_incidents = CitySize(persons=50, vehicles=80, incidents=10, places_per_town=7)
    assert generate_city(NOW, SMALL).persons == generate_city(NOW, fewer_incidents).persons


def test_now_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError):
        generate_city(NOW.replace(tzinfo=None), SMALL)


# -- contracts ---------------------------------------------------------------------------------


def test_every_generated_record_is_valid_for_its_contract(city: City) -> None:
    for unit in city.units:
        UnitCreate.model_validate(unit)
    for checkpoint in city.checkpoints:
        DeviceCreate.model_validate(checkpoint)
    for place in city.places:
        PlaceCreate.model_validate(place)
    for person in city.persons:
        PersonCreate.model_validate(person)
    for vehicle in city.vehicles:
        VehicleCreate.model_validate(vehicle)
    for incident in city.incidents:
        IncidentCreate.model_validate(incident)


def test_default_sizes(city: City) -> None:
    assert len(city.persons) == 2_000
    assert len(city.vehicles) == 3_000
    assert len(city.incidents) == 20_000
    assert 200 <= len(city.places) <= 500


def test_ids_are_unique(city: City) -> None:
    for records, key in (
        (city.units, "id"),
        (city.checkpoints, "device_id"),
        (city.places, "place_id"),
        (city.persons, "person_id"),
        (city.vehicles, "plate"),
        (city.vehicles, "vin"),
        (city.incidents, "incident_id"),
    ):
        ids = [r[key] for r in records]
        assert len(ids) == len(set(ids)), key


# -- units, towns, places ----------------------------------------------------------------------


def test_the_demo_units_and_checkpoints_are_kept_as_they_were(city: City) -> None:
    for unit_id, name, level, parent in UNITS:
        assert {"id": unit_id, "name": name, "level": level, "parent_id": parent} in city.units
    by_id = {c["device_id"]: c for c in city.checkpoints}
    for device_id, name, owner, lat, lon in CHECKPOINTS:
        assert by_id[device_id]["name"] == name
        assert by_id[device_id]["unit_id"] == owner
        assert by_id[device_id]["location"] == {"lat": lat, "lon": lon}


def test_24_towns_each_with_a_station_under_its_district(city: City) -> None:
    assert len(city.towns) == 24
    units = {u["id"]: u for u in city.units}
    districts = {d.id for d in city.districts}
    assert {t.district for t in city.towns} == districts
    for town in city.towns:
        assert units[town.id]["level"] == "station"
        assert units[town.id]["parent_id"] == town.district
        assert units[town.district]["level"] == "branch"
        assert units[town.district]["parent_id"] == "sz"
        assert SHENZHEN.contains(town.lat, town.lon)
        assert town.unit_path == f"sz/{town.district}/{town.id}"


def test_units_come_parents_first(city: City) -> None:
    made: set[str | None] = {None}
    for unit in city.units:
        assert unit["parent_id"] in made
        made.add(unit["id"])


def test_several_checkpoints_per_district(city: City) -> None:
    per_district = Counter(c["unit_id"] for c in city.checkpoints)
    assert set(per_district) == {d.id for d in city.districts}
    assert min(per_district.values()) >= 3
    assert all(SHENZHEN.contains(**c["location"]) for c in city.checkpoints)


def test_every_kind_of_place_and_several_per_town(city: City) -> None:
    assert {p["kind"] for p in city.places} == {str(k) for k in PlaceKind}
    per_town = Counter(p["place_id"].rsplit("-", 2)[0].removeprefix("poi-") for p in city.places)
    assert set(per_town) == {t.id for t in city.towns}
    assert min(per_town.values()) >= 5
    assert all(SHENZHEN.contains(**p["location"]) for p in city.places)


def test_a_police_station_and_a_self_service_hall_in_every_town(city: City) -> None:
    for kind in ("police_station", "self_service_hall"):
        places = [p for p in city.places if p["kind"] == kind]
        assert len(places) == len(city.towns)
        for town in city.towns:
            (place,) = [p for p in places if p["place_id"].startswith(f"poi-{town.id}-")]
            assert place["district"] == town.district
            if kind == "police_station":
                assert place["name"].endswith(f"{town.name_zh}派出所")


def test_places_have_chinese_names_and_addresses_in_their_district(city: City) -> None:
    districts = {d.id: d for d in city.districts}
    for place in city.places:
        assert all(not c.isascii() or c.isdigit() for c in place["name"]), place["name"]
        assert place["address"].startswith(f"深圳市{districts[place['district']].name_zh}")
    pawnshops = {p["name"] for p in city.places if p["kind"] == "pawnshop"}
    assert any(name.startswith("福田区第") and name.endswith("典当行") for name in pawnshops)


def test_chinese_numbers() -> None:
    numbers = [generator.chinese_number(n) for n in (1, 3, 10, 12, 20, 35, 99)]
    assert numbers == ["一", "三", "十", "十二", "二十", "三十五", "九十九"]


# -- persons -----------------------------------------------------------------------------------


def test_the_check_digit_of_a_published_example() -> None:
    # the example of GB 11643's check character; 10 is written X
    assert generator.national_id_check_digit("11010519491231002") == "X"


@pytest.mark.parametrize("first17", ["44030419900101123", "44010619850615002", "44190020010229987"])
def test_the_check_digit_by_the_standards_table(first17: str) -> None:
    # GB 11643 lists the weights and the character each remainder maps to
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    remainder = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    assert generator.national_id_check_digit(first17) == "10X98765432"[remainder]


def test_national_ids_are_well_formed_and_from_guangdong(city: City) -> None:
    for person in city.persons:
        national_id = person["national_id"]
        assert national_id[17] == generator.national_id_check_digit(national_id[:17])
        assert national_id.startswith("44")
        born = date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))
        assert date(1950, 1, 1) <= born <= date(2006, 12, 31)
    regions = Counter(p["national_id"][:4] for p in city.persons)
    assert regions.most_common(1)[0][0] == "4403"  # most were registered in Shenzhen
    assert len({p["national_id"] for p in city.persons}) == len(city.persons)


def test_persons_have_chinese_names_and_mobile_phones(city: City) -> None:
    for person in city.persons:
        assert 2 <= len(person["name"]) <= 3
        assert person["name"][0] in generator.SURNAMES
        assert len(person["phone"]) == 11 and person["phone"].startswith("1")
        assert person["address"].startswith("深圳市")
    surnames = Counter(p["name"][0] for p in city.persons)
    assert surnames["王"] > surnames["黎"]  # common surnames are commoner


# -- vehicles ----------------------------------------------------------------------------------


def test_plates_are_normalised_and_mostly_shenzhen(city: City) -> None:
    plates = [v["plate"] for v in city.vehicles]
    assert all(normalise_plate(p) == p for p in plates)
    assert sum(p.startswith("粤B") for p in plates) > 0.7 * len(plates)
    new_energy = [p for p in plates if generator.is_new_energy(p)]
    assert 0.1 * len(plates) < len(new_energy) < 0.4 * len(plates)
    assert all(len(p) == 8 for p in new_energy)
    assert not generator.RESERVED_PLATES & set(plates)


def test_display_forms_of_the_plates_normalise_to_them() -> None:
    assert normalise_plate("粤B·A1234") == "粤BA1234"
    assert normalise_plate("粤B D12345") == "粤BD12345"


def test_vins_carry_their_check_digit(city: City) -> None:
    for vehicle in city.vehicles:
        vin = vehicle["vin"]
        assert vin[8] == generator.vin_check_digit(vin)
    # a VIN commonly used as the check digit's worked example
    assert generator.vin_check_digit("1M8GDM9AXKP042788") == "X"


def test_vehicle_owners_are_generated_persons(city: City) -> None:
    persons = {p["person_id"] for p in city.persons}
    owners = [v["owner_person_id"] for v in city.vehicles]
    assert {o for o in owners if o is not None} <= persons
    assert sum(o is not None for o in owners) > 0.9 * len(owners)


def test_new_energy_vehicles_are_of_new_energy_brands(city: City) -> None:
    brands = {b for b, _ in generator.NEW_ENERGY_BRANDS}
    for vehicle in city.vehicles:
        if generator.is_new_energy(vehicle["plate"]) and vehicle["vehicle_type"] == "small_car":
            assert vehicle["brand"] in brands


# -- incidents ---------------------------------------------------------------------------------


def test_incidents_fall_inside_the_window(city: City) -> None:
    since = NOW - timedelta(days=city.size.incident_days)
    times = [datetime.fromisoformat(i["reported_at"]) for i in city.incidents]
    assert all(since <= t < NOW for t in times)
    # and fill it, from its first weeks to its last
    assert min(times) < since + timedelta(days=7)
    assert max(times) > NOW - timedelta(days=2)


def test_incidents_peak_in_the_evening(city: City) -> None:
    by_hour = Counter(local(i["reported_at"]).hour for i in city.incidents)
    peak = max(by_hour, key=lambda h: by_hour[h])
    assert 18 <= peak <= 22
    assert by_hour[20] > 3 * by_hour[4]


def test_friday_and_saturday_are_busier_than_tuesday(city: City) -> None:
    by_weekday = Counter(local(i["reported_at"]).weekday() for i in city.incidents)
    tuesday, friday, saturday = by_weekday[1], by_weekday[4], by_weekday[5]
    assert friday > 1.15 * tuesday
    assert saturday > 1.15 * tuesday


def test_incidents_carry_the_local_offset(city: City) -> None:
    assert all(i["reported_at"].endswith("+08:00") for i in city.incidents)


def test_incidents_belong_to_the_station_of_the_nearest_town(city: City) -> None:
    stations = {t.unit_path for t in city.towns}
    for incident in city.incidents[:2_000]:
        location = incident["location"]
        assert SHENZHEN.contains(**location)
        assert incident["unit_path"] in stations
        assert incident["unit_path"] == generator.nearest_town(**location).unit_path
    assert {i["unit_path"] for i in city.incidents} == stations


def test_incidents_cluster_around_hotspots(city: City) -> None:
    def near_a_hotspot(incident: dict[str, Any]) -> bool:
        lat, lon = incident["location"]["lat"], incident["location"]["lon"]
        scale = math.cos(math.radians(lat))
        return any(
            math.hypot(lat - h.lat, (lon - h.lon) * scale) < 2 * h.spread for h in city.hotspots
        )

    near = sum(near_a_hotspot(i) for i in city.incidents)
    # the hotspots cover a small part of the city, yet hold more than half of its incidents
    assert near > 0.5 * len(city.incidents)


def test_incidents_have_categories_methods_and_statuses(city: City) -> None:
    categories = Counter(i["category"] for i in city.incidents)
    assert set(categories) == {c for c, _, _ in generator.INCIDENT_CATEGORIES}
    assert categories["theft"] > categories["drugs"]
    methods = {c: set(m) for c, _, m in generator.INCIDENT_CATEGORIES}
    assert all(i["method"] in methods[i["category"]] for i in city.incidents)
    statuses = Counter(i["status"] for i in city.incidents)
    assert set(statuses) == {"open", "closed", "transferred"}
    recent = [i for i in city.incidents if local(i["reported_at"]) > NOW - timedelta(days=3)]
    old = [i for i in city.incidents if local(i["reported_at"]) < NOW - timedelta(days=90)]
    open_share = [sum(i["status"] == "open" for i in part) / len(part) for part in (recent, old)]
    assert open_share[0] > 0.5 > 0.1 > open_share[1]


# -- sightings for --scale ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def batches(city: City) -> list[dict[str, Any]]:
    return list(sighting_batches(city, 25_003, NOW, days=7, batch_rows=2_000, seed=3))


def test_sighting_batches_hold_the_count_asked_for(batches: list[dict[str, Any]]) -> None:
    sizes = [len(b["sightings"]) for b in batches]
    assert sum(sizes) == 25_003
    assert max(sizes) == 2_000 and sizes[-1] == 25_003 % 2_000
    assert len({b["batch_id"] for b in batches}) == len(batches)


def test_sighting_batches_are_what_the_data_service_reads(batches: list[dict[str, Any]]) -> None:
    for batch in batches:
        SightingsRecorded.model_validate(batch)
        rows = rows_of(batch)
        assert len(rows) == len(batch["sightings"])
        assert all(r.cell is not None and r.batch_id == batch["batch_id"] for r in rows)


def test_sightings_are_of_the_city_at_its_checkpoints_inside_the_window(
    city: City, batches: list[dict[str, Any]]
) -> None:
    checkpoints = {c["device_id"]: c["location"] for c in city.checkpoints}
    vehicles = {v["plate"] for v in city.vehicles}
    sightings = [s for b in batches for s in b["sightings"]]
    for s in sightings:
        seen_at = datetime.fromisoformat(s["seen_at"])
        assert NOW - timedelta(days=7) <= seen_at < NOW
        assert s["location"] == checkpoints[s["device_id"]]
        assert normalise_plate(s["plate"]) == s["plate"]
        assert s["sighting_id"] == str(sighting_id(s["device_id"], s["plate"], seen_at))
    from_city = sum(s["plate"] in vehicles for s in sightings)
    assert 0.5 * len(sightings) < from_city < 0.7 * len(sightings)
    assert len({s["plate"] for s in sightings}) > len(vehicles) // 2  # and a long tail
    assert len({s["device_id"] for s in sightings}) == len(checkpoints)


def test_sightings_come_oldest_first_with_the_rush_hours(batches: list[dict[str, Any]]) -> None:
    times = [datetime.fromisoformat(s["seen_at"]) for b in batches for s in b["sightings"]]
    assert times == sorted(times)
    by_hour = Counter(t.astimezone(LOCAL_TIME_ZONE).hour for t in times)
    assert by_hour[8] > 5 * by_hour[3]
    assert by_hour[18] > 5 * by_hour[3]


def test_sighting_batches_are_deterministic(city: City) -> None:
    def first() -> dict[str, Any]:
        return next(sighting_batches(city, 100, NOW, days=1, batch_rows=50, seed=5))

    assert first() == first()


def test_sighting_batches_refuse_nonsense(city: City) -> None:
    with pytest.raises(ValueError):
        next(sighting_batches(city, 10, NOW, batch_rows=0))
    with pytest.raises(ValueError):
        next(sighting_batches(city, 10, NOW.replace(tzinfo=None)))
    assert list(sighting_batches(city, 0, NOW)) == []
