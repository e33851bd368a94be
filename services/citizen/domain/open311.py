"""Open311 rules: the police's public-safety service list, what a request of each service must
carry, possible duplicates, the search window, and API keys."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.open311 import (
    API_KEY_PATTERN,
    DEFAULT_WINDOW_DAYS,
    DUPLICATE_RADIUS_M,
    AttributeAnswer,
    AttributeValue,
    Datatype,
    Service,
    ServiceAttribute,
    ServiceDefinition,
    ServiceRequestCreate,
)
from contracts.values import GeoPoint, distance_m, normalise_plate

AGENCY = "深圳市公安局"
NOT_AN_EMERGENCY = "非紧急情况；紧急情况请立即拨打 110。"
#: attributes that hold a plate are normalised like every plate on the platform
PLATE_ATTRIBUTES = frozenset({"plate"})
WINDOW = timedelta(days=DEFAULT_WINDOW_DAYS)
_API_KEY = re.compile(API_KEY_PATTERN)


class RequestRefused(Exception):
    """The request breaks a rule; `problems` name the fields (`attribute[CODE]`, …)."""

    def __init__(self, detail: str, problems: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = list(problems)


class UnknownService(Exception):
    pass


def _choices(*pairs: tuple[str, str]) -> list[AttributeValue]:
    return [AttributeValue(key=key, name=name) for key, name in pairs]


YES_NO = _choices(("yes", "是"), ("no", "否"))


def _attribute(
    order: int,
    code: str,
    datatype: Datatype,
    description: str,
    *,
    required: bool = False,
    values: list[AttributeValue] | None = None,
    datatype_description: str = "",
) -> ServiceAttribute:
    return ServiceAttribute(
        code=code,
        datatype=datatype,
        required=required,
        datatype_description=datatype_description,
        order=order,
        description=description,
        values=values or [],
    )


PLATE = "车牌号，如 粤B12345"


@dataclass(frozen=True)
class ServiceSpec:
    service: Service
    attributes: tuple[ServiceAttribute, ...] = ()


def _spec(
    code: str, name: str, description: str, group: str, keywords: str, *attributes: ServiceAttribute
) -> ServiceSpec:
    return ServiceSpec(
        Service(
            service_code=code,
            service_name=name,
            description=description,
            metadata=bool(attributes),
            type="realtime",
            keywords=keywords,
            group=group,
        ),
        tuple(attributes),
    )


CATALOGUE: dict[str, ServiceSpec] = {
    s.service.service_code: s
    for s in (
        _spec(
            "abandoned_vehicle",
            "疑似废弃车辆（僵尸车）",
            "长期停放、积灰破损的疑似废弃车辆。" + NOT_AN_EMERGENCY,
            "traffic",
            "abandoned vehicle,僵尸车",
            _attribute(1, "plate", Datatype.STRING, "车牌号（如有）", datatype_description=PLATE),
            _attribute(
                2,
                "days_seen",
                Datatype.SINGLEVALUELIST,
                "已停放多久",
                required=True,
                values=_choices(
                    ("under_week", "不到一周"),
                    ("one_to_four_weeks", "一到四周"),
                    ("over_month", "一个月以上"),
                ),
            ),
            _attribute(
                3,
                "vehicle_type",
                Datatype.SINGLEVALUELIST,
                "车辆类型",
                values=_choices(
                    ("car", "小汽车"),
                    ("motorcycle", "摩托车"),
                    ("e_bike", "电动自行车"),
                    ("truck", "货车"),
                    ("other", "其他"),
                ),
            ),
        ),
        _spec(
            "illegal_parking",
            "违法停车堵塞通道",
            "堵塞消防通道、出入口、人行横道或公交站的违法停车。" + NOT_AN_EMERGENCY,
            "traffic",
            "illegal parking,blocked,违停",
            _attribute(
                1, "plate", Datatype.STRING, "车牌号", required=True, datatype_description=PLATE
            ),
            _attribute(
                2,
                "blocking",
                Datatype.SINGLEVALUELIST,
                "堵塞了什么",
                required=True,
                values=_choices(
                    ("fire_lane", "消防通道"),
                    ("driveway", "出入口"),
                    ("crossing", "人行横道"),
                    ("bus_stop", "公交站"),
                    ("lane", "行车道"),
                ),
            ),
        ),
        _spec(
            "noise_disturbance",
            "噪声扰民",
            "夜间施工、高音喇叭、聚集喧哗等噪声扰民。" + NOT_AN_EMERGENCY,
            "public_order",
            "noise,噪音",
            _attribute(
                1,
                "noise_type",
                Datatype.SINGLEVALUELIST,
                "噪声来源",
                required=True,
                values=_choices(
                    ("construction", "施工"),
                    ("amplified_music", "音响喇叭"),
                    ("gathering", "聚集喧哗"),
                    ("vehicles", "车辆改装/轰鸣"),
                    ("other", "其他"),
                ),
            ),
            _attribute(
                2,
                "ongoing",
                Datatype.SINGLEVALUELIST,
                "现在还在持续吗",
                required=True,
                values=YES_NO,
            ),
            _attribute(
                3,
                "started_at",
                Datatype.DATETIME,
                "大约何时开始",
                datatype_description="ISO 8601，含时区，如 2026-11-29T22:30:00+08:00",
            ),
        ),
        _spec(
            "suspicious_activity",
            "可疑情况（非紧急）",
            "可疑人员、车辆或物品等需要民警留意的情况。" + NOT_AN_EMERGENCY,
            "public_order",
            "suspicious,可疑",
            _attribute(1, "people_count", Datatype.NUMBER, "涉及人数（如知道）"),
            _attribute(
                2,
                "still_there",
                Datatype.SINGLEVALUELIST,
                "现在还在现场吗",
                required=True,
                values=YES_NO,
            ),
        ),
        _spec(
            "graffiti",
            "涂鸦与违法小广告",
            "墙面、车辆或标志上的涂鸦与办证、贷款等违法小广告。",
            "public_order",
            "graffiti,小广告",
            _attribute(
                1,
                "surface",
                Datatype.SINGLEVALUELIST,
                "在哪里",
                values=_choices(
                    ("wall", "墙面"), ("vehicle", "车辆"), ("sign", "标志牌"), ("other", "其他")
                ),
            ),
            _attribute(
                2, "offensive", Datatype.SINGLEVALUELIST, "内容是否违法或侮辱性", values=YES_NO
            ),
        ),
        _spec(
            "traffic_signal_fault",
            "交通信号灯故障",
            "信号灯不亮、常亮、闪烁或损坏。",
            "traffic",
            "traffic signal,红绿灯",
            _attribute(
                1,
                "fault",
                Datatype.SINGLEVALUELIST,
                "故障现象",
                required=True,
                values=_choices(
                    ("dark", "全部不亮"),
                    ("stuck", "一直不变"),
                    ("flashing", "黄灯闪烁"),
                    ("damaged", "灯具损坏"),
                    ("timing", "配时异常"),
                ),
            ),
            _attribute(
                2,
                "approaches",
                Datatype.MULTIVALUELIST,
                "受影响的方向",
                values=_choices(("north", "北"), ("south", "南"), ("east", "东"), ("west", "西")),
            ),
        ),
        _spec(
            "road_hazard",
            "道路安全隐患",
            "路面遗撒、坑洞、井盖缺失、倒伏树木等影响通行安全的隐患。",
            "traffic",
            "road hazard,debris,井盖",
            _attribute(
                1,
                "hazards",
                Datatype.MULTIVALUELIST,
                "有哪些隐患",
                required=True,
                values=_choices(
                    ("debris", "遗撒物"),
                    ("spill", "油污"),
                    ("pothole", "坑洞"),
                    ("missing_cover", "井盖缺失"),
                    ("fallen_tree", "倒伏树木"),
                    ("other", "其他"),
                ),
            ),
        ),
        _spec(
            "public_order",
            "其他治安隐患",
            "以上类别之外、需要民警关注的治安隐患。" + NOT_AN_EMERGENCY,
            "public_order",
            "public order,治安",
        ),
    )
}


def services() -> list[Service]:
    return [spec.service for spec in CATALOGUE.values()]


def spec_of(service_code: str) -> ServiceSpec:
    spec = CATALOGUE.get(service_code)
    if spec is None:
        raise UnknownService(service_code)
    return spec


def definition(service_code: str) -> ServiceDefinition:
    spec = spec_of(service_code)
    return ServiceDefinition(service_code=service_code, attributes=list(spec.attributes))


def _one(field: str, answer: AttributeAnswer) -> str:
    if isinstance(answer, list):
        if len(answer) != 1:
            raise RequestRefused(f"{field}: one value expected", [(field, "one_value")])
        return answer[0]
    return answer


def _checked(attribute: ServiceAttribute, answer: AttributeAnswer) -> AttributeAnswer | None:
    field = f"attribute[{attribute.code}]"
    keys = {value.key for value in attribute.values}
    if attribute.datatype is Datatype.MULTIVALUELIST:
        chosen = list(dict.fromkeys([answer] if isinstance(answer, str) else answer))
        chosen = [c.strip() for c in chosen if c.strip()]
        unknown = [c for c in chosen if c not in keys]
        if unknown:
            raise RequestRefused(f"{field}: not one of its values", [(field, "not_in_values")])
        return chosen or None
    value = _one(field, answer).strip()
    if not value:
        return None
    if attribute.datatype is Datatype.SINGLEVALUELIST:
        if value not in keys:
            raise RequestRefused(f"{field}: not one of its values", [(field, "not_in_values")])
    elif attribute.datatype is Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise RequestRefused(f"{field}: not a number", [(field, "number")])
    elif attribute.datatype is Datatype.DATETIME:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise RequestRefused(
                f"{field}: an ISO 8601 date and time with its zone", [(field, "datetime")]
            )
        value = moment.isoformat()
    if attribute.code in PLATE_ATTRIBUTES:
        try:
            value = normalise_plate(value)
        except ValueError:
            raise RequestRefused(f"{field}: not a plate number", [(field, "plate")]) from None
    return value


def checked_attributes(
    spec: ServiceSpec, answers: Mapping[str, AttributeAnswer]
) -> dict[str, AttributeAnswer]:
    """The answers, normalised, if they fit the service's definition: every required one
    given, list answers among the listed values, numbers and datetimes that parse. An answer
    to an attribute the service does not have is refused rather than silently dropped."""
    by_code = {a.code: a for a in spec.attributes}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        raise RequestRefused(
            f"{spec.service.service_code} has no attribute {unknown[0]}",
            [(f"attribute[{code}]", "unknown") for code in unknown],
        )
    checked: dict[str, AttributeAnswer] = {}
    missing = []
    for attribute in spec.attributes:
        given = answers.get(attribute.code)
        value = _checked(attribute, given) if given is not None else None
        if value is None:
            if attribute.required:
                missing.append(f"attribute[{attribute.code}]")
            continue
        checked[attribute.code] = value
    if missing:
        raise RequestRefused(
            f"{', '.join(missing)} required", [(field, "required") for field in missing]
        )
    return checked


def location_of(request: ServiceRequestCreate) -> GeoPoint:
    """Where the police should go. The specification lets a request name its place by
    address_string or address_id alone, but this jurisdiction cannot geocode them and dispatch
    needs a point: lat and long are required (address_string may come with them)."""
    point = request.location
    if point is None:
        raise RequestRefused(
            "lat and long are required: this jurisdiction cannot locate address_string or "
            "address_id alone",
            [("lat", "required"), ("long", "required")],
        )
    return point


@dataclass(frozen=True)
class OpenRequest:
    service_request_id: str
    lat: float
    lon: float


def possible_duplicate(point: GeoPoint, open_requests: Iterable[OpenRequest]) -> str | None:
    """The nearest open request of the same service within DUPLICATE_RADIUS_M, if any."""
    nearest: tuple[float, str] | None = None
    for other in open_requests:
        metres = distance_m(point.lat, point.lon, other.lat, other.lon)
        if metres <= DUPLICATE_RADIUS_M and (
            nearest is None or (metres, other.service_request_id) < nearest
        ):
            nearest = (metres, other.service_request_id)
    return nearest[1] if nearest else None


def service_notice(duplicate_of: str | None) -> str:
    notice = "已受理，民警将尽快处置。" + NOT_AN_EMERGENCY
    if duplicate_of is not None:
        notice += (
            f" 附近 {DUPLICATE_RADIUS_M:.0f} 米内已有同类未办结请求 {duplicate_of}，"
            f"可能重复 (possible duplicate of {duplicate_of})。"
        )
    return notice


def duplicate_search_box(point: GeoPoint) -> tuple[float, float, float, float]:
    """(south, west, north, east) holding every point within DUPLICATE_RADIUS_M, with room."""
    dlat = DUPLICATE_RADIUS_M / 110_540.0 * 1.1
    dlon = dlat / max(math.cos(math.radians(min(89.0, abs(point.lat) + dlat))), 1e-6)
    return point.lat - dlat, point.lon - dlon, point.lat + dlat, point.lon + dlon


def search_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The specification's window: at most 90 days, the last 90 when neither end is given."""
    for moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            raise RequestRefused("dates need their time zone (Z or ±HH:MM)")
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        return end - WINDOW, end
    if end is None:
        return start, start + WINDOW
    if end < start:
        raise RequestRefused("end_date is before start_date", [("end_date", "before_start")])
    if end - start > WINDOW:
        raise RequestRefused(
            f"a search spans at most {DEFAULT_WINDOW_DAYS} days", [("end_date", "window")]
        )
    return start, end


def summary(service_name: str, description: str | None) -> str:
    text = f"{service_name}: {description}" if description else service_name
    return text[:300]


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret: str

    @property
    def api_key(self) -> str:
        return f"{self.key_id}.{self.secret}"


def new_api_key() -> NewApiKey:
    return NewApiKey(key_id=secrets.token_hex(8), secret=secrets.token_urlsafe(32))


def split_api_key(raw: str | None) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key; None for anything else."""
    if not raw or not _API_KEY.match(raw):
        return None
    key_id, _, secret = raw.partition(".")
    return key_id, secret
