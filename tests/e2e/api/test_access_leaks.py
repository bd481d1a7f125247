"""The access rules that leaked (issue 12 §2), each told as the attack that worked.

Every test is run in the world of two estates (``tests/support/estate_world.py``):
estate B's people try what was done to estate A over HTTP, and the answer
must refuse and append nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bootstrap import Container
from tests.e2e.api.test_object_scoping import make_user
from tests.support.estate_world import Actor, World, ok, settle

API = "/api/v1"
TAX_ID = "91310000MA1FL0XX3K"  # the world's vendor


def _auditor(client: TestClient, admin: dict[str, str]) -> Actor:
    user_id, headers, _ = make_user(client, admin, "auditor.co", ["auditor"])
    return Actor(user_id, headers, "auditor")


def _ids(page: Any) -> set[str]:
    return {u["id"] for u in page}


def _unchanged(running: Container, head: int, responses: list[Any], *statuses: int) -> None:
    for response in responses:
        assert response.status_code in statuses, (response.request.url, response.text)
    assert running.event_log.head() == head


# ---- users: estate staff read the users of their own estates only --------------------


def test_estate_staff_list_and_read_only_the_users_of_the_estates_they_serve(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    a, b = world.a, world.b
    a_people = {who.id for who in a.outsiders} | {world.neighbour.id}
    b_people = {who.id for who in b.outsiders}
    for reader in (b.manager, b.customer_service):
        listed = _ids(ok(client.get(f"{API}/users", params={"limit": 500}, headers=reader.headers)))
        assert listed == b_people, reader.role
        for other in a_people:
            response = client.get(f"{API}/users/{other}", headers=reader.headers)
            assert response.status_code == 404, (reader.role, response.text)
        mine = ok(client.get(f"{API}/users/{b.resident.id}", headers=reader.headers))
        assert mine["id"] == b.resident.id
        # ... without where the resident logs in from (company-wide readers only).
        assert mine["last_login_ip"] is None
        listed_ips = client.get(f"{API}/users", headers=reader.headers).json()["items"]
        assert {u["last_login_ip"] for u in listed_ips if u["id"] != reader.id} == {None}
    # Company-wide readers (the auditor, the administrator) see every estate.
    auditor = _auditor(client, admin)
    settle(running)
    everyone = _ids(ok(client.get(f"{API}/users", params={"limit": 500}, headers=auditor.headers)))
    assert a_people | b_people <= everyone
    seen = ok(client.get(f"{API}/users/{a.resident.id}", headers=auditor.headers))
    assert seen["last_login_ip"] == "203.0.113.7"
    # Finance clerks, technicians and residents read no one but themselves.
    for who in (b.finance, b.technician, b.resident):
        assert client.get(f"{API}/users", headers=who.headers).status_code == 403
        assert ok(client.get(f"{API}/users/{who.id}", headers=who.headers))["id"] == who.id
    for who in (b.finance, b.technician):
        assert client.get(f"{API}/users/{b.resident.id}", headers=who.headers).status_code == 404


def test_the_role_filter_of_the_user_list_filters(
    client: TestClient, admin: dict[str, str], world: World
) -> None:
    technicians = ok(client.get(f"{API}/users", params={"role": "technician"}, headers=admin))
    assert _ids(technicians) == {world.a.technician.id, world.b.technician.id}
    assert all(u["roles"] == ["technician"] for u in technicians)
    mine = client.get(
        f"{API}/users", params={"role": "technician"}, headers=world.b.manager.headers
    )
    assert _ids(ok(mine)) == {world.b.technician.id}
    bad = client.get(f"{API}/users", params={"role": "janitor"}, headers=admin)
    assert bad.status_code == 422


# ---- vendors: company master data -----------------------------------------------------


def test_an_estate_finance_clerk_cannot_change_or_deactivate_a_vendor_nor_read_its_tax_id(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    url = f"{API}/finance/vendors/{world.vendor}"
    clerk = world.b.finance.headers
    head = running.event_log.head()
    refused = [
        client.patch(url, json={"bank_account": "6222 9999 9999 9999"}, headers=clerk),
        client.post(f"{url}/deactivation", json={"reason": "mine now"}, headers=clerk),
        client.post(
            f"{API}/finance/vendors",
            json={
                "name": "Shell Co",
                "tax_id": "91310000MA1FL0XX4K",
                "bank_account": "6222 1111 2222 3333",
                "categories": ["repairs"],
            },
            headers=clerk,
        ),
    ]
    _unchanged(running, head, refused, 403)
    for reader in (world.a.finance, world.b.finance, world.b.manager):
        seen = ok(client.get(url, headers=reader.headers))
        assert TAX_ID not in str(seen) and seen["tax_id"].endswith(TAX_ID[-4:])
        listed = ok(client.get(f"{API}/finance/vendors", headers=reader.headers))
        assert TAX_ID not in str(listed)
    auditor = _auditor(client, admin)
    assert ok(client.get(url, headers=auditor.headers))["tax_id"] == TAX_ID
    # The company's administrator (or a holder of vendors:manage:any) keeps them.
    ok(client.patch(url, json={"contact": "Ms Li"}, headers=admin))


# ---- a read-only auditor changes nothing ------------------------------------------------


def test_the_auditor_cannot_cancel_a_users_reminder(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    auditor = _auditor(client, admin)
    head = running.event_log.head()
    refused = [
        client.post(f"{API}/notifications/reminders/{reminder}/cancel", headers=auditor.headers)
        for reminder in (world.a["reminder"], world.neighbour_records["reminder"])
    ]
    _unchanged(running, head, refused, 403, 404)
    # ... nor close, cancel or reopen a work order (they declared a read permission).
    refused = [
        client.post(
            f"{API}/workorders/{world.a['resident_order']}/{step}",
            json={"reason": "audit"},
            headers=auditor.headers,
        )
        for step in ("close", "cancel", "reopen")
    ]
    _unchanged(running, head, refused, 403)
    # The owner still cancels their own reminder.
    own = client.post(
        f"{API}/notifications/reminders/{world.neighbour_records['reminder']}/cancel",
        headers=world.neighbour.headers,
    )
    assert own.status_code == 200, own.text


# ---- linking a login account -------------------------------------------------------------


def test_a_manager_cannot_link_another_estates_resident_to_a_person_of_their_own(
    client: TestClient, running: Container, world: World
) -> None:
    a, b = world.a, world.b
    pm = b.manager.headers
    head = running.event_log.head()
    refused = [
        client.post(
            f"{API}/people/{b['person']}/account", json={"user_id": a.resident.id}, headers=pm
        ),
        client.post(
            f"{API}/estates/{b['estate']}/people",
            json={"name": "Taken", "user_id": a.resident.id},
            headers=pm,
        ),
        # A's staff are not B's to link either.
        client.post(
            f"{API}/people/{b['person']}/account", json={"user_id": a.finance.id}, headers=pm
        ),
    ]
    _unchanged(running, head, refused, 422)
    # Refused exactly as a login that does not exist.
    missing = client.post(
        f"{API}/people/{b['person']}/account",
        json={"user_id": "00000000-0000-4000-8000-00000000dead"},
        headers=pm,
    )
    assert missing.status_code == 422
    assert missing.json() | {"instance": ""} == refused[0].json() | {"instance": ""}
    # A's resident still sees their own unit and none of B's bills.
    units = ok(client.get(f"{API}/units", headers=a.resident.headers))
    assert a["unit"] in str(units) and b["unit"] not in str(units)
    # A login of the manager's own estate is linked.
    created = client.post(
        f"{API}/estates/{b['estate']}/people", json={"name": "Lodger"}, headers=pm
    )
    lodger = ok(created, 201)["id"]
    linked = client.post(
        f"{API}/people/{lodger}/account", json={"user_id": b.resident.id}, headers=pm
    )
    assert linked.status_code == 200, linked.text


def test_a_login_of_no_estate_yet_is_linked_first_by_the_company_not_by_an_estate_manager(
    client: TestClient, admin: dict[str, str], running: Container, world: World
) -> None:
    """The administrator made a login for a resident of B; A's manager got to
    it before B's did. It must not open A's unit to B's resident."""
    a, b = world.a, world.b
    login, headers, _ = make_user(client, admin, "newcomer.b", ["owner"])
    head = running.event_log.head()
    taken = [
        client.post(
            f"{API}/people/{a['person']}/account",
            json={"user_id": login},
            headers=a.manager.headers,
        ),
        client.post(
            f"{API}/estates/{a['estate']}/people",
            json={"name": "Taken", "user_id": login},
            headers=a.manager.headers,
        ),
    ]
    _unchanged(running, head, taken, 422)
    missing = {"user_id": "00000000-0000-4000-8000-00000000dead"}
    answer = client.post(
        f"{API}/people/{a['person']}/account", json=missing, headers=a.manager.headers
    )
    assert answer.json() | {"instance": ""} == taken[0].json() | {"instance": ""}
    assert a["unit"] not in str(ok(client.get(f"{API}/units", headers=headers)))
    # The company links it first; from then on B's manager manages it, A's does not.
    lodger = ok(
        client.post(
            f"{API}/estates/{b['estate']}/people", json={"name": "Newcomer"}, headers=admin
        ),
        201,
    )["id"]
    ok(client.post(f"{API}/people/{lodger}/account", json={"user_id": login}, headers=admin))
    refused = client.post(
        f"{API}/people/{a['person']}/account", json={"user_id": login}, headers=a.manager.headers
    )
    assert refused.status_code == 422, refused.text
    again = client.post(
        f"{API}/people/{b['person']}/account", json={"user_id": login}, headers=b.manager.headers
    )
    assert again.status_code == 200, again.text


