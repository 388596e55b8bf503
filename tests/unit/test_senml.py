"""SenML resolution (RFC 8428): the seed's and the RFC's examples, edge cases, and errors that
name the record and field."""

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.senml import (
    MAX_NAME,
    MAX_STRING_VALUE,
    MAX_UNIT,
    RELATIVE_LIMIT,
    Measurement,
    resolve,
)
from tests.seed_examples import SENML_PACK

NOW = 1_700_000_000.25


def test_the_seed_example_resolves_to_the_three_records_the_reader_shows() -> None:
    assert resolve(SENML_PACK, NOW) == [
        Measurement(name="some-base-name:voltage", unit="V", time=1276020076.001, value=120.1),
        Measurement(name="some-base-name:current", unit="A", time=1276020071.001, value=1.2),
        Measurement(name="some-base-name:current", unit="A", time=1276020072.001, value=1.3),
    ]


def test_times_below_2_to_the_28_are_relative_to_the_receive_time() -> None:
    pack = [
        {"n": "now", "v": 1},
        {"n": "past", "t": -60, "v": 2},
        {"n": "soon", "t": 5, "v": 3},
        {"n": "absolute", "t": RELATIVE_LIMIT, "v": 4},
        {"bt": -10, "n": "base-relative", "t": -2, "v": 5},
    ]

    times = [m.time for m in resolve(pack, NOW)]

    assert times == [NOW, NOW - 60, NOW + 5, float(RELATIVE_LIMIT), NOW - 12]


def test_every_value_kind_resolves_with_its_unit_and_update_time() -> None:
    pack = [
        {"bn": "urn:dev:ow:10e2073a01080063:", "n": "temp", "u": "Cel", "v": 23.1, "ut": 30},
        {"n": "label", "vs": "Machine Room"},
        {"n": "open", "vb": False},
        {"n": "nfc-reader", "vd": "aGkgCg"},
    ]

    found = resolve(pack, NOW)

    assert [m.name for m in found] == [
        "urn:dev:ow:10e2073a01080063:temp",
        "urn:dev:ow:10e2073a01080063:label",
        "urn:dev:ow:10e2073a01080063:open",
        "urn:dev:ow:10e2073a01080063:nfc-reader",
    ]
    assert (found[0].value, found[0].unit, found[0].update_time) == (23.1, "Cel", 30.0)
    assert found[1].string_value == "Machine Room"
    assert found[2].bool_value is False
    assert found[3].data_value == "aGkgCg"
    assert [m.unit for m in found[1:]] == [None, None, None]


def test_base_value_and_base_sum_add_to_the_records_until_replaced() -> None:
    pack = [
        {"bn": "meter/", "bv": 100, "bs": 1000, "n": "a", "v": 1, "s": 5},
        {"n": "b", "v": -1},
        {"n": "c"},
        {"bv": 0.5, "bs": 0, "n": "d", "v": 0.25},
        {"n": "e", "vs": "text"},
    ]

    found = resolve(pack, NOW)

    assert [(m.value, m.sum) for m in found] == [
        (101.0, 1005.0),
        (99.0, 1000.0),
        (None, 1000.0),
        (0.75, 0.0),
        (None, 0.0),
    ]


def test_a_record_with_no_value_field_takes_the_base_value() -> None:
    assert resolve([{"bn": "x", "bv": 7}], NOW)[0].value == 7.0


def test_a_sum_alone_is_a_measurement() -> None:
    found = resolve([{"n": "energy", "u": "J", "s": 42}], NOW)[0]
    assert (found.value, found.sum, found.unit) == (None, 42.0, "J")


def test_base_fields_carry_over_and_are_replaced_by_later_ones() -> None:
    pack = [
        {"bn": "a:", "bu": "V", "bt": 2e9, "n": "x", "v": 1},
        {"n": "y", "v": 2},
        {"bn": "b:", "bu": "A", "n": "x", "v": 3},
        {"n": "y", "u": "W", "t": 1, "v": 4},
    ]

    found = resolve(pack, NOW)

    assert [(m.name, m.unit, m.time) for m in found] == [
        ("a:x", "V", 2e9),
        ("a:y", "V", 2e9),
        ("b:x", "A", 2e9),
        ("b:y", "W", 2e9 + 1),
    ]


def test_unknown_labels_are_ignored_unless_they_end_in_underscore() -> None:
    assert resolve([{"n": "x", "v": 1, "l": "link", "extra": {"a": 1}}], NOW)[0].value == 1.0
    with pytest.raises(InvalidValue) as raised:
        resolve([{"n": "x", "v": 1}, {"n": "y", "v": 1, "must_": 1}], NOW)
    assert raised.value.field == "[1].must_"


