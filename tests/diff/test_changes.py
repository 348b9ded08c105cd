"""Each kind of change to `shop` (tests/diff/conftest.py), classified with its code and place."""

from __future__ import annotations

from typing import Any

from compiler.diff import CHANGE_CODES
from tests.diff.conftest import PricingRepo
from tests.support import REPO

AS_OF = "2026-06-01"  # rates starting after this are scheduled, the rest released


def codes(document: dict[str, Any]) -> list[str]:
    return [c["code"] for c in document["changes"]]


def only(document: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [c for c in document["changes"] if c["code"] == code]
    return found


def test_no_change_is_clean(repo: PricingRepo) -> None:
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 0
    assert document["changes"] == []
    assert document["summary"]["invoices"] == 2
    assert document["summary"]["invoices_changed"] == 0


def test_changing_a_metrics_aggregation_is_breaking(repo: PricingRepo) -> None:
    repo.replace(
        "packages/shop/metrics.yaml",
        "aggregate: count",
        "aggregate: unique\n    property: request_id",
    )
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 1
    assert document["breaking"] is True
    change = only(document, "D0101")
    assert change["severity"] == "error"
    # metrics.yaml line 5 is "    aggregate: unique": the value starts at column 16
    assert (change["file"], change["line"], change["column"]) == (
        "packages/shop/metrics.yaml",
        5,
        16,
    )
    assert change["revision"] == "working tree"
    assert "aggregate count → unique" in change["message"]
    assert "add a new metric" in change["hint"]
    assert change["before"] == {"aggregate": "count", "property": None}


def test_text_format_names_file_line_column_code_and_hint(repo: PricingRepo) -> None:
    repo.replace("packages/shop/metrics.yaml", "event_type: call", "event_type: api_call")
    code, output = repo.plan("diff", "--base", "HEAD", "--as-of", AS_OF)
    assert code == 1
    # metrics.yaml line 4 is "    event_type: api_call": the value starts at column 17
    assert (
        "packages/shop/metrics.yaml:4:17: error[D0101]: metric 'calls' changed what it "
        "measures: event_type call → api_call"
    ) in output
    assert "  hint: metrics are immutable once released" in output


def test_a_removed_metric_points_into_the_base_revision(repo: PricingRepo) -> None:
    repo.write(
        {
            "packages/shop/metrics.yaml": """\
        metrics:
          api_calls: {name: Calls, event_type: call, aggregate: count, group_keys: [region]}
        """
        }
    )
    repo.replace("packages/shop/products.yaml", "metric: calls", "metric: api_calls")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 1
    removed = only(document, "D0102")
    # in the base revision, metrics.yaml line 2 is "  calls:": the key starts at column 3
    assert (removed["file"], removed["line"], removed["column"], removed["revision"]) == (
        "packages/shop/metrics.yaml",
        2,
        3,
        "base",
    )
    assert only(document, "D0104")["severity"] == "info"  # api_calls added
    assert only(document, "D0202")["severity"] == "warning"  # the product points at it
    code, output = repo.plan("diff", "--base", "HEAD", "--as-of", AS_OF)
    assert "HEAD:packages/shop/metrics.yaml:2:3: error[D0102]: metric 'calls' removed" in output


def test_a_new_rate_with_a_future_start_is_not_breaking(repo: PricingRepo) -> None:
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.50\n",
        "        - price: 0.50\n          ending_before: 2026-07-01\n"
        "        - price: 0.60\n          starting_at: 2026-07-01\n",
    )
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 0, document["changes"]
    assert sorted(codes(document)) == ["D0304", "D0306"]
    assert only(document, "D0304")["severity"] == "info"
    ended = only(document, "D0306")
    assert ended["severity"] == "warning"
    # rate_cards.yaml line 8 is "          ending_before: 2026-07-01": value at column 26
    assert (ended["line"], ended["column"]) == (8, 26)
    assert ended["message"] == "released rate of calls on 'list' now ends before 2026-07-01"
    # March is long released: no invoice moves
    assert document["summary"]["invoices_changed"] == 0


def test_editing_an_effective_price_in_place_is_flagged(repo: PricingRepo) -> None:
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.65")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 1
    change = only(document, "D0302")
    # rate_cards.yaml line 7 is "        - price: 0.65": the value starts at column 18
    assert (change["file"], change["line"], change["column"]) == (
        "packages/shop/rate_cards.yaml",
        7,
        18,
    )
    assert change["before"] == {"price": "0.50"} and change["after"] == {"price": "0.65"}
    assert "ending_before" in change["hint"]


