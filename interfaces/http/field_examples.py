"""Request examples of issue 17's field operations (``interfaces/http/examples.py`` explains)."""

from __future__ import annotations

from typing import Any

from interfaces.http.example_ids import EQUIPMENT, ESTATE, RECORD, TECHNICIAN, UNIT

FIELD: dict[str, dict[str, Any]] = {}

# The stores (issue 17).
_PART = "4c2e8f1a-6b3d-4e9a-8c5f-2d7b1a9e3f60"
_S = "interfaces.http.stores.views."
FIELD.update(
    {
        _S + "NewPart": {
            "code": "BRK-16A",
            "name": "Miniature circuit breaker 16A",
            "name_zh": "空气开关 16A",
            "unit": "piece",
            "category": "electrical",
        },
        _S + "NewStore": {"estate_id": ESTATE, "code": "MAIN", "name": "工程部仓库"},
        _S + "ReorderLevel": {"part_id": _PART, "level": "5"},
        _S + "NewPurchaseRequest": {
            "lines": [{"part_id": _PART, "quantity": "20", "unit_price": "28.50"}],
            "reason": "3号楼配电箱更换，库存不足",
        },
        _S + "Receipt": {
            "vendor_id": RECORD,
            "lines": [{"part_id": _PART, "quantity": "12", "unit_price": "27.80"}],
        },
        _S + "PartsToOrder": {"order_id": RECORD, "lines": [{"part_id": _PART, "quantity": "2"}]},
        _S + "Count": {
            "lines": [{"part_id": _PART, "counted": "9"}],
            "note": "月末盘点，少一个，疑为领用未登记",
        },
    }
)
# Suppliers' invoices for goods received into stores (decision 0062).
FIELD["interfaces.http.stores.invoices.SupplierInvoiceIn"] = {
    "vendor_id": RECORD,
    "number": "NO.03118852",
    "receipt_ids": [RECORD],
    "amount": "477.00",
    "invoiced_on": "2026-03-12",
}
# Data quality (R7.5): a run of last month's checks, stale after 60 days.
FIELD["interfaces.http.quality.NewQualityRun"] = {"month": "2026-11", "stale_days": 60}
# Patrols (巡检): a night round of a Shanghai estate.
FIELD.update(
    {
        "interfaces.http.patrols.schemas.NewRoute": {
            "estate_id": ESTATE,
            "name": "夜间巡逻路线",
            "points": [
                {
                    "name": "地下水泵房",
                    "place": "B1 层东侧",
                    "checklist": [
                        {"label": "供水压力", "unit": "MPa", "low": "0.30", "high": "0.60"},
                        {"label": "有无漏水"},
                    ],
                },
                {"name": "东门岗亭", "checklist": [{"label": "道闸关闭"}]},
            ],
        },
        "interfaces.http.patrols.schemas.NewPoint": {
            "name": "3号楼天台",
            "place": "3号楼顶层",
            "checklist": [{"label": "天台门已上锁"}],
        },
        "interfaces.http.patrols.schemas.WithReason": {"reason": "路线调整，改用新路线"},
        "interfaces.http.patrols.schemas.NewPlan": {
            "route_id": RECORD,
            "name": "夜班巡逻",
            "assignee_id": TECHNICIAN,
            "shift_starts": "22:00",
            "shift_minutes": 480,
            "first_shift_on": "2026-12-07",
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "timezone": "Asia/Shanghai",
        },
        "interfaces.http.patrols.schemas.Reassignment": {"assignee_id": TECHNICIAN},
        "interfaces.http.patrols.schemas.NewCheckIn": {
            "point_id": EQUIPMENT,
            "code": "4f9c2e7a1b6d43c8a5e0f7d2c9b1a846",
            "answers": [
                {"item_id": "1", "result": "normal", "value": "0.42"},
                {
                    "item_id": "2",
                    "result": "abnormal",
                    "note": "水泵底座有渗水",
                    "photo_ref": "patrol/2026/12/07/pump-leak.jpg",
                },
            ],
        },
    }
)

