"""Personal data (R2.2, R7.3): encrypted at rest, masked in read models, and
erased on request by crypto-shredding, without rewriting history.

The leak checks read the whole database, table by table, every bytea column
decoded too, and every Redis key and value: not only the places where personal
data is expected.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient
from psycopg import sql

from bootstrap import Container
from domain.identity.user import user_id_for
from infrastructure import secrets
from infrastructure.crypto.vault import PersonalDataVault
from infrastructure.settings import Settings

PHONE = "13812345678"
NATIONAL_ID = "310101199001011234"
NEW_PHONE = "13987654321"
PHONE_MASKED = "138****5678"
NATIONAL_ID_MASKED = "3101**********1234"
NEW_PHONE_MASKED = "139****4321"
PASSWORD = "tall-ochre-lantern-42"


# ---- looking everywhere ------------------------------------------------------


def database_dump(container: Container) -> str:
    """Every row of every table in ``public`` as text, and every bytea value decoded."""
    parts: list[str] = []
    with container.pool.connection() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            ).fetchall()
        ]
        assert {"estatelog_events", "personal_data_keys", "user_directory", "audit_events"} <= set(
            tables
        )
        for table in tables:
            query = sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table))
            parts += [str(r[0]) for r in conn.execute(query).fetchall()]
        byte_columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'bytea'"
        ).fetchall()
        assert ("estatelog_events", "state") in byte_columns
        for table, column in byte_columns:
            query = sql.SQL("SELECT {} FROM {} WHERE {} IS NOT NULL").format(
                sql.Identifier(column), sql.Identifier(table), sql.Identifier(column)
            )
            for (value,) in conn.execute(query).fetchall():
                raw = bytes(value)
                parts.append(raw.decode("utf-8", errors="ignore"))
                parts.append(raw.hex())
    return "\n".join(parts)


def redis_dump(container: Container) -> str:
    """Every Redis key and every value, whatever its type."""
    r: Any = container.redis  # bytes in, bytes out: decode_responses is off
    parts: list[bytes] = []
    for key in r.scan_iter(count=1000):
        parts.append(key)
        kind = r.type(key).decode()
        if kind == "string":
            parts.append(r.get(key) or b"")
        elif kind == "hash":
            for field, value in r.hgetall(key).items():
                parts += [field, value]
        elif kind == "list":
            parts += r.lrange(key, 0, -1)
        elif kind == "set":
            parts += list(r.smembers(key))
        elif kind == "zset":
            parts += [member for member, _ in r.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for _, fields in r.xrange(key):
                for field, value in fields.items():
                    parts += [field, value]
        else:
            pytest.fail(f"Redis key {key!r} of unexpected type {kind}")
    return "\n".join(p.decode("utf-8", errors="ignore") + "\n" + p.hex() for p in parts)


def forms_of(secret: str) -> list[str]:
    """The secret as text, as hex of its UTF-8 (bytea::text), and base64 of it."""
    raw = secret.encode()
    return [secret, raw.hex(), base64.b64encode(raw).decode()]


def assert_absent(haystack: str, *secrets: str) -> None:
    for secret in secrets:
        for form in forms_of(secret):
            assert form not in haystack, f"{secret!r} found (as {form!r})"


# ---- helpers --------------------------------------------------------------------


def register(client: TestClient, admin: dict[str, str], username: str, **extra: Any) -> Any:
    response = client.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": "Li Wei",
            "roles": ["owner"],
            **extra,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return response.json()


def audit_events(
    client: TestClient, admin: dict[str, str], uid: str, after: int
) -> list[dict[str, Any]]:
    page = client.get(
        "/api/v1/audit/events", params={"aggregate_id": uid, "after": after}, headers=admin
    )
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def directory_row(container: Container, uid: UUID) -> dict[str, Any]:
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT phone_masked, national_id_masked, personal_data_erased, display_name "
            "FROM user_directory WHERE user_id = %s",
            [uid],
        ).fetchone()
    assert row is not None
    return dict(zip(["phone", "national_id", "erased", "display_name"], row, strict=True))


def key_rows(container: Container, uid: UUID) -> int:
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM personal_data_keys WHERE subject_id = %s", [uid]
        ).fetchone()
    assert row is not None
    return int(row[0])


def rebuild_directory(container: Container) -> None:
    """Throw the user directory away and project it again from the first event."""
    with container.pool.connection() as conn, conn.transaction():
        conn.execute("DELETE FROM user_directory")
        conn.execute("UPDATE projection_positions SET position = 0 WHERE name = 'user_directory'")
    container.projector.catch_up()
    assert "user_directory" not in container.projector.failed
    assert container.projector.position("user_directory") == container.event_log.head()


# ---- the life of one person's data ---------------------------------------------


def test_personal_data_is_ciphertext_at_rest_masked_when_read_and_gone_after_erasure(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    created = register(client, admin, "li.wei", phone=PHONE, national_id=NATIONAL_ID)
    uid = UUID(created["id"])

    # Masked in the read model and in the API.
    view = client.get(f"/api/v1/users/{uid}", params={"after": created["position"]}, headers=admin)
    assert view.status_code == 200, view.text
    assert view.json()["phone"] == PHONE_MASKED
    assert view.json()["national_id"] == NATIONAL_ID_MASKED
    assert view.json()["personal_data_erased"] is False
    assert directory_row(running, uid)["phone"] == PHONE_MASKED
    assert directory_row(running, uid)["national_id"] == NATIONAL_ID_MASKED

    # Only ciphertext at rest: in the log, the keys table, the read models, everywhere.
    user = running.identity.get(uid)
    phone_ct, national_id_ct = user.phone_enc, user.national_id_enc
    assert phone_ct and phone_ct.startswith("pd1:")
    assert national_id_ct and national_id_ct.startswith("pd1:")
    dump = database_dump(running)
    assert phone_ct in dump  # the scan does read the event payloads
    assert PHONE_MASKED in dump  # ... and the read models
    assert_absent(dump, PHONE, NATIONAL_ID)

    # The audit trail says a value was given, but shows no ciphertext.
    [registered] = [
        e
        for e in audit_events(client, admin, str(uid), created["position"])
        if e["event_type"] == "Registered"
    ]
    assert registered["details"]["phone_enc"] == "[encrypted]"
    assert registered["details"]["national_id_enc"] == "[encrypted]"
    assert registered["details"]["password_hash"] == "[redacted]"
    assert "pd1:" not in str(registered["details"])

    # The audit export carries neither the values nor their ciphertext.
    export = client.get(
        "/api/v1/audit/events/export",
        params={"aggregate_id": str(uid), "format": "csv"},
        headers=admin,
    )
    assert export.status_code == 200, export.text
    assert "[encrypted]" in export.text
    assert "pd1:" not in export.text
    assert_absent(export.text, PHONE, NATIONAL_ID)

    # A new phone number: encrypted and masked the same way.
    changed = client.post(f"/api/v1/users/{uid}/profile", json={"phone": NEW_PHONE}, headers=admin)
    assert changed.status_code == 200, changed.text
    view = client.get(
        f"/api/v1/users/{uid}", params={"after": changed.json()["position"]}, headers=admin
    )
    assert view.json()["phone"] == NEW_PHONE_MASKED
    assert view.json()["national_id"] == NATIONAL_ID_MASKED
    new_phone_ct = running.identity.get(uid).phone_enc
    assert new_phone_ct and new_phone_ct != phone_ct
    [profile_changed] = [
        e
        for e in audit_events(client, admin, str(uid), changed.json()["position"])
        if e["event_type"] == "ProfileChanged"
    ]
    assert profile_changed["details"]["changes"] == {"phone_enc": "[encrypted]"}
    assert_absent(database_dump(running), PHONE, NATIONAL_ID, NEW_PHONE)

    # Erasure on request.
    erased = client.post(
        f"/api/v1/users/{uid}/erase-personal-data",
        json={"reason": "owner moved out and asked for erasure"},
        headers=admin,
    )
    assert erased.status_code == 200, erased.text
    position = erased.json()["position"]

    [event] = [
        e
        for e in audit_events(client, admin, str(uid), position)
        if e["event_type"] == "PersonalDataErased"
    ]
    assert event["position"] == position
    assert event["details"]["reason"] == "owner moved out and asked for erasure"
    assert event["actor_id"] == str(user_id_for("admin"))
    assert key_rows(running, uid) == 0
    assert not running.vault.has_key(uid)

    view = client.get(f"/api/v1/users/{uid}", params={"after": position}, headers=admin)
    assert view.json()["phone"] is None
    assert view.json()["national_id"] is None
    assert view.json()["personal_data_erased"] is True
    assert view.json()["display_name"] == "[erased]"  # a name is personal data too
    assert view.json()["username"] == "li.wei"  # the rest of the record stays

    # History is not rewritten: the old ciphertext is still in the log, now noise.
    first: Any = running.event_log.repository.get(uid, version=1)
    assert first.phone_enc == phone_ct
    assert first.national_id_enc == national_id_ct
    for field, ciphertext in (
        ("phone", phone_ct),
        ("phone", new_phone_ct),
        ("national_id", national_id_ct),
    ):
        assert running.vault.decrypt(uid, field, ciphertext) is None

    # Nothing left anywhere: not the plain values, not even their masked forms.
    dump = database_dump(running)
    assert phone_ct in dump
    assert_absent(dump, PHONE, NATIONAL_ID, NEW_PHONE)
    assert_absent(dump, PHONE_MASKED, NATIONAL_ID_MASKED, NEW_PHONE_MASKED)
    redis_text = redis_dump(running)
    assert "estatelog" in redis_text  # the scan does see the keys there are
    assert_absent(redis_text, PHONE, NATIONAL_ID, NEW_PHONE)
    assert_absent(redis_text, PHONE_MASKED, NATIONAL_ID_MASKED, NEW_PHONE_MASKED)

    # Erasing twice is refused and appends nothing.
    head = running.event_log.head()
    again = client.post(
        f"/api/v1/users/{uid}/erase-personal-data", json={"reason": "again"}, headers=admin
    )
    assert again.status_code == 409, again.text
    assert running.event_log.head() == head


def test_rebuilding_the_directory_after_erasure_brings_no_personal_data_back(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    created = register(client, admin, "li.wei", phone=PHONE, national_id=NATIONAL_ID)
    uid = UUID(created["id"])
    keep = register(client, admin, "zhao.lei", phone=NEW_PHONE)
    changed = client.post(
        f"/api/v1/users/{uid}/profile", json={"display_name": "Li W."}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    erased = client.post(
        f"/api/v1/users/{uid}/erase-personal-data", json={"reason": "request"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    client.get(f"/api/v1/users/{uid}", params={"after": erased.json()["position"]}, headers=admin)

    rebuild_directory(running)

    row = directory_row(running, uid)
    assert row == {"phone": None, "national_id": None, "erased": True, "display_name": "[erased]"}
    # Someone else's data, whose key is still there, is rebuilt as before.
    assert directory_row(running, UUID(keep["id"]))["phone"] == NEW_PHONE_MASKED
    dump = database_dump(running)
    assert_absent(dump, PHONE, NATIONAL_ID, PHONE_MASKED, NATIONAL_ID_MASKED)
    assert NEW_PHONE_MASKED in dump
    assert_absent(dump, NEW_PHONE)


def test_new_personal_data_after_an_erasure_gets_a_new_key_and_the_old_stays_noise(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    # Three commands in a row, before the projector has seen the first: the
    # directory then meets the erased ciphertext while a new key exists.
    created = register(client, admin, "li.wei", phone=PHONE, national_id=NATIONAL_ID)
    uid = UUID(created["id"])
    erased = client.post(
        f"/api/v1/users/{uid}/erase-personal-data", json={"reason": "r"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    changed = client.post(f"/api/v1/users/{uid}/profile", json={"phone": NEW_PHONE}, headers=admin)
    assert changed.status_code == 200, changed.text
    view = client.get(
        f"/api/v1/users/{uid}", params={"after": changed.json()["position"]}, headers=admin
    )
    assert view.status_code == 200, view.text
    assert view.json()["phone"] == NEW_PHONE_MASKED
    assert view.json()["national_id"] is None
    assert view.json()["personal_data_erased"] is False
    assert key_rows(running, uid) == 1
    assert "user_directory" not in running.projector.failed

    # The erased ciphertext stays unreadable under the new key.
    first: Any = running.event_log.repository.get(uid, version=1)
    assert first.phone_enc
    assert running.vault.decrypt(uid, "phone", first.phone_enc) is None
    assert running.vault.decrypt(uid, "national_id", first.national_id_enc) is None
    assert running.vault.decrypt(uid, "phone", running.identity.get(uid).phone_enc) == NEW_PHONE

    # A rebuild from the first event shows the new data and nothing of the old.
    rebuild_directory(running)
    row = directory_row(running, uid)
    assert (row["phone"], row["national_id"], row["erased"]) == (NEW_PHONE_MASKED, None, False)
    dump = database_dump(running)
    assert_absent(dump, PHONE, NATIONAL_ID, NEW_PHONE, PHONE_MASKED, NATIONAL_ID_MASKED)


# ---- the vault ------------------------------------------------------------------


def test_the_vault_round_trips_with_a_fresh_nonce_each_time(container: Container) -> None:
    alice = UUID(int=1)
    first = container.vault.encrypt(alice, "phone", PHONE)
    second = container.vault.encrypt(alice, "phone", PHONE)
    assert first != second
    assert container.vault.decrypt(alice, "phone", first) == PHONE
    assert container.vault.decrypt(alice, "phone", second) == PHONE
    assert container.vault.decrypt(alice, "phone", None) is None
    assert key_rows(container, alice) == 1  # one key per person, however many fields
    assert container.vault.erase(alice) is True
    assert container.vault.erase(alice) is False
    assert container.vault.decrypt(alice, "phone", first) is None


def test_a_wrong_master_key_cannot_unwrap_the_data_keys(container: Container) -> None:
    alice = UUID(int=1)
    ciphertext = container.vault.encrypt(alice, "national_id", NATIONAL_ID)
    impostor = PersonalDataVault(container.pool, os.urandom(32))
    # A misconfigured master key fails loudly; it never passes for an erasure.
    with pytest.raises(InvalidTag):
        impostor.decrypt(alice, "national_id", ciphertext)
    with pytest.raises(InvalidTag):
        impostor.has_key(alice)
    with pytest.raises(InvalidTag):
        impostor.encrypt(alice, "phone", PHONE)
    # The right master key still works, and the wrong one changed nothing.
    assert container.vault.decrypt(alice, "national_id", ciphertext) == NATIONAL_ID
    assert key_rows(container, alice) == 1


def test_the_master_key_and_the_data_keys_are_not_stored_in_clear(
    container: Container, settings: Settings
) -> None:
    alice = UUID(int=1)
    container.vault.encrypt(alice, "phone", PHONE)
    master = secrets.master_key(settings)
    data_key = unwrap(container, settings, alice, alice)
    dump = database_dump(container)
    for key in (master, data_key):
        assert key.hex() not in dump
        assert base64.b64encode(key).decode() not in dump


def unwrap(container: Container, settings: Settings, row_of: UUID, as_: UUID) -> bytes:
    """The data key in ``row_of``'s row, unwrapped with the master key as ``as_``'s."""
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT wrapped_key FROM personal_data_keys WHERE subject_id = %s", [row_of]
        ).fetchone()
    assert row is not None
    wrapped = bytes(row[0])
    return AESGCM(secrets.master_key(settings)).decrypt(wrapped[:12], wrapped[12:], as_.bytes)


def test_one_persons_ciphertext_cannot_be_read_as_anothers(
    container: Container, settings: Settings
) -> None:
    alice, bob = UUID(int=1), UUID(int=2)
    alices_phone = container.vault.encrypt(alice, "phone", PHONE)
    bobs_phone = container.vault.encrypt(bob, "phone", NEW_PHONE)
    assert container.vault.decrypt(bob, "phone", alices_phone) is None
    assert container.vault.decrypt(alice, "phone", bobs_phone) is None
    # Bound to the field as well: a phone cannot pass for a national ID.
    assert container.vault.decrypt(alice, "national_id", alices_phone) is None
    assert container.vault.decrypt(alice, "phone", alices_phone) == PHONE

    # The binding is in the ciphertext itself, not only in the choice of key:
    # under Alice's own key, Alice's phone does not open as Bob's or as another field.
    key = AESGCM(unwrap(container, settings, alice, alice))
    raw = base64.b64decode(alices_phone.removeprefix("pd1:"))
    nonce, sealed = raw[:12], raw[12:]
    assert key.decrypt(nonce, sealed, alice.bytes + b"phone") == PHONE.encode()
    for aad in (bob.bytes + b"phone", alice.bytes + b"national_id", b""):
        with pytest.raises(InvalidTag):
            key.decrypt(nonce, sealed, aad)
    # And each wrapped key names its person: Alice's does not unwrap as Bob's ...
    with pytest.raises(InvalidTag):
        unwrap(container, settings, alice, bob)
    # ... so a wrapped key copied into Bob's row is refused, never used for Bob.
    with container.pool.connection() as conn:
        conn.execute(
            "UPDATE personal_data_keys SET wrapped_key = "
            "(SELECT wrapped_key FROM personal_data_keys WHERE subject_id = %s) "
            "WHERE subject_id = %s",
            [alice, bob],
        )
    with pytest.raises(InvalidTag):
        container.vault.decrypt(bob, "phone", alices_phone)
    assert container.vault.decrypt(alice, "phone", alices_phone) == PHONE
