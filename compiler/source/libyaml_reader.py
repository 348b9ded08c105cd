"""The fast path of YAML reading: one pass over the events of libyaml, PyYAML's C parser.

ruamel.yaml, the reference reader in `yaml_reader`, has no C extension for this Python: pure
Python, it parsed a 1,000-customer `plan replay --customers` file in 0.8 s. This path builds the
same data and the same positions from one stream of events produced in C, and takes only the
files it reads exactly as the reference does: well-formed single documents of mappings, lists
and untagged scalars. On anything else it declines (returns None) and the reference reader reads
the file: a syntax error, a limit exceeded, a tag, an anchor or alias, a duplicate or complex
key, a directive, several documents, an empty value, a tab or another unusual character, a last
line without a line break. It therefore never reports a problem itself (the
diagnostics are the reference reader's, word for word), never expands an alias, never builds a
tagged object and never recurses (a stack of open collections, declined past the depth limit).

Plain scalars are resolved with ruamel's own resolver patterns (YAML 1.2: `yes` is a string,
`017` an integer), not PyYAML's (YAML 1.1), so that the two paths cannot disagree.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.resolver import VersionedResolver

from compiler.diagnostics import Span
from compiler.source.yaml_reader import (
    ALLOWED_TAGS,
    KEY_TAGS,
    Limits,
    NodeSpans,
    YamlDocument,
    YamlPath,
    scalar_value,
)

try:
    import yaml
    from yaml.cyaml import CParser  # ImportError too when PyYAML was built without libyaml
    from yaml.events import (
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )

    LIBYAML = bool(yaml.__with_libyaml__)
    _VALUE_EVENTS = (ScalarEvent, MappingStartEvent, SequenceStartEvent)
    _END_EVENTS = (MappingEndEvent, SequenceEndEvent)
except ImportError:  # PyYAML is a dependency, but the reference reader does not need it
    LIBYAML = False

_STR = "tag:yaml.org,2002:str"

# Characters whose handling differs between the two parsers or that the reference rejects: tabs
# (where they may stand), CR and the Unicode line breaks (line numbers), the BOM, control
# characters. What is left is the text pricing files are made of.
_UNUSUAL = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _span(file: str, start: Any, end: Any) -> Span:
    """A span from two libyaml marks: 0-based, as ruamel's are."""
    return Span(file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Decline(Exception):
    """The file is not one this path reads exactly as the reference does."""


def read_events(text: str, file: str, limits: Limits) -> YamlDocument | None:
    """The document of `text`, or None when the reference reader must read it."""
    if not LIBYAML or _UNUSUAL.search(text) or not text.endswith("\n"):
        # (libyaml ends a last line that has no line break, moving the marks at the end)
        return None
    parser = CParser(text)
    try:
        return _EventReader(file, limits).read(parser)
    except (_Decline, yaml.YAMLError):
        return None
    finally:
        parser.dispose()


class _Collection:
    """A mapping or list being filled, and what its next item needs."""

    __slots__ = ("key_span", "next_key", "next_key_span", "path", "start", "value")

    def __init__(
        self, value: dict[str, Any] | list[Any], path: YamlPath, start: Any, key: Span | None
    ) -> None:
        self.value = value
        self.path = path
        self.start = start  # the start mark: the span is known at the end event
        self.key_span = key  # where the collection's own key sits
        self.next_key: str | None = None  # a mapping's key that waits for its value
        self.next_key_span: Span | None = None


# What positions hold for a collection until its end event gives its span: the entry is made at
# the start so that positions keep the reference's order (parents before their items).
_PENDING = NodeSpans(Span(""))


class _EventReader:
    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.positions: dict[YamlPath, NodeSpans] = {}
        self.tags: dict[str, str] = {}  # plain scalar text → its tag, a cache
        self.visited = 0

    def read(self, parser: Any) -> YamlDocument:
        get_event = parser.get_event
        get_event()  # the stream start
        event = get_event()
        if isinstance(event, StreamEndEvent):  # no document: empty, or comments only
            return YamlDocument(None, {})
        if not isinstance(event, DocumentStartEvent) or event.version or event.tags:
            raise _Decline  # a directive: %YAML 1.1 would change how scalars resolve
        data = self._document(get_event)
        if not isinstance(get_event(), DocumentEndEvent):
            raise _Decline
        if not isinstance(get_event(), StreamEndEvent):
            raise _Decline  # several documents
        return YamlDocument(data, self.positions)

    def _document(self, get_event: Any) -> Any:
        """The document's value, walked with a stack of open collections (not recursion)."""
        received: list[Any] = []  # the document's value
        document = _Collection(received, (), None, None)
        stack = [document]
        while True:
            event = get_event()
            top = stack[-1]
            if type(event) in _END_EVENTS:
                closed = stack.pop()
                self.positions[closed.path] = NodeSpans(
                    _span(self.file, closed.start, event.end_mark), closed.key_span
                )
                if len(stack) == 1:
                    return received[0]
            elif top.next_key is None and isinstance(top.value, dict):
                top.next_key, top.next_key_span = self._key(event)
            else:
                opened = self._item(event, top, top is document, len(stack))
                if opened is not None:
                    stack.append(opened)
                elif top is document:
                    return received[0]  # a document that is one scalar

    def _item(self, event: Any, parent: _Collection, root: bool, depth: int) -> _Collection | None:
        """Adds a value to its parent; returns it when it is a collection, to be filled."""
        self.visited += 1
        if self.visited > self.limits.max_nodes:
            raise _Decline  # the reference's E0006
        container = parent.value
        if isinstance(container, dict):
            key = parent.next_key
            assert key is not None  # `_document` reads a mapping's key before its value
            if key in container:
                raise _Decline  # a duplicate key: the reference's E0002
            value, opened = self._value(event, (*parent.path, key), parent.next_key_span, depth)
            container[key] = value
            parent.next_key = parent.next_key_span = None
        else:
            path: YamlPath = () if root else (*parent.path, len(container))
            value, opened = self._value(event, path, None, depth)
            container.append(value)
        return opened

    def _value(
        self, event: Any, path: YamlPath, key_span: Span | None, depth: int
    ) -> tuple[Any, _Collection | None]:
        """A scalar's value, or a new empty collection and what fills it."""
        kind = type(event)
        if kind not in _VALUE_EVENTS or event.anchor is not None or event.tag is not None:
            raise _Decline  # an alias, an anchor or a tag
        if kind is ScalarEvent:
            span = _span(self.file, event.start_mark, event.end_mark)
            self.positions[path] = NodeSpans(span, key_span)
            return self._scalar(event), None
        if depth > self.limits.max_depth:
            raise _Decline  # the reference's E0005
        value: dict[str, Any] | list[Any] = {} if kind is MappingStartEvent else []
        self.positions[path] = _PENDING
        return value, _Collection(value, path, event.start_mark, key_span)

    def _key(self, event: Any) -> tuple[str, Span]:
        if type(event) is not ScalarEvent or event.anchor is not None or event.tag is not None:
            raise _Decline  # a complex, anchored or tagged key, or an alias
        if self._tag(event) not in KEY_TAGS:
            raise _Decline  # a merge key (`<<`), or a float or date as a key: E0010
        return str(event.value), _span(self.file, event.start_mark, event.end_mark)

    def _scalar(self, event: Any) -> Any:
        tag = self._tag(event)
        if tag not in ALLOWED_TAGS:
            raise _Decline  # `=` or `<<` as a value: the reference's E0004
        return scalar_value(tag, event.value)

    def _tag(self, event: Any) -> str:
        if not event.implicit[0]:  # quoted or block: a string
            return _STR
        text: str = event.value
        if not text:
            # an empty value (`key:` and nothing): ruamel's position for it depends on the
            # comments around it, so the reference reader places it
            raise _Decline
        tag = self.tags.get(text)
        if tag is None:
            tag = self.tags[text] = _resolve(text)
        return tag


# ruamel's implicit resolvers for its default YAML version (1.2): the first character of a plain
# scalar → (tag, pattern) pairs; a version directive, which could change them, is declined
_IMPLICIT: dict[str | None, list[tuple[str, Any]]] = VersionedResolver().versioned_resolver


def _resolve(text: str) -> str:
    """A plain scalar's tag, as `VersionedResolver.resolve` gives it (without its slow lookup
    of the version, which raises and catches two exceptions per scalar)."""
    for tag, pattern in _IMPLICIT.get(text[0], []) + _IMPLICIT.get(None, []):
        if pattern.match(text):
            return str(tag)
    return _STR
