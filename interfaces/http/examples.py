"""A realistic request example for every JSON body of the API (decision 0052).

Keyed by the body model's module and name, so that this table imports no
router; ``tests/e2e/api/test_openapi_complete.py`` checks that every body of
the app has one, that each validates against its model, and that none is left
over from a model that is gone. Names, addresses and notes are what the
people of a Chinese property company would type.
"""

from __future__ import annotations

from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

from interfaces.http.example_ids import (
    BUILDING,
    EQUIPMENT,
    ESTATE,
    PERSON,
    RECORD,
    TECHNICIAN,
    UNIT,
    USER,
)
from interfaces.http.field_examples import FIELD

EXAMPLES: dict[str, dict[str, Any]] = {}


def key_of(model: Any) -> str | None:
    """The table's key of a body annotation (``Model`` or ``Model | None``)."""
    if get_origin(model) in (Union, UnionType):
        [model] = [a for a in get_args(model) if a is not NoneType]
    if not isinstance(model, type):
        return None
    return f"{model.__module__}.{model.__qualname__}"


def example_of(model: Any) -> dict[str, Any] | None:
    key = key_of(model)
    return None if key is None else EXAMPLES.get(key)


# A visitor pass's QR token (its claims and a signature, shortened).
VISITOR_QR = (
    "EVP1.eyJlIjoiM2YxYzJhOWUtN2I0ZC00ZThhLTljNjEtMGQyYjVlOGY0YTEwIiwiZiI6MTc3MjMyNjgwMCwi"
    "cCI6IjFhNmY0YzhlLTlkM2ItNGM3ZS1iMmE1LTZkMWY4ZTRjM2I3OSIsInUiOjE3NzIzNjk5OTl9."
    "q1vN3xg0d8fYw2cJm4r7Tt9E5bKp6ZsA0uLh1WnQe3Rj8oVy2DiXkF4aMcG7HlPz"
)

