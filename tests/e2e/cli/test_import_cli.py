"""``estatelog import``: the registry's and the meters' batch imports from a terminal.

The handlers are the HTTP routes' (every row or none, the --by user's grants
decide); the command prints the result as JSON on standard output, the steps
and the rows' rate on standard error, a refused file's rows with exit 1, and a
caller refused or an estate unknown with exit 2. Nothing is appended then.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bootstrap import Container
from domain.identity.policy import Role
from infrastructure.settings import Settings
from interfaces.cli.main import app as cli
from tests.support.world import world

UNITS = (
    "楼栋,房号,楼层,建筑面积,套内面积\n"
    "A,101,1,89.50,72.30\nA,102,1,60.00,50.00\nB,201,2,120.00,99.00\n"
)


def _env(settings: Settings) -> dict[str, str]:
    return {
        "ESTATELOG_DATABASE_URL": str(settings.database_url),
        "ESTATELOG_REDIS_URL": str(settings.redis_url),
        "ESTATELOG_DATA_DIR": str(settings.data_dir),
    }


def test_units_import_as_a_manager_and_refusals_append_nothing(
    running: Container, settings: Settings, tmp_path: Path
) -> None:
    w = world(running)
    estate = w.estate("CLI", "CLI Gardens", "1 Terminal Rd")
    other = w.estate("OTH", "Other Gardens", "2 Terminal Rd")
    w.user("cli.manager", Role.PROPERTY_MANAGER, estate)
    w.user("cli.tech", Role.TECHNICIAN, estate)
    runner = CliRunner()
    env = _env(settings)
    good = tmp_path / "units.csv"
    good.write_bytes(UNITS.encode("gb18030"))  # as a Chinese office's spreadsheet saves it

    head = running.event_log.head()
    refused = runner.invoke(
        cli, ["import", "units", str(good), "--estate", "OTH", "--by", "cli.manager"], env=env
    )
    assert refused.exit_code == 2, refused.output  # another estate's: not theirs to see
    refused = runner.invoke(
        cli, ["import", "units", str(good), "--estate", "CLI", "--by", "cli.tech"], env=env
    )
    assert refused.exit_code == 2, refused.output  # a technician registers no units
    bad = tmp_path / "bad.csv"
    bad.write_text(UNITS + "B,202,2,abc,50.00\n", encoding="utf-8")
    refused = runner.invoke(
        cli, ["import", "units", str(bad), "--estate", "CLI", "--by", "cli.manager"], env=env
    )
    assert refused.exit_code == 1, refused.output
    # the column as the file names it, and why the cell is refused
    assert "row 5, 建筑面积: 'abc' is not digits 0-9 with a point" in refused.stderr
    assert running.event_log.head() == head  # nothing was appended by any refusal
    assert other  # the other estate exists: the 2 above was not a missing estate

    done = runner.invoke(
        cli, ["import", "units", str(good), "--estate", "CLI", "--by", "cli.manager"], env=env
    )
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert (body["rows"], body["units"], body["buildings"]) == (3, 3, 2)
    assert body["position"] > head
    assert "3 rows in" in done.stderr and "rows/s" in done.stderr
    again = runner.invoke(
        cli, ["import", "units", str(good), "--estate", str(estate), "--by", "cli.manager"], env=env
    )
    assert again.exit_code == 1, again.output  # the units exist now: all rows refused, none twice
    assert running.event_log.head() == body["position"]


PARTS = (
    "物料编码,物料名称,英文名称,计量单位,物料类别\n"
    "CLI-BRK-16A,空气开关16A,Breaker 16A,个,电料\n"
    "CLI-PPR-20,PPR水管20,,米,水暖\n"
)


def test_the_parts_catalogue_imports_from_a_gbk_sheet_every_row_or_none(
    running: Container, settings: Settings, tmp_path: Path
) -> None:
    w = world(running)
    estate = w.estate("PRT", "Parts Gardens", "3 Terminal Rd")
    w.user("cli.admin", Role.ADMIN)
    w.user("cli.keeper", Role.STOREKEEPER, estate)
    runner = CliRunner()
    env = _env(settings)
    good = tmp_path / "parts.csv"
    good.write_bytes(PARTS.encode("gbk"))

    head = running.event_log.head()
    refused = runner.invoke(cli, ["import", "parts", str(good), "--by", "cli.keeper"], env=env)
    assert refused.exit_code == 2, refused.output  # the catalogue is company data
    bad = tmp_path / "bad.csv"
    wrong = "CLI-BOX-1,纸箱,,箱,包装\nCLI-BRK-16A,又一个,,个,电料\n"
    bad.write_bytes((PARTS + wrong).encode("gbk"))
    refused = runner.invoke(cli, ["import", "parts", str(bad), "--by", "cli.admin"], env=env)
    assert refused.exit_code == 1, refused.output
    assert "row 4, 计量单位: one of" in refused.stderr
    assert "row 4, 物料类别: one of" in refused.stderr
    assert "row 5, 物料编码: repeats row 2 of this file" in refused.stderr
    assert running.event_log.head() == head  # nothing was appended

    done = runner.invoke(cli, ["import", "parts", str(good), "--by", "cli.admin"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == 2
    again = runner.invoke(cli, ["import", "parts", str(good), "--by", "cli.admin"], env=env)
    assert again.exit_code == 1 and "is in the catalogue already" in again.stderr
