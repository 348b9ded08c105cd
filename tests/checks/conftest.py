"""A minimal valid package, written into tmp_path with some files replaced.

Tests replace whole files with YAML text written beside the assertion, so the expected line
and column can be read off the text (line 1 is the text's first line).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.diagnostics import Diagnostic
from compiler.validation import validate

MINIMAL: dict[str, str] = {
    "package.yaml": """\
        package:
          name: demo
        """,
    "metrics.yaml": """\
        metrics:
          tokens:
            name: Tokens
            event_type: request
            aggregate: sum
            property: tokens
            group_keys: [model, user]
        """,
    "products.yaml": """\
        products:
          tokens:
            name: Tokens
            type: usage
            metric: tokens
            pricing_group_keys: [model]
            presentation_group_keys: [user]
            tags: [usage]
          platform:
            name: Platform fee
            type: subscription
          support:
            name: Support
            type: composite
            of: {tags: [usage]}
          commit:
            name: Commitment
            type: fixed
        """,
    "rate_cards.yaml": """\
        rate_cards:
          standard:
            name: Standard
            currency: USD
            rates:
              tokens:
                - pricing_group_values: {model: small}
                  price: 1.00
              platform:
                - {price: 100, billing_frequency: monthly}
              support:
                - {percentage: 0.10}
        """,
    "contract_templates.yaml": """\
        contract_templates:
          basic:
            name: Basic
            rate_card: standard
            subscriptions:
              - {product: platform}
            commits:
              - {id: annual, type: prepaid, product: commit, amount: 100,
                 access: {starting_month: 0, months: 12}}
        """,
}

SCENARIO = """\
    scenario:
      period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
    customers:
      acme:
        name: Acme
        contracts:
          - {id: acme-1, template: basic, starting_at: 2026-11-01}
    """

PackageMaker = Callable[..., Path]


def write_package(directory: Path, files: dict[str, str | None]) -> Path:
    """Write MINIMAL with `files` replacing (or, when None, removing) some of its files."""
    contents: dict[str, str | None] = {**MINIMAL, **files}
    for name, text in contents.items():
        if text is None:
            continue
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


@pytest.fixture
def make_package(tmp_path: Path) -> PackageMaker:
    """`make_package({"products.yaml": "..."})` → the package directory."""

    def make(files: dict[str, str | None] | None = None, name: str = "demo") -> Path:
        return write_package(tmp_path / name, files or {})

    return make


def shown(directory: Path, diagnostic: Diagnostic) -> str:
    """`file:line:col: severity[code]: message`, the file relative to the package."""
    file = Path(diagnostic.span.file)
    try:
        file = file.resolve().relative_to(directory.resolve())
    except ValueError:
        pass
    return (
        f"{file.as_posix()}:{diagnostic.span.line}:{diagnostic.span.column}: "
        f"{diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"
    )


def diagnose(directory: Path, code: str | None = None) -> list[str]:
    """The package's diagnostics as text lines, only those of `code` when given."""
    return [
        shown(directory, d)
        for d in validate(directory).diagnostics
        if code is None or d.code == code
    ]


def located(directory: Path, code: str | None = None) -> list[str]:
    """Only `file:line:col code` of each diagnostic: for tests about positions."""
    return [
        f"{line.split(': ')[0]} {line.split('[')[1].split(']')[0]}"
        for line in diagnose(directory, code)
    ]
