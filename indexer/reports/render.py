"""Write a report in any of its formats: table, csv, json, png, html.

Every format shows the same values, rounded as `indexer.reports.columns`
declares: JSON keeps amounts as exact decimal strings and ratios as numbers,
CSV prints the same strings, and the table rounds them further for reading.
An unknown value is empty (null in JSON), never 0.

The terminal table fits the terminal by leaving columns out, least important
first, and says which: cutting a number to make it fit would show a
different number, so a number is never cut.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from indexer import atomic
from indexer.errors import FlywheelError, unknown
from indexer.reports.columns import label, table_value
from indexer.reports.model import PROSE_COLUMNS, TEXT_COLUMNS, Report, cell, summary_lines

FORMATS = ("table", "csv", "json", "png", "html")
# An output file's extension names its format; any other extension gets the table.
SUFFIXES = {".csv": "csv", ".json": "json", ".png": "png", ".html": "html"}
FILE_WIDTH = 200  # a table written to a file is fitted to this many columns, as a wide terminal would show it


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue()


@dataclass(frozen=True)
class View:
    """What of a report to write: chosen columns, only the summary, or only demand's suspect accounts."""

    columns: tuple[str, ...] = ()
    summary: bool = False
    suspects: bool = False


SUSPECTS = "suspect_accounts"
SUSPECT_COLUMNS = ["account", "suspect_paid_usd", "payments", "evidence"]
# Further sections the table prints after the summary, with their titles (demand's suspects have their own).
SECTIONS = {"largest_unclaimed": "Largest unclaimed accounts"}
# A box-drawn table spends 3 characters per column on padding and rules, and one more for the last rule.
RULES_PER_COLUMN, RULES = 3, 1
ADDRESS_SHORT = 13  # 0x1234…abcd: enough to tell accounts apart at a glance, and to search for


def check_view(report: Report, view: View, fmt: str) -> None:
    """Refuse, in one line, a view the report cannot give."""
    unknown_columns = [c for c in view.columns if c not in report.columns]
    if unknown_columns:
        raise FlywheelError(f"--columns: {', '.join(unknown_columns)} is not a column of {report.name}; "
                            f"its columns are {', '.join(report.columns)}")
    if view.suspects and SUSPECTS not in report.extra:
        raise FlywheelError(f"--suspects is for the demand report, not {report.name}")
    if view.summary and view.suspects:
        raise FlywheelError("--summary and --suspects each write one CSV: choose one")
    if (view.summary or view.suspects or view.columns) and fmt not in ("table", "csv"):
        given = "--summary" if view.summary else "--suspects" if view.suspects else "--columns"
        raise FlywheelError(f"{given} is for the table and CSV; --format {fmt} carries everything")


def _texts(columns: list[str], rows: list[dict], short: bool) -> dict[str, list[str]]:
    texts = {}
    for c in columns:
        values = [table_value(c, row.get(c)) for row in rows]
        if short and c in TEXT_COLUMNS:
            values = [_shorten(v) for v in values]
        texts[c] = values
    return texts


def _shorten(value: str) -> str:
    return value[:6] + "…" + value[-4:] if value.startswith("0x") and len(value) > ADDRESS_SHORT else value


PROSE_MIN = 24  # the narrowest a column of sentences is made, folding any longer word (an address)


def _width(column: str, texts: list[str]) -> int:
    """The narrowest a column can be with every value whole and its header wrapped at spaces."""
    words = label(column).split()
    if column in PROSE_COLUMNS:
        return max([min(PROSE_MIN, max(map(len, texts), default=0))] + [len(w) for w in words])
    return max([len(t) for t in texts] + [len(w) for w in words])


def _used(widths: dict[str, int], columns: list[str]) -> int:
    return sum(widths[c] for c in columns) + RULES_PER_COLUMN * len(columns) + RULES