# Meters (抄表)
FIELD.update(
    {
        "interfaces.http.meters.schemas.NewMeter": {
            "estate_id": ESTATE,
            "unit_id": UNIT,
            "kind": "water",
            "serial": "SZ-LXS-20-0412873",
            "initial_reading": "0.0",
            "installed_on": "2026-01-05",
        },
        "interfaces.http.meters.schemas.Replacement": {
            "final_reading": "1342.5",
            "initial_reading": "0",
            "changed_on": "2026-03-18",
            "reason": "replaced",
            "new_serial": "SZ-LXS-20-0598121",
        },
        "interfaces.http.meters.schemas.NewReading": {
            "reading": "128.4",
            "read_on": "2026-03-28",
            "period": "2026-03",
            "round_id": RECORD,
        },
        "interfaces.http.meters.schemas.Submission": {
            "reading": "131.0",
            "read_on": "2026-03-29",
            "period": "2026-03",
            "photo_ref": "uploads/meters/2026-03/3-1201-water.jpg",
        },
        "interfaces.http.meters.schemas.Decision": {"reading_id": RECORD},
        "interfaces.http.meters.schemas.Rejection": {
            "reading_id": RECORD,
            "reason": "照片读数与现场复核不符，已重新抄表",
        },
        "interfaces.http.meters.schemas.NewRound": {
            "estate_id": ESTATE,
            "period": "2026-03",
            "technician_id": TECHNICIAN,
            "meter_ids": [EQUIPMENT, RECORD],
            "due_on": "2026-03-28",
        },
        "interfaces.http.meters.schemas.JumpRuleIn": {"factor": "4", "window": 6},
    }
)

# The car park (interfaces/http/parking.py).
_TARIFF = {
    "currency": "CNY",
    "free_minutes": 30,
    "per_hour": "5.00",
    "daily_cap": "40.00",
    "night_per_hour": "1.00",
    "night_from": "22:00",
    "night_until": "07:00",
}
FIELD.update(
    {
        "interfaces.http.parking.schemas.NewCarPark": {
            "estate_id": ESTATE,
            "temporary_spaces": 40,
            "tariff": _TARIFF,
        },
        "interfaces.http.parking.schemas.TariffChange": {
            **_TARIFF,
            "per_hour": "6.00",
            "daily_cap": "50.00",
            "effective_from": "2026-07-01T00:00:00+08:00",
        },
        "interfaces.http.parking.schemas.NewVehicle": {"plate": "沪A·D12345", "unit_id": UNIT},
        "interfaces.http.parking.schemas.Blocking": {
            "plate": "沪B88888",
            "reason": "多次冲卡，欠临停费",
        },
        "interfaces.http.parking.schemas.NewPass": {
            "billing": "prepaid",
            "starts_on": "2026-03-01",
            "months": 3,
            "amount": "900.00",
            "method": "online",
            "reference": "WX4200002026030112345678",
        },
        "interfaces.http.parking.schemas.AtTheGate": {
            "plate": "沪A12345",
            "gate": "东门入口1",
            "direction": "in",
        },
        "interfaces.http.parking.schemas.Release": {
            "reason": "车牌识别漏拍，人工确认车辆已于18:20离场"
        },
        "interfaces.http.parking.schemas.Payment": {
            "method": "online",
            "reference": "WX4200002026030198765432",
        },
        "interfaces.http.parking.schemas.TemporarySpaces": {"temporary_spaces": 60},
        "interfaces.http.parking.schemas.ExitWithoutEntry": {
            "plate": "沪A12345",
            "gate": "东门出口1",
            "reason": "入场未识别，车主称昨晚20点左右入场",
            "charge": "estimated_entry",
            "entered_at": "2026-03-01T20:00:00+08:00",
            "method": "cash",
        },
    }
)
