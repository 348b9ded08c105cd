"""`plan init`: a starter pricing repository, ready to validate, test and run in CI.

The files live beside this module in `files/` as package data, readable as they will be
written. Names map as follows: a leading `dot-` becomes `.` (so that `.github/` ships in the
wheel), a trailing `.tmpl` is dropped (so that the template test is no test of ours), and the
directory `PACKAGE` and the text `{{package}}` become the package name, `{{version}}` this
plan-compiler's version. The golden invoices are replayed, not stored, so they match the tool.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from compiler.model.common import ID_PATTERN


class StarterError(Exception):
    """The starter cannot be written where asked (a usage error)."""


def _version() -> str:
    try:
        return metadata.version("plan-compiler")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0.1.0"


def default_name(directory: Path) -> str:
    """The directory's name as a package name, or `pricing` when nothing usable is left."""
    name = re.sub(r"[^a-z0-9_-]+", "-", directory.resolve().name.lower()).strip("-_")
    name = re.sub(r"^[^a-z]+", "", name)[:63]
    return name if re.fullmatch(ID_PATTERN, name) else "pricing"


def _templates(root: Traversable, prefix: PurePosixPath) -> Iterator[tuple[PurePosixPath, str]]:
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        target = prefix / entry.name
        if entry.is_dir():
            yield from _templates(entry, target)
        elif entry.is_file():
            yield target, entry.read_text(encoding="utf-8")


def _target(template: PurePosixPath, package: str) -> PurePosixPath:
    parts = [
        package if part == "PACKAGE" else "." + part[4:] if part.startswith("dot-") else part
        for part in template.parts
    ]
    if parts[-1].endswith(".tmpl"):
        parts[-1] = parts[-1][: -len(".tmpl")]
    return PurePosixPath(*parts)


def write_starter(directory: Path, package: str | None = None) -> list[Path]:
    """Write the starter into `directory` (absent or empty); returns the files written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise StarterError(
            f"{directory} is not empty; plan init writes only into a new or empty directory"
        )
    name = package or default_name(directory)
    if not re.fullmatch(ID_PATTERN, name):
        raise StarterError(f"package name {name!r} must match {ID_PATTERN}")
    existed = directory.exists()
    try:
        return _write(directory, name)
    except BaseException:
        # Leave nothing half-written: a second `plan init` would refuse the directory.
        if existed:
            for child in directory.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        else:
            shutil.rmtree(directory, ignore_errors=True)
        raise


def _write(directory: Path, name: str) -> list[Path]:
    values = {"{{package}}": name, "{{version}}": _version()}
    written: list[Path] = []
    root = resources.files("compiler.starter").joinpath("files")
    for template, text in _templates(root, PurePosixPath()):
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        path = directory.joinpath(*_target(template, name).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written += _golden(directory, name)
    from compiler import schemas

    written += schemas.write(directory / "schemas")
    return written


def _golden(directory: Path, package: str) -> list[Path]:
    """Replay the starter's scenarios into golden/<package>/<scenario>.json."""
    from compiler.api import preview
    from compiler.report.invoice_json import to_json

    written = []
    for result in preview(directory / "packages" / package):
        path = directory / "golden" / package / f"{result.scenario}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_json(result), encoding="utf-8")
        written.append(path)
    return written
