"""Changes between two revisions of one package, each classified with a stable code.

Models are compared, not text: reformatting, reordering keys or spelling a default out is no
change. A change points at its node in the working tree, or, when the node is gone, at where it
was in the base revision (each side keeps its own source map).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from compiler.diagnostics import Severity, Span
from compiler.diff.codes import severity_of
from compiler.model import Metric, Package, Product
from compiler.model.common import property_text
from compiler.report.labels import day
from compiler.source.yaml_reader import YamlPath
from compiler.validation import Validation

Revision = Literal["base", "working tree"]


@dataclass(frozen=True)
class Change:
    """One classified change; `span` is in `revision` (the base only for removed nodes)."""

    code: str
    message: str
    span: Span
    revision: Revision
    package: str
    hint: str | None = None
    before: Any = None
    after: Any = None

    @property
    def severity(self) -> Severity:
        return severity_of(self.code)

    @property
    def sort_key(self) -> tuple[int, str, str, int, int, str]:
        rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[self.severity]
        return (rank, self.package, self.span.file, self.span.line, self.span.column, self.code)


def _same(span: Span) -> Span:
    return span


@dataclass
class PackageSide:
    """One package at one revision: its validation (model, positions, scenarios)."""

    validation: Validation
    revision: Revision
    relocate: Callable[[Span], Span] = field(default=_same)

    @property
    def model(self) -> Package | None:
        return self.validation.package.model

    def span(self, path: YamlPath, at_key: bool = False) -> Span:
        positions = self.validation.package.source.positions
        return self.relocate(positions.key(path) if at_key else positions.value(path))

    def has(self, path: YamlPath) -> bool:
        return self.validation.package.source.positions.has(path)


@dataclass
class ChangeLog:
    """Collects the changes of one package, locating each on the side where its node is."""

    package: str
    base: PackageSide
    new: PackageSide
    changes: list[Change] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        path: YamlPath,
        *,
        removed: bool = False,
        hint: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        side = self.base if removed else self.new
        at_key = removed or not side.has(path) or len(path) <= 2
        span = side.span(path, at_key=at_key)
        self.changes.append(
            Change(
                code,
                message,
                span,
                side.revision,
                self.package,
                hint,
                as_json(before),
                as_json(after),
            )
        )

    def first_present(self, paths: Sequence[YamlPath], fallback: YamlPath) -> YamlPath:
        """The first path that exists in the working tree (where a change is shown)."""
        return next((p for p in paths if self.new.has(p)), fallback)


def as_json(value: Any) -> Any:
    """A JSON-ready copy: decimals and instants as strings, models as their non-default keys."""
    if isinstance(value, BaseModel):
        return as_json(value.model_dump(mode="python", by_alias=True, exclude_defaults=True))
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [as_json(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return day(value)
    return value


def describe(value: Any, limit: int = 60) -> str:
    """A short human form of a value for messages."""
    value = as_json(value)
    if value is None:
        text = "none"
    elif isinstance(value, list):
        text = "[" + ", ".join(describe(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {describe(v, limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def objects(
    log: ChangeLog,
    section: str,
    label: str,
    base: Mapping[str, Any],
    new: Mapping[str, Any],
    codes: tuple[str, str],
    removed_hint: str | None = None,
) -> list[str]:
    """Report added and removed objects of a section; returns the IDs on both sides."""
    added_code, removed_code = codes
    for object_id in sorted(new.keys() - base.keys()):
        log.add(added_code, f"{label} '{object_id}' added", (section, object_id))
    for object_id in sorted(base.keys() - new.keys()):
        log.add(
            removed_code,
            f"{label} '{object_id}' removed",
            (section, object_id),
            removed=True,
            hint=removed_hint,
        )
    return sorted(base.keys() & new.keys())


def labels_changed(
    log: ChangeLog, code: str, label: str, path: YamlPath, before: BaseModel, after: BaseModel
) -> None:
    """Name and description: what a person reads, never what is billed."""
    for name in ("name", "description"):
        old, new = getattr(before, name, None), getattr(after, name, None)
        if old != new:
            log.add(
                code,
                f"{label} {name}: {describe(old)} → {describe(new)}",
                (*path, name),
                before=old,
                after=new,
            )


# --- metrics -----------------------------------------------------------------------------


def _sql_text(sql: str | None) -> str | None:
    """SQL in a canonical spelling, so reformatting a query is no change."""
    if sql is None:
        return None
    try:
        import sqlglot

        return str(sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb"))
    except Exception:  # unparsable SQL is compared as text; `plan validate` reports it
        return " ".join(sql.split())


def _measured(metric: Metric) -> dict[str, Any]:
    """What a metric measures, in a form where order and spelling do not matter."""
    filters = {
        prop: (
            None if f.in_ is None else sorted({property_text(v) for v in f.in_}),
            None if f.not_in is None else sorted({property_text(v) for v in f.not_in}),
            f.exists,
        )
        for prop, f in metric.filters.items()
    }
    return {
        "event_type": sorted(set(metric.event_types)),
        "aggregate": metric.aggregate,
        "property": metric.property,
        "filters": filters,
        "sql": _sql_text(metric.sql),
    }


def metric_changes(log: ChangeLog, base: Package, new: Package) -> None:
    """Metrics are immutable once released: a change to what one measures is breaking."""
    for metric_id in objects(
        log,
        "metrics",
        "metric",
        base.metrics,
        new.metrics,
        ("D0104", "D0102"),
        "metrics are immutable: keep it (unused metrics only warn)",
    ):
        before, after = base.metrics[metric_id], new.metrics[metric_id]
        path: YamlPath = ("metrics", metric_id)
        old, now = _measured(before), _measured(after)
        changed = [name for name in old if old[name] != now[name]]
        if changed:
            details = "; ".join(
                f"{name} {describe(getattr(before, name))} → {describe(getattr(after, name))}"
                if name in ("aggregate", "property", "event_type")
                else f"{name} changed"
                for name in changed
            )
            log.add(
                "D0101",
                f"metric '{metric_id}' changed what it measures: {details}",
                log.first_present([(*path, n) for n in changed], path),
                hint=f"metrics are immutable once released: add a new metric (e.g. "
                f"'{metric_id}_v2') and point the product at it",
                before={n: getattr(before, n) for n in changed},
                after={n: getattr(after, n) for n in changed},
            )
        if set(before.group_keys) != set(after.group_keys):
            log.add(
                "D0103",
                f"metric '{metric_id}' group keys {describe(before.group_keys)} → "
                f"{describe(after.group_keys)}",
                (*path, "group_keys"),
                before=before.group_keys,
                after=after.group_keys,
            )
        labels_changed(log, "D0105", f"metric '{metric_id}'", path, before, after)


# --- products ----------------------------------------------------------------------------

_PRODUCT_FIELDS: tuple[tuple[str, str, bool], ...] = (
    # (field, code, compared as a set)
    ("metric", "D0202", False),
    ("pricing_group_keys", "D0203", True),
    ("presentation_group_keys", "D0203", True),
    ("quantity_conversion", "D0204", False),
    ("quantity_rounding", "D0204", False),
    ("tags", "D0205", True),
    ("of", "D0205", False),
)


def product_changes(log: ChangeLog, base: Package, new: Package) -> None:
    """A product's type is fixed; its keys, conversion and tags change money going forward."""
    for product_id in objects(
        log,
        "products",
        "product",
        base.products,
        new.products,
        ("D0206", "D0207"),
        "its usage is no longer billed; its rates and terms must go too",
    ):
        before, after = base.products[product_id], new.products[product_id]
        path: YamlPath = ("products", product_id)
        if before.type != after.type:
            log.add(
                "D0201",
                f"product '{product_id}' type {before.type} → {after.type}",
                (*path, "type"),
                hint="add a new product of the new type, price it and move the terms to it",
                before=before.type,
                after=after.type,
            )
        for name, code, as_set in _PRODUCT_FIELDS:
            old, now = _product_field(before, name), _product_field(after, name)
            if (set(old) != set(now)) if as_set else (old != now):
                log.add(
                    code,
                    f"product '{product_id}' {name.replace('_', ' ')}: "
                    f"{describe(old)} → {describe(now)}",
                    (*path, name),
                    before=old,
                    after=now,
                )
        labels_changed(log, "D0208", f"product '{product_id}'", path, before, after)


