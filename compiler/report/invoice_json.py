"""The invoice JSON of SPEC 5.1: one document per scenario, decimals as strings, stable keys."""

from __future__ import annotations

from typing import Any

from compiler.engine.invoice import ReplayResult


def invoice_document(result: ReplayResult) -> dict[str, Any]:
    return result.model_dump(mode="json")


def to_json(result: ReplayResult) -> str:
    """Keys in field order, two-space indent, UTF-8 as is: byte-identical run after run."""
    return result.model_dump_json(indent=2) + "\n"
