"""E0101 for values that only look right: the loader takes a value as written, never coerced.

A decimal is its digits (no spaces, underscores or other scripts' digits), a number or a
boolean is not a string, and a date is `2026-11-01` or an RFC 3339 date-time: what the JSON
Schemas in `schemas/` say, so editors and `plan validate` agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from compiler.api import CompilerError, load_customers
from compiler.validation import validate

from .conftest import PackageMaker, diagnose


def _rate(entry: str) -> dict[str, str]:
    """A rate card whose `tokens` rate is `entry` (a flow mapping on line 7)."""
    return {
        "rate_cards.yaml": f"""\
rate_cards:
  standard:
    name: Standard
    currency: USD
    rates:
      tokens:
        - {entry}
      platform:
        - {{price: 100, billing_frequency: monthly}}
      support:
        - {{percentage: 0.10}}
"""
    }


DECIMAL = 'expected a decimal such as 1500 or "0.002", with no spaces or underscores'
BOOLEAN = "expected a boolean (true or false)"
INSTANT = "expected a date such as 2026-11-01 or a date-time such as 2026-11-01T00:00:00Z"
WHERE = "rate_cards.standard.rates.tokens.0"
ENTRY = "pricing_group_values: {model: small}, price: 1"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            'pricing_group_values: {model: small}, price: " 1.5"',
            f"7:57: error[E0101]: {WHERE}.price: {DECIMAL} (got ' 1.5')",
        ),
        (
            'pricing_group_values: {model: small}, price: "1.5 "',
            f"7:57: error[E0101]: {WHERE}.price: {DECIMAL} (got '1.5 ')",
        ),
        (
            'pricing_group_values: {model: small}, price: "1_000"',
            f"7:57: error[E0101]: {WHERE}.price: {DECIMAL} (got '1_000')",
        ),
        (  # Arabic-Indic digits: Python's Decimal reads them as 12
            'pricing_group_values: {model: small}, price: "\u0661\u0662"',
            f"7:57: error[E0101]: {WHERE}.price: {DECIMAL} (got '\u0661\u0662')",
        ),
        (
            f'{ENTRY}, entitled: "yes"',
            f"7:70: error[E0101]: {WHERE}.entitled: {BOOLEAN}, not a string (got 'yes')",
        ),
        (
            f'{ENTRY}, entitled: "true"',
            f"7:70: error[E0101]: {WHERE}.entitled: {BOOLEAN}, not a string (got 'true')",
        ),
        (
            f"{ENTRY}, entitled: 1",
            f"7:70: error[E0101]: {WHERE}.entitled: {BOOLEAN} (got 1)",
        ),
        (  # a YAML 1.2 timestamp, but not RFC 3339 (a space for the `T`)
            f"{ENTRY}, ending_before: 2026-11-15 00:00:00Z",
            f"7:75: error[E0101]: {WHERE}.ending_before: {INSTANT} (got '2026-11-15 00:00:00Z')",
        ),
        (  # an ISO week date
            f"{ENTRY}, ending_before: 2026-W46-7",
            f"7:75: error[E0101]: {WHERE}.ending_before: {INSTANT} (got '2026-W46-7')",
        ),
        (  # an offset without its colon
            f'{ENTRY}, starting_at: "2026-11-15T00:00:00+0000"',
            f"7:73: error[E0101]: {WHERE}.starting_at: {INSTANT} (got '2026-11-15T00:00:00+0000')",
        ),
        (
            f'{ENTRY}, starting_at: " 2026-11-15"',
            f"7:73: error[E0101]: {WHERE}.starting_at: {INSTANT} (got ' 2026-11-15')",
        ),
        (
            f"{ENTRY}, starting_at: 20261115",
            f"7:73: error[E0101]: {WHERE}.starting_at: {INSTANT} (got 20261115)",
        ),
    ],
    ids=[
        "decimal-space-before",
        "decimal-space-after",
        "decimal-underscore",
        "decimal-other-digits",
        "boolean-yes",
        "boolean-as-text",
        "boolean-as-number",
        "date-time-with-space",
        "week-date",
        "offset-without-colon",
        "date-space-before",
        "date-as-number",
    ],
)
def test_a_value_that_only_looks_right_is_rejected_at_the_value(
    make_package: PackageMaker, entry: str, expected: str
) -> None:
    directory = make_package(_rate(f"{{{entry}}}"))
    assert diagnose(directory, "E0101") == [f"rate_cards.yaml:{expected}"]


def test_a_number_given_as_a_string_is_rejected(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "contract_templates.yaml": """\
contract_templates:
  basic:
    name: Basic
    rate_card: standard
    duration_months: "12"
    subscriptions:
      - {product: platform}
    commits:
      - {id: annual, type: prepaid, product: commit, amount: 100, priority: "3",
         access: {starting_month: 0, months: 12.0}}
