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


def lines_of(inv: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [line for line in inv["line_items"] if line["type"] == kind]


def test_ai_platform_enterprise_quarter_globex_by_hand() -> None:
    """Globex on `enterprise` from 2026-10-15: 15% off tokens (template override), a prorated
    platform fee, a 2,400 prepaid commit for usage (600 invoiced at month 0) and a 100 welcome
    credit for one month. Drawdown (SPEC 3.5): the commit (priority 1) before the credit (no
    priority), usage before subscriptions; the commit applies to usage only."""
    result = result_of("ai-platform", "enterprise-quarter")
    sums = reference_token_sums(
        PACKAGES / "ai-platform/scenarios/enterprise-quarter/events.jsonl",
        {"globex", "globex-prod", "globex-eu"},
        "2026-10-15T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert sums[("input_tokens", "kestrel-large", False)] == 21_189_489
    assert sums[("output_tokens", "kestrel-large", False)] == 2_323_024

    october = invoice(result, "globex", "2026-10-15")
    assert usage_amounts(october) == {
        # 21.189489M × (15.00 × 0.85 = 12.75) = 270.16598475 → 270.17
        ("input_tokens", "kestrel-large", "2026-10-15"): ("21.189489", "270.17"),
        # 3.743511M × (3.00 × 0.85 = 2.55) = 9.54595305 → 9.55
        ("input_tokens", "kestrel-medium", "2026-10-15"): ("3.743511", "9.55"),
        # 0.406305M × (0.25 × 0.85 = 0.2125) = 0.0863398125 → 0.09
        ("input_tokens", "kestrel-small", "2026-10-15"): ("0.406305", "0.09"),
        # tiers × 0.85: 1 × 63.75 + 1.323024 × 51 = 63.75 + 67.474224 = 131.224224 → 131.22
        ("output_tokens", "kestrel-large", "2026-10-15"): ("2.323024", "131.22"),
        # 0.623933M × (15.00 × 0.85 = 12.75) = 7.95514575 → 7.96
        ("output_tokens", "kestrel-medium", "2026-10-15"): ("0.623933", "7.96"),
        # 0.067565M × (1.25 × 0.85 = 1.0625) = 0.0717878125 → 0.07
        ("output_tokens", "kestrel-small", "2026-10-15"): ("0.067565", "0.07"),
        # no override on web search: 34 calls / 1000 × 10.00 = 0.34
        ("web_search", None, "2026-10-15"): ("0.034", "0.34"),
    }
    # usage: 270.17 + 9.55 + 0.09 + 131.22 + 7.96 + 0.07 + 0.34 = 419.40
    (fee,) = lines_of(october, "subscription")
    # 17 of October's 31 days: 500 × 17/31 = 274.1935.. → 274.19
    assert (fee["proration"], fee["amount"]) == ("0.548387", "274.19")
    (purchase,) = lines_of(october, "commit_purchase")
    assert purchase["amount"] == "600.00"  # the month-0 installment of the commit
    applied = {
        (line["commit_id"], line["applied_to"]): line["amount"]
        for line in lines_of(october, "commit_applied") + lines_of(october, "credit_applied")
    }
    # the commit takes all usage, per product: input 270.17 + 9.55 + 0.09 = 279.81;
    # output 131.22 + 7.96 + 0.07 = 139.25; web search 0.34; the credit then takes 100 of the fee
    assert applied == {
        ("annual_prepaid", "input_tokens"): "-279.81",
        ("annual_prepaid", "output_tokens"): "-139.25",
        ("annual_prepaid", "web_search"): "-0.34",
        ("welcome", "platform_fee"): "-100.00",
    }
    # subtotal 419.40 + 274.19 + 600.00 = 1293.59; applied -(419.40 + 100) = -519.40
    assert (october["subtotal"], october["applied"], october["total"]) == (
        "1293.59",
        "-519.40",
        "774.19",
    )
    balances = {b["id"]: (b["opening"], b["applied"], b["closing"]) for b in october["balances"]}
    # 2400 - 419.40 = 1980.60 carried; the credit is spent
    assert balances == {
        "annual_prepaid": ("2400.00", "419.40", "1980.60"),
        "welcome": ("100.00", "100.00", "0.00"),
    }

    november = invoice(result, "globex", "2026-11-01")
    # usage 940.06 all on the commit: 1980.60 - 940.06 = 1040.54 left; the fee 500 is due
    assert (november["subtotal"], november["applied"], november["total"]) == (
        "1440.06",
        "-940.06",
        "500.00",
    )

    december = invoice(result, "globex", "2026-12-01")
    # usage 1246.22 > 1040.54 left: the commit runs out, 1246.22 - 1040.54 = 205.68 overage
    # + the 500 fee = 705.68; still a draft on as_of 2027-01-01T12:00Z (< Jan 1 + 24 h)
    assert (december["subtotal"], december["applied"], december["total"]) == (
        "1746.22",
        "-1040.54",
        "705.68",
    )
    assert december["status"] == "draft"
    assert {b["id"]: b["closing"] for b in december["balances"]} == {"annual_prepaid": "0.00"}


def reference_gpu_seconds(
    events: Path, customer_ids: set[str], start: str, end: str
) -> dict[tuple[str, str], Decimal]:
    """Independent of the engine: (instance type, region) → delivered GPU seconds."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    seen: set[str] = set()
    for text in events.read_text().splitlines():
        event = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        if event["transaction_id"] in seen:
            continue
        seen.add(event["transaction_id"])
        p = event["properties"]
        if (
            event["customer_id"] in customer_ids
            and event["event_type"] == "gpu_usage"
            and start <= event["timestamp"] < end
            and p.get("status") != "provisioning_failed"
            and "gpu_seconds" in p
        ):
            sums[(p["instance_type"], p["region"])] += Decimal(p["gpu_seconds"])
    return sums


def test_gpu_cloud_q4_tensorworks_october_by_hand() -> None:
    """TensorWorks on on-demand list prices: seconds → hours rounded up to 2 places, volume
    tiers for H100 in us-east, a flat A100 price, and peak storage (max) at 0.10 per GB."""
    result = result_of("gpu-cloud", "q4-2026")
    seconds = reference_gpu_seconds(
        PACKAGES / "gpu-cloud/scenarios/q4-2026/events.jsonl",
        {"tensorworks", "tw-prod-7781"},
        "2026-10-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    # 6,372,124 s / 3600 = 1770.034444.. h → up to 2 places: 1770.04
    assert seconds[("h100-sxm", "us-east")] == 6_372_124
    # 2,410,118 s / 3600 = 669.477222.. h → up to 2 places: 669.48
    assert seconds[("a100-80gb", "us-west")] == 2_410_118
    october = invoice(result, "tensorworks", "2026-10-01")
    amounts = {
        (line["product_id"], tuple(line["pricing_group_values"].values())): (
            line["quantity"],
            line["amount"],
        )
        for line in lines_of(october, "usage")
    }
    assert amounts == {
        # volume: 1770.04 h reaches (500, 2000], so every hour at 2.69: 4761.4076 → 4761.41
        ("gpu_hours", ("h100-sxm", "us-east")): ("1770.04", "4761.41"),
        # 669.48 h × 1.79 = 1198.3692 → 1198.37
        ("gpu_hours", ("a100-80gb", "us-west")): ("669.48", "1198.37"),
        # peak 23,059 GB × 0.10 = 2305.90
        ("block_storage", ()): ("23059", "2305.90"),
    }
    # 4761.41 + 1198.37 + 2305.90 = 8265.68, nothing applied
    assert (october["subtotal"], october["applied"], october["total"]) == (
        "8265.68",
        "0.00",
        "8265.68",
    )


def test_saas_seats_november_helios_by_hand() -> None:
    """Helios on `business`: 60 seats, included users and storage as zero-price tiers, AI
    actions in credits converted at 0.01, a composite support fee with a 250 minimum,
    onboarding, and a 750 migration credit drawn usage first, then subscriptions."""
    helios = invoice(result_of("saas-seats", "november"), "helios", "2026-11-01")
    amounts = {
        (
            line["type"],
            line.get("product_id"),
            tuple((line.get("pricing_group_values") or {}).values()),
        ): line["amount"]
        for line in helios["line_items"]
        if line["type"] != "credit_applied"
    }
    assert amounts == {
        # 72 active users: 60 included at 0 + 12 × 15 = 180.00
        ("usage", "active_users", ()): "180.00",
        # AI actions in credits: 100 drafts × 5 = 500 credits; 160 summaries × 2 = 320 credits
        ("usage", "ai_actions", ("draft",)): "500.00",
        ("usage", "ai_actions", ("summarize",)): "320.00",
        # 374 API calls = 4 hundreds, all in the free tier
        ("usage", "api_calls", ()): "0.00",
        # 415 GB: 100 included + 315 × 0.25 = 78.75
        ("usage", "storage", ()): "78.75",
        # 60 seats × 12 = 720.00
        ("subscription", "seats", ()): "720.00",
        # 10% × (180 + 0 + 78.75 + 720 = 978.75) = 97.875 < minimum 250 → 250.00
        ("composite", "premium_support", ()): "250.00",
        ("scheduled", "onboarding", ()): "2500.00",
        # (500 + 320 = 820 credits) × 0.01 = 8.20 in dollars
        ("conversion", None, ()): "8.20",
    }
    # the 750 credit: usage by unit price (active users 180, storage 78.75, the AI actions'
    # 8.20), then seats with what is left: 750 - 180 - 78.75 - 8.20 = 483.05
    applied = {line["applied_to"]: line["amount"] for line in lines_of(helios, "credit_applied")}
    assert applied == {
        "active_users": "-180.00",
        "storage": "-78.75",
        "ai_actions": "-8.20",
        "seats": "-483.05",
    }
    # subtotal 180 + 78.75 + 720 + 250 + 2500 + 8.20 = 3736.95 (credit-priced lines are carried
    # by the conversion line); total 3736.95 - 750 = 2986.95
    assert (helios["subtotal"], helios["applied"], helios["total"]) == (
        "3736.95",
        "-750.00",
        "2986.95",
    )
