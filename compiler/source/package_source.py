"""A package directory read into merged sections, with a position for every node.

Every `*.yaml`/`*.yml` directly in the package directory is read; sections from all files are
merged, and an ID defined in two files is an error. Scenarios live in `scenarios/<name>/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostic, Span, display_path, error
from compiler.model import SECTIONS
from compiler.model.common import lenient_reading
from compiler.source.yaml_reader import DEFAULT_LIMITS, Limits, NodeSpans, YamlPath, read_yaml


class SourceMap:
    """Positions of YAML nodes by their data path, e.g. ("products", "input_tokens", "metric")."""

    def __init__(self, default: Span, positions: dict[YamlPath, NodeSpans] | None = None):
        self.default = default
        self.positions: dict[YamlPath, NodeSpans] = dict(positions or {})

    def add(self, positions: dict[YamlPath, NodeSpans]) -> None:
        for path, spans in positions.items():
            self.positions.setdefault(path, spans)

    def _nearest(self, path: YamlPath) -> NodeSpans | None:
        for end in range(len(path), -1, -1):
            spans = self.positions.get(tuple(path[:end]))
            if spans is not None:
                return spans
        return None

    def value(self, path: YamlPath) -> Span:
        """The value's span, or the nearest ancestor's when the path does not exist."""
        spans = self._nearest(path)
        return spans.value if spans else self.default

    def key(self, path: YamlPath) -> Span:
        """The key's span (the value's for list items), or the nearest ancestor's."""
        spans = self._nearest(path)
        if spans is None:
            return self.default
        return spans.key or spans.value

    def has(self, path: YamlPath) -> bool:
        return tuple(path) in self.positions

    def locate(self, loc: tuple[Any, ...], at_key: bool = False) -> Span:
        """Map a pydantic error location onto the YAML tree.

        A pydantic `loc` is not a pure data path (union members, validator names), so descend
        while the next part exists as a key or index and skip the parts that do not.
        """
        path: YamlPath = ()
        for part in loc:
            candidate = (*path, part)
            if candidate in self.positions:
                path = candidate
        return self.key(path) if at_key else self.value(path)


@dataclass
class ScenarioSource:
    name: str
    directory: Path
    file: str
    data: dict[str, Any] | None
    positions: SourceMap
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class PackageSource:
    directory: Path
    name: str
    files: list[str]
    data: dict[str, Any]
    positions: SourceMap
    scenarios: list[ScenarioSource]
    diagnostics: list[Diagnostic] = field(default_factory=list)


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, its symbolic links followed, lies in `root` (SPEC 6: paths cannot leave
    the package). A link that stays inside the package is allowed."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop of links
        return False
    return True


def _package_entries(directory: Path) -> tuple[list[Path], list[Path]]:
    """The package's `*.yaml`/`*.yml` files to read, and those that link outside it.

    A link that stays inside is read, once: a second name for a file already read is skipped
    (reading it again would define each of its IDs twice).
    """
    files: list[Path] = []
    leaving: list[Path] = []
    read: set[Path] = set()
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue
        if not inside(path, directory):
            leaving.append(path)
        elif path.is_file() and path.resolve() not in read:
            read.add(path.resolve())
            files.append(path)
    return files, leaving


def package_files(directory: Path) -> list[Path]:
    """The files a package is read from: its `*.yaml`/`*.yml` files that stay inside it."""
    return _package_entries(directory)[0]


def _leaves_package(path: Path, root: Path, what: str) -> Diagnostic:
    """E0504 for a file that a link takes outside the package (or into a loop of links)."""
    # named by the link, never by where it leads: neither the target nor whether it exists is
    # shown to the author of the package
    shown = str(Path(display_path(root)) / path.relative_to(root))
    try:
        path.resolve()
        problem = "links outside the package directory"
    except (OSError, RuntimeError):
        problem = "is a loop of symbolic links"
    return error(
        "E0504",
        f"{what} {problem}; it is not read",
        Span(shown),
        "files of a package stay inside its directory (symbolic links are followed): "
        "copy the file into the package",
    )


def read_package(directory: Path, limits: Limits = DEFAULT_LIMITS) -> PackageSource:
    """Read a package directory; problems are collected, never raised."""
    shown = display_path(directory)
    files, leaving = _package_entries(directory) if directory.is_dir() else ([], [])
    positions = SourceMap(Span(shown))
    data: dict[str, Any] = {}
    diagnostics = [_leaves_package(p, directory, f"package file '{p.name}'") for p in leaving]
    if not directory.is_dir():
        diagnostics.append(error("E0011", "package directory does not exist", Span(shown)))
    elif not files and not leaving:
        diagnostics.append(error("E0011", "package directory has no *.yaml files", Span(shown)))
    for path in files:
        file = display_path(path)
        document, problems = read_yaml(path, file, limits)
        diagnostics.extend(problems)
        if document is None:
            continue
        if document.data is None or document.data == {}:  # SPEC 2 asks for a section
            if lenient_reading.get():  # an earlier revision, from before the rule
                continue
            diagnostics.append(
                error(
                    "E0007",
                    "a package file holds one or more sections; this one has none",
                    document.positions[()].value if document.positions else Span(file),
                    f"sections are: {', '.join(SECTIONS)}; delete a file that is not needed",
                )
            )
            continue
        if not isinstance(document.data, dict):
            diagnostics.append(
                error(
                    "E0007", "a package file is a mapping of sections", document.positions[()].value
                )
            )
            continue
        diagnostics.extend(_merge(data, document.data, document.positions, positions, file))
    if files and "package" not in data:
        diagnostics.append(
            error(
                "E0103",
                "no file of the package has the required `package` section",
                Span(display_path(files[0])),
                "add `package: {name: ...}` (by convention in package.yaml)",
            )
        )
    scenarios = read_scenarios(directory, limits) if directory.is_dir() else []
    return PackageSource(
        directory,
        directory.name,
        [display_path(p) for p in files],
        data,
        positions,
        scenarios,
        diagnostics,
    )


