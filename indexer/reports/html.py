"""One self-contained HTML file per report: inline SVG chart, summary and table; reads offline."""

from __future__ import annotations

import html as escape

from indexer.reports.model import TEXT_COLUMNS, Report, cell, summary_lines

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.8rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.text { text-align: left; }
.chart svg { max-width: 100%; height: auto; }
ul.summary { line-height: 1.6; }
"""


def _table(rows: list[dict], columns: list[str]) -> str:
    head = "".join(f"<th>{escape.escape(c.replace('_', ' '))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = cell(row.get(c))
            css = ' class="text"' if c in TEXT_COLUMNS else ""
            cells.append(f"<td{css}>{escape.escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(report: Report) -> str:
    # Imported here only so that the API starts without loading matplotlib; charts imports the model, not this module.
    from indexer.reports.charts import svg

    chart = svg(report) if report.rows else "<p>No rows.</p>"
    chart = chart[chart.find("<svg"):] if "<svg" in chart else chart
    summary = "".join(f"<li>{escape.escape(line)}</li>" for line in summary_lines(report.summary))
    sections = []
    for name, section in report.extra.items():
        if isinstance(section, list) and section and isinstance(section[0], dict):
            sections.append(f"<h2>{escape.escape(name.replace('_', ' '))}</h2>" + _table(section, list(section[0].keys())))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape.escape(report.title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape.escape(report.title)}</h1>
<div class="chart">{chart}</div>
<h2>Summary</h2><ul class="summary">{summary}</ul>
<h2>Rows</h2>{_table(report.rows, report.columns)}
{''.join(sections)}
</body></html>
"""
