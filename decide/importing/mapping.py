"""Import mappings: how a row of an inventory becomes a draft task file, read from YAML and checked.

A mapping is policy (``rubrics/mappings/*.yaml``), checked first against its JSON Schema and then
against the rubric set: every field it answers must be a question of the rubrics, and every answer
one of that question's values. Another inventory format is another mapping file, not new code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from decide.errors import DecideError, Problem
from decide.loading.marked import MarkedDict
from decide.loading.rubrics import bundled_rubrics_root
from decide.loading.schemas import packaged_schema
from decide.loading.validator import SchemaValidator, describe
from decide.loading.yaml_source import read_yaml_file
from decide.model import RUBRICS, Criterion, RubricSet

MAPPINGS_FOLDER = "mappings"

_LETTER = re.compile(r"^[a-z]\)\s+")  # the "a) " before each valid selection in the data dictionary
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2019": "'", "\u2018": "'"})


def normalised(value: str) -> str:
    """A cell's value as mappings match it: case, spacing, dashes, quotes and a leading "a) " ignored."""
    return _LETTER.sub("", " ".join(value.translate(_DASHES).split()).casefold())


class Answer(NamedTuple):
    value: Any
    note: str | None


class AnswerRule(NamedTuple):
    """One column answering one field: its values (normalised) and what each gives; None says nothing."""

    field: str  # SECTION.FIELD
    column: str
    values: dict[str, Answer | None]
    shown_values: tuple[str, ...]  # as the mapping writes them, for messages


class Kept(NamedTuple):
    key: str
    column: str
    is_list: bool


class Mapping(NamedTuple):
    title: str
    required_columns: tuple[str, ...]
    id_columns: tuple[str, ...]
    id_fallback: tuple[str, ...]
    text: dict[str, tuple[str, ...]]  # task key -> columns, the first with a value wins
    description: tuple[tuple[str, str], ...]  # (column, label)
    keep: tuple[Kept, ...]
    answers: tuple[AnswerRule, ...]
    fields: tuple[str, ...]  # every field of the rubric set, in order: what a draft can leave out

    @property
    def columns(self) -> frozenset[str]:
        """Every column the mapping reads."""
        named = {*self.required_columns, *self.id_columns, *self.id_fallback}
        named |= {column for columns in self.text.values() for column in columns}
        named |= {column for column, _ in self.description} | {kept.column for kept in self.keep}
        return frozenset(named | {rule.column for rule in self.answers})


def bundled_mappings() -> dict[str, Path]:
    folder = bundled_rubrics_root() / MAPPINGS_FOLDER
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def resolve_mapping(name_or_file: str) -> tuple[Path, str]:
    """A bundled mapping's name, or a mapping file of one's own → its path, and its name in messages."""
    bundled = bundled_mappings()
    if name_or_file in bundled:
        return bundled[name_or_file], f"{MAPPINGS_FOLDER}/{name_or_file}.yaml"
    path = Path(name_or_file)
    if not path.is_file():
        known = ", ".join(bundled)
        raise DecideError.at(name_or_file, f"no such mapping file, and not a bundled inventory format ({known})")
    return path, name_or_file


def load_mapping(name_or_file: str, rubrics: RubricSet) -> Mapping:
    """Read, validate and check a mapping against the rubric set; every problem located."""
    path, shown = resolve_mapping(name_or_file)
    document, _ = read_yaml_file(path, shown)
    problems = SchemaValidator(packaged_schema("import-mapping"), root_name="the mapping").problems(document, shown)
    if problems:
        raise DecideError(problems)
    criteria = {c.field: c for name in RUBRICS for c in rubrics.rubrics[name].criteria}
    kept_keys: set[str] = set()
    for kept in document.get("keep", ()):
        if kept["key"] in kept_keys:
            line, column = kept.value_marks["key"]
            problems.append(Problem(shown, line, column, f"keep: {kept['key']!r} is kept twice"))
        kept_keys.add(kept["key"])
    answers = []
    for rule in document["answers"]:
        problems += _rule_problems(rule, criteria, shown)
        answers.append(_answer_rule(rule))
    if problems:
        raise DecideError(problems)
    return Mapping(
        title=document["title"],
        required_columns=tuple(document["required_columns"]),
        id_columns=tuple(document["id"]["columns"]),
        id_fallback=tuple(document["id"]["fallback"]),
        text={key: tuple(columns) for key, columns in document["text"].items()},
        description=tuple((part["column"], part["label"]) for part in document.get("description", ())),
        keep=tuple(Kept(k["key"], k["column"], bool(k.get("list"))) for k in document.get("keep", ())),
        answers=tuple(answers),
        fields=tuple(criteria),
    )


def _answer_rule(rule: MarkedDict) -> AnswerRule:
    values: dict[str, Answer | None] = {}
    for shown_value, given in rule["values"].items():
        if given is None:
            values[normalised(shown_value)] = None
        elif isinstance(given, dict):
            values[normalised(shown_value)] = Answer(given["answer"], given.get("note"))
        else:
            values[normalised(shown_value)] = Answer(given, None)
    return AnswerRule(rule["field"], rule["column"], values, tuple(rule["values"]))


def _rule_problems(rule: MarkedDict, criteria: dict[str, Criterion], shown: str) -> list[Problem]:
    """An answer rule's field must be a question of the rubrics, and each answer one of its values."""
    field = rule["field"]
    criterion = criteria.get(field)
    if criterion is None or criterion.type == "list":
        reason = "is a list, which no cell answers" if criterion else "is not a field of the rubric set"
        return [Problem(shown, *rule.value_marks["field"], f"answers: {field!r} {reason}")]
    problems = []
    seen: dict[str, str] = {}
    values: MarkedDict = rule["values"]
    for shown_value, given in values.items():
        mark = values.value_marks[shown_value]
        key = normalised(shown_value)
        if key in seen:
            problems.append(Problem(shown, *values.key_marks[shown_value],
                                    f"{field}: {shown_value!r} matches the same cells as {seen[key]!r}"))  # fmt: skip
        seen[key] = shown_value
        answer = given["answer"] if isinstance(given, dict) else given
        if given is not None and not _answers(criterion, answer):
            allowed = ", ".join(describe(v).strip("'") for v in criterion.values)
            problems.append(Problem(shown, *mark, f"{field}: {describe(answer)} is not a valid answer ({allowed})"))
    return problems


def _answers(criterion: Criterion, answer: Any) -> bool:
    if criterion.type in ("choice", "boolean"):
        return any(answer == value and type(answer) is type(value) for value in criterion.values)
    if criterion.type == "integer":
        return isinstance(answer, int) and not isinstance(answer, bool) and answer >= 0
    return isinstance(answer, str)
