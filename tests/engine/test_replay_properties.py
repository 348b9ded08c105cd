"""Properties of the replay (SPEC 3, 5.3), checked on generated events through `preview`.

Every example writes a small package (two metrics, two usage products, a rate card with flat,
graduated and scheduled rates, two templates with a credit and commits, a scenario with two
customers) to a temporary directory, generates events with hypothesis, and replays them.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import compiler.engine.replay as replay_module
from compiler.api import preview, validate
from compiler.engine.invoice import BUCKETS, ReplayResult
from compiler.report.invoice_json import to_json

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PACKAGE = """\
package:
  name: property-pack
  rounding: half_up
"""

METRICS = """\
metrics:
  tokens:
    name: Tokens
    event_type: request
    aggregate: sum
    property: tokens
    filters:
      is_test: {exists: false}
    group_keys: [model, user]
  calls:
    name: Tool calls
    event_type: [call, tool_call]
    aggregate: count
    group_keys: [tool]
"""

TOKENS_PRESENTATION = "    presentation_group_keys: [user]\n"
CALLS_PRESENTATION = "    presentation_group_keys: [tool]\n"

PRODUCTS = """\
products:
  tokens:
    name: Tokens (per 1K)
    type: usage
    metric: tokens
    pricing_group_keys: [model]
{tokens_presentation}\
    quantity_conversion: {{divide_by: 1000}}
    tags: [usage]
  calls:
    name: Tool calls
    type: usage
    metric: calls
{calls_presentation}\
    tags: [usage]
  platform:
    name: Platform fee
    type: subscription
  promo:
    name: Promotional credit
    type: fixed
  minimum_spend:
    name: Minimum spend
    type: fixed
  prepaid:
    name: Prepaid usage
    type: fixed
"""

RATE_CARDS = """\
rate_cards:
  standard:
    name: Standard
    currency: USD
    rates:
      tokens:
        - pricing_group_values: {model: alpha}
          price: 1.3
          ending_before: 2026-11-20
        - pricing_group_values: {model: alpha}
          starting_at: 2026-11-20
          price: "1.17"
        - pricing_group_values: {model: beta}
          tier_mode: graduated
          tiers:
            - {up_to: 100, price: 2}
            - {up_to: 500, price: 1.5, flat: 1}
            - {price: 0.333}
      calls:
        - tiers:
            - {up_to: 2, price: 0}
            - {up_to: 20, price: 0.333}
            - {price: 0.10}
      platform:
        - {price: 99, billing_frequency: monthly}
"""

TEMPLATES = """\
contract_templates:
  payg:
    name: Pay as you go
    rate_card: standard
    billing: {frequency: monthly, anchor: first_of_month}
    credits:
      - {id: welcome, product: promo, amount: 5, access: {starting_month: 0, months: 1}}
  committed:
    name: Committed
    rate_card: standard
    duration_months: 3
    billing: {frequency: monthly, anchor: first_of_month}
    subscriptions:
      - {product: platform, quantity: 1, timing: in_advance, proration: daily}
    overrides:
      - {products: [tokens], multiplier: 0.9}
    commits:
      - id: floor
        type: postpaid
        product: minimum_spend
        amount: 300
        access: {starting_month: 0, months: 3}
        applies_to: {tags: [usage]}
      - id: upfront
        type: prepaid
        product: prepaid
        amount: 20
        access: {starting_month: 1, months: 2}
        invoice: [{month: 1, amount: 15}]
"""

SCENARIO = """\
scenario:
  description: Generated events for property tests
  period: {starting_at: 2026-11-01, ending_before: 2027-01-01}
  as_of: 2027-01-05T00:00:00Z
customers:
  acme:
    name: Acme
    ingest_aliases: [acme-prod]
    contracts:
      - {id: acme-payg, template: payg, starting_at: 2026-11-10}
  globex:
    name: Globex
    ingest_aliases: [globex-eu]
    contracts:
      - {id: globex-commit, template: committed, starting_at: 2026-10-01}
