"""A fast reader for the plain block YAML that task files are written in, or ``None``.

A portfolio holds thousands of task files, and composing YAML nodes costs more per file than
everything else decide does with it. Task files use a small part of YAML, which this reader
handles line by line: block mappings with simple keys; block sequences of scalars or of mappings;
one-line plain and quoted scalars (escapes ``\\"`` and ``\\\\`` only); one-line flow collections of
scalars (``[a, b]``, ``{k: v}``); literal and folded block scalars whose lines share one
indentation; comments. It gives up (returns ``None``) on anything else: anchors, tags, other
escapes, nested or multi-line flow collections, tabs, control characters, empty values,
duplicate keys, odd indentation, and every error. The full parser then reads the file, with its
own located messages. Where this reader answers, it answers as the full parser would, marks
included; ``tests/test_block_yaml.py`` checks that on every YAML file in the repository and on
generated documents.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from decide.loading.marked import STR_TAG, Mark, MarkedDict, MarkedList, resolve_plain, scalar_converters

# Control characters (tabs and carriage returns among them, line feeds apart), C1 controls (NEL reads
# as a line break), surrogates, byte order marks and non-characters: such text goes the long way.
# Listed as what is refused rather than what is allowed, which compiles ten times faster. Looked for
# in each line not met before and in block scalars' text: every line is one or in one.
_OUTSIDE_SUBSET = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_KEY = r"[A-Za-z_][A-Za-z0-9_.-]*"  # a simple key (whether it reads as a string is checked apart)
# Any line: its indentation, a sequence item's dash, a key, and what follows. Lines with neither
# dash nor key are blank, comments or outside the subset. Every part is optional and the last takes
# the rest, so a line is matched without backtracking.
_LINE = re.compile(r"( *)(-(?= ) *)?(?:(" + _KEY + r"):(?= |$) *)?(.*)")
_BLOCK_HEADER = re.compile(r"([|>])(-?)(?: +#.*| *)")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'(?: +#.*| *)")
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\["\\])*)"(?: +#.*| *)')  # escapes: only \" and \\
_ESCAPED = re.compile(r'\\(["\\])')
# One-line flow collections of scalars, their items checked one by one: quoted without escapes, or
# plain without anything that means more in a flow (no ":", "#", commas or brackets).
_FLOW = re.compile(r"(?:\[(.*)\]|\{(.*)\})(?: +#.*| *)")
_FLOW_SCALAR = (
    r"""(?P<item>"(?P<double>[^"\\]*)"|'(?P<single>(?:[^']|'')*)'"""
    # Plain: words separated by spaces, so that no run of spaces can be split two ways (a lazy
    # match followed by " *" took quadratic time on a long run of spaces).
    r"""|(?P<plain>[^-?:,\[\]{}#&*!|>'"%@` ][^,\[\]{}#'": ]*(?: +[^,\[\]{}#'": ]+)*))"""
)
_FLOW_ITEM = re.compile(r" *" + _FLOW_SCALAR + r" *(?P<comma>,|$)")
_FLOW_PAIR = re.compile(r" *(?P<key>" + _KEY + r"): +" + _FLOW_SCALAR + r" *(?P<comma>,|$)")
# Characters that start something other than a plain scalar (indicators), or that a plain
# scalar may hold only in some contexts: left to the full parser.
_INDICATORS = frozenset("-?:,[]{}#&*!|>%@`")
_BRACKETS = re.compile(r"[\[\]{}]")
_MAX_DEPTH = 16

Collection = MarkedDict | MarkedList
Stack = list[tuple[int, Collection]]  # (indentation, collection) of the open collections, outermost first
# What a line says, apart from where it stands in the document: (indentation, whether it is a
# sequence item, its key (empty for a scalar item), the key's column, the value's column, the value,
# the value's text). The value is a scalar's, or one of the markers below for what the line cannot
# tell alone.
Line = tuple[int, bool, str, int, int, Any, str]
_EMPTY = object()  # no value on the line: the block below is the value
_FLOW_VALUE = object()  # a flow collection: built anew for each document
_BLOCK_SCALAR = object()  # a literal or folded scalar: its text is on the lines below
_BLANK: Line = (0, False, "", 0, 0, None, "")  # blank, or only a comment


class _NotSimple(Exception):
    """The text is outside the subset: the full parser must read it."""


def read_block_yaml(text: str) -> MarkedDict | None:
    """The document as the full parser would build it, or ``None`` when it is outside the subset."""
    try:
        return _read(text)
    except _NotSimple:
        return None


