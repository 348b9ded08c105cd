"""Safe YAML reading that keeps the position of every key and value.

Packages are untrusted (SPEC section 6), so a file is read in three guarded steps: its size is
checked before it is read; its event stream is scanned for nesting depth and tags before any
tree is built (the composer recurses, the parser does not); and the composed node tree is turned
into plain data by our own walk, which counts the nodes it visits so that aliases cannot expand
without bound, accepts only the core YAML tags, rejects duplicate keys, and builds decimals from
the scalar's own text (never through a float). Packages are YAML 1.2: a `%YAML` directive for
another version is refused, since under 1.1 `yes` and `on` would be booleans.

ruamel.yaml is pure Python here, so most files are read by `libyaml_reader` instead: one pass
over the events of libyaml, in C, that gives the same data and positions. It takes only the
files it reads exactly as the reader here does and leaves every other one (so every diagnostic)
to this reader, the reference.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.tokens import DirectiveToken

from compiler.diagnostics import Diagnostic, Span, error

YamlPath = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = {
    f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}
KEY_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "bool", "null")}  # keys become text

# A version directive starts a line; only a file with such a line has its tokens scanned.
_DIRECTIVE_LINE = re.compile(r"^\ufeff?%YAML", re.MULTILINE)  # a byte order mark may lead


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile file from exhausting time or memory."""

    max_bytes: int = 5 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 250_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class NodeSpans:
    """Where a value sits, and where its key sits when it is a mapping value."""

    value: Span
    key: Span | None = None


@dataclass
class YamlDocument:
    data: Any
    positions: dict[YamlPath, NodeSpans]


