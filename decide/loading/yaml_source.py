"""Read YAML as ``yaml.safe_load`` reads it, keeping where every key and value stood.

PyYAML's C parser composes the document into nodes, each with its line and column; one strict
constructor then builds the data from them as PyYAML's safe constructor would, using its own
scalar conversions, and refuses what a governance file must not hold or could be read two ways:
duplicate keys at any depth, tags that build objects, more nesting or merged entries than any
real file needs. Every problem, whichever part of PyYAML raised it, becomes one located
:class:`DecideError`.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from decide.errors import DecideError
from decide.loading.marked import Mark, MarkedDict, MarkedList

# The C parser where PyYAML was built with libyaml. It and PyYAML's own parser (what yaml.safe_load uses)
# disagree on where a tab may stand and on what the bare tag "!" makes of a plain scalar, so a file that
# could hold either is composed by PyYAML's own.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PARSERS_DIFFER = re.compile(r"\t|(?:^|[\s\[\]{},])!(?:[\s\[\]{},]|$)", re.MULTILINE)

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE, _VALUE = (_TAG + name for name in ("map", "seq", "merge", "value"))

# The scalar types of safe loading, converted by PyYAML's own functions. Sets, ordered maps and
# pairs build objects that are not plain data, and are refused with every other tag.
_SCALAR_TAGS = ("null", "bool", "int", "float", "str", "timestamp", "binary")
_safe = yaml.constructor.SafeConstructor()
_CONVERTERS: dict[str, Callable[[yaml.ScalarNode], Any]] = {
    _TAG + name: getattr(_safe, "construct_yaml_" + name) for name in _SCALAR_TAGS
}

_SCALAR_NAMES = {_TAG + "int": "whole number", _TAG + "float": "number", _TAG + "timestamp": "date",
                 _TAG + "binary": "!!binary (base64) value", _TAG + "bool": "true or false"}  # fmt: skip

# Deeper nesting than this is refused: no task or rubric file needs it.
MAX_NESTING = 64
# Aliases and merge keys may repeat what an anchor holds; past these many values repeated or entries
# brought in, it is an expansion attack (a few lines of anchors can stand for billions of values).
MAX_REPEATED = 100_000
MAX_MERGED = 10_000
# Task and rubric files are a few kilobytes; a larger file is refused before it is read.
MAX_FILE_BYTES = 2 * 1024 * 1024


class _Refused(Exception):
    """A document PyYAML could read but decide will not, at the node that decides it."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark, self.message = mark, message


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _shown_tag(tag: str) -> str:
    return tag.replace(_TAG, "!!")


