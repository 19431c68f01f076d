"""Every value a report can show, declared once: its kind, its label, and so its precision and its display.

A report's builder computes exactly (integers, and Decimals with enough digits);
`finish` then rounds each quotient once, half-even, at its kind's fixed scale,
and that rounded value is what CSV, JSON and the API all carry:

- amounts to the unit's own decimals: USD to the payment token's, tokens to 18;
- prices to 8 decimals, as the price feed posts them;
- ratios and shares to 8 decimal places;
- payback to 2 decimals.

Sums of base units are exact at those scales already, so rounding leaves them
as they are. People then read a further-rounded `display` of the same value:
USD to the cent with thousands separators, tokens to 4 decimals, prices to 4
significant digits, shares as percentages with 2 decimals. Because both come
from a value's kind, no output can carry more digits than its kind allows,
and a key no kind was declared for is refused rather than printed raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from indexer.reports.numbers import PRICE_DECIMALS, TOKEN_DECIMALS, text

RATIO_DECIMALS = 8
PAYBACK_DECIMALS = 2


@dataclass(frozen=True)
class Kind:
    name: str
    places: int | None  # decimals kept in CSV and JSON; None: USD, the payment token's own; -1: not a number
    number: bool  # JSON carries it as a number (ratios, payback) rather than as an exact decimal string


USD = Kind("usd", None, False)
TOKENS = Kind("tokens", TOKEN_DECIMALS, False)
PRICE = Kind("price", PRICE_DECIMALS, False)
SHARE = Kind("share", RATIO_DECIMALS, True)  # a part of a whole, read as a percentage
RATIO = Kind("ratio", RATIO_DECIMALS, True)
PAYBACK = Kind("payback", PAYBACK_DECIMALS, True)  # epochs or days
COUNT = Kind("count", 0, True)
EPOCH = Kind("epoch", 0, True)
TEXT = Kind("text", -1, False)  # words, addresses, times: shown as they are


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    label: str  # how a person reads the name: table headers, summary lines
    none: str = ""  # what a summary says where the value is unknown (a table cell stays empty)
    in_words: bool = True  # False: a number for machines that a summary line beside it already says in words
    table_none: bool = False  # a table cell says `none` too, where a blank would read as the best case
    prose: bool = False  # a sentence, not a word: tables wrap it rather than let it push other columns out
    quiet_none: bool = False  # a summary leaves the line out where the value is unknown: another line says why


def _declare(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


COLUMNS: dict[str, Column] = _declare(
    # real-yield and demand rows
    Column("epoch_start", EPOCH, "epoch"),
    Column("epoch_end", EPOCH, "to epoch"),
    Column("start_time", TEXT, "start (UTC)"),
    Column("period", TEXT, "period"),
    Column("subsidy_tokens", TOKENS, "subsidy tokens"),
    Column("price_usd", PRICE, "price"),
    Column("subsidy_usd", USD, "subsidy"),
    Column("revenue_usd", USD, "revenue"),
    Column("real_yield_share", SHARE, "real-yield share"),
    Column("coverage_ratio", RATIO, "coverage"),
    Column("gross_payments_usd", USD, "gross payments"),
    Column("protocol_fees_usd", USD, "protocol fees"),
    Column("payments", COUNT, "payments"),
    Column("active_nodes", COUNT, "active nodes"),
    Column("revenue_per_node_usd", USD, "revenue per node"),
    Column("net_new_supply_tokens", TOKENS, "net new supply tokens"),
    Column("suspect_revenue_usd", USD, "suspect revenue"),
    Column("real_yield_share_excl_suspect", SHARE, "share excl. suspect"),
    Column("cumulative_subsidy_usd", USD, "cumulative subsidy"),
    Column("cumulative_revenue_usd", USD, "cumulative revenue"),
    Column("cumulative_share", SHARE, "cumulative share"),
    # a simulation's epochs
    Column("contributors", COUNT, "contributors"),
    Column("customers", COUNT, "customers"),
    Column("wash_payments", COUNT, "wash payments"),
    # real-yield and demand summaries
    Column("epochs", COUNT, "epochs finalized"),
    Column("first_epoch", EPOCH, "first epoch"),
    Column("last_epoch", EPOCH, "last epoch"),
    Column("crossover_epoch", EPOCH, "crossover epoch", none="none yet"),
    Column("latest_share", SHARE, "latest real-yield share", none="no data"),
    Column("trend_periods", COUNT, "trend measured over periods"),
    Column("share_trend_per_period", SHARE, "share change per period", none="not enough periods"),
    Column("share_50_percent", TEXT, "share reaches 50%"),
    Column("share_50_percent_periods", PAYBACK, "periods until a 50% share", none="not on the current trend", in_words=False),
    Column("coverage_100_percent", TEXT, "coverage reaches 100%"),
    Column("coverage_100_percent_periods", PAYBACK, "periods until 100% coverage", none="not on the current trend",
           in_words=False),
    Column("suspect_payments_usd", USD, "suspect payments"),
    Column("all_payments_usd", USD, "all payments"),
    Column("suspect_share_of_payments", SHARE, "suspect share of payments", none="no payments"),
    Column("suspect_accounts", COUNT, "suspect accounts"),
    Column("allowed_accounts_cleared", COUNT, "accounts cleared by the allow list"),
    Column("latest_share_excl_suspect", SHARE, "latest share excl. suspect", none="no data"),
    Column("crossover_epoch_excl_suspect", EPOCH, "crossover epoch excl. suspect", none="none yet"),
    # demand's suspect accounts
    Column("account", TEXT, "account"),
    Column("suspect_paid_usd", USD, "suspect paid"),
    Column("evidence", TEXT, "evidence", prose=True),
    # contributors
    Column("nodes_registered", COUNT, "nodes registered"),
    Column("nodes_active", COUNT, "nodes active"),
    Column("claimed_subsidy_tokens", TOKENS, "claimed subsidy tokens"),
    Column("claimed_subsidy_usd", USD, "claimed subsidy"),
    Column("claimed_revenue_usd", USD, "claimed revenue"),
    Column("claimed_usd", USD, "claimed"),
    Column("first_epoch_claimed", EPOCH, "first claim epoch"),
    Column("last_epoch_claimed", EPOCH, "last claim epoch"),
    Column("accounts", COUNT, "accounts"),
    Column("top_10_percent_share", SHARE, "top 10% share", none="no claims"),
    Column("gini", RATIO, "Gini coefficient", none="no claims"),
    # the settlement ledger: what accounts earned (contributors), and what is earned but not yet claimed (liabilities)
    Column("ledger", TEXT, "settlement ledger"),
    Column("earned_subsidy_tokens", TOKENS, "earned subsidy tokens"),
    Column("earned_subsidy_usd", USD, "earned subsidy"),
    Column("earned_revenue_usd", USD, "earned revenue"),
    Column("earned_usd", USD, "earned", quiet_none=True),
    Column("unclaimed_subsidy_tokens", TOKENS, "unclaimed subsidy tokens", quiet_none=True),
    Column("unclaimed_subsidy_usd", USD, "unclaimed subsidy"),
    Column("unclaimed_revenue_usd", USD, "unclaimed revenue", quiet_none=True),
    Column("unclaimed_usd", USD, "unclaimed", quiet_none=True),
    Column("first_epoch_earned", EPOCH, "first epoch earned"),
    Column("last_epoch_earned", EPOCH, "last epoch earned"),
    Column("top_10_percent_share_earned", SHARE, "top 10% share of earned", quiet_none=True),
    Column("gini_earned", RATIO, "Gini coefficient of earned", quiet_none=True),
    Column("closing_price_usd", PRICE, "closing price"),
    Column("circulating_supply_tokens", TOKENS, "circulating supply tokens"),
    Column("overhang_tokens", TOKENS, "overhang tokens (unclaimed subsidy)", quiet_none=True),
    Column("overhang_usd", USD, "overhang (unclaimed subsidy)", quiet_none=True),
    Column("overhang_share_of_supply", SHARE, "overhang share of supply", none="no supply minted yet", quiet_none=True),
    # supply: the nodes, their churn and their work
    Column("nodes_new", COUNT, "nodes new"),
    Column("nodes_retired", COUNT, "nodes retired"),
    Column("churn", SHARE, "churn"),
    Column("idle_share", SHARE, "idle share"),
    Column("work_p10", COUNT, "work p10"),
    Column("work_p50", COUNT, "work p50"),
    Column("work_p90", COUNT, "work p90"),
    Column("work_gini", RATIO, "work Gini"),
    Column("work_top_10_percent_share", SHARE, "work top 10% share"),
    Column("contributors_with_work", COUNT, "contributors with work"),
    Column("nodes_still_active", COUNT, "nodes still active (censored)"),
    Column("median_node_lifetime_epochs", COUNT, "median node life, epochs (Kaplan-Meier)",
           none="not reached: under half retired"),
    Column("retired_before_payback_share", SHARE, "retired nodes that never earned back the hardware",
           none="no retired nodes with node-level work"),
    # payback
    Column("scenario", TEXT, "scenario"),
    Column("reward_per_node_per_epoch_usd", USD, "reward per node per epoch"),
    Column("margin_per_epoch_usd", USD, "margin per epoch"),
    Column("payback_epochs", PAYBACK, "payback epochs", none="never", table_none=True),
    Column("payback_days", PAYBACK, "payback days", none="never", table_none=True),
    Column("prices_by_epoch", TEXT, "prices by epoch", prose=True),
    Column("hardware_cost_usd", USD, "hardware cost"),
    Column("opex_per_epoch_usd", USD, "opex per epoch"),
    Column("epochs_measured", COUNT, "epochs measured"),
    Column("tokens_per_node_per_epoch", TOKENS, "tokens per node per epoch"),
    Column("revenue_per_node_per_epoch_usd", USD, "revenue per node per epoch"),
    Column("current_price_usd", PRICE, "current price"),
    Column("break_even_price_usd", PRICE, "break-even price", none="none: revenue alone covers opex"),
    Column("payback_epochs_at_current_price", PAYBACK, "payback at the current price, epochs", none="never"),
    Column("payback_days_at_current_price", PAYBACK, "payback at the current price, days", none="never"),
)


def column(key: str) -> Column:
    try:
        return COLUMNS[key]
    except KeyError:
        raise KeyError(f"report value {key!r} has no declared kind in indexer.reports.columns") from None


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fixed(key: str, value: object, usd_decimals: int) -> object:
    """`value` as CSV and JSON carry it: rounded once, half-even, at its kind's scale."""
    kind = column(key).kind
    if value is None or kind.places == -1:
        return value
    places = usd_decimals if kind.places is None else kind.places
    exact = _decimal(value)
    if kind in (COUNT, EPOCH):
        if exact != exact.to_integral_value():
            raise ValueError(f"{key} is a count, not {value!r}")
        return int(exact)
    quantized = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    # A float holds every decimal of at most 15 significant digits exactly enough to print it back unchanged,
    # which shares, ratios and paybacks at these scales are: JSON's number is the rounded decimal itself.
    return float(quantized) if kind.number else text(quantized)