class _Abort(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def _span(file: str, node_or_event: Any) -> Span:
    start, end = node_or_event.start_mark, node_or_event.end_mark
    return Span(file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def read_yaml(
    path: Path, file: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read one YAML file; `file` is the name diagnostics show for it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [error("E0008", f"cannot read file: {exc.strerror}", Span(file))]
    if size > limits.max_bytes:
        return None, [
            error(
                "E0003",
                f"file is {size} bytes, larger than the limit of {limits.max_bytes} bytes",
                Span(file),
                "split the file, or keep data that large out of the pricing package",
            )
        ]
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [error("E0008", f"file is not UTF-8: {exc.reason}", Span(file))]
    return parse_yaml(text, file, limits)


def parse_yaml(
    text: str, file: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read YAML text: through libyaml when it reads the text as ruamel does, else ruamel."""
    # imported here: libyaml_reader builds on this module's types and its scalar_value
    from compiler.source.libyaml_reader import read_events

    document = read_events(text, file, limits)
    if document is not None:
        return document, []
    return parse_with_ruamel(text, file, limits)


def parse_with_ruamel(
    text: str, file: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """The reference reader: every file libyaml declines, and every diagnostic, comes from here."""
    yaml = YAML(typ="rt", pure=True)
    try:
        with warnings.catch_warnings():  # e.g. a reused anchor: legal YAML, not our problem
            warnings.simplefilter("ignore")
            if _DIRECTIVE_LINE.search(text):
                _check_version(yaml, text, file)
            _scan_events(yaml, text, file, limits)
            documents = list(yaml.compose_all(text))
    except _Abort as abort:
        return None, [abort.diagnostic]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [error("E0001", f"YAML syntax error: {problem}", span)]
    except (YAMLError, RecursionError, ValueError) as exc:
        return None, [error("E0001", f"YAML syntax error: {exc}", Span(file))]
    documents = [d for d in documents if d is not None]
    if not documents:
        return YamlDocument(None, {}), []
    if len(documents) > 1:
        return None, [
            error(
                "E0009", "a file holds one YAML document, found several", _span(file, documents[1])
            )
        ]
    walker = _Walker(file, limits)
    try:
        data = walker.convert(documents[0], ())
    except _Abort as abort:
        return None, [abort.diagnostic]
    return YamlDocument(data, walker.positions), walker.diagnostics


def _check_version(yaml: YAML, text: str, file: str) -> None:
    """Refuse a `%YAML` directive for any version but 1.2, before the parser acts on it.

    Under `%YAML 1.1` the resolver reads `yes`, `on` and `y` as booleans, `017` as octal and
    `1:30` as a base-60 integer; the package language is YAML 1.2, where the first are strings
    and the others a decimal integer and a string. ruamel.yaml would also fail with an
    AssertionError on `%YAML 1.3`. The tokens are scanned, so a `%` line inside a scalar is not
    taken for a directive.
    """
    for token in yaml.scan(text):
        if isinstance(token, DirectiveToken) and token.name == "YAML":
            if tuple(token.value) != (1, 2):
                version = ".".join(str(part) for part in token.value)
                raise _Abort(
                    error(
                        "E0012",
                        f"YAML version {version} is not supported; packages are YAML 1.2",
                        _span(file, token),
                        "remove the %YAML directive; in YAML 1.2 a boolean is true or false "
                        "(yes, no, on and off are strings)",
                    )
                )


def _scan_events(yaml: YAML, text: str, file: str, limits: Limits) -> None:
    depth = 0
    aliases = 0
    for event in yaml.parse(text):
        if isinstance(event, NodeEvent) and not isinstance(event, AliasEvent):
            tag = getattr(event, "tag", None)
            if tag is not None and _expand_tag(str(tag)) not in ALLOWED_TAGS:
                raise _Abort(
                    error(
                        "E0004",
                        f"YAML tag '{tag}' is not allowed",
                        _span(file, event),
                        "pricing packages use plain YAML: mappings, lists, strings, numbers, dates",
                    )
                )
        if isinstance(event, AliasEvent):
            aliases += 1
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limits.max_depth:
                raise _Abort(
                    error(
                        "E0005",
                        f"nesting is deeper than {limits.max_depth} levels",
                        _span(file, event),
                    )
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _expand_tag(tag: str) -> str:
    return _CORE + tag[2:] if tag.startswith("!!") else tag


class _Walker:
    def __init__(self, file: str, limits: Limits):
        self.file = file
        self.limits = limits
        self.visited = 0
        self.positions: dict[YamlPath, NodeSpans] = {}
        self.diagnostics: list[Diagnostic] = []

    def convert(self, node: Node, path: YamlPath, key: Span | None = None) -> Any:
        self.visited += 1
        if len(path) > self.limits.max_depth:  # aliases can nest (or recurse) past the scan
            raise _Abort(
                error(
                    "E0005",
                    f"nesting through aliases is deeper than {self.limits.max_depth} levels "
                    "(a recursive alias?)",
                    _span(self.file, node),
                )
            )
        if self.visited > self.limits.max_nodes:
            raise _Abort(
                error(
                    "E0006",
                    f"the document expands to more than {self.limits.max_nodes} nodes "
                    "(an alias bomb?)",
                    _span(self.file, node),
                    "avoid aliases that refer to large or nested aliased structures",
                )
            )
        span = _span(self.file, node)
        self.positions.setdefault(path, NodeSpans(span, key))
        tag = _expand_tag(str(node.tag))
        if tag not in ALLOWED_TAGS:
            raise _Abort(error("E0004", f"YAML tag '{node.tag}' is not allowed", span))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        text = node.value
        if node.style == ">":  # the round-trip scanner marks each fold of a folded scalar
            text = text.replace("\a", "")  # with a BEL, as ruamel's own constructor knows
        return scalar_value(tag, text)

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_span = _span(self.file, key_node)
            key_tag = _expand_tag(str(key_node.tag))
            if not isinstance(key_node, ScalarNode) or key_tag not in KEY_TAGS:
                raise _Abort(
                    error(
                        "E0010",
                        "mapping keys must be plain scalars (merge keys and complex keys are "
                        "not supported)",
                        key_span,
                    )
                )
            key = str(key_node.value)
            if key in result:
                first = self.positions[(*path, key)].key
                self.diagnostics.append(
                    error(
                        "E0002",
                        f"duplicate key '{key}'"
                        + (f" (first defined at line {first.line})" if first else ""),
                        key_span,
                        "a key may appear once per mapping; the later value would hide the first",
                    )
                )
                continue
            result[key] = self.convert(value_node, (*path, key), key_span)
        return result


def scalar_value(tag: str, text: str) -> Any:
    """A scalar's value from its resolved tag and its text (both readers use this)."""
    name = tag.removeprefix(_CORE)
    if name == "null":
        return None
    if name == "bool":
        # YAML 1.2 spells a boolean true or false (any case); the `yes` and `on` of YAML 1.1
        # never get here (its directive is refused), and would stay text rather than be false
        spelled = text.lower()
        return spelled == "true" if spelled in ("true", "false") else text
    if name == "int":
        digits = text.replace("_", "")
        try:
            return int(digits)
        except ValueError:
            try:
                return int(digits, 0)
            except ValueError:
                return text
    if name == "float":
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text  # .inf and .nan stay text; the schema rejects them as numbers
        return value if value.is_finite() else text
    return text
