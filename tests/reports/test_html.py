"""The HTML page reads as the terminal does: rounded cells, a summary in words, the main columns first, nothing fetched."""

from __future__ import annotations

import re

from indexer.reports.html import render_html
from indexer.reports.model import Report, display

COLUMNS = ["epoch_start", "epoch_end", "start_time", "subsidy_tokens", "price_usd", "subsidy_usd", "revenue_usd",
           "real_yield_share", "coverage_ratio", "cumulative_subsidy_usd", "cumulative_share"]
MAIN = ["epoch_start", "epoch_end", "subsidy_usd", "revenue_usd", "real_yield_share"]


def row(first: int, last: int, start: str) -> dict:
    # Exact values as a builder leaves them before any rounding: far more digits than anyone reads.
    return {
        "epoch_start": first, "epoch_end": last, "start_time": start, "subsidy_tokens": "1483950.123456789012345678",
        "price_usd": "0.53583334", "subsidy_usd": "1140978.51680390149171825932825644",
        "revenue_usd": "77207.4213370000000000000001", "real_yield_share": 0.08850436982997148,
        "coverage_ratio": 0.09709999999999999, "cumulative_subsidy_usd": "1140978.51680390149171825932825644",
        "cumulative_share": 0.08850436982997148,
    }


def page(**overrides) -> str:
    rows = [row(0, 15, "2026-12-01T00:00:00Z"), row(16, 39, "2026-12-02T00:00:00Z"), row(40, 51, "2026-12-03T00:00:00Z")]
    fields = {"name": "real-yield", "title": "Subsidy versus revenue per day", "interval": "day", "rows": rows,
              "summary": {"crossover_epoch": 22, "latest_share": 0.7327225475646947, "cumulative_subsidy_usd": "2550004.2512345"},
              "columns": COLUMNS, "table_columns": MAIN, "epoch_length": 3600}
    fields.update(overrides)
    return render_html(Report(**fields))


def outside_svg(html: str) -> str:
    return re.sub(r"<svg.*?</svg>", "", html, flags=re.S)


def test_no_cell_carries_more_digits_than_a_person_reads() -> None:
    html = page()
    assert not re.search(r"\d\.\d{13,}", html)
    text = outside_svg(html)
    assert "1140978.5168039" not in text
    assert display("subsidy_usd", "1140978.51680390149171825932825644") in text
    assert display("real_yield_share", 0.08850436982997148) in text


def test_summary_is_a_list_in_words() -> None:
    summary = re.search(r'<ul class="summary">(.*?)</ul>', page(), flags=re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", summary)
    assert len(items) == 3
    assert any("crossover" in item and "22" in item for item in items)
    assert not any("_" in item for item in items)


def test_main_columns_first_and_every_column_one_click_away() -> None:
    text = outside_svg(page())
    tables = re.findall(r"<table>.*?</table>", text, flags=re.S)
    assert len(tables) == 2
    heads = [re.findall(r"<th(?: [^>]*)?>(.*?)</th>", t) for t in tables]
    # Headers are words (whatever the labels), the main table's a subset of the full one's, in the same order.
    assert len(heads[0]) == len(MAIN) and len(heads[1]) == len(COLUMNS)
    assert not any("_" in h for h in heads[0] + heads[1])
    assert [h for h in heads[1] if h in heads[0]] == heads[0]
    assert text.index("<details>") < text.index(tables[1])
    # Each table scrolls in its own box, so a narrow window never scrolls the page sideways.
    assert text.count('<div class="table-wrap"><table>') == 2 and "overflow-x: auto" in text


def test_without_a_narrower_choice_one_table_holds_every_column() -> None:
    text = outside_svg(page(table_columns=None))
    assert len(re.findall(r"<table>", text)) == 1 and "<details>" not in text


def test_page_is_self_contained() -> None:
    html = page()
    assert html.startswith("<!doctype html>") and "<svg" in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<link" not in html and "<script" not in html and "@import" not in html


def test_extra_sections_are_rounded_tables_too() -> None:
    accounts = [{"account": "0x" + "ab" * 20, "suspect_paid_usd": "51494.549174123456789", "payments": 3,
                 "evidence": "received payment tokens from a rewarded account"}]
    text = outside_svg(page(extra={"suspect_accounts": accounts}))
    assert "<h2>Suspect accounts</h2>" in text
    assert display("suspect_paid_usd", "51494.549174123456789") in text and "51494.549174123" not in text
    assert '<td class="text prose">received payment tokens' in text
