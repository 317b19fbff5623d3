"""Check documents against decide's JSON Schemas with ``jsonschema``, each problem at its place in the file.

``jsonschema`` decides what is valid; this module only says it the way a person fixing a YAML file needs:
``FILE:LINE:COL`` from the marks the loader kept, the field's path, the allowed values, "did you mean",
and why YAML read a value as something else. The one addition to JSON Schema: a number must be finite,
since YAML can write ``.nan`` and ``.inf`` and JSON cannot.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

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

_BaseValidator = jsonschema.Draft202012Validator
_STRING_KEYS = "stringKeys"  # the keyword of the error for a key that is not text


def _keys_are_strings(stock: Any) -> Any:
    """A keyword that matches keys against patterns, first checking that they are text: YAML keys can
    be numbers, dates or booleans, which JSON cannot hold and ``re`` cannot match."""

    def check(validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
        if isinstance(instance, dict) and not all(isinstance(key, str) for key in instance):
            yield ValidationError("keys must be strings", validator=_STRING_KEYS, instance=instance)
            return
        yield from stock(validator, value, instance, schema)

    return check


def _is_finite_number(checker: Any, value: Any) -> bool:
    """The one addition to JSON Schema: YAML can write .nan and .inf, JSON cannot."""
    number: bool = _BaseValidator.TYPE_CHECKER.is_type(value, "number")
    return number and not (isinstance(value, float) and not math.isfinite(value))


_Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]  # untyped in types-jsonschema
    _BaseValidator,
    validators={
        keyword: _keys_are_strings(_BaseValidator.VALIDATORS[keyword])
        for keyword in ("patternProperties", "additionalProperties", "propertyNames")
    },
    type_checker=_BaseValidator.TYPE_CHECKER.redefine("number", _is_finite_number),
)


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
    """The hint " (did you mean 'x'?)" for the closest candidate, or nothing."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def same_value(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


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
    """One schema, compiled once, checking any number of documents."""

    def __init__(self, schema: Mapping[str, Any], root_name: str = "the file", part: str | None = None) -> None:
        """``part``: documents are checked against the schema of that property of ``schema`` (one file of
        a set), with the rest of ``schema`` (its definitions) around it."""
        self._validator = _Validator(schema)
        self._root_name = root_name
        self._part = part

    def problems(self, document: Any, path: str) -> list[Problem]:
        """Every problem, located; none for a valid document."""
        instance = document if self._part is None else {self._part: document}
        found = set()
        for error in self._validator.iter_errors(instance):
            steps = list(error.absolute_path)[0 if self._part is None else 1 :]
            for mark, message in self._messages(error, document, steps):
                found.add(Problem(path, mark[0], mark[1], message))
        return sorted(found)

    def _messages(self, error: ValidationError, document: Any, steps: list[Any]) -> Messages:
        path = ""
        for step in steps:
            path = _join(path, step)
        found = _Found(path or self._root_name, path, error.instance, error.validator_value, error.schema,
                       *_marks(document, steps))  # fmt: skip
        keyword: Any = error.validator
        if keyword not in ("anyOf", "oneOf"):
            yield from _MESSAGES.get(keyword, _in_jsonschemas_words)(found, keyword)
            return
        hint = found.schema.get("x-hint") if isinstance(found.schema, Mapping) else None
        closest = best_match(error.context or ())
        if hint or closest is None:
            reason = hint or "it matches none of the allowed forms"
            yield found.mark, f"{found.where}: {describe(found.value)} is not valid: {reason}"
        else:  # the option it came closest to, in that option's words
            yield from self._messages(closest, document, [*steps, *closest.relative_path])


class _Found(NamedTuple):
    """One error jsonschema found, with what a message about it needs."""

    where: str  # the field's path, or the document's name
    path: str
    value: Any
    expected: Any  # the keyword's value in the schema
    schema: Any
    mark: Mark  # where the value stands
    key_mark: Mark  # where its key stands (the value's own place, for a list's item)


Messages = Iterator[tuple[Mark, str]]


def _type(found: _Found, keyword: str) -> Messages:
    names = [found.expected] if isinstance(found.expected, str) else list(found.expected)
    value = found.value
    if isinstance(value, float) and not math.isfinite(value) and "number" in names:
        yield found.mark, f"{found.where}: {value} is not a finite number"
    else:
        wanted = " or ".join(_TYPE_NAMES[name] for name in names)
        yield found.mark, f"{found.where}: expected {wanted}, got {describe(value)}{_type_hint(value, names)}"