def test_released_or_scheduled_depends_on_as_of(repo: PricingRepo) -> None:
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.50\n",
        "        - price: 0.50\n          ending_before: 2026-07-01\n"
        "        - price: 0.60\n          starting_at: 2026-07-01\n",
    )
    repo.commit("schedule a price rise")
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.60", "price: 0.70")
    assert codes(repo.diff_json("--as-of", "2026-06-30")[1]) == ["D0307"]  # still scheduled
    code, document = repo.diff_json("--as-of", "2026-07-01")  # starting_at is inclusive
    assert (code, codes(document)) == (1, ["D0302"])


def test_ending_a_released_rate_in_the_past_changes_it_in_place(repo: PricingRepo) -> None:
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.50\n",
        "        - price: 0.50\n          ending_before: 2026-03-03\n",
    )
    code, document = repo.diff_json("--as-of", AS_OF)
    assert (code, codes(document)) == (1, ["D0302"])
    # and March's calls from the 3rd on are unpriced: alpha keeps the calls of the 1st and
    # 2nd, 2 × 0.50 + 10.00 = 11.00 (was 13.50)
    alpha = next(i for i in document["invoices"] if i["customer_id"] == "alpha")
    assert (alpha["base_total"], alpha["new_total"]) == ("13.50", "11.00")


def test_removing_rates(repo: PricingRepo) -> None:
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.50\n",
        "        - price: 0.50\n          ending_before: 2026-07-01\n"
        "        - price: 0.60\n          starting_at: 2026-07-01\n",
    )
    repo.commit("schedule a price rise")
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.60\n          starting_at: 2026-07-01\n",
        "",
    )
    assert codes(repo.diff_json("--as-of", AS_OF)[1]) == ["D0308"]  # scheduled: a warning
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "        - price: 0.50\n          ending_before: 2026-07-01\n",
        "        - price: 0.55\n          starting_at: 2026-01-01\n",
    )
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 1
    removed = only(document, "D0303")
    # base rate_cards.yaml line 7 is "        - price: 0.50": the item starts at column 11
    assert (removed["revision"], removed["line"], removed["column"]) == ("base", 7, 11)
    assert only(document, "D0305")["severity"] == "warning"  # new, already in effect


def test_product_type_and_currency_changes_are_breaking(repo: PricingRepo) -> None:
    repo.replace("packages/shop/products.yaml", "type: subscription", "type: fixed")
    repo.replace("packages/shop/rate_cards.yaml", "currency: USD", "currency: EUR")
    repo.replace(
        "packages/shop/rate_cards.yaml",
        "      platform_fee:\n        - {price: 10, billing_frequency: monthly}\n",
        "",
    )
    repo.replace(
        "packages/shop/contract_templates.yaml",
        "    subscriptions:\n      - {product: platform_fee}\n",
        "    scheduled_charges:\n      - {product: platform_fee, month: 0, amount: 10}\n",
    )
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 1
    assert only(document, "D0201")["line"] == 3
    currency = only(document, "D0301")
    # rate_cards.yaml line 4 is "    currency: EUR": the value starts at column 15
    assert (currency["line"], currency["column"]) == (4, 15)
    assert sorted(codes(document)) == ["D0201", "D0301", "D0303", "D0401", "D0401"]
    # invoices changed currency: their difference cannot be computed
    invoice = document["invoices"][0]
    assert (invoice["currency"], invoice["difference"], invoice["percentage"]) == (
        "EUR",
        None,
        None,
    )


def test_warnings_and_info_do_not_fail(repo: PricingRepo) -> None:
    repo.replace("packages/shop/metrics.yaml", "group_keys: [region]", "group_keys: [region, plan]")
    repo.replace(
        "packages/shop/contract_templates.yaml",
        "name: Pay as you go",
        "name: Pay as you go\n    duration_months: 12",
    )
    repo.replace("packages/shop/products.yaml", "calls: {name: Calls,", "calls: {name: API calls,")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 0
    severities = {c["code"]: c["severity"] for c in document["changes"]}
    assert severities == {"D0103": "warning", "D0401": "warning", "D0208": "info"}


