"""Parse YAML safely, keeping where every key and value stood, and refusing duplicate keys.

Mappings come back as :class:`MarkedDict` and sequences as :class:`MarkedList`: plain dicts and
lists that also remember the 1-based (line, column) of their items, so that later stages can
report ``FILE:LINE:COL`` for any value they reject.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from decide.errors import DecideError

Mark = tuple[int, int]

# The C loader parses several times faster; the pure-Python one is the fallback.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MERGE_TAG = "tag:yaml.org,2002:merge"


class MarkedDict(dict[Any, Any]):
    """A mapping with the position of the mapping, of each key and of each value."""

    def __init__(self, start: Mark = (1, 1)) -> None:
        super().__init__()
        self.start = start
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class MarkedList(list[Any]):
    """A sequence with the position of the sequence and of each item."""

    def __init__(self, start: Mark = (1, 1)) -> None:
        super().__init__()
        self.start = start
        self.item_marks: list[Mark] = []


class _DuplicateKey(Exception):
    def __init__(self, key: Any, mark: Mark, first: Mark) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _MarkingLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loading only: no tag ever constructs a Python object."""


def _construct_mapping(loader: _MarkingLoader, node: yaml.MappingNode) -> MarkedDict:
    seen: dict[Any, Mark] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value, not a list or mapping", key_node.start_mark
            ) from None
        if first is not None:
            raise _DuplicateKey(key, _mark(key_node), first)
        seen[key] = _mark(key_node)
    # Merge keys (<<) may be overridden by the mapping's own keys, as YAML intends.
    loader.flatten_mapping(node)
    data = MarkedDict(_mark(node))
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_marks[key] = _mark(key_node)
        data.value_marks[key] = _mark(value_node)
    return data


def _construct_sequence(loader: _MarkingLoader, node: yaml.SequenceNode) -> MarkedList:
    data = MarkedList(_mark(node))
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.item_marks.append(_mark(item))
    return data


_MarkingLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_MarkingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _decode(data: bytes, path: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DecideError.at(path, "not UTF-8 text: save the file as UTF-8", line, column) from None


def parse_yaml(data: bytes, path: str) -> Any:
    """Parse one YAML document; every problem becomes a located :class:`DecideError`."""
    text = _decode(data, path)
    try:
        return yaml.load(text, Loader=_MarkingLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as dup:
        line, column = dup.mark
        raise DecideError.at(
            path,
            f"duplicate key {dup.key!r} (first at line {dup.first[0]}): keep only one",
            line,
            column,
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise DecideError.at(path, f"invalid YAML: {message}", *where) from None
    except yaml.YAMLError as error:
        raise DecideError.at(path, f"invalid YAML: {error}") from None


def read_yaml_file(path: Path, shown_as: str | None = None) -> tuple[Any, bytes]:
    """Read and parse a YAML file, returning the document and the raw bytes (for hashing)."""
    name = shown_as or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DecideError.at(name, "no such file") from None
    except IsADirectoryError:
        raise DecideError.at(name, "is a folder, not a file") from None
    except OSError as error:
        raise DecideError.at(name, f"cannot read: {error.strerror or error}") from None
    return parse_yaml(data, name), data