"""

EARLIEST = datetime(2026, 9, 15, tzinfo=UTC)  # generated timestamps lie in [EARLIEST, LATEST)
LATEST = datetime(2027, 1, 20, tzinfo=UTC)
ACME_START = datetime(2026, 11, 10, tzinfo=UTC)
GLOBEX_START = datetime(2026, 10, 1, tzinfo=UTC)
INVOICED_START = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_END = datetime(2027, 1, 1, tzinfo=UTC)
RATE_CHANGE = datetime(2026, 11, 20, tzinfo=UTC)
CUSTOMERS = {"acme": "acme", "acme-prod": "acme", "globex": "globex", "globex-eu": "globex"}


def write_package(
    directory: Path,
    *,
    tokens_presentation: bool = True,
    calls_presentation: bool = False,
    alpha_price: str = "1.3",
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    products = PRODUCTS.format(
        tokens_presentation=TOKENS_PRESENTATION if tokens_presentation else "",
        calls_presentation=CALLS_PRESENTATION if calls_presentation else "",
    )
    for name, text in (
        ("package.yaml", PACKAGE),
        ("metrics.yaml", METRICS),
        ("products.yaml", products),
        ("rate_cards.yaml", RATE_CARDS.replace("price: 1.3\n", f"price: {alpha_price}\n")),
        ("contract_templates.yaml", TEMPLATES),
    ):
        (directory / name).write_text(text, encoding="utf-8")
    scenario = directory / "scenarios" / "generated"
    scenario.mkdir(parents=True, exist_ok=True)
    (scenario / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    return scenario


def write_events(scenario: Path, files: list[list[str]]) -> None:
    """Replace the scenario's event files: one file per list of lines, read in name order."""
    for old in scenario.glob("*.jsonl"):
        old.unlink()
    for i, lines in enumerate(files):
        with (scenario / f"events-{i:02d}.jsonl").open("w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in lines)


@contextmanager
def package(**options: Any) -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="replay-props-") as root:
        directory = Path(root) / "pkg"
        yield directory, write_package(directory, **options)


def replay_once(directory: Path) -> ReplayResult:
    (result,) = preview(directory)
    return result


def invoices_json(result: ReplayResult) -> str:
    return json.dumps(json.loads(to_json(result))["invoices"], indent=1)


def bucket_counts(result: ReplayResult) -> dict[str, int]:
    return {name: getattr(result.accounting, name) for name in ("read", *BUCKETS)}


# --- generated events -------------------------------------------------------------------------


@dataclass(frozen=True)
class GenEvent:
    """A valid event and the accounting bucket it must land in (None: rated or unpriced)."""

    line: str
    expected: str | None
    flipped: str  # the same event with its quantity as a JSON number ↔ a decimal string


quantities = st.decimals(
    min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False
)
BOUNDARIES = [
    ACME_START,
    GLOBEX_START,
    INVOICED_START,
    RATE_CHANGE,
    datetime(2026, 12, 1, tzinfo=UTC),
    WINDOW_END,
]


def _seconds_after(start: datetime, end: datetime) -> st.SearchStrategy[datetime]:
    return st.integers(0, int((end - start).total_seconds()) - 1).map(
        lambda s: start + timedelta(seconds=s)
    )


# mostly inside the invoiced window, some anywhere, some on a boundary or just before it
instants = st.one_of(
    _seconds_after(INVOICED_START, WINDOW_END),
    _seconds_after(INVOICED_START, WINDOW_END),
    _seconds_after(INVOICED_START, WINDOW_END),
    _seconds_after(EARLIEST, LATEST),
    st.builds(
        lambda b, before: b - timedelta(seconds=before),
        st.sampled_from(BOUNDARIES),
        st.sampled_from([0, 1]),
    ),
)


def quantity_json(value: Decimal, as_string: bool) -> str:
    text = format(value, "f")
    return json.dumps(text) if as_string else text


