from __future__ import annotations

from .conftest import PackageMaker, diagnose, located


def test_usage_without_metric_and_composite_without_of(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          calls:
            name: Calls
            type: usage
          bundle:
            name: Bundle
            type: composite
          empty:
            name: Empty
            type: composite
            of: {}
        """
        }
    )
    assert diagnose(directory, "E0208") == [
        "extra.yaml:2:3: error[E0208]: usage product 'calls' has no metric",
        "extra.yaml:5:3: error[E0208]: composite product 'bundle' has no `of`",
        "extra.yaml:11:9: error[E0208]: composite product 'empty' selects no products",
    ]


def test_fields_that_do_not_fit_the_type(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          seats:
            name: Seats
            type: subscription
            metric: tokens
            of: {products: [tokens]}
            pricing_group_keys: [model]
            quantity_rounding: {decimal_places: 0, method: up}
        """
        }
    )
    assert diagnose(directory, "E0208") == [
        "extra.yaml:5:5: error[E0208]: subscription product 'seats' cannot have `metric`",
        "extra.yaml:6:5: error[E0208]: subscription product 'seats' cannot have `of`",
        "extra.yaml:7:5: error[E0208]: subscription product 'seats' cannot have "
        "`pricing_group_keys`",
        "extra.yaml:8:5: error[E0208]: subscription product 'seats' cannot have "
        "`quantity_rounding`",
    ]


def test_quantity_conversion_needs_exactly_one_operation(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          both:
            name: Both
            type: usage
            metric: tokens
            quantity_conversion: {divide_by: 1000, multiply_by: 2}
          neither:
            name: Neither
            type: usage
            metric: tokens
            quantity_conversion: {}
        """
        }
    )
    assert located(directory, "E0208") == ["extra.yaml:6:26 E0208", "extra.yaml:11:26 E0208"]


def test_contract_terms_name_products_of_the_right_type(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        contract_templates:
          other:
            name: Other
            rate_card: standard
            subscriptions:
              - {product: tokens}
            commits:
              - {id: c, type: prepaid, product: platform, amount: 1, access: {months: 1}}
            credits:
              - {id: w, product: commit, amount: 1, recurring: monthly}
            scheduled_charges:
              - {product: support, month: 0, amount: 5}
        """
        }
    )
    assert diagnose(directory, "E0210") == [
        "extra.yaml:6:19: error[E0210]: subscription of contract template 'other' names usage "
        "product 'tokens'; a subscription needs a subscription product",
        "extra.yaml:8:41: error[E0210]: commit of contract template 'other' names "
        "subscription product 'platform'; a commit needs a fixed product",
        "extra.yaml:12:19: error[E0210]: scheduled charge of contract template 'other' names "
        "composite product 'support'; a scheduled charge needs a fixed product",
    ]
