"""`plan diff`: the packages at a git revision against the working tree.

Packages are paired by their path in the repository. For each pair, the models are compared
(`changes.py`, `rates.py`) and, when both sides validate, every scenario present on both sides
is replayed on both (`impact.py`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from compiler import api
from compiler.diagnostics import Severity, Span, display_path
from compiler.diff.changes import (
    Change,
    ChangeLog,
    PackageSide,
    Revision,
    metric_changes,
    package_changes,
    product_changes,
    template_changes,
)
from compiler.diff.impact import CurrencyTotal, InvoiceImpact, compare_results, currency_totals
from compiler.diff.rates import rate_card_changes
from compiler.diff.revision import Repository
from compiler.model.common import read_leniently
from compiler.validation import validate


@dataclass(frozen=True)
class DiffReport:
    base: str
    base_commit: str
    as_of: datetime
    packages: list[str]
    changes: list[Change]
    impacts: list[InvoiceImpact]

    def of_severity(self, severity: Severity) -> list[Change]:
        return [c for c in self.changes if c.severity == severity]

    @property
    def breaking(self) -> bool:
        return any(c.severity == Severity.ERROR for c in self.changes)

    @property
    def moved(self) -> list[InvoiceImpact]:
        """Invoices whose total changed, appeared or disappeared."""
        return [i for i in self.impacts if i.status != "unchanged"]

    @property
    def totals(self) -> list[CurrencyTotal]:
        return currency_totals(self.impacts)


def diff_revision(
    base: str, paths: Sequence[Path] = (), as_of: datetime | None = None
) -> DiffReport:
    """Compare the packages under `paths` (default ./packages) at `base` with the working tree.

    Raises RevisionError when there is no repository, the revision is unknown, or a path lies
    outside the repository.
    """
    moment = as_of or datetime.now(UTC)
    roots = list(paths) or [Path("packages")]
    repository = Repository.containing(roots[0])
    commit = repository.commit(base)
    relative_roots = [repository.relative(root) for root in roots]
    with tempfile.TemporaryDirectory(prefix="plan-diff-") as scratch:
        export = Path(scratch).resolve()
        repository.export(commit, relative_roots, export)
        new_dirs = _packages(roots, repository.relative)
        base_dirs = _packages(
            [export.joinpath(*r.parts) for r in relative_roots],
            lambda d: PurePosixPath(d.resolve().relative_to(export).as_posix()),
        )

        def relocate(span: Span) -> Span:
            file = Path(span.file).resolve()
            if not file.is_relative_to(export):
                return span
            shown = display_path(repository.root / file.relative_to(export))
            return replace(span, file=shown)

        changes: list[Change] = []
        impacts: list[InvoiceImpact] = []
        for key in sorted(new_dirs.keys() | base_dirs.keys()):
            found_changes, found_impacts = _package_diff(
                key.name,
                _side(base_dirs.get(key), "base", relocate),
                _side(new_dirs.get(key), "working tree"),
                moment,
            )
            changes += found_changes
            impacts += found_impacts
    packages = sorted(k.name for k in new_dirs.keys() | base_dirs.keys())
    return DiffReport(
        base, commit, moment, packages, sorted(changes, key=lambda c: c.sort_key), impacts
    )


def _packages(roots: list[Path], key: Callable[[Path], PurePosixPath]) -> dict[PurePosixPath, Path]:
    """Package directories under the roots that exist, by their path in the repository."""
    found: dict[PurePosixPath, Path] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for directory in api.package_dirs([root]):
            if directory.is_dir():
                found[key(directory)] = directory
    return found


def _side(
    directory: Path | None, revision: Revision, relocate: Callable[[Span], Span] | None = None
) -> PackageSide | None:
    if directory is None:
        return None
    # the base is read by the rules its files were written under
    with read_leniently() if revision == "base" else nullcontext():
        side = PackageSide(validate(directory), revision)
    if relocate is not None:
        side.relocate = relocate
    return side


def _whole(
    code: str, message: str, side: PackageSide, package: str, hint: str | None = None
) -> Change:
    """A change about a whole package, shown at its `package` section."""
    return Change(code, message, side.span(("package",), at_key=True), side.revision, package, hint)


def _validity(package: str, base: PackageSide | None, new: PackageSide | None) -> list[Change]:
    changes = []
    for side, code in ((new, "D0001"), (base, "D0002")):
        if side is None or side.validation.ok:
            continue
        errors = [d for d in side.validation.diagnostics if d.severity == Severity.ERROR]
        first = errors[0]
        changes.append(
            Change(
                code,
                f"package '{package}' has {len(errors)} error(s) in the {side.revision}, so "
                f"its invoices are not compared; first: {first.message}",
                side.relocate(first.span),
                side.revision,
                package,
                "run `plan validate` on it" if side.revision == "working tree" else None,
            )
        )
    return changes


def _package_diff(
    package: str, base: PackageSide | None, new: PackageSide | None, as_of: datetime
) -> tuple[list[Change], list[InvoiceImpact]]:
    changes = _validity(package, base, new)
    if base is None:
        assert new is not None
        return [*changes, _whole("D0003", f"package '{package}' added", new, package)], []
    if new is None:
        return [
            *changes,
            _whole(
                "D0004",
                f"package '{package}' removed",
                base,
                package,
                "its scenarios and golden invoices go with it",
            ),
        ], []
    log = ChangeLog(package, base, new, changes)
    if base.model is not None and new.model is not None:
        package_changes(log, base.model, new.model)
        metric_changes(log, base.model, new.model)
        product_changes(log, base.model, new.model)
        rate_card_changes(log, base.model, new.model, as_of)
        template_changes(log, base.model, new.model)
    _scenario_changes(log)
    impacts: list[InvoiceImpact] = []
    if base.validation.ok and new.validation.ok:
        with read_leniently():
            base_results = api.preview(base.validation.package.source.directory)
        impacts, _, _ = compare_results(
            package, base_results, api.preview(new.validation.package.source.directory)
        )
    return log.changes, impacts


def _scenario_changes(log: ChangeLog) -> None:
    old = {s.name: s for s in log.base.validation.package.scenarios}
    new = {s.name: s for s in log.new.validation.package.scenarios}
    for name in sorted(new.keys() - old.keys()):
        log.changes.append(
            Change(
                "D0601",
                f"scenario '{name}' added",
                Span(new[name].source.file),
                log.new.revision,
                log.package,
            )
        )
    for name in sorted(old.keys() - new.keys()):
        span = log.base.relocate(Span(old[name].source.file))
        log.changes.append(
            Change("D0602", f"scenario '{name}' removed", span, log.base.revision, log.package)
        )