def timestamp_text(moment: datetime, offset_minutes: int) -> str:
    if offset_minutes == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = moment + timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes > 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def expected_bucket(customer: str, moment: datetime, kind: str, props: dict[str, Any]) -> str:
    """The bucket SPEC 5.3 assigns a valid event of this generator (first that applies)."""
    owner = CUSTOMERS.get(customer)
    if owner is None:
        return "unknown_customer"
    if owner == "acme":
        if moment < ACME_START:
            return "outside_contract"
    elif not GLOBEX_START <= moment < WINDOW_END:
        return "outside_contract"
    if not INVOICED_START <= moment < WINDOW_END:
        return "outside_period"
    if kind == "ping" or (kind == "request" and "is_test" in props):
        return "unmetered"
    if kind == "request" and props.get("model") not in ("alpha", "beta"):
        return "unpriced"
    return "rated"


@st.composite
def valid_events(draw: st.DrawFn, txid: str, problems: bool = False) -> GenEvent:
    customer = draw(st.sampled_from([*CUSTOMERS, "initech"]))
    moment = draw(instants)
    kind = draw(st.sampled_from(["request", "request", "request", "call", "tool_call", "ping"]))
    props: dict[str, Any] = {}
    prop_text: list[str] = []
    flipped_tokens: str | None = None
    if kind == "request":
        model = draw(st.sampled_from(["alpha", "beta", "gamma", None]))
        user = draw(st.sampled_from(["u-1", "u-2", "u-3", None]))
        if model is not None:
            props["model"] = model
            prop_text.append(f'"model": {json.dumps(model)}')
        if user is not None:
            props["user"] = user
            prop_text.append(f'"user": {json.dumps(user)}')
        if problems and draw(st.integers(0, 9)) == 0:
            bad = draw(st.sampled_from(['"many"', '"1e3"', "true", '{"n": 1}', None]))
            if bad is not None:
                props["tokens"] = bad
                prop_text.append(f'"tokens": {bad}')
        else:
            amount = draw(quantities)
            props["tokens"] = amount
            as_string = draw(st.booleans())
            prop_text.append(f'"tokens": {quantity_json(amount, as_string)}')
            flipped_tokens = f'"tokens": {quantity_json(amount, not as_string)}'
        if draw(st.integers(0, 9)) == 0:
            props["is_test"] = True
            prop_text.append('"is_test": true')
    elif kind in ("call", "tool_call"):
        tool = draw(st.sampled_from(["search", "code", None]))
        if tool is not None:
            props["tool"] = tool
            prop_text.append(f'"tool": {json.dumps(tool)}')
    offset = draw(st.sampled_from([0, 0, 0, 120, -330]))
    head = (
        f'{{"transaction_id": {json.dumps(txid)}, "customer_id": {json.dumps(customer)}, '
        f'"event_type": {json.dumps(kind)}, '
        f'"timestamp": {json.dumps(timestamp_text(moment, offset))}, "properties": '
    )
    line = head + "{" + ", ".join(prop_text) + "}}"
    flipped = (
        head
        + "{"
        + ", ".join(
            flipped_tokens if flipped_tokens and p.startswith('"tokens"') else p for p in prop_text
        )
        + "}}"
    )
    expected: str | None = expected_bucket(customer, moment, kind, props)
    if expected == "rated" and kind == "request" and not isinstance(props.get("tokens"), Decimal):
        expected = None  # a missing or non-numeric quantity: rated or unpriced, but reported
    return GenEvent(line, expected, flipped)


def _non_blank(text: str) -> bool:
    return bool(text.strip())


garbage_lines = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]),
        min_size=1,
        max_size=40,
    ).filter(_non_blank),
    st.sampled_from(
        [
            "{}",
            "[1, 2, 3]",
            "null",
            '"just a string"',
            '{"transaction_id": "g-1"}',
            '{"transaction_id": "", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "2026-11-12T00:00:00Z"}',
            '{"transaction_id": "' + "x" * 129 + '", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "2026-11-12T00:00:00Z"}',
            '{"transaction_id": "g-2", "customer_id": 7, "event_type": "call", '
            '"timestamp": "2026-11-12T00:00:00Z"}',
            '{"transaction_id": "g-3", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "2026-11-12"}',
            '{"transaction_id": "g-4", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "2026-11-12T00:00:00"}',
            '{"transaction_id": "g-5", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "not a time"}',
            '{"transaction_id": "g-6", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "2026-11-12T00:00:00Z", "properties": [1]}',
            '{"transaction_id": "g-7", "customer_id": "acme", "event_type": "call", '
            '"timestamp": "2026-11-12T00:00:00Z", "properties": {"tool": NaN}}',
            '{"transaction_id": "g-8", "customer_id": "acme", "event_type": "call", ',
        ]
    ),
)