def _string_keys(found: _Found, keyword: str) -> Messages:
    for key in found.value:
        if not isinstance(key, str):
            hint = _type_hint(key, ["string"])
            yield _key_mark(found, key), f"{found.where}: key {describe(key)} must be a string{hint}"


def _const(found: _Found, keyword: str) -> Messages:
    yield found.mark, f"{found.where}: must be {describe(found.expected)}, got {describe(found.value)}"


def _enum(found: _Found, keyword: str) -> Messages:
    options = [option for option in found.expected if option is not None]  # null: "not answered", no option
    allowed = ", ".join(describe(option).strip("'") for option in options)
    hint = suggest(found.value, [str(option) for option in options])
    if isinstance(found.value, bool) and any(isinstance(option, str) for option in options):
        hint = " (YAML reads yes, no, on and off as true or false: put the word in quotes)"
    yield found.mark, f"{found.where}: {describe(found.value)} is not one of: {allowed}{hint}"


def _required(found: _Found, keyword: str) -> Messages:
    for name in found.expected:
        if name not in found.value:
            yield found.mark, f"{found.where}: missing required key {name!r}"


def _unknown_keys(found: _Found, keyword: str) -> Messages:
    known = sorted(found.schema.get("properties", {}))
    patterns = [re.compile(pattern) for pattern in found.schema.get("patternProperties", {})]
    for key in found.value:
        if key not in known and not any(pattern.search(key) for pattern in patterns):
            yield _key_mark(found, key), f"{found.where}: unknown key {key!r}{suggest(key, known)}"


def _pattern(found: _Found, keyword: str) -> Messages:
    hint = found.schema.get("x-hint", f"it must match {found.expected}")
    yield found.mark, f"{found.where}: {describe(found.value)} is not valid: {hint}"


def _unique_items(found: _Found, keyword: str) -> Messages:
    items = found.value
    for index, item in enumerate(items):
        if any(same_value(item, earlier) for earlier in items[:index]):
            at = items.item_marks[index] if isinstance(items, MarkedList) else found.mark
            yield at, f"{_join(found.path, index)}: {describe(item)} is listed twice"


def _bound(found: _Found, keyword: str) -> Messages:
    value, expected = describe(found.value), found.expected
    said = {
        "minimum": f"{value} is below the minimum, {expected}",
        "maximum": f"{value} is above the maximum, {expected}",
        "exclusiveMinimum": f"{value} must be above {expected}",
        "exclusiveMaximum": f"{value} must be below {expected}",
        "minLength": "must not be empty" if expected == 1 else f"must be at least {expected} characters long",
        "maxLength": f"must be at most {expected} characters long",
        "minItems": f"needs at least {expected} item(s)",
        "maxItems": f"takes at most {expected} item(s)",
        "minProperties": f"needs at least {expected} key(s)",
        "maxProperties": f"takes at most {expected} key(s)",
    }
    yield found.mark, f"{found.where}: {said[keyword]}"


def _in_jsonschemas_words(found: _Found, keyword: str | None) -> Messages:
    if keyword is None:  # a false schema: nothing may stand there
        yield found.key_mark, f"{found.where}: not allowed here"
    else:
        yield found.mark, f"{found.where}: {describe(found.value)} is not valid ({keyword})"


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems",
           "maxItems", "minProperties", "maxProperties")  # fmt: skip
# How each keyword's error is said; every other keyword's, in jsonschema's terms (never left unsaid).
_MESSAGES: dict[str, Callable[[_Found, str], Messages]] = {
    "type": _type,
    _STRING_KEYS: _string_keys,
    "const": _const,
    "enum": _enum,
    "required": _required,
    "additionalProperties": _unknown_keys,
    "unevaluatedProperties": _unknown_keys,
    "pattern": _pattern,
    "uniqueItems": _unique_items,
    **dict.fromkeys(_BOUNDS, _bound),
}


def _key_mark(found: _Found, key: Any) -> Mark:
    return found.value.key_marks.get(key, found.mark) if isinstance(found.value, MarkedDict) else found.mark


def _marks(document: Any, steps: list[Any]) -> tuple[Mark, Mark]:
    """Where the value at ``steps`` stands, and where its key does (the same, for a list's item)."""
    start = document.start if isinstance(document, MarkedDict | MarkedList) else (1, 1)
    mark = key_mark = start
    node = document
    for step in steps:
        if isinstance(node, MarkedDict):
            mark = node.value_marks.get(step, mark)
            key_mark = node.key_marks.get(step, mark)
        elif isinstance(node, MarkedList) and isinstance(step, int) and step < len(node.item_marks):
            mark = key_mark = node.item_marks[step]
        node = node[step]
    return mark, key_mark
