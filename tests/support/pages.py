"""Reading the lists of the HTTP API (decision 0042: ``{items, next_cursor}``)."""

from __future__ import annotations

from typing import Any


def items(response: Any) -> list[Any]:
    """The items of one page of a list, after checking the answer is a page."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}, body
    return list(body["items"])


def every_page(
    client: Any, path: str, params: dict[str, Any] | None = None, **kwargs: Any
) -> list[Any]:
    """Every item of a list, walked page by page with ``next_cursor``; each
    page but the last has a cursor, the last has none."""
    found: list[Any] = []
    cursor = None
    while True:
        paging = {"cursor": cursor} if cursor else {}
        page = client.get(path, params={**(params or {}), **paging}, **kwargs)
        found += items(page)
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def body_of(response: Any) -> Any:
    """The JSON body; of a plain page ``{items, next_cursor}``, its items (a
    page with more beside them, the journal's, stays whole)."""
    body = response.json()
    if isinstance(body, dict) and set(body) == {"items", "next_cursor"}:
        return body["items"]
    return body


class Answer:
    """A response whose ``json()`` is :func:`body_of`: for tests written
    against a list's items (``/api/v1/*`` lists are pages, decision 0042)."""

    def __init__(self, response: Any) -> None:
        self.response = response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)

    def json(self) -> Any:
        return body_of(self.response)