def _read(text: str) -> MarkedDict | None:
    root: MarkedDict | None = None
    stack: Stack = []
    # The innermost open collection is a mapping or a sequence, as `in_sequence` says; its
    # indentation is `level`, or -1 (where no line stands) before the first line and while a key
    # awaits its block, so that the next line takes the branch that opens one.
    mapping, sequence, in_sequence, level = MarkedDict(), MarkedList(), False, -1
    key_marks, value_marks = mapping.key_marks, mapping.value_marks  # the mapping's, looked up once
    awaiting: tuple[MarkedDict, str, int] | None = None  # a key whose value is the block that follows
    lines = text.split("\n")
    numbered = enumerate(lines, 1)
    for number, line in numbered:
        read = _LINES.get(line) or _line(line)
        if read is _BLANK:
            continue
        indent, item, key, key_column, column, value, rest = read
        if indent != level or item != in_sequence:
            if awaiting is not None:
                opened = _open_block(stack, awaiting, item, indent, number)
                awaiting = None
            elif root is None:
                opened = root = _open_root(stack, item, indent, number)
            else:
                opened = _enclosing(stack, item, indent)
            level, in_sequence = indent, item
            if isinstance(opened, MarkedList):
                sequence = opened
            else:
                mapping, key_marks, value_marks = opened, opened.key_marks, opened.value_marks
        if item:
            if not key:
                sequence.append(_flow(rest, (number, column)) if value is _FLOW_VALUE else value)
                sequence.item_marks.append((number, column))
                continue
            # A mapping as the item, its first key on the dash's line and the others below that key.
            mapping = _open_item(stack, sequence, (number, key_column))
            key_marks, value_marks = mapping.key_marks, mapping.value_marks
            level, in_sequence = key_column - 1, False
        if key in mapping:
            raise _NotSimple
        key_marks[key] = (number, key_column)
        if value is _EMPTY:
            mapping[key] = None  # keeps the key's place until its block arrives
            awaiting, level = (mapping, key, key_column - 1), -1
            continue
        mark = value_marks[key] = (number, column)
        if value is _FLOW_VALUE:
            value = _flow(rest, mark)
        elif value is _BLOCK_SCALAR:
            value, after = _block_scalar(rest, lines, number, key_column - 1)
            for _ in range(after - number):  # its lines are read
                next(numbered)
        mapping[key] = value
    if awaiting is not None:
        raise _NotSimple  # a key with no value
    return root


# Lines repeat across a portfolio's files ("  planning: multi-step"): what they say is kept (a
# bounded number of short ones).
_CACHED = 4096
_LINES: dict[str, Line] = {}


def _line(text: str) -> Line:
    """What one line says (:class:`_NotSimple` if it is outside the subset)."""
    entry = _LINE.fullmatch(text)
    assert entry is not None  # every part of the pattern is optional
    dash, key, rest = entry.group(2, 3, 4)
    if _OUTSIDE_SUBSET.search(text):
        raise _NotSimple
    if dash is not None or key is not None:
        read = _entry(entry, dash is not None, key, rest)
    elif not rest or rest[0] == "#":
        read = _BLANK
    else:
        raise _NotSimple
    if len(text) <= 80 and len(_LINES) < _CACHED:
        _LINES[text] = read
    return read


def _entry(entry: re.Match[str], item: bool, key: str | None, rest: str) -> Line:
    """A line with a key or a dash."""
    if key is not None and not _string_key(key):
        raise _NotSimple
    column = entry.start(4) + 1
    value: Any
    if not rest or rest[0] == "#":
        if key is None:
            raise _NotSimple  # an empty item
        value = _EMPTY
    elif rest[0] in "[{":
        value = _FLOW_VALUE
    elif rest[0] in "|>" and key is not None:
        value = _BLOCK_SCALAR
    else:
        value = _scalar(rest)
    key_column = column if key is None else entry.start(3) + 1
    return entry.end(1), item, key or "", key_column, column, value, rest


def _push(stack: Stack, indent: int, collection: Collection) -> None:
    """Open a collection; deeper nesting than task files need is left to the full parser."""
    stack.append((indent, collection))
    if len(stack) > _MAX_DEPTH:
        raise _NotSimple


def _open_root(stack: Stack, item: bool, indent: int, number: int) -> MarkedDict:
    """The document's mapping, which the first line starts at its left edge."""
    if item or indent:
        raise _NotSimple
    root = MarkedDict((number, 1))
    stack.append((0, root))
    return root


def _open_item(stack: Stack, items: MarkedList, start: Mark) -> MarkedDict:
    """A mapping that is an item of a sequence, opened on the stack."""
    item = MarkedDict(start)
    items.append(item)
    items.item_marks.append(start)
    _push(stack, start[1] - 1, item)
    return item


def _open_block(
    stack: Stack, awaiting: tuple[MarkedDict, str, int], item: bool, indent: int, number: int
) -> Collection:
    """The mapping or sequence that a key's value starts on this line, opened on the stack."""
    parent, parent_key, parent_indent = awaiting
    collection: Collection
    if not item and indent > parent_indent:
        collection = MarkedDict((number, indent + 1))
    elif item and indent >= parent_indent:  # a sequence may sit level with its key
        collection = MarkedList((number, indent + 1))
    else:
        raise _NotSimple  # the key has an empty value
    parent[parent_key] = collection
    parent.value_marks[parent_key] = (number, indent + 1)
    _push(stack, indent, collection)
    return collection


