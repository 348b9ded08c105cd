"""Schema check: the merged YAML against the pydantic models, errors placed on YAML nodes."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from compiler.checks.suggest import did_you_mean
from compiler.diagnostics import Diagnostic, error
from compiler.model.common import MAX_MONTHS, lenient_reading
from compiler.source.package_source import SourceMap

M = TypeVar("M", bound=BaseModel)

_MAX_PER_FILE = 200

# pydantic's own words for a strict type ("Input should be a valid integer") name Python's
# types; a package author wants to know what to write.
_EXPECTED = {
    "bool_type": "expected a boolean (true or false)",
    "int_type": "expected a whole number such as 3",
    "decimal_type": 'expected a decimal such as 1500 or "0.002"',
}


# Month counts bounded by MAX_MONTHS (compiler.model.contracts)
_MONTH_FIELDS = {"months", "starting_month", "month", "duration_months"}


def validate_model(
    model: type[M], data: Any, positions: SourceMap
) -> tuple[M | None, list[Diagnostic]]:
    """Validate `data`; on failure return one diagnostic per problem (E0101-E0103, E0105)."""
    try:
        # an earlier revision's files are read as they were then accepted (lenient_reading)
        return model.model_validate(data, strict=False if lenient_reading.get() else None), []
    except ValidationError as exc:
        problems = [_diagnostic(model, e, positions) for e in exc.errors(include_url=False)]
        return None, problems[:_MAX_PER_FILE]


def _diagnostic(model: type[BaseModel], err: Any, positions: SourceMap) -> Diagnostic:
    loc = tuple(err["loc"])
    kind = err["type"]
    where = ".".join(str(p) for p in loc)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _known_keys(model, loc[:-1])
        hint = did_you_mean(name, known) or (
            f"allowed keys: {', '.join(sorted(known))}" if known else None
        )
        return error("E0102", f"unknown key '{name}'", positions.locate(loc, at_key=True), hint)
    if kind == "missing":
        name = str(loc[-1])
        parent = ".".join(str(p) for p in loc[:-1]) or "the file"
        return error(
            "E0103",
            f"required key '{name}' is missing in {parent}",
            positions.locate(loc[:-1], at_key=True),
        )
    # A bad mapping key (an ID) shows up with `[key]` in its loc.
    if loc and loc[-1] == "[key]":
        return error(
            "E0105",
            f"invalid ID '{err['input']}'",
            positions.locate((*loc[:-1], err["input"]), at_key=True),
            "IDs are lowercase letters, digits, '_' and '-', starting with a letter, at most 63",
        )
    if kind == "string_pattern_mismatch" and "pattern" in err.get("ctx", {}):
        return error(
            "E0105",
            f"invalid ID '{err['input']}' at {where}",
            positions.locate(loc),
            "IDs are lowercase letters, digits, '_' and '-', starting with a letter, at most 63",
        )
    value = err.get("input")
    message = _EXPECTED.get(kind, err["msg"])
    if kind in _EXPECTED and isinstance(value, str):
        message += ", not a string"  # the loader takes values as written: "3" is text
    # as written in YAML: a boolean is `true`, not Python's `True`
    written = str(value).lower() if isinstance(value, bool) else repr(value)
    shown = f" (got {written})" if isinstance(value, str | int) and len(written) < 60 else ""
    hint = None
    if kind == "less_than_equal" and loc and loc[-1] in _MONTH_FIELDS:
        hint = (
            f"a relative time is at most {MAX_MONTHS} months (100 years) from the contract's "
            "start; for no end, leave the end out"
        )
    return error("E0101", f"{where}: {message}{shown}", positions.locate(loc), hint)


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at `loc`, following field annotations as far as they go."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part)) or next(
                (f for f in current.model_fields.values() if f.alias == part), None
            )
            if field is None:
                continue
            current = _unwrap(field.annotation)
        elif isinstance(part, int | str):
            continue
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """The model inside Optional/list/dict annotations."""
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation
