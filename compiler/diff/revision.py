"""Packages as they were at a git revision, read without touching the working tree.

Files are written from git's object store (`ls-tree` + `cat-file --batch`) into a directory of
our own, not through `git archive`: an archive honours `export-ignore` and `export-subst`
attributes, which would hide or rewrite files that the revision really holds.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class RevisionError(Exception):
    """The revision or the paths cannot be read: not a git repository, unknown revision, ..."""


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    command = ["git", "--literal-pathspecs", "-C", str(root), *args]
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed (plan diff reads the base from git)") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(f"git {args[0]} failed: {message[-1] if message else 'no output'}")
    return done.stdout


@dataclass(frozen=True)
class Repository:
    root: Path

    @classmethod
    def containing(cls, path: Path) -> Repository:
        """The git work tree that `path` (a directory, existing or not) lies in."""
        probe = path.resolve()
        while not probe.is_dir():
            probe = probe.parent
        try:
            top = _git(probe, "rev-parse", "--show-toplevel").decode().strip()
        except RevisionError as exc:
            # git's own words too: "dubious ownership" is not the same fix as "no repository"
            raise RevisionError(f"{path} is not inside a git repository ({exc})") from exc
        return cls(Path(top).resolve())

    def commit(self, revision: str) -> str:
        """The commit a revision names (a branch, tag, `HEAD~1`, a hash), or RevisionError."""
        try:
            out = _git(
                self.root,
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{revision}^{{commit}}",
            )
        except RevisionError as exc:
            raise RevisionError(f"unknown revision '{revision}' in {self.root}") from exc
        return out.decode().strip()

    def relative(self, path: Path) -> PurePosixPath:
        """`path` relative to the repository root; RevisionError when it lies outside."""
        try:
            return PurePosixPath(path.resolve().relative_to(self.root).as_posix())
        except ValueError as exc:
            raise RevisionError(f"{path} is outside the git repository {self.root}") from exc

    def export(self, commit: str, paths: list[PurePosixPath], into: Path) -> list[PurePosixPath]:
        """Write the files under `paths` at `commit` below `into`; returns the paths that exist.

        Symbolic links and submodules are skipped: a package is plain files.
        """
        blobs: list[tuple[str, PurePosixPath]] = []
        present: list[PurePosixPath] = []
        for path in paths:
            listing = _git(self.root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", str(path))
            entries = [e for e in listing.decode("utf-8", "surrogateescape").split("\0") if e]
            if entries:
                present.append(path)
            for entry in entries:
                meta, name = entry.split("\t", 1)
                mode, kind, sha = meta.split()
                if kind == "blob" and mode in ("100644", "100755"):
                    blobs.append((sha, PurePosixPath(name)))
        if blobs:
            contents = _git(
                self.root,
                "cat-file",
                "--batch",
                stdin="".join(f"{sha}\n" for sha, _ in blobs).encode(),
            )
            _write_batch(contents, blobs, into)
        return present


def _write_batch(contents: bytes, blobs: list[tuple[str, PurePosixPath]], into: Path) -> None:
    """Split `git cat-file --batch` output (header line, content, LF) into the files."""
    position = 0
    for _, name in blobs:
        header_end = contents.index(b"\n", position)
        size = int(contents[position:header_end].split()[2])
        start = header_end + 1
        target = into.joinpath(*name.parts)
        if ".." in name.parts or not target.resolve().is_relative_to(into.resolve()):
            raise RevisionError(f"refusing to write {name} outside the export directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(contents[start : start + size])
        position = start + size + 1
