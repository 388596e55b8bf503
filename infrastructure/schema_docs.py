"""The analysts' reference of the read-model tables, rendered from the schema's own comments.

`python -m infrastructure.schema_docs` rewrites docs/read-models.md; a test fails when the file
and the schema disagree, so the reference cannot drift from the tables.
"""

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from infrastructure import schema

POSTGRESQL: sa.Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
DOC = Path(__file__).resolve().parent.parent / "docs" / "read-models.md"


def render() -> str:
    lines = [
        "# Read models",
        "",
        "The tables FleetID's projections build, in the same database as the event log. They are",
        "rebuilt identically by `fleetid projections rebuild`. Generated from the schema by",
        "`python -m infrastructure.schema_docs`; do not edit by hand.",
        "",
        " ".join(line.strip() for line in (schema.__doc__ or "").splitlines()[2:]).strip(),
        "",
    ]
    for table in schema.metadata.sorted_tables:
        lines += [f"## `{table.name}`", "", table.comment or "", ""]
        lines += ["| column | type | null | meaning |", "| --- | --- | --- | --- |"]
        for column in table.columns:
            nullable = "yes" if column.nullable else "no"
            meaning = (column.comment or "").replace("|", "\\|")
            lines.append(f"| `{column.name}` | {_type(column)} | {nullable} | {meaning} |")
        current = [
            str(i.name)
            for i in table.indexes
            if i.dialect_options["postgresql"]["where"] is not None
        ]
        if current:
            lines += [
                "",
                "Indexes on current versions: "
                + ", ".join(f"`{n}`" for n in sorted(current))
                + ".",
            ]
        lines.append("")
    return "\n".join(lines)


def _type(column: sa.Column[object]) -> str:
    if isinstance(column.type, sa.JSON):
        return "JSON (JSONB on PostgreSQL)"
    if isinstance(column.type, schema.UTCDateTime):
        return "timestamp (UTC)"
    return str(column.type.compile(dialect=POSTGRESQL)).lower()


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
