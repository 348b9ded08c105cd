"""Usage rating rules (SPEC 3.1-3.3, 5.3), each on a tiny package with hand-computed money.

Every expected amount has its arithmetic beside it. The package is one metric per aggregate,
one product per metric, one rate card and one self-serve contract for customer `acme`
(alias `acme-prod`) from 2026-11-01, replayed over November 2026.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import compiler
from compiler.engine.invoice import Invoice, ReplayResult, UsageLine
from tests.support import write_package

METRICS = """
metrics:
  tokens:
    name: Tokens
    event_type: request
    aggregate: sum
    property: tokens
    group_keys: [model, user]
  calls:
    name: Calls
    event_type: request
    aggregate: count
    group_keys: [model]
  peak:
    name: Peak storage
    event_type: storage
    aggregate: max
    property: gb
  users:
    name: Active users
    event_type: login
    aggregate: unique
    property: user
  seats:
    name: Seats (latest reading)
    event_type: seat_count
    aggregate: latest
    property: seats
"""

PRODUCTS = """
products:
  tokens:
    name: Tokens (per 1M)
    type: usage
    metric: tokens
    pricing_group_keys: [model]
    presentation_group_keys: [user]
    quantity_conversion: {divide_by: 1000000}
  calls: {name: Calls, type: usage, metric: calls, pricing_group_keys: [model]}
  peak: {name: Peak storage, type: usage, metric: peak}
  users: {name: Active users, type: usage, metric: users}
  seats: {name: Seats, type: usage, metric: seats}
"""

DEFAULT_RATES = """
      tokens:
        - {pricing_group_values: {model: a}, price: 2}
      calls:
        - {pricing_group_values: {model: a}, price: 0.01}
      peak:
        - {price: 0.10}
      users:
        - {price: 5}
      seats:
        - {price: 3}
"""


def replay(
    tmp_path: Path,
    events: list[dict[str, Any] | str],
    rates: str = DEFAULT_RATES,
    rounding: str = "half_up",
    products: str = PRODUCTS,
) -> ReplayResult:
    lines = [e if isinstance(e, str) else json.dumps(e) for e in events]
    write_package(
        tmp_path,
        {
            "package.yaml": f"package: {{name: rules, rounding: {rounding}}}\n",
            "metrics.yaml": METRICS,
            "products.yaml": products,
            "rate_cards.yaml": "rate_cards:\n  list:\n    name: List\n    currency: USD\n"
            "    rates:\n" + rates.strip("\n") + "\n",
            "contract_templates.yaml": (
                "contract_templates:\n  payg: {name: PAYG, rate_card: list}\n"
            ),
            "scenarios/nov/scenario.yaml": """
            scenario:
              period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
              as_of: 2026-12-03T00:00:00Z
            customers:
              acme:
                name: Acme
                ingest_aliases: [acme-prod]
                contracts: [{id: acme-1, template: payg, starting_at: 2026-11-01}]
            """,
            "scenarios/nov/events.jsonl": "\n".join(lines) + "\n",
        },
    )
    (result,) = compiler.preview(tmp_path)
    return result


_counter = iter(range(1, 1_000_000))


def request(
    tokens: Any = None,
    model: str = "a",
    user: str = "u1",
    at: str = "2026-11-10T12:00:00Z",
    txid: str | None = None,
    customer: str = "acme",
    **extra: Any,
) -> dict[str, Any]:
    properties: dict[str, Any] = {"model": model, "user": user, **extra}
    if tokens is not None:
        properties["tokens"] = tokens
    return {
        "transaction_id": txid or f"t{next(_counter)}",
        "customer_id": customer,
        "event_type": "request",
        "timestamp": at,
        "properties": properties,
    }


def event(event_type: str, at: str = "2026-11-10T12:00:00Z", **properties: Any) -> dict[str, Any]:
    return {
        "transaction_id": f"t{next(_counter)}",
        "customer_id": "acme",
        "event_type": event_type,
        "timestamp": at,
        "properties": properties,
    }


def only_invoice(result: ReplayResult) -> Invoice:
    (invoice,) = result.invoices
    return invoice


def lines(result: ReplayResult, product: str) -> list[UsageLine]:
    return [
        line
        for line in only_invoice(result).line_items
        if isinstance(line, UsageLine) and line.product_id == product
    ]


GRADUATED = """
      tokens:
        - pricing_group_values: {model: a}
          tiers: [{up_to: 1, price: 75}, {up_to: 5, price: 60}, {price: 50}]
