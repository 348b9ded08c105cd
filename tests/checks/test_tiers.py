from __future__ import annotations

from .conftest import SCENARIO, PackageMaker, diagnose


def _tiers(tiers: str) -> dict[str, str]:
    return {
        "rate_cards.yaml": f"""\
rate_cards:
  standard:
    name: Standard
    currency: USD
    rates:
      platform:
        - {{price: 100, billing_frequency: monthly}}
      support:
        - {{percentage: 0.10}}
      tokens:
        - pricing_group_values: {{model: small}}
          tiers:
{tiers}"""
    }


def test_tiers_not_ascending(make_package: PackageMaker) -> None:
    directory = make_package(
        _tiers("""\
            - {up_to: 10, price: 1}
            - {up_to: 10, price: 0.5}
            - {price: 0.25}
""")
    )
    assert diagnose(directory, "E0302") == [
        "rate_cards.yaml:14:23: error[E0302]: rate 1 of 'tokens': tier 2 has up_to 10, not "
        "above the previous tier's 10; up_to must ascend",
    ]


def test_last_tier_has_up_to(make_package: PackageMaker) -> None:
    directory = make_package(
        _tiers("""\
            - {up_to: 10, price: 1}
            - {up_to: 20, price: 0.5}
""")
    )
    assert diagnose(directory, "E0302") == [
        "rate_cards.yaml:14:23: error[E0302]: rate 1 of 'tokens': the last tier (tier 2) has "
        "up_to 20; it must be open",
    ]


def test_open_tier_before_the_last(make_package: PackageMaker) -> None:
    directory = make_package(
        _tiers("""\
            - {price: 1}
            - {up_to: 20, price: 0.5}
""")
    )
    assert diagnose(directory, "E0302") == [
        "rate_cards.yaml:13:15: error[E0302]: rate 1 of 'tokens': tier 1 has no up_to but is "
        "not the last tier",
    ]


def test_up_to_not_positive(make_package: PackageMaker) -> None:
    directory = make_package(
        _tiers("""\
            - {up_to: 0, price: 1}
            - {price: 0.5}
""")
    )
    assert diagnose(directory, "E0302") == [
        "rate_cards.yaml:13:23: error[E0302]: rate 1 of 'tokens': tier 1 has up_to 0; it must "
        "be a positive number",
    ]


def test_no_tiers(make_package: PackageMaker) -> None:
    directory = make_package(
        _tiers("""\
            []
""")
    )
    assert diagnose(directory, "E0302") == [
        "rate_cards.yaml:13:13: error[E0302]: rate 1 of 'tokens': there are no tiers",
    ]


def test_override_tiers(make_package: PackageMaker) -> None:
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
                overrides:
                  - products: [tokens]
                    tiers: [{up_to: 5, price: 1}, {up_to: 2, price: 2}, {price: 3}]
        """
        }
    )
    assert diagnose(directory, "E0302") == [
        "scenarios/nov/scenario.yaml:12:51: error[E0302]: override 1 of contract 'acme-1': "
        "tier 2 has up_to 2, not above the previous tier's 5; up_to must ascend",
    ]


def test_well_formed_override_tiers_pass(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "scenarios/nov/scenario.yaml": SCENARIO,
            "contract_templates.yaml": """\
            contract_templates:
              basic:
                name: Basic
                rate_card: standard
                overrides:
                  - {products: [tokens], tiers: [{up_to: 5, price: 1}, {price: 0.5}]}
            """,
        }
    )
    assert diagnose(directory, "E0302") == []