EXAMPLES.update(
    {
        "interfaces.http.auth.LoginRequest": {
            "username": "hvg.wangfang",
            "password": "海景花园-2026-春",
        },
        "interfaces.http.auth.CodeRequest": {"challenge_id": RECORD, "code": "482913"},
        "interfaces.http.auth.RefreshRequest": {"refresh_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"},
        "interfaces.http.auth.PasswordChange": {
            "current_password": "海景花园-2026-春",
            "new_password": "一个更长的新密码-Tide-77",
        },
        "interfaces.http.auth.SecondFactorChange": {
            "enabled": True,
            "password": "海景花园-2026-春",
        },
        "interfaces.http.users.NewUser": {
            "username": "hvg.zhangwei",
            "password": "first-login-Harbour-2026",
            "display_name": "张伟",
            "roles": ["technician"],
            "gender": "男",
            "phone": "13812345678",
            "national_id": "310101199001011234",
        },
        "interfaces.http.users.ProfileChange": {"display_name": "张伟", "phone": "13987654321"},
        "interfaces.http.users.RoleChange": {"role": "customer_service"},
        "interfaces.http.users.PermissionChange": {"permission": "audit:export:any"},
        "interfaces.http.users.EstateAssignment": {"estate_id": ESTATE},
        "interfaces.http.users.PasswordReset": {"new_password": "reset-by-admin-Harbour-88"},
        "interfaces.http.users.WithReason": {"reason": "员工离职，按人事部通知停用账号"},
        "interfaces.http.approvals.Decision": {"comment": "金额与合同一致，同意"},
        "interfaces.http.approvals.Delegation": {"to": USER},
        "interfaces.http.approvals.WithReason": {
            "reason": "缺少业主大会决议文件，请补充后重新提交"
        },
        "interfaces.http.approvals.PolicyBody": {
            "levels": [
                {"name": "front_desk", "role": "customer_service"},
                {"name": "manager", "role": "property_manager"},
            ],
            "rules": [
                {"then": "approve", "amount_below": "200", "currency": "CNY", "reason": "小额退款"},
                {"then": "skip", "urgency": ["urgent"], "skip": ["front_desk"], "reason": "紧急"},
            ],
        },
        "interfaces.http.notifications.MarkRead": {"positions": [10452, 10467]},
        "interfaces.http.notifications.NewMessage": {
            "estate_id": ESTATE,
            "subject": "停水通知",
            "body": "因二次供水水箱清洗，3月5日9:00-15:00 A座停水，请提前储水。",
            "priority": "high",
        },
        "interfaces.http.notifications.NewReminder": {
            "message": "检查B座消防泵房的巡检记录",
            "due_at": "2026-03-05T01:00:00Z",
            "priority": "normal",
        },
        "interfaces.http.notifications.PreferencesChange": {
            "channels": ["in_app", "sms"],
            "phone": "13812345678",
        },
        "interfaces.http.operations.Resolution": {
            "cause": "数据库主机磁盘写满，写入失败",
            "action": "清理旧的 WAL 归档并把磁盘扩容到 500 GB",
        },
        # registry
        "interfaces.http.registry.schemas.NewEstate": {
            "code": "HVG",
            "name": "海景花园",
            "address": "上海市浦东新区滨江大道 1288 号",
        },
        "interfaces.http.registry.schemas.EstateChange": {"name": "海景花园（一期）"},
        "interfaces.http.registry.schemas.NewBuilding": {"code": "A", "name": "A座", "floors": 18},
        "interfaces.http.registry.schemas.BuildingChange": {"floors": 19},
        "interfaces.http.registry.schemas.NewUnit": {
            "number": "A-1201",
            "floor": 12,
            "gross_area": "89.50",
            "internal_area": "72.30",
            "use": "residential",
        },
        "interfaces.http.registry.schemas.UnitCorrection": {"gross_area": "89.62"},
        "interfaces.http.registry.schemas.NewParking": {
            "code": "B1-023",
            "level": "B1",
            "kind": "产权车位",
        },
        "interfaces.http.registry.schemas.ParkingAssignment": {"unit_id": UNIT},
        "interfaces.http.registry.schemas.NewPerson": {
            "name": "王芳",
            "phone": "13912345678",
            "national_id": "310115198805064321",
        },
        "interfaces.http.registry.schemas.ContactChange": {"phone": "13700001111"},
        "interfaces.http.registry.schemas.AccountLink": {"user_id": USER},
        "interfaces.http.registry.schemas.Erasure": {
            "reason": "本人书面申请删除个人信息（已搬离两年）"
        },
        "interfaces.http.registry.schemas.MoveIn": {
            "person_id": PERSON,
            "relation": "owner",
            "on": "2026-03-01",
        },
        "interfaces.http.registry.schemas.MoveOut": {"person_id": PERSON, "on": "2026-06-30"},
        "interfaces.http.registry.schemas.OwnershipTransfer": {
            "new_owner_ids": [PERSON],
            "on": "2026-04-15",
        },
        # equipment
        "interfaces.http.equipment.schemas.NewEquipment": {
            "estate_id": ESTATE,
            "kind": "elevator",
            "name": "A座1号客梯",
            "model": "OTIS GeN2",
            "serial_number": "SH-2019-00871",
            "location": "A座大堂",
            "building_id": BUILDING,
            "installed_on": "2019-06-18",
            "vendor": "上海奥的斯电梯有限公司",
            "warranty_until": "2024-06-17",
        },
        "interfaces.http.equipment.schemas.DetailsChange": {"location": "A座大堂东侧"},
        "interfaces.http.equipment.schemas.StatusChange": {
            "status": "out_of_service",
            "reason": "年检期间停用",
        },
        "interfaces.http.equipment.schemas.TelemetryBatch": {
            "readings": [
                {
                    "equipment_id": EQUIPMENT,
                    "at": "2026-03-01T08:00:00Z",
                    "metric": "temperature",
                    "value": "41.5",
                },
                {
                    "equipment_id": EQUIPMENT,
                    "at": "2026-03-01T08:00:00Z",
                    "metric": "state",
                    "state": "running",
                },
            ]
        },
        "interfaces.http.equipment.schemas.WorkOrderRequest": {
            "title": "1号客梯机房温度过高",
            "description": "报警持续20分钟，请检查机房空调",
        },
        # work orders
        "interfaces.http.workorders.schemas.NewOrder": {
            "title": "厨房水槽下水管漏水",
            "description": "水槽下面的柜子里一直在滴水，地板已经湿了。",
            "unit_id": UNIT,
        },
        "interfaces.http.workorders.schemas.OrderOnBehalf": {
            "resident_id": PERSON,
            "unit_id": UNIT,
            "channel": "phone",
            "title": "卫生间灯不亮",
            "description": "业主来电：卫生间顶灯不亮，换了灯泡也不行。",
        },
        "interfaces.http.workorders.schemas.Triage": {"category": "plumbing", "priority": "high"},
        "interfaces.http.workorders.schemas.Assignment": {"technician_id": TECHNICIAN},
        "interfaces.http.workorders.schemas.Completion": {
            "work_done": "更换水槽下水管及密封圈，试水无渗漏",
            "parts": [{"name": "PVC下水管 50mm", "qty": "1", "unit_cost": "35.00"}],
            "labour_hours": "1.5",
            "cost": "95.00",
            "currency": "CNY",
        },
        "interfaces.http.workorders.schemas.Rating": {
            "rating": 5,
            "comment": "师傅很准时，修得很好",
        },
        "interfaces.http.workorders.schemas.WithReason": {"reason": "等待业主确认上门时间"},
        "interfaces.http.workorders.schemas.NewPlan": {
            "estate_id": ESTATE,
            "title": "客梯月度保养",
            "equipment_id": EQUIPMENT,
            "interval_days": 30,
            "checklist": ["检查曳引机", "检查门机", "测试应急照明"],
            "team": "电梯组",
            "priority": "normal",
            "first_due_on": "2026-03-10",
        },
        "interfaces.http.workorders.schemas.PlanChange": {"interval_days": 15},
        # community
        "interfaces.http.community.schemas.NewServiceRequest": {
            "estate_id": ESTATE,
            "unit_id": UNIT,
            "category": "cleaning",
            "description": "装修后需要清理楼道垃圾",
            "urgency": "normal",
        },
        "interfaces.http.community.schemas.Description": {
            "description": "装修后需要清理楼道垃圾，约两车",
        },
        "interfaces.http.community.schemas.Schedule": {
            "scheduled_for": "2026-03-03T02:00:00Z",
            "assignee_id": TECHNICIAN,
        },
        "interfaces.http.community.schemas.Completion": {"note": "已清理完毕，业主确认"},
        "interfaces.http.community.schemas.WithReason": {"reason": "业主已自行处理"},
        "interfaces.http.community.schemas.NewComplaint": {
            "estate_id": ESTATE,
            "unit_id": UNIT,
            "subject": "夜间施工噪音",
            "description": "楼上装修晚上十点以后还在电钻施工，影响休息。",
        },
        "interfaces.http.community.schemas.Assignment": {"handler_id": USER},
        "interfaces.http.community.schemas.Response_": {
            "response": "已联系装修户，要求晚上八点后停止施工。",
        },
        "interfaces.http.community.schemas.Resolution": {
            "resolution": "装修户已签署承诺书，连续三晚巡查无噪音。",
        },
        "interfaces.http.community.schemas.SurveyAnswer": {
            "subject_kind": "work_order",
            "subject_id": RECORD,
            "scores": {"timeliness": 5, "quality": 4, "attitude": 5},
            "comment": "维修及时",
        },
        "interfaces.http.community.schemas.NewAnnouncement": {
            "estate_id": ESTATE,
            "title": "春节期间物业服务安排",
            "body": "春节期间（2月16日至2月22日）客服中心值班时间为9:00-17:00。",
        },
        "interfaces.http.community.schemas.AnnouncementText": {
            "title": "春节期间物业服务安排（更新）",
            "body": "春节期间（2月16日至2月22日）客服中心值班时间调整为8:30-17:30。",
        },
        # visitors and the gate (issue 17)
        "interfaces.http.gate.schemas.NewPass": {
            "estate_id": ESTATE,
            "unit_id": UNIT,
            "visitor_name": "李建国",
            "visitor_phone": "13912345678",
            "plate": "沪A12345",
            "valid_from": "2026-03-01T09:00:00+08:00",
            "valid_until": "2026-03-01T21:00:00+08:00",
            "entries_allowed": 2,
        },
        "interfaces.http.gate.schemas.Revocation": {"reason": "访客改期，明天再来"},
        "interfaces.http.gate.schemas.Scan": {"token": VISITOR_QR, "controller_id": EQUIPMENT},
        "interfaces.http.gate.schemas.Scanned": {"token": VISITOR_QR},
        "interfaces.http.gate.schemas.AccessBatch": {
            "events": [
                {
                    "equipment_id": EQUIPMENT,
                    "at": "2026-03-01T22:14:05Z",
                    "event": "opened_by_pass",
                    "token": VISITOR_QR,
                },
                {"equipment_id": EQUIPMENT, "at": "2026-03-01T23:40:00Z", "event": "forced_open"},
                {
                    "equipment_id": EQUIPMENT,
                    "at": "2026-03-01T23:45:00Z",
                    "event": "held_open",
                    "open_seconds": 300,
                },
            ]
        },
    }
)

# The finance context keeps its own (after the table above is made).
from interfaces.http.finance.examples import FINANCE  # noqa: E402

EXAMPLES.update(FINANCE)

# Issue 17's field operations keep theirs (meters, patrols, stores, the gate, parking).
EXAMPLES.update(FIELD)
