"""The analysts' reference must describe exactly the tables the projections build."""

from infrastructure import schema
from infrastructure.schema_docs import DOC, render


def test_docs_match_the_schema() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/read-models.md is stale: run `python -m infrastructure.schema_docs`"
    )


def test_every_column_has_a_meaning() -> None:
    undocumented = [
        f"{table.name}.{column.name}"
        for table in schema.metadata.sorted_tables
        for column in table.columns
        if not column.comment
    ]
    assert undocumented == []