def finish_values(values: dict, usd_decimals: int) -> dict:
    return {key: fixed(key, value, usd_decimals) for key, value in values.items()}


def _thousands(value: Decimal, places: int) -> str:
    return f"{value:,.{places}f}"


def _money(value: Decimal, places: int) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${_thousands(abs(value), places)}"


def significant(value: Decimal, digits: int = 4) -> Decimal:
    """`value` to `digits` significant digits, never in exponent form: 0.0001234, 0.8341, 12.35, 1,235."""
    if value == 0:
        return Decimal(0)
    places = max(0, digits - 1 - value.adjusted())
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def display(key: str, value: object) -> str:
    """A value for a person: USD to the cent with separators, tokens to 4 decimals, prices to 4 significant
    digits, shares as percentages; an unknown value is empty (summaries say what unknown means)."""
    kind = column(key).kind
    if value is None:
        return ""
    if kind is TEXT:
        return str(value)
    number = _decimal(value)
    if kind is USD:
        return _money(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN), 2)
    if kind is TOKENS:
        return _thousands(number, 4)
    if kind is PRICE:
        rounded = significant(number)
        return _money(rounded, max(0, -rounded.as_tuple().exponent))
    if kind is SHARE:
        return f"{number * 100:.2f}%"
    if kind is RATIO:
        return f"{number:.4f}"
    if kind is PAYBACK:
        return _thousands(number, 2)
    if kind is COUNT:
        return f"{int(number):,}"
    return str(int(number))


def label(key: str) -> str:
    return column(key).label


def table_value(key: str, value: object) -> str:
    """A table cell: blank where the value is unknown, unless a blank would mislead (a payback that never comes)."""
    c = column(key)
    return c.none if value is None and c.table_none else display(key, value)


def summary_value(key: str, value: object) -> str:
    """A summary's value in words: never blank."""
    return display(key, value) if value is not None else column(key).none or "none"