def test_reformatting_is_no_change(repo: PricingRepo) -> None:
    repo.write(
        {
            "packages/shop/rate_cards.yaml": """\
        # reordered keys, a date spelled out, a default written down, 0.5 for 0.50
        rate_cards:
          list:
            currency: USD
            name: List
            rates:
              platform_fee:
                - billing_frequency: monthly
                  price: 10.00
                  entitled: true
              calls:
                - {price: 0.5, starting_at: null}
        """
        }
    )
    repo.replace("packages/shop/metrics.yaml", "event_type: call", "event_type: [call]")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert (code, document["changes"]) == (0, [])


def test_package_and_scenario_added_or_removed(repo: PricingRepo) -> None:
    (repo.root / "packages/shop/scenarios/march/scenario.yaml").rename(
        repo.root / "packages/shop/scenarios/march/old.yaml"
    )
    code, document = repo.diff_json("--as-of", AS_OF)
    assert (code, codes(document)) == (0, ["D0602"])
    assert document["invoices"] == []  # nothing left to compare
    code, document = repo.diff_json("--as-of", AS_OF, "packages/shop", "packages/extra")
    assert code == 0
    (repo.root / "packages/shop").rename(repo.root / "packages/renamed")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert sorted(codes(document)) == ["D0003", "D0004"]


def test_a_broken_working_tree_fails_the_diff(repo: PricingRepo) -> None:
    repo.replace("packages/shop/products.yaml", "metric: calls", "metric: callz")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert code == 1
    broken = only(document, "D0001")
    assert "1 error(s) in the working tree" in broken["message"]
    # products.yaml line 2: "  calls: {name: Calls, type: usage, metric: callz}", col 45
    assert (broken["line"], broken["column"]) == (2, 45)
    assert document["invoices"] == []


def test_every_code_is_documented() -> None:
    text = (REPO / "docs/diff.md").read_text()
    missing = [code for code in CHANGE_CODES if f"`{code}`" not in text]
    assert missing == []


def test_a_base_written_before_values_were_taken_as_written_is_still_compared(
    repo: PricingRepo,
) -> None:
    """The base revision's files are read by the rules they were written under: a quoted
    number or a space-separated date-time there (accepted and converted before 2026-11-24)
    must not hide the working tree's breaking changes nor the invoice impact."""
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", 'price: " 0.50"')
    repo.replace(
        "packages/shop/scenarios/march/scenario.yaml",
        "as_of: 2026-04-03T00:00:00Z",
        'as_of: "2026-04-03 00:00:00Z"',
    )
    repo.commit("written before the rule")
    # the working tree brings both up to the rule, and changes the metric and the price
    repo.replace("packages/shop/rate_cards.yaml", 'price: " 0.50"', "price: 0.60")
    repo.replace(
        "packages/shop/scenarios/march/scenario.yaml",
        'as_of: "2026-04-03 00:00:00Z"',
        "as_of: 2026-04-03T00:00:00Z",
    )
    repo.replace("packages/shop/metrics.yaml", "group_keys: [region]", "group_keys: [zone]")
    code, document = repo.diff_json("--as-of", AS_OF)
    assert "D0002" not in codes(document)
    assert code == 1 and document["breaking"] is True
    # alpha: 7 calls × (0.60 - 0.50) = +0.70; beta: 4 × 0.10 = +0.40
    moved = {i["customer_id"]: i["difference"] for i in document["invoices"]}
    assert moved == {"alpha": "0.70", "beta": "0.40"}


def test_a_base_file_without_sections_does_not_hide_the_invoice_impact(
    repo: PricingRepo,
) -> None:
    """A file with no section became an error (E0007) on 2026-11-24; a base that had one is
    read as it was then, so the price change below still shows in the invoices."""
    repo.write({"packages/shop/notes.yaml": "# prices move to rate_cards.yaml\n"})
    repo.commit("a file of comments, before the rule")
    (repo.root / "packages/shop/notes.yaml").unlink()
    repo.replace("packages/shop/rate_cards.yaml", "price: 0.50", "price: 0.60")
    _, document = repo.diff_json("--as-of", AS_OF)
    assert "D0002" not in codes(document)
    # alpha: 7 calls × (0.60 - 0.50) = +0.70; beta: 4 × 0.10 = +0.40
    moved = {i["customer_id"]: i["difference"] for i in document["invoices"]}
    assert moved == {"alpha": "0.70", "beta": "0.40"}