def _merge(
    data: dict[str, Any],
    document: dict[str, Any],
    document_positions: dict[YamlPath, NodeSpans],
    positions: SourceMap,
    file: str,
) -> list[Diagnostic]:
    """Merge one file's sections into `data`, and the positions of what was merged.

    Which sections and objects are taken is decided first; their positions are then copied in
    one pass over the file's positions, so a file of N objects costs O(N), not O(N^2).
    """
    diagnostics: list[Diagnostic] = []
    kept: set[str] = set()  # sections taken, whole or object by object
    refused: set[YamlPath] = set()  # objects not taken: their ID was already defined
    for section, content in document.items():
        spans = document_positions[(section,)]
        if section not in SECTIONS:
            diagnostics.append(_unknown_section(section, spans.key or spans.value, SECTIONS))
            continue
        earlier = data.get(section)
        whole = section == "package" or not isinstance(content, dict)
        if section in data and (whole or not isinstance(earlier, dict)):
            diagnostics.append(
                error(
                    "E0104",
                    f"section `{section}` is defined twice",
                    spans.key or spans.value,
                    f"first defined at {positions.key((section,))}",
                )
            )
            continue
        if whole:
            data[section] = content
            kept.add(section)
            continue
        merged = data.setdefault(section, {})
        kept.add(section)
        for object_id, value in content.items():
            path = (section, object_id)
            if object_id in merged:
                diagnostics.append(
                    error(
                        "E0104",
                        f"{section[:-1].replace('_', ' ')} ID '{object_id}' is already defined "
                        f"at {positions.key(path)}",
                        document_positions[path].key or document_positions[path].value,
                        "IDs are unique per section across all files of a package",
                    )
                )
                refused.add(path)
                continue
            merged[object_id] = value
    positions.add(
        {
            path: spans
            for path, spans in document_positions.items()
            if path and path[0] in kept and path[:2] not in refused
        }
    )
    return diagnostics


def _unknown_section(name: str, span: Span, known: tuple[str, ...]) -> Diagnostic:
    from compiler.checks.suggest import did_you_mean

    return error(
        "E0102",
        f"unknown section '{name}'",
        span,
        did_you_mean(name, known) or f"sections are: {', '.join(known)}",
    )


def read_scenarios(directory: Path, limits: Limits = DEFAULT_LIMITS) -> list[ScenarioSource]:
    """The package's scenarios; one whose `scenario.yaml` leaves the package (through a link
    to the file, to its directory or to `scenarios/`) is not read but reported."""
    root = directory / "scenarios"
    if not root.is_dir():
        return []
    scenarios = []
    for sub in sorted(root.iterdir()):
        path = sub / "scenario.yaml"
        if (sub.is_symlink() or sub.is_dir()) and not inside(path, directory):
            scenarios.append(_scenario_outside(sub, directory))
        elif sub.is_dir() and path.is_file():
            scenarios.append(read_scenario(sub, limits))
    return scenarios


def _scenario_outside(directory: Path, package: Path) -> ScenarioSource:
    path = directory / "scenario.yaml"
    what = f"scenario '{directory.name}' (its folder or scenario.yaml)"
    problem = _leaves_package(path, package, what)
    file = problem.span.file
    return ScenarioSource(directory.name, directory, file, None, SourceMap(Span(file)), [problem])


def read_scenario(directory: Path, limits: Limits = DEFAULT_LIMITS) -> ScenarioSource:
    path = directory / "scenario.yaml"
    file = display_path(path)
    document, diagnostics = read_yaml(path, file, limits)
    positions = SourceMap(Span(file), document.positions if document else None)
    data = document.data if document else None
    if document is not None and not isinstance(data, dict):
        diagnostics.append(error("E0007", "a scenario file is a mapping of sections", Span(file)))
        data = None
    return ScenarioSource(directory.name, directory, file, data, positions, diagnostics)


def read_customers_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> ScenarioSource:
    """The `--customers` file of `plan replay`: a scenario file's `customers:` section alone.

    Read as a scenario file is; it is named by its path rather than by a scenario directory.
    """
    file = display_path(path)
    document, diagnostics = read_yaml(path, file, limits)
    positions = SourceMap(Span(file), document.positions if document else None)
    data = document.data if document else None
    if document is not None and not isinstance(data, dict):
        what = "is empty" if data is None else "is not a mapping"
        diagnostics.append(
            error(
                "E0007",
                f"a customers file is a mapping with a `customers:` section; this one {what}",
                positions.value(()),
                "write `customers:` and under it each customer as in a scenario file, e.g. "
                "`acme: {name: Acme, contracts: [{id: acme-1, template: basic, "
                "starting_at: 2026-11-01}]}`",
            )
        )
        data = None
    return ScenarioSource(path.name, path.parent, file, data, positions, diagnostics)
