"""A small JSON Schema validator that reports each problem at its place in the YAML file.

It implements the subset of JSON Schema (2020-12) that decide's own schemas use: ``type``,
``enum``, ``const``, ``properties``, ``required``, ``additionalProperties``,
``patternProperties``, ``items``, ``minItems``, ``uniqueItems``, ``minimum``, ``maximum``,
``minLength``, ``pattern``, ``anyOf`` and local ``$ref``. The test suite checks that it agrees
with the ``jsonschema`` package on those schemas. It exists because importing ``jsonschema``
alone costs more than the whole of an evaluation, and because its messages can say where the
value stands in the file and what was probably meant. Integers are strict: ``3.0`` is not one.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from decide.errors import Problem
from decide.loading.marked import Mark, MarkedDict, MarkedList

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int)
    return isinstance(value, int | float)  # number


def describe(value: Any) -> str:
    """A value as the user wrote it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)


def suggest(word: Any, candidates: list[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]+")
_FLOAT_WITHOUT_DOT = re.compile(r"[-+]?\d+[eE][-+]?\d+")


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    name = key if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else repr(key)
    return f"{path}.{name}" if path else name


def _type_hint(value: Any, names: list[str]) -> str:
    """Why YAML read the value as something else, where that is the likely story."""
    if isinstance(value, datetime.date) and "string" in names:
        return " (put it in quotes: YAML reads it as a date)"
    if isinstance(value, str) and {"number", "integer"} & set(names) and _FLOAT_WITHOUT_DOT.fullmatch(value):
        return " (YAML reads a number with an exponent but no dot as text: write it out, or as 1.0e+3)"
    if isinstance(value, bool) and "string" in names:
        return " (put it in quotes: YAML reads yes, no, on and off as true or false)"
    return ""


class SchemaValidator:
    """Validates documents against one schema; reusable across documents."""

    def __init__(self, schema: Mapping[str, Any], root_name: str = "the file") -> None:
        self._root = schema
        self._root_name = root_name
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._compiled: dict[int, Predicate] = {}  # by id() of a schema within the root

    def is_valid(self, document: Any, schema: Mapping[str, Any] | None = None) -> bool:
        """A quick yes or no, from the schema compiled once into a predicate."""
        schema = schema or self._root
        predicate = self._compiled.get(id(schema))
        if predicate is None:
            predicate = self._compiled[id(schema)] = _Compiler(self._root, self._pattern).compile(schema)
        return predicate(document)

    def problems(self, document: Any, path: str, schema: Mapping[str, Any] | None = None) -> list[Problem]:
        """Every problem, located; most documents are valid, so the explaining walk runs only on a no."""
        if self.is_valid(document, schema):
            return []
        return self.explain(document, path, schema)

    def explain(self, document: Any, path: str, schema: Mapping[str, Any] | None = None) -> list[Problem]:
        """The walk that finds and locates every problem."""
        start = document.start if isinstance(document, MarkedDict | MarkedList) else (1, 1)
        found = [
            Problem(path, mark[0], mark[1], message)
            for mark, message in self._check(document, schema or self._root, "", start)
        ]
        return sorted(set(found))

    def _pattern(self, source: str) -> re.Pattern[str]:
        if source not in self._patterns:
            self._patterns[source] = re.compile(source)
        return self._patterns[source]

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            target: Any = self._root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def _where(self, path: str) -> str:
        return path or self._root_name

    def _check(self, value: Any, schema: Mapping[str, Any], path: str, mark: Mark) -> Iterator[tuple[Mark, str]]:
        schema = self._resolve(schema)
        where = self._where(path)
        if "anyOf" in schema:
            options = schema["anyOf"]
            if not any(not list(self._check(value, option, path, mark)) for option in options):
                if len(options) == 1 or "x-hint" in schema:
                    hint = schema.get("x-hint")
                    if hint:
                        yield mark, f"{where}: {describe(value)} is not valid: {hint}"
                    else:
                        yield from self._check(value, options[0], path, mark)
                else:
                    yield mark, f"{where}: {describe(value)} matches none of the allowed forms"
                return
        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if not any(_is_type(value, name) for name in names):
                expected = " or ".join(_TYPE_NAMES[name] for name in names)
                yield mark, f"{where}: expected {expected}, got {describe(value)}{_type_hint(value, names)}"
                return
        if "const" in schema and not same_value(value, schema["const"]):
            yield mark, f"{where}: must be {describe(schema['const'])}, got {describe(value)}"
            return
        if "enum" in schema and not any(same_value(value, option) for option in schema["enum"]):
            # null in an enum means "not answered", which is no option to offer.
            options = [option for option in schema["enum"] if option is not None]
            allowed = ", ".join(describe(option).strip("'") for option in options)
            hint = suggest(value, [str(option) for option in options])
            yield mark, f"{where}: {describe(value)} is not one of: {allowed}{hint}"
            return
        if isinstance(value, float) and not math.isfinite(value):
            yield mark, f"{where}: {value} is not a finite number"
            return
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield from self._check_number(value, schema, where, mark)
        elif isinstance(value, str):
            yield from self._check_string(value, schema, where, mark)
        elif isinstance(value, dict):
            yield from self._check_object(value, schema, path, mark)
        elif isinstance(value, list):
            yield from self._check_array(value, schema, path, mark)

    def _check_number(
        self, value: float, schema: Mapping[str, Any], where: str, mark: Mark
    ) -> Iterator[tuple[Mark, str]]:
        if "minimum" in schema and value < schema["minimum"]:
            yield mark, f"{where}: {describe(value)} is below the minimum, {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            yield mark, f"{where}: {describe(value)} is above the maximum, {schema['maximum']}"

    def _check_string(
        self, value: str, schema: Mapping[str, Any], where: str, mark: Mark
    ) -> Iterator[tuple[Mark, str]]:
        if len(value) < schema.get("minLength", 0):
            yield mark, f"{where}: must not be empty"
        if "pattern" in schema and not self._pattern(schema["pattern"]).search(value):
            hint = schema.get("x-hint", f"it must match {schema['pattern']}")
            yield mark, f"{where}: {describe(value)} is not valid: {hint}"

    def _check_object(
        self, value: dict[Any, Any], schema: Mapping[str, Any], path: str, mark: Mark
    ) -> Iterator[tuple[Mark, str]]:
        key_marks = value.key_marks if isinstance(value, MarkedDict) else {}
        value_marks = value.value_marks if isinstance(value, MarkedDict) else {}
        properties: Mapping[str, Any] = schema.get("properties", {})
        patterns: Mapping[str, Any] = schema.get("patternProperties", {})
        additional = schema.get("additionalProperties", True)
        for name in schema.get("required", ()):
            if name not in value:
                yield mark, f"{self._where(path)}: missing required key {name!r}"
        for key, item in value.items():
            child = _join(path, key)
            if not isinstance(key, str):
                yield key_marks.get(key, mark), f"{self._where(path)}: key {describe(key)} must be a string"
                continue
            matched = False
            if key in properties:
                matched = True
                yield from self._check(item, properties[key], child, value_marks.get(key, mark))
            for pattern, sub in patterns.items():
                if self._pattern(pattern).search(key):
                    matched = True
                    yield from self._check(item, sub, child, value_marks.get(key, mark))
            if matched:
                continue
            if additional is False:
                yield (
                    key_marks.get(key, mark),
                    (f"{self._where(path)}: unknown key {key!r}" + suggest(key, sorted(properties))),
                )
            elif isinstance(additional, Mapping):
                yield from self._check(item, additional, child, value_marks.get(key, mark))

    def _check_array(
        self, value: list[Any], schema: Mapping[str, Any], path: str, mark: Mark
    ) -> Iterator[tuple[Mark, str]]:
        item_marks = value.item_marks if isinstance(value, MarkedList) else []
        if len(value) < schema.get("minItems", 0):
            yield mark, f"{self._where(path)}: needs at least {schema['minItems']} item(s)"
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if any(same_value(item, other) for other in seen):
                    at = item_marks[index] if index < len(item_marks) else mark
                    yield at, f"{_join(path, index)}: {describe(item)} is listed twice"
                seen.append(item)
        if "items" in schema:
            for index, item in enumerate(value):
                at = item_marks[index] if index < len(item_marks) else mark
                yield from self._check(item, schema["items"], _join(path, index), at)


def same_value(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


Predicate = Callable[[Any], bool]


class _Compiler:
    """Compiles a schema (the same subset) into one yes/no predicate, for the common valid case.

    It must agree with :class:`SchemaValidator` on every document; the test suite checks both
    against each other and against ``jsonschema``."""

    def __init__(self, root: Mapping[str, Any], pattern: Callable[[str], re.Pattern[str]]) -> None:
        self.root = root
        self.pattern = pattern
        self.refs: dict[str, Predicate] = {}

    def ref(self, target: str) -> Predicate:
        if target not in self.refs:
            compiled: list[Predicate] = []

            def forward(value: Any) -> bool:  # late-bound, because references may recurse
                return compiled[0](value)

            self.refs[target] = forward
            node: Any = self.root
            for part in target.removeprefix("#/").split("/"):
                node = node[part]
            compiled.append(self.compile(node))
        return self.refs[target]

    def compile(self, schema: Mapping[str, Any]) -> Predicate:
        if "$ref" in schema:
            return self.ref(schema["$ref"])
        checks: list[Predicate] = []
        if "anyOf" in schema:
            options = [self.compile(option) for option in schema["anyOf"]]
            checks.append(lambda value: any(option(value) for option in options))
        if "type" in schema:
            checks.append(_type_check([schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda value: same_value(value, const))
        if "enum" in schema:
            checks.append(_enum_check(list(schema["enum"])))
        if not {"type", "enum", "const"} & schema.keys() or {"number", "integer"} & set(_names(schema)):
            checks.append(lambda value: not (isinstance(value, float) and not math.isfinite(value)))
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None or high is not None:
            checks.append(
                lambda value: (
                    not _is_type(value, "number") or ((low is None or value >= low) and (high is None or value <= high))
                )
            )
        min_length, pattern = schema.get("minLength", 0), schema.get("pattern")
        if min_length or pattern:
            regex = self.pattern(pattern) if pattern else None
            checks.append(
                lambda value: (
                    not isinstance(value, str)
                    or (len(value) >= min_length and (regex is None or regex.search(value) is not None))
                )
            )
        if {"properties", "patternProperties", "additionalProperties", "required"} & schema.keys():
            checks.append(self._object(schema))
        if {"items", "minItems", "uniqueItems"} & schema.keys():
            checks.append(self._array(schema))
        return _all(checks)

    def _object(self, schema: Mapping[str, Any]) -> Predicate:
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        patterns = [(self.pattern(p), self.compile(sub)) for p, sub in schema.get("patternProperties", {}).items()]
        additional = schema.get("additionalProperties", True)
        extra: Predicate | None = self.compile(additional) if isinstance(additional, Mapping) else None
        required = list(schema.get("required", ()))

        def checks_of(key: str) -> Predicate:
            """What a key's value must pass: its property's check and those of the patterns it
            matches, or, where none applies, ``additionalProperties``."""
            found = [sub for regex, sub in patterns if regex.search(key)]
            if key in properties:
                found.insert(0, properties[key])
            if not found:
                found = [_refuse] if additional is False else [extra] if extra is not None else []
            return _all(found)

        by_key: dict[str, Predicate] = {}  # each key's check, found once: the same few keys recur in every file

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                sub = by_key.get(key)
                if sub is None:
                    if not isinstance(key, str):
                        return False
                    sub = checks_of(key)
                    if len(by_key) < 1024:
                        by_key[key] = sub
                if not sub(item):
                    return False
            return True

        return check

    def _array(self, schema: Mapping[str, Any]) -> Predicate:
        items = self.compile(schema["items"]) if "items" in schema else None
        min_items, unique = schema.get("minItems", 0), schema.get("uniqueItems", False)

        def check(value: Any) -> bool:
            if not isinstance(value, list):
                return True
            if len(value) < min_items:
                return False
            if unique and any(same_value(a, b) for i, a in enumerate(value) for b in value[i + 1 :]):
                return False
            return items is None or all(items(item) for item in value)

        return check


def _names(schema: Mapping[str, Any]) -> list[str]:
    types = schema.get("type", [])
    return [types] if isinstance(types, str) else list(types)


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,), "null": (type(None),),
    "integer": (int,), "number": (int, float),
}  # fmt: skip


def _type_check(names: list[str]) -> Predicate:
    accepted = tuple(python for name in names for python in _PYTHON_TYPES[name])
    if "boolean" in names or not {"integer", "number"} & set(names):
        return lambda value: isinstance(value, accepted)
    return lambda value: isinstance(value, accepted) and not isinstance(value, bool)  # true is not 1


def _enum_check(options: list[Any]) -> Predicate:
    strings = frozenset(option for option in options if isinstance(option, str))
    others = [option for option in options if not isinstance(option, str)]
    return lambda value: value in strings if isinstance(value, str) else any(same_value(value, o) for o in others)


def _refuse(value: Any) -> bool:
    """The check on the value of a key that ``additionalProperties: false`` refuses."""
    return False


def _all(checks: list[Predicate]) -> Predicate:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:  # most often: a type, then what values of that type must be
        first, second = checks
        return lambda value: first(value) and second(value)

    def every(value: Any) -> bool:
        for check in checks:  # noqa: SIM110 - a loop, not a generator, on the hot path
            if not check(value):
                return False
        return True

    return every
