"""Parsed YAML that remembers where it stood.

Mappings come back as :class:`MarkedDict` and sequences as :class:`MarkedList`: plain dicts and
lists that also remember the 1-based (line, column) of their items, so that later stages can
report ``FILE:LINE:COL`` for any value they reject.
"""

from __future__ import annotations

from typing import Any

Mark = tuple[int, int]


class MarkedDict(dict[Any, Any]):
    """A mapping with the position of the mapping, of each key and of each value."""

    __slots__ = ("key_marks", "start", "value_marks")

    def __init__(self, start: Mark = (1, 1)) -> None:  # always built empty, then filled
        self.start = start
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class MarkedList(list[Any]):
    """A sequence with the position of the sequence and of each item."""

    __slots__ = ("item_marks", "start")

    def __init__(self, start: Mark = (1, 1)) -> None:  # always built empty, then filled
        self.start = start
        self.item_marks: list[Mark] = []
