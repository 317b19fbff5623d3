"""Change a few fields of a YAML file's text and keep every other byte: comments, order, quoting, own keys.

`decide ask --from FILE` writes the answers back into the file a person opened. Re-dumping the data
would drop their comments, ``x-`` keys' layout and quoting; instead each changed field is spliced into
the text at the place PyYAML's composer says its value stands. A field that is not there yet goes after
its nearest preceding sibling, or over a placeholder comment (``# field: not answered yet``) that a
draft left for it. Flow mappings (``{a: 1}``) are rewritten whole, since they hold no comments.
The result is read back and compared with the intended data; :class:`EditFailed` says it cannot be done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import yaml

from decide.errors import DecideError
from decide.loading.yaml_source import parse_yaml

Path_ = tuple[str, ...]  # the keys from the top of the document to one field


class Change(NamedTuple):
    """What becomes of one field."""

    value: Any = None
    remove: bool = False
    comment: str = ""  # said after a line this change adds
    after: Sequence[Path_] = ()  # the fields it belongs after, nearest last: where a new line goes
    placeholders: Sequence[str] = ()  # comment texts after "field:" that this change may replace
    only_over_placeholder: bool = False  # a field that is not there is added only where a placeholder stands
    append: bool = False  # ``value`` is items added after those the field's list holds (the list made if none)


class EditFailed(Exception):
    """The text cannot be changed in place so that it reads back as intended."""


def yaml_value(value: Any) -> str:
    """A value in YAML that reads back exactly: JSON's strings, numbers and lists are YAML too."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {yaml_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def edited(text: str, changes: Mapping[Path_, Change], name: str) -> str:
    """``text`` with each change made, and nothing else changed."""
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):  # Windows line breaks: kept, every one
        return edited(text.replace("\r\n", "\n"), changes, name).replace("\n", "\r\n")
    expected = _plain(_parse(text, name))
    for path, change in changes.items():
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:  # an earlier change broke what a later one needs (an alias's anchor)
            raise EditFailed(str(error)) from None
        if not isinstance(root, yaml.MappingNode):
            raise EditFailed("the file is not a mapping")
        changed = _Editor(text).apply(root, path, change)
        if changed != text or not change.only_over_placeholder:  # else no placeholder stood for it: left out
            _apply_to_data(expected, path, change)
        text = changed
    if _plain(_parse(text, name)) != expected:
        raise EditFailed("the edited file does not read back as intended")
    return text


def _parse(text: str, name: str) -> Any:
    try:
        return parse_yaml(text.encode("utf-8"), name)
    except DecideError as error:
        raise EditFailed(str(error)) from None


