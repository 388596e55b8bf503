"""SenML packs (RFC 8428) resolved into self-contained measurements.

A pack is a list of records; base fields (`bn`, `bt`, `bu`, `bv`, `bs`, `bver`) apply to their
own record and every later one until another record sets them again. Resolving applies them, so
each stored measurement carries its full name, unit, absolute time and value and can be read
without the rest of its pack. A pack is resolved completely or rejected: the error names the
record index and field (`[2].vb`), and nothing of a rejected pack is kept.
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue

SUPPORTED_VERSION = 10
"""The version RFC 8428 defines; a pack declaring a later one may carry fields we would
misread (RFC 8428 §4.4)."""
RELATIVE_LIMIT = 2**28
"""Resolved times below this are seconds relative to "now", the time the pack was received."""

MAX_NAME = 255
"""Bytes of a resolved name (bn + n), and of bn or n alone: names are indexed with their
channel, and PostgreSQL refuses index rows over ~2,700 bytes (failing the whole batch)."""
MAX_UNIT = 255
"""Bytes of a unit (u or bu): SenML units are short symbols."""
MAX_STRING_VALUE = 16 * 1024
"""Bytes of a string value (vs): no index covers it, so the limit only keeps rows small."""
_MAX_BYTES = {"bn": MAX_NAME, "n": MAX_NAME, "bu": MAX_UNIT, "u": MAX_UNIT, "vs": MAX_STRING_VALUE}

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-:./_]*")
_BASE64URL = re.compile(r"[A-Za-z0-9\-_]*={0,2}")
_STRINGS = ("bn", "bu", "n", "u", "vs", "vd")
_NUMBERS = ("bt", "bv", "bs", "v", "s", "t", "ut")
_VALUES = ("v", "vs", "vb", "vd")
_KNOWN = frozenset((*_STRINGS, *_NUMBERS, "bver", "vb"))


@dataclass(frozen=True, slots=True)
class Measurement:
    """One resolved record: exactly one of the four values, or only a sum."""

    name: str
    unit: str | None
    time: float
    update_time: float | None = None
    value: float | None = None
    string_value: str | None = None
    bool_value: bool | None = None
    data_value: str | None = None
    sum: float | None = None


@dataclass
class _Base:
    name: str = ""
    time: float = 0.0
    unit: str | None = None
    value: float | None = None
    sum: float | None = None


def resolve(pack: Any, received_at: float) -> list[Measurement]:
    """The pack's measurements, in pack order. `received_at` (seconds since the epoch) anchors
    relative times; `pack` is decoded JSON or CBOR (CBOR's integer labels already mapped)."""
    if not isinstance(pack, Sequence) or isinstance(pack, str | bytes):
        raise InvalidValue("a SenML pack is a JSON array of records", field="")
    if not pack:
        raise InvalidValue("the pack holds no records", field="")
    base = _Base()
    return [_resolve(index, record, base, received_at) for index, record in enumerate(pack)]


def _resolve(index: int, record: Any, base: _Base, received_at: float) -> Measurement:
    where = f"[{index}]."
    if not isinstance(record, Mapping):
        raise InvalidValue("a SenML record is a JSON object", field=f"[{index}]")
    _check_fields(record, where)
    if "bver" in record:
        _check_version(record["bver"], where)
    if "bn" in record:
        base.name = record["bn"]
    if "bt" in record:
        base.time = _number(record, "bt", where)
    if "bu" in record:
        base.unit = record["bu"]
    if "bv" in record:
        base.value = _number(record, "bv", where)
    if "bs" in record:
        base.sum = _number(record, "bs", where)

    name = base.name + record.get("n", "")
    if len(name) > MAX_NAME:
        raise InvalidValue(
            f"the name (bn + n) is over {MAX_NAME} bytes",
            field=where + ("n" if "n" in record else "bn"),
        )
    if not _NAME.fullmatch(name):
        raise InvalidValue(_name_problem(name), field=where + ("n" if "n" in record else "bn"))
    time = base.time + (_number(record, "t", where) if "t" in record else 0.0)
    if time < RELATIVE_LIMIT:
        time += received_at
    values = [key for key in _VALUES if key in record]
    if len(values) > 1:
        raise InvalidValue(
            f"a record holds one value, not {', '.join(values)}", field=where + values[1]
        )
    has_sum = "s" in record or base.sum is not None
    value = _numeric_value(record, base, where, bare=not values and not has_sum)
    if not values and value is None and not has_sum:
        raise InvalidValue(
            "a record needs a value (v, vs, vb or vd) or a sum (s)", field=where + "v"
        )
    if "vb" in record and not isinstance(record["vb"], bool):
        raise InvalidValue("vb must be true or false", field=where + "vb")
    if "vd" in record:
        _check_data(record["vd"], where)
    return Measurement(
        name=name,
        unit=record.get("u", base.unit),
        time=_finite(time, where + "t"),
        update_time=_number(record, "ut", where) if "ut" in record else None,
        value=value,
        string_value=record.get("vs"),
        bool_value=record.get("vb"),
        data_value=record.get("vd"),
        sum=_sum(record, base, where) if has_sum else None,
    )


def _check_fields(record: Mapping[Any, Any], where: str) -> None:
    for key in record:
        if not isinstance(key, str):
            raise InvalidValue(f"unknown label {key!r}", field=where.rstrip("."))
        if key.endswith("_") and key not in _KNOWN:
            raise InvalidValue(
                f"{key} must be understood (its label ends in '_') and is not", field=where + key
            )
    for key in _STRINGS:
        if key in record:
            _check_text(key, record[key], where)


def _check_text(key: str, value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise InvalidValue(f"{key} must be a string", field=where + key)
    if "\x00" in value:
        raise InvalidValue(
            f"{key} must not contain NUL characters (PostgreSQL cannot store them)",
            field=where + key,
        )
    try:
        size = len(value.encode())
    except UnicodeEncodeError:
        raise InvalidValue(
            f"{key} must be Unicode text (it holds a lone surrogate)", field=where + key
        ) from None
    limit = _MAX_BYTES.get(key)
    if limit is not None and size > limit:
        raise InvalidValue(f"{key} is over {limit} bytes (UTF-8)", field=where + key)


def _check_version(version: Any, where: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidValue("bver must be a positive integer", field=where + "bver")
    if version > SUPPORTED_VERSION:
        raise InvalidValue(
            f"SenML version {version} is not supported (at most {SUPPORTED_VERSION})",
            field=where + "bver",
        )


def _numeric_value(
    record: Mapping[str, Any], base: _Base, where: str, *, bare: bool
) -> float | None:
    """v plus the base value; a record with no value field at all takes the base value alone."""
    if "v" in record:
        return _finite((base.value or 0.0) + _number(record, "v", where), where + "v")
    if bare and base.value is not None:
        return base.value
    return None


def _sum(record: Mapping[str, Any], base: _Base, where: str) -> float:
    own = _number(record, "s", where) if "s" in record else 0.0
    return _finite((base.sum or 0.0) + own, where + "s")


def _number(record: Mapping[str, Any], key: str, where: str) -> float:
    raw = record[key]
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue(f"{key} must be a number", field=where + key)
    try:
        number = float(raw)
    except OverflowError:
        raise InvalidValue(f"{key} is out of range", field=where + key) from None
    return _finite(number, where + key)


def _finite(number: float, field: str) -> float:
    if not math.isfinite(number):
        raise InvalidValue("numbers must be finite", field=field)
    return number


def _check_data(data: str, where: str) -> None:
    """vd is base64url (RFC 4648 §5); padding is optional."""
    if not _BASE64URL.fullmatch(data) or len(data.rstrip("=")) % 4 == 1:
        raise InvalidValue("vd must be base64url", field=where + "vd")


def _name_problem(name: str) -> str:
    if not name:
        return "a record needs a name (bn + n)"
    return (
        f"name {name!r} must start with a letter or digit and hold only letters, digits "
        "and - : . / _"
    )


def resolved_record(m: Measurement) -> dict[str, Any]:
    """The measurement as a resolved SenML record (RFC 8428 §4.6): full name, absolute time,
    no base fields, so a record read alone needs nothing else."""
    record: dict[str, Any] = {"n": m.name, "t": m.time}
    optional = (
        ("u", m.unit),
        ("v", m.value),
        ("vs", m.string_value),
        ("vb", m.bool_value),
        ("vd", m.data_value),
        ("s", m.sum),
        ("ut", m.update_time),
    )
    record.update((label, value) for label, value in optional if value is not None)
    return record
