from __future__ import annotations

from .conftest import SCENARIO, PackageMaker, diagnose


def test_unused_objects(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
            metrics:
              spare: {name: Spare, event_type: x, aggregate: count}
            products:
              seats: {name: Seats, type: subscription}
              onboarding: {name: Onboarding, type: fixed}
            rate_cards:
              eu: {name: EU, currency: EUR}
            contract_templates:
              legacy: {name: Legacy, rate_card: eu}
            pricing_units:
              credits: {name: Credits}
            """,
            "scenarios/nov/scenario.yaml": SCENARIO,
        }
    )
    assert diagnose(directory, "W0601") == [
        "extra.yaml:2:3: warning[W0601]: metric 'spare' is unused: no product prices it",
        "extra.yaml:4:3: warning[W0601]: product 'seats' is unused: no rate card prices it and "
        "no contract names it",
        "extra.yaml:5:3: warning[W0601]: product 'onboarding' is unused: no rate card prices it "
        "and no contract names it",
        "extra.yaml:9:3: warning[W0601]: template 'legacy' is unused: no scenario contract uses it",
        "extra.yaml:11:3: warning[W0601]: pricing unit 'credits' is unused: no rate card gives it "
        "a value",
    ]


def test_unused_rate_card(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        rate_cards:
          eu: {name: EU, currency: EUR}
        """
        }
    )
    assert diagnose(directory) == [
        "extra.yaml:2:3: warning[W0601]: rate card 'eu' is unused: no contract template uses it",
    ]


def test_templates_are_not_reported_without_scenarios(make_package: PackageMaker) -> None:
    assert diagnose(make_package(), "W0601") == []


def test_usage_product_on_no_rate_card(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        products:
          output: {name: Output, type: usage, metric: tokens}
        """
        }
    )
    assert diagnose(directory) == [
        "extra.yaml:2:3: warning[W0602]: usage product 'output' is on no rate card: its usage "
        "would never be priced",
    ]


def test_tag_selecting_nothing(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "contract_templates.yaml": """\
        contract_templates:
          basic:
            name: Basic
            rate_card: standard
            subscriptions: [{product: platform}]
            overrides: [{tags: [usgae], multiplier: 0.9}]
            commits:
              - {id: annual, type: prepaid, product: commit, amount: 100,
                 access: {starting_month: 0, months: 12}, applies_to: {tags: [tokens]}}
        """
        }
    )
    assert diagnose(directory, "W0603") == [
        "contract_templates.yaml:6:25: warning[W0603]: tag 'usgae' is on no product, so it "
        "selects nothing",
        "contract_templates.yaml:9:71: warning[W0603]: tag 'tokens' is on no product, so it "
        "selects nothing",
    ]
