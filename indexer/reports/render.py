"""Write a report in any of its formats: table, csv, json, png, html.

Every format shows the same values: JSON keeps amounts as exact decimal
strings and ratios as numbers; the table and CSV print the same strings; an
unknown value is empty (null in JSON), never 0.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from indexer.errors import FlywheelError

FORMATS = ("table", "csv", "json", "png", "html")


@dataclass
class Report:
    name: str
    title: str
    interval: str | None
    rows: list[dict]
    summary: dict
    columns: list[str]  # the row keys the table and CSV show, in order
    extra: dict = field(default_factory=dict)  # further sections (JSON keys, HTML tables)

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


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue()


def to_table(report: Report) -> Table:
    table = Table(title=report.title)
    for c in report.columns:
        table.add_column(c.replace("_", " "), justify="left" if c in ("start_time", "account", "evidence") else "right")
    for row in report.rows:
        table.add_row(*[cell(row.get(c)) for c in report.columns])
    return table


def summary_lines(summary: dict) -> list[str]:
    return [f"{key.replace('_', ' ')}: {cell(value)}" for key, value in summary.items() if not isinstance(value, list)]


def emit(report: Report, fmt: str, out: Path | None, console: Console) -> None:
    """Write `report` as `fmt` to `out` (stdout for text formats when no file is given)."""
    if fmt not in FORMATS:
        raise FlywheelError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt in ("png", "html") and out is None:
        raise FlywheelError(f"--format {fmt} needs --out FILE")
    if fmt == "table":
        if out is not None:
            file_console = Console(file=io.StringIO(), width=200, soft_wrap=True)
            file_console.print(to_table(report))
            _write(out, file_console.file.getvalue())
            return
        console.print(to_table(report))
        for line in summary_lines(report.summary):
            console.print(line)
        return
    if fmt == "csv":
        text = to_csv(report.rows, report.columns)
    elif fmt == "json":
        text = json.dumps(report.to_json(), indent=2) + "\n"
    elif fmt == "png":
        from indexer.reports.charts import save_png

        save_png(report, out)
        return
    else:
        from indexer.reports.html import render_html

        text = render_html(report)
    if out is None:
        console.file.write(text)
    else:
        _write(out, text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
