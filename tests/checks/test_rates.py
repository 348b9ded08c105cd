from __future__ import annotations

from .conftest import PackageMaker, diagnose, located


def _card(rates: str, extra: str = "") -> dict[str, str]:
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
{rates}{extra}"""
    }


def test_overlapping_rates(make_package: PackageMaker) -> None:
    directory = make_package(
        _card("""\
      tokens:
        - pricing_group_values: {model: small}
          price: 1.00
          ending_before: 2027-01-01
        - pricing_group_values: {model: small}
          starting_at: 2026-12-01
          price: 0.90
        - pricing_group_values: {model: large}
          price: 3.00
        - pricing_group_values: {model: large}
          starting_at: 2027-01-01
          price: 2.00
""")
    )
    assert diagnose(directory, "E0301") == [
        "rate_cards.yaml:15:24: error[E0301]: rate 2 of 'tokens' overlaps rate 1 (line 11) for "
        "the same pricing group values, from 2026-12-01T00:00:00Z",
        "rate_cards.yaml:20:24: error[E0301]: rate 4 of 'tokens' overlaps rate 3 (line 17) for "
        "the same pricing group values, from 2027-01-01T00:00:00Z",
    ]


def test_adjacent_rates_do_not_overlap(make_package: PackageMaker) -> None:
    directory = make_package(
        _card("""\
      tokens:
        - {pricing_group_values: {model: small}, price: 1, ending_before: 2027-01-01}
        - {pricing_group_values: {model: small}, price: 2, starting_at: 2027-01-01}
""")
    )
    assert diagnose(directory) == []


def test_rate_ending_before_it_starts(make_package: PackageMaker) -> None:
    directory = make_package(
        _card("""\
      tokens:
        - pricing_group_values: {model: small}
          price: 1.00
          starting_at: 2027-01-01
          ending_before: 2027-01-01
""")
    )
    assert diagnose(directory, "E0301") == [
        "rate_cards.yaml:14:26: error[E0301]: rate 1 of 'tokens' ends (2027-01-01T00:00:00Z) "
        "before it starts (2027-01-01T00:00:00Z)",
    ]


def test_one_kind_per_entry(make_package: PackageMaker) -> None:
    directory = make_package(
        _card("""\
      tokens:
        - {pricing_group_values: {model: small}, price: 1, tiers: [{price: 1}]}
        - {pricing_group_values: {model: large}}
""")
    )
    assert diagnose(directory, "E0303") == [
        "rate_cards.yaml:11:60: error[E0303]: rate 1 of 'tokens' needs exactly one of price, "
        "tiers, percentage (found price, tiers)",
        "rate_cards.yaml:12:11: error[E0303]: rate 2 of 'tokens' needs exactly one of price, "
        "tiers, percentage",
    ]


def test_kinds_that_do_not_fit_the_product(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "rate_cards.yaml": """\
        rate_cards:
          standard:
            name: Standard
            currency: USD
            rates:
              tokens:
                - {pricing_group_values: {model: small}, percentage: 0.1, minimum: 5}
                - {pricing_group_values: {model: big}, price: 1, billing_frequency: monthly}
                - {pricing_group_values: {model: huge}, price: 1, tier_mode: volume}
              platform:
                - {price: 100}
                - {tiers: [{price: 1}], billing_frequency: annual, starting_at: 2027-01-01}
              support:
                - {price: 5}
              commit:
                - {price: 1}
        """
        }
    )
    assert located(directory, "E0303") == [
        "rate_cards.yaml:7:50 E0303",
        "rate_cards.yaml:7:67 E0303",
        "rate_cards.yaml:8:58 E0303",
        "rate_cards.yaml:9:59 E0303",
        "rate_cards.yaml:11:11 E0303",
        "rate_cards.yaml:12:12 E0303",
        "rate_cards.yaml:14:12 E0303",
        "rate_cards.yaml:15:7 E0303",
    ]
    assert diagnose(directory, "E0303")[-1] == (
        "rate_cards.yaml:15:7: error[E0303]: fixed product 'commit' cannot be on a rate card"
    )


def test_currency_is_iso_4217(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "extra.yaml": """\
        rate_cards:
          lower: {name: Lower, currency: usd}
          made_up: {name: Made up, currency: XYZ}
          metal: {name: Gold, currency: XAU}
        """
        }
    )
    assert diagnose(directory, "E0304") == [
        "extra.yaml:2:34: error[E0304]: rate card 'lower': 'usd' is not an ISO 4217 currency code",
        "extra.yaml:3:38: error[E0304]: rate card 'made_up': 'XYZ' is not an ISO 4217 "
        "currency code",
        "extra.yaml:4:33: error[E0304]: rate card 'metal': 'XAU' is not an ISO 4217 currency code",
    ]


def test_rate_unit_needs_a_value_on_the_card(make_package: PackageMaker) -> None:
    directory = make_package(
        _card(
            """\
      tokens:
        - {pricing_group_values: {model: small}, price: 1, unit: credits}
""",
            """\
    pricing_units: {gems: 0}
pricing_units:
  credits: {name: Credits}
  gems: {name: Gems}
""",
        )
    )
    assert diagnose(directory, "E0305") == [
        "rate_cards.yaml:11:66: error[E0305]: rate 1 of 'tokens' is priced in 'credits', which "
        "rate card 'standard' gives no value in USD",
        "rate_cards.yaml:12:27: error[E0305]: rate card 'standard': pricing unit 'gems' is "
        "worth 0; it must be worth more than 0",
    ]
