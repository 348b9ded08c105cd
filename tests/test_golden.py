"""Golden invoices: every example scenario's invoice JSON, snapshot-tested through syrupy.

`golden/<package>/<scenario>.json` is byte-for-byte what `plan preview --format json` prints.
`pytest --snapshot-update` rewrites them; a golden file changes only with a reason in the commit.
Beside the snapshots, one customer per golden file is checked by hand below, with quantities
from an independent reading of the events file and the arithmetic written out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

import compiler
from compiler.engine.invoice import ReplayResult
from compiler.report.invoice_json import to_json
from tests.support import PACKAGES, REPO

GOLDEN = REPO / "golden"

SCENARIOS = sorted(
    (package.name, scenario.name)
    for package in PACKAGES.iterdir()
    if package.is_dir()
    for scenario in (package / "scenarios").glob("*")
    if (scenario / "scenario.yaml").is_file()
)


class GoldenInvoice(JSONSnapshotExtension):
    """Snapshots at golden/<package>/<scenario>.json, exactly as the invoice JSON prints."""

    package: ClassVar[str]
    scenario: ClassVar[str]

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(GOLDEN / cls.package)

    @classmethod
    def get_snapshot_name(cls, *, test_location: Any, index: Any = 0) -> str:
        return cls.scenario

    def serialize(self, data: Any, **kwargs: Any) -> str:
        assert isinstance(data, str)
        return data


def golden_extension(package: str, scenario: str) -> type[GoldenInvoice]:
    return type("GoldenInvoice", (GoldenInvoice,), {"package": package, "scenario": scenario})


_results: dict[tuple[str, str], ReplayResult] = {}


def result_of(package: str, scenario: str) -> ReplayResult:
    key = (package, scenario)
    if key not in _results:
        (_results[key],) = compiler.preview(PACKAGES / package, scenario)
    return _results[key]


@pytest.mark.parametrize(("package", "scenario"), SCENARIOS, ids=[f"{p}/{s}" for p, s in SCENARIOS])
def test_golden_invoices(package: str, scenario: str, snapshot: Any) -> None:
    assert to_json(result_of(package, scenario)) == snapshot.use_extension(
        golden_extension(package, scenario)
    )


def test_no_orphaned_golden_files() -> None:
    """A golden file whose scenario is gone fails the suite (syrupy sees only used folders)."""
    expected = {GOLDEN / p / f"{s}.json" for p, s in SCENARIOS}
    present = set(GOLDEN.glob("**/*.json"))
    assert sorted(present - expected) == []


# --- hand checks --------------------------------------------------------------------------


def invoice(result: ReplayResult, customer: str, start: str) -> dict[str, Any]:
    document = json.loads(to_json(result))
    (found,) = [
        i
        for i in document["invoices"]
        if i["customer_id"] == customer and i["period"]["starting_at"].startswith(start)
    ]
    return found


def usage_amounts(inv: dict[str, Any]) -> dict[tuple[str, str | None, str], tuple[str, str]]:
    """(product, model, segment start day) → (quantity, amount) of the usage lines."""
    return {
        (
            line["product_id"],
            line["pricing_group_values"].get("model_name"),
            line["starting_at"][:10],
        ): (line["quantity"], line["amount"])
        for line in inv["line_items"]
        if line["type"] == "usage"
    }


def reference_token_sums(
    events: Path, customer_ids: set[str], start: str, end: str, split: str | None = None
) -> dict[tuple[str, str, bool], Decimal]:
    """Independent of the engine: (property, model, after split) → summed tokens.

    First occurrence of a transaction ID wins; invalid lines, other customers, other times,
    test traffic and non-numeric values are skipped.
    """
    sums: dict[tuple[str, str, bool], Decimal] = defaultdict(Decimal)
    seen: set[str] = set()
    for text in events.read_text().splitlines():
        try:
            event = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        except ValueError:
            continue
        if event["transaction_id"] in seen:
            continue
        seen.add(event["transaction_id"])
        moment = event["timestamp"].replace("+01:00", "")  # the one offset event, see below
        if (
            event["customer_id"] not in customer_ids
            or event["event_type"] != "llm_request"
            or "is_test" in event["properties"]
        ):
            continue
        if event["timestamp"].endswith("+01:00"):
            moment = "2026-11-30T23:30:00Z"  # 2026-12-01T00:30:00+01:00 in UTC
        if not start <= moment < end:
            continue
        after = split is not None and moment >= split
        for prop in ("input_tokens", "output_tokens"):
            value = event["properties"].get(prop)
            try:
                sums[(prop, event["properties"]["model_name"], after)] += Decimal(value)
            except (TypeError, ArithmeticError):
                continue
    return sums


def test_ai_platform_november_pixelforge_by_hand() -> None:
    """PixelForge is on self-serve: list prices, no terms, so its invoice is its usage."""
    result = result_of("ai-platform", "november")
    sums = reference_token_sums(
        PACKAGES / "ai-platform/scenarios/november/events.jsonl",
        {"pixelforge", "pixelforge-app"},
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        split="2026-11-15T00:00:00Z",
    )
    # Token counts from the events (both halves of the month where no price changed).
    large_in = (
        sums[("input_tokens", "kestrel-large", False)]
        + sums[("input_tokens", "kestrel-large", True)]
    )
    assert large_in == 7_611_586
    assert sums[("input_tokens", "kestrel-medium", False)] == 573_227
    assert sums[("input_tokens", "kestrel-medium", True)] == 456_277
    large_out = (
        sums[("output_tokens", "kestrel-large", False)]
        + sums[("output_tokens", "kestrel-large", True)]
    )
    assert large_out == 1_152_402

    inv = invoice(result, "pixelforge", "2026-11-01")
    assert usage_amounts(inv) == {
        # 7.611586M × 15.00 = 114.17379 → 114.17
        ("input_tokens", "kestrel-large", "2026-11-01"): ("7.611586", "114.17"),
        # before the 11-15 cut: 0.573227M × 3.00 = 1.719681 → 1.72
        ("input_tokens", "kestrel-medium", "2026-11-01"): ("0.573227", "1.72"),
        # after it: 0.456277M × 2.40 = 1.0950648 → 1.10
        ("input_tokens", "kestrel-medium", "2026-11-15"): ("0.456277", "1.10"),
        # 0.264298M × 0.25 = 0.0660745 → 0.07
        ("input_tokens", "kestrel-small", "2026-11-01"): ("0.264298", "0.07"),
        # graduated: 1M × 75 + 0.152402M × 60 = 75 + 9.14412 = 84.14412 → 84.14
        ("output_tokens", "kestrel-large", "2026-11-01"): ("1.152402", "84.14"),
        # 0.135476M × 15.00 = 2.03214 → 2.03
        ("output_tokens", "kestrel-medium", "2026-11-01"): ("0.135476", "2.03"),
        # 0.151927M × 12.00 = 1.823124 → 1.82
        ("output_tokens", "kestrel-medium", "2026-11-15"): ("0.151927", "1.82"),
        # 0.065616M × 1.25 = 0.08202 → 0.08
        ("output_tokens", "kestrel-small", "2026-11-01"): ("0.065616", "0.08"),
        # 35 web-search calls / 1000 = 0.035 × 10.00 = 0.35
        ("web_search", None, "2026-11-01"): ("0.035", "0.35"),
    }
    # 114.17 + 1.72 + 1.10 + 0.07 + 84.14 + 2.03 + 1.82 + 0.08 + 0.35 = 205.48
    assert (inv["subtotal"], inv["applied"], inv["total"]) == ("205.48", "0.00", "205.48")


def test_ai_platform_november_accounting_by_hand() -> None:
    """The stream's planted oddities each land in their bucket (packages/README.md)."""
    accounting = result_of("ai-platform", "november").accounting
    # 1 malformed line; 2 exact duplicates + 1 conflicting one; contoso-staging is unknown;
    # one northwind event on 10-29 precedes its contract; one at 12-01T00:00Z is past the period;
    # file_upload (1) + is_test (3) + code_interpreter calls (35) match no metric; the
    # kestrel-vision-preview request has no rate.
    assert (
        accounting.invalid,
        accounting.duplicate,
        accounting.unknown_customer,
        accounting.outside_contract,
        accounting.outside_period,
        accounting.unmetered,
        accounting.unpriced,
    ) == (1, 3, 1, 1, 1, 39, 1)
    assert accounting.read == 1777
    # 1777 - (1 + 3 + 1 + 1 + 1 + 39 + 1) = 1730
    assert accounting.rated == 1730
    assert [c.transaction_id for c in accounting.conflicts] == [
        "e6c189f8-0c5b-40ab-bbf4-6245963f9304"
    ]
    problems = accounting.metric_problems["input_tokens"]
    assert problems["non_numeric"].examples == ["edge-non-numeric-input"]
    assert problems["missing"].examples == ["edge-missing-input-tokens"]
