"""Settings and manifests as typed `msgspec.Struct`s: msgspec checks every field's type and bounds, and its
error becomes the one line a user reads, naming the file's kind and the field.

A module declares its fields with their bounds (`Annotated[int, msgspec.Meta(ge=0, le=10_000)]`) and writes by
hand only what spans fields. The words for a bound come from the bound itself, so they cannot drift from it:
`ge=0, le=10_000` is "must be between 0 and 10000", `gt=0` "must be positive", `ge=1` "must be at least 1".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from msgspec import inspect

from indexer.errors import FlywheelError

T = TypeVar("T")

_AT = re.compile(r"^(?P<text>.*?)(?: - at `\$(?P<at>[^`]*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.(\w+)|\[([^]]*)\]")
_NAMED = re.compile(r"^Object (contains unknown|missing required) field `(?P<key>[^`]*)`$")
_TYPE = re.compile(r"^Expected `[^`]*`, got `[^`]*`$")
_DECIMAL = re.compile(r"_*[0-9][0-9_]*")
_ABSENT = object()


@dataclass(frozen=True)
class Problem:
    """What msgspec refused, located in the data."""

    kind: str  # "unknown" field, "missing" field, wrong "type", out of "bounds", or "other"
    path: tuple[str, ...]  # the keys from the top down to the field: ("parameters", "epoch_length")
    value: Any  # the value found there (None for a missing field)
    rule: str  # the field's rule in words ("must be between 0 and 10000"), or msgspec's own message
    known: tuple[str, ...] = ()  # the fields of the object the problem is in

    @property
    def key(self) -> str:
        return self.path[-1] if self.path else ""


def convert(data: object, cls: type[T], what: str, words: Callable[[Problem], str] | None = None) -> T:
    """`data` as a `cls`, strictly (no text for numbers, no numbers for text), or one `FlywheelError`:
    "{what}: {words(problem)}"."""
    try:
        return msgspec.convert(data, cls, strict=True)
    except msgspec.ValidationError as exc:
        raise FlywheelError(f"{what}: {(words or plain_words)(_problem(exc, data, cls))}") from None


def plain_words(p: Problem) -> str:
    """How settings files say what is wrong: "unknown key 'colour' (known: ...)", "fee_bps must be between 0 and
    10000", "epoch_length must be an integer, not 'soon'"."""
    if p.kind == "unknown":
        return f"unknown key {p.key!r} (known: {', '.join(sorted(p.known))})"
    if p.kind == "missing":
        return f"missing {p.key!r}"
    if not p.path:
        return p.rule
    return f"{'.'.join(p.path)} {p.rule}"


def ints_from_text(data: object, cls: type) -> object:
    """`data` with the decimal text of `cls`'s integer fields ("5000000000000000000000", "3_600") as integers,
    exactly: TOML and JSON readers of any language lose precision on numbers past 2**53, so amounts are often
    written as text. Anything else is left for `convert` to judge."""
    if not isinstance(data, dict):
        return data
    info = inspect.type_info(cls)
    assert isinstance(info, inspect.StructType), cls
    ints = {f.name for f in info.fields if isinstance(_plain(f.type), inspect.IntType)}
    return {k: int(v.replace("_", "")) if k in ints and isinstance(v, str) and _DECIMAL.fullmatch(v) else v
            for k, v in data.items()}


def _problem(exc: msgspec.ValidationError, data: object, cls: type) -> Problem:
    """Where msgspec's message (`Expected `int` <= 10000 - at `$.fee_bps``) points, and the rule broken there."""
    found = _AT.match(str(exc))
    assert found is not None  # the pattern matches any text
    text = found["text"]
    path = tuple(m[1] or m[2] for m in _STEP.finditer(found["at"] or ""))
    named = _NAMED.match(text)
    if named:
        kind = "unknown" if named[1] == "contains unknown" else "missing"
        path, rule = (*path, named["key"]), ""
    elif _TYPE.match(text):
        kind, rule = "type", f"must be {_kind(_type_at(cls, path))}"
    elif text.startswith("Expected `"):
        kind, rule = "bounds", _bounds(_type_at(cls, path)) or text
    else:  # any other refusal, in msgspec's words
        kind, rule = "other", text
    value = _value_at(data, path)
    if kind == "type":
        rule = f"{rule}, not {value!r}"
    known = _fields(_type_at(cls, path[:-1]) if kind in ("unknown", "missing") else None)
    return Problem(kind, path, None if value is _ABSENT else value, rule, known)


def _value_at(data: object, path: tuple[str, ...]) -> object:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return _ABSENT
    return data


def _type_at(cls: type, path: tuple[str, ...]) -> inspect.Type | None:
    t: inspect.Type | None = inspect.type_info(cls)
    for key in path:
        t = _plain(t)
        if isinstance(t, inspect.StructType):
            t = next((f.type for f in t.fields if f.name == key), None)
        elif isinstance(t, inspect.DictType):
            t = t.value_type
        else:
            return None
    return _plain(t)


def _plain(t: inspect.Type | None) -> inspect.Type | None:
    """The type without `| None` and metadata: what a value must be when it is given."""
    if isinstance(t, inspect.Metadata):
        t = t.type
    if isinstance(t, inspect.UnionType):
        rest = [u for u in t.types if not isinstance(u, inspect.NoneType)]
        if len(rest) == 1:
            return _plain(rest[0])
    return t


def _fields(t: inspect.Type | None) -> tuple[str, ...]:
    return tuple(f.name for f in t.fields) if isinstance(t, inspect.StructType) else ()


def _kind(t: inspect.Type | None) -> str:
    names = {inspect.IntType: "an integer", inspect.FloatType: "a number", inspect.StrType: "a string",
             inspect.BoolType: "true or false", inspect.StructType: "a table", inspect.DictType: "a table"}
    return names.get(type(t), "of another type")


def _bounds(t: inspect.Type | None) -> str:
    """A field's bounds in words."""
    if isinstance(t, inspect.StrType):
        low, high = t.min_length, t.max_length
        if low and high:
            return f"must be {low} to {high} characters"
        if low == 1:
            return "must be a non-empty string"
        return f"must be at least {low} characters" if low else f"must be at most {high} characters"
    if not isinstance(t, (inspect.IntType, inspect.FloatType)):
        return ""
    if t.ge is not None and t.le is not None:
        return f"must be between {_number(t.ge)} and {_number(t.le)}"
    if t.gt == 0 and t.le is None and t.lt is None:
        return "must be positive" if isinstance(t, inspect.IntType) else "must be a positive number"
    if t.ge == 0 and t.le is None and t.lt is None:
        return "must not be negative"
    if t.ge is not None:
        return f"must be at least {_number(t.ge)}"
    if t.le is not None:
        return f"must be at most {_number(t.le)}"
    return ""


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