@pytest.mark.parametrize(
    ("pack", "field"),
    [
        ({"n": "x", "v": 1}, ""),
        ([], ""),
        ("text", ""),
        ([{"n": "x", "v": 1}, 5], "[1]"),
        ([{"v": 1}], "[0].bn"),
        ([{"n": "", "v": 1}], "[0].n"),
        ([{"n": "-starts-with-dash", "v": 1}], "[0].n"),
        ([{"n": "has space", "v": 1}], "[0].n"),
        ([{"n": "ümlaut", "v": 1}], "[0].n"),
        ([{"bn": "bad name", "v": 1}], "[0].bn"),
        ([{"n": "x"}], "[0].v"),
        ([{"n": "x", "v": 1, "vs": "a"}], "[0].vs"),
        ([{"n": "x", "vb": True, "vd": "aGk"}], "[0].vd"),
        ([{"n": "x", "v": "1"}], "[0].v"),
        ([{"n": "x", "v": True}], "[0].v"),
        ([{"n": "x", "vb": 1}], "[0].vb"),
        ([{"n": "x", "vs": 1}], "[0].vs"),
        ([{"n": "x", "vs": "a\x00b"}], "[0].vs"),
        ([{"n": "x", "v": 1, "u": "\x00"}], "[0].u"),
        ([{"n": 5, "v": 1}], "[0].n"),
        ([{"n": "x", "u": 1, "v": 1}], "[0].u"),
        ([{"n": "x", "t": "now", "v": 1}], "[0].t"),
        ([{"n": "x", "vd": "not base64!"}], "[0].vd"),
        ([{"n": "x", "vd": "a"}], "[0].vd"),
        ([{"n": "x", "v": 1, "bver": 11}], "[0].bver"),
        ([{"n": "x", "v": 1, "bver": 0}], "[0].bver"),
        ([{"n": "x", "v": 1, "bver": "10"}], "[0].bver"),
        ([{"n": "x", "v": 1, "bver": 10.5}], "[0].bver"),
        ([{"n": "x", "v": math.nan}], "[0].v"),
        ([{"n": "x", "v": math.inf}], "[0].v"),
        ([{"n": "x", "bt": -math.inf, "v": 1}], "[0].bt"),
        ([{"n": "x", "v": 10**400}], "[0].v"),
        ([{"n": "x", "v": 1.7e308, "bv": 1.7e308}], "[0].v"),
        ([{"n": "x", "v": 1}, {"n": "y", "v": 1}, {"n": "z", "vb": "yes"}], "[2].vb"),
        ([{"n": "a" * (MAX_NAME + 1), "v": 1}], "[0].n"),
        ([{"bn": "a" * (MAX_NAME + 1), "n": "x", "v": 1}], "[0].bn"),
        ([{"bn": "a" * MAX_NAME, "v": 1}, {"n": "x", "v": 1}], "[1].n"),
        ([{"n": "x", "u": "u" * (MAX_UNIT + 1), "v": 1}], "[0].u"),
        ([{"n": "x", "bu": "\u00b0" * (MAX_UNIT // 2 + 1), "v": 1}], "[0].bu"),
        ([{"n": "x", "vs": "s" * (MAX_STRING_VALUE + 1)}], "[0].vs"),
        ([{"n": "x", "vs": "\u20ac" * (MAX_STRING_VALUE // 3 + 1)}], "[0].vs"),
        ([{"n": "x", "vs": "\ud800"}], "[0].vs"),
        ([{"n": "x", "u": "\udfff", "v": 1}], "[0].u"),
    ],
)
def test_an_invalid_pack_names_the_record_and_field(pack: Any, field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        resolve(pack, NOW)
    assert raised.value.field == field


def test_values_at_the_size_limits_are_accepted() -> None:
    """The limits are UTF-8 bytes: what PostgreSQL's index rows and columns hold."""
    record = {"n": "a" * MAX_NAME, "u": "u" * MAX_UNIT, "vs": "s" * MAX_STRING_VALUE}
    (measurement,) = resolve([record], NOW)
    assert (len(measurement.name), measurement.unit, measurement.string_value) == (
        MAX_NAME,
        record["u"],
        record["vs"],
    )


NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9\-:./_]{0,20}", fullmatch=True)
ABSOLUTE = st.floats(min_value=RELATIVE_LIMIT, max_value=4e9, allow_nan=False)
VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda v: {"v": v}),
    st.text(
        st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20
    ).map(lambda v: {"vs": v}),
    st.booleans().map(lambda v: {"vb": v}),
)
RECORDS = st.lists(
    st.tuples(NAMES, ABSOLUTE, VALUES, st.sampled_from([None, "V", "Cel"])),
    min_size=1,
    max_size=8,
)


@given(prefix=NAMES, records=RECORDS, base_time=st.floats(min_value=0, max_value=1e9))
def test_moving_shared_parts_into_base_fields_changes_no_measurement(
    prefix: str, records: list[tuple[str, float, dict[str, Any], str | None]], base_time: float
) -> None:
    """A pack spelled out in full and the same pack with the name prefix in `bn` and part of
    each time in `bt` resolve to the same measurements."""
    full = [
        {"n": prefix + name, "t": time, **value} | ({"u": unit} if unit else {})
        for name, time, value, unit in records
    ]
    based = [
        {"n": name, "t": time - base_time, **value} | ({"u": unit} if unit else {})
        for name, time, value, unit in records
    ]
    based[0] = {"bn": prefix, "bt": base_time, **based[0]}

    spelled, compact = resolve(full, NOW), resolve(based, NOW)

    assert [(m.name, m.unit, m.value, m.string_value, m.bool_value) for m in spelled] == [
        (m.name, m.unit, m.value, m.string_value, m.bool_value) for m in compact
    ]
    for a, b in zip(spelled, compact, strict=True):
        assert math.isclose(a.time, b.time, rel_tol=1e-12)
