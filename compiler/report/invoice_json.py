"""The invoice JSON of SPEC 5.1: one document per scenario, decimals as strings, stable keys."""

from __future__ import annotations

import json
from typing import Any

from compiler.engine.invoice import ReplayResult


def invoice_document(result: ReplayResult) -> dict[str, Any]:
    return result.model_dump(mode="json")


def to_json(result: ReplayResult) -> str:
    return json.dumps(invoice_document(result), indent=2, ensure_ascii=False) + "\n"
