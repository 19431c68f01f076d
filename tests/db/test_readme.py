"""The README's "Querying the database" section documents the whole schema, and its example queries run."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from indexer.db import views
from indexer.db.schema import EVENTS, metadata

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Querying the database"


def section() -> str:
    text = README.read_text()
    assert text.count(HEADING + "\n") == 1, f"README.md needs one {HEADING!r} section"
    body = text.split(HEADING + "\n", 1)[1]
    return body.split("\n## ", 1)[0]


def test_the_section_holds_the_event_reference_as_the_declaration_prints_it() -> None:
    assert views.reference() in section(), "README.md is behind: paste `python -m indexer.db.views` into its section"


def test_the_section_names_every_table_and_column_of_the_schema() -> None:
    doc = section()
    missing = [f"{t.name}.{c}" for t in metadata.tables.values() for c in [None, *t.columns.keys()]
               if f"`{c or t.name}`" not in doc]
    assert missing == []
    assert "`alembic_version`" in doc and "`version_num`" in doc


def test_the_section_names_every_view_and_view_column_and_marks_the_approximate_ones() -> None:
    doc = section()
    for spec in EVENTS:
        assert f"`{views.name(spec.table)}`" in doc
        for column in views.columns(spec):
            assert f"`{column.name}`" in doc, (spec.table, column.name)
    assert "**approximate**" in doc


SQL = re.compile(r"```sql\n(.*?)```", re.DOTALL)


def test_the_section_answers_each_report_question_with_a_query_that_runs(db: Path) -> None:
    queries = SQL.findall(section())
    assert len(queries) >= 6
    with sqlite3.connect(db) as conn:  # a plain client: no function of Flywheel's registered
        answers = [conn.execute(q).fetchall() for q in queries]
    assert all(answers), "every example returns rows on the test database"


@pytest.mark.parametrize("words", ["subsidy versus revenue", "real-yield share", "payments per customer",
                                   "nodes active", "minted", "burned", "claims per account"])
def test_each_question_is_there(words: str) -> None:
    assert words in section().lower()
