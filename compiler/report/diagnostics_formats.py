"""Diagnostics rendered as text, JSON, GitHub workflow annotations or SARIF 2.1.0."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from compiler.diagnostics import Diagnostic, Severity

TOOL_NAME = "plan-compiler"
TOOL_URI = "https://github.com/plan-compiler/plan-compiler"


# What would end a line or drive a terminal. A diagnostic quotes a package's own text (a key, a
# value, a file name), which comes from whoever opened the pull request: it is shown escaped
# (`\n`, `\x1b`), so that each diagnostic stays one line and none of that text starts a line of
# its own, where GitHub would run it as a workflow command (`::error ...`, `::add-mask::`).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_COMMAND_START = (":", "#")  # `::command::`, and the runner's older `##[command]`


def _one_line(text: str) -> str:
    shown = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    # the runner's older commands, `##[command]`, are found anywhere in a line
    return shown.replace("##[", "##\\x5b")


def _where(d: Diagnostic) -> str:
    """The span as `file:line:column`; a file name that could start a workflow command is
    shown as the relative path it is, from `./`."""
    where = _one_line(str(d.span))
    return f"./{where}" if where.lstrip().startswith(_COMMAND_START) else where


def to_text(diagnostics: list[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        lines.append(f"{_where(d)}: {d.severity}[{d.code}]: {_one_line(d.message)}")
        if d.hint:
            lines.append(f"  hint: {_one_line(d.hint)}")
    errors = sum(d.severity == Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity == Severity.WARNING for d in diagnostics)
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + "\n"


def _as_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": str(d.severity),
        "message": d.message,
        "hint": d.hint,
        "file": d.span.file,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
    }


def to_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps({"diagnostics": [_as_dict(d) for d in diagnostics]}, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(diagnostics: list[Diagnostic]) -> str:
    """Workflow annotations, then the full text report: GitHub shows only ten of each kind."""
    lines = []
    for d in diagnostics:
        level = {"error": "error", "warning": "warning"}.get(str(d.severity), "notice")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        lines.append(
            f"::{level} file={_escape_property(d.span.file)},line={d.span.line},"
            f"col={d.span.column},title={_escape_property(d.code)}::{_escape_data(message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "") + to_text(diagnostics)


def to_sarif(diagnostics: list[Diagnostic]) -> str:
    from compiler.checks.codes import CODES

    rules = sorted({d.code for d in diagnostics})
    results = []
    for d in diagnostics:
        region: dict[str, int] = {"startLine": d.span.line, "startColumn": d.span.column}
        if d.span.end_line:
            region["endLine"] = d.span.end_line
        if d.span.end_column:
            region["endColumn"] = d.span.end_column
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": rules.index(d.code),
                "level": {"error": "error", "warning": "warning"}.get(str(d.severity), "note"),
                "message": {"text": d.message + (f" (hint: {d.hint})" if d.hint else "")},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": d.span.file},
                            "region": region,
                        }
                    }
                ],
            }
        )
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "informationUri": TOOL_URI,
                        "rules": [
                            {"id": code, "shortDescription": {"text": CODES.get(code, code)}}
                            for code in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


FORMATS: dict[str, Callable[[list[Diagnostic]], str]] = {
    "text": to_text,
    "json": to_json,
    "github": to_github,
    "sarif": to_sarif,
}
