"""The questionnaire behind `decide ask`, generated from the rubric set; no terminal code here.

Every question has a key: the dotted path of the task-file field it answers (``title``,
``autonomy.initiation``, ``metrics.error_rate.target``). Answers live in a plain dict from key
to value; a key that is absent is unanswered, which in a section means "take the cautious
reading". :func:`task_file` writes the answers as a commented task file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from decide.loading.task import slug
from decide.model import RUBRICS, Criterion, RubricSet


class Question(NamedTuple):
    key: str
    text: str
    help: str
    kind: str  # choice | boolean | integer | number | rate | text | list
    section: str  # the title shown with the progress count
    position: int  # 1-based, within the section
    of: int  # questions in the section
    choices: tuple[tuple[Any, str], ...] = ()  # (value, plain-words label)
    required: bool = False
    cautious: Any = None  # the reading taken when a rubric question is left unanswered


def _rubric_question(criterion: Criterion, section: str, position: int, of: int) -> Question:
    kind = criterion.type
    choices = tuple((option.value, option.label) for option in criterion.options) if kind != "text" else ()
    return Question(criterion.field, criterion.question, criterion.help, kind, section, position, of, choices,
                    cautious=criterion.cautious)  # fmt: skip


def questions(rubrics: RubricSet) -> list[Question]:
    """Every question in order: the envelope, one section per rubric, then the optional metrics."""
    envelope = [
        ("title", "What is the work called?", "A short name for the task.", "text", True),
        ("objective", "What is the concrete objective, in a sentence?",
         "Start with a concrete objective: what should be true when it works?", "text", True),
        ("owner", "Who proposes the work?", "A person or team; leave empty to skip.", "text", False),
    ]  # fmt: skip
    asked = [Question(key, text, help_, kind, "About the work", n, len(envelope), required=required)
             for n, (key, text, help_, kind, required) in enumerate(envelope, start=1)]  # fmt: skip
    for name in RUBRICS:
        rubric = rubrics.rubrics[name]
        count = len(rubric.criteria)
        asked += [_rubric_question(c, rubric.title, n, count) for n, c in enumerate(rubric.criteria, start=1)]
    metrics = [
        ("metrics.time_saved_hours_per_week", "How many hours a week should it save?", "number"),
        ("metrics.error_rate.baseline", "What is the error rate today?", "rate"),
        ("metrics.error_rate.target", "What error rate must the pilot reach?", "rate"),
        ("metrics.escalation_rate.baseline", "What share of cases goes to a person today?", "rate"),
        ("metrics.escalation_rate.target", "What escalation rate must the pilot reach?", "rate"),
    ]
    help_text = "Pilot targets, for the exit criteria; leave empty if not known yet (the pilot will measure it)."
    asked += [Question(key, text, help_text, kind, "Metrics", n, len(metrics))
              for n, (key, text, kind) in enumerate(metrics, start=1)]  # fmt: skip
    return asked


def parse_answer(question: Question, text: str) -> tuple[Any, str]:
    """A typed answer from what was entered, or the reason it cannot be one (value, "")."""
    entered = text.strip()
    if not entered:
        return (None, "an answer is required") if question.required else (None, "")
    if question.kind == "integer":
        if not entered.isdigit():
            return None, "a whole number, 0 or more"
        return int(entered), ""
    if question.kind in ("number", "rate"):
        percent = question.kind == "rate" and entered.endswith("%")
        try:
            value = float(entered.rstrip("%").strip())
        except ValueError:
            return None, "a number" + (" such as 0.05 or 5%" if question.kind == "rate" else "")
        value = value / 100 if percent else value
        if not math.isfinite(value) or value < 0 or (question.kind == "rate" and value > 1):
            return None, "a rate from 0 to 1, or a percentage" if question.kind == "rate" else "a number, 0 or more"
        return (int(value) if value.is_integer() and question.kind == "number" else value), ""
    if question.kind == "list":
        if entered.lower() in ("none", "-"):
            return [], ""
        return [item.strip() for item in entered.split(",") if item.strip()], ""
    return entered, ""


def answers_from(document: Any, asked: list[Question]) -> dict[str, Any]:
    """The answers a task file (or a draft) already gives, keeping only values that fit a question."""
    found: dict[str, Any] = {}
    if not isinstance(document, Mapping):
        return found
    for question in asked:
        value: Any = document
        for part in question.key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None and _fits(question, value):
            found[question.key] = list(value) if isinstance(value, list) else value
    return found


def _fits(question: Question, value: Any) -> bool:
    if question.choices:
        return any(value == choice and type(value) is type(choice) for choice, _ in question.choices)
    if question.kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if question.kind in ("number", "rate"):
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return number and value >= 0 and (question.kind != "rate" or value <= 1)
    if question.kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) and item for item in value)
    return isinstance(value, str) and bool(value.strip())


def display_answer(question: Question, answers: Mapping[str, Any]) -> str:
    """An answer as the summary screen shows it."""
    if question.key not in answers:
        if question.cautious is not None or question.key.startswith(RUBRICS):
            return "not sure (the most cautious reading)"
        return "(none)"
    value = answers[question.key]
    for choice, label in question.choices:
        if choice == value and type(choice) is type(value):
            return label
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(value)


def _yaml_value(value: Any) -> str:
    """A value in YAML that reads back exactly: JSON's strings, numbers and lists are YAML too."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def task_file(asked: list[Question], answers: Mapping[str, Any], rubrics: RubricSet, *, draft: bool = False) -> str:
    """The answers as a commented task file: each field under its question, for the next reader.
    A ``draft`` holds what was answered before an interruption; it may not be complete."""
    unanswered = "not answered yet" if draft else "not sure, so decide takes the most cautious reading"
    lines = [
        "# A draft written by `decide ask` when it was stopped; resume with `decide ask --from THIS_FILE`."
        if draft
        else "# Written by `decide ask`. Each field is under the question it answers; run\n"
        "# `decide ask --from THIS_FILE` to revisit it, or `decide evaluate THIS_FILE` to see the report.",
        "version: 1",
        f"id: {_yaml_value(slug(str(answers.get('title', 'task'))))}",
    ]
    for key in ("title", "objective", "owner"):
        if key in answers:
            lines.append(f"{key}: {_yaml_value(answers[key])}")
    by_key = {question.key: question for question in asked}
    for name in RUBRICS:
        rubric = rubrics.rubrics[name]
        lines += ["", f"# {rubric.title}: {rubric.description}", f"{name}:"]
        for criterion in rubric.criteria:
            question = by_key[criterion.field]
            lines.append(f"  # {question.text}")
            if criterion.field in answers:
                lines.append(f"  {criterion.id}: {_yaml_value(answers[criterion.field])}")
            else:
                lines.append(f"  # {criterion.id}: {unanswered}")
    metrics: dict[str, Any] = {}
    for question in asked:
        if question.key.startswith("metrics.") and question.key in answers:
            *path, leaf = question.key.split(".")[1:]
            target = metrics
            for part in path:
                target = target.setdefault(part, {})
            target[leaf] = answers[question.key]
    if metrics:
        lines += ["", "# Pilot targets (rates are fractions from 0 to 1).", "metrics:"]
        for key, value in metrics.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k}: {_yaml_value(v)}" for k, v in value.items())
                lines.append(f"  {key}: {{{inner}}}")
            else:
                lines.append(f"  {key}: {_yaml_value(value)}")
    return "\n".join(lines) + "\n"
