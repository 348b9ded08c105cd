"""A throwaway git repository holding one small package, `shop`, to change and diff.

`shop` meters `call` events (count, by region), prices them at 0.50 each on the `list` card
(USD) and charges a 10.00 monthly platform fee through the `payg` template. Scenario `march`
has two customers: alpha makes 7 calls, beta 4, so March costs alpha 7 × 0.50 + 10 = 13.50
and beta 4 × 0.50 + 10 = 12.00.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main
from tests.support import write_package

SHOP: dict[str, str] = {
    "packages/shop/package.yaml": """\
        package:
          name: shop
        """,
    "packages/shop/metrics.yaml": """\
        metrics:
          calls:
            name: Calls
            event_type: call
            aggregate: count
            group_keys: [region]
        """,
    "packages/shop/products.yaml": """\
        products:
          calls: {name: Calls, type: usage, metric: calls}
          platform_fee: {name: Platform fee, type: subscription}
        """,
    "packages/shop/rate_cards.yaml": """\
        rate_cards:
          list:
            name: List
            currency: USD
            rates:
              calls:
                - price: 0.50
              platform_fee:
                - {price: 10, billing_frequency: monthly}
        """,
    "packages/shop/contract_templates.yaml": """\
        contract_templates:
          payg:
            name: Pay as you go
            rate_card: list
            subscriptions:
              - {product: platform_fee}
        """,
    "packages/shop/scenarios/march/scenario.yaml": """\
        scenario:
          period: {starting_at: 2026-03-01, ending_before: 2026-04-01}
          as_of: 2026-04-03T00:00:00Z
        customers:
          alpha:
            name: Alpha
            contracts: [{id: alpha-1, template: payg, starting_at: 2026-01-01}]
          beta:
            name: Beta
            contracts: [{id: beta-1, template: payg, starting_at: 2026-01-01}]
        """,
}


def events(counts: dict[str, int]) -> str:
    """`counts[customer]` call events in March, one a day."""
    lines = []
    for customer, count in counts.items():
        for n in range(count):
            lines.append(
                json.dumps(
                    {
                        "transaction_id": f"{customer}-{n}",
                        "customer_id": customer,
                        "event_type": "call",
                        "timestamp": f"2026-03-{n + 1:02d}T12:00:00Z",
                        "properties": {"region": "eu"},
                    }
                )
            )
    return "\n".join(lines) + "\n"


class PricingRepo:
    """A git work tree in tmp_path; the test process runs inside it."""

    def __init__(self, root: Path):
        self.root = root

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        )
        return done.stdout

    def write(self, files: dict[str, str]) -> None:
        write_package(self.root, files)

    def replace(self, file: str, old: str, new: str) -> None:
        """Edit one file of the working tree; `old` must occur exactly once."""
        path = self.root / file
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
        path.write_text(text.replace(old, new))

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def plan(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.output

    def diff_json(self, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        code, output = self.plan("diff", "--base", "HEAD", "--format", "json", *args)
        return code, json.loads(output)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PricingRepo:
    """`shop` committed as the base revision; the working tree starts equal to it."""
    pricing = PricingRepo(tmp_path)
    pricing.git("init", "-q", "-b", "main")
    pricing.git("config", "user.email", "pricing@example.com")
    pricing.git("config", "user.name", "Pricing Lead")
    pricing.git("config", "commit.gpgsign", "false")
    pricing.write(SHOP)
    (tmp_path / "packages/shop/scenarios/march/events.jsonl").write_text(
        events({"alpha": 7, "beta": 4})
    )
    pricing.commit("base")
    monkeypatch.chdir(tmp_path)
    return pricing
