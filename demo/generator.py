"""A plausible demo city modelled on Shenzhen, made up deterministically.

Nothing here does I/O or reads the clock (the reference `now` is a parameter): the same seed and
the same `now` give the same city, so the seeder can run again and find everything made already,
and the tests can check the city's shape without a broker or a database.

The city: six districts (each a branch of the city bureau), 24 towns (街道) each with its police
station, checkpoints, points of interest, residents with national ids and phones, their
vehicles, and a year of incidents that cluster around hotspots and follow the city's daily and
weekly rhythm. `sighting_batches` makes checkpoint sightings of those vehicles, and of many more
passing through, for the `--scale` benchmarks.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts.values import distance_m
from demo.city import CHECKPOINTS, FLOW_PLATE, HOTLIST, UNITS
from services.prevention.domain.sightings import sighting_id

#: Asia/Shanghai has kept no daylight saving since 1991, so a wall-clock hour is a real hour
LOCAL_TIME_ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_SEED = 20260101
CITY_UNIT = UNITS[0][0]
CITY_NAME = UNITS[0][1]
#: incident ids are uuid5 names under this namespace, so reseeding finds the same incidents
INCIDENT_NAMESPACE = uuid.UUID("3b0f6c1e-8a53-4f4e-b2d9-6a1d2c7e9f40")


@dataclass(frozen=True)
class Bounds:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def clamp(self, lat: float, lon: float) -> tuple[float, float]:
        return min(max(lat, self.south), self.north), min(max(lon, self.west), self.east)


#: Shenzhen, roughly: every generated point lies inside
SHENZHEN = Bounds(south=22.45, west=113.75, north=22.80, east=114.35)


@dataclass(frozen=True)
class District:
    """A district of the city, policed by a branch of the bureau (the branch unit's id)."""

    id: str
    name: str
    name_zh: str
    #: the first six digits of the national ids of people registered here
    region_code: str
    #: its share of the city's people, vehicles and incidents (about its population, millions)
    weight: float


@dataclass(frozen=True)
class Town:
    """A town (街道) and its police station: the station unit has the town's id."""

    id: str
    district: str
    name: str
    name_zh: str
    lat: float
    lon: float

    @property
    def station_name(self) -> str:
        return f"{self.name} Station"

    @property
    def unit_path(self) -> str:
        return f"{CITY_UNIT}/{self.district}/{self.id}"


@dataclass(frozen=True)
class Hotspot:
    """Where incidents crowd: a centre, a spread (degrees of latitude) and a relative weight."""

    district: str
    lat: float
    lon: float
    spread: float
    weight: float


DISTRICTS = (
    District("futian", "Futian Branch", "福田区", "440304", 1.55),
    District("nanshan", "Nanshan Branch", "南山区", "440305", 1.80),
    District("luohu", "Luohu Branch", "罗湖区", "440303", 1.15),
    District("baoan", "Bao'an Branch", "宝安区", "440306", 4.45),
    District("longgang", "Longgang Branch", "龙岗区", "440307", 4.00),
    District("longhua", "Longhua Branch", "龙华区", "440309", 2.55),
)
DISTRICT_BY_ID = {d.id: d for d in DISTRICTS}

TOWNS = (
    Town("futian-xiangmihu", "futian", "Xiangmihu", "香蜜湖", 22.5445, 114.0230),
    Town("futian-huaqiangbei", "futian", "Huaqiangbei", "华强北", 22.5460, 114.0860),
    Town("futian-lianhua", "futian", "Lianhua", "莲花", 22.5580, 114.0560),
    Town("futian-shatou", "futian", "Shatou", "沙头", 22.5270, 114.0350),
    Town("nanshan-shekou", "nanshan", "Shekou", "蛇口", 22.4870, 113.9150),
    Town("nanshan-yuehai", "nanshan", "Yuehai", "粤海", 22.5280, 113.9450),
    Town("nanshan-xili", "nanshan", "Xili", "西丽", 22.5800, 113.9530),
    Town("nanshan-nantou", "nanshan", "Nantou", "南头", 22.5440, 113.9200),
    Town("luohu-dongmen", "luohu", "Dongmen", "东门", 22.5470, 114.1210),
    Town("luohu-huangbei", "luohu", "Huangbei", "黄贝", 22.5490, 114.1370),
    Town("luohu-cuizhu", "luohu", "Cuizhu", "翠竹", 22.5640, 114.1250),
    Town("luohu-liantang", "luohu", "Liantang", "莲塘", 22.5560, 114.1800),
    Town("baoan-xinan", "baoan", "Xin'an", "新安", 22.5600, 113.8900),
    Town("baoan-xixiang", "baoan", "Xixiang", "西乡", 22.5800, 113.8700),
    Town("baoan-fuyong", "baoan", "Fuyong", "福永", 22.6700, 113.8200),
    Town("baoan-shajing", "baoan", "Shajing", "沙井", 22.7300, 113.8300),
    Town("longgang-buji", "longgang", "Buji", "布吉", 22.6050, 114.1200),
    Town("longgang-bantian", "longgang", "Bantian", "坂田", 22.6350, 114.0650),
    Town("longgang-henggang", "longgang", "Henggang", "横岗", 22.6500, 114.2100),
    Town("longgang-longcheng", "longgang", "Longcheng", "龙城", 22.7200, 114.2500),
    Town("longhua-minzhi", "longhua", "Minzhi", "民治", 22.6200, 114.0400),
    Town("longhua-longhua", "longhua", "Longhua", "龙华", 22.6550, 114.0250),
    Town("longhua-guanlan", "longhua", "Guanlan", "观澜", 22.7200, 114.0600),
    Town("longhua-dalang", "longhua", "Dalang", "大浪", 22.6600, 114.0000),
)

TOWNS_OF = {d.id: tuple(t for t in TOWNS if t.district == d.id) for d in DISTRICTS}

#: roads checkpoints stand on, by district (English, as device names are)
ROADS_EN = {
    "futian": ("Shennan Rd", "Binhe Blvd", "Huanggang Rd", "Xinzhou Rd", "Beihuan Blvd"),
    "nanshan": ("Nanhai Blvd", "Shahe W Rd", "Binhai Blvd", "Qiaoxiang Rd", "Liuxian Blvd"),
    "luohu": ("Wenjin Rd", "Dongmen Rd", "Buxin Rd", "Luosha Rd", "Aiguo Rd"),
    "baoan": ("Bao'an Blvd", "Guangshen Expwy", "Xinhu Rd", "Qianjin Rd", "Yanjiang Expwy"),
    "longgang": ("Longgang Blvd", "Shenhui Rd", "Bulan Rd", "Shuiguan Expwy", "Jihua Rd"),
    "longhua": ("Meilong Rd", "Minkang Rd", "Longhua Blvd", "Guanlan Blvd", "Meiguan Expwy"),
}
#: roads of addresses, by district
ROADS_ZH = {
    "futian": ("深南大道", "福华路", "红荔路", "彩田路", "滨河大道", "新洲路", "益田路", "金田路"),
    "nanshan": ("南海大道", "科技园路", "后海大道", "沙河西路", "桃园路", "南山大道", "学府路"),
    "luohu": ("人民南路", "东门中路", "深南东路", "文锦路", "爱国路", "宝安南路", "布心路"),
    "baoan": ("宝安大道", "新湖路", "创业路", "前进路", "建安路", "福永大道", "松福大道"),
    "longgang": ("龙岗大道", "深惠路", "布澜路", "吉华路", "坂雪岗大道", "黄阁路", "龙翔大道"),
    "longhua": ("梅龙路", "民治大道", "人民路", "观澜大道", "东环路", "大浪路", "布龙路"),
}

# -- the daily and weekly rhythm -------------------------------------------------------------

#: incidents by local hour: quiet before dawn, a working-day plateau, a peak in the evening
INCIDENT_HOURLY = (
    3.0, 2.2, 1.6, 1.2, 1.0, 1.0, 1.4, 2.2, 3.0, 3.4, 3.6, 3.8,
    3.8, 3.6, 3.7, 3.9, 4.2, 4.8, 5.6, 6.4, 7.0, 6.8, 5.6, 4.2,
)  # fmt: skip
#: checkpoint traffic by local hour: the two rush hours, little at night
TRAFFIC_HOURLY = (
    1.0, 0.6, 0.4, 0.3, 0.3, 0.6, 1.8, 4.5, 6.0, 4.8, 3.6, 3.4,
    3.3, 3.2, 3.4, 3.7, 4.4, 5.6, 6.2, 4.9, 3.8, 3.0, 2.2, 1.5,
)  # fmt: skip
#: Monday first: the nights out of Friday and Saturday are the busiest, Tuesday the quietest
WEEKDAY_WEIGHTS = (0.92, 0.88, 0.92, 0.96, 1.18, 1.25, 1.05)

# -- people ------------------------------------------------------------------------------------

#: common surnames, the commonest first (weights fall off with rank)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷黎"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华建文斌宇浩凯俊博志海峰林宁晨轩子睿翔毅鑫"
GIVEN_FEMALE = "芳娜敏静丽艳娟秀霞玉萍红婷雪琳嘉怡思雨佳晓颖瑶欣涵梓倩慧颖洁璐琪"
#: national id regions outside Shenzhen: other cities of Guangdong (Guangzhou, Shantou, Huizhou,
#: Dongguan, Jieyang, Zhanjiang, Meizhou, Chaozhou)
OTHER_GUANGDONG_REGIONS = (
    "440104", "440106", "440111", "440507", "441302", "441900",
    "445202", "440802", "441402", "445102",
)  # fmt: skip
#: a Shenzhen resident's id was issued in Shenzhen this often; else elsewhere in Guangdong
SHENZHEN_BORN_SHARE = 0.7
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "198", "199",
)  # fmt: skip
BIRTH_DATES = (date(1950, 1, 1), date(2006, 12, 31))