# ---- approval policies ------------------------------------------------------------------------


def test_residents_do_not_read_the_approval_policies(
    client: TestClient, admin: dict[str, str], world: World
) -> None:
    url = f"{API}/approval-policies/service_request"
    for resident in (world.a.resident, world.b.resident, world.neighbour):
        assert client.get(url, headers=resident.headers).status_code == 403
    for staff in (world.b.manager, world.b.customer_service, world.b.finance):
        assert ok(client.get(url, headers=staff.headers))["configured"] is True


# ---- payments ------------------------------------------------------------------------------------


def test_an_owner_cannot_record_an_online_payment_of_any_amount(
    client: TestClient, running: Container, world: World
) -> None:
    a = world.a
    head = running.event_log.head()
    url = f"{API}/finance/units/{a['unit']}/payments"
    refused = [
        client.post(url, json=body, headers=a.resident.headers)
        for body in (
            {"amount": "1000000.00", "method": "online", "reference": "MADE-UP-1"},
            {"amount": "10.00", "method": "online", "reference": "MADE-UP-2", "bill_id": a["bill"]},
            {"amount": "10.00", "method": "cash"},
        )
    ]
    _unchanged(running, head, refused, 403)
    paid = client.post(
        url,
        json={"amount": "10.00", "method": "bank_transfer", "reference": "BANK-A-77"},
        headers=a.finance.headers,
    )
    assert paid.status_code == 201, paid.text
    # Another estate's clerk records nothing for A.
    head = running.event_log.head()
    foreign = client.post(
        url,
        json={"amount": "10.00", "method": "bank_transfer", "reference": "BANK-B-77"},
        headers=world.b.finance.headers,
    )
    _unchanged(running, head, [foreign], 404)
