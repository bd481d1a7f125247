"""An auditor downloads the log as of a moment, signed by the service, and checks
it offline with the public key given apart (issue 16, the auditors' time machine)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from bootstrap import Container
from infrastructure.eventstore.store import EVENTS_TABLE
from replay.attestation import public_key_from_text, public_key_text, verify_signed_export
from replay.backup import verify_backup
from tests.conftest import bearer, login
from tests.integration.replay.test_backup_restore import _cli

PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def auditor(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    made = client.post(
        "/api/v1/users",
        json={
            "username": "audrey",
            "password": PASSWORD,
            "display_name": "Audrey",
            "roles": ["auditor"],
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return bearer(login(client, "audrey", PASSWORD))


def _head_hash(container: Container, position: int) -> str:
    with container.pool.connection() as conn:
        row = conn.execute(
            f"SELECT chain_hash FROM {EVENTS_TABLE} WHERE notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT 1",
            [position],
        ).fetchone()
    assert row is not None
    return bytes(row[0]).hex()


def _download(client: TestClient, auditor: dict[str, str], tmp: Path, **params: Any) -> Path:
    answer = client.get("/api/v1/audit/exports/signed", headers=auditor, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/gzip"
    path = tmp / "export.elb"
    path.write_bytes(answer.content)
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rb") as f:
        return [orjson.loads(line) for line in f]


def _rewrite(path: Path, lines: list[dict[str, Any]]) -> None:
    with gzip.open(path, "wb") as f:
        for line in lines:
            f.write(orjson.dumps(line) + b"\n")


def test_the_export_as_of_a_position_verifies_offline_with_the_key(
    client: TestClient,
    admin: dict[str, str],
    auditor: dict[str, str],
    running: Container,
    tmp_path: Path,
) -> None:
    key = client.get("/api/v1/audit/signing-key", headers=auditor).json()
    as_of = running.event_log.head()
    client.post("/api/v1/auth/logout", headers=admin)  # later events, not in the export

    path = _download(client, auditor, tmp_path, as_of=str(as_of))
    report = verify_signed_export(path, public_key_from_text(key["public_key"]))

    assert report.ok, report.problem
    assert report.position == as_of
    assert report.head_hash == _head_hash(running, as_of)
    assert report.key_id == key["key_id"]
    # The auditor's copy holds no personal-data key; the chain checks as a backup's does.
    assert not [line for line in _lines(path) if line["kind"] == "key"]
    assert verify_backup(path).ok
    # The download is itself in the log: a DataExport of the signed log, up to where.
    trail = client.get(
        "/api/v1/audit/events",
        headers=auditor,
        params={"aggregate_type": "DataExport", "after": running.event_log.head()},
    )
    assert trail.status_code == 200, trail.text
    assert [e["event_type"] for e in trail.json()["items"]] == ["Recorded"]

    # The command line says the same, offline.
    checked = _cli(
        running.settings, "verify", "--export", str(path), "--public-key", key["public_key"]
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["position"] == as_of


def test_a_changed_event_a_changed_attestation_or_another_key_is_refused(
    client: TestClient, auditor: dict[str, str], running: Container, tmp_path: Path
) -> None:
    trusted = public_key_from_text(
        client.get("/api/v1/audit/signing-key", headers=auditor).json()["public_key"]
    )
    path = _download(client, auditor, tmp_path)
    original = _lines(path)

    changed = [dict(line) for line in original]
    event = next(line for line in changed if line["kind"] == "event")
    event["s"] = base64.b64encode(b'{"forged": true}').decode()
    _rewrite(path, changed)
    assert "signed digest" in str(verify_signed_export(path, trusted).problem)

    resigned = [dict(line) for line in original]
    resigned[-1]["head_hash"] = "00" * 32
    _rewrite(path, resigned)
    assert "signature does not verify" in str(verify_signed_export(path, trusted).problem)

    _rewrite(path, original)
    assert verify_signed_export(path, trusted).ok
    stranger = Ed25519PrivateKey.generate().public_key()
    assert "another key" in str(verify_signed_export(path, stranger).problem)

    _rewrite(path, original[:-1])  # a backup with no attestation
    assert "not a signed export" in str(verify_signed_export(path, trusted).problem)

    refused = _cli(
        running.settings, "verify", "--export", str(path), "--public-key", public_key_text(trusted)
    )
    assert refused.returncode == 1 and "EXPORT INVALID" in refused.stderr


def test_only_auditing_roles_download_it(
    client: TestClient, admin: dict[str, str], running: Container
) -> None:
    made = client.post(
        "/api/v1/users",
        json={"username": "fin", "password": PASSWORD, "display_name": "Fin", "roles": ["finance"]},
        headers=admin,
    )
    assert made.status_code == 201
    finance = bearer(login(client, "fin", PASSWORD))
    assert client.get("/api/v1/audit/exports/signed", headers=finance).status_code == 403
    assert (
        client.get(
            "/api/v1/audit/exports/signed", headers=admin, params={"as_of": "yesterday"}
        ).status_code
        == 422
    )
