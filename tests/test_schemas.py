"""The committed JSON Schemas (schemas/): valid, and in agreement with the loader.

Editors check package files against these schemas as they are typed (README, "Editor
completion"), so each schema must pass its meta-schema, accept every file the loader accepts,
and reject what the loader rejects with a schema diagnostic (E0101-E0105). What JSON Schema
cannot say is listed as a strict xfail at the end, so that the list stays true.

Files are read with the project's reader, as the loader reads them: a YAML number is a decimal
built from its text and a date is text, so a schema sees what the loader sees. Formats (`date`,
`date-time`) are asserted, as editors do; a bare jsonschema validator only annotates them.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from pydantic import BaseModel

from compiler import schemas
from compiler.api import compile_package, load_customers, package_dirs
from compiler.cli import main
from compiler.loader import load_package
from compiler.model import Package, PackageInfo, Scenario
from compiler.model.common import DECIMAL_PATTERN, ID_PATTERN
from compiler.model.contracts import (
    Billing,
    Commit,
    Contract,
    ContractTemplate,
    Credit,
    Override,
    Subscription,
    Window,
)
from compiler.model.metrics import Metric
from compiler.model.products import Product, QuantityConversion
from compiler.model.rate_cards import RateCard, RateEntry, Tier
from compiler.model.scenario import Customer, Period, ScenarioInfo
from compiler.plan.serialize import plan_document
from compiler.schemas import SCHEMA_DIALECT, meta_schema_problem
from compiler.source.package_source import package_files, read_scenarios
from compiler.source.yaml_reader import read_yaml
from compiler.starter import write_starter
from tests.support import PACKAGES, REPO

SCHEMAS = REPO / "schemas"
KINDS = ("package", "scenario", "customers", "plan")
EXAMPLES = [*package_dirs([PACKAGES]), REPO / "bench" / "package"]

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@functools.cache
def committed(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.schema.json").read_text("utf-8"))
    return schema


@functools.cache
def validator(kind: str) -> Any:
    schema = committed(kind)
    cls = validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(kind: str, data: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(kind).iter_errors(data)]


def read(path: Path) -> Any:
    document, problems = read_yaml(path, str(path))
    assert document is not None and not problems, problems
    return document.data


def files_of(package: Path) -> list[tuple[str, Path, Any]]:
    """(kind, file, data) of every YAML file the loader reads in `package`, found as it finds
    them; a scenario's `customers:` section is also what a `--customers` file holds."""
    found: list[tuple[str, Path, Any]] = [("package", p, read(p)) for p in package_files(package)]
    for scenario in read_scenarios(package):
        path = scenario.directory / "scenario.yaml"
        assert scenario.data is not None, scenario.diagnostics
        found.append(("scenario", path, scenario.data))
        found.append(("customers", path, {"customers": scenario.data["customers"]}))
    return found


def mismatches(package: Path) -> dict[str, list[str]]:
    checked = files_of(package)
    assert checked, f"no YAML files found in {package}"
    return {
        f"{path} as {kind}": errors
        for kind, path, data in checked
        if (errors := schema_errors(kind, data))
    }


# --- the schemas are JSON Schemas ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_passes_its_meta_schema(kind: str) -> None:
    schema = committed(kind)
    assert schema["$schema"] == SCHEMA_DIALECT
    assert meta_schema_problem(schema) is None


def test_a_schema_failing_its_meta_schema_is_one_line_naming_the_place() -> None:
    broken = {"$schema": SCHEMA_DIALECT, "properties": {"price": {"type": "decimal"}}}
    problem = meta_schema_problem(broken)
    assert problem is not None and "\n" not in problem
    assert "'decimal' is not valid" in problem and "$.properties.price.type" in problem
    unknown = meta_schema_problem({"$schema": "https://example.com/no-such-dialect"})
    assert unknown is not None and "no-such-dialect" in unknown


