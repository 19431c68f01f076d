"""Write a report in any of its formats: table, csv, json, png, html.

Every format shows the same values: JSON keeps amounts as exact decimal
strings and ratios as numbers; the table and CSV print the same strings; an
unknown value is empty (null in JSON), never 0.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from indexer import atomic
from indexer.errors import FlywheelError, unknown
from indexer.reports.model import TEXT_COLUMNS, Report, cell, display, summary_lines

FORMATS = ("table", "csv", "json", "png", "html")
# An output file's extension names its format; any other extension gets the table.
SUFFIXES = {".csv": "csv", ".json": "json", ".png": "png", ".html": "html"}


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue()


def to_table(report: Report) -> Table:
    columns = report.table_columns or report.columns
    table = Table(title=report.title)
    for c in columns:
        text_column = c in TEXT_COLUMNS
        table.add_column(c.replace("_", " "), justify="left" if text_column else "right", no_wrap=text_column and c != "evidence")
    for row in report.rows:
        table.add_row(*[display(c, row.get(c)) for c in columns])
    return table


def choose_format(fmt: str | None, out: Path | None, formats: tuple[str, ...] = FORMATS) -> str:
    """The format to write, one of `formats`: `fmt` in any case, else the one `out`'s extension names, else table.

    A format that contradicts the file's extension is refused rather than guessed at: a
    CSV body in `r.json` would only fail later, in whatever reads the file.
    """
    check_out(out)
    named = SUFFIXES.get(out.suffix.lower()) if out is not None else None
    chosen = (named or "table") if fmt is None else fmt.strip().lower()
    if chosen not in formats:
        raise unknown("format", chosen if fmt is None else fmt, formats)
    if fmt is None:
        return chosen
    if named is not None and named != chosen:
        raise FlywheelError(f"--format {chosen} disagrees with --out {out.name}, which names {named}: "
                            "drop --format or change the extension")
    if chosen in ("png", "html") and out is None:
        raise FlywheelError(f"--format {chosen} needs --out FILE")
    return chosen


def check_out(out: Path | None) -> None:
    """Refuse an --out that cannot become a file before the report is built."""
    if out is not None and out.is_dir():
        raise FlywheelError(f"--out {out} is a folder: name a file")


def emit(report: Report, fmt: str, out: Path | None, console: Console) -> None:
    """Write `report` as `fmt` to `out` (stdout for text formats when no file is given)."""
    fmt = choose_format(fmt, out)
    if out is not None:
        _write(out, body(report, fmt))
    elif fmt == "table":
        console.print(to_table(report))
        for line in summary_lines(report.summary):
            console.print(line)
    else:
        console.file.write(body(report, fmt))


def save(report: Report, out: Path) -> None:
    """Write `report` to the file `out` in the format its extension names (the table for any other)."""
    _write(out, body(report, choose_format(None, out)))


def body(report: Report, fmt: str) -> str | bytes:
    """`report` as the content of a file in `fmt` (the table as a terminal 200 columns wide would show it)."""
    if fmt == "table":
        file_console = Console(file=io.StringIO(), width=200, soft_wrap=True)
        file_console.print(to_table(report))
        return file_console.file.getvalue()
    if fmt == "csv":
        return to_csv(report.rows, report.columns)
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2) + "\n"
    if fmt == "png":
        # Imported here, not above, only so that the text formats start without loading matplotlib;
        # charts and html import the model, never this module, so this hides no cycle.
        from indexer.reports.charts import png

        return png(report)
    from indexer.reports.html import render_html  # matplotlib again, for its inline chart

    return render_html(report)


def _write(path: Path, data: str | bytes) -> None:
    """A failure leaves neither a partial file nor the temporary one: one line that says why."""
    try:
        atomic.write(path, data)
    except OSError as exc:
        raise atomic.cannot_write(path, exc) from None
