from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import PackageMaker, diagnose

HEAD = """\
scenario:
  period: {starting_at: 2026-11-01, ending_before: 2026-12-01}
"""


def _scenario(body: str) -> dict[str, str]:
    return {"scenarios/nov/scenario.yaml": HEAD + body}


def test_contract_template_unresolved(make_package: PackageMaker) -> None:
    directory = make_package(
        _scenario("""\
customers:
  acme:
    name: Acme
    contracts:
      - {id: acme-1, template: basci, starting_at: 2026-11-01}
""")
    )
    assert diagnose(directory, "E0501") == [
        "scenarios/nov/scenario.yaml:7:32: error[E0501]: contract 'acme-1' of customer 'acme' "
        "names template 'basci', which is not defined",
    ]


def test_alias_shared_or_equal_to_another_customer(make_package: PackageMaker) -> None:
    directory = make_package(
        _scenario("""\
customers:
  acme:
    name: Acme
    ingest_aliases: [acme-prod, shared]
  beta:
    name: Beta
    ingest_aliases: [shared, acme]
""")
    )
    assert diagnose(directory, "E0502") == [
        "scenarios/nov/scenario.yaml:9:22: error[E0502]: ingest alias 'shared' of customer "
        "'beta' is already an alias of customer 'acme'",
        "scenarios/nov/scenario.yaml:9:30: error[E0502]: ingest alias 'acme' of customer "
        "'beta' is the ID of customer 'acme'",
    ]


def test_contracts_overlap(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "contract_templates.yaml": """\
            contract_templates:
              basic: {name: Basic, rate_card: standard}
              annual: {name: Annual, rate_card: standard, duration_months: 12}
            """,
            **_scenario("""\
customers:
  acme:
    name: Acme
    contracts:
      - {id: a-1, template: annual, starting_at: 2026-01-01}
      - {id: a-2, template: basic, starting_at: 2026-11-01}
  beta:
    name: Beta
    contracts:
      - {id: b-1, template: annual, starting_at: 2025-11-01}
      - {id: b-2, template: basic, starting_at: 2026-11-01}
"""),
        }
    )
    assert diagnose(directory, "E0503") == [
        "scenarios/nov/scenario.yaml:8:49: error[E0503]: contract 'a-2' of customer 'acme' "
        "starts 2026-11-01T00:00:00Z, inside contract 'a-1' (line 7), which ends "
        "2027-01-01T00:00:00Z",
    ]


def test_open_contract_overlaps_everything_after_it(make_package: PackageMaker) -> None:
    directory = make_package(
        _scenario("""\
customers:
  acme:
    name: Acme
    contracts:
      - {id: a-2, template: basic, starting_at: 2026-11-01}
      - {id: a-1, template: basic, starting_at: 2026-01-01}
""")
    )
    assert diagnose(directory, "E0503") == [
        "scenarios/nov/scenario.yaml:7:49: error[E0503]: contract 'a-2' of customer 'acme' "
        "starts 2026-11-01T00:00:00Z, inside contract 'a-1' (line 8), which never ends",
    ]


def _events(events: str) -> dict[str, str]:
    return _scenario(f"""\
customers:
  acme:
    name: Acme
    contracts:
      - {{id: acme-1, template: basic, starting_at: 2026-11-01}}
events: {events}
""")


