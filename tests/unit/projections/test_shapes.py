"""A read model's shape fingerprint: what changes it, and what does not (decision 0018)."""

from __future__ import annotations

from dataclasses import dataclass, field

from projections.shapes import fingerprint, has_shape, is_fresh, misshapen


@dataclass
class Model:
    ddl: tuple[str, ...] = ("CREATE TABLE IF NOT EXISTS things (id uuid PRIMARY KEY)",)
    name: str = "things"
    tables: tuple[str, ...] = ("things",)
    version: int = 0
    extra: list[str] = field(default_factory=list)

    def apply(self, *_: object) -> None: ...


def test_re_indenting_the_ddl_is_no_new_shape() -> None:
    flat = Model(ddl=("CREATE TABLE IF NOT EXISTS things ( id uuid PRIMARY KEY )",))
    indented = Model(
        ddl=("CREATE TABLE IF NOT EXISTS things (\n        id uuid PRIMARY KEY\n    )",)
    )
    assert fingerprint(indented) == fingerprint(flat)


def test_a_new_column_or_a_raised_version_is_a_new_shape() -> None:
    added = Model(ddl=("CREATE TABLE IF NOT EXISTS things (id uuid PRIMARY KEY, name text)",))
    assert fingerprint(added) != fingerprint(Model())
    assert fingerprint(Model(version=1)) != fingerprint(Model())


def test_tables_without_this_codes_mark_are_misshapen() -> None:
    model = Model()
    marked = {"things": f"estatelog read model things {fingerprint(model)}"}
    assert has_shape(model, marked) and not misshapen([model], marked)
    assert misshapen([model], {"things": "estatelog read model things 0123456789abcdef"})
    assert misshapen([model], {"things": None})  # a release before shapes were recorded
    assert is_fresh(model, {}) and misshapen([model], {})