class _Constructor:
    """Builds marked data from composed nodes, as PyYAML's safe constructor builds plain data.

    Anchored collections are built once and shared by their aliases, never copied."""

    def __init__(self) -> None:
        self.built: dict[yaml.Node, Any] = {}
        self.sizes: dict[yaml.Node, int] = {}  # each collection's values, counted as if aliases were copies
        self.repeated = 0  # values that aliases repeat, in all
        self.keys_as_copied: dict[yaml.Node, list[Any]] = {}  # each mapping's keys, as PyYAML's merges copy them
        self.merged = 0

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if node in self.built:
            # Shared, not copied; but whatever later prints or compares it meets every repetition.
            self.repeated += self.sizes.get(node, 1)
            if self.repeated > MAX_REPEATED:
                raise _Refused(_mark(node), f"aliases repeat more than {MAX_REPEATED} values")
            return self.built[node]
        if depth >= MAX_NESTING:
            raise _Refused(_mark(node), f"nested more than {MAX_NESTING} levels deep")
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            mapping = self.built[node] = MarkedDict(_mark(node))
            self.fill_mapping(mapping, node, depth + 1)
            self.sizes[node] = 1 + sum(self.sizes.get(value, 1) for _, value in node.value)
            return mapping
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            sequence = self.built[node] = MarkedList(_mark(node))
            for item in node.value:
                sequence.append(self.build(item, depth + 1))
                sequence.item_marks.append(_mark(item))
            self.sizes[node] = 1 + sum(self.sizes.get(item, 1) for item in node.value)
            return sequence
        raise _Refused(_mark(node), _tag_message(node.tag))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        convert = _CONVERTERS.get(node.tag)
        if convert is None:
            raise _Refused(_mark(node), _tag_message(node.tag))
        try:
            return convert(node)
        except yaml.YAMLError:
            raise
        except Exception as error:  # PyYAML's conversions raise ValueError, TypeError, AttributeError...
            value = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            reason = f" ({error})" if isinstance(error, ValueError) else ""
            kind = _SCALAR_NAMES.get(node.tag, _shown_tag(node.tag))
            raise _Refused(_mark(node), f"invalid YAML: {value!r} is not a valid {kind}{reason}") from None

    def key(self, node: yaml.Node, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == _VALUE:
            return node.value  # "=" as a key is text to PyYAML too
        key = self.build(node, depth)
        if isinstance(key, dict | list):
            raise _Refused(_mark(node), "invalid YAML: a key must be a plain value, not a list or mapping")
        return key

    def fill_mapping(self, mapping: MarkedDict, node: yaml.MappingNode, depth: int) -> None:
        sources: list[yaml.MappingNode] = []
        merge_mark = _mark(node)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                if sources:
                    raise _Refused(_mark(key_node), "a second merge key (<<): list every source in one, <<: [*a, *b]")
                sources, merge_mark = self.merge_sources(value_node, depth), _mark(key_node)
                continue
            key = self.key(key_node, depth)
            if key in mapping:
                first = mapping.key_marks[key][0]
                raise _Refused(_mark(key_node), f"duplicate key {key!r} (first at line {first}): keep only one")
            mapping[key] = self.build(value_node, depth)
            mapping.key_marks[key] = _mark(key_node)
            mapping.value_marks[key] = _mark(value_node)
        # PyYAML copies the keys of every source (their own merged keys included) ahead of the mapping's
        # own; what it then keeps of a key copied twice depends on its version. Such a key is refused,
        # and the copies are counted, so that a file PyYAML could not read in a lifetime is refused at once.
        merged = [key for source in sources for key in self.keys_as_copied[source]]
        self.merged += len(merged)
        if self.merged > MAX_MERGED:
            raise _Refused(merge_mark, f"merge keys (<<) bring in more than {MAX_MERGED} entries")
        self.keys_as_copied[node] = [*merged, *mapping]
        copied: set[Any] = set()
        for key in merged:
            if key in copied and key not in mapping:
                message = f"merge keys (<<) bring in {key!r} twice, and YAML readers disagree on which one wins"
                raise _Refused(merge_mark, message + ": set it in this mapping, or in only one of those merged")
            copied.add(key)
        if sources:
            # In PyYAML's order: the merged keys first, then the mapping's own, whose values win.
            own = MarkedDict(mapping.start)
            _copy_into(own, mapping)
            mapping.clear()
            for source in [*(self.built[source] for source in sources), own]:
                _copy_into(mapping, source)

    def merge_sources(self, node: yaml.Node, depth: int) -> list[yaml.MappingNode]:
        """The mappings a merge key names, each built (once)."""
        sources = node.value if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode) or source.tag != _MAP:
                raise _Refused(_mark(source), "invalid YAML: a merge key (<<) takes a mapping or a list of mappings")
            if source not in self.built:
                self.build(source, depth)
            elif source not in self.keys_as_copied:  # still being built: it merges itself
                raise _Refused(_mark(source), "invalid YAML: a merge key (<<) refers to its own mapping")
        return list(sources)


def _copy_into(target: MarkedDict, source: MarkedDict) -> None:
    target.update(source)
    target.key_marks.update(source.key_marks)
    target.value_marks.update(source.value_marks)


def _tag_message(tag: str) -> str:
    return f"invalid YAML: the tag {_shown_tag(tag)} is not allowed: task and rubric files hold plain data only"