def _plain(value: Any) -> Any:
    """Data compared strictly: true is not 1, 1.0 is not 1."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return (type(value).__name__, value)


def _apply_to_data(data: Any, path: Path_, change: Change) -> None:
    *parents, leaf = path
    for key in parents:
        if not isinstance(data.get(key), dict):
            if change.remove:
                return
            data[key] = {}
        data = data[key]
    if change.remove:
        data.pop(leaf, None)
    elif change.append:
        data[leaf] = (data[leaf] if isinstance(data.get(leaf), list) else []) + _plain(change.value)
    else:
        data[leaf] = _plain(change.value)


class _Editor:
    def __init__(self, text: str) -> None:
        self.text = text

    def apply(self, root: yaml.MappingNode, path: Path_, change: Change) -> str:
        node: yaml.Node = root
        key_node: yaml.Node | None = None
        for depth, part in enumerate(path):
            if not isinstance(node, yaml.MappingNode):  # null or empty where a mapping goes
                if change.remove:
                    return self.text
                assert key_node is not None
                return self.fill_empty(key_node, node, path[depth:], change)
            entry = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
            if entry is None:
                if change.remove:
                    return self.text
                return self.insert(node, key_node, path, depth, change)
            if depth == len(path) - 1:
                return self.change_entry(node, key_node, *entry, change)
            key_node, node = entry
        return self.text

    def change_entry(self, mapping: yaml.MappingNode, mapping_key: yaml.Node | None, key_node: yaml.Node,
                     node: yaml.Node, change: Change) -> str:  # fmt: skip
        if change.append and isinstance(node, yaml.SequenceNode):
            return self.append_items(node, change.value)
        if mapping.flow_style:
            return self.rewrite_flow(mapping, key_node.value, change)
        if not change.remove:
            return self.replace_value(key_node, node, change.value)
        self.text = self.remove_entry(key_node, node)
        if len(mapping.value) == 1 and mapping_key is not None:  # emptied: {} says so, where nothing would be null
            colon = self.text.index(":", mapping_key.end_mark.index)
            self.text = self.splice(colon + 1, colon + 1, " {}")
        return self.text

    # Positions in the text.
    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end

    def column(self, node: yaml.Node) -> int:
        return int(node.start_mark.column)

    def content_end(self, node: yaml.Node) -> int:
        """Where a value's own text ends: before the line breaks and comments a block collection runs on into."""
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
            last = node.value[-1]
            return self.content_end(last[1] if isinstance(last, tuple) else last)
        end = int(node.end_mark.index)
        while end > node.start_mark.index and self.text[end - 1] in " \t\r\n":
            end -= 1
        return end

    def splice(self, start: int, end: int, new: str) -> str:
        return self.text[:start] + new + self.text[end:]

    # The edits.
    def replace_value(self, key_node: yaml.Node, node: yaml.Node, value: Any) -> str:
        one_line = node.start_mark.line == node.end_mark.line or (
            isinstance(node, yaml.ScalarNode) and node.style is None and "\n" not in self.text[
                node.start_mark.index : self.content_end(node)]
        )  # fmt: skip
        if isinstance(node, yaml.ScalarNode) and node.style is None and node.value == "":  # `key:` with nothing
            colon = self.text.index(":", key_node.end_mark.index)
            return self.splice(colon + 1, colon + 1, " " + yaml_value(value))
        if one_line and not (isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")):
            return self.splice(node.start_mark.index, self.content_end(node), yaml_value(value))
        colon = self.text.index(":", key_node.end_mark.index)  # a block value: it goes on the key's line
        return self.splice(colon + 1, self.content_end(node), " " + yaml_value(value))

    def append_items(self, node: yaml.SequenceNode, items: Sequence[Any]) -> str:
        """Items after the last of a list: a block list's as lines of their own, a flow list's before its `]`."""
        if node.flow_style:
            close = int(node.end_mark.index) - 1
            if self.text[close] != "]":
                raise EditFailed("a flow list that does not end with ]")
            added = ", ".join(yaml_value(item) for item in items)
            return self.splice(close, close, (", " if node.value else "") + added)
        at = self.line_end(self.content_end(node))
        return self.splice(at, at, "".join(f"\n{' ' * self.column(node)}- {yaml_value(item)}" for item in items))

    def remove_entry(self, key_node: yaml.Node, node: yaml.Node) -> str:
        start = self.line_start(key_node.start_mark.index)
        end = self.line_end(self.content_end(node))
        return self.splice(start, min(end + 1, len(self.text)), "")

    def rewrite_flow(self, mapping: yaml.MappingNode, key: str, change: Change) -> str:
        data = yaml.safe_load(self.text[mapping.start_mark.index : mapping.end_mark.index]) or {}
        if change.remove:
            data.pop(key, None)
        else:
            data[key] = change.value
        return self.splice(mapping.start_mark.index, mapping.end_mark.index, yaml_value(data))

    def new_lines(self, indent: int, path: Path_, change: Change) -> str:
        """The lines for a field (and any mappings it needs), each ending with a line break."""
        head, *rest = path
        if rest:
            return " " * indent + f"{head}:\n" + self.new_lines(indent + self.step(), tuple(rest), change)
        comment = f"  # {change.comment}" if change.comment else ""
        if isinstance(change.value, list) and change.value and all(isinstance(i, Mapping) for i in change.value):
            items = "".join(f"{' ' * (indent + self.step())}- {yaml_value(item)}\n" for item in change.value)
            return " " * indent + f"{head}:{comment}\n{items}"  # a list of records: one a line, as people write it
        return " " * indent + f"{head}: {yaml_value(change.value)}{comment}\n"

    def step(self) -> int:
        """The file's indentation step: that of its first indented key, else two spaces."""
        found = re.search(r"^[^\s#][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( +)[^\s#-]", self.text, re.M)
        return len(found.group(1)) if found else 2

    def placeholder(self, start: int, end: int, indent: int | None, key: str, change: Change) -> tuple[int, int] | None:
        """The line of a comment that stands for ``key`` between ``start`` and ``end``, if any."""
        if not change.placeholders:
            return None
        texts = "|".join(re.escape(text) for text in change.placeholders)
        spaces = r"[ \t]*" if indent is None else " " * indent
        pattern = re.compile(rf"^{spaces}#[ \t]*{re.escape(key)}:[ \t]*(?:{texts})[^\n]*(?:\n|$)", re.M)
        found = pattern.search(self.text, start, end)
        return (found.start(), found.end()) if found else None

    def region_end(self, key_node: yaml.Node | None) -> int:
        """Where the lines that belong to ``key_node``'s value end: at the next line indented no deeper."""
        if key_node is None:
            return len(self.text)
        indent = self.column(key_node)
        pattern = re.compile(rf"^ {{0,{indent}}}[^\s#]", re.M)
        found = pattern.search(self.text, self.line_end(key_node.start_mark.index))
        return found.start() if found else len(self.text)

    def put_lines(
        self, at: int, region: tuple[int, int], indent: int, path: Path_, change: Change, *, any_indent: bool = False
    ) -> str:
        """New lines over a placeholder in ``region``, or else at ``at`` (a line's start). ``any_indent``: the
        mapping is empty, so a placeholder at any indentation stands for the field, and sets its own."""
        over = self.placeholder(*region, None if any_indent else indent, path[0], change)
        if over is not None:
            width = len(self.text[over[0] : over[1]]) - len(self.text[over[0] : over[1]].lstrip(" \t"))
            lines = self.new_lines(width if any_indent else indent, path, change)
            if not self.text[over[0] : over[1]].endswith("\n"):
                lines = lines.rstrip("\n")
            return self.splice(over[0], over[1], lines)
        if change.only_over_placeholder:
            return self.text
        lines = self.new_lines(indent, path, change)
        if at == len(self.text) and self.text and not self.text.endswith("\n"):
            lines = "\n" + lines
        return self.splice(at, at, lines)

    def insert(
        self, mapping: yaml.MappingNode, key_node: yaml.Node | None, full: Path_, depth: int, change: Change
    ) -> str:
        path = full[depth:]
        if mapping.flow_style:
            nested: Any = change.value
            for part in reversed(path[1:]):
                nested = {part: nested}
            return self.rewrite_flow(mapping, path[0], change._replace(value=nested))
        entries = [(k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode)]
        names = [k.value for k, _ in entries]
        siblings = [field[depth] for field in change.after if field[:depth] == full[:depth] and len(field) > depth]
        before = next((name for name in reversed(siblings) if name in names), None)
        if before is not None:
            at = min(self.line_end(self.content_end(entries[names.index(before)][1])) + 1, len(self.text))
        else:
            at = self.line_start(entries[0][0].start_mark.index)
        region = (0 if key_node is None else self.line_end(key_node.start_mark.index), self.region_end(key_node))
        return self.put_lines(at, region, self.column(entries[0][0]), path, change)

    def fill_empty(self, key_node: yaml.Node, node: yaml.Node, path: Path_, change: Change) -> str:
        """A field under a key that holds nothing yet (``autonomy:``, ``autonomy: null``, ``autonomy: {}``)."""
        if isinstance(node, yaml.MappingNode):  # an empty flow mapping
            return self.rewrite_flow(node, path[0], change)
        region = (self.line_end(key_node.start_mark.index), self.region_end(key_node))
        if change.only_over_placeholder and self.placeholder(*region, None, path[0], change) is None:
            return self.text
        if isinstance(node, yaml.ScalarNode) and node.value != "":  # `null` or `~`: the lines replace it
            colon = self.text.index(":", key_node.end_mark.index)
            removed = self.content_end(node) - (colon + 1)
            self.text = self.splice(colon + 1, self.content_end(node), "")
            region = (region[0] - removed, region[1] - removed)
        at = min(region[0] + 1, len(self.text))
        return self.put_lines(at, region, self.column(key_node) + self.step(), path, change, any_indent=True)