def test_schema_check_reports_a_generated_schema_that_fails_its_meta_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = json.dumps({"$schema": SCHEMA_DIALECT, "type": 42}) + "\n"
    (tmp_path / "package.schema.json").write_text(text, encoding="utf-8")  # so not stale
    monkeypatch.setattr(schemas, "generate", lambda: {"package.schema.json": text})
    result = CliRunner().invoke(main, ["schema", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith(f"{tmp_path / 'package.schema.json'}: not valid under its meta-schema")
    assert "$.type" in line


# --- the schemas accept what the loader accepts ---------------------------------------------------


@pytest.mark.parametrize("package", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_file_of_an_example_package_matches_its_schema(package: Path) -> None:
    assert mismatches(package) == {}


@pytest.fixture(scope="module")
def starter_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repository = tmp_path_factory.mktemp("init") / "acme-pricing"
    write_starter(repository)
    return repository / "packages" / "acme-pricing"


def test_every_file_of_the_starter_package_matches_its_schema(starter_package: Path) -> None:
    assert mismatches(starter_package) == {}


def test_the_bench_customers_file_matches_the_customers_schema(tmp_path: Path) -> None:
    # bench/data/customers.yaml is generated (and may be absent): generate it afresh
    spec = importlib.util.spec_from_file_location(
        "generate_events", REPO / "bench" / "generate_events.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    path = tmp_path / "customers.yaml"
    generator.write_customers(path)
    assert len(load_customers(path)) == generator.CUSTOMERS  # `plan replay` accepts it
    assert schema_errors("customers", read(path)) == []


@pytest.mark.parametrize("package", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_compiled_plan_matches_the_plan_schema(package: Path) -> None:
    plan, _ = compile_package(package)
    assert schema_errors("plan", json.loads(plan_document(plan))) == []


# --- the schemas reject what the loader rejects ---------------------------------------------------
#
# A mutation changes one file of ai-platform in memory; `judge` writes the package out, loads it
# with the loader and checks each file against its schema.

BASE = PACKAGES / "ai-platform"
SCENARIO = "scenarios/november/scenario.yaml"
DataPath = tuple[str | int, ...]


class Number(str):
    """A YAML number, written as this text (the reader builds the decimal from it)."""


def flow_yaml(value: Any) -> str:
    """`value` as YAML in flow style: strings double-quoted, numbers as their text."""
    if isinstance(value, dict):
        items = ", ".join(f"{quoted(k)}: {flow_yaml(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_yaml(v) for v in value) + "]"
    if isinstance(value, str) and not isinstance(value, Number):
        return quoted(value)
    if isinstance(value, Number | Decimal):
        return str(value)
    return json.dumps(value)  # int, bool, None


def quoted(text: str) -> str:
    """A YAML double-quoted scalar: JSON's escapes, and escapes for the characters YAML reads
    as line breaks or does not allow raw (JSON leaves them be)."""
    return re.sub(
        "[\x7f-\x9f\u2028\u2029\ufeff]",
        lambda m: f"\\u{ord(m.group()):04x}",
        json.dumps(text, ensure_ascii=False),
    )


@functools.cache
def base_files() -> dict[str, Any]:
    files = {p.name: read(p) for p in package_files(BASE)}
    files[SCENARIO] = read(BASE / SCENARIO)
    return files


@dataclass(frozen=True)
class Outcome:
    codes: set[str]  # of the loader's diagnostics
    messages: list[str]
    rejected_by_schema: dict[str, list[str]]  # file → schema errors, for files with any

    def rejected_by_both(self, code: str, file: str) -> bool:
        return code in self.codes and file in self.rejected_by_schema


def judge(files: dict[str, Any]) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / BASE.name
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(flow_yaml(data) + "\n", encoding="utf-8")
        loaded = load_package(root)
        rejected = {
            name: errors
            for name in files
            if (errors := schema_errors(kind_of(name), read(root / name)))
        }
    diagnostics = loaded.diagnostics
    return Outcome({d.code for d in diagnostics}, [d.message for d in diagnostics], rejected)


def kind_of(name: str) -> str:
    return "scenario" if name.startswith("scenarios/") else "package"


Change = Callable[[Any, Any], None]


def mutated(name: str, path: DataPath, change: Change) -> dict[str, Any]:
    files = copy.deepcopy(base_files())
    parent = files[name]
    for part in path[:-1]:
        parent = parent[part]
    change(parent, path[-1])
    return files


def set_to(value: Any) -> Change:
    def change(parent: Any, key: Any) -> None:
        parent[key] = value

    return change


def rename_to(new: str) -> Change:
    def change(parent: Any, key: Any) -> None:
        parent[new] = parent.pop(key)

    return change


def delete(parent: Any, key: Any) -> None:
    del parent[key]


PRODUCTS, RATES = "products.yaml", ("rate_cards", "standard", "rates")
TEMPLATES, ENTERPRISE = "contract_templates.yaml", ("contract_templates", "enterprise")
COMMIT = (*ENTERPRISE, "commits", 0)
NORTHWIND = ("customers", "northwind", "contracts", 0)


def case(name: str, path: DataPath, change: Change, code: str, label: str) -> Any:
    return pytest.param(name, path, change, code, id=label)


MUTATIONS = [
    # wrong type (E0101)
    case(PRODUCTS, ("products", "input_tokens", "type"), set_to(42), "E0101", "type-number"),
    case(
        "rate_cards.yaml", (*RATES, "web_search", 0, "price"), set_to([1, 2]), "E0101", "price-list"
    ),
    case(TEMPLATES, (*ENTERPRISE, "duration_months"), set_to("twelve"), "E0101", "months-text"),
    case("metrics.yaml", ("metrics", "input_tokens", "aggregate"), set_to("avg"), "E0101", "enum"),
    case(PRODUCTS, ("products",), set_to([]), "E0101", "section-list"),
    case("package.yaml", ("package",), set_to(None), "E0101", "package-null"),
    case(SCENARIO, ("scenario", "period", "starting_at"), set_to(42), "E0101", "instant-number"),
    # missing required key (E0103)
    case(PRODUCTS, ("products", "platform_fee", "name"), delete, "E0103", "product-name"),
    case("rate_cards.yaml", ("rate_cards", "standard", "currency"), delete, "E0103", "currency"),
    case(TEMPLATES, (*COMMIT, "type"), delete, "E0103", "commit-type"),
    case(SCENARIO, ("scenario", "period"), delete, "E0103", "scenario-period"),
    case(SCENARIO, (*NORTHWIND, "template"), delete, "E0103", "contract-template"),
    # unknown key (E0102)
    case("metrics.yaml", ("metrics", "input_tokens", "agregate"), set_to("sum"), "E0102", "typo"),
    case(
        PRODUCTS,
        ("products", "web_search", "quantity_conversion", "divide"),
        set_to(1000),
        "E0102",
        "nested-typo",
    ),
    case("package.yaml", ("metric",), set_to({}), "E0102", "unknown-section"),
    case(SCENARIO, ("customer",), set_to({}), "E0102", "unknown-scenario-section"),
    # bad decimal text (E0101)
    case("rate_cards.yaml", (*RATES, "web_search", 0, "price"), set_to("1,50"), "E0101", "comma"),
    case(TEMPLATES, (*COMMIT, "amount"), set_to("1.5.0"), "E0101", "two-points"),
    case(TEMPLATES, (*ENTERPRISE, "overrides", 0, "multiplier"), set_to("NaN"), "E0101", "nan"),
    case(SCENARIO, (*NORTHWIND, "overrides", 0, "price"), set_to(""), "E0101", "empty"),
    # text that only looks like a decimal, number, boolean or date (E0101)
    case("rate_cards.yaml", (*RATES, "web_search", 0, "price"), set_to(" 1.5"), "E0101", "space"),
    case(TEMPLATES, (*COMMIT, "amount"), set_to("1_000"), "E0101", "underscore"),
    case(TEMPLATES, (*COMMIT, "priority"), set_to("3"), "E0101", "priority-text"),
    case("rate_cards.yaml", (*RATES, "web_search", 0, "entitled"), set_to("yes"), "E0101", "yes"),
    case(SCENARIO, ("scenario", "as_of"), set_to("2026-12-03 00:00:00Z"), "E0101", "space-for-t"),
    case(SCENARIO, ("scenario", "as_of"), set_to("2026-W49-4"), "E0101", "week-date"),
    case(SCENARIO, (*NORTHWIND, "starting_at"), set_to(" 2026-11-01"), "E0101", "date-space"),
    # a decimal out of its bound (E0101)
    case(TEMPLATES, (*COMMIT, "amount"), set_to(0), "E0101", "amount-zero"),
    case(
        TEMPLATES,
        (*ENTERPRISE, "subscriptions", 0, "quantity"),
        set_to(Number("-1")),
        "E0101",
        "quantity-negative",
    ),
    case(
        PRODUCTS,
        ("products", "input_tokens", "quantity_conversion", "divide_by"),
        set_to("0.000"),
        "E0101",
        "divide-by-zero-text",
    ),
    # bad ID (E0105)
    case(PRODUCTS, ("products", "input_tokens"), rename_to("Input-Tokens"), "E0105", "id-key"),
    case("rate_cards.yaml", (*RATES, "web_search"), rename_to("web search"), "E0105", "rates-key"),
    case(SCENARIO, ("customers", "northwind"), rename_to("9lives"), "E0105", "customer-key"),
    case(TEMPLATES, (*COMMIT, "id"), set_to("Annual"), "E0105", "commit-id"),
    case(
        PRODUCTS,
        ("products", "input_tokens", "metric"),
        set_to("input tokens"),
        "E0105",
        "reference",
    ),
]


def test_the_unmutated_base_is_clean_on_both_sides() -> None:
    outcome = judge(base_files())
    assert outcome.codes == set() and outcome.rejected_by_schema == {}


@pytest.mark.parametrize(("name", "path", "change", "code"), MUTATIONS)
def test_a_mutation_the_loader_rejects_the_schema_rejects(
    name: str, path: DataPath, change: Change, code: str
) -> None:
    outcome = judge(mutated(name, path, change))
    assert code in outcome.codes, outcome.messages
    assert name in outcome.rejected_by_schema, f"the schema accepts what the loader rejects: {code}"


def test_a_date_the_loader_rejects_the_schema_rejects() -> None:
    # the anyOf of `date` and `date-time` only rejects anything when date-time is checked,
    # which jsonschema does with rfc3339-validator (in the [test] extra)
    outcome = judge(mutated(SCENARIO, ("scenario", "as_of"), set_to("2026-13-01")))
    assert outcome.rejected_by_both("E0101", SCENARIO)


# Objects of ai-platform and the model each is validated with.
OBJECTS: list[tuple[str, DataPath, type[BaseModel]]] = [
    ("package.yaml", (), Package),
    ("package.yaml", ("package",), PackageInfo),
    ("metrics.yaml", ("metrics", "input_tokens"), Metric),
    (PRODUCTS, ("products", "input_tokens"), Product),
    (PRODUCTS, ("products", "input_tokens", "quantity_conversion"), QuantityConversion),
    ("rate_cards.yaml", ("rate_cards", "standard"), RateCard),
    ("rate_cards.yaml", (*RATES, "output_tokens", 0), RateEntry),
    ("rate_cards.yaml", (*RATES, "output_tokens", 0, "tiers", 0), Tier),
    (TEMPLATES, ENTERPRISE, ContractTemplate),
    (TEMPLATES, (*ENTERPRISE, "billing"), Billing),
    (TEMPLATES, (*ENTERPRISE, "subscriptions", 0), Subscription),
    (TEMPLATES, (*ENTERPRISE, "overrides", 0), Override),
    (TEMPLATES, COMMIT, Commit),
    (TEMPLATES, (*COMMIT, "access"), Window),
    (TEMPLATES, (*ENTERPRISE, "credits", 0), Credit),
    (SCENARIO, (), Scenario),
    (SCENARIO, ("scenario",), ScenarioInfo),
    (SCENARIO, ("scenario", "period"), Period),
    (SCENARIO, ("customers", "northwind"), Customer),
    (SCENARIO, NORTHWIND, Contract),
]


def known_keys(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


keys = st.text(st.characters(categories=["Ll", "Lu", "Nd", "Pc", "Pd", "Zs"]), min_size=1)


@SETTINGS
@given(target=st.sampled_from(OBJECTS), key=keys)
def test_an_unknown_key_is_rejected_by_both(
    target: tuple[str, DataPath, type[BaseModel]], key: str
) -> None:
    name, path, model = target
    if key in known_keys(model):
        return
    outcome = judge(mutated(name, (*path, key), set_to("x")))
    assert outcome.rejected_by_both("E0102", name), (key, outcome)


def jsonschema_quirk(text: str) -> bool:
    """jsonschema matches patterns with Python's `re`, whose `$` also matches before a final
    newline: it takes "abc\\n" for an ID. ECMA-262 regexes (editors) and the loader do not."""
    return text.endswith("\n") and re.fullmatch(ID_PATTERN, text[:-1]) is not None


not_ids = st.one_of(
    st.text(st.characters(exclude_categories=["Cs", "Co", "Cn"]), max_size=70),
    st.sampled_from(["", "A", "9lives", "x" * 64, "a b", "a.b", "é", "_a", "-a", "abc\n"]),
).filter(lambda t: re.fullmatch(ID_PATTERN, t) is None and not jsonschema_quirk(t))

ID_PLACES: list[tuple[str, DataPath, Callable[[str], Change]]] = [
    (PRODUCTS, ("products", "web_search"), rename_to),
    ("rate_cards.yaml", (*RATES, "web_search"), rename_to),
    (SCENARIO, ("customers", "pixelforge"), rename_to),
    (PRODUCTS, ("products", "input_tokens", "metric"), set_to),
    (TEMPLATES, (*COMMIT, "id"), set_to),
    (TEMPLATES, (*ENTERPRISE, "overrides", 0, "products", 0), set_to),
]


@SETTINGS
@given(place=st.sampled_from(ID_PLACES), text=not_ids)
def test_a_bad_id_is_rejected_by_both(
    place: tuple[str, DataPath, Callable[[str], Change]], text: str
) -> None:
    name, path, how = place
    outcome = judge(mutated(name, path, how(text)))
    assert outcome.rejected_by_both("E0105", name), (text, outcome)


# Decimals of ai-platform, each with the bound its model puts on it.
DECIMALS: list[tuple[str, DataPath]] = [
    ("rate_cards.yaml", (*RATES, "web_search", 0, "price")),
    ("rate_cards.yaml", (*RATES, "output_tokens", 0, "tiers", 0, "up_to")),
    (PRODUCTS, ("products", "input_tokens", "quantity_conversion", "divide_by")),  # > 0
    (TEMPLATES, (*COMMIT, "amount")),  # > 0
    (TEMPLATES, (*ENTERPRISE, "subscriptions", 0, "quantity")),  # >= 0
    (TEMPLATES, (*ENTERPRISE, "overrides", 0, "multiplier")),  # >= 0
    (SCENARIO, (*NORTHWIND, "overrides", 0, "price")),
]

decimal_texts = st.one_of(
    st.from_regex(r"[-+ ]?[0-9_.,]{0,6}([eE][-+]?[0-9]{0,3})?[a-z% ]?", fullmatch=True),
    st.text(max_size=10),
)


def out_of_range(outcome: Outcome) -> bool:
    return any("a decimal must be below 10^20" in m for m in outcome.messages)


def jsonschema_decimal_quirk(text: str) -> bool:
    """jsonschema matches patterns with Python's `re`, whose `\\d` is a digit of any script
    (Arabic-Indic digits, say) and whose `$` also matches before a final newline ("1\\n"): it
    takes such text for a decimal. ECMA-262 regexes (editors) and the loader do not."""
    return (
        re.search(DECIMAL_PATTERN, text) is not None
        and re.fullmatch(DECIMAL_PATTERN, text, re.ASCII) is None
    )


@SETTINGS
@given(place=st.sampled_from(DECIMALS), text=decimal_texts)
def test_decimal_text_is_judged_alike_by_the_loader_and_the_schema(
    place: tuple[str, DataPath], text: str
) -> None:
    name, path = place
    outcome = judge(mutated(name, path, set_to(text)))
    if out_of_range(outcome) or jsonschema_decimal_quirk(text):  # see the xfail below
        return
    assert ("E0101" in outcome.codes) == (name in outcome.rejected_by_schema), (text, outcome)


@SETTINGS
@given(
    place=st.sampled_from(DECIMALS),
    value=st.decimals(min_value=-1000, max_value=1000, places=3),
    form=st.sampled_from(["number", "number-e", "text", "text-e"]),
)
def test_bounds_of_decimals_agree_with_the_loader(
    place: tuple[str, DataPath], value: Decimal, form: str
) -> None:
    name, path = place
    text = f"{value:e}" if form.endswith("-e") else str(value)
    written = Number(text) if form.startswith("number") else text
    outcome = judge(mutated(name, path, set_to(written)))
    assert ("E0101" in outcome.codes) == (name in outcome.rejected_by_schema), (written, outcome)


# --- what JSON Schema cannot say ----------------------------------------------------------------
# Each is a check of the loader that a schema of one file cannot express. The xfails are strict:
# the day a schema learns one, the test fails and this list is to be updated.


@pytest.mark.xfail(
    strict=True,
    reason="decimal size: the loader bounds a decimal (below 10^20, at most 24 decimal places "
    "and 30 digits); a pattern over decimal text cannot count significant digits with exponents",
)
def test_a_decimal_out_of_range_is_rejected_by_the_schema() -> None:
    outcome = judge(mutated("rate_cards.yaml", (*RATES, "web_search", 0, "price"), set_to("1e400")))
    assert outcome.rejected_by_both("E0101", "rate_cards.yaml")


@pytest.mark.xfail(
    strict=True,
    reason="across files: the `package` section is required in some file of the package, and "
    "a schema sees one file at a time (so `package` is optional in package.schema.json)",
)
def test_a_package_without_a_package_section_is_rejected_by_the_schema() -> None:
    files = copy.deepcopy(base_files())
    del files["package.yaml"]
    outcome = judge(files)
    assert "E0103" in outcome.codes
    assert outcome.rejected_by_schema


@pytest.mark.xfail(
    strict=True,
    reason="across files: an ID is unique per section across the files of a package (E0104); "
    "a schema sees one file at a time",
)
def test_an_id_defined_in_two_files_is_rejected_by_the_schema() -> None:
    files = copy.deepcopy(base_files())
    files["more_products.yaml"] = {"products": {"web_search": {"name": "Again", "type": "fixed"}}}
    outcome = judge(files)
    assert "E0104" in outcome.codes
    assert outcome.rejected_by_schema


def test_a_package_file_without_sections_is_rejected_by_the_schema() -> None:
    """The loader's E0007 for a file with no section: an empty mapping fails the schema too."""
    assert schema_errors("package", {})
    assert not schema_errors("package", {"package": {"name": "shop"}})