"""
        }
    )
    number = "expected a whole number such as 3"
    assert diagnose(directory, "E0101") == [
        "contract_templates.yaml:5:22: error[E0101]: contract_templates.basic.duration_months: "
        f"{number}, not a string (got '12')",
        "contract_templates.yaml:9:77: error[E0101]: contract_templates.basic.commits.0.priority:"
        f" {number}, not a string (got '3')",
        "contract_templates.yaml:10:46: error[E0101]: "
        f"contract_templates.basic.commits.0.access.months: {number}",
    ]


def test_a_date_time_without_its_offset_says_so(make_package: PackageMaker) -> None:
    directory = make_package(_rate(f"{{{ENTRY}, ending_before: 2026-11-15T00:00:00}}"))
    assert diagnose(directory, "E0101") == [
        f"rate_cards.yaml:7:75: error[E0101]: {WHERE}.ending_before: a date-time needs a time "
        "zone offset, e.g. 2026-11-01T00:00:00Z (got '2026-11-15T00:00:00')"
    ]


def test_a_date_that_does_not_exist_is_rejected(make_package: PackageMaker) -> None:
    directory = make_package(_rate(f"{{{ENTRY}, ending_before: 2026-02-30}}"))
    assert diagnose(directory, "E0101") == [
        f"rate_cards.yaml:7:75: error[E0101]: {WHERE}.ending_before: no such date or time "
        "of day (got '2026-02-30')"
    ]


def test_scenario_dates_are_read_alike(make_package: PackageMaker) -> None:
    scenario = """\
scenario:
  period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
  as_of: 2026-12-03 00:00:00Z
customers: {}
"""
    directory = make_package({"scenarios/november/scenario.yaml": scenario})
    assert diagnose(directory, "E0101") == [
        "scenarios/november/scenario.yaml:3:10: error[E0101]: scenario.as_of: "
        f"{INSTANT} (got '2026-12-03 00:00:00Z')"
    ]


def test_a_customers_file_is_read_alike(tmp_path: Path) -> None:
    path = tmp_path / "customers.yaml"
    path.write_text(
        "customers:\n"
        "  acme:\n"
        "    name: Acme\n"
        "    contracts: [{id: acme-1, template: basic, starting_at: 2026-W45-7}]\n"
    )
    with pytest.raises(CompilerError) as raised:
        load_customers(path)
    (problem,) = raised.value.diagnostics
    assert (problem.code, problem.span.line, problem.span.column) == ("E0101", 4, 60)
    assert INSTANT in problem.message


def test_values_written_as_the_spec_writes_them_are_accepted(make_package: PackageMaker) -> None:
    directory = make_package(
        _rate(
            '{pricing_group_values: {model: small}, price: "0.002", entitled: false}\n'
            '        - {pricing_group_values: {model: medium}, price: "1500", '
            "ending_before: 2026-11-15}\n"
            "        - {pricing_group_values: {model: medium}, price: 1.50, "
            'starting_at: 2026-11-15, ending_before: "2026-12-01T00:00:00Z"}\n'
            '        - {pricing_group_values: {model: medium}, price: "1e3", '
            "starting_at: 2026-12-01T00:00:00Z, ending_before: 2027-01-01T01:00:00.5+01:00}\n"
            '        - {pricing_group_values: {model: medium}, price: "-.5", '
            "starting_at: 2027-01-01t00:00:00.5z, ending_before: 2027-02-01}\n"
            "        - {pricing_group_values: {model: large}, price: 1_000.5}"
        )
    )
    validation = validate(directory)
    assert validation.diagnostics == []
    assert validation.package.model is not None
    rates = validation.package.model.rate_cards["standard"].rates["tokens"]
    assert [rate.price for rate in rates] == [
        Decimal("0.002"),
        Decimal("1500"),
        Decimal("1.50"),
        Decimal("1e3"),
        Decimal("-0.5"),
        Decimal("1000.5"),  # a YAML number: YAML allows the underscore
    ]
    assert rates[0].entitled is False
    assert [rate.ending_before for rate in rates[1:4]] == [
        datetime(2026, 11, 15, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
    ]
    assert rates[4].starting_at == datetime(2027, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-01:00",  # 01:00 UTC on 1 January of year 10000
        "0001-01-01T00:00:00+01:00",  # 23:00 UTC on 31 December of year 0
        "2026-11-15T00:00:00+01:75",  # 75 minutes is no offset
        "2026-11-15T00:00:00+24:00",
    ],
)
def test_an_instant_outside_the_calendar_or_with_a_bad_offset_is_a_diagnostic(text: str) -> None:
    from pydantic_core import PydanticCustomError

    from compiler.model.common import parse_instant

    with pytest.raises(PydanticCustomError):
        parse_instant(text)


def test_an_earlier_revision_is_read_as_it_was_accepted() -> None:
    """`plan diff --base` reads the base revision leniently (see lenient_reading)."""
    from compiler.model.common import parse_instant, read_leniently

    with read_leniently():
        assert parse_instant("2026-11-15 00:00:00Z") == datetime(2026, 11, 15, tzinfo=UTC)
        assert parse_instant(" 2026-11-15") == datetime(2026, 11, 15, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_instant("2026-11-15 00:00:00Z")


def test_a_boolean_for_a_decimal_says_what_to_write(make_package: PackageMaker) -> None:
    directory = make_package(_rate("{pricing_group_values: {model: small}, price: true}"))
    assert diagnose(directory, "E0101") == [
        f"rate_cards.yaml:7:57: error[E0101]: {WHERE}.price: expected a decimal such as 1500 or "
        '"0.002" (got true)'  # as YAML writes it, not Python's True
    ]


def test_command_line_instants_may_have_spaces_around_them() -> None:
    """Typed on a command line, `--period "2026-11-01 .. 2026-12-01"` means what it says."""
    from compiler.cli import _instant, _period

    period = _period(" 2026-11-01 .. 2026-12-01 ")
    assert (period.start, period.end) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert _instant(None, None, " 2026-12-03 ") == datetime(2026, 12, 3, tzinfo=UTC)  # type: ignore[arg-type]