"""


def test_quantity_exactly_at_a_graduated_tier_bound_stays_in_that_tier(tmp_path: Path) -> None:
    result = replay(tmp_path, [request(600_000), request(400_000)], GRADUATED)
    (line,) = lines(result, "tokens")
    # 1,000,000 tokens = 1M, exactly tier 1's up_to: 1 × 75 = 75.00; tier 2 is not entered
    assert line.quantity == Decimal(1)
    assert [(t.tier, t.quantity, t.amount) for t in line.tiers or []] == [(1, 1, 75)]
    assert line.amount == Decimal("75.00")


def test_volume_tier_at_its_bound_prices_every_unit_in_that_tier(tmp_path: Path) -> None:
    rates = """
      tokens:
        - pricing_group_values: {model: a}
          tier_mode: volume
          tiers: [{up_to: 2, price: 10, flat: 1}, {price: 8, flat: 5}]
"""
    at_bound = replay(tmp_path / "a", [request(2_000_000)], rates)
    # total 2M reaches tier 1 (inclusive up_to): 2 × 10 + flat 1 = 21.00
    assert lines(at_bound, "tokens")[0].amount == Decimal("21.00")
    past = replay(tmp_path / "b", [request(2_500_000)], rates)
    # total 2.5M reaches tier 2: every unit at 8, 2.5 × 8 + flat 5 = 25.00
    assert lines(past, "tokens")[0].amount == Decimal("25.00")


def test_fractional_quantity_over_graduated_tiers(tmp_path: Path) -> None:
    rates = """
      tokens:
        - pricing_group_values: {model: a}
          tiers: [{up_to: 1, price: 10}, {up_to: 2, price: 20}, {price: 30}]
"""
    result = replay(tmp_path, [request(2_500_000)], rates)
    # SPEC 2.4: 2.5 units cost 1 × 10 + 1 × 20 + 0.5 × 30 = 10 + 20 + 15 = 45
    assert lines(result, "tokens")[0].amount == Decimal("45.00")


def test_zero_usage_gives_a_zero_line_and_no_usage_gives_none(tmp_path: Path) -> None:
    zero = replay(tmp_path / "zero", [request(0)])
    (line,) = lines(zero, "tokens")
    # 0 tokens × 2 = 0.00
    assert (line.quantity, line.amount) == (Decimal(0), Decimal("0.00"))
    nothing = replay(tmp_path / "none", [event("storage", gb=0)])
    assert lines(nothing, "tokens") == []
    # a peak of 0 GB × 0.10 = 0.00: the invoice exists and totals zero
    assert only_invoice(nothing).total == Decimal("0.00")


MID_PERIOD_CHANGE = """
      tokens:
        - {pricing_group_values: {model: a}, price: 3.00, ending_before: 2026-11-15}
        - {pricing_group_values: {model: a}, price: 2.40, starting_at: 2026-11-15}
"""


def test_rate_change_mid_period_splits_the_line(tmp_path: Path) -> None:
    result = replay(
        tmp_path,
        [
            request(1_000_000, at="2026-11-10T00:00:00Z"),
            request(500_000, at="2026-11-15T00:00:00Z"),  # exactly at the change: the new price
            request(500_000, at="2026-11-30T23:59:59Z"),
        ],
        MID_PERIOD_CHANGE,
    )
    before, after = lines(result, "tokens")
    # before: 1M × 3.00 = 3.00 over [11-01, 11-15)
    assert (before.ending_before.day, before.quantity, before.amount) == (15, 1, Decimal("3.00"))
    # after: (0.5M + 0.5M) × 2.40 = 2.40 over [11-15, 12-01)
    assert (after.starting_at.day, after.quantity, after.amount) == (15, 1, Decimal("2.40"))
    # 3.00 + 2.40 = 5.40
    assert only_invoice(result).total == Decimal("5.40")


def test_tiers_keep_counting_across_segments_of_a_period(tmp_path: Path) -> None:
    rates = """
      tokens:
        - pricing_group_values: {model: a}
          ending_before: 2026-11-15
          tiers: [{up_to: 1, price: 10}, {price: 8}]
        - pricing_group_values: {model: a}
          starting_at: 2026-11-15
          tiers: [{up_to: 1, price: 20}, {price: 16}]
