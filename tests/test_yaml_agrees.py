"""decide reads every file the way ``yaml.safe_load`` reads it, or refuses it with one located line.

A generator writes YAML that stresses the language: line breaks of every kind (also inside comments
and quoted scalars), escapes, block scalars, anchors and aliases, merge keys, tags, dates, numbers in
every YAML 1.1 form, comments, BOMs and encodings, tabs, flow collections, document markers and
duplicate keys. Most documents are task files (so that many pass validation and get scored), the
rest are arbitrary. For each one:

- ``parse_yaml`` returns exactly what ``yaml.safe_load`` returns (types, key order, NaN included),
  or raises :class:`DecideError` whose problems are each one ``f.yaml:LINE:COL: message`` line;
  where PyYAML refuses the bytes, decide refuses them too. decide may refuse more (duplicate keys,
  tags that build objects), never less.
- Through the real CLI, a folder of them gives exit 0 or 2, no traceback, and located lines only.
- A task file that ``decide validate`` accepts holds the answers the plain data holds.

Then the cases found by hand (issue 14), each through the real CLI.
Set DECIDE_FUZZ_EXAMPLES to run the generators with more cases than the regular suite's.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from decide.errors import DecideError
from decide.loading.rubrics import load_rubrics
from decide.loading.task import TaskLoader, task_schema
from decide.loading.yaml_source import parse_yaml
from tests.conftest import ROOT

FUZZ = int(os.environ.get("DECIDE_FUZZ_EXAMPLES", "0"))
RUBRICS = load_rubrics()
TASK_SCHEMA = task_schema(RUBRICS)
SECTIONS = ("autonomy", "scope", "data_access", "governance")
# Each section's fields and their schemas, from the task schema (the rubrics' public face).
FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    section: TASK_SCHEMA["properties"][section]["properties"] for section in SECTIONS
}
LOCATED = re.compile(r"(?P<file>.+?):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): (?P<message>\S.*)")
SUMMARY = re.compile(r"decide: [0-9]+ of [0-9]+ task files? invalid")

# --- comparing decide's data with PyYAML's ------------------------------------------------------


def same(ours: Any, theirs: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """Equal as data and as types: 1, 1.0 and True differ, NaN equals NaN, -0.0 is not 0.0, key
    order counts. decide's marked mappings and lists count as plain ones."""
    seen = set() if seen is None else seen
    if (isinstance(ours, dict) and type(theirs) is dict) or (isinstance(ours, list) and type(theirs) is list):
        if (id(ours), id(theirs)) in seen:  # a structure that contains itself
            return True
        seen.add((id(ours), id(theirs)))
        if isinstance(ours, dict):
            return len(ours) == len(theirs) and all(
                same(k1, k2, seen) and same(v1, v2, seen)
                for (k1, v1), (k2, v2) in zip(ours.items(), theirs.items(), strict=True)
            )
        return len(ours) == len(theirs) and all(same(a, b, seen) for a, b in zip(ours, theirs, strict=True))
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, float):
        if math.isnan(ours) or math.isnan(theirs):
            return math.isnan(ours) and math.isnan(theirs)
        return ours == theirs and math.copysign(1, ours) == math.copysign(1, theirs)
    if isinstance(ours, datetime.datetime):
        return bool(ours == theirs) and ours.utcoffset() == theirs.utcoffset()
    return bool(ours == theirs)


def safe_load(data: bytes) -> tuple[bool, Any]:
    """(True, value) where PyYAML reads the bytes, (False, the exception) where it refuses them."""
    try:
        return True, yaml.safe_load(data)
    except Exception as error:
        return False, error


def assert_one_line_problems(error: DecideError, name: str) -> None:
    assert error.problems
    for problem in error.problems:
        text = str(problem)
        match = LOCATED.fullmatch(text)
        assert match and match["file"] == name, f"not a located line: {text!r}"
        assert len(text.splitlines()) == 1, f"more than one line: {text!r}"


def assert_reads_as_pyyaml(data: bytes) -> Any:
    """decide's reading of the bytes: PyYAML's, or a DecideError (returned) of one-line problems."""
    readable, expected = safe_load(data)
    try:
        ours = parse_yaml(data, "f.yaml")
    except DecideError as error:
        assert_one_line_problems(error, "f.yaml")
        return error
    assert readable, f"decide reads {ours!r} where PyYAML refuses the bytes: {expected!r}\n{data!r}"
    assert same(ours, expected), f"decide reads {ours!r}, PyYAML {expected!r}\n{data!r}"
    return ours


# --- the generator ------------------------------------------------------------------------------

BREAKS = ["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"]

