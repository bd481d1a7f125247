"""Batch import of units and residents from CSV and xlsx (R3.3): all rows or none."""

from __future__ import annotations

import io
import time
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from application.registry import commands as c
from application.registry.importing import ImportRejected
from bootstrap import Container
from interfaces.importfiles import read_table
from projections.runtime import wait_for_position
from tests.e2e.registry.helpers import (
    assert_problem,
    new_building,
    new_estate,
    new_unit,
)
from tests.support.actors import EVERY_RIGHT as ACTOR
from tests.support.pages import every_page, items

CSV = {"Content-Type": "text/csv"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_HEADER = "building,number,floor,gross_area,internal_area,use,building_name\n"


def _post(
    client: TestClient, headers: dict[str, str], estate: str, what: str, body: bytes, kind: str
) -> Any:
    return client.post(
        f"/api/v1/estates/{estate}/imports/{what}",
        content=body,
        headers={**headers, "Content-Type": kind},
    )


def _all_units(client: TestClient, headers: dict[str, str], estate: str, at: int) -> list[Any]:
    params = {"estate_id": estate, "after": at, "limit": 1000}
    return every_page(client, "/api/v1/units", params, headers=headers)


def test_a_csv_of_units_registers_them_and_their_buildings(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, before = new_estate(client, admin)
    body = (
        UNIT_HEADER
        + "B1,101,1,89.50,72.30,residential,Tower One\n"
        + "B1,102,1,120,100.5,,\n"
        + "\n"
        + "B2,G01,0,45.00,40.00,commercial,\n"
    ).encode()
    response = _post(client, admin, estate, "units", body, "text/csv")
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["rows"], report["units"], report["buildings"]) == (3, 3, 2)
    at = report["position"]
    units = _all_units(client, admin, estate, at)
    assert sorted((u["number"], u["gross_area"], u["use"]) for u in units) == [
        ("101", "89.50", "residential"),
        ("102", "120.00", "residential"),
        ("G01", "45.00", "commercial"),
    ]
    buildings = client.get("/api/v1/buildings", params={"estate_id": estate}, headers=admin)
    assert sorted((b["code"], b["name"]) for b in items(buildings)) == [
        ("B1", "Tower One"),
        ("B2", "B2"),
    ]
    # Every imported event names the administrator who sent the file.
    me = client.get("/api/v1/auth/me", headers=admin)
    mapper = running.event_log.mapper_with_metadata
    actors = {
        mapper.decode(note)[1].get("actor_id") for note in running.event_log.read(before, 100)
    }
    assert me.status_code == 200, me.text
    assert actors == {me.json()["id"]}


def test_a_file_with_bad_rows_is_refused_with_a_report_and_nothing_applied(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    building, _ = new_building(client, admin, estate, code="B1")
    _, at = new_unit(client, admin, building, number="101")
    client.get("/api/v1/units", params={"after": at}, headers=admin)  # read model caught up
    head = running.event_log.head()
    body = (
        UNIT_HEADER
        + "B1,201,2,89.50,72.30,residential,\n"  # row 2: fine
        + "B1,202,2,80,90,residential,\n"  # row 3: internal > gross
        + "B1,203,two,-1,abc,house,\n"  # row 4: four errors
        + "B1,201,2,70,60,,\n"  # row 5: repeats row 2
        + ",204,2,70,60,,\n"  # row 6: no building
        + "B1,101,1,70,60,,\n"  # row 7: exists already
    ).encode()
    response = _post(client, admin, estate, "units", body, "text/csv")
    problem = assert_problem(response, 422)
    assert problem["rows"] == 6
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "internal_area"),
        (4, "floor"),
        (4, "gross_area"),
        (4, "internal_area"),
        (4, "use"),
        (5, "number"),
        (6, "building"),
        (7, "number"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in problem["errors"]}
    assert messages[(3, "internal_area")] == "must not exceed gross_area"
    assert messages[(5, "number")] == "repeats row 2 of this file"
    assert messages[(7, "number")] == "this unit is registered already"
    assert running.event_log.head() == head


def test_an_area_is_read_as_a_bodys_decimal_not_as_python_reads_one(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    """Decimal() reads "1e3" as 1000, "1_000" and Arabic-Indic digits too: refused."""
    estate, _ = new_estate(client, admin)
    new_building(client, admin, estate, code="B1")
    head = running.event_log.head()
    body = (
        UNIT_HEADER
        + "B1,201,2,1e3,72.30,residential,\n"
        + "B1,202,2,1_000,72.30,residential,\n"
        + "B1,203,2,89.50,\u0667\u0662,residential,\n"
        + "B1,204,2,\uff18\uff19,72,residential,\n"
        + "B1,205,2,89.50,72.30,residential,\n"  # fine
    ).encode()
    problem = assert_problem(_post(client, admin, estate, "units", body, "text/csv"), 422)
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (2, "gross_area"),
        (3, "gross_area"),
        (4, "internal_area"),
        (5, "gross_area"),
    ]
    assert all("digits 0-9" in e["message"] for e in problem["errors"]), problem["errors"]
    assert running.event_log.head() == head


def test_a_file_with_wrong_columns_or_type_is_refused(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    head = running.event_log.head()
    missing = _post(
        client, admin, estate, "units", b"building,number,colour\nB1,1,red\n", "text/csv"
    )
    problem = assert_problem(missing, 422)
    assert {(e["row"], e["column"], e["message"].split(";")[0]) for e in problem["errors"]} == {
        (1, "floor", "required column is missing"),
        (1, "gross_area", "required column is missing"),
        (1, "internal_area", "required column is missing"),
        (1, "colour", "unknown column"),
    }
    assert_problem(_post(client, admin, estate, "units", b"", "text/csv"), 422)
    assert_problem(_post(client, admin, estate, "units", b"{}", "application/json"), 415)
    assert_problem(_post(client, admin, estate, "units", b"not a zip", XLSX), 422)
    assert_problem(
        _post(client, admin, "00000000-0000-0000-0000-000000000000", "units", b"", "text/csv"),
        404,
    )
    assert running.event_log.head() == head


def test_an_import_of_two_thousand_five_hundred_units_in_one_request(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    lines = [UNIT_HEADER]
    for tower in range(1, 6):
        for floor in range(1, 26):
            for door in range(1, 21):
                lines.append(f"T{tower},{floor}{door:02d},{floor},{80 + door}.25,{70 + door}.5,,\n")
    body = "".join(lines).encode()
    assert len(lines) - 1 == 2500
    started = time.monotonic()
    response = _post(client, admin, estate, "units", body, "text/csv")
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.text
    assert response.json()["units"] == 2500 and response.json()["buildings"] == 5
    assert elapsed < 30, f"the import took {elapsed:.1f} s"
    units = _all_units(client, admin, estate, response.json()["position"])
    assert len(units) == 2500
    assert len({u["id"] for u in units}) == 2500

    # The same file again: every row is a duplicate, nothing is stored.
    head = running.event_log.head()
    again = _post(client, admin, estate, "units", body, "text/csv")
    problem = assert_problem(again, 422)
    assert len(problem["errors"]) == 1000  # the report is capped; the count says how many
    assert problem["detail"].startswith("2500 error(s)")
    assert running.event_log.head() == head


def test_an_xlsx_of_units(client: TestClient, admin: dict[str, str]) -> None:
    estate, _ = new_estate(client, admin)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Building", "Number", "Floor", "Gross area", "Internal area", "Use"])
    sheet.append(["A", 101, 1, 88.5, 70, "residential"])
    sheet.append(["A", "102", 1, 92.75, 80.25, "office"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _post(client, admin, estate, "units", buffer.getvalue(), XLSX)
    assert response.status_code == 201, response.text
    units = _all_units(client, admin, estate, response.json()["position"])
    assert sorted((u["number"], u["gross_area"], u["internal_area"], u["use"]) for u in units) == [
        ("101", "88.50", "70.00", "residential"),
        ("102", "92.75", "80.25", "office"),
    ]


RESIDENT_HEADER = "building,unit,name,phone,national_id,relation,moved_in_on,co_owner\n"


def test_a_csv_of_residents_moves_them_in(client: TestClient, admin: dict[str, str]) -> None:
    estate, _ = new_estate(client, admin)
    units = (UNIT_HEADER + "B1,101,1,90,80,,\nB1,102,1,90,80,,\n").encode()
    at = _post(client, admin, estate, "units", units, "text/csv").json()["position"]
    body = (
        RESIDENT_HEADER
        + "B1,101,Li Na,13812345678,310101199001011234,owner,2019-03-01,\n"
        + "B1,101,Li Ming,,310101199202021111,owner,2019-03-01,yes\n"
        + "B1,101,Li Xiaoming,,,resident,2019-03-01,\n"
        # the same national ID again: the same person owns a second unit
        + "B1,102,Li Na,13812345678,310101199001011234,owner,2020-07-01,\n"
    ).encode()
    response = _post(client, admin, estate, "residents", body, "text/csv")
    assert response.status_code == 201, response.text
    assert response.json()["people"] == 3
    at = response.json()["position"]
    unit_101 = next(u for u in _all_units(client, admin, estate, at) if u["number"] == "101")
    history = items(client.get(f"/api/v1/units/{unit_101['id']}/occupancy", headers=admin))
    assert sorted((r["person_name"], r["relation"]) for r in history) == [
        ("L* M***", "owner"),
        ("L* N*", "owner"),
        ("L* X*******", "resident"),
    ]
    people = items(client.get("/api/v1/people", params={"estate_id": estate}, headers=admin))
    assert len(people) == 3
    li_na = next(p for p in people if p["name"] == "L* N*")
    assert li_na["phone"] == "138****5678"
    owned = items(client.get(f"/api/v1/people/{li_na['id']}/occupancy", headers=admin))
    assert len(owned) == 2


def test_a_residents_file_with_bad_rows_stores_no_one(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    units = (UNIT_HEADER + "B1,101,1,90,80,,\n").encode()
    at = _post(client, admin, estate, "units", units, "text/csv").json()["position"]
    client.get("/api/v1/units", params={"after": at}, headers=admin)
    head = running.event_log.head()
    with running.pool.connection() as conn:
        keys = conn.execute("SELECT count(*) FROM personal_data_keys").fetchone()
    body = (
        RESIDENT_HEADER
        + "B1,101,Li Na,13812345678,310101199001011234,owner,2019-03-01,\n"  # fine
        + "B1,101,Wang Fang,,,owner,2020-01-01,\n"  # a second owner, not as co-owner
        + "B1,999,Zhao Yun,,,tenant,2020-01-01,\n"  # no such unit
        + "B1,101,,12,,tenant,01/02/2020,maybe\n"  # no name, bad phone, date, flag
    ).encode()
    problem = assert_problem(_post(client, admin, estate, "residents", body, "text/csv"), 422)
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "relation"),
        (4, "unit"),
        (5, "co_owner"),
        (5, "moved_in_on"),
        (5, "name"),
        (5, "phone"),
    ]
    assert running.event_log.head() == head
    with running.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM personal_data_keys").fetchone() == keys
    people = items(client.get("/api/v1/people", params={"estate_id": estate}, headers=admin))
    assert people == []


def test_a_unit_registered_while_the_read_model_lags_refuses_the_whole_file(
    container: Container,
) -> None:
    """No projector runs here: the handler learns from the log that the unit exists."""
    service = container.registry
    estate = service.register_estate(c.RegisterEstate(ACTOR, "LAG", "Lagging", "nowhere")).id
    building = service.register_building(c.RegisterBuilding(ACTOR, estate, "B1")).id
    service.register_unit(c.RegisterUnit(ACTOR, building, "101", 1, Decimal("90"), Decimal("80")))
    head = container.event_log.head()
    body = (UNIT_HEADER + "B1,100,1,90,80,,\nB1,101,1,90,80,,\n").encode()
    with pytest.raises(ImportRejected) as refused:
        service.import_units(c.ImportUnits(ACTOR, estate, partial(read_table, body, "csv")))
    assert [(e.row, e.column, e.message) for e in refused.value.errors] == [
        (3, "number", "this unit is registered already")
    ]
    assert container.event_log.head() == head


def test_two_thousand_residents_in_one_request(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    units = [UNIT_HEADER] + [f"T1,{n},{n // 20 + 1},90,80,,\n" for n in range(1, 1001)]
    at = _post(client, admin, estate, "units", "".join(units).encode(), "text/csv").json()[
        "position"
    ]
    client.get("/api/v1/units", params={"after": at}, headers=admin)
    rows = [RESIDENT_HEADER]
    for n in range(1, 1001):
        rows.append(f"T1,{n},Owner {n},1380000{n:04d},3101011990{n:08d},owner,2019-01-01,\n")
        rows.append(f"T1,{n},Tenant {n},,,tenant,2021-01-01,\n")
    started = time.monotonic()
    response = _post(client, admin, estate, "residents", "".join(rows).encode(), "text/csv")
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.text
    assert response.json()["people"] == 2000
    assert elapsed < 60, f"the import took {elapsed:.1f} s"
    at = response.json()["position"]
    # Four thousand events for the projector: on a loaded machine (the suite's
    # other worker beside it) more than the 10 s a read waits before its 504.
    assert wait_for_position(running.pool, "registry", at, 120)
    people = client.get(
        "/api/v1/people", params={"estate_id": estate, "after": at, "limit": 1000}, headers=admin
    )
    assert len(items(people)) == 1000


def test_an_xlsx_with_a_bad_row_reports_its_spreadsheet_row(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["building", "number", "floor", "gross_area", "internal_area"])
    sheet.append(["A", 101, 1, 88.5, 70])
    sheet.append([None, None, None, None, None])  # a blank row keeps its number
    sheet.append(["A", 102, 1.5, 88.5, 90])
    buffer = io.BytesIO()
    book.save(buffer)
    head = running.event_log.head()
    problem = assert_problem(_post(client, admin, estate, "units", buffer.getvalue(), XLSX), 422)
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (4, "floor"),
        (4, "internal_area"),
    ]
    assert running.event_log.head() == head


def _units_and_buildings(
    client: TestClient, headers: dict[str, str], estate: str, at: int
) -> tuple[list[Any], list[Any]]:
    units = _all_units(client, headers, estate, at)
    buildings = client.get("/api/v1/buildings", params={"estate_id": estate}, headers=headers)
    return (
        sorted(
            (u["number"], u["floor"], u["gross_area"], u["internal_area"], u["use"]) for u in units
        ),
        sorted((b["code"], b["name"]) for b in items(buildings)),
    )


def test_a_gbk_file_with_chinese_headers_lands_the_units_the_utf8_english_one_does(
    client: TestClient, admin: dict[str, str]
) -> None:
    english = (
        UNIT_HEADER
        + "B1,101,1,89.50,72.30,residential,一号楼\n"
        + "B1,102,1,120,100.5,,\n"
        + "B2,G01,0,45.00,40.00,commercial,\n"
    )
    # As Excel's "CSV" saves on a Chinese Windows: GBK, CRLF, units in the headers.
    chinese = (
        "楼栋,房号,楼层,建筑面积(㎡),套内面积(㎡),用途,楼栋名称\r\n"
        "B1,101,1,89.50,72.30,住宅,一号楼\r\n"
        "B1,102,1,120,100.5,,\r\n"
        "B2,G01,0,45.00,40.00,商铺,\r\n"
    )
    landed = []
    bodies = (english.encode(), chinese.encode("gbk"), chinese.encode("utf-8-sig"))
    for code, body in zip(("EN", "GBK", "BOM"), bodies, strict=True):
        estate, _ = new_estate(client, admin, code=code)
        response = _post(client, admin, estate, "units", body, "text/csv")
        assert response.status_code == 201, response.text
        landed.append(_units_and_buildings(client, admin, estate, response.json()["position"]))
    assert landed[0] == landed[1] == landed[2]
    assert landed[0][1] == [("B1", "一号楼"), ("B2", "B2")]
    assert [u[4] for u in landed[0][0]] == ["residential", "residential", "commercial"]


def test_a_file_in_neither_encoding_or_with_unknown_headers_is_a_422_that_changes_nothing(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    estate, _ = new_estate(client, admin)
    head = running.event_log.head()
    good = "楼栋,房号,楼层,建筑面积,套内面积\r\nB1,101,1,89.50,72.30\r\n".encode("gbk")
    broken = good + b"B1,\xff\xfe102,1,80,70\r\n"
    problem = assert_problem(_post(client, admin, estate, "units", broken, "text/csv"), 422)
    [error] = problem["errors"]
    assert error["row"] == 3 and "neither UTF-8 nor GBK/GB18030" in error["message"]
    unknown = "楼栋,房号,楼层,建筑面积,套内面积,朝向\r\nB1,101,1,89.50,72.30,南\r\n"
    problem = assert_problem(
        _post(client, admin, estate, "units", unknown.encode("gbk"), "text/csv"), 422
    )
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(1, "朝向")]
    bad_row = "楼栋,房号,楼层,建筑面积,套内面积\r\nB1,101,一,89.50,72.30\r\n"
    problem = assert_problem(
        _post(client, admin, estate, "units", bad_row.encode("gbk"), "text/csv"), 422
    )
    # A row's error names the column as the file does.
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(2, "楼层")]
    assert running.event_log.head() == head


def test_a_gbk_residents_file_with_chinese_headers_and_values(
    client: TestClient, admin: dict[str, str]
) -> None:
    estate, _ = new_estate(client, admin)
    units = UNIT_HEADER + "B1,101,1,89.50,72.30,,\n"
    at = _post(client, admin, estate, "units", units.encode(), "text/csv").json()["position"]
    _all_units(client, admin, estate, at)
    body = (
        "楼栋,房号,姓名,与房屋关系,入住日期,手机号,身份证号,共有人\r\n"
        "B1,101,李雷,业主,2026-01-01,13800000000,110101199003070011,否\r\n"
        "B1,101,韩梅梅,业主,2026-01-01,,110101199204050022,是\r\n"
        "B1,101,李小雷,住户,2026-02-01,,,\r\n"
    ).encode("gbk")
    response = _post(client, admin, estate, "residents", body, "text/csv")
    assert response.status_code == 201, response.text
    assert (response.json()["rows"], response.json()["people"]) == (3, 3)
