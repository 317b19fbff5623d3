"""Parse YAML safely, keeping where every key and value stood, and refusing duplicate keys.

Plain block files (most task files) are read by the fast reader in :mod:`block_yaml`; anything
else is composed by PyYAML's C parser and built into marked data here. Every problem becomes a
located :class:`DecideError`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from decide.errors import DecideError
from decide.loading.block_yaml import read_block_yaml
from decide.loading.marked import STR_TAG, TAG, Mark, MarkedDict, MarkedList, resolve_plain, scalar_converters

# The C loader parses several times faster; the pure-Python one is the fallback.
_CLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BaseLoader(_CLoader):  # type: ignore[valid-type,misc]
    """Safe loading, resolving plain scalars as the fast reader does (and cached)."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return resolve_plain(value)
        return super().resolve(kind, value, implicit)


_MERGE_TAG = TAG + "merge"

# Deeper nesting than this is refused: no task or rubric file needs it, and deeper structures
# exhaust the recursion of YAML's composer and of any code that walks them.
MAX_NESTING = 64
# Merge keys may repeat a mapping; past this many entries brought in, it is an expansion attack.
MAX_MERGED = 10_000
# Task and rubric files are a few kilobytes; a larger file is refused before it is read.
MAX_FILE_BYTES = 2 * 1024 * 1024
_PIECE = 1 << 16  # what a read of a pipe asks for at a time
# Below this size a file cannot nest deeply enough to endanger the C composer, so the extra
# pass that measures nesting before composing is only paid by larger files.
_DEPTH_SCAN_ABOVE = 8192


class _DuplicateKey(Exception):
    def __init__(self, key: Any, mark: Mark, first: Mark) -> None:
        super().__init__(key)
        self.key, self.mark, self.first = key, mark, first


class _TooDeep(Exception):
    def __init__(self, mark: Mark) -> None:
        super().__init__(mark)
        self.mark = mark


class _TooLarge(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


_MAP, _SEQ = TAG + "map", TAG + "seq"
_IN_PROGRESS = object()


class _Builder:
    """Builds marked data from YAML's composed nodes, as safe loading would, only faster.

    PyYAML's own constructor spends more time than its C composer; this one does the few things
    task and rubric files need (plain scalars of the core types, mappings, sequences, anchors and
    merge keys) in one walk that also records marks, refuses duplicate keys and limits nesting.
    """

    def __init__(self) -> None:
        self.built: dict[int, Any] = {}  # anchored collections are built once and shared
        self.depth = 0

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == STR_TAG:
                return node.value
            convert = scalar_converters.get(node.tag)
            if convert is None:
                raise _refused_tag(node)
            return convert(node)
        known = self.built.get(id(node))
        if known is _IN_PROGRESS:
            raise yaml.constructor.ConstructorError(None, None, "an alias refers to itself", node.start_mark)
        if known is not None:
            return known
        if self.depth >= MAX_NESTING:
            raise _TooDeep(_mark(node))
        self.built[id(node)] = _IN_PROGRESS
        self.depth += 1
        value = self.mapping(node) if isinstance(node, yaml.MappingNode) else self.sequence(node)  # type: ignore[arg-type]
        self.depth -= 1
        self.built[id(node)] = value
        return value

    def mapping(self, node: yaml.MappingNode) -> MarkedDict:
        if node.tag != _MAP:
            raise _refused_tag(node)
        data = MarkedDict(_mark(node))
        merged = False
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = True
                continue
            key = self.build(key_node)
            try:
                first = data.key_marks.get(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or mapping", key_node.start_mark
                ) from None
            if first is not None:
                raise _DuplicateKey(key, _mark(key_node), first)
            data[key] = self.build(value_node)
            data.key_marks[key] = _mark(key_node)
            data.value_marks[key] = _mark(value_node)
        if merged:
            # Merge keys (<<) fill in what the mapping's own keys leave out, as YAML intends.
            for key_node, value_node in self.merged_pairs(node, set()):
                key = self.build(key_node)
                if key not in data:
                    data[key] = self.build(value_node)
                    data.key_marks[key] = _mark(key_node)
                    data.value_marks[key] = _mark(value_node)
        return data

    def merged_pairs(self, node: yaml.MappingNode, seen: set[int]) -> list[tuple[yaml.Node, yaml.Node]]:
        """The pairs a mapping's merge keys bring in, earlier sources first (the first one wins).

        Merges nest and can name the same mapping many times over: the count is capped, so that
        a few lines of anchors cannot expand into millions of entries."""
        if id(node) in seen:
            raise yaml.constructor.ConstructorError(None, None, "a merge refers to itself", node.start_mark)
        seen = seen | {id(node)}
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a merge key (<<) takes a mapping or a list of mappings", source.start_mark
                    )
                pairs += [pair for pair in source.value if pair[0].tag != _MERGE_TAG]
                pairs += self.merged_pairs(source, seen)
                if len(pairs) > MAX_MERGED:
                    raise _TooLarge(_mark(node), f"merge keys (<<) bring in more than {MAX_MERGED} entries")
        return pairs

    def sequence(self, node: yaml.SequenceNode) -> MarkedList:
        if node.tag != _SEQ:
            raise _refused_tag(node)
        data = MarkedList(_mark(node))
        for item in node.value:
            data.append(self.build(item))
            data.item_marks.append(_mark(item))
        return data


