"""The package model: pydantic models of every construct of SPEC section 2."""

from __future__ import annotations

from pydantic import Field

from compiler.model.common import Id, Strict
from compiler.model.contracts import ContractTemplate
from compiler.model.metrics import Metric
from compiler.model.package import PackageInfo, PricingUnit
from compiler.model.products import Product
from compiler.model.rate_cards import RateCard
from compiler.model.scenario import Customer, CustomersFile, Scenario


class Package(Strict):
    """A whole package: every section of every file, merged."""

    package: PackageInfo
    metrics: dict[Id, Metric] = Field(default_factory=dict)
    products: dict[Id, Product] = Field(default_factory=dict)
    rate_cards: dict[Id, RateCard] = Field(default_factory=dict)
    contract_templates: dict[Id, ContractTemplate] = Field(default_factory=dict)
    pricing_units: dict[Id, PricingUnit] = Field(default_factory=dict)


SECTIONS = tuple(Package.model_fields)

__all__ = [
    "SECTIONS",
    "ContractTemplate",
    "Customer",
    "CustomersFile",
    "Metric",
    "Package",
    "PackageInfo",
    "PricingUnit",
    "Product",
    "RateCard",
    "Scenario",
]