"""
    result = replay(
        tmp_path,
        [request(800_000, at="2026-11-05T00:00:00Z"), request(500_000, at="2026-11-20T00:00:00Z")],
        rates,
    )
    first, second = lines(result, "tokens")
    # first segment: 0.8 in tier 1 at the old price: 0.8 × 10 = 8.00
    assert first.amount == Decimal("8.00")
    # second segment starts at 0.8 already used: 0.2 × 20 (rest of tier 1) + 0.3 × 16 = 4 + 4.8
    assert second.amount == Decimal("8.80")


def test_numbers_as_strings_and_exact_json_numbers(tmp_path: Path) -> None:
    rates = """
      tokens:
        - {pricing_group_values: {model: a}, price: 1000000}
"""
    result = replay(
        tmp_path,
        [
            request("1500"),  # a decimal string counts
            '{"transaction_id": "big", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10T00:00:00Z", '
            '"properties": {"model": "a", "user": "u1", "tokens": 12345678901234.565}}',
        ],
        rates,
    )
    (line,) = lines(result, "tokens")
    # (1500 + 12,345,678,901,234.565) / 1M = 12,345,678.902734565 units × 1,000,000 per unit
    # = 12,345,678,902,734.565 → 12,345,678,902,734.57 (half_up); a double would give .56
    assert line.quantity == Decimal("12345678.902734565")
    assert line.amount == Decimal("12345678902734.57")


def test_missing_and_non_numeric_properties_count_nothing_and_are_reported(
    tmp_path: Path,
) -> None:
    result = replay(
        tmp_path,
        [
            request(1_000_000),
            request(txid="no-tokens"),  # property missing
            request("lots", txid="word"),  # not a number
            request(True, txid="flag"),  # a boolean is not a number
        ],
    )
    (line,) = lines(result, "tokens")
    # only the 1M counts: 1 × 2 = 2.00
    assert line.amount == Decimal("2.00")
    problems = result.accounting.metric_problems["tokens"]
    assert (problems["missing"].events, problems["missing"].examples) == (1, ["no-tokens"])
    assert (problems["non_numeric"].events, problems["non_numeric"].examples) == (
        2,
        ["word", "flag"],
    )
    # still metered and priced by `calls` (count): 4 calls × 0.01 = 0.04
    assert lines(result, "calls")[0].amount == Decimal("0.04")
    assert result.accounting.rated == 4


def test_events_at_period_start_are_in_and_at_period_end_are_out(tmp_path: Path) -> None:
    result = replay(
        tmp_path,
        [
            request(1_000_000, at="2026-11-01T00:00:00Z", txid="at-start"),
            request(1_000_000, at="2026-12-01T00:00:00Z", txid="at-end"),
        ],
    )
    # only the start event: 1M × 2 = 2.00
    assert lines(result, "tokens")[0].amount == Decimal("2.00")
    assert result.accounting.outside_period == 1
    assert result.accounting.examples["outside_period"] == ["at-end"]


def test_conflicting_duplicate_keeps_the_first_and_is_reported(tmp_path: Path) -> None:
    result = replay(
        tmp_path,
        [
            request(1_000_000, txid="dup"),
            request(1_000_000, txid="dup"),  # same content: a plain retry
            request(9_000_000, txid="dup"),  # differs: a conflict
        ],
    )
    # the first wins: 1M × 2 = 2.00 (never 9M)
    assert lines(result, "tokens")[0].amount == Decimal("2.00")
    assert result.accounting.duplicate == 2
    assert [c.transaction_id for c in result.accounting.conflicts] == ["dup"]


def test_unpriced_group_values_are_reported_not_charged(tmp_path: Path) -> None:
    result = replay(tmp_path, [request(1_000_000), request(3_000_000, model="z", txid="zz")])
    (line,) = lines(result, "tokens")
    assert line.pricing_group_values == {"model": "a"}
    (unpriced,) = [u for u in result.accounting.unpriced_usage if u.product_id == "tokens"]
    # 3M tokens of model z: 3 units, no rate
    assert (unpriced.pricing_group_values, unpriced.quantity) == ({"model": "z"}, Decimal(3))
    # the z event is unpriced for both tokens and calls (calls has no rate for z either)
    assert (result.accounting.unpriced, result.accounting.rated) == (1, 1)
    assert result.accounting.examples["unpriced"] == ["zz"]


def test_bucket_examples_are_the_first_events_read_across_groups(tmp_path: Path) -> None:
    """Accounting classifies groups of alike events (same contract, slice, event type and
    pricing values); a bucket's examples must still be its first three events in input order,
    even when they come from different groups, interleaved."""
    result = replay(
        tmp_path,
        [
            request(1, model="y", txid="y1"),
            event("click"),
            request(1, model="z", txid="z1", at="2026-11-02T00:00:00Z"),
            request(1_000_000, txid="a1"),  # rated: model a has a rate
            request(1, model="y", txid="y2"),
            event("click"),
            request(1, model="z", txid="z2"),
        ],
    )
    # unpriced: y1, z1, y2, z2 in input order (groups y and z interleave); first three kept
    assert result.accounting.examples["unpriced"] == ["y1", "z1", "y2"]
    assert (result.accounting.unpriced, result.accounting.rated) == (4, 1)
    assert result.accounting.unmetered == 2


def test_problem_examples_are_the_first_events_read_across_groups(tmp_path: Path) -> None:
    """The problem report reads the accounting groups too: its examples must be the first
    three problem events in input order, whichever groups (here, models) they fall in."""
    result = replay(
        tmp_path,
        [
            request("x", model="b", txid="b1"),
            request("x", model="a", txid="a1", at="2026-11-20T00:00:00Z"),
            request(1_000_000),
            request("x", model="b", txid="b2"),
            request("x", model="c", txid="c1"),
        ],
    )
    problem = result.accounting.metric_problems["tokens"]["non_numeric"]
    assert (problem.events, problem.examples) == (4, ["b1", "a1", "b2"])


def test_presentation_sub_lines_split_the_amount_by_largest_remainder(tmp_path: Path) -> None:
    rates = """
      tokens:
        - {pricing_group_values: {model: a}, price: 1}
