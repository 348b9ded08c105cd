"""Shared test support: the repository root and a small-package writer."""

from __future__ import annotations

import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = REPO / "packages"


def write_package(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path → YAML or JSONL text, dedented) under `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


# A package of one usage product, `calls` (a count of `call` events at 1.00 each, pay as you
# go), with a scenario of one customer and one event. Tests replace the files they are about:
# {**CALLS_PACKAGE, "products.yaml": ...}.
CALLS_PACKAGE = {
    "package.yaml": "package: {name: calls}\n",
    "metrics.yaml": """\
        metrics:
          calls: {name: Calls, event_type: call, aggregate: count}
        """,
    "products.yaml": """\
        products:
          calls: {name: Calls, type: usage, metric: calls}
        """,
    "rate_cards.yaml": """\
        rate_cards:
          list:
            name: List
            currency: USD
            rates:
              calls: [{price: 1}]
        """,
    "contract_templates.yaml": """\
        contract_templates:
          payg: {name: PAYG, rate_card: list}
        """,
    "scenarios/one/scenario.yaml": """\
        scenario:
          period: {starting_at: 2026-03-01, ending_before: 2026-04-01}
        customers:
          acme:
            name: Acme
            contracts: [{id: acme-1, template: payg, starting_at: 2026-01-01}]
        """,
    "scenarios/one/events.jsonl": """\
        {"transaction_id": "t1", "customer_id": "acme", "event_type": "call",\
         "timestamp": "2026-03-02T00:00:00Z"}
        """,
}