def _refused_tag(node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
    )


def _decode(data: bytes, path: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DecideError.at(path, "not UTF-8 text: save the file as UTF-8", line, column) from None


def _check_nesting(text: str) -> None:
    """Measure nesting from the parser's events, which need no recursion, before composing."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING + 1 and event.start_mark is not None:
                raise _TooDeep((event.start_mark.line + 1, event.start_mark.column + 1))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _position(text: str, index: int) -> Mark:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _yaml_message(error: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's message in one line, with the hint a person needs where there is one."""
    problem = str(error.problem or error.context or "")
    mark = error.problem_mark
    at = text[mark.index] if mark is not None and mark.index < len(text) else ""
    if at == "\t":
        return "a tab: YAML indents with spaces, never tabs"
    if problem.startswith("could not determine a constructor for the tag"):
        tag = problem.rsplit(" ", 1)[-1].strip("'").replace(TAG, "!!")
        return f"the tag {tag} is not allowed: task and rubric files hold plain data only"
    if problem == "but found another document":
        return "a second document: a task or rubric file holds one YAML document (remove the ---)"
    if problem == "found undefined alias" and mark is not None:
        name = text[mark.index :].split(None, 1)[0] if text[mark.index :].strip() else "*"
        return f"the alias {name} names no anchor (&{name.lstrip('*')}) defined before it"
    context = error.context_mark
    if error.context and context is not None and (mark is None or context.line != mark.line):
        problem += f" ({error.context} that starts at line {context.line + 1}, column {context.column + 1})"
    return problem


def parse_yaml(data: bytes, path: str) -> Any:
    """Parse one YAML document; every problem becomes a located :class:`DecideError`."""
    text = _decode(data, path)
    simple = read_block_yaml(text)
    return simple if simple is not None else parse_yaml_text(text, path)


def parse_yaml_text(text: str, path: str) -> Any:
    """Parse one YAML document with the full parser (any YAML, with its problems located)."""
    try:
        if len(text) > _DEPTH_SCAN_ABOVE:
            _check_nesting(text)
        node = yaml.compose(text, Loader=_BaseLoader)
        return None if node is None else _Builder().build(node)
    except _DuplicateKey as dup:
        line, column = dup.mark
        raise DecideError.at(
            path,
            f"duplicate key {dup.key!r} (first at line {dup.first[0]}): keep only one",
            line,
            column,
        ) from None
    except _TooDeep as deep:
        raise DecideError.at(path, f"nested more than {MAX_NESTING} levels deep", *deep.mark) from None
    except _TooLarge as large:
        raise DecideError.at(path, large.message, *large.mark) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise DecideError.at(path, f"invalid YAML: {_yaml_message(error, text)}", *where) from None
    except yaml.reader.ReaderError as error:
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        message = f"the character {character} is not allowed in YAML ({error.reason})"
        raise DecideError.at(path, message, *_position(text, error.position)) from None
    except yaml.YAMLError as error:
        raise DecideError.at(path, f"invalid YAML: {' '.join(str(error).split())}") from None


def read_yaml_file(path: Path, shown_as: str | None = None) -> tuple[Any, bytes]:
    """Read and parse a YAML file, returning the document and the raw bytes (for hashing)."""
    name = shown_as or str(path)
    data = read_source(path, name)
    return parse_yaml(data, name), data


def read_source(path: Path | str, name: str) -> bytes:
    """A task or rubric file's bytes; ``name`` stands for it in messages."""
    too_large = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a task or rubric file"
    try:
        # os-level calls: open() would add a buffered reader, an lseek and a terminal check per file,
        # and reading "up to the limit" in one call would map a 2 MiB buffer for every small file.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            status = os.fstat(descriptor)
            if status.st_size > MAX_FILE_BYTES:  # refused before reading
                raise DecideError.at(name, too_large)
            data = _read_to_end(descriptor, status.st_size + 1 if stat.S_ISREG(status.st_mode) else None)
        finally:
            os.close(descriptor)
        if len(data) > MAX_FILE_BYTES:
            raise DecideError.at(name, too_large)
    except FileNotFoundError:
        raise DecideError.at(name, "no such file") from None
    except IsADirectoryError:
        raise DecideError.at(name, "is a folder, not a file") from None
    except OSError as error:
        raise DecideError.at(name, f"cannot read: {error.strerror or error}") from None
    return data


def _read_to_end(descriptor: int, regular_size: int | None) -> bytes:
    """Everything to the end, or at least one byte past the limit. A regular file is read in one call
    of its size plus one (a short read there is its end); a pipe, which has no size, in pieces."""
    parts: list[bytes] = []
    total = 0
    wanted = regular_size or _PIECE
    while total <= MAX_FILE_BYTES:
        part = os.read(descriptor, min(wanted, MAX_FILE_BYTES + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
        if regular_size is not None and len(part) < wanted:
            break
        wanted = _PIECE
    return parts[0] if len(parts) == 1 else b"".join(parts)
