from __future__ import annotations

from .conftest import SCENARIO, PackageMaker, diagnose, located


def test_minimal_package_is_clean(make_package: PackageMaker) -> None:
    assert diagnose(make_package()) == []


def test_minimal_package_with_a_scenario_is_clean(make_package: PackageMaker) -> None:
    assert diagnose(make_package({"scenarios/nov/scenario.yaml": SCENARIO})) == []


def test_product_metric_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          output:
            name: Output
            type: usage
            metric: tokns
        """
        }
    )
    assert diagnose(directory, "E0201") == [
        "extra.yaml:5:13: error[E0201]: product 'output' names metric 'tokns', "
        "which is not defined",
    ]


def test_did_you_mean_hint(make_package: PackageMaker) -> None:
    from compiler.validation import validate

    directory = make_package(
        {
            "extra.yaml": """\
        products:
          output: {name: Output, type: usage, metric: tokns}
        """
        }
    )
    (problem,) = [d for d in validate(directory).diagnostics if d.code == "E0201"]
    assert problem.hint == "did you mean 'tokens'?"


def test_composite_of_products_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          premium:
            name: Premium
            type: composite
            of: {products: [tokens, platfrom]}
        """
        }
    )
    assert located(directory, "E0201") == ["extra.yaml:5:29 E0201"]


def test_rate_card_product_key_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        rate_cards:
          other:
            name: Other
            currency: EUR
            rates:
              tokenz:
                - {price: 1}
        """
        }
    )
    assert diagnose(directory, "E0201") == [
        "extra.yaml:6:7: error[E0201]: rate card 'other' names product 'tokenz', "
        "which is not defined",
    ]


def test_template_rate_card_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        contract_templates:
          other:
            name: Other
            rate_card: standart
        """
        }
    )
    assert located(directory, "E0201") == ["extra.yaml:4:16 E0201"]


def test_contract_term_products_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        contract_templates:
          other:
            name: Other
            rate_card: standard
            subscriptions:
              - {product: platfrm}
            overrides:
              - {products: [tokens, tokenz], multiplier: 0.9}
            commits:
              - {id: c, type: prepaid, product: comit, amount: 1, access: {months: 1},
                 applies_to: {products: [suport]}}
            credits:
              - {id: w, product: commits, amount: 1, recurring: monthly}
            scheduled_charges:
              - {product: onboarding, month: 0, amount: 5}
        """
        }
    )
    assert located(directory, "E0201") == [
        "extra.yaml:6:19 E0201",
        "extra.yaml:8:29 E0201",
        "extra.yaml:10:41 E0201",
        "extra.yaml:11:34 E0201",
        "extra.yaml:13:26 E0201",
        "extra.yaml:15:19 E0201",
    ]
    assert diagnose(directory, "E0201")[0] == (
        "extra.yaml:6:19: error[E0201]: contract template 'other' (subscription) names "
        "product 'platfrm', which is not defined"
    )


def test_scenario_contract_term_products_unresolved(make_package: PackageMaker) -> None:
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
                overrides: [{products: [tokenz], multiplier: 0.8}]
        """
        }
    )
    assert diagnose(directory, "E0201") == [
        "scenarios/nov/scenario.yaml:10:33: error[E0201]: contract 'acme-1' (override) names "
        "product 'tokenz', which is not defined",
    ]


def test_pricing_units_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        pricing_units:
          credits: {name: Credits}
        rate_cards:
          other:
            name: Other
            currency: USD
            rates:
              tokens:
                - {pricing_group_values: {model: small}, price: 1, unit: credit}
            pricing_units: {credits: 0.01, tokens: 2}
        """
        }
    )
    assert diagnose(directory, "E0201") == [
        "extra.yaml:9:66: error[E0201]: rate of 'tokens' on rate card 'other' names pricing "
        "unit 'credit', which is not defined",
        "extra.yaml:10:36: error[E0201]: rate card 'other' names pricing unit 'tokens', "
        "which is not defined",
    ]
