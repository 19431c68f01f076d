"""One self-contained HTML file per report: inline SVG chart, summary and tables; reads offline.

Nothing is fetched (no CDN, no script, no web font), so the file reads the same when mailed
or opened from a disk with no network. Every cell is shown as the terminal shows it
(`columns.table_value`: USD to the cent, shares as percentages; headers are the columns' labels), never as the exact value the
CSV carries: 30 digits after the point say nothing to a reader and push the page sideways.
The first table holds the columns a person reads first (`report.table_columns`), so it
fits a laptop screen; every column stays one click away in an "all columns" table.
Tables scroll inside their own box if a window is narrower still, never the page.
"""

from __future__ import annotations

import html as escape

from indexer.reports.columns import label, table_value
from indexer.reports.model import PROSE_COLUMNS, TEXT_COLUMNS, Report, summary_lines

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; padding: 0 1rem; max-width: 1240px; color: #1a1a1a; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
p.meta { color: #555; margin-top: 0; }
.chart svg { max-width: 100%; height: auto; display: block; }
ul.summary { line-height: 1.6; padding-left: 1.2rem; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.8rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.45rem; text-align: right; }
th { background: #f4f4f4; vertical-align: bottom; font-weight: 600; }
td { white-space: nowrap; }
th.text, td.text { text-align: left; }
td.prose { white-space: normal; min-width: 16rem; }
tbody tr:nth-child(even) { background: #fafafa; }
details { margin-top: 1rem; } summary { cursor: pointer; color: #2b5f8a; }
"""
TEXT_HEAD = ' class="text"'


def _table(rows: list[dict], columns: list[str]) -> str:
    def css(c: str) -> str:
        names = (["text"] if c in TEXT_COLUMNS else []) + (["prose"] if c in PROSE_COLUMNS else [])
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f"<th{TEXT_HEAD if c in TEXT_COLUMNS else ''}>{escape.escape(label(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td{css(c)}>{escape.escape(table_value(c, row.get(c)))}</td>" for c in columns) + "</tr>"
                   for row in rows)
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _rows(report: Report) -> str:
    if not report.rows:
        return "<p>No rows.</p>"
    main = list(report.table_columns or report.columns)
    page = _table(report.rows, main)
    if set(report.columns) - set(main):
        page += (f"<details><summary>All {len(report.columns)} columns</summary>"
                 f"{_table(report.rows, report.columns)}</details>")
    return page


def _meta(report: Report) -> str:
    parts = []
    if report.interval:
        parts.append(f"per {report.interval}")
    if report.rows:
        parts.append(f"{len(report.rows)} row{'s' if len(report.rows) != 1 else ''}")
    if report.epoch_length:
        parts.append(f"epochs of {report.epoch_length:,} s")
    return " · ".join(parts)


def render_html(report: Report) -> str:
    # Imported here only so that the API starts without loading matplotlib; charts imports the model, not this module.
    from indexer.reports.charts import svg

    chart = svg(report) if report.rows else "<p>No rows to chart.</p>"
    chart = chart[chart.find("<svg"):] if "<svg" in chart else chart
    summary = "".join(f"<li>{escape.escape(line)}</li>" for line in summary_lines(report.summary))
    sections = []
    for name, section in report.extra.items():
        if isinstance(section, list) and section and isinstance(section[0], dict):
            sections.append(f"<h2>{escape.escape(name.replace('_', ' ').capitalize())}</h2>" + _table(section, list(section[0].keys())))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape.escape(report.title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape.escape(report.title)}</h1>
<p class="meta">{escape.escape(_meta(report))}</p>
<div class="chart">{chart}</div>
<h2>Summary</h2><ul class="summary">{summary}</ul>
<h2>Rows</h2>{_rows(report)}
{''.join(sections)}
</body></html>
"""
