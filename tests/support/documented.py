"""Does an answer say what the OpenAPI document says it does? (decision 0052)

Several routes build their JSON themselves and name a model only for the
document, so nothing at run time holds the two together. :func:`mismatches`
walks an answer beside the schema the document gives for it and names every
place they part: a key the schema does not name (a model's properties are a
closed set, as a generated client with ``extra="forbid"`` reads them), a
required key missing, a value of another JSON type.
"""

from __future__ import annotations

from typing import Any

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def answer_schema(document: dict[str, Any], method: str, path: str, status: int = 200) -> Any:
    """The JSON schema of an operation's answer, as the document gives it."""
    answer = document["paths"][path][method.lower()]["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]


def mismatches(
    document: dict[str, Any], schema: dict[str, Any], value: Any, at: str = "$"
) -> list[str]:
    """Every place ``value`` departs from ``schema`` (empty: it matches)."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        tries = [mismatches(document, m, value, at) for m in members]
        return [] if [] in tries else min(tries, key=len)
    kind = schema.get("type")
    if kind is None:
        return []  # any value
    if not isinstance(value, JSON_TYPES[kind]) or (isinstance(value, bool) and kind != "boolean"):
        return [f"{at}: {type(value).__name__} where the document says {kind}"]
    found: list[str] = []
    if kind == "object":
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", not properties)
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{at}.{key}: missing")
        for key, item in value.items():
            if key in properties:
                found += mismatches(document, properties[key], item, f"{at}.{key}")
            elif isinstance(extra, dict):
                found += mismatches(document, extra, item, f"{at}.{key}")
            elif not extra:
                found.append(f"{at}.{key}: not in the document")
    elif kind == "array":
        for i, item in enumerate(value):
            found += mismatches(document, schema.get("items", {}), item, f"{at}[{i}]")
    return found


def untyped(
    document: dict[str, Any],
    schema: dict[str, Any],
    at: str = "$",
    seen: frozenset[str] = frozenset(),
) -> list[str]:
    """Every place in ``schema`` that promises any value: an object without
    properties whose values may be anything (``dict[str, Any]``), an array of
    anything, a value of no type. A generated client types none of them."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return []
        name = ref.rsplit("/", 1)[1]
        return untyped(document, document["components"]["schemas"][name], at, seen | {ref})
    members = schema.get("anyOf") or schema.get("oneOf")
    if members:
        return [p for m in members for p in untyped(document, m, at, seen)]
    kind = schema.get("type")
    if kind is None:
        return [f"{at}: any value"]
    found: list[str] = []
    if kind == "object":
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", not properties)
        for key, item in properties.items():
            found += untyped(document, item, f"{at}.{key}", seen)
        if isinstance(extra, dict) and extra:
            found += untyped(document, extra, f"{at}.*", seen)
        elif (extra is True or extra == {}) and not properties:
            found.append(f"{at}: an object of any values")
    elif kind == "array":
        found += untyped(document, schema.get("items", {}), f"{at}[]", seen)
    return found
