"""JSON Schemas of every file kind, generated from the models (`plan schema`).

The schemas are what editors check a package file against as it is typed, so they must reject
what the loader rejects. pydantic's generator leaves two gaps there, closed by `_Generator`: the
keys of an ID-keyed section are not constrained, and a bound on a decimal (`Field(gt=0)` on an
`Amount`) is dropped or written as a keyword JSON Schema does not have.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt
from pydantic import BaseModel, Field
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, SkipJsonSchema
from pydantic_core import core_schema

from compiler.model import CustomersFile, Package, PackageInfo, Scenario
from compiler.model.common import DECIMAL_SCHEMA

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _file_kinds() -> dict[str, type[BaseModel]]:
    from compiler.plan.ir import RatingPlan

    return {
        "package": _PackageFile,
        "scenario": Scenario,
        "customers": CustomersFile,
        "plan": RatingPlan,
    }


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class _PackageFile(Package):
    """One file of a package: any of the sections, all optional (the merge needs `package`)."""

    # optional in a file, but never null: `package: null` is an error of the merged package
    package: SkipJsonSchema[None] | PackageInfo = Field(  # type: ignore[assignment]
        default=None, json_schema_extra=_without_default
    )


# A decimal's text with a lower bound of 0, in the syntax of DECIMAL_SCHEMA's pattern.
_AT_LEAST_ZERO = r"^(\+?(\d+(\.\d*)?|\.\d+)|-(0+(\.0*)?|\.0+))([eE][+-]?\d+)?$"
_ABOVE_ZERO = r"^\+?(\d*[1-9]\d*(\.\d*)?|\d*\.\d*[1-9]\d*)([eE][+-]?\d+)?$"


class _Generator(GenerateJsonSchema):
    """pydantic's generator, made to reject the keys and decimals the loader rejects."""

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        json_schema = super().dict_schema(schema)
        patterns = json_schema.get("patternProperties", {})
        if len(patterns) == 1 and "propertyNames" not in json_schema:
            # pydantic puts ID-keyed entries under patternProperties, which still allows any
            # other key; the loader rejects a key that is not an ID (E0105)
            json_schema["propertyNames"] = {"pattern": next(iter(patterns))}
        return json_schema

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        properties = json_schema.get("properties", {})
        for name, field in schema["cls"].model_fields.items():
            key = field.alias or name
            for bound in field.metadata:
                if isinstance(bound, Gt | Ge) and key in properties:
                    properties[key] = _bounded(properties[key], bound)
        return json_schema


def _bounded(node: Any, bound: Gt | Ge) -> Any:
    """`node` with every decimal in it bounded below by `bound` (a copy; nothing shared)."""
    if isinstance(node, list):
        return [_bounded(item, bound) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("anyOf") != DECIMAL_SCHEMA["anyOf"]:
        return {key: _bounded(value, bound) for key, value in node.items()}
    exclusive = isinstance(bound, Gt)
    limit = bound.gt if isinstance(bound, Gt) else bound.ge
    if limit != 0:  # a pattern cannot compare decimal text with any other number
        raise ValueError(f"no JSON Schema for a decimal bounded by {bound!r}; only 0 is")
    kept = {k: v for k, v in node.items() if k not in ("gt", "ge", "lt", "le", "anyOf")}
    return {
        **kept,
        "anyOf": [
            {"type": "number", ("exclusiveMinimum" if exclusive else "minimum"): 0},
            {"type": "string", "pattern": _ABOVE_ZERO if exclusive else _AT_LEAST_ZERO},
        ],
        "description": (
            f"a decimal {'greater than 0' if exclusive else 'of 0 or more'}, "
            "as a number or as a string of its digits"
        ),
    }


def generate() -> dict[str, str]:
    """File name → schema text, deterministic."""
    out = {}
    for kind, model in _file_kinds().items():
        schema = model.model_json_schema(
            by_alias=True, mode="validation", schema_generator=_Generator
        )
        if kind == "package":
            schema["title"] = "Pricing package file"
            schema["minProperties"] = 1  # a file holds one or more sections (E0007)
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
    return _stale(directory, generate())


def _stale(directory: Path, generated: dict[str, str]) -> list[str]:
    return [
        name
        for name, text in generated.items()
        if not (directory / name).is_file() or (directory / name).read_text("utf-8") != text
    ]


def meta_schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema under the meta-schema it declares, in one line;
    None when it is valid."""
    from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]
    from jsonschema.validators import validator_for  # type: ignore[import-untyped]

    dialect = schema.get("$schema") if isinstance(schema, dict) else None
    validator = validator_for(schema, default=None)
    if validator is None:
        return f"declares no meta-schema jsonschema knows ($schema: {dialect!r})"
    try:
        validator.check_schema(schema)
    except SchemaError as exc:
        message = " ".join(str(exc.message).split())
        if len(message) > 160:
            message = message[:157] + "..."
        return f"not valid under its meta-schema {dialect}: {message} (at {exc.json_path})"
    return None


def meta_schema_problems() -> dict[str, str]:
    """Generated schemas that fail their meta-schema: file name → the problem, in one line."""
    return _meta_schema_problems(generate())


def _meta_schema_problems(generated: dict[str, str]) -> dict[str, str]:
    problems = {}
    for name, text in generated.items():
        problem = meta_schema_problem(json.loads(text))
        if problem is not None:
            problems[name] = problem
    return problems


def check(directory: Path) -> list[str]:
    """Everything `plan schema --check` reports, one line per problem: schema files that are
    missing or out of date, and generated schemas that fail their meta-schema."""
    generated = generate()
    out_of_date = [
        f"{directory / name}: out of date; run `plan schema`"
        for name in _stale(directory, generated)
    ]
    invalid = [
        f"{directory / name}: {problem}"
        for name, problem in _meta_schema_problems(generated).items()
    ]
    return out_of_date + invalid
