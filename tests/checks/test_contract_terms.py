from __future__ import annotations

from .conftest import PackageMaker, diagnose


def _template(terms: str) -> dict[str, str]:
    return {
        "contract_templates.yaml": f"""\
contract_templates:
  basic:
    name: Basic
    rate_card: standard
    subscriptions:
      - {{product: platform}}
{terms}"""
    }


def test_override_kinds_and_targets(make_package: PackageMaker) -> None:
    directory = make_package(
        _template("""\
    overrides:
      - {products: [tokens], multiplier: 0.9, price: 1}
      - {products: [tokens]}
      - {multiplier: 0.5}
      - {tags: [usage], price: 2, tier_mode: volume}
""")
    )
    assert diagnose(directory, "E0306") == [
        "contract_templates.yaml:8:47: error[E0306]: override 1 of contract template 'basic' "
        "needs exactly one of multiplier, price, tiers, entitled (found multiplier, price)",
        "contract_templates.yaml:9:9: error[E0306]: override 2 of contract template 'basic' "
        "needs exactly one of multiplier, price, tiers, entitled",
        "contract_templates.yaml:10:9: error[E0306]: override 3 of contract template 'basic' "
        "targets no product",
        "contract_templates.yaml:11:35: error[E0306]: override 4 of contract template 'basic': "
        "tier_mode without tiers",
    ]


def test_override_window(make_package: PackageMaker) -> None:
    directory = make_package(
        _template("""\
    overrides:
      - products: [tokens]
        multiplier: 0.9
        starting_month: 2
        starting_at: 2027-01-01
      - products: [tokens]
        price: 1
        starting_at: 2027-01-01
        ending_before: 2026-01-01
""")
    )
    assert diagnose(directory, "E0306") == [
        "contract_templates.yaml:11:9: error[E0306]: override 1 of contract template 'basic' "
        "mixes relative (starting_month) and absolute (starting_at) times",
        "contract_templates.yaml:15:24: error[E0306]: override 2 of contract template 'basic' "
        "ends before it starts",
    ]


def test_commit_credit_and_scheduled_charge_times(make_package: PackageMaker) -> None:
    directory = make_package(
        _template("""\
    commits:
      - id: annual
        type: prepaid
        product: commit
        amount: 100
        access: {months: 12, ending_before: 2027-01-01}
        invoice: [{amount: 10}, {month: 1, date: 2026-12-01, amount: 10}]
    credits:
      - {id: welcome, product: commit, amount: 5}
    scheduled_charges:
      - {product: commit, amount: 5}
""")
    )
    assert diagnose(directory, "E0306") == [
        "contract_templates.yaml:12:30: error[E0306]: access of commit 'annual' of contract "
        "template 'basic' mixes relative (months) and absolute (ending_before) times",
        "contract_templates.yaml:13:19: error[E0306]: invoice entry 1 of commit 'annual' of "
        "contract template 'basic' needs exactly one of month, date",
        "contract_templates.yaml:13:44: error[E0306]: invoice entry 2 of commit 'annual' of "
        "contract template 'basic' needs exactly one of month, date",
        "contract_templates.yaml:15:9: error[E0306]: credit 'welcome' of contract template "
        "'basic' has neither access nor recurring",
        "contract_templates.yaml:17:9: error[E0306]: scheduled charge 1 of contract template "
        "'basic' needs exactly one of month, date",
    ]


def test_duplicate_commit_and_credit_ids(make_package: PackageMaker) -> None:
    directory = make_package(
        _template("""\
    commits:
      - {id: annual, type: prepaid, product: commit, amount: 100, access: {months: 12}}
    credits:
      - {id: annual, product: commit, amount: 5, recurring: monthly}
""")
    )
    assert diagnose(directory, "E0307") == [
        "contract_templates.yaml:10:14: error[E0307]: contract template 'basic': commit/credit "
        "ID 'annual' is already used at line 8",
    ]


def test_contract_balance_id_clashing_with_its_template(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "scenarios/nov/scenario.yaml": """\
        scenario:
          period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
        customers:
          acme:
            name: Acme
            contracts:
              - id: acme-1
                template: basic
                starting_at: 2026-11-01
                credits: [{id: annual, product: commit, amount: 5, recurring: monthly}]
        """
        }
    )
    assert diagnose(directory, "E0307") == [
        "scenarios/nov/scenario.yaml:10:24: error[E0307]: contract 'acme-1': commit/credit ID "
        "'annual' is already used in template 'basic'",
    ]