def fit(width: int, rows: list[dict], wanted: list[str]) -> tuple[list[str], dict[str, list[str]], dict[str, int]]:
    """The columns of `wanted` (most important first) that fit in `width` with no value cut, their texts and widths.

    Addresses are shortened (0x1234…abcd) only when that lets more columns in; numbers never are.
    """
    best: tuple[list[str], dict, dict] | None = None
    for short in (False, True):
        texts = _texts(wanted, rows, short)
        widths = {c: _width(c, texts[c]) for c in wanted}
        chosen: list[str] = []
        for c in wanted:
            if _used(widths, chosen + [c]) <= width or not chosen:
                chosen.append(c)
        if best is None or len(chosen) > len(best[0]):
            best = (chosen, texts, widths)
    chosen, texts, widths = best
    # Room to spare goes to sentences first, then a character at a time to the header wrapped onto the most
    # lines, so the header row is as short as the room allows.
    spare = width - _used(widths, chosen)
    for c in (c for c in chosen if c in PROSE_COLUMNS):
        grow = max(0, min(spare, max(map(len, texts[c]), default=0) - widths[c]))
        widths[c] += grow
        spare -= grow
    while spare > 0:
        tallest = max(chosen, key=lambda c: (len(textwrap.wrap(label(c), widths[c])), -widths[c]))
        if len(textwrap.wrap(label(tallest), widths[tallest])) <= 1:
            break
        widths[tallest] += 1
        spare -= 1
    return chosen, texts, widths


def to_table(report: Report, width: int, rows: list[dict] | None = None, wanted: list[str] | None = None,
             title: str | None = None) -> tuple[Table, list[str]]:
    """The table at most `width` wide, and the wanted columns it left out for lack of room."""
    rows = report.rows if rows is None else rows
    # A column no row has a value in says nothing (the price path's, with no path): it gives its room to others.
    wanted = wanted or [c for c in report.table_columns or report.columns if any(r.get(c) is not None for r in rows)]
    chosen, texts, widths = fit(width, rows, wanted)
    table = Table(title=report.title if title is None else title)
    for c in chosen:
        table.add_column(label(c), justify="left" if c in TEXT_COLUMNS else "right", width=widths[c],
                         overflow="fold" if c in PROSE_COLUMNS else "ellipsis")
    for i in range(len(rows)):
        table.add_row(*[texts[c][i] for c in chosen])
    return table, [c for c in wanted if c not in chosen]


def _omitted_line(shown: list[str], omitted: list[str]) -> str:
    example = ",".join(shown[:2] + omitted[:1])
    return (f"Left out for width: {', '.join(omitted)}. Choose the columns with --columns {example} "
            "or see every column with --format csv.")


def print_table(report: Report, view: View, console: Console) -> None:
    """The table fitted to the console, the columns it left out, the summary in words, and further sections."""
    width = console.width
    if not view.summary:
        table, omitted = to_table(report, width, wanted=list(view.columns) or None)
        console.print(table)
        if omitted:
            shown = [c for c in (list(view.columns) or report.table_columns or report.columns) if c not in omitted]
            console.print(_omitted_line(shown, omitted), soft_wrap=False)
    for line in summary_lines(report.summary):
        console.print(line)
    if SUSPECTS in report.extra and not view.summary:
        print_suspects(report, console)
    for name, title in SECTIONS.items():
        if report.extra.get(name):
            console.print()
            table, _ = to_table(report, console.width, rows=report.extra[name], wanted=list(report.extra[name][0]), title=title)
            console.print(table)


def print_suspects(report: Report, console: Console) -> None:
    """Demand's suspect accounts with their evidence, largest first, fitted to the console."""
    suspects = report.extra[SUSPECTS]
    if suspects:
        console.print()
        table, _ = to_table(report, console.width, rows=suspects, wanted=SUSPECT_COLUMNS,
                            title=f"Suspect accounts, largest first ({len(suspects)} shown; --top sets how many)")
        console.print(table)


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


def emit(report: Report, fmt: str, out: Path | None, console: Console, view: View = View()) -> None:
    """Write `report` as `fmt` to `out` (stdout for text formats when no file is given)."""
    fmt = choose_format(fmt, out)
    check_view(report, view, fmt)
    if out is not None:
        _write(out, body(report, fmt, view))
    elif fmt == "table":
        print_table(report, view, console)
    else:
        console.file.write(body(report, fmt, view))


def save(report: Report, out: Path) -> None:
    """Write `report` to the file `out` in the format its extension names (the table for any other)."""
    _write(out, body(report, choose_format(None, out)))


def body(report: Report, fmt: str, view: View = View()) -> str | bytes:
    """`report` as the content of a file in `fmt` (the table as a terminal 200 columns wide would show it)."""
    if fmt == "table":
        file_console = Console(file=io.StringIO(), width=FILE_WIDTH, soft_wrap=True)
        print_table(report, view, file_console)
        return file_console.file.getvalue()
    if fmt == "csv":
        if view.summary:
            return to_csv([{"key": k, "value": v} for k, v in report.summary.items()], ["key", "value"])
        if view.suspects:
            return to_csv(report.extra[SUSPECTS], SUSPECT_COLUMNS)
        return to_csv(report.rows, list(view.columns) or report.columns)
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