@st.composite
def clean_streams(draw: st.DrawFn, min_size: int = 1, max_size: int = 40) -> list[GenEvent]:
    """Valid events with distinct transaction IDs and numeric quantities."""
    count = draw(st.integers(min_size, max_size))
    return [draw(valid_events(f"tx-{i}")) for i in range(count)]


@dataclass(frozen=True)
class Stream:
    lines: list[str]
    expected: Counter[str]
    uncertain: int  # events that are rated or unpriced (a quantity problem)


@st.composite
def messy_streams(draw: st.DrawFn) -> Stream:
    """Valid events, garbage lines, exact and conflicting duplicates, problem quantities."""
    events = [draw(valid_events(f"tx-{i}", problems=True)) for i in range(draw(st.integers(0, 30)))]
    lines = [e.line for e in events]
    expected: Counter[str] = Counter(e.expected for e in events if e.expected is not None)
    uncertain = sum(1 for e in events if e.expected is None)
    for _ in range(draw(st.integers(0, 8))):
        lines.insert(draw(st.integers(0, len(lines))), draw(garbage_lines))
        expected["invalid"] += 1
    for _ in range(draw(st.integers(0, 6)) if events else 0):
        original = draw(st.sampled_from(events))
        txid = json.loads(original.line)["transaction_id"]
        if draw(st.booleans()):
            copy = original.line
        else:
            copy = draw(valid_events(txid, problems=True)).line  # same ID, other content
        after = lines.index(original.line) + 1
        lines.insert(draw(st.integers(after, len(lines))), copy)
        expected["duplicate"] += 1
    return Stream(lines, expected, uncertain)


# --- properties -------------------------------------------------------------------------------


def check_invoice_arithmetic(result: ReplayResult) -> None:
    for invoice in result.invoices:
        charges = [
            li for li in invoice.line_items if li.type not in ("credit_applied", "commit_applied")
        ]
        applied = [
            li
            for li in invoice.line_items
            if li.type in ("credit_applied", "commit_applied")
            and getattr(li, "commit_type", None) != "postpaid"
        ]
        where = f"{invoice.contract_id} {invoice.period.starting_at:%Y-%m-%d}"
        assert invoice.subtotal == sum((li.amount for li in charges), Decimal(0)), where
        assert invoice.applied == sum((li.amount for li in applied), Decimal(0)), where
        assert invoice.total == invoice.subtotal + invoice.applied, where
        for li in invoice.line_items:
            if li.type == "usage" and li.presentation is not None:
                assert sum((p.amount for p in li.presentation), Decimal(0)) == li.amount, where
                # no quantity rounding in this package, so sub-quantities add up exactly too
                assert sum((p.quantity for p in li.presentation), Decimal(0)) == li.quantity, where


@SETTINGS
@given(stream=messy_streams())
def test_invoice_totals_add_up(stream: Stream) -> None:
    """subtotal = Σ charge lines, total = subtotal + non-postpaid applications, sub-lines sum."""
    with package() as (directory, scenario):
        write_events(scenario, [stream.lines])
        check_invoice_arithmetic(replay_once(directory))


def _without_presentation(result: ReplayResult) -> Any:
    document = json.loads(to_json(result))
    for invoice in document["invoices"]:
        for line in invoice["line_items"]:
            line.pop("presentation", None)
    return document["invoices"], bucket_counts(result)


