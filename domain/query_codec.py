"""A `Query` as plain JSON and back, so a conversation's last question can be kept in the database.

The codec follows the dataclass fields and their type hints rather than listing them, so a
field added to `Query` later (a grouping, say) is stored without touching this module. Reading
is forgiving in the one way that matters for stored data: keys it does not know are ignored
and missing ones take the field's default, so a context saved by an older or newer version of
the bot still reads (or is refused with `ContextUnreadable`, never half-read).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.query import Query

JsonValue = Any


class ContextUnreadable(ValueError):
    """Stored JSON that does not describe a query; the context is then treated as absent."""


def query_to_json(query: Query) -> dict[str, JsonValue]:
    """Every field of `query` as JSON-ready values (sets sorted, money as strings, dates ISO)."""
    encoded = _encode(query)
    assert isinstance(encoded, dict)
    return encoded


def query_from_json(data: object) -> Query:
    """The `Query` that `query_to_json` wrote; `ContextUnreadable` when `data` is not one."""
    try:
        decoded = _decode(Query, data)
    except (TypeError, ValueError, KeyError, InvalidOperation) as error:
        raise ContextUnreadable(f"stored question unreadable: {error}") from None
    assert isinstance(decoded, Query)
    return decoded


def _encode(value: object) -> JsonValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset):
        return sorted(_encode(item) for item in value)
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__} in a question context")


def _decode(kind: Any, data: object) -> object:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        concrete = [option for option in options if option is not type(None)]
        return _decode(concrete[0], data)
    if origin is frozenset:
        return frozenset(_decode(typing.get_args(kind)[0], item) for item in _list(data))
    if origin is tuple:
        return tuple(_decode(typing.get_args(kind)[0], item) for item in _list(data))
    if kind is Decimal:
        return Decimal(_of(str, data))
    if kind is date:
        return date.fromisoformat(_of(str, data))
    if kind in (str, int, bool):
        return _of(kind, data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _decode_dataclass(kind, data)
    raise TypeError(f"cannot read a {kind} from a question context")


def _decode_dataclass(kind: type, data: object) -> object:
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {kind.__name__}")
    values = {name: _decode(hint, data[name]) for name, hint in _field_hints(kind) if name in data}
    return kind(**values)


@functools.cache
def _field_hints(kind: type) -> tuple[tuple[str, Any], ...]:
    """Each field's name and type, worked out once per class: the annotations are strings
    (`from __future__ import annotations`), and evaluating them cost more than a whole lookup
    on every turn that carries a question context."""
    hints = typing.get_type_hints(kind)
    return tuple((field.name, hints[field.name]) for field in dataclasses.fields(kind))


def _list(data: object) -> list[object]:
    if not isinstance(data, list):
        raise TypeError("expected a list")
    return data


def _of(kind: type, data: object) -> Any:
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        raise TypeError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data