# -- vehicles ----------------------------------------------------------------------------------

#: letters a plate may carry (I and O would be read as 1 and 0)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
#: where plates seen in Shenzhen come from: its own (粤B) above all, then neighbours
PLATE_ORIGINS = (
    ("粤B", 85.0), ("粤A", 3.0), ("粤S", 2.5), ("粤L", 2.0), ("粤E", 1.0), ("粤C", 1.0),
    ("湘A", 1.0), ("赣B", 0.8), ("桂A", 0.8), ("鄂A", 0.7), ("川A", 0.6), ("闽D", 0.6),
)  # fmt: skip
#: plates that mean something to the demo flow: never handed to a made-up vehicle
RESERVED_PLATES = frozenset({FLOW_PLATE, *(plate for plate, *_ in HOTLIST)})
NEW_ENERGY_SHARE = 0.22
#: cross-border vehicles (粤Z … 港/澳) among the plates passing checkpoints
CROSS_BORDER_SHARE = 0.01

#: a brand, and the world manufacturer code its VINs begin with
Brands = tuple[tuple[str, str], ...]
CAR_BRANDS: Brands = (
    ("BYD", "LGX"), ("Volkswagen", "LSV"), ("Toyota", "LVG"), ("Honda", "LHG"),
    ("Nissan", "LGB"), ("Geely", "L6T"), ("Changan", "LS5"), ("BMW", "LBV"),
    ("Mercedes-Benz", "LE4"), ("Audi", "LFV"), ("Buick", "LSG"), ("Haval", "LGW"),
    ("Chery", "LVV"), ("Tesla", "LRW"),
)  # fmt: skip
NEW_ENERGY_BRANDS: Brands = (
    ("BYD", "LGX"), ("Tesla", "LRW"), ("Xpeng", "LMG"), ("NIO", "LJ1"), ("Li Auto", "LW4"),
    ("GAC Aion", "LNA"), ("Wuling", "LZW"),
)  # fmt: skip
VAN_BRANDS: Brands = (("Wuling", "LZW"), ("Ford", "LJX"), ("Foton", "LVB"))
TRUCK_BRANDS: Brands = (("Foton", "LVB"), ("Dongfeng", "LGA"), ("JAC", "LJC"), ("Isuzu", "LJ8"))
BUS_BRANDS: Brands = (("Yutong", "LZY"), ("King Long", "LA6"), ("BYD", "LGX"))
#: vehicle type, its weight, and the brands it comes in
VEHICLE_TYPES: tuple[tuple[str, float, Brands], ...] = (
    ("small_car", 70.0, CAR_BRANDS),
    ("suv", 14.0, CAR_BRANDS),
    ("mpv", 6.0, CAR_BRANDS),
    ("van", 4.0, VAN_BRANDS),
    ("light_truck", 4.0, TRUCK_BRANDS),
    ("heavy_truck", 1.0, TRUCK_BRANDS),
    ("bus", 1.0, BUS_BRANDS),
)
COLOURS = (
    ("white", 35.0), ("black", 22.0), ("silver", 12.0), ("grey", 12.0), ("blue", 7.0),
    ("red", 5.0), ("brown", 3.0), ("green", 2.0), ("yellow", 2.0),
)  # fmt: skip
#: company and fleet vehicles have no person as owner
PRIVATE_OWNER_SHARE = 0.95