def test_event_paths_absolute_escaping_or_missing(make_package: PackageMaker) -> None:
    directory = make_package(
        _events("[/etc/passwd, ../../../x.jsonl, missing.jsonl, ../../data/ok.jsonl]")
    )
    (directory / "data").mkdir()
    (directory / "data" / "ok.jsonl").write_text("")
    assert diagnose(directory, "E0504") == [
        "scenarios/nov/scenario.yaml:8:10: error[E0504]: event file path '/etc/passwd' is absolute",
        "scenarios/nov/scenario.yaml:8:23: error[E0504]: event file path '../../../x.jsonl' "
        "leaves the package directory",
        "scenarios/nov/scenario.yaml:8:41: error[E0504]: event file 'missing.jsonl' does not exist",
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_event_symlink_leaving_the_package(make_package: PackageMaker, tmp_path: Path) -> None:
    outside = tmp_path / "secret.jsonl"
    outside.write_text("")
    directory = make_package(_events("[events.jsonl]"))
    (directory / "scenarios" / "nov" / "events.jsonl").symlink_to(outside)
    assert diagnose(directory, "E0504") == [
        "scenarios/nov/scenario.yaml:8:10: error[E0504]: event file path 'events.jsonl' leaves "
        "the package directory",
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_default_event_files_are_checked_too(make_package: PackageMaker, tmp_path: Path) -> None:
    outside = tmp_path / "secret.jsonl"
    outside.write_text("")
    directory = make_package(_scenario("customers: {}\n"))
    (directory / "scenarios" / "nov" / "linked.jsonl").symlink_to(outside)
    assert diagnose(directory, "E0504") == [
        "scenarios/nov/scenario.yaml:1:1: error[E0504]: event file 'linked.jsonl' links outside "
        "the package directory",
    ]


def test_empty_period(make_package: PackageMaker) -> None:
    directory = make_package(
        {
            "scenarios/nov/scenario.yaml": """\
        scenario:
          period:
            starting_at: 2026-12-01
            ending_before: 2026-11-01
        customers: {}
        """
        }
    )
    assert diagnose(directory, "E0505") == [
        "scenarios/nov/scenario.yaml:4:20: error[E0505]: scenario period ends "
        "(2026-11-01T00:00:00Z) before it starts (2026-12-01T00:00:00Z)",
    ]


def test_contract_ends_before_it_starts(make_package: PackageMaker) -> None:
    directory = make_package(
        _scenario("""\
customers:
  acme:
    name: Acme
    contracts:
      - id: acme-1
        template: basic
        starting_at: 2026-11-01
        ending_before: 2026-10-01
""")
    )
    assert diagnose(directory, "E0506") == [
        "scenarios/nov/scenario.yaml:10:24: error[E0506]: contract 'acme-1' ends "
        "(2026-10-01T00:00:00Z) before it starts (2026-11-01T00:00:00Z)",
    ]
    assert diagnose(directory, "E0503") == []


def test_duplicate_contract_ids(make_package: PackageMaker) -> None:
    directory = make_package(
        _scenario("""\
customers:
  acme:
    name: Acme
    contracts:
      - {id: c-1, template: basic, starting_at: 2026-11-01}
  beta:
    name: Beta
    contracts:
      - {id: c-1, template: basic, starting_at: 2026-11-01}
""")
    )
    assert diagnose(directory, "E0507") == [
        "scenarios/nov/scenario.yaml:11:14: error[E0507]: contract ID 'c-1' is already used "
        "(line 7)",
    ]


# The customers file of `plan replay --customers` is checked against the package as a
# scenario's customers are: the same checks, pointing into that file.
CUSTOMERS_FILE_PROBLEMS = {
    "E0501": (
        "customers:\n"
        "  acme:\n"
        "    name: Acme\n"
        "    contracts: [{id: acme-1, template: basci, starting_at: 2026-11-01}]\n",
        "customers.yaml:4:40: error[E0501]: contract 'acme-1' of customer 'acme' names template "
        "'basci', which is not defined",
    ),
    "E0502": (
        "customers:\n"
        "  acme: {name: Acme, ingest_aliases: [shared]}\n"
        "  beta: {name: Beta, ingest_aliases: [shared, acme]}\n",
        "customers.yaml:3:39: error[E0502]: ingest alias 'shared' of customer 'beta' is already "
        "an alias of customer 'acme'\n"
        "customers.yaml:3:47: error[E0502]: ingest alias 'acme' of customer 'beta' is the ID of "
        "customer 'acme'",
    ),
    "E0503": (
        "customers:\n"
        "  acme:\n"
        "    name: Acme\n"
        "    contracts:\n"
        "      - {id: a-1, template: basic, starting_at: 2026-01-01}\n"
        "      - {id: a-2, template: basic, starting_at: 2026-06-01}\n",
        "customers.yaml:6:49: error[E0503]: contract 'a-2' of customer 'acme' starts "
        "2026-06-01T00:00:00Z, inside contract 'a-1' (line 5), which never ends",
    ),
    "E0506": (
        "customers:\n"
        "  acme:\n"
        "    name: Acme\n"
        "    contracts:\n"
        "      - {id: a-1, template: basic, starting_at: 2026-06-01, ending_before: 2026-01-01}\n",
        "customers.yaml:5:76: error[E0506]: contract 'a-1' ends (2026-01-01T00:00:00Z) before it "
        "starts (2026-06-01T00:00:00Z)",
    ),
    "E0507": (
        "customers:\n"
        "  acme: {name: Acme, contracts: [{id: c-1, template: basic, starting_at: 2026-01-01}]}\n"
        "  beta: {name: Beta, contracts: [{id: c-1, template: basic, starting_at: 2026-01-01}]}\n",
        "customers.yaml:3:39: error[E0507]: contract ID 'c-1' is already used (line 2)",
    ),
    # the checks of contract terms look at the customers file's contracts too
    "E0201": (
        "customers:\n"
        "  acme:\n"
        "    name: Acme\n"
        "    contracts:\n"
        "      - id: a-1\n"
        "        template: basic\n"
        "        starting_at: 2026-01-01\n"
        "        overrides: [{products: [tokenz], multiplier: 0.5}]\n",
        "customers.yaml:8:33: error[E0201]: contract 'a-1' (override) names product 'tokenz', "
        "which is not defined",
    ),
    "E0007": (
        "",
        "customers.yaml:1:1: error[E0007]: a customers file is a mapping with a `customers:` "
        "section; this one is empty",
    ),
}


@pytest.mark.parametrize("code", sorted(CUSTOMERS_FILE_PROBLEMS))
def test_a_customers_file_is_checked_as_a_scenarios_customers_are(
    make_package: PackageMaker, code: str
) -> None:
    from compiler.validation import validate

    from .conftest import shown

    text, expected = CUSTOMERS_FILE_PROBLEMS[code]
    directory = make_package()
    customers = directory.parent / "customers.yaml"
    customers.write_text(text)
    found = [
        shown(directory.parent, d)
        for d in validate(directory, customers_file=customers).diagnostics
        if d.code == code
    ]
    assert found == expected.splitlines()
    assert diagnose(directory) == []  # the package alone is clean: these are the file's


def test_a_customers_file_does_not_change_the_packages_graph(make_package: PackageMaker) -> None:
    """Its contracts are checked, but they are not scenarios of the package: `plan graph`
    and the unused-object warnings do not see them."""
    from compiler.validation import validate

    directory = make_package()
    customers = directory.parent / "customers.yaml"
    customers.write_text(
        "customers:\n  acme: {name: Acme, contracts: [{id: a-1, template: basic, "
        "starting_at: 2026-01-01}]}\n"
    )
    assert validate(directory, customers_file=customers).diagnostics == (
        validate(directory).diagnostics
    )
