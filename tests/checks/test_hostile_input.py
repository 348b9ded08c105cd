"""Packages are untrusted: odd but schema-valid input gives diagnostics, never a traceback."""

from __future__ import annotations

from .conftest import PackageMaker, diagnose


def test_deeply_nested_sql(make_package: PackageMaker) -> None:
    sql = "SELECT " + "(" * 3000 + "1" + ")" * 3000 + " AS value FROM events"
    text = f"metrics:\n  deep:\n    name: Deep\n    sql: '{sql}'\n"
    directory = make_package({"extra.yaml": text})
    assert diagnose(directory, "E0401") == [
        "extra.yaml:4:10: error[E0401]: SQL of metric 'deep' does not parse: nested too deeply",
    ]


def test_contract_term_beyond_year_9999(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "contract_templates.yaml": """\
            contract_templates:
              basic: {name: Basic, rate_card: standard, duration_months: 999999999}
            """,
            "scenarios/nov/scenario.yaml": """\
            scenario:
              period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
            customers:
              acme:
                name: Acme
                contracts:
                  - {id: a-1, template: basic, starting_at: 2026-01-01}
                  - {id: a-2, template: basic, starting_at: 2026-11-01}
            """,
        }
    )
    # a term the calendar cannot hold is refused where it is written (it used to be taken as
    # open-ended by the overlap check, and then stopped preview with `year ... out of range`)
    assert [line.split(": ")[0] for line in diagnose(directory)] == [
        "contract_templates.yaml:2:62",
    ]
    assert "duration_months: Input should be less than or equal to 1200" in diagnose(directory)[0]


def test_event_path_too_long_for_the_file_system(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "scenarios/nov/scenario.yaml": f"""\
scenario:
  period: {{starting_at: 2026-11-01, ending_before: 2026-12-01}}
customers: {{}}
events: [{"a" * 5000}.jsonl]
"""
        }
    )
    assert [line.split(": ", 1)[1][:30] for line in diagnose(directory, "E0504")] == [
        "error[E0504]: event file 'aaaa",
    ]


def test_many_composites_selecting_each_other(make_package: PackageMaker) -> None:
    """A complete graph of composites has astronomically many cycles; one is reported."""
    products = "".join(
        f"  c{i:02d}: {{name: C{i}, type: composite, tags: [loop], of: {{tags: [loop]}}}}\n"
        for i in range(25)
    )
    directory = make_package({"extra.yaml": "products:\n" + products})
    assert diagnose(directory, "E0202") == [
        "extra.yaml:2:62: error[E0202]: dependency cycle: product:c00 → product:c00 "
        "(through a tag)",
    ]