# -- VIN (ISO 3779 with the check digit China's GB 16735 keeps) ---------------------------------

VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
#: the model-year letter: 2010 is A, skipping I, O, Q, U and Z
_VIN_YEARS = "ABCDEFGHJKLMNPRST"

# -- incidents -------------------------------------------------------------------------------

#: category → weight and the methods (modus operandi) recorded with it
INCIDENT_CATEGORIES = (
    ("theft", 30.0, ("pickpocketing", "bicycle_theft", "shoplifting", "theft_from_vehicle",
                     "phone_snatching", "vehicle_theft")),
    ("fraud", 20.0, ("telecom_fraud", "online_shopping_fraud", "investment_fraud",
                     "impersonating_officials", "romance_scam")),
    ("traffic", 15.0, ("collision", "hit_and_run", "drunk_driving", "illegal_parking")),
    ("disturbance", 12.0, ("noise", "public_brawl", "drunkenness", "neighbour_dispute")),
    ("burglary", 8.0, ("forced_entry", "unlocked_door", "window_entry")),
    ("assault", 8.0, ("fight", "domestic_violence", "weapon")),
    ("robbery", 4.0, ("street_robbery", "snatch_and_run")),
    ("drugs", 3.0, ("possession", "dealing")),
)  # fmt: skip
#: most incidents happen around a district's hotspots; the rest anywhere near its towns
HOTSPOT_SHARE = 0.65
TRANSFERRED_SHARE = 0.04
#: an incident is closed after this many days, on average
DAYS_TO_CLOSE = 14.0
CLOSED_AT_MOST = 0.9