@settings(SETTINGS, max_examples=12)
@given(events=clean_streams(max_size=30))
def test_presentation_keys_never_change_an_amount(events: list[GenEvent]) -> None:
    """Removing or adding presentation keys changes sub-lines only, never a line or a total."""
    outcomes = []
    for tokens, calls in ((True, False), (False, False), (True, True)):
        with package(tokens_presentation=tokens, calls_presentation=calls) as (directory, sc):
            write_events(sc, [[e.line for e in events]])
            outcomes.append(_without_presentation(replay_once(directory)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] == outcomes[2]


@settings(SETTINGS, max_examples=20)
@given(events=clean_streams(), seed=st.randoms(use_true_random=False), files=st.integers(1, 4))
def test_order_and_files_never_change_an_invoice(
    events: list[GenEvent], seed: random.Random, files: int
) -> None:
    """Without duplicate IDs, shuffling events or splitting them over files changes nothing."""
    with package() as (directory, scenario):
        lines = [e.line for e in events]
        write_events(scenario, [lines])
        base = replay_once(directory)
        shuffled = lines[:]
        seed.shuffle(shuffled)
        cuts = sorted(seed.randint(0, len(shuffled)) for _ in range(files - 1))
        parts = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
        write_events(scenario, parts)
        moved = replay_once(directory)
    assert invoices_json(moved) == invoices_json(base)
    assert bucket_counts(moved) == bucket_counts(base)


@st.composite
def distinct_streams(draw: st.DrawFn) -> list[GenEvent]:
    """Valid events with distinct transaction IDs, some with a missing or non-numeric quantity."""
    count = draw(st.integers(1, 30))
    return [draw(valid_events(f"tx-{i}", problems=True)) for i in range(count)]


@settings(SETTINGS, max_examples=25)
@given(events=distinct_streams(), shape=st.sampled_from(["map", "struct"]))
def test_the_file_format_never_changes_an_invoice(events: list[GenEvent], shape: str) -> None:
    """The same events from JSON Lines and from Parquet, with `properties` a MAP of texts or a
    STRUCT (integer quantities typed BIGINT where every event's is an integer, which the reader
    tells numbers by their type), make the same invoices and the same accounting."""
    from tests.engine.test_parquet_events import write_parquet

    with package() as (directory, scenario):
        write_events(scenario, [[e.line for e in events]])
        from_json = to_json(replay_once(directory))
        write_events(scenario, [])
        write_parquet(
            scenario / "events.parquet",
            [json.loads(e.line, parse_float=Decimal) for e in events],
            shape,
        )
        with (scenario / "scenario.yaml").open("a", encoding="utf-8") as spec:
            spec.write("events: [events.parquet]\n")
        from_parquet = to_json(replay_once(directory))
    assert from_parquet == from_json


@settings(SETTINGS, max_examples=20)
@given(events=clean_streams())
def test_numbers_and_decimal_strings_are_the_same_quantity(events: list[GenEvent]) -> None:
    """A quantity written as a JSON number or as a decimal string is the same exact decimal."""
    with package() as (directory, scenario):
        write_events(scenario, [[e.line for e in events]])
        base = replay_once(directory)
        write_events(scenario, [[e.flipped for e in events]])
        flipped = replay_once(directory)
    assert invoices_json(flipped) == invoices_json(base)
    assert bucket_counts(flipped) == bucket_counts(base)


@settings(SETTINGS, max_examples=20)
@given(stream=messy_streams())
def test_replay_is_deterministic(stream: Stream) -> None:
    """The same package and events give byte-identical invoice JSON."""
    with package() as (directory, scenario):
        write_events(scenario, [stream.lines])
        first, second = to_json(replay_once(directory)), to_json(replay_once(directory))
    assert first == second


@settings(SETTINGS, max_examples=15)
@given(stream=messy_streams())
def test_the_store_in_memory_or_in_a_file_gives_one_replay(stream: Stream) -> None:
    """Where the replay keeps its events (store.held_in_memory picks by size) changes nothing."""
    with package() as (directory, scenario):
        write_events(scenario, [stream.lines])
        results = []
        original = replay_module.held_in_memory
        for kept_in_memory in (True, False):
            replay_module.held_in_memory = lambda _limit, _size, kept=kept_in_memory: kept
            try:
                results.append(to_json(replay_once(directory)))
            finally:
                replay_module.held_in_memory = original
    assert results[0] == results[1]


@settings(SETTINGS, max_examples=30)
@given(stream=messy_streams())
def test_every_event_lands_in_one_bucket(stream: Stream) -> None:
    """read = invalid + duplicate + ... + rated, each event in the bucket SPEC 5.3 names."""
    with package() as (directory, scenario):
        write_events(scenario, [stream.lines])
        result = replay_once(directory)
    counts = bucket_counts(result)
    assert counts["read"] == len(stream.lines)
    assert counts["read"] == sum(counts[b] for b in BUCKETS)
    for bucket in (
        "invalid",
        "duplicate",
        "unknown_customer",
        "outside_contract",
        "outside_period",
        "unmetered",
    ):
        assert counts[bucket] == stream.expected[bucket], bucket
    assert (
        stream.expected["unpriced"]
        <= counts["unpriced"]
        <= (stream.expected["unpriced"] + stream.uncertain)
    )
    assert counts["rated"] + counts["unpriced"] == (
        stream.expected["rated"] + stream.expected["unpriced"] + stream.uncertain
    )
    assert len(result.accounting.rejected) == counts["invalid"]
    check_invoice_arithmetic(result)


@settings(SETTINGS, max_examples=20)
@given(stream=messy_streams())
def test_dedup_is_idempotent(stream: Stream) -> None:
    """Appending an exact copy of the events file changes no invoice; its events are duplicates."""
    with package() as (directory, scenario):
        write_events(scenario, [stream.lines])
        once = replay_once(directory)
        write_events(scenario, [stream.lines + stream.lines])
        twice = replay_once(directory)
    assert invoices_json(twice) == invoices_json(once)
    before, after = bucket_counts(once), bucket_counts(twice)
    parsed = before["read"] - before["invalid"]
    assert after["read"] == 2 * before["read"]
    assert after["invalid"] == 2 * before["invalid"]
    assert after["duplicate"] == before["duplicate"] + parsed
    for bucket in (
        "unknown_customer",
        "outside_contract",
        "outside_period",
        "unmetered",
        "unpriced",
        "rated",
    ):
        assert after[bucket] == before[bucket], bucket


def request_line(txid: str, tokens: str) -> str:
    return (
        f'{{"transaction_id": "{txid}", "customer_id": "acme", "event_type": "request", '
        f'"timestamp": "2026-11-12T00:00:00Z", '
        f'"properties": {{"model": "alpha", "tokens": {tokens}}}}}'
    )


@settings(SETTINGS, max_examples=10)
@example(tokens=Decimal("5E+28"), count=2)
@given(
    tokens=st.decimals(min_value=0, max_value=Decimal(10**29) - 1, places=0),
    count=st.integers(1, 3),
)
def test_quantities_as_large_as_a_property_holds_never_crash(tokens: Decimal, count: int) -> None:
    """A quantity of any size (a number up to 20 integer digits, else non-numeric) replays or is
    reported; nothing stops the run (SPEC 3.1, 6)."""
    with package() as (directory, scenario):
        write_events(scenario, [[request_line(f"t{i}", format(tokens, "f")) for i in range(count)]])
        result = replay_once(directory)
    counts = bucket_counts(result)
    assert counts["read"] == sum(counts[b] for b in BUCKETS) == count


@settings(SETTINGS, max_examples=10)
@example(price="1E+28")
@given(price=st.decimals(min_value=0, max_value=Decimal(10) ** 40, places=0).map(str))
def test_a_price_that_validates_replays(price: str) -> None:
    """A rate that `plan validate` accepts prices usage without an exception; one it refuses
    (out of the decimal range) never reaches the replay."""
    with package(alpha_price=f'"{price}"') as (directory, scenario):
        write_events(scenario, [[request_line("t0", "1000")]])
        if not validate(directory).ok:
            assert Decimal(price) >= 10**20
            return
        replay_once(directory)
