"""The `package` section: the package's name and money rounding mode."""

from __future__ import annotations

from typing import Literal

from compiler.model.common import Strict

RoundingMode = Literal["half_up", "half_even"]


class PackageInfo(Strict):
    name: str
    description: str | None = None
    rounding: RoundingMode = "half_up"


class PricingUnit(Strict):
    """A custom pricing unit (e.g. credits); rate cards say what one is worth in fiat."""

    name: str
    description: str | None = None
