"""A person's name is personal data (R2.2, R7.3): sealed with their key, masked
where shown, and gone with the key on every read path, rebuilds included.

Names written in clear by an older release (version 1 ``User.Registered``)
still load; they are shown masked, and not at all once the user is erased,
though those bytes stay in the log.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from bootstrap import Container
from domain.identity.masking import mask_name
from domain.identity.policy import Role
from domain.identity.user import User
from infrastructure.database import apply_ddl
from projections.identity import erasures
from projections.identity.directory import UserDirectory
from replay.asof import build_as_of, drop_build
from tests.e2e.registry.helpers import new_estate, new_person
from tests.integration.store.test_personal_data import (
    assert_absent,
    database_dump,
    rebuild_directory,
)

PASSWORD = "tall-ochre-lantern-42"
NAME, NAME_MASKED = "王小明", "王**"
KEPT, KEPT_MASKED = "John Smith", "J*** S****"
OLD, OLD_MASKED = "Li Wei", "L* W**"


def register(client: TestClient, admin: dict[str, str], username: str, name: str) -> Any:
    response = client.post(
        "/api/v1/users",
        json={"username": username, "password": PASSWORD, "display_name": name, "roles": ["owner"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return response.json()


def erase(client: TestClient, admin: dict[str, str], uid: UUID) -> int:
    erased = client.post(
        f"/api/v1/users/{uid}/erase-personal-data", json={"reason": "asked"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    return int(erased.json()["position"])


def raw_event(container: Container, uid: UUID, version: int) -> str:
    with container.pool.connection() as conn:
        row = conn.execute(
            "SELECT state FROM estatelog_events WHERE originator_id = %s "
            "AND originator_version = %s",
            [uid, version],
        ).fetchone()
    assert row is not None
    return bytes(row[0]).decode()


def every_read_path(
    client: TestClient, admin: dict[str, str], uid: UUID, after: int
) -> dict[str, str]:
    """The user as every read path over HTTP shows them, each as JSON text."""
    detail = client.get(f"/api/v1/users/{uid}", params={"after": after}, headers=admin)
    listing = client.get("/api/v1/users", params={"after": after}, headers=admin)
    history = client.get(f"/api/v1/history/{uid}", headers=admin)
    first = client.get(f"/api/v1/history/{uid}", params={"version": 1}, headers=admin)
    audit = client.get(
        "/api/v1/audit/events", params={"aggregate_id": str(uid), "after": after}, headers=admin
    )
    export = client.get(
        "/api/v1/audit/events/export",
        params={"aggregate_id": str(uid), "format": "csv", "after": after},
        headers=admin,
    )
    for response in (detail, listing, history, first, audit, export):
        assert response.status_code == 200, response.text
    [mine] = [u for u in listing.json()["items"] if u["id"] == str(uid)]
    return {
        "detail": detail.text,
        "list": json.dumps(mine, ensure_ascii=False),
        "history": history.text,
        "history at version 1": first.text,
        "audit": audit.text,
        "audit export": export.text,
        "shown name": detail.json()["display_name"],
    }


def test_a_name_is_sealed_masked_and_gone_with_the_key_on_every_read_path(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    created = register(client, admin, "wang.xm", NAME)
    uid = UUID(created["id"])
    kept = register(client, admin, "john.smith", KEPT)

    # The stored event holds the name sealed, never in clear.
    stored = raw_event(running, uid, 1)
    assert '"display_name_enc":"pd1:' in stored.replace(" ", "")
    assert_absent(stored, NAME)
    assert "\\u738b" not in stored.lower()  # nor escaped
    user = running.identity.get(uid)
    assert user.display_name is None
    assert running.vault.decrypt(uid, "display_name", user.display_name_enc) == NAME

    # Masked wherever it is shown; the sealed value is "[encrypted]" in history.
    shown = every_read_path(client, admin, uid, created["position"])
    assert shown["shown name"] == NAME_MASKED
    assert NAME_MASKED in shown["list"]
    assert '"display_name_enc":"[encrypted]"' in shown["history"].replace(" ", "")
    for path, text in shown.items():
        assert_absent(text, NAME)
        assert "pd1:" not in text, path
    assert_absent(database_dump(running), NAME, KEPT)

    position = erase(client, admin, uid)
    shown = every_read_path(client, admin, uid, position)
    assert shown["shown name"] == "[erased]"
    for text in shown.values():
        assert_absent(text, NAME, NAME_MASKED)

    # A rebuild brings nothing back; the other user's name is rebuilt masked.
    rebuild_directory(running)
    shown = every_read_path(client, admin, uid, position)
    assert shown["shown name"] == "[erased]"
    dump = database_dump(running)
    assert_absent(dump, NAME, NAME_MASKED, KEPT)
    assert KEPT_MASKED in dump
    again = client.get(f"/api/v1/users/{kept['id']}", headers=admin)
    assert again.json()["display_name"] == KEPT_MASKED


def test_a_new_name_after_an_erasure_is_sealed_under_the_new_key(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = UUID(register(client, admin, "wang.xm", NAME)["id"])
    erase(client, admin, uid)
    changed = client.post(
        f"/api/v1/users/{uid}/profile", json={"display_name": "Wang Xiaoming"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    position = changed.json()["position"]
    assert_absent(raw_event(running, uid, running.identity.get(uid).version), "Wang Xiaoming")
    shown = every_read_path(client, admin, uid, position)
    assert shown["shown name"] == "W*** X*******"
    for text in shown.values():
        assert_absent(text, NAME, NAME_MASKED, "Wang Xiaoming")
    rebuild_directory(running)
    assert every_read_path(client, admin, uid, position)["shown name"] == "W*** X*******"


def test_a_name_cannot_be_set_to_nothing(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = register(client, admin, "wang.xm", NAME)["id"]
    head = running.event_log.head()
    refused = client.post(
        f"/api/v1/users/{uid}/profile", json={"display_name": None}, headers=admin
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert running.event_log.head() == head


def append_as_an_older_release(container: Container, username: str, name: str) -> UUID:
    """A version 1 ``User.Registered``, its name in clear, straight into the log."""
    user = User(
        username=username,
        roles=[Role.OWNER],
        password_hash=container.identity.passwords.hash(PASSWORD),
        display_name=name,
    )
    mapper = container.event_log.mapper_with_metadata
    stored = mapper.to_stored_event(user.collect_events()[0])
    state = mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 2
    assert state.pop("display_name_enc") is None
    container.event_log.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=mapper.transcoder.encode(state),
            )
        ]
    )
    return user.id


def snapshots(container: Container, uid: UUID) -> str:
    with container.pool.connection() as conn:
        rows = conn.execute(
            "SELECT state FROM estatelog_snapshots WHERE originator_id = %s", [uid]
        ).fetchall()
    return "\n".join(bytes(row[0]).decode() for row in rows)


def test_a_name_an_older_release_wrote_in_clear_is_masked_and_blank_once_erased(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    uid = append_as_an_older_release(running, "li.wei", OLD)
    assert OLD in raw_event(running, uid, 1)
    user = running.identity.get(uid)  # the version 1 event still loads
    assert (user.username, user.display_name, user.display_name_enc) == ("li.wei", OLD, None)
    assert running.identity.display_name(user) == OLD
    running.event_log.take_snapshot(uid)  # as a busy account's would be
    assert OLD in snapshots(running, uid)
    position = running.event_log.head()

    shown = every_read_path(client, admin, uid, position)
    assert shown["shown name"] == OLD_MASKED
    assert OLD_MASKED in shown["history at version 1"]
    for text in shown.values():
        assert_absent(text, OLD)

    # Erased: blank on every read path, at every version, and after a rebuild.
    before_erasure = running.event_log.head()
    position = erase(client, admin, uid)
    assert running.identity.get(uid).display_name is None
    assert_absent(snapshots(running, uid), OLD)
    for _ in range(2):
        shown = every_read_path(client, admin, uid, position)
        assert shown["shown name"] == "[erased]"
        for text in shown.values():
            assert_absent(text, OLD, OLD_MASKED)
        rebuild_directory(running)
    # And as of a moment before the erasure, as sealed data would be.
    [directory] = [p for p in running.projector.projections if p.name == "user_directory"]
    build = build_as_of(
        running.event_log, running.database_url, [directory], before_erasure, "names_asof"
    )
    try:
        with running.pool.connection() as conn:
            row = conn.execute(
                "SELECT display_name FROM names_asof.user_directory WHERE user_id = %s", [uid]
            ).fetchone()
        assert row == ("[erased]",)
    finally:
        drop_build(running.database_url, build.schema)
    # Honestly: the bytes the older release wrote are still in the log.
    assert OLD in raw_event(running, uid, 1)


def test_a_registry_persons_name_is_gone_with_the_key_on_every_read_path(
    client: TestClient, running: Container, admin: dict[str, str]
) -> None:
    estate, _ = new_estate(client, admin)
    person, position = new_person(client, admin, estate, name="Zhou Xiaohong")
    view = client.get(f"/api/v1/people/{person}", params={"after": position}, headers=admin)
    assert view.json()["name"] == "Z*** X*******"
    assert_absent(raw_event(running, UUID(person), 1), "Zhou Xiaohong")
    erased = client.post(
        f"/api/v1/people/{person}/erasure", json={"reason": "asked"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    after = erased.json()["position"]
    view = client.get(f"/api/v1/people/{person}", params={"after": after}, headers=admin)
    history = client.get(f"/api/v1/history/{person}", headers=admin)
    audit = client.get(
        "/api/v1/audit/events", params={"aggregate_id": person, "after": after}, headers=admin
    )
    assert view.json()["name"] == "[erased]"
    for text in (view.text, history.text, audit.text, database_dump(running)):
        assert_absent(text, "Zhou Xiaohong", "Z*** X*******")


def test_starting_the_new_release_masks_names_the_directory_held_in_clear(
    container: Container,
) -> None:
    names = {
        "Li Wei": "L* W**",
        "王小明": "王**",
        "J*** S****": "J*** S****",
        "[erased]": "[erased]",
        "Erased Before": "[erased]",  # erased by an older release, which left the name
    }
    with container.pool.connection() as conn:
        for i, name in enumerate(names):
            conn.execute(
                "INSERT INTO user_directory (user_id, username, display_name, roles, status, "
                "registered_at, updated_at, version, personal_data_erased) "
                "VALUES (%s, %s, %s, '{}', 'normal', now(), now(), 1, %s)",
                [UUID(int=i + 1), f"user{i}", name, name == "Erased Before"],
            )
    apply_ddl(container.pool, UserDirectory(container.vault).ddl)
    with container.pool.connection() as conn:
        shown = dict(conn.execute("SELECT username, display_name FROM user_directory").fetchall())
    assert [shown[f"user{i}"] for i in range(len(names))] == list(names.values())
    assert all(mask_name(masked) == masked for masked in list(names.values())[:3])


def test_a_batch_of_names_in_clear_asks_the_log_for_their_erasures_once(
    client: TestClient, running: Container, admin: dict[str, str], monkeypatch: Any
) -> None:
    """One round trip a batch, not one a registration: the live lag bench registers
    names in clear, 250 a second, and each asked the log on its own."""
    uids = [append_as_an_older_release(running, f"old.{i}", OLD) for i in range(3)]
    erase(client, admin, uids[0])
    running.projector.catch_up()  # the live batches are behind us: the rebuild's alone
    asked: list[set[UUID]] = []
    real = erasures.last_erasures

    def counted(conn: Any, ids: list[UUID]) -> dict[UUID, int]:
        asked.append(set(ids) & set(uids))
        return real(conn, ids)

    monkeypatch.setattr(erasures, "last_erasures", counted)
    rebuild_directory(running)
    assert [ids for ids in asked if ids] == [set(uids)]
    with running.pool.connection() as conn:
        names = dict(
            conn.execute(
                "SELECT user_id, display_name FROM user_directory WHERE user_id = ANY(%s)", [uids]
            ).fetchall()
        )
    assert names == {uids[0]: "[erased]", uids[1]: OLD_MASKED, uids[2]: OLD_MASKED}
