"""The three renderings of a diff: text, pure JSON, and Markdown safe to post as a comment."""

from __future__ import annotations

import json

from tests.diff.conftest import PricingRepo


def test_json_is_the_only_thing_on_stdout(repo: PricingRepo) -> None:
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    code, output = repo.plan("diff", "--base", "HEAD", "--as-of", "2026-06-01", "--format", "json")
    assert code == 1
    document = json.loads(output)
    assert list(document) == [
        "base",
        "base_commit",
        "as_of",
        "breaking",
        "summary",
        "packages",
        "changes",
        "invoices",
    ]
    assert document["summary"]["errors"] == 1
    assert document["packages"] == ["shop"]


def test_markdown_escapes_text_from_yaml(repo: PricingRepo) -> None:
    repo.replace(
        "packages/shop/products.yaml",
        "{name: Calls,",
        '{name: "<img src=x onerror=alert(1)> | **bold** [link](http://x)",',
    )
    code, output = repo.plan(
        "diff", "--base", "HEAD", "--as-of", "2026-06-01", "--format", "markdown"
    )
    assert code == 0
    assert "<img" not in output and "**bold**" not in output and "[link]" not in output
    assert r"&lt;img src=x onerror=alert(1)&gt; \| \*\*bold\*\* \[link\](http://x)" in output
    assert output.splitlines()[0] == "No breaking changes · no invoice changes"


def test_text_lists_changes_then_the_money(repo: PricingRepo) -> None:
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    code, output = repo.plan("diff", "--base", "HEAD", "--as-of", "2026-06-01")
    assert code == 1
    lines = output.splitlines()
    assert lines[0].startswith("plan diff: HEAD (")
    assert lines[1].startswith(
        "packages/shop/rate_cards.yaml:7:18: error[D0302]: released "
        "rate of calls on 'list' changed in place: price 0.50 → 0.65"
    )
    assert "1 breaking change(s), 0 warning(s), 0 info" in lines
    assert lines[-1] == "2 invoice(s) change, 0 unchanged: +1.65 USD (+6.47%)"
    row = next(line for line in lines if "alpha-1" in line)
    assert "13.50" in row and "14.55" in row and "+1.05 USD" in row and "+7.78%" in row
