"""The invoice JSON of SPEC 5.1: one document per scenario, decimals as strings, stable keys."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from compiler.engine.invoice import ReplayResult

_RESULT = TypeAdapter(ReplayResult)


def invoice_document(result: ReplayResult) -> dict[str, Any]:
    return result.model_dump(mode="json")


def to_json(result: ReplayResult) -> str:
    """Keys in field order, two-space indent, UTF-8 as is: byte-identical run after run."""
    return to_json_bytes(result).decode()


def to_json_bytes(result: ReplayResult) -> bytes:
    """`to_json` as pydantic writes it, UTF-8: a large replay's JSON (20 MB for a thousand
    invoices) is written out without being decoded and encoded again."""
    return _RESULT.dump_json(result, indent=2) + b"\n"