# -- places ------------------------------------------------------------------------------------

#: after its police station and its self-service hall, a town's places come in this order, so
#: that a town with at least seven places has one of every kind
PLACE_MIX = (
    "residential_community", "school", "pawnshop", "locksmith", "seal_engraver",
    "residential_community", "pawnshop", "residential_community", "school", "locksmith",
)  # fmt: skip
PLACE_ID_WORD = {
    "police_station": "station",
    "self_service_hall": "hall",
    "residential_community": "home",
    "school": "school",
    "pawnshop": "pawn",
    "locksmith": "lock",
    "seal_engraver": "seal",
}
SHOP_WORDS = {
    "pawnshop": ("恒信", "宝利", "金盛", "鸿运", "华丰", "永泰", "瑞祥", "富源"),
    "locksmith": ("安居", "便民", "快捷", "金钥匙", "诚信", "鑫安"),
    "seal_engraver": ("诚信", "华美", "金印", "名章", "宏达", "正大"),
}
SHOP_SUFFIX = {"pawnshop": "典当行", "locksmith": "开锁服务部", "seal_engraver": "刻章店"}
SCHOOL_SUFFIXES = ("小学", "中学", "实验学校", "外国语学校", "第二小学", "第二中学")
COMMUNITY_PREFIXES = (
    "碧海", "翠湖", "锦绣", "华侨", "阳光", "金地", "海景", "桃源", "星河", "御景", "东方",
    "丽水", "半岛", "香榭", "龙庭", "振业", "世纪", "汇景", "天悦", "怡景",
)  # fmt: skip
COMMUNITY_SUFFIXES = ("花园", "家园", "名苑", "雅居", "新村", "公馆", "华庭", "豪庭")
_ZH_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class CitySize:
    """How much city to make; the defaults seed a running platform in well under a minute."""

    persons: int = 2_000
    vehicles: int = 3_000
    incidents: int = 20_000
    incident_days: int = 365
    #: a police station, a self-service hall, then the kinds of `PLACE_MIX` in turn
    places_per_town: int = 12
    checkpoints_per_district: int = 4
    hotspots_per_district: int = 3

    def __post_init__(self) -> None:
        if min(self.persons, self.vehicles, self.incidents) < 0:
            raise ValueError("counts cannot be negative")
        if self.incident_days < 1 or self.places_per_town < 2:
            raise ValueError("a city needs a day of incidents and two places per town")
        if self.vehicles and not self.persons:
            raise ValueError("vehicles need persons to own them")


@dataclass(frozen=True)
class City:
    """Everything the seeder creates, as the services' create calls take it."""

    seed: int
    now: datetime
    size: CitySize
    districts: tuple[District, ...]
    towns: tuple[Town, ...]
    hotspots: tuple[Hotspot, ...]
    #: parents before children, as management's `create_unit` takes them
    units: tuple[dict[str, str | None], ...]
    #: as prevention's `register_device` takes them
    checkpoints: tuple[dict[str, Any], ...]
    #: `contracts.places.PlaceCreate`
    places: tuple[dict[str, Any], ...]
    #: `contracts.vehicles.PersonCreate`
    persons: tuple[dict[str, Any], ...]
    #: `contracts.vehicles.VehicleCreate`, plates normalised
    vehicles: tuple[dict[str, Any], ...]
    #: `contracts.incidents.IncidentCreate`
    incidents: tuple[dict[str, Any], ...]


