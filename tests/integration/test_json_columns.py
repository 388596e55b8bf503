"""JSON read back from PostgreSQL decodes as the standard library would, through the faster
decoder, whatever an analyst's UPDATE may have left in a column."""

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from infrastructure.database import create_engine
from tests.conftest import _postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    for url in _postgres_database():
        engine = create_engine(url)
        yield engine
        engine.dispose()


TRICKY = [
    '{"big": 123456789012345678901234567890, "neg": -0.0, "s": "é\\"", "l": [1, 2.5]}',
    "[1e400, -1e400, 1e-400]",
    '{"deep": [[[[[[[[[[{"a": null}]]]]]]]]]], "t": true, "u": "\\ud83c\\udf21"}',
    "1.7976931348623157e308",
]


@pytest.mark.parametrize("kind", ["json", "jsonb"])
def test_json_values_decode_as_the_standard_library_would(engine: sa.Engine, kind: str) -> None:
    query = sa.text(f"SELECT CAST(:v AS {kind}), CAST(CAST(:v AS {kind}) AS text)")
    with engine.connect() as conn:
        for text in TRICKY:
            value, stored = conn.execute(query, {"v": text}).one()
            assert value == json.loads(stored), text
            assert repr(value) == repr(json.loads(stored)), text
