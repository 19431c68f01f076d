"""What a report is, and how its values read as text: shared by every format.

The terminal table and CSV (`render`), the chart (`charts`) and the HTML page
(`html`) each import this module and none imports another's, so adding a
format never makes two of them depend on each other. A value reads the same
in every format: an unknown value is empty, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Columns of words and addresses: left-aligned in the table and the HTML page, numbers to the right.
TEXT_COLUMNS = ("start_time", "account", "evidence", "scenario")


@dataclass
class Report:
    name: str
    title: str
    interval: str | None
    rows: list[dict]
    summary: dict
    columns: list[str]  # the row keys CSV and HTML show, in order
    extra: dict = field(default_factory=dict)  # further sections (JSON keys, HTML tables)
    table_columns: list[str] | None = None  # the terminal table's narrower choice
    epoch_length: int | None = None  # seconds per epoch: how many epochs a full day, week or month holds

    def to_json(self) -> dict:
        return {"interval": self.interval, "rows": self.rows, "summary": self.summary, **self.extra}


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, dict):
        return value.get("status", "")
    return str(value)


def display(key: str, value: object) -> str:
    """A value for a person at a terminal: USD to the cent, tokens and prices to 4 decimals."""
    if isinstance(value, str) and key.endswith(("_usd", "_tokens")) and value.lstrip("-").replace(".", "", 1).isdigit():
        places = "0.01" if key.endswith("_usd") and not key.startswith("price") else "0.0001"
        return str(Decimal(value).quantize(Decimal(places)))
    if isinstance(value, float):
        return f"{value:.4f}"
    return cell(value)


def summary_lines(summary: dict) -> list[str]:
    return [f"{key.replace('_', ' ')}: {display(key, value)}" for key, value in summary.items() if not isinstance(value, list)]