def _product_field(product: Product, name: str) -> Any:
    value = getattr(product, name)
    if name == "of" and value is not None:
        return {"products": sorted(value.products), "tags": sorted(value.tags)}
    return value


# --- contract templates ------------------------------------------------------------------

_TERMS = (
    "rate_card",
    "duration_months",
    "billing",
    "subscriptions",
    "overrides",
    "commits",
    "credits",
    "scheduled_charges",
)


def template_changes(log: ChangeLog, base: Package, new: Package) -> None:
    """Template terms apply to every contract made from the template, past periods included."""
    for template_id in objects(
        log,
        "contract_templates",
        "contract template",
        base.contract_templates,
        new.contract_templates,
        ("D0402", "D0403"),
        "contracts made from it no longer load",
    ):
        before = base.contract_templates[template_id]
        after = new.contract_templates[template_id]
        path: YamlPath = ("contract_templates", template_id)
        for name in _TERMS:
            old, now = getattr(before, name), getattr(after, name)
            if old == now:
                continue
            log.add(
                "D0401",
                _term_message(template_id, name, old, now),
                _term_path(log, path, name, old, now),
                before=old,
                after=now,
            )
        labels_changed(log, "D0404", f"contract template '{template_id}'", path, before, after)


def _term_message(template_id: str, name: str, old: Any, now: Any) -> str:
    label = f"contract template '{template_id}' {name.replace('_', ' ')}"
    if isinstance(old, list) and isinstance(now, list):
        return f"{label} changed ({len(old)} → {len(now)} entries)"
    return f"{label}: {describe(old)} → {describe(now)}"


def _term_path(log: ChangeLog, path: YamlPath, name: str, old: Any, now: Any) -> YamlPath:
    """The first differing list entry when the term is a list, else the term itself."""
    if isinstance(old, list) and isinstance(now, list):
        index = next(
            (i for i, (a, b) in enumerate(zip(old, now, strict=False)) if a != b),
            min(len(old), len(now)),
        )
        return log.first_present([(*path, name, index)], (*path, name))
    return (*path, name)


# --- the package section and pricing units -----------------------------------------------


def package_changes(log: ChangeLog, base: Package, new: Package) -> None:
    """Rounding moves every line amount; name and description are labels."""
    if base.package.rounding != new.package.rounding:
        log.add(
            "D0501",
            f"rounding {base.package.rounding} → {new.package.rounding}",
            ("package", "rounding"),
            before=base.package.rounding,
            after=new.package.rounding,
        )
    labels_changed(log, "D0502", "package", ("package",), base.package, new.package)
    for unit_id in objects(
        log,
        "pricing_units",
        "pricing unit",
        base.pricing_units,
        new.pricing_units,
        ("D0503", "D0504"),
    ):
        labels_changed(
            log,
            "D0503",
            f"pricing unit '{unit_id}'",
            ("pricing_units", unit_id),
            base.pricing_units[unit_id],
            new.pricing_units[unit_id],
        )
