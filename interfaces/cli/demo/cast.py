"""The demo estate and its people: who they are, where they live, which units exist."""

from __future__ import annotations

from datetime import date

from domain.identity.policy import Role

ESTATE_CODE = "HVG"
ESTATE_NAME = "Harbour View Gardens"
ESTATE_ADDRESS = "88 Harbour Road, Pudong, Shanghai"
USER_AGENT = "estatelog demo"


# username, display name, role, what they do in the demo
STAFF: tuple[tuple[str, str, Role, str], ...] = (
    ("hvg.manager", "Chen Wei", Role.PROPERTY_MANAGER, "property manager of the estate"),
    ("hvg.deputy", "Guo Hong", Role.PROPERTY_MANAGER, "deputy manager (approves announcements)"),
    ("hvg.tech.li", "Li Qiang", Role.TECHNICIAN, "technician"),
    ("hvg.tech.zhao", "Zhao Min", Role.TECHNICIAN, "technician (lift crew)"),
    ("hvg.service", "Sun Li", Role.CUSTOMER_SERVICE, "customer-service clerk (front desk)"),
    ("hvg.finance", "Zhou Hui", Role.FINANCE, "finance clerk"),
    ("hvg.store", "Ma Jun", Role.STOREKEEPER, "storekeeper"),
    ("hvg.gate", "Tang Bo", Role.GATE_GUARD, "gate guard (walks the night patrol)"),
    ("hvg.auditor", "Wu Fang", Role.AUDITOR, "auditor (reads everything)"),
    ("hvg.director", "He Jian", Role.ADMIN, "regional director (last approval level)"),
)

# username, name, building, unit, relation, moved in, phone
RESIDENTS: tuple[tuple[str, str, str, str, str, date, str], ...] = (
    ("hvg.linyu", "Lin Yu", "A", "101", "owner", date(2023, 6, 18), "13800000101"),
    ("hvg.wangfang", "Wang Fang", "A", "302", "owner", date(2015, 3, 1), "13800000302"),
    ("hvg.wanglei", "Wang Lei", "A", "302", "resident", date(2015, 3, 1), "13800000303"),
    ("hvg.zhangwei", "Zhang Wei", "A", "501", "owner", date(2016, 7, 15), "13800000501"),
    ("hvg.liuyang", "Liu Yang", "B", "202", "owner", date(2017, 5, 20), "13800000202"),
    ("hvg.chenjing", "Chen Jing", "B", "402", "tenant", date(2024, 2, 1), "13800000402"),
    ("hvg.yangxue", "Yang Xue", "B", "601", "owner", date(2018, 10, 10), "13800000601"),
    ("hvg.huangli", "Huang Li", "B", "801", "owner", date(2019, 4, 1), "13800000801"),
    ("hvg.zhouming", "Zhou Ming", "C", "101", "owner", date(2020, 8, 8), "13800000111"),
    ("hvg.xuna", "Xu Na", "C", "302", "owner", date(2021, 1, 15), "13800000312"),
)

BUILDINGS = (("A", "Tower A", 18), ("B", "Tower B", 18), ("C", "Harbour Podium C", 5))


def units_csv() -> bytes:
    """46 units: two towers of 8 x 2 flats, a podium with shops, flats and storage."""
    rows = ["building,number,floor,gross_area,internal_area,use"]
    for building in ("A", "B"):
        for floor in range(1, 9):
            rows.append(f"{building},{floor}01,{floor},89.50,72.30,residential")
            rows.append(f"{building},{floor}02,{floor},120.00,98.60,residential")
    for shop in range(1, 5):
        rows.append(f"C,G0{shop},0,{60 + 5 * shop}.00,{52 + 4 * shop}.50,commercial")
    for floor in range(1, 5):
        rows.append(f"C,{floor}01,{floor},75.20,61.80,residential")
        rows.append(f"C,{floor}02,{floor},105.40,86.90,residential")
    rows.append("C,S01,-1,12.00,10.50,storage")
    rows.append("C,S02,-1,12.00,10.50,storage")
    return ("\n".join(rows) + "\n").encode()


def usernames() -> list[str]:
    return [s[0] for s in STAFF] + [r[0] for r in RESIDENTS]


def accounts() -> list[tuple[str, str]]:
    """(username, display name) of every demo account."""
    return [(s[0], s[1]) for s in STAFF] + [(r[0], r[1]) for r in RESIDENTS]
