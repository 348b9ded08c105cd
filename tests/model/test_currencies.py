"""ISO 4217 minor units."""

from decimal import Decimal

import pytest

from compiler.model.currencies import MINOR_UNITS, minor_unit_quantum


@pytest.mark.parametrize(
    ("code", "digits"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
        ("UYW", 4),
    ],
)
def test_minor_units_of_well_known_currencies(code: str, digits: int) -> None:
    assert MINOR_UNITS[code] == digits


def test_exceptions_to_two_digits_are_exactly_iso_4217s() -> None:
    zero = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"}
    zero |= {"UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
    three = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
    four = {"CLF", "UYW"}
    assert {c for c, d in MINOR_UNITS.items() if d == 0} == zero
    assert {c for c, d in MINOR_UNITS.items() if d == 3} == three
    assert {c for c, d in MINOR_UNITS.items() if d == 4} == four
    assert set(MINOR_UNITS.values()) == {0, 2, 3, 4}


def test_table_is_the_full_list_of_codes() -> None:
    # 17 zero-digit + 7 three-digit + 2 four-digit + the two-digit codes.
    assert len(MINOR_UNITS) > 150
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in MINOR_UNITS)
    for code in ("AED", "CHF", "CNY", "INR", "MXN", "XCD", "XCG", "ZAR", "ZWG", "VES"):
        assert MINOR_UNITS[code] == 2


def test_codes_without_a_minor_unit_and_withdrawn_codes_are_absent() -> None:
    for code in ("XAU", "XAG", "XDR", "XTS", "XXX", "HRK", "DEM", "ZWL", "CUC"):
        assert code not in MINOR_UNITS


def test_quantum_is_one_minor_unit() -> None:
    assert minor_unit_quantum("USD") == Decimal("0.01")
    assert str(minor_unit_quantum("USD")) == "0.01"
    assert str(minor_unit_quantum("JPY")) == "1"
    assert str(minor_unit_quantum("KWD")) == "0.001"
    assert str(minor_unit_quantum("CLF")) == "0.0001"


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ISO 4217"):
        minor_unit_quantum("usd")
    with pytest.raises(ValueError, match="unknown ISO 4217"):
        minor_unit_quantum("XAU")