PLAIN_NUMBERS = ["0", "1", "2", "3", "100", "800", "60", "0.05", "1.5", "0.03"]
NUMBERS = [
    "-1", "+1", "007", "08", "0x1F", "0x_1F", "0xG", "0o17", "0o8", "0b101", "0b102", "1_000", "1__0", "1:30",
    "1:30:00", "-1:30", "190:20:30.15", "1.0", "1.", ".5", "+.5", "-0", "-0.0", "3.0", "150.0", "1e3", "1E3",
    "1.0e+3", "1.0e3", "1e-3", "1.5e-9", "6.8523015e+5", "685.230_15e+03", ".inf", "-.inf", "+.INF", ".Inf",
    ".nan", ".NaN", ".NAN", "0.", "9007199254740991", "9007199254740992", "1" + "0" * 30, "0b", "0x", "12e",
    "1,000", "-0.5", "1.0e+400",
]  # fmt: skip
WORDS = [
    "yes", "Yes", "YES", "no", "No", "on", "On", "off", "OFF", "y", "n", "Y", "N", "True", "TRUE", "False",
    "~", "null", "Null", "NULL", "nULL", "tRUE",
]  # fmt: skip
DATES = [
    "2024-02-29", "2024-02-30", "2023-02-29", "2024-13-01", "2024-1-5", "0000-01-01", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z", "2024-02-30T10:00:00Z", "2024-01-01 25:00:00",
    "2024-01-01T00:00:00+14:00", "2024-01-01T00:00:00.1234567Z", "2024-01-01T00:00:60Z", "2002-12-14",
]  # fmt: skip
ODD_PLAIN = [
    "=", "<<", "-", "--", "...", "a#b", "a #b", "@foo", "`x", "%x", "!", "&", "*", "|", ">", "?", ":", "a: b",
    "a:b", "a,b", "[a", "{a", "a]", "'", '"', "tab\tin", "→ next", "\ufeff", "x\u200bz", "\x00", "\x07", "\x1b",
    "\ud800", "\U0001f600", "-a", "x-", "a  b", "#", "- a", "a # b", "a\u2028b", "a\x85b", "a\u2029  b", "a\rb",
]  # fmt: skip
SINGLE = ["'it''s'", "''", "'a b'", "'yes'", "'1'", "'a\nb'", "'a\n\n  b'", "'unterminated", "'\\n'",
          "'abc\u2028def'", "'x-'", "'tab\there'", "'a\r\n  b'"]  # fmt: skip
DOUBLE = [
    '"a\\nb"', '"abc\\n"', '"\\x41"', '"\\u00e9"', '"\\U0001F600"', '"\\0"', '"\\a\\b\\e\\f\\v"', '"\\N\\_\\L\\P"',
    '"\\ "', '"\\/"', '"\\q"', '"\\x4"', '"\\xZZ"', '"\\uD800"', '"\\uDC00x"', '"\\U00110000"', '"line\\\n  continued"',
    '"tab\\tx"', '"\\"quoted\\""', '"unterminated', '"a\u2028b"', '"a\x85b"', '"a\nb"', '"a\n\n  b"', '"a\r\nb"',
    '"\\\u2028x"', '"\\\u2029"', '"\\\rx"', '""', '"yes"', '"1"', '"\t"', '"\\t"', '"\\\t"',
]  # fmt: skip
TAGGED = [
    "!!str 1", "!!str", "!!str yes", "!!int abc", "!!int 0x10", "!!int 1.5", "!!int 1:30", "!!float 1", "!!float abc",
    "!!float .nan", "!!bool yes", "!!bool maybe", "!!null ''", "!!null x", "!!binary aGVsbG8=", "!!binary '!!!'",
    "!!binary", "!!timestamp 2024-02-30", "!!timestamp 2024-02-29", "!!timestamp abc", "!!set {a, b}",
    "!!set {a: 1}", "!!omap [{a: 1}]", "!!pairs [{a: 1}]", "!!python/object:os.system {}", "!!python/name:os.system ''",
    "!!python/tuple [1]", "!!python/str x", "!!python/none ''", "!foo bar", "!foo {}", "!<tag:yaml.org,2002:str> 5",
    "!<tag:yaml.org,2002:int> 5", "!!map {a: 1}", "!!seq [1]", "!!str [a]", "!!map [a]", "!!merge x", "!!value x",
    "! 5", "!e!x y", "!!int", "!!float", "!!bool", "!!timestamp",
]  # fmt: skip
TEXT = ["Support team", "A short name", "x", "Check things twice", "café", "GDPR", "'quoted: text'",
        '"double \\"quoted\\""', "multi word text"]  # fmt: skip
WILD = NUMBERS + WORDS + DATES + ODD_PLAIN + SINGLE + DOUBLE + TAGGED + [""]
BLOCK_HEADERS = ["|", "|-", ">", ">-", "|+", ">+", "|2", "|1-", ">2+", "|+1", "|0", "|10", "|-+", ">1", "| # c"]
BLOCK_LINES = ["text", "more text", "", "  indented", "# not a comment", "a: b", "end"]
WILD_LINES = ["\ttab", "   ", "- x", "\u2028", "a\x85b", "'", "\x00"]
COMMENTS = ["note", "", "#", "a: b", "é", "- x", "'", '"', "{", "tab\there"]
KEYS = ["a", "b", "c", "key", "x-note", "'quoted'", '"dq"']
WILD_KEYS = ["1", "1.0", "yes", "~", "null", "2024-01-01", "[a]", "{a: 1}", "a b", "'<<'", "=", "-a", "!!str 1",
             "'\\n'", '"\\n"', '"a\\x00"', ".nan", "!!binary aGk=", "? x"]  # fmt: skip