"""
    result = replay(
        tmp_path,
        [
            request(1_000_000, user="u1"),
            request(1_000_000, user="u2"),
            request(1_000_000, user="u3"),
        ],
        rates,
    )
    (line,) = lines(result, "tokens")
    # 3M × 1 = 3.00 in all; split 1:1:1 = 1.00 each
    assert [p.amount for p in line.presentation or []] == [Decimal("1.00")] * 3
    odd = replay(
        tmp_path / "odd",
        [request(1, user="u1"), request(1, user="u2"), request(1, user="u3")],
        "      tokens:\n        - {pricing_group_values: {model: a}, price: 10000}\n",
    )
    (line,) = lines(odd, "tokens")
    # 3 tokens = 0.000003 units × 10000 = 0.03 → 0.01 each, exactly
    assert [p.amount for p in line.presentation or []] == [Decimal("0.01")] * 3
    uneven = replay(
        tmp_path / "uneven",
        [request(1, user="u1"), request(1, user="u2"), request(1, user="u3")],
        "      tokens:\n        - {pricing_group_values: {model: a}, price: 3e4}\n".replace(
            "3e4", "33334"
        ),
    )
    (line,) = lines(uneven, "tokens")
    # 0.000003 × 33334 = 0.100002 → 0.10; thirds of 0.10 are 0.0333..: 3 cents go 1 each,
    # the leftover cent to the first (ties by order): 0.04, 0.03, 0.03
    assert [p.amount for p in line.presentation or []] == [
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.03"),
    ]
    assert sum(p.amount for p in line.presentation or []) == line.amount


def test_max_unique_and_latest_aggregates(tmp_path: Path) -> None:
    result = replay(
        tmp_path,
        [
            event("storage", gb=120, at="2026-11-02T00:00:00Z"),
            event("storage", gb="250.5", at="2026-11-03T00:00:00Z"),
            event("storage", gb=90, at="2026-11-04T00:00:00Z"),
            event("login", user="ann"),
            event("login", user="bob"),
            event("login", user="ann"),
            event("seat_count", seats=10, at="2026-11-05T00:00:00Z"),
            event("seat_count", seats=12, at="2026-11-20T00:00:00Z"),
            event("seat_count", seats=11, at="2026-11-20T00:00:00Z"),  # same instant, read later
            event("seat_count", seats=30, at="2026-11-07T00:00:00Z"),
        ],
    )
    # max: 250.5 GB × 0.10 = 25.05
    assert lines(result, "peak")[0].amount == Decimal("25.05")
    # unique: ann and bob = 2 × 5 = 10.00
    assert lines(result, "users")[0].amount == Decimal("10.00")
    # latest: the greatest timestamp is 11-20, tie to the later line read: 11 × 3 = 33.00
    assert lines(result, "seats")[0].amount == Decimal("33.00")


def test_rounding_mode_half_even_rounds_line_amounts_once(tmp_path: Path) -> None:
    rates = "      tokens:\n        - {pricing_group_values: {model: a}, price: 0.005}\n"
    up = replay(tmp_path / "up", [request(1_000_000)], rates)
    even = replay(tmp_path / "even", [request(1_000_000)], rates, rounding="half_even")
    # 1 × 0.005 = 0.005: half_up → 0.01, half_even → 0.00
    assert lines(up, "tokens")[0].amount == Decimal("0.01")
    assert lines(even, "tokens")[0].amount == Decimal("0.00")


def test_conversion_then_quantity_rounding(tmp_path: Path) -> None:
    products = PRODUCTS.replace(
        "quantity_conversion: {divide_by: 1000000}",
        "quantity_conversion: {divide_by: 3600}\n"
        "    quantity_rounding: {decimal_places: 2, method: up}",
    )
    rates = "      tokens:\n        - {pricing_group_values: {model: a}, price: 2.50}\n"
    result = replay(tmp_path, [request(3601)], rates, products=products)
    (line,) = lines(result, "tokens")
    # 3601 s / 3600 = 1.000277.. h, rounded up to 2 places = 1.01 h × 2.50 = 2.525 → 2.53
    assert (line.quantity, line.amount) == (Decimal("1.01"), Decimal("2.53"))


def test_aliases_route_events_and_unknown_customers_are_counted(tmp_path: Path) -> None:
    result = replay(
        tmp_path,
        [
            request(1_000_000, customer="acme-prod"),
            request(1_000_000, customer="nobody", txid="who"),
        ],
    )
    # the alias counts for acme: 1M × 2 = 2.00
    assert lines(result, "tokens")[0].amount == Decimal("2.00")
    assert result.accounting.unknown_customer == 1
    assert result.accounting.examples["unknown_customer"] == ["who"]


def test_malformed_lines_are_rejected_with_a_reason(tmp_path: Path) -> None:
    result = replay(
        tmp_path,
        [
            "{not json",
            '{"transaction_id": "", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10T00:00:00Z"}',
            '{"transaction_id": "x", "customer_id": "acme", "event_type": "request", '
            '"timestamp": "2026-11-10"}',
            '["an", "array"]',
            request(1_000_000),
        ],
    )
    reasons = [r.reason for r in result.accounting.rejected]
    assert len(reasons) == 4 and result.accounting.invalid == 4
    assert reasons[0].startswith("invalid JSON")
    assert "transaction_id" in reasons[1]
    assert "timestamp" in reasons[2]
    assert result.accounting.rejected[0].line == 1
    # the one good event is rated: 5 read = 4 invalid + 1 rated
    assert (result.accounting.read, result.accounting.rated) == (5, 1)


def test_gzipped_events_read_the_same(tmp_path: Path) -> None:
    import gzip

    events = [request(1_000_000), request(500_000, model="a", user="u2")]
    plain = replay(tmp_path / "plain", events)
    zipped_dir = tmp_path / "zipped"
    replay(zipped_dir, events)  # writes the package; now swap the file for its .gz
    scenario = zipped_dir / "scenarios/nov"
    text = (scenario / "events.jsonl").read_bytes()
    (scenario / "events.jsonl").unlink()
    (scenario / "events.jsonl.gz").write_bytes(gzip.compress(text))
    (zipped,) = compiler.preview(zipped_dir)
    # tokens 1.5M × 2 = 3.00, plus 2 calls × 0.01 = 0.02: 3.02, from either file
    assert only_invoice(zipped).total == only_invoice(plain).total == Decimal("3.02")
    assert zipped.accounting.read == 2


def test_trailing_zeros_past_nine_places_are_still_a_number(tmp_path: Path) -> None:
    result = replay(
        tmp_path, [request("1500000.50000000000"), request("0.0000000001", txid="too-precise")]
    )
    (line,) = lines(result, "tokens")
    # 1,500,000.5 tokens = 1.5000005 units × 2 = 3.000001 → 3.00; the value needing a 10th
    # decimal place is reported, never rounded silently
    assert (line.quantity, line.amount) == (Decimal("1.5000005"), Decimal("3.00"))
    assert result.accounting.metric_problems["tokens"]["non_numeric"].examples == ["too-precise"]


def test_a_number_with_a_vast_exponent_is_no_quantity_and_stops_nothing(tmp_path: Path) -> None:
    """1e999999999 written out would be a billion digits: it keeps its exponent form, which is
    no number to a metric (a `non_numeric` problem); a zero is zero whatever its exponent."""

    def line(txid: str, tokens: str) -> str:
        return (
            f'{{"transaction_id": "{txid}", "customer_id": "acme", "event_type": "request", '
            f'"timestamp": "2026-11-10T00:00:00Z", '
            f'"properties": {{"model": "a", "user": "u1", "tokens": {tokens}}}}}'
        )

    result = replay(
        tmp_path,
        [
            request(1_000_000),
            line("vast", "1e999999999"),
            line("tiny", "1E-999999999"),
            line("zero", "0e-999999999"),
            line("wide", "1e1000"),  # 1,001 digits: written out, and no number (over 20 digits)
        ],
    )
    (tokens,) = lines(result, "tokens")
    # 1,000,000 + 0 tokens = 1 unit × 2 = 2.00
    assert (tokens.quantity, tokens.amount) == (Decimal("1"), Decimal("2.00"))
    problems = result.accounting.metric_problems["tokens"]["non_numeric"]
    assert (problems.events, problems.examples) == (3, ["vast", "tiny", "wide"])
    assert result.accounting.rated == 5


def test_replay_gives_the_cycle_collector_back_even_when_it_fails(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Replay pauses CPython's cycle collector while it builds its objects, never for good."""
    import gc

    import compiler.engine.replay as engine

    replay(tmp_path / "ok", [request(1)])
    assert gc.isenabled()

    def fail(*args: Any) -> None:
        assert not gc.isenabled()
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "_replay", fail)
    with pytest.raises(RuntimeError, match="boom"):
        replay(tmp_path / "failing", [request(1)])
    assert gc.isenabled()


def test_dedup_stays_exact_when_transaction_id_hashes_collide(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Duplicates are found by grouping a hash of the IDs first; with every ID colliding,
    only an ID read twice is a duplicate all the same."""
    import compiler.engine.attribution as attribution

    monkeypatch.setattr(attribution, "ID_HASH", "42")
    result = replay(
        tmp_path,
        [request(1_000_000, txid="a"), request(1_000_000, txid="b"), request(9, txid="a")],
    )
    # a and b count, the second a is a duplicate (and a conflict): (1M + 1M) × 2 / 1M = 4.00
    assert lines(result, "tokens")[0].amount == Decimal("4.00")
    assert (result.accounting.duplicate, result.accounting.rated) == (1, 2)
    assert [c.transaction_id for c in result.accounting.conflicts] == ["a"]