def _decode(data: bytes, path: str) -> str:
    """The text, decoded as PyYAML decodes bytes: UTF-16 after its byte order mark, else UTF-8."""
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF16_LE):
        encoding = "utf-16-le"
    elif data.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16-be"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start].decode(encoding, errors="replace")
        line, column = _position(before, len(before))
        raise DecideError.at(path, f"not {encoding.upper()} text: save the file as UTF-8", line, column) from None
    # The C parser takes a byte order mark at the start of any line as one; PyYAML's own reader only at the
    # start of the file. Refused, so that the two cannot read the file differently.
    stray = text.find("\ufeff", 1)
    if stray > 0:
        raise DecideError.at(path, "a byte order mark (U+FEFF) inside the file: remove it", *_position(text, stray))
    return text


def _position(text: str, index: int) -> Mark:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _yaml_message(error: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's message in one line, with the hint a person needs where there is one."""
    problem = str(error.problem or error.context or "")
    mark = error.problem_mark
    at = text[mark.index] if mark is not None and mark.index < len(text) else ""
    if at == "\t":
        return "a tab: YAML indents with spaces, never tabs"
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
    """Parse one YAML document into marked data; every problem becomes a located :class:`DecideError`."""
    text = _decode(data, path)
    try:
        node = _compose(text)
        return None if node is None else _Constructor().build(node)
    except _Refused as refused:
        raise DecideError.at(path, refused.message, *refused.mark) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise DecideError.at(path, f"invalid YAML: {_yaml_message(error, text)}", *where) from None
    except yaml.YAMLError as error:
        raise DecideError.at(path, f"invalid YAML: {' '.join(str(error).split())}") from None


def _reader_mark(loader: yaml.SafeLoader) -> Mark:
    mark = loader.get_mark()
    return mark.line + 1, mark.column + 1


def _compose(text: str) -> yaml.Node | None:
    """The document as nodes, by libyaml; by PyYAML's own parser where the two could disagree."""
    pure = _Loader is yaml.SafeLoader or _PARSERS_DIFFER.search(text) is not None
    try:
        if not pure:
            return yaml.compose(text, Loader=_Loader)
        loader = yaml.SafeLoader(text)
        try:
            return loader.get_single_node()
        except ValueError as error:  # an escape past U+10FFFF gets through PyYAML's own scanner
            raise _Refused(_reader_mark(loader), f"invalid YAML: {error}") from None
        except RecursionError:  # its composer recurses, where libyaml stops at a thousand levels
            raise _Refused(_reader_mark(loader), f"nested more than {MAX_NESTING} levels deep") from None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else repr(error.character)
        # libyaml counts the position in bytes of UTF-8, PyYAML's reader in characters.
        index = error.position if pure else len(text.encode("utf-8")[: error.position].decode("utf-8", "ignore"))
        message = f"the character {character} is not allowed in YAML ({error.reason})"
        raise _Refused(_position(text, index), message) from None


def read_yaml_file(path: Path, shown_as: str | None = None) -> tuple[Any, bytes]:
    """Read and parse a YAML file, returning the document and the raw bytes (for hashing)."""
    name = shown_as or str(path)
    data = read_source(path, name)
    return parse_yaml(data, name), data


def read_source(path: Path | str, name: str) -> bytes:
    """A task or rubric file's bytes; ``name`` stands for it in messages."""
    try:
        # Opened without waiting for a writer, so a named pipe nobody writes to cannot block; then
        # read as usual: a pipe with a writer is read whole, one without ends at once.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(descriptor, True)
        with open(descriptor, "rb") as file:
            return read_stream(file, name)
    except FileNotFoundError:
        raise DecideError.at(name, "no such file") from None
    except IsADirectoryError:
        raise DecideError.at(name, "is a folder, not a file") from None
    except OSError as error:
        raise DecideError.at(name, f"cannot read: {error.strerror or error}") from None


def read_stream(file: BinaryIO, name: str) -> bytes:
    """Everything an open file or pipe holds, refused past the size limit (before reading, where it has a size)."""
    too_large = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a task or rubric file"
    status = os.fstat(file.fileno())
    regular = stat.S_ISREG(status.st_mode)
    if regular and status.st_size > MAX_FILE_BYTES:
        raise DecideError.at(name, too_large)
    # A pipe or a device has no size: read one byte past the limit, to know it is past.
    data = file.read() if regular else file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DecideError.at(name, too_large)
    return data