# How odd a document gets: most hazards are scaled by one level drawn per document (0 is none).
LEVELS = [0.0, 0.0, 0.2, 0.5, 1.0, 2.0]


class Doc:
    """One document being drawn: how odd it may get, and the anchors defined so far (in document order).

    Hypothesis draws the document's level and a seed; the many small choices come from that seed
    (drawing each from Hypothesis costs more time than parsing the document)."""

    def __init__(self, draw: Callable[..., Any]) -> None:
        self.level: float = draw(st.sampled_from(LEVELS))
        self.random: random.Random = draw(st.randoms(use_true_random=True))
        self.anchors: list[str] = []
        self.mapping_anchors: list[str] = []  # those of mappings, which merge keys can bring in
        self.names = 0

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability

    def number(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def odd(self, probability: float) -> bool:
        return self.chance(min(1.0, probability * self.level))

    def pick(self, options: list[Any]) -> Any:
        return self.random.choice(options)

    def either(self, normal: list[Any], wild: list[Any], probability: float = 0.1) -> Any:
        return self.pick(wild) if self.odd(probability) else self.pick(normal)

    def anchor(self) -> str:
        """A new anchor (now and then one already used), known to aliases from now on."""
        name = self.pick(self.anchors) if self.anchors and self.odd(0.1) else self.new_name()
        self.anchors.append(name)
        return f"&{name}"

    def new_name(self) -> str:
        self.names += 1
        return f"a{self.names}"

    def props(self, kind: str) -> str:
        """An anchor and/or a tag to put before a collection; the anchor is known to aliases once
        the collection is done (see ``done``), now and then already inside it."""
        parts = []
        if self.chance(0.12):
            parts.append(self.anchor() if self.odd(0.05) else f"&{self.new_name()}-")
        if self.odd(0.03):
            parts.append(self.pick({"map": ["!!map", "!!set", "!!omap", "!foo", "!!seq"],
                                    "seq": ["!!seq", "!!omap", "!!pairs", "!!set", "!!map"]}[kind]))  # fmt: skip
        return " ".join(parts)

    def done(self, props: str, kind: str) -> str:
        """A collection's properties, once its content is drawn: its anchor is now defined."""
        if props.endswith("-") or "- " in props:
            name = props.split(maxsplit=1)[0][1:-1]
            self.anchors.append(name)
            if kind == "map":
                self.mapping_anchors.append(name)
            props = props.replace(f"&{name}-", f"&{name}")
        return props

    def alias(self, mappings: bool = False) -> str:
        if mappings and self.mapping_anchors and not self.odd(0.1):
            return "*" + self.pick(self.mapping_anchors)
        if self.anchors and not self.odd(0.05):
            return "*" + self.pick(self.anchors)
        return "*" + self.pick(["zz", "a0", "a1"])  # perhaps undefined

    def comment(self, indent: int, siblings: list[str]) -> str:
        """A comment; now and then a line break inside it starts a line that a reader must see."""
        text = self.pick(COMMENTS)
        if self.odd(0.25):
            key = self.pick(siblings or ["a"])
            text += self.pick(BREAKS[1:]) + " " * self.pick([indent, 0, indent + 2]) + f"{key}: {self.scalar()}"
        return " # " + text

    def scalar(self, normal: list[str] | None = None) -> str:
        if self.anchors and self.chance(0.03):
            return self.alias()
        text = str(self.either(normal or TEXT + PLAIN_NUMBERS + ["true", "false", "~"], WILD, 0.15))
        return f"{self.anchor()} {text}" if self.chance(0.02) else text

    def keys(self, most: int) -> list[str]:
        keys = self.random.sample(KEYS, self.number(0, most))
        return [self.pick(WILD_KEYS) if self.odd(0.1) else key for key in keys]

    def block(self) -> Node:
        lines = [self.pick(BLOCK_LINES[:2])] + [self.pick(BLOCK_LINES) for _ in range(self.number(0, 2))]
        if self.odd(0.2):
            lines.insert(self.number(0, len(lines)), self.pick(WILD_LINES))
        return ("block", self.either(BLOCK_HEADERS[:5], BLOCK_HEADERS[5:], 0.3), lines)


# A node: ("scalar", text) | ("block", header, lines) | ("map", props, entries, flow) | ("seq", props, items, flow)
Node = tuple[Any, ...]


def value_node(doc: Doc, depth: int, flow: bool, scalars: list[str] | None = None) -> Node:
    roll = doc.number(0, 9)
    if depth <= 0 or roll < 6:
        if not flow and doc.chance(0.05):
            return doc.block()
        return ("scalar", doc.scalar(scalars))
    if roll < 8:
        return map_node(doc, depth - 1, flow or doc.chance(0.3), doc.keys(3))
    props = doc.props("seq")
    inner = flow or doc.chance(0.4)
    items = [value_node(doc, depth - 1, inner, scalars) for _ in range(doc.number(0, 3))]
    return ("seq", doc.done(props, "seq"), items, inner)


def merge_value(doc: Doc, fields: list[str]) -> Node:
    """What a merge key (<<) brings in: an alias, several, an inline mapping, or something wrong."""
    kind = doc.either(["alias", "alias", "list", "inline"], ["inline-duplicate", "unhashable", "scalar", "nested"], 0.3)
    if kind in ("alias", "list") and not doc.mapping_anchors:
        kind = "inline"
    if kind == "alias":
        return ("scalar", doc.alias(mappings=True))
    if kind == "list":
        return ("seq", "", [("scalar", doc.alias(mappings=True)) for _ in range(doc.number(1, 3))], True)
    if kind in ("inline", "inline-duplicate"):
        key = doc.pick(fields or ["a", "b", "x", "owner", "impact", "human_approval"])
        entries = [(key, ("scalar", doc.scalar()))]
        if kind == "inline-duplicate":
            entries.append((key, ("scalar", doc.scalar())))
        return ("map", "", entries, True)
    if kind == "unhashable":
        return ("map", "", [(doc.pick(["[1]", "{a: 1}", "[a, b]"]), ("scalar", "2"))], True)
    if kind == "nested":
        return ("map", "", [("<<", ("scalar", doc.alias(mappings=True))), ("x", ("scalar", doc.scalar()))], True)
    return ("scalar", doc.scalar())


def map_node(
    doc: Doc, depth: int, flow: bool, keys: list[str], values: dict[str, Callable[[], Node]] | None = None
) -> Node:
    """A mapping with the given keys (values from ``values`` where it has one), plus now and then a
    duplicate, a merge key or two, or a key of the user's own."""
    props = doc.props("map")
    keys = list(keys)
    if keys and doc.odd(0.06):
        keys.insert(doc.number(0, len(keys)), doc.pick(keys))  # a duplicate
    if doc.chance(0.1):
        for _ in range(2 if doc.odd(0.2) else 1):
            keys.insert(doc.number(0, len(keys)), "<<")
    entries = []
    for key in keys:
        if key == "<<":
            entries.append((key, merge_value(doc, list(values or ()))))
        elif values and key in values and not doc.odd(0.05):
            entries.append((key, values[key]()))
        else:
            entries.append((key, value_node(doc, depth, flow)))
    return ("map", doc.done(props, "map"), entries, flow)


def render(doc: Doc, node: Node, indent: int) -> tuple[str, str | None]:
    """The node's text as (what follows ``key:`` or ``-`` on its line, the lines below it or None);
    ``indent`` is the indentation of the line the node starts on."""
    kind = node[0]
    if kind == "scalar":
        return node[1], None
    if kind == "block":
        header, lines = node[1], node[2]
        step = int(header[1]) if header[1:2].isdigit() else doc.pick([1, 2, 2, 4])
        return header, "\n".join(" " * (indent + step) + line if line else "" for line in lines)
    _, props, items, is_flow = node
    if is_flow or not items:
        return inline(doc, node), None
    step = doc.pick([2, 2, 2, 1, 4])
    if kind == "seq" and doc.chance(0.3):
        step = 0  # a list under a key may start at the key's own indentation
    return (f" {props}" if props else ""), "\n".join(block_lines(doc, node, indent + step))


def inline(doc: Doc, node: Node) -> str:
    """A node in flow style."""
    kind = node[0]
    if kind == "scalar":
        return str(node[1])
    if kind == "block":  # no block scalars in flow: the lines, quoted
        return json.dumps("\n".join(node[2]))
    _, props, items, _ = node
    if kind == "map":
        text = "{" + ", ".join(f"{key}: {inline(doc, value)}" if not doc.odd(0.05) else str(key)
                               for key, value in items) + "}"  # fmt: skip
    else:
        text = "[" + ", ".join(inline(doc, item) for item in items) + "]"
    return f"{props} {text}" if props else text


def block_lines(doc: Doc, node: Node, indent: int) -> list[str]:
    """A block mapping's or sequence's lines, at ``indent``."""
    lines = []
    if node[0] == "map":
        siblings = [str(key) for key, _ in node[2]]
        for key, value in node[2]:
            if doc.chance(0.05):
                lines.append(" " * doc.pick([indent, 0]) + doc.comment(indent, siblings).lstrip())
            lines.append(entry(doc, key, value, indent, siblings))
        return lines
    for item in node[2]:
        if item[0] == "map" and not item[1] and not item[3] and item[2]:  # compact: a key on the dash's line
            lines.append(" " * indent + "- " + "\n".join(block_lines(doc, item, indent + 2)).lstrip(" "))
            continue
        head, rest = render(doc, item, indent + 2)
        if rest is None:
            lines.append(" " * indent + "- " + head)
        elif item[0] == "block":
            lines.append(" " * indent + "- " + head + ("\n" + rest if rest else ""))
        else:
            lines.append(" " * indent + "-" + head + "\n" + rest)
    return lines


def entry(doc: Doc, key: str, value: Node, indent: int, siblings: list[str]) -> str:
    head, rest = render(doc, value, indent)
    comment = doc.comment(indent, siblings) if doc.chance(0.12) else ""
    if value[0] == "block":
        return f"{' ' * indent}{key}: {head}" + ("\n" + rest if rest else "")
    if rest is not None:
        return f"{' ' * indent}{key}:{head}{comment}\n{rest}"
    separator = doc.either([" ", " ", "  "], ["\t", " \t"], 0.01) if head else ""
    if doc.chance(0.02):  # an explicit key
        return f"{' ' * indent}? {key}\n{' ' * indent}:{separator}{head}{comment}"
    return f"{' ' * indent}{key}:{separator}{head}{comment}"


def field_value(doc: Doc, schema: dict[str, Any]) -> Callable[[], Node]:
    """A likely answer for one criterion, written in many ways."""
    types = schema.get("type", [])
    if "enum" in schema:
        options = [str(v) for v in schema["enum"] if v is not None]
        choices = [*options, f"'{options[0]}'", f'"{options[-1]}"', "~", "null", ""]
    elif "boolean" in types:
        choices = ["true", "false", "true", "false", "yes", "no", "on", "off", "True", "~"]
    elif "integer" in types:
        choices = PLAIN_NUMBERS[:6]
    elif "array" in types:
        return lambda: (
            "seq",
            doc.done(doc.props("seq"), "seq"),
            [
                ("scalar", doc.scalar([name]))
                for name in doc.random.sample(["GDPR", "HIPAA", "'PCI-DSS'", "SOX"], doc.number(0, 3))
            ],
            doc.chance(0.6),
        )
    else:
        choices = TEXT
    return lambda: value_node(doc, 1, False, choices) if doc.odd(0.1) else ("scalar", doc.scalar(choices))


def section_node(doc: Doc, section: str) -> Node:
    fields = FIELDS[section]
    keys = [key for key in fields if doc.chance(0.6)]
    if doc.odd(0.1):
        keys.insert(doc.number(0, len(keys)), doc.pick(["x-note", "x-", "unknown", "Impact", "impact "]))
    values = {key: field_value(doc, schema) for key, schema in fields.items()}
    return map_node(doc, 1, doc.chance(0.1), keys, values)


def text_value(doc: Doc) -> Callable[[], Node]:
    def make() -> Node:
        return doc.block() if doc.chance(0.1) else ("scalar", doc.scalar(TEXT))

    return make


def rate_node(doc: Doc) -> Node:
    keys = [k for k in ("baseline", "target") if doc.chance(0.8)]
    fractions = ["0", "0.05", "0.03", "0.5", "1", "0.1", "1.0"]
    return map_node(doc, 0, doc.chance(0.7), keys, {k: lambda: ("scalar", doc.scalar(fractions)) for k in keys})


def task_node(doc: Doc) -> Node:
    values: dict[str, Callable[[], Node]] = {
        "version": lambda: ("scalar", doc.either(["1"], ["1.0", "'1'", "2", "!!int 1", "0x1", "+1", "0o1", "1_"], 0.2)),
        "id": lambda: (
            "scalar",
            doc.either(["task-1", "a.b_c", "'ok'"], ['"abc\\n"', '"abc\n"', "Bad Id", "1", "x\u2028y"]),
        ),
        "title": text_value(doc),
        "objective": text_value(doc),
        "owner": text_value(doc),
        "description": text_value(doc),
        "metrics": lambda: map_node(
            doc,
            0,
            False,
            [k for k in ("time_saved_hours_per_week", "error_rate", "escalation_rate") if doc.chance(0.6)],
            {
                "time_saved_hours_per_week": lambda: ("scalar", doc.scalar(PLAIN_NUMBERS)),
                "error_rate": lambda: rate_node(doc),
                "escalation_rate": lambda: rate_node(doc),
            },
        ),
        **{section: (lambda s=section: section_node(doc, s)) for section in SECTIONS},  # type: ignore[misc]
    }
    keys = [key for key in ("version", "title", "objective", *SECTIONS) if not doc.odd(0.03)]
    keys += [key for key in ("id", "owner", "description", "metrics") if doc.chance(0.4)]
    if doc.chance(0.3):  # shared defaults under an x- key, for aliases and merge keys to use
        keys.insert(0, "x-defaults")
        values["x-defaults"] = lambda: value_node(doc, 2, False)
    if doc.chance(0.3):
        keys = doc.random.sample(keys, len(keys))
    if doc.odd(0.1):
        keys.append(doc.pick(["x-reviewed", "x-foo", "objectve", "Title", "version "]))
    return map_node(doc, 2, False, keys, values)


@st.composite
def yaml_texts(draw: Callable[..., Any], task_share: float = 0.8) -> str:
    doc = Doc(draw)
    root = task_node(doc) if doc.chance(task_share) else value_node(doc, 3, doc.chance(0.3))
    if root[0] in ("map", "seq") and not root[3] and root[2]:
        text = (root[1] + "\n" if root[1] else "") + "\n".join(block_lines(doc, root, 0))
    elif root[0] == "block":
        text = "--- " + root[1] + "".join("\n " + line for line in root[2])
    else:
        text = inline(doc, root)
    start = doc.either(["", "", "---\n", "# head\n", "--- # doc\n", "%YAML 1.1\n---\n"],
                       ["%YAML 1.2\n---\n", "%YAML 2.0\n---\n", "%TAG !e! tag:example.com,2000:\n---\n", "\ufeff",
                        "\n\n", "---\n---\n", "%YAML 1.1\n%YAML 1.1\n---\n", "--- !!map\n"], 0.1)  # fmt: skip
    end = doc.either(
        ["\n", "\n", "", "\n...\n", "\n# tail", "\n\n"], ["\n---\nx: 1\n", "\n...\n---\n", "\n...\nx"], 0.1
    )
    lines = (start + text + end).split("\n")
    if doc.chance(0.3):  # other line breaks: one kind everywhere, or a mixture
        style = doc.pick(BREAKS)
        text = lines[0] + "".join((doc.pick(BREAKS) if doc.odd(0.1) else style) + line for line in lines[1:])
    else:
        text = "\n".join(lines)
    for _ in range(doc.number(1, 2) if doc.odd(0.1) else 0):  # a stray character
        where = doc.number(0, len(text))
        text = (
            text[:where]
            + doc.pick(["\t", "\u2028", "\x85", "\r", "\ufeff", "#", ":", " ", "\x00", "\n", "- "])
            + text[where:]
        )
    return text


ENCODINGS = ["utf-8"] * 24 + ["utf-8-sig", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-16-le cut", "utf-16-be cut",
                              "utf-16-le bare", "utf-32-le", "latin-1", "bad byte"]  # fmt: skip


def encode(text: str, encoding: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + raw
    if encoding.startswith("utf-16"):
        order = encoding.split(maxsplit=1)[0]
        data = text.encode(order, "surrogatepass")
        if encoding.endswith("bare"):
            return data
        data = (b"\xff\xfe" if order.endswith("le") else b"\xfe\xff") + data
        return data[:-1] if encoding.endswith("cut") else data
    if encoding == "utf-32-le":
        return b"\xff\xfe\x00\x00" + text.encode("utf-32-le", "surrogatepass")
    if encoding == "latin-1":
        return text.encode("latin-1", "replace")
    if encoding == "bad byte":
        return raw[: len(raw) // 2] + b"\xff" + raw[len(raw) // 2 :]
    return raw


@st.composite
def yaml_bytes(draw: Callable[..., Any], task_share: float = 0.8) -> bytes:
    text = draw(yaml_texts(task_share))
    return encode(text, draw(st.sampled_from(ENCODINGS)))


# No shrinking: a failing document is shown as generated (shrinking one takes minutes).
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
GENERATED = settings(max_examples=FUZZ or 500, deadline=None, database=None, derandomize=not FUZZ, phases=NO_SHRINK,
                     suppress_health_check=list(HealthCheck))  # fmt: skip


@GENERATED
@given(yaml_bytes())
def test_decide_reads_what_pyyaml_reads_or_refuses_in_one_line(data: bytes) -> None:
    assert_reads_as_pyyaml(data)


@GENERATED
@given(yaml_bytes(task_share=0.0))
def test_arbitrary_yaml_reads_as_pyyaml_reads_it_or_is_refused(data: bytes) -> None:
    assert_reads_as_pyyaml(data)


def test_the_generator_writes_files_both_ways() -> None:
    """The generator is worth its time: plenty of what it writes reads as YAML, and valid task files
    are among them (else the properties above would hold vacuously). Judged by PyYAML and jsonschema."""
    readable = valid = 0
    checker = jsonschema.Draft202012Validator(TASK_SCHEMA)

    @settings(max_examples=150, deadline=None, database=None, derandomize=True, phases=NO_SHRINK,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(yaml_bytes(task_share=1.0))
    def count(data: bytes) -> None:
        nonlocal readable, valid
        ok, plain = safe_load(data)
        readable += ok
        valid += ok and checker.is_valid(plain)

    count()
    assert readable >= 50 and valid >= 20, (readable, valid)


# --- through the CLI ----------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decide", *args], capture_output=True, text=True,
                          encoding="utf-8", errors="backslashreplace", cwd=ROOT, timeout=120, check=False)  # fmt: skip


def refused_files(process: subprocess.CompletedProcess[str], folder: Path) -> set[str]:
    """The files the command's stderr names, every line of which is FILE:LINE:COL: message about one of
    the files in ``folder`` (or the count of invalid files)."""
    assert "Traceback" not in process.stderr, process.stderr[-3000:]
    assert process.returncode in (0, 2), process.stderr[-3000:]
    named = set()
    for line in process.stderr.splitlines():
        if SUMMARY.fullmatch(line):
            continue
        match = LOCATED.fullmatch(line)
        assert match, f"not a located line: {line!r}"
        assert Path(match["file"]).parent == folder, line
        named.add(Path(match["file"]).name)
    assert (process.returncode == 2) == bool(named), process.stderr[-3000:]
    return named


def answers_of(plain: dict[str, Any]) -> dict[str, Any]:
    """The answers the plain data gives: every non-null field of every section."""
    return {
        f"{section}.{key}": value
        for section in SECTIONS
        for key, value in (plain.get(section) or {}).items()
        if not key.startswith("x-") and value is not None
    }


def same_answer(ours: Any, theirs: Any) -> bool:
    """The same answer for scoring: true is not 1, 3.0 may stand for 3 (JSON Schema's integers)."""
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(same_answer, ours, theirs))
    return bool(ours == theirs) and (type(ours) is type(theirs) or {type(ours), type(theirs)} <= {int, float})


BATCH = settings(max_examples=max(FUZZ // 20, 4), deadline=None, database=None, derandomize=not FUZZ,
                 phases=NO_SHRINK, suppress_health_check=list(HealthCheck))  # fmt: skip


@BATCH
@given(st.lists(yaml_bytes(task_share=1.0), min_size=12, max_size=12))
def test_the_cli_reads_generated_task_files_cleanly(files: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary).resolve()
        for number, data in enumerate(files):
            (folder / f"f{number:03}.yaml").write_bytes(data)
        refused = refused_files(run("validate", str(folder)), folder)
        in_ci = refused_files(run("ci", str(folder), "--fail-on", "never"), folder)
        assert in_ci == refused, "ci and validate refuse different files"
        loader = TaskLoader(RUBRICS)
        for number, data in enumerate(files):
            name = f"f{number:03}.yaml"
            if name in refused:
                continue
            readable, plain = safe_load(data)
            assert readable, f"decide validate accepts {name}, which PyYAML refuses ({plain!r}): {data!r}"
            task = loader.load(folder / name)  # what validate accepted, the library accepts
            expected = answers_of(plain)
            assert task.answers.keys() == expected.keys(), (task.answers, expected, data)
            for field, value in expected.items():
                assert same_answer(task.answers[field], value), (field, task.answers[field], value, data)
            for key in ("title", "objective", "owner", "description"):
                assert getattr(task, key) == plain.get(key), (key, data)
            metrics = plain.get("metrics") or {}
            assert task.metrics.time_saved_hours_per_week == metrics.get("time_saved_hours_per_week")
            for rate in ("error_rate", "escalation_rate"):
                given_rate = metrics.get(rate)
                held = getattr(task.metrics, rate)
                assert (held is None) == (given_rate is None), (rate, data)
                if held is not None:
                    assert (held.baseline, held.target) == (given_rate.get("baseline"), given_rate.get("target"))


# --- the cases found by hand (issue 14) ---------------------------------------------------------

TASK = """\
version: 1
title: A task
objective: Check one thing.
autonomy:
  initiation: user
scope:
  systems: 1
  reach: team
  impact: minor
data_access:
  sensitivity: internal
governance:
  owner: Support team
  human_approval: all
"""


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "task.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def assert_refused_in_one_line(path: Path, process: subprocess.CompletedProcess[str] | None = None) -> str:
    """`decide validate FILE` exits 2 with one located line about the file (and the count)."""
    process = process or run("validate", str(path))
    assert process.returncode == 2, process.stdout + process.stderr
    assert "Traceback" not in process.stderr, process.stderr
    lines = [line for line in process.stderr.splitlines() if not SUMMARY.fullmatch(line)]
    assert len(lines) == 1, process.stderr
    match = LOCATED.fullmatch(lines[0])
    assert match and match["file"] == str(path), lines
    return match["message"]


def answers_in_report(path: Path) -> dict[str, Any]:
    process = run("evaluate", str(path), "-f", "json")
    assert process.returncode == 0, process.stderr
    return {criterion["field"]: criterion["answer"] for criterion in json.loads(process.stdout)["criteria"]}


def assert_refused_or_read_as_pyyaml(path: Path, field: str) -> None:
    """Refused in one located line, or read as PyYAML reads it (and scored on that)."""
    section, key = field.split(".")
    expected = yaml.safe_load(path.read_bytes())[section][key]
    process = run("validate", str(path))
    if process.returncode == 2:
        assert_refused_in_one_line(path, process)
    else:
        assert process.returncode == 0, process.stderr
        assert answers_in_report(path)[field] == expected


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r"])
def test_a_line_break_in_a_comment_cannot_hide_a_duplicate(tmp_path: Path, separator: str) -> None:
    """PyYAML reads a second `impact:` after the break (severe, scored critical): decide never reads minor."""
    path = _write(tmp_path, TASK.replace("impact: minor", f"impact: minor # see{separator}  impact: severe"))
    assert yaml.safe_load(path.read_bytes())["scope"]["impact"] == "severe"
    assert "impact" in assert_refused_in_one_line(path)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_line_break_in_a_comment_starts_a_line(tmp_path: Path, separator: str) -> None:
    """With no duplicate, the line after the break is a real answer: decide scores it, or refuses."""
    path = _write(tmp_path, TASK.replace("  impact: minor\n", f"  reach: team # see{separator}  impact: severe\n")
                  .replace("  reach: team\n", ""))  # fmt: skip
    assert_refused_or_read_as_pyyaml(path, "scope.impact")


def test_a_line_break_in_a_comment_changes_the_owner(tmp_path: Path) -> None:
    path = _write(tmp_path, TASK.replace("  owner: Support team\n", "  human_approval: all # \u2028  owner: Nobody\n")
                  .replace("  human_approval: all\n", ""))  # fmt: skip
    assert_refused_or_read_as_pyyaml(path, "governance.owner")


def test_duplicates_inside_an_inline_merge_source_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, TASK.replace("  human_approval: all\n", "  <<: {human_approval: none, human_approval: all}\n")
    )
    assert "human_approval" in assert_refused_in_one_line(path)


@pytest.mark.parametrize("sources", [("none", "all"), ("all", "none")])
def test_two_merge_keys_are_refused_or_read_as_pyyaml(tmp_path: Path, sources: tuple[str, str]) -> None:
    first, second = sources
    path = _write(
        tmp_path,
        TASK.replace(
            "  human_approval: all\n", f"  <<: {{human_approval: {first}}}\n  <<: {{human_approval: {second}}}\n"
        ),
    )
    assert_refused_or_read_as_pyyaml(path, "governance.human_approval")


def test_conflicting_merge_sources_in_a_list_are_read_as_pyyaml(tmp_path: Path) -> None:
    path = _write(
        tmp_path, TASK.replace("  human_approval: all\n", "  <<: [{human_approval: none}, {human_approval: all}]\n")
    )
    assert_refused_or_read_as_pyyaml(path, "governance.human_approval")


@pytest.mark.parametrize(
    "text",
    [
        TASK + "x-reviewed: 2024-02-30\n",  # PyYAML raises ValueError
        TASK + "x-reviewed: !!timestamp 2024-13-01\n",
        TASK.replace("systems: 1", "systems: !!int abc"),
        TASK.replace("systems: 1", "systems: !!float abc"),
        TASK + "x-blob: !!binary a\n",  # PyYAML: "failed to decode base64 data"
        TASK.replace("  human_approval: all\n", "  <<: {[1]: 2}\n"),  # an unhashable key in a merge source
        TASK.replace("owner: Support team", "owner: ="),
        TASK.replace("owner: Support team", "owner: !!python/name:os.system ''"),
        TASK + "x-set: !!set {a, b}\n",
        TASK.replace("scope:\n", "scope:\n  volume_per_day: .nan\n"),
        TASK.replace("scope:\n", "scope: {volume_per_day: .nan}\nx-scope:\n"),
        TASK + 'id: "abc\\n"\n',
        TASK + "id: |\n  abc\n",
    ],
    ids=["impossible-date", "impossible-timestamp-tag", "int-tag-abc", "float-tag-abc", "bad-binary",
         "unhashable-merge-key", "equals-sign", "python-tag", "set-tag", "nan-answer", "nan-answer-flow",
         "id-with-escaped-newline", "id-from-block-scalar"],
)  # fmt: skip
def test_refused_with_one_located_line(tmp_path: Path, text: str) -> None:
    assert_refused_in_one_line(_write(tmp_path, text))


@pytest.mark.parametrize(("order", "cut"), [("utf-16-le", 1), ("utf-16-be", 3)])
def test_truncated_utf16_is_refused_with_one_located_line(tmp_path: Path, order: str, cut: int) -> None:
    data = (b"\xff\xfe" if order.endswith("le") else b"\xfe\xff") + TASK.encode(order)
    assert_refused_in_one_line(_write(tmp_path, data[:-cut]))


def test_whole_utf16_reads_like_utf8(tmp_path: Path) -> None:
    expected = answers_in_report(_write(tmp_path, TASK))
    for order, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")):
        wide = tmp_path / f"{order}.yaml"
        wide.write_bytes(bom + TASK.replace("\n", "\r\n").encode(order))
        assert answers_in_report(wide) == expected, order


USER_VALUES = [".nan", ".inf", "-.inf", "!!float nan", "2024-02-29", "[.nan, {a: .NaN}]", "{b: -.Inf}"]


def test_user_keys_are_ignored_whatever_they_hold(tmp_path: Path) -> None:
    """x- keys hold the user's own data: numbers JSON cannot write (NaN, infinities) and dates too."""
    text = TASK.replace("scope:\n", "scope:\n" + "".join(f"  x-{n}: {v}\n" for n, v in enumerate(USER_VALUES)))
    path = _write(tmp_path, text + "".join(f"x-{n}: {v}\n" for n, v in enumerate(USER_VALUES)))
    process = run("validate", str(path))
    assert (process.returncode, process.stderr) == (0, ""), process.stderr
