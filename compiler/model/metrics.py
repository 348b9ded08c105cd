"""Billable metrics: what is measured (SPEC 2.2)."""

from __future__ import annotations

import builtins
from typing import Literal

from pydantic import Field

from compiler.model.common import PropertyValue, Strict

Aggregate = Literal["count", "sum", "max", "unique", "latest"]


class Filter(Strict):
    """Conditions on one property; all given conditions must hold."""

    in_: list[PropertyValue] | None = Field(default=None, alias="in")
    not_in: list[PropertyValue] | None = None
    exists: bool | None = None


class Metric(Strict):
    name: str
    description: str | None = None
    event_type: str | list[str] | None = None
    aggregate: Aggregate | None = None
    property: str | None = None
    filters: dict[str, Filter] = Field(default_factory=dict)
    group_keys: list[str] = Field(default_factory=list)
    sql: str | None = None

    @builtins.property  # `property` is a field name here
    def event_types(self) -> list[str]:
        if self.event_type is None:
            return []
        return [self.event_type] if isinstance(self.event_type, str) else list(self.event_type)
