"""Products: the line items of an invoice (SPEC 2.3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compiler.model.common import Amount, Id, Strict

ProductType = Literal["usage", "subscription", "composite", "fixed"]


class QuantityConversion(Strict):
    divide_by: Amount | None = Field(default=None, gt=0)
    multiply_by: Amount | None = Field(default=None, gt=0)


class QuantityRounding(Strict):
    decimal_places: int = Field(ge=0, le=18)
    method: Literal["up", "down", "half_up"]


class ProductSelector(Strict):
    """Selects products by ID and/or by tag (any listed matches)."""

    products: list[Id] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Product(Strict):
    name: str
    description: str | None = None
    type: ProductType
    metric: Id | None = None
    pricing_group_keys: list[str] = Field(default_factory=list)
    presentation_group_keys: list[str] = Field(default_factory=list)
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    tags: list[str] = Field(default_factory=list)
    of: ProductSelector | None = None
