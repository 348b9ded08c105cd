"""JSON Schemas of every file kind, generated from the models (`plan schema`)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from compiler.model import CustomersFile, Package, PackageInfo, Scenario

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _file_kinds() -> dict[str, type[BaseModel]]:
    from compiler.plan.ir import RatingPlan

    return {
        "package": _PackageFile,
        "scenario": Scenario,
        "customers": CustomersFile,
        "plan": RatingPlan,
    }


class _PackageFile(Package):
    """One file of a package: any of the sections, all optional (the merge needs `package`)."""

    package: PackageInfo | None = None  # type: ignore[assignment]


def generate() -> dict[str, str]:
    """File name → schema text, deterministic."""
    out = {}
    for kind, model in _file_kinds().items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        if kind == "package":
            schema["title"] = "Pricing package file"
        schema = {"$schema": SCHEMA_DIALECT, "$id": f"{kind}.schema.json", **schema}
        out[f"{kind}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generate().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(directory: Path) -> list[str]:
    """Schema files that are missing or differ from the models."""
    return [
        name
        for name, text in generate().items()
        if not (directory / name).is_file() or (directory / name).read_text("utf-8") != text
    ]
