"""Appointments: the service-type catalogue, offices, opening hours, slots, bookings and reminders.

The 47 traffic-police service types are reference data, seeded here so that every database has
them; two demo service halls (Futian, Nanshan) come with them.

Revision ID: citizen_0003
Revises: citizen_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "citizen_0003"
down_revision = "citizen_0002"
branch_labels = None
depends_on = None

DRIVING_LICENCE, VEHICLE, VIOLATION = "driving_licence", "vehicle", "violation"

#: (code, Chinese name, English name, category, typical minutes at the counter)
# fmt: off
SERVICE_TYPES: tuple[tuple[str, str, str, str, int], ...] = (
    # 驾驶证业务
    ("dl-first-application", "初次申领机动车驾驶证", "First application for a driving licence", DRIVING_LICENCE, 40),
    ("dl-class-upgrade", "增加准驾车型申请", "Adding a licence class", DRIVING_LICENCE, 40),
    ("dl-renewal", "驾驶证有效期满换证", "Driving-licence renewal at expiry", DRIVING_LICENCE, 20),
    ("dl-replacement-lost", "驾驶证遗失补证", "Replacement of a lost driving licence", DRIVING_LICENCE, 20),
    ("dl-replacement-damaged", "驾驶证损毁换证", "Replacement of a damaged driving licence", DRIVING_LICENCE, 20),
    ("dl-change-address", "驾驶人联系方式及住址变更", "Driver's change of address", DRIVING_LICENCE, 15),
    ("dl-change-identity", "驾驶人身份信息变更换证", "New licence after a change of personal details", DRIVING_LICENCE, 20),
    ("dl-transfer-in", "驾驶证转入", "Driving licence moved in from another city", DRIVING_LICENCE, 30),
    ("dl-downgrade", "驾驶证降级换证", "Downgrading a licence class", DRIVING_LICENCE, 20),
    ("dl-cancellation", "注销驾驶证", "Cancelling a driving licence", DRIVING_LICENCE, 15),
    ("dl-restore", "恢复驾驶资格", "Restoring driving entitlement", DRIVING_LICENCE, 30),
    ("dl-medical-report", "提交身体条件证明", "Submitting a medical certificate", DRIVING_LICENCE, 15),
    ("dl-foreign-conversion", "境外驾驶证换领国内驾驶证", "Converting a licence issued abroad", DRIVING_LICENCE, 45),
    ("dl-temporary-permit", "临时机动车驾驶许可", "Temporary driving permit", DRIVING_LICENCE, 30),
    ("dl-points-education", "满分学习教育", "Re-education after full penalty points", DRIVING_LICENCE, 60),
    ("dl-points-exam", "满分考试", "Test after full penalty points", DRIVING_LICENCE, 60),
    ("dl-review-education", "审验教育", "Licence review education", DRIVING_LICENCE, 60),
    ("dl-periodic-review", "驾驶证审验", "Periodic licence review", DRIVING_LICENCE, 20),
    ("dl-record-printout", "驾驶人信息查询打印", "Printout of the driver record", DRIVING_LICENCE, 10),
    ("dl-safe-driving-certificate", "安全驾驶证明", "Safe-driving certificate", DRIVING_LICENCE, 10),
    # 机动车业务
    ("mv-registration", "机动车注册登记", "Motor-vehicle first registration", VEHICLE, 45),
    ("mv-transfer", "机动车转移登记", "Transfer of a vehicle's ownership", VEHICLE, 45),
    ("mv-transfer-out", "机动车转出", "Vehicle moved to another city", VEHICLE, 30),
    ("mv-transfer-in", "机动车转入", "Vehicle moved in from another city", VEHICLE, 45),
    ("mv-change-registration", "机动车变更登记", "Change of registration (colour, body, engine)", VEHICLE, 30),
    ("mv-change-address", "机动车所有人住址变更", "Vehicle owner's change of address", VEHICLE, 15),
    ("mv-mortgage", "机动车抵押登记", "Registering a mortgage on a vehicle", VEHICLE, 20),
    ("mv-mortgage-release", "解除机动车抵押登记", "Releasing a mortgage on a vehicle", VEHICLE, 20),
    ("mv-pledge-filing", "机动车质押备案", "Filing a pledge of a vehicle", VEHICLE, 20),
    ("mv-deregistration", "机动车注销登记", "Deregistering a vehicle", VEHICLE, 20),
    ("mv-plates-replacement", "补领换领机动车号牌", "Replacement of number plates", VEHICLE, 20),
    ("mv-licence-replacement", "补领换领机动车行驶证", "Replacement of the vehicle licence (行驶证)", VEHICLE, 15),
    ("mv-certificate-replacement", "补领机动车登记证书", "Replacement of the registration certificate", VEHICLE, 15),
    ("mv-inspection-mark", "核发检验合格标志", "Issue of the inspection mark", VEHICLE, 10),
    ("mv-entrusted-inspection", "机动车异地委托检验", "Inspection entrusted to another city", VEHICLE, 15),
    ("mv-temporary-plates", "核发临时行驶车号牌", "Temporary plates", VEHICLE, 15),
    ("mv-plate-selection", "机动车号牌选号", "Choosing a plate number", VEHICLE, 20),
    ("mv-plate-retention", "机动车号牌号码保留", "Keeping a plate number for another vehicle", VEHICLE, 15),
    ("mv-registration-record", "机动车登记信息证明", "Certificate of a vehicle's registration record", VEHICLE, 10),
    ("mv-school-bus-sign", "校车标牌核发", "Issue of a school-bus sign", VEHICLE, 30),
    # 交通违法与事故处理
    ("tv-violation-handling", "交通违法处理", "Handling a traffic violation", VIOLATION, 20),
    ("tv-fine-payment", "交通违法罚款缴纳", "Paying a traffic fine at the counter", VIOLATION, 10),
    ("tv-violation-review", "交通违法记录复核", "Review of a violation record", VIOLATION, 30),
    ("tv-detained-licence", "领取被扣留驾驶证", "Collecting a detained driving licence", VIOLATION, 15),
    ("tv-impounded-vehicle", "领取被扣留车辆", "Collecting an impounded vehicle", VIOLATION, 30),
    ("tv-accident-quick-settlement", "交通事故快速处理", "Quick settlement of a minor accident", VIOLATION, 30),
    ("tv-accident-determination", "领取交通事故认定书", "Collecting an accident determination", VIOLATION, 15),
)
# fmt: on

#: Mon-Fri 09:00-12:00 and 14:00-17:30, Saturday mornings (local time)
WEEKDAY_HOURS = [
    *(
        {"weekday": day, "opens": opens, "closes": closes}
        for day in range(1, 6)
        for opens, closes in (("09:00", "12:00"), ("14:00", "17:30"))
    ),
    {"weekday": 6, "opens": "09:00", "closes": "12:00"},
]

#: demo service halls: (office id, name, address, lat, lon, services offered)
DEMO_OFFICES = (
    (
        "office-futian",
        "福田交警大队车管服务大厅",
        "深圳市福田区香蜜湖路 3012 号",
        22.5463,
        114.0282,
        [code for code, *_ in SERVICE_TYPES],
    ),
    (
        "office-nanshan",
        "南山交警大队车管服务大厅",
        "深圳市南山区南海大道 2039 号",
        22.5205,
        113.9298,
        [code for code, _, _, category, _ in SERVICE_TYPES if category != VEHICLE],
    ),
)


def upgrade() -> None:
    catalogue = op.create_table(
        "appointment_service_types",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_zh", sa.String(60), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("duration_min", sa.Integer, nullable=False),
        sa.CheckConstraint("duration_min > 0", name="appointment_service_types_duration"),
    )
    offices = op.create_table(
        "appointment_offices",
        sa.Column("office_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("opening_hours", JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", sa.String(64)),
    )
    office_services = op.create_table(
        "appointment_office_services",
        sa.Column(
            "office_id",
            sa.String(64),
            sa.ForeignKey("appointment_offices.office_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "service_code",
            sa.String(40),
            sa.ForeignKey("appointment_service_types.code"),
            primary_key=True,
        ),
    )
    op.create_table(
        "appointment_slots",
        sa.Column("slot_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("service_code", sa.String(40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["office_id", "service_code"],
            ["appointment_office_services.office_id", "appointment_office_services.service_code"],
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "office_id", "service_code", "starts_at", name="appointment_slots_once"
        ),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name="appointment_slots_not_overbooked"
        ),
        sa.CheckConstraint("ends_at > starts_at", name="appointment_slots_length"),
    )
    op.create_table(
        "appointment_bookings",
        sa.Column("booking_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "citizen_id",
            sa.String(64),
            sa.ForeignKey("citizens.citizen_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "slot_id",
            UUID(as_uuid=True),
            sa.ForeignKey("appointment_slots.slot_id"),
            nullable=False,
        ),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("service_code", sa.String(40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("rescheduled_at", sa.DateTime(timezone=True)),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled', 'completed')", name="appointment_bookings_status"
        ),
    )
    # one open booking per citizen and service type, whatever races the code above loses
    op.create_index(
        "appointment_bookings_one_open_per_service",
        "appointment_bookings",
        ["citizen_id", "service_code"],
        unique=True,
        postgresql_where=sa.text("status = 'booked'"),
    )
    op.create_index(
        "appointment_bookings_by_citizen", "appointment_bookings", ["citizen_id", "booked_at"]
    )
    op.create_index("appointment_bookings_by_slot", "appointment_bookings", ["slot_id"])
    # the reminder timer's work queue: only open, unreminded bookings are indexed
    op.create_index(
        "appointment_bookings_to_remind",
        "appointment_bookings",
        ["starts_at"],
        postgresql_where=sa.text("status = 'booked' AND reminded_at IS NULL"),
    )

    op.bulk_insert(
        catalogue,
        [
            {"code": c, "name_zh": zh, "name_en": en, "category": cat, "duration_min": minutes}
            for c, zh, en, cat, minutes in SERVICE_TYPES
        ],
    )
    op.bulk_insert(
        offices,
        [
            {
                "office_id": office_id,
                "name": name,
                "address": address,
                "lat": lat,
                "lon": lon,
                "opening_hours": WEEKDAY_HOURS,
                "created_by": "migration",
            }
            for office_id, name, address, lat, lon, _ in DEMO_OFFICES
        ],
    )
    op.bulk_insert(
        office_services,
        [
            {"office_id": office_id, "service_code": code}
            for office_id, *_, codes in DEMO_OFFICES
            for code in codes
        ],
    )


def downgrade() -> None:
    for table in (
        "appointment_bookings",
        "appointment_slots",
        "appointment_office_services",
        "appointment_offices",
        "appointment_service_types",
    ):
        op.drop_table(table)