def generate_city(now: datetime, size: CitySize | None = None, seed: int = DEFAULT_SEED) -> City:
    """The demo city as of `now` (incidents fall in the `incident_days` before it)."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    size = size or CitySize()
    # each part draws from its own stream, so a change in one size leaves the others alone
    persons = _persons(_rng(seed, "persons"), size.persons)
    hotspots = _hotspots(_rng(seed, "hotspots"), size.hotspots_per_district)
    return City(
        seed=seed,
        now=now,
        size=size,
        districts=DISTRICTS,
        towns=TOWNS,
        hotspots=hotspots,
        units=_units(),
        checkpoints=_checkpoints(_rng(seed, "checkpoints"), size.checkpoints_per_district),
        places=_places(_rng(seed, "places"), size.places_per_town),
        persons=persons,
        vehicles=_vehicles(_rng(seed, "vehicles"), size.vehicles, persons),
        incidents=_incidents(
            _rng(seed, "incidents"), seed, size.incidents, now, size.incident_days, hotspots
        ),
    )


def _rng(seed: int, part: str) -> random.Random:
    # a string seed is hashed with SHA-512, the same in every process (no hash randomisation)
    return random.Random(f"{seed}:{part}")


# -- geography ---------------------------------------------------------------------------------


def _scatter(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    """A point around (lat, lon), normally distributed, `spread` degrees of latitude wide."""
    lat, lon = SHENZHEN.clamp(
        rng.gauss(lat, spread), rng.gauss(lon, spread / math.cos(math.radians(lat)))
    )
    return round(lat, 6), round(lon, 6)


def _point(lat: float, lon: float) -> dict[str, float]:
    return {"lat": lat, "lon": lon}


def nearest_town(lat: float, lon: float) -> Town:
    """The town whose centre is nearest: its station has the jurisdiction."""
    return min(TOWNS, key=lambda t: distance_m(lat, lon, t.lat, t.lon))


def _town_by_population(rng: random.Random) -> Town:
    district = rng.choices(DISTRICTS, weights=[d.weight for d in DISTRICTS])[0]
    return rng.choice(TOWNS_OF[district.id])


def _hotspots(rng: random.Random, per_district: int) -> tuple[Hotspot, ...]:
    hotspots = []
    for district in DISTRICTS:
        for _ in range(per_district):
            town = rng.choice(TOWNS_OF[district.id])
            lat, lon = _scatter(rng, town.lat, town.lon, 0.006)
            hotspots.append(
                Hotspot(district.id, lat, lon, rng.uniform(0.0015, 0.005), rng.uniform(0.5, 2.0))
            )
    return tuple(hotspots)


# -- units, checkpoints, places ----------------------------------------------------------------


def _units() -> tuple[dict[str, str | None], ...]:
    city: dict[str, str | None] = {
        "id": CITY_UNIT,
        "name": CITY_NAME,
        "level": "city",
        "parent_id": None,
    }
    branches: list[dict[str, str | None]] = [
        {"id": d.id, "name": d.name, "level": "branch", "parent_id": CITY_UNIT} for d in DISTRICTS
    ]
    stations: list[dict[str, str | None]] = [
        {"id": t.id, "name": t.station_name, "level": "station", "parent_id": t.district}
        for t in TOWNS
    ]
    return (city, *branches, *stations)


def _checkpoints(rng: random.Random, per_district: int) -> tuple[dict[str, Any], ...]:
    checkpoints = []
    for district in DISTRICTS:
        # the demo's own checkpoints come first and keep their ids
        known = [c for c in CHECKPOINTS if c[2] == district.id]
        for device_id, name, owner, lat, lon in known:
            checkpoints.append(_checkpoint(device_id, name, owner, lat, lon))
        towns = itertools.cycle(TOWNS_OF[district.id])
        roads = itertools.cycle(ROADS_EN[district.id])
        for number in range(len(known) + 1, per_district + 1):
            town, road = next(towns), next(roads)
            lat, lon = _scatter(rng, town.lat, town.lon, 0.004)
            checkpoints.append(
                _checkpoint(
                    f"cp-{district.id}-{number:02d}",
                    f"{road} ({town.name}) checkpoint",
                    district.id,
                    lat,
                    lon,
                )
            )
    return tuple(checkpoints)


def _checkpoint(device_id: str, name: str, unit: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "kind": "checkpoint",
        "name": name,
        "unit_id": unit,
        "location": _point(lat, lon),
    }


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五: shop names count this way (福田区第三典当行)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if not tens:
        return _ZH_DIGITS[ones]
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


def _address(rng: random.Random, town: Town) -> str:
    district = DISTRICT_BY_ID[town.district]
    road = rng.choice(ROADS_ZH[town.district])
    return f"深圳市{district.name_zh}{town.name_zh}街道{road}{rng.randint(1, 399)}号"


def _landline(rng: random.Random) -> str:
    return f"0755-{rng.randint(2000_0000, 8999_9999)}"


def _places(rng: random.Random, per_town: int) -> tuple[dict[str, Any], ...]:
    places: list[dict[str, Any]] = []
    # shops are numbered across their district: 福田区第三典当行
    numbered: dict[tuple[str, str], int] = {}
    community_names: set[str] = set()
    for town in TOWNS:
        district = DISTRICT_BY_ID[town.district]
        kinds = ["police_station", "self_service_hall"]
        kinds += [PLACE_MIX[i % len(PLACE_MIX)] for i in range(per_town - 2)]
        of_kind: dict[str, int] = {}
        for kind in kinds:
            of_kind[kind] = of_kind.get(kind, 0) + 1
            key = (district.id, kind)
            numbered[key] = numbered.get(key, 0) + 1
            if kind == "police_station":
                name = f"深圳市公安局{district.name_zh[:-1]}分局{town.name_zh}派出所"
                lat, lon = _scatter(rng, town.lat, town.lon, 0.001)
            else:
                name = _place_name(rng, kind, town, numbered[key], of_kind[kind], community_names)
                lat, lon = _scatter(rng, town.lat, town.lon, 0.008)
            places.append(
                {
                    "place_id": f"poi-{town.id}-{PLACE_ID_WORD[kind]}-{of_kind[kind]:02d}",
                    "kind": kind,
                    "name": name,
                    "location": _point(lat, lon),
                    "address": _address(rng, town),
                    "district": district.id,
                    "phone": _landline(rng),
                }
            )
    return tuple(places)


def _place_name(
    rng: random.Random,
    kind: str,
    town: Town,
    in_district: int,
    in_town: int,
    community_names: set[str],
) -> str:
    district = DISTRICT_BY_ID[town.district]
    if kind == "self_service_hall":
        return f"{town.name_zh}街道24小时警务自助服务厅"
    if kind == "school":
        suffix = SCHOOL_SUFFIXES[(in_town - 1) % len(SCHOOL_SUFFIXES)]
        return f"深圳市{district.name_zh}{town.name_zh}{suffix}"
    if kind == "residential_community":
        # a community's name is its own across the city; widen the choice with the town's
        for _ in range(20):
            name = rng.choice(COMMUNITY_PREFIXES) + rng.choice(COMMUNITY_SUFFIXES)
            if name not in community_names:
                break
        else:
            name = town.name_zh + rng.choice(COMMUNITY_PREFIXES) + rng.choice(COMMUNITY_SUFFIXES)
        community_names.add(name)
        return name
    if rng.random() < 0.5:
        return f"{district.name_zh}第{chinese_number(in_district)}{SHOP_SUFFIX[kind]}"
    return f"{town.name_zh}{rng.choice(SHOP_WORDS[kind])}{SHOP_SUFFIX[kind]}"


# -- persons -----------------------------------------------------------------------------------


def national_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, as GB 11643 prescribes for the 18th character of a national id."""
    total = sum(int(digit) * pow(2, 17 - i, 11) for i, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def _national_id(rng: random.Random, region: str, male: bool) -> str:
    first, last = BIRTH_DATES
    born = first + timedelta(days=rng.randint(0, (last - first).days))
    # the 17th digit is odd for men and even for women
    sequence = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + national_id_check_digit(first17)


def _person_name(rng: random.Random, male: bool) -> str:
    # the commonest surnames are far commoner: weight by 1 / rank
    surname = rng.choices(SURNAMES, weights=[1 / (i + 1) for i in range(len(SURNAMES))])[0]
    given = GIVEN_MALE if male else GIVEN_FEMALE
    length = 1 if rng.random() < 0.25 else 2
    return surname + "".join(rng.choice(given) for _ in range(length))


def _persons(rng: random.Random, count: int) -> tuple[dict[str, Any], ...]:
    persons = []
    national_ids: set[str] = set()
    for index in range(count):
        male = rng.random() < 0.52
        town = _town_by_population(rng)
        if rng.random() < SHENZHEN_BORN_SHARE:
            region = DISTRICT_BY_ID[town.district].region_code
        else:
            region = rng.choice(OTHER_GUANGDONG_REGIONS)
        national_id = _national_id(rng, region, male)
        while national_id in national_ids:  # the data service refuses a second holder
            national_id = _national_id(rng, region, male)
        national_ids.add(national_id)
        building, floor, room = rng.randint(1, 30), rng.randint(1, 33), rng.randint(1, 12)
        persons.append(
            {
                "person_id": f"p-{index + 1:06d}",
                "name": _person_name(rng, male),
                "national_id": national_id,
                "phone": rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
                "address": f"{_address(rng, town)}{building}栋{floor}{room:02d}",
            }
        )
    return tuple(persons)


# -- vehicles ----------------------------------------------------------------------------------


def random_plate(rng: random.Random, *, new_energy_share: float = NEW_ENERGY_SHARE) -> str:
    """A normalised mainland plate: 粤B12345, 粤BA1234, or a new-energy 粤BD12345."""
    origin = rng.choices(PLATE_ORIGINS, weights=[w for _, w in PLATE_ORIGINS])[0][0]
    if rng.random() < new_energy_share:
        # small new-energy plates: D (battery) or F (hybrid), a letter or digit, four digits
        second = rng.choice(PLATE_LETTERS + "0123456789")
        return f"{origin}{rng.choice('DF')}{second}{rng.randint(0, 9999):04d}"
    chars = [str(rng.randint(0, 9)) for _ in range(5)]
    letters = rng.choices((0, 1, 2), weights=(35, 45, 20))[0]
    for position in rng.sample(range(5), letters):
        chars[position] = rng.choice(PLATE_LETTERS)
    return origin + "".join(chars)


def is_new_energy(plate: str) -> bool:
    return len(plate) == 8 and plate[2] in "DF"


def cross_border_plate(rng: random.Random) -> str:
    """A Guangdong plate of a Hong Kong or Macau vehicle: 粤Z, four characters, 港 or 澳."""
    body = rng.choice(PLATE_LETTERS) + f"{rng.randint(0, 999):03d}"
    return f"粤Z{body}{rng.choice('港澳')}"


def vin_check_digit(vin: str) -> str:
    """The ninth character of a VIN: the weighted sum of the others, modulo 11 (10 is X)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def _vin(rng: random.Random, manufacturer: str, serial: int) -> str:
    descriptor = "".join(rng.choice(VIN_CHARACTERS) for _ in range(5))
    model_year = rng.choice(_VIN_YEARS[2:])  # 2012 on
    plant = rng.choice(VIN_CHARACTERS)
    draft = f"{manufacturer}{descriptor}0{model_year}{plant}{serial % 1_000_000:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def _vehicles(
    rng: random.Random, count: int, persons: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], ...]:
    vehicles = []
    plates: set[str] = set(RESERVED_PLATES)
    type_weights = [w for _, w, _ in VEHICLE_TYPES]
    colour_weights = [w for _, w in COLOURS]
    for index in range(count):
        plate = random_plate(rng)
        while plate in plates:
            plate = random_plate(rng)
        plates.add(plate)
        vehicle_type, _, brands = rng.choices(VEHICLE_TYPES, weights=type_weights)[0]
        if is_new_energy(plate) and brands is CAR_BRANDS:
            brands = NEW_ENERGY_BRANDS
        brand, manufacturer = rng.choice(brands)
        owner = rng.choice(persons)["person_id"] if rng.random() < PRIVATE_OWNER_SHARE else None
        vehicles.append(
            {
                "plate": plate,
                "vehicle_type": vehicle_type,
                "colour": rng.choices(COLOURS, weights=colour_weights)[0][0],
                "brand": brand,
                "vin": _vin(rng, manufacturer, index + 1),
                "owner_person_id": owner,
            }
        )
    return tuple(vehicles)


# -- time --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    """A stretch of one local clock hour inside a window, weighted by the rhythm."""

    start: datetime
    seconds: int
    weight: float


def _ceil_second(moment: datetime) -> datetime:
    if moment.microsecond:
        return moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _hour_slots(now: datetime, days: float, hourly: Sequence[float]) -> list[_Slot]:
    """The local clock hours of the window [now - days, now), cut to whole seconds at its ends,
    each weighted by its hour of the day, its day of the week and the part of it inside."""
    start = _ceil_second(now - timedelta(days=days)).astimezone(LOCAL_TIME_ZONE)
    end = now.replace(microsecond=0)
    slots = []
    hour = start.replace(minute=0, second=0)
    while hour < end:
        slot_start, slot_end = max(hour, start), min(hour + timedelta(hours=1), end)
        seconds = int((slot_end - slot_start).total_seconds())
        if seconds > 0:
            weight = hourly[hour.hour] * WEEKDAY_WEIGHTS[hour.weekday()] * seconds / 3600
            slots.append(_Slot(slot_start, seconds, weight))
        hour += timedelta(hours=1)
    return slots


# -- incidents ---------------------------------------------------------------------------------


def incident_id(seed: int, index: int) -> uuid.UUID:
    return uuid.uuid5(INCIDENT_NAMESPACE, f"{seed}:{index}")


def _status(rng: random.Random, age: timedelta) -> str:
    if rng.random() < TRANSFERRED_SHARE:
        return "transferred"
    closed = CLOSED_AT_MOST * (1 - math.exp(-age / timedelta(days=DAYS_TO_CLOSE)))
    return "closed" if rng.random() < closed else "open"


def _incidents(
    rng: random.Random,
    seed: int,
    count: int,
    now: datetime,
    days: int,
    hotspots: Sequence[Hotspot],
) -> tuple[dict[str, Any], ...]:
    slots = _hour_slots(now, days, INCIDENT_HOURLY)
    slot_weights = list(itertools.accumulate(s.weight for s in slots))
    district_weights = [d.weight for d in DISTRICTS]
    category_weights = [w for _, w, _ in INCIDENT_CATEGORIES]
    hotspots_of = {d.id: [h for h in hotspots if h.district == d.id] for d in DISTRICTS}
    incidents = []
    for index in range(count):
        district = rng.choices(DISTRICTS, weights=district_weights)[0]
        own = hotspots_of[district.id]
        if own and rng.random() < HOTSPOT_SHARE:
            spot = rng.choices(own, weights=[h.weight for h in own])[0]
            lat, lon = _scatter(rng, spot.lat, spot.lon, spot.spread)
        else:
            town = rng.choice(TOWNS_OF[district.id])
            lat, lon = _scatter(rng, town.lat, town.lon, 0.012)
        slot = rng.choices(slots, cum_weights=slot_weights)[0]
        reported_at = slot.start + timedelta(seconds=rng.randrange(slot.seconds))
        category, _, methods = rng.choices(INCIDENT_CATEGORIES, weights=category_weights)[0]
        incidents.append(
            {
                "incident_id": str(incident_id(seed, index)),
                "reported_at": reported_at.astimezone(LOCAL_TIME_ZONE).isoformat(),
                "location": _point(lat, lon),
                "category": category,
                "method": rng.choice(methods),
                "status": _status(rng, now - reported_at),
                "unit_path": nearest_town(lat, lon).unit_path,
            }
        )
    return tuple(incidents)


# -- sightings for --scale -------------------------------------------------------------------

#: the city's own vehicles make this share of the sightings; the rest is a long tail of plates
#: passing through, each seen a few times
CITY_VEHICLE_SHARE = 0.6
SIGHTINGS_PER_TAIL_PLATE = 20


def sighting_batches(
    city: City,
    count: int,
    now: datetime,
    days: float = 30,
    batch_rows: int = 2_000,
    seed: int = DEFAULT_SEED,
) -> Iterator[dict[str, Any]]:
    """`count` checkpoint sightings in the `days` before `now`, oldest first, as the payloads of
    `prevention.sighting.recorded.v1` events of at most `batch_rows` sightings each.

    Made lazily, a batch at a time: millions of sightings never sit in memory at once. Ids are
    derived as prevention derives them, from device, plate and instant.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    if count < 0 or batch_rows < 1 or days <= 0:
        raise ValueError("count must not be negative; batch_rows and days must be positive")
    if not city.checkpoints:
        raise ValueError("the city has no checkpoints to see anything")
    rng = _rng(seed, "sightings")
    devices = [(c["device_id"], c["location"]) for c in city.checkpoints]
    # some checkpoints stand on arterial roads and see many times more traffic than others
    device_weights = list(itertools.accumulate(rng.lognormvariate(0, 0.8) for _ in devices))
    vehicles = [v["plate"] for v in city.vehicles]
    # and some vehicles drive every day while others hardly ever
    vehicle_weights = list(itertools.accumulate(rng.lognormvariate(0, 1.2) for _ in vehicles))
    tail = _tail_plates(rng, count // SIGHTINGS_PER_TAIL_PLATE + 1)
    slots = _hour_slots(now, days, TRAFFIC_HOURLY)
    total_weight = sum(s.weight for s in slots)
    batch_prefix = f"scale-{seed}-{now.astimezone(LOCAL_TIME_ZONE):%Y%m%dT%H%M%S}"
    batch: list[dict[str, Any]] = []
    batches = 0
    made = 0
    cumulative = 0.0
    for number, slot in enumerate(slots, 1):
        # rounding the running total keeps the sum exact and every hour near its share
        cumulative += slot.weight
        target = count if number == len(slots) else round(count * cumulative / total_weight)
        for offset_ms in _ascending_offsets(rng, target - made, slot.seconds * 1000):
            device_id, location = devices[
                bisect.bisect(device_weights, rng.random() * device_weights[-1])
            ]
            if vehicles and rng.random() < CITY_VEHICLE_SHARE:
                plate = vehicles[bisect.bisect(vehicle_weights, rng.random() * vehicle_weights[-1])]
            else:
                plate = tail[rng.randrange(len(tail))]
            seen_at = slot.start + timedelta(milliseconds=offset_ms)
            batch.append(
                {
                    "sighting_id": str(sighting_id(device_id, plate, seen_at)),
                    "plate": plate,
                    "device_id": device_id,
                    "seen_at": seen_at.isoformat(timespec="milliseconds"),
                    "location": location,
                }
            )
            if len(batch) == batch_rows:
                yield _sightings_payload(f"{batch_prefix}-{batches:06d}", batch)
                batches += 1
                batch = []
        made = target
    if batch:
        yield _sightings_payload(f"{batch_prefix}-{batches:06d}", batch)


def _ascending_offsets(rng: random.Random, count: int, span: int) -> Iterator[int]:
    """`count` uniform offsets in [0, span), in ascending order, without holding them all.

    The largest of n uniforms is distributed as U ** (1/n), the next below it as that times
    U ** (1/(n-1)), and so on down; one minus each is then uniform too, and ascending.
    """
    largest = 1.0
    for remaining in range(count, 0, -1):
        largest *= rng.random() ** (1 / remaining)
        yield min(int((1 - largest) * span), span - 1)


def _tail_plates(rng: random.Random, count: int) -> list[str]:
    plates: list[str] = []
    while len(plates) < count:
        plate = cross_border_plate(rng) if rng.random() < CROSS_BORDER_SHARE else random_plate(rng)
        if plate not in RESERVED_PLATES:
            plates.append(plate)
    return plates


def _sightings_payload(batch_id: str, sightings: list[dict[str, Any]]) -> dict[str, Any]:
    # `unit` is the submitter's unit: these come from no officer's unit
    return {"batch_id": batch_id, "unit": None, "sightings": sightings}
