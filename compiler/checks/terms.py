"""Where contract terms are written: templates in the package, contracts in scenario files
(and in the customers file of `plan replay`).

Several checks look at contract terms (subscriptions, overrides, commits, credits, scheduled
charges) wherever they appear. A `TermsSite` pairs the terms with the source map and data path
they came from, so a check can point at the offending node in either kind of file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from compiler.diagnostics import Span
from compiler.loader import CustomerSection, LoadedPackage
from compiler.model.contracts import Contract, ContractTemplate, ContractTerms
from compiler.model.products import ProductSelector
from compiler.source.package_source import SourceMap
from compiler.source.yaml_reader import YamlPath


@dataclass(frozen=True)
class TermsSite:
    """Contract terms and where they are written."""

    owner: str  # shown in messages: "contract template 'enterprise'", "contract 'acme-2026'"
    terms: ContractTerms
    positions: SourceMap
    path: YamlPath
    template: ContractTemplate | None  # the template itself, or a contract's resolved template
    section: CustomerSection | None = None  # a contract's customers section; None: a template

    def value(self, *rest: str | int) -> Span:
        return self.positions.value((*self.path, *rest))

    def key(self, *rest: str | int) -> Span:
        return self.positions.key((*self.path, *rest))

    @property
    def contract(self) -> Contract | None:
        return self.terms if isinstance(self.terms, Contract) else None


@dataclass(frozen=True)
class ProductReference:
    """A product named in contract terms: its ID, its path below the site and its role."""

    product: str
    path: YamlPath
    role: str  # subscription | override | commit | credit | scheduled charge | applies_to


def contract_terms(loaded: LoadedPackage) -> Iterator[TermsSite]:
    """Every template of the package, then every contract of every customers section (each
    schema-valid scenario's, then the customers file's)."""
    package = loaded.model
    if package is None:
        return
    positions = loaded.source.positions
    for template_id, template in package.contract_templates.items():
        yield TermsSite(
            f"contract template '{template_id}'",
            template,
            positions,
            ("contract_templates", template_id),
            template,
        )
    for section in loaded.customer_sections():
        for customer_id, index, contract in section.contracts():
            yield TermsSite(
                f"contract '{contract.id}'",
                contract,
                section.positions,
                ("customers", customer_id, "contracts", index),
                package.contract_templates.get(contract.template),
                section,
            )


def product_references(terms: ContractTerms) -> Iterator[ProductReference]:
    """Every product ID the terms name explicitly (selectors by tag are not references)."""
    for i, subscription in enumerate(terms.subscriptions):
        yield ProductReference(
            subscription.product, ("subscriptions", i, "product"), "subscription"
        )
    for i, override in enumerate(terms.overrides):
        for j, product in enumerate(override.products):
            yield ProductReference(product, ("overrides", i, "products", j), "override")
    for section, role in (("commits", "commit"), ("credits", "credit")):
        for i, balance in enumerate(getattr(terms, section)):
            yield ProductReference(balance.product, (section, i, "product"), role)
            yield from _selector_references(balance.applies_to, (section, i, "applies_to"))
    for i, charge in enumerate(terms.scheduled_charges):
        yield ProductReference(
            charge.product, ("scheduled_charges", i, "product"), "scheduled charge"
        )


def _selector_references(
    selector: ProductSelector | None, path: YamlPath
) -> Iterator[ProductReference]:
    if selector is None:
        return
    for j, product in enumerate(selector.products):
        yield ProductReference(product, (*path, "products", j), "applies_to")


def tag_references(terms: ContractTerms) -> Iterator[tuple[str, YamlPath]]:
    """Every tag that the terms use to select products, with its path below the site."""
    for i, override in enumerate(terms.overrides):
        for j, tag in enumerate(override.tags):
            yield tag, ("overrides", i, "tags", j)
    for section in ("commits", "credits"):
        for i, balance in enumerate(getattr(terms, section)):
            if balance.applies_to is not None:
                for j, tag in enumerate(balance.applies_to.tags):
                    yield tag, (section, i, "applies_to", "tags", j)
