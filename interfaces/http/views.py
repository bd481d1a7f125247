"""Response models derived from the read models' typed views.

A read model's query returns a ``TypedDict`` view (``projections/``); the
route answers it as a pydantic model. Where that model is the view under
another name, it is derived from the view rather than copied field by field,
so the two cannot drift apart::

    @from_view(OrderRow, rename={"order_id": "id"})
    class OrderView(BaseModel):
        \"\"\"The docstring, if any, is the schema's description.\"\"\"

    OrderView.model_validate(row)  # a row of the view, its order_id read as id

The decorated class gives the model its name, module and docstring and
declares no field; the model (``pydantic.create_model``) is a subclass of it
with the view's fields in the view's order. A type checker sees only the
class as written, so rows go in through ``model_validate``, not keywords.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import (
    Any,
    NotRequired,
    Required,
    TypedDict,
    TypeVar,
    Unpack,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from pydantic import AliasChoices, BaseModel, Field, create_model

M = TypeVar("M", bound=BaseModel)


class Derivation(TypedDict, total=False):
    """How a response model differs from its view; each name is checked
    against the view, so a misspelt one fails at import."""

    rename: Mapping[str, str]  # view key -> the field's name ({"order_id": "id"})
    drop: Iterable[str]  # view keys the answer leaves out
    retype: Mapping[str, Any]  # field -> its type here, as a nested view's response model
    extra: Mapping[str, Any]  # fields appended: a type, or a (type, default) pair
    describe: Mapping[str, str]  # field -> its description in the schema


def from_view(view: Any, **how: Unpack[Derivation]) -> Callable[[type[M]], type[M]]:
    """Derive the decorated class's fields from ``view`` (a ``TypedDict``), as
    ``how`` says. A key the view marks ``NotRequired`` is a nullable field
    defaulting to null."""

    def derive(cls: type[M]) -> type[M]:
        if cls.model_fields:
            raise TypeError(f"{cls.__name__}: the view declares the fields, not the class")
        return create_model(
            cls.__name__,
            __base__=cls,
            __module__=cls.__module__,
            __qualname__=cls.__qualname__,
            __doc__=cls.__doc__,
            **view_fields(view, **how),
        )

    return derive


def view_fields(view: Any, **how: Unpack[Derivation]) -> dict[str, Any]:
    """The field definitions ``create_model`` takes for ``view``, in its order."""
    if not is_typeddict(view):
        raise TypeError(f"{view!r} is not a TypedDict view")
    rename, retype = how.get("rename", {}), how.get("retype", {})
    extra, describe = how.get("extra", {}), how.get("describe", {})
    hints = get_type_hints(view, include_extras=True)
    dropped = set(how.get("drop", ()))
    _known(view, set(rename) | dropped, hints)
    fields: dict[str, Any] = {}
    for key, annotation in hints.items():
        if key in dropped:
            continue
        optional = _optional(view, key, annotation)
        if get_origin(annotation) in (Required, NotRequired):
            annotation = get_args(annotation)[0]
        name = rename.get(key, key)
        if name in retype:
            annotation = retype[name]
        else:
            _no_nested_view(view, key, annotation)
        default: Any = ...
        if optional:  # a key the view may lack is answered as null
            annotation, default = annotation | None, None
        # A renamed field reads its row's key too: Model.model_validate(row).
        alias = AliasChoices(key, name) if name != key else None
        field = Field(default, validation_alias=alias, description=describe.get(name))
        fields[name] = (annotation, field)
    _known(view, set(retype) | set(describe), fields)
    if clash := set(extra) & set(fields):
        raise TypeError(f"{view.__name__} already has {sorted(clash)}: retype them instead")
    return fields | dict(extra)


def _optional(view: Any, key: str, annotation: Any) -> bool:
    # Under ``from __future__ import annotations`` Python 3.11 leaves a
    # NotRequired key out of __optional_keys__: its annotation tells.
    qualifier = get_origin(annotation)
    if qualifier in (Required, NotRequired):
        return qualifier is NotRequired
    return key in view.__optional_keys__


def _known(view: type, names: set[str], among: Mapping[str, Any]) -> None:
    # A misspelt key would otherwise be ignored and leave the field as it was.
    if unknown := names - set(among):
        raise TypeError(f"{view.__name__} has no {sorted(unknown)}")


def _no_nested_view(view: type, key: str, annotation: Any) -> None:
    # pydantic would publish a nested TypedDict as a schema of its own, named
    # after the view: the answer names its own model for it (retype).
    if _holds_view(annotation):
        raise TypeError(f"{view.__name__}.{key} holds a view: retype it to a response model")


def _holds_view(annotation: Any) -> bool:
    return is_typeddict(annotation) or any(_holds_view(a) for a in get_args(annotation))
