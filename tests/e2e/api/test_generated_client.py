"""A client generated from the live OpenAPI document drives a story (issue 16,
decision 0052).

``datamodel-code-generator`` (pinned in the dev lock) writes pydantic models
from ``/openapi.json`` into a temporary module, with ``extra="forbid"``: an
answer with a field the document does not name fails to parse, as does one
that lacks a field it says is required. :class:`Generated` is the thin layer
a generated client is: each call names an operation by method and path, sends
an instance of the model the document gives for its body, and parses the
answer with the model the document gives for its status. The story crosses
identity, the registry, work orders and finance: an administrator registers an
estate, a building, a unit and its owner; the owner logs in, reports a leak,
reads the order back and finds no bill yet; a body without a title is a
problem the client parses as ``ProblemDetails``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from datamodel_code_generator import DataModelType, InputFileType, generate
from datamodel_code_generator.format import Formatter
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tests.conftest import ADMIN_PASSWORD

OWNER_PASSWORD = "harbour-view-owner-2026"


def generated_models(document: dict[str, Any], where: Path) -> ModuleType:
    """The document's schemas as a module of pydantic models, imported."""
    source, module = where / "openapi.json", where / "estatelog_client.py"
    source.write_text(json.dumps(document))
    generate(
        source,
        input_file_type=InputFileType.OpenAPI,
        output=module,
        output_model_type=DataModelType.PydanticV2BaseModel,
        extra_fields="forbid",
        formatters=[Formatter.BUILTIN],  # black would add 15 s and change nothing read here
    )
    spec = importlib.util.spec_from_file_location("estatelog_client", module)
    assert spec is not None and spec.loader is not None
    models = importlib.util.module_from_spec(spec)
    sys.modules["estatelog_client"] = models  # pydantic resolves forward references here
    spec.loader.exec_module(models)
    return models


def class_name(ref: str) -> str:
    """The generator's class for a component: ``Page_OrderView_`` is ``PageOrderView``."""
    name = ref.rsplit("/", 1)[1]
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", name) if part)


class Generated:
    """Operations called as the document declares them, with the generated models."""

    def __init__(self, http: TestClient, document: dict[str, Any], models: ModuleType) -> None:
        self.http, self.document, self.models = http, document, models
        self.token: str | None = None

    def _model(self, schema: dict[str, Any]) -> type[BaseModel]:
        ref = schema.get("$ref") or next(s["$ref"] for s in schema["anyOf"] if "$ref" in s)
        return getattr(self.models, class_name(ref))  # type: ignore[no-any-return]

    def __call__(
        self,
        method: str,
        path: str,
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
        **ids: str,
    ) -> Any:
        operation = self.document["paths"][path][method.lower()]
        if body is not None:
            declared = operation["requestBody"]["content"]["application/json"]["schema"]
            assert isinstance(body, self._model(declared)), (path, type(body))
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(
            method,
            path.format(**ids),
            json=None if body is None else body.model_dump(mode="json", exclude_unset=True),
            params=params,
            headers=headers,
        )
        answer = operation["responses"].get(str(response.status_code))
        assert answer is not None, (method, path, response.status_code, response.text)
        [(media, content)] = answer["content"].items()
        assert response.headers["content-type"].startswith(media), response.headers
        return self._model(content["schema"]).model_validate(response.json())


def test_a_generated_client_drives_a_repair_from_registration_to_the_owners_reading(
    client: TestClient, tmp_path: Path
) -> None:
    document = client.get("/openapi.json").json()
    m = generated_models(document, tmp_path)
    api = Generated(client, document, m)

    login = "/api/v1/auth/login"
    api.token = api(
        "POST", login, m.LoginRequest(username="admin", password=ADMIN_PASSWORD)
    ).access_token

    # The document's own example is a body the generated model takes.
    example = document["paths"]["/api/v1/estates"]["post"]["requestBody"]["content"]
    estate = api("POST", "/api/v1/estates", m.NewEstate(**example["application/json"]["example"]))
    assert isinstance(estate, m.Created)
    building = api(
        "POST",
        "/api/v1/estates/{estate_id}/buildings",
        m.NewBuilding(code="A", name="A座", floors=18),
        estate_id=str(estate.id),
    )
    unit = api(
        "POST",
        "/api/v1/buildings/{building_id}/units",
        m.NewUnit(number="A-1201", floor=12, gross_area="89.50", internal_area="72.30"),
        building_id=str(building.id),
    )
    user = api(
        "POST",
        "/api/v1/users",
        m.NewUser(
            username="hvg.wangfang",
            password=OWNER_PASSWORD,
            display_name="王芳",
            roles=["owner"],
        ),
    )
    person = api(
        "POST",
        "/api/v1/estates/{estate_id}/people",
        m.NewPerson(name="王芳", phone="13912345678", user_id=user.id),
        estate_id=str(estate.id),
    )
    moved = api(
        "POST",
        "/api/v1/units/{unit_id}/move-in",
        m.MoveIn(person_id=person.id, relation="owner", on="2026-03-01"),
        unit_id=str(unit.id),
    )
    assert isinstance(moved, m.Accepted)

    api.token = api(
        "POST", login, m.LoginRequest(username="hvg.wangfang", password=OWNER_PASSWORD)
    ).access_token
    me = api("GET", "/api/v1/auth/me")
    assert me.username == "hvg.wangfang"
    # The move-in is another's write: the owner reads their unit once the
    # registry has it (``after``, docs/api.md), and may then report on it.
    home = api(
        "GET", "/api/v1/units/{unit_id}", params={"after": moved.position}, unit_id=str(unit.id)
    )
    assert (home.id, home.number) == (unit.id, "A-1201")

    leak = m.NewOrder(title="厨房水槽漏水", description="水槽下面一直在滴水。", unit_id=unit.id)
    order = api("POST", "/api/v1/workorders", leak)
    seen = api("GET", "/api/v1/workorders/{order_id}", order_id=str(order.id))
    assert (seen.id, seen.unit_id, seen.status, seen.title) == (
        order.id,
        unit.id,
        "submitted",
        "厨房水槽漏水",
    )
    mine = api("GET", "/api/v1/workorders", params={"limit": 10})
    assert [o.id for o in mine.items] == [order.id] and mine.next_cursor is None
    bills = api("GET", "/api/v1/finance/bills", params={"unit_id": str(unit.id)})
    assert bills.items == []

    refused = api("POST", "/api/v1/workorders", m.NewOrder.model_construct(unit_id=unit.id))
    assert isinstance(refused, m.ProblemDetails)
    assert refused.status == 422
    assert {tuple(e.loc) for e in refused.errors} >= {("body", "title"), ("body", "description")}
