"""The demo city's facts: units, officers (known demo credentials), checkpoints, a hotlist."""

from __future__ import annotations

from dataclasses import dataclass

#: the demo password of every demo officer (never use outside a demo)
DEMO_PASSWORD = "police-demo-2026"


@dataclass(frozen=True)
class DemoOfficer:
    id: str
    name: str
    unit: str
    roles: tuple[str, ...]


UNITS = (
    ("sz", "Shenzhen Municipal Public Security Bureau", "city", None),
    ("futian", "Futian Branch", "branch", "sz"),
    ("nanshan", "Nanshan Branch", "branch", "sz"),
    ("futian-xiangmihu", "Xiangmihu Station", "station", "futian"),
    ("nanshan-shekou", "Shekou Station", "station", "nanshan"),
)

OFFICERS = (
    DemoOfficer("admin", "Platform Administrator", "sz", ("admin",)),
    DemoOfficer("auditor", "Audit Officer", "sz", ("auditor",)),
    DemoOfficer("operator", "Operations Officer", "sz", ("operator",)),
    DemoOfficer("zhang.min", "Zhang Min", "futian", ("supervisor",)),
    DemoOfficer("li.wei", "Li Wei", "futian-xiangmihu", ("officer",)),
    DemoOfficer("chen.jing", "Chen Jing", "nanshan-shekou", ("investigator",)),
)

CHECKPOINTS = (
    ("cp-futian-01", "Shennan Rd / Caitian Rd checkpoint", "futian", 22.5405, 114.0553),
    ("cp-futian-02", "Huanggang Port checkpoint", "futian", 22.5268, 114.0750),
    ("cp-nanshan-01", "Shekou Port checkpoint", "nanshan", 22.4822, 113.9127),
)

#: (plate, reason, case id, officer who listed it)
HOTLIST = (("粤B99999", "stolen_vehicle", "case-demo-0001", "zhang.min"),)

#: the plate `make demo` lists and then sights
FLOW_PLATE = "粤T12345"
FLOW_CASE = "case-demo-0042"
