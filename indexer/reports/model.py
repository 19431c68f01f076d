"""What a report is, and how its values read as text: shared by every format.

The terminal table and CSV (`render`), the chart (`charts`) and the HTML page
(`html`) each import this module and none imports another's, so adding a
format never makes two of them depend on each other. A value reads the same
in every format: an unknown value is empty, never 0. How far each value is
rounded, for machines and for people, is declared once in `columns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from indexer.reports import columns as cols

# Columns of words and addresses: left-aligned in the table and the HTML page, numbers to the right.
TEXT_COLUMNS = tuple(name for name, c in cols.COLUMNS.items() if c.kind is cols.TEXT)
# Columns of sentences: tables wrap them, and give them the room the other columns leave.
PROSE_COLUMNS = tuple(name for name, c in cols.COLUMNS.items() if c.prose)


@dataclass
class Report:
    name: str
    title: str
    interval: str | None
    rows: list[dict]
    summary: dict
    columns: list[str]  # every row key, in the order CSV and HTML show them
    extra: dict = field(default_factory=dict)  # further sections (JSON keys, HTML tables)
    table_columns: list[str] | None = None  # the terminal table's choice, most important first
    epoch_length: int | None = None  # seconds per epoch: how many epochs a full day, week or month holds

    def __post_init__(self) -> None:
        # A report carries exactly its columns, in CSV, JSON and the API alike: a row is cut to them here, and a
        # column a row lacks is a bug in its builder.
        missing = {c for row in self.rows for c in self.columns if c not in row}
        if missing:
            raise ValueError(f"{self.name} rows lack the columns {sorted(missing)}")
        self.rows = [{c: row[c] for c in self.columns} for row in self.rows]

    def to_json(self) -> dict:
        return {"interval": self.interval, "rows": self.rows, "summary": self.summary, **self.extra}

    def finished(self, usd_decimals: int) -> Report:
        """The report as every format carries it: each quotient rounded once, at its kind's scale."""
        extra = {key: [cols.finish_values(item, usd_decimals) for item in section] if isinstance(section, list) else section
                 for key, section in self.extra.items()}
        return replace(self, rows=[cols.finish_values(r, usd_decimals) for r in self.rows],
                       summary=cols.finish_values(self.summary, usd_decimals), extra=extra)


def cell(value: object) -> str:
    """A value as CSV writes it: the finished value itself, empty when unknown."""
    return "" if value is None else str(value)


display = cols.display


def summary_lines(summary: dict) -> list[str]:
    """The summary for a person: labels in words, values rounded as the table rounds them, never blank."""
    return [f"{cols.label(key)}: {cols.summary_value(key, value)}" for key, value in summary.items()
            if cols.column(key).in_words and not (value is None and cols.column(key).quiet_none)]
