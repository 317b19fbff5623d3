"""Parsed YAML that remembers where it stood, and how plain scalars become values.

Mappings come back as :class:`MarkedDict` and sequences as :class:`MarkedList`: plain dicts and
lists that also remember the 1-based (line, column) of their items, so that later stages can
report ``FILE:LINE:COL`` for any value they reject. Both YAML readers (the full one and the fast
one for plain block files) build them and resolve scalars with the functions here, so that they
cannot disagree on what a value means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

Mark = tuple[int, int]

TAG = "tag:yaml.org,2002:"  # the prefix of the tags of YAML's core types
STR_TAG = TAG + "str"


class MarkedDict(dict[Any, Any]):
    """A mapping with the position of the mapping, of each key and of each value."""

    __slots__ = ("key_marks", "start", "value_marks")  # no attribute dict: thousands are built per run

    def __init__(self, start: Mark = (1, 1)) -> None:  # empty, as dict's __new__ made it
        self.start = start
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class MarkedList(list[Any]):
    """A sequence with the position of the sequence and of each item."""

    __slots__ = ("item_marks", "start")

    def __init__(self, start: Mark = (1, 1)) -> None:  # empty, as list's __new__ made it
        self.start = start
        self.item_marks: list[Mark] = []


_resolver = yaml.resolver.Resolver()
# Resolving a plain scalar's type runs a list of regular expressions in Python, and task files
# repeat the same few dozen values ("none", "manual", "true"...) thousands of times.
_resolved: dict[str, str] = {}
_IMPLICIT = (True, False)
_IMPLICIT_BY_FIRST = _resolver.yaml_implicit_resolvers  # the resolvers to try, by a value's first character


def resolve_plain(value: str) -> str:
    """The tag of a plain (unquoted) scalar under safe loading: str, int, bool, null..."""
    tag = _resolved.get(value)
    if tag is None:
        if value[:1] not in _IMPLICIT_BY_FIRST and None not in _IMPLICIT_BY_FIRST:
            return STR_TAG  # no resolver applies: the default, as the resolver would find
        tag = _resolver.resolve(yaml.ScalarNode, value, _IMPLICIT)  # type: ignore[no-untyped-call]
        if len(_resolved) < 4096 and len(value) <= 40:
            _resolved[value] = tag
    return tag


_converter = yaml.constructor.SafeConstructor()
# The scalar conversions of safe loading (ints in every base, floats, timestamps, binary).
scalar_converters: dict[str, Callable[[yaml.ScalarNode], Any]] = {
    TAG + "null": lambda node: None,
    TAG + "bool": lambda node: yaml.constructor.SafeConstructor.bool_values[node.value.lower()],
    TAG + "int": _converter.construct_yaml_int,
    TAG + "float": _converter.construct_yaml_float,
    TAG + "timestamp": _converter.construct_yaml_timestamp,
    TAG + "binary": _converter.construct_yaml_binary,
    TAG + "value": lambda node: node.value,
}