def _enclosing(stack: Stack, item: bool, indent: int) -> Collection:
    """The open collection a line at this indentation continues, closing the deeper ones."""
    # A key level with a sequence's dashes ends that sequence (one that sat level with its key).
    while indent < stack[-1][0] or (not item and indent == stack[-1][0] and isinstance(stack[-1][1], list)):
        stack.pop()
        if not stack:
            raise _NotSimple
    level, collection = stack[-1]
    if indent != level or item != isinstance(collection, MarkedList):
        raise _NotSimple
    return collection


def _string_key(key: str) -> bool:
    """Whether a simple key reads as a string (``yes:`` or ``null:`` would not)."""
    return resolve_plain(key) == STR_TAG


def _block_scalar(header: str, lines: list[str], after: int, parent: int) -> tuple[str, int]:
    """A literal (``|``) or folded (``>``) scalar whose lines all share one indentation, and the
    index of the line after it. Blank lines inside, deeper lines, ``+`` and indentation digits
    are left to the full parser."""
    style = _BLOCK_HEADER.fullmatch(header)
    if style is None:
        raise _NotSimple
    body: list[str] = []
    indent = -1
    index = after
    for index in range(after, len(lines)):
        line = lines[index]
        content = line.lstrip(" ")
        depth = len(line) - len(content)
        if indent < 0:
            if not content or depth <= parent:
                raise _NotSimple  # an empty scalar, or one that starts with blank lines
            indent = depth
        if not content or depth < indent:
            break
        if depth > indent:
            raise _NotSimple
        body.append(content)
    else:
        raise _NotSimple  # the scalar ends the file without a line break
    for line in lines[index:]:
        # Blank lines may end the scalar, but a line as deep as its text after them, or spaces
        # beyond its indentation, would still belong to it.
        content = line.lstrip(" ")
        if len(line) - len(content) >= (indent if content else indent + 1):
            raise _NotSimple
        if content:
            break
    folded, keep_last_break = style.group(1) == ">", not style.group(2)
    text = (" " if folded else "\n").join(body)
    if _OUTSIDE_SUBSET.search(text):
        raise _NotSimple
    return text + ("\n" if keep_last_break else ""), index


def _flow(rest: str, start: Mark) -> Collection:
    """A one-line flow list or mapping of scalars: ``[GDPR, "SOX"]``, ``{baseline: 0.05, target: 0.01}``."""
    flow = _FLOW.fullmatch(rest)
    if flow is None:
        raise _NotSimple
    items, pairs = flow.groups()
    inside = items if items is not None else pairs
    collection: Collection = MarkedList(start) if items is not None else MarkedDict(start)
    if not inside.strip(" "):
        return collection
    entry = _FLOW_ITEM if items is not None else _FLOW_PAIR
    line, first = start[0], start[1] + 1  # the column of the character after the bracket
    position = 0
    while True:
        found = entry.match(inside, position)
        if found is None:
            raise _NotSimple
        value = _flow_scalar(found)
        mark = (line, first + found.start("item"))
        if isinstance(collection, MarkedList):
            collection.append(value)
            collection.item_marks.append(mark)
        else:
            key = found.group("key")
            if key in collection or not _string_key(key):
                raise _NotSimple
            collection[key] = value
            collection.key_marks[key] = (line, first + found.start("key"))
            collection.value_marks[key] = mark
        position = found.end()
        if not found.group("comma"):
            return collection


def _flow_scalar(found: re.Match[str]) -> Any:
    double, single, plain = found.group("double", "single", "plain")
    if double is not None:
        return double
    if single is not None:
        return single.replace("''", "'")
    return _plain(plain)


def _scalar(rest: str) -> Any:
    """The value of a one-line scalar (and any comment after it)."""
    first = rest[0]
    if first == "'":
        quoted = _SINGLE_QUOTED.fullmatch(rest)
        if quoted is None:
            raise _NotSimple
        return quoted.group(1).replace("''", "'")
    if first == '"':
        quoted = _DOUBLE_QUOTED.fullmatch(rest)
        if quoted is None:
            raise _NotSimple
        return _ESCAPED.sub(r"\1", quoted.group(1))
    if first in _INDICATORS:
        raise _NotSimple
    comment = rest.find(" #")
    value = (rest if comment < 0 else rest[:comment]).rstrip(" ")
    if ": " in value or value[-1] == ":" or _BRACKETS.search(value):
        raise _NotSimple
    return _plain(value)


def _plain(value: str) -> Any:
    """A plain scalar's value under safe loading."""
    tag = resolve_plain(value)
    if tag == STR_TAG:
        return value
    convert = scalar_converters.get(tag)  # the full parser's own conversions (values are cached by the caller)
    if convert is None:
        raise _NotSimple
    return convert(yaml.ScalarNode(tag, value))
