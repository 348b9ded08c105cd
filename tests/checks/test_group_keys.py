from __future__ import annotations

from .conftest import SCENARIO, PackageMaker, diagnose, located

PRODUCTS = """\
    products:
      tokens:
        name: Tokens
        type: usage
        metric: tokens
        pricing_group_keys: [model, region]
        presentation_group_keys: [user, project, model]
        tags: [usage]
      platform: {name: Platform fee, type: subscription}
      support: {name: Support, type: composite, of: {tags: [usage]}}
      commit: {name: Commitment, type: fixed}
    """


def test_pricing_key_not_a_metric_group_key(make_package: PackageMaker) -> None:
    directory = make_package({"products.yaml": PRODUCTS})
    assert diagnose(directory, "E0203") == [
        "products.yaml:6:33: error[E0203]: pricing group key 'region' is not a group key of "
        "metric 'tokens' (its keys: model, user)",
    ]


def test_presentation_key_not_a_metric_group_key(make_package: PackageMaker) -> None:
    directory = make_package({"products.yaml": PRODUCTS})
    assert diagnose(directory, "E0204") == [
        "products.yaml:7:37: error[E0204]: presentation group key 'project' is not a group "
        "key of metric 'tokens' (its keys: model, user)",
    ]


def test_key_both_pricing_and_presentation(make_package: PackageMaker) -> None:
    directory = make_package({"products.yaml": PRODUCTS})
    assert diagnose(directory, "E0205") == [
        "products.yaml:7:46: error[E0205]: group key 'model' of product 'tokens' is both a "
        "pricing and a presentation key",
    ]


def test_rate_pricing_values_missing_and_extra_keys(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "rate_cards.yaml": """\
        rate_cards:
          standard:
            name: Standard
            currency: USD
            rates:
              tokens:
                - pricing_group_values: {model: small, regin: eu}
                  price: 1.00
                - price: 2.00
              platform:
                - {price: 100, billing_frequency: monthly, pricing_group_values: {seats: 1}}
              support:
                - {percentage: 0.10}
        """
        }
    )
    assert diagnose(directory, "E0206") == [
        "rate_cards.yaml:7:48: error[E0206]: rate 1 of 'tokens' on rate card 'standard': "
        "'regin' is not a pricing group key of product 'tokens' (its pricing keys: model)",
        "rate_cards.yaml:9:11: error[E0206]: rate 2 of 'tokens' on rate card 'standard': "
        "pricing_group_values lack pricing group key(s) model of product 'tokens'",
        "rate_cards.yaml:11:75: error[E0206]: rate 1 of 'platform' on rate card 'standard': "
        "'seats' is not a pricing group key of product 'platform' (its pricing keys: none)",
    ]


def test_override_pricing_values(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "scenarios/nov/scenario.yaml": SCENARIO,
            "extra.yaml": """\
            contract_templates:
              other:
                name: Other
                rate_card: standard
                overrides:
                  - products: [tokens]
                    pricing_group_values: {}
                    multiplier: 0.5
                  - {products: [tokens], pricing_group_values: {model: a, user: u}, price: 1}
                  - {tags: [usage], pricing_group_values: {anything: a}, price: 1}
            """,
        }
    )
    assert located(directory, "E0206") == [
        "extra.yaml:7:31 E0206",
        "extra.yaml:9:63 E0206",
    ]
