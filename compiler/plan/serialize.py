"""Canonical JSON of a rating plan and its hash: sorted keys, decimals as strings."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from compiler.plan.ir import RatingPlan


def canonical_json(model: BaseModel) -> str:
    """Deterministic compact JSON: the same model always gives the same bytes."""
    return json.dumps(
        model.model_dump(mode="json", by_alias=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def plan_hash(plan: RatingPlan) -> str:
    unhashed = plan.model_copy(update={"plan_hash": ""})
    return "sha256:" + hashlib.sha256(canonical_json(unhashed).encode("utf-8")).hexdigest()


def with_hash(plan: RatingPlan) -> RatingPlan:
    return plan.model_copy(update={"plan_hash": plan_hash(plan)})


def plan_document(plan: RatingPlan) -> str:
    """What `plan compile` writes: readable, sorted, byte-identical for the same plan."""
    data: dict[str, Any] = plan.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def load_plan(text: str) -> RatingPlan:
    return RatingPlan.model_validate_json(text)
