"""The questionnaire behind `decide ask`, generated from the rubric set; no terminal code here.

Every question has a key: the dotted path of the task-file field it answers (``title``,
``autonomy.initiation``, ``metrics.error_rate.target``). Answers live in a plain dict from key
to value. A key that is absent has not been answered yet; a key whose value is None was answered
"not sure" (or left empty), which in a section means "take the cautious reading". A task file
says "not sure" as ``field: null``, which reads back as the same answer. :func:`task_file`
writes the answers as a commented task file; :func:`saved_text` writes them into the file a
person started from, changing only the answers that changed.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from decide.loading.edit import Change, EditFailed, edited, yaml_value
from decide.loading.task import slug
from decide.model import RUBRICS, Criterion, RubricSet

DRAFT_HEADER = "# A draft written by `decide ask` when it was stopped; resume with `decide ask --from THIS_FILE`."
FINAL_HEADER = (
    "# Written by `decide ask`. Each field is under the question it answers; run\n"
    "# `decide ask --from THIS_FILE` to revisit it, or `decide evaluate THIS_FILE` to see the report."
)
NOT_ANSWERED = "not answered yet"
NOT_SURE = "not sure: decide takes the most cautious reading"
# A draft lists here the questions answered with nothing (a field with no null, such as owner), so
# that resuming does not ask them again; a task file never keeps it.
LEFT_EMPTY_KEY = "x-decide-ask-left-empty"
EVIDENCE_HEADER = (
    "# What backs each claimed control: a file from this file's folder, or a link; date: when last verified."
)

# Evidence given in answer to `decide ask`: by control, the items added ({ref, date, note}), in the order asked.
NewEvidence = Mapping[str, Sequence[Mapping[str, str]]]


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


def evidence_date(text: str, today: datetime.date) -> tuple[str, str]:
    """The day evidence was last verified, as the task file writes it (YYYY-MM-DD), from what was entered;
    or the reason it cannot be one ("", reason): not a day of the calendar, or a day after ``today``."""
    entered = text.strip()
    try:
        day = datetime.date.fromisoformat(entered) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", entered) else None
    except ValueError:
        day = None
    if day is None:
        return "", "a day of the calendar, written YYYY-MM-DD"
    if day > today:
        return "", f"after today ({today.isoformat()}): give the day it was last verified"
    return entered, ""


def nullable(question: Question) -> bool:
    """Whether the task file can say "not sure" for it: a rubric field takes null; owner and metrics do not."""
    return question.key.startswith(tuple(f"{name}." for name in RUBRICS))


def _lookup(document: Any, key: str) -> tuple[bool, Any]:
    """Whether the field stands in the document, and its value."""
    value: Any = document
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def answers_from(document: Any, asked: list[Question]) -> dict[str, Any]:
    """The answers a task file (or a draft) already gives, keeping only values that fit a question;
    ``null`` in a section, and a draft's list of questions left empty, are answers too: "not sure"."""
    found: dict[str, Any] = {}
    if not isinstance(document, Mapping):
        return found
    left_empty = document.get(LEFT_EMPTY_KEY)
    for question in asked:
        present, value = _lookup(document, question.key)
        if present and value is None and nullable(question):
            found[question.key] = None
        elif value is not None and _fits(question, value):
            found[question.key] = list(value) if isinstance(value, list) else _whole(question, value)
        elif not present and isinstance(left_empty, list) and question.key in left_empty:
            found[question.key] = None
    return found


def _whole(question: Question, value: Any) -> Any:
    return int(value) if question.kind == "integer" else value  # YAML's 150.0 is a whole number to the schema


def _fits(question: Question, value: Any) -> bool:
    if question.choices:
        return any(value == choice and type(value) is type(choice) for choice, _ in question.choices)
    if question.kind == "integer":
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return whole and not isinstance(value, bool) and value >= 0
    if question.kind in ("number", "rate"):
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return number and value >= 0 and (question.kind != "rate" or value <= 1)
    if question.kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) and item for item in value)
    return isinstance(value, str) and bool(value.strip())


def display_answer(question: Question, answers: Mapping[str, Any]) -> str:
    """An answer as the summary screen shows it."""
    value = answers.get(question.key)
    if value is None:
        if question.cautious is not None or nullable(question):
            return "not sure (the most cautious reading)"
        return "(none)"
    for choice, label in question.choices:
        if choice == value and type(choice) is type(value):
            return label
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(value)


def _left_empty(asked: list[Question], answers: Mapping[str, Any]) -> list[str]:
    return [q.key for q in asked if not nullable(q) and q.key in answers and answers[q.key] is None]


def task_file(asked: list[Question], answers: Mapping[str, Any], rubrics: RubricSet, *, draft: bool = False,
              evidence: NewEvidence | None = None) -> str:  # fmt: skip
    """The answers as a commented task file: each field under its question, for the next reader, and the
    ``evidence`` given. A ``draft`` holds what was answered before an interruption; it may not be complete."""
    lines = [
        DRAFT_HEADER if draft else FINAL_HEADER,
        "version: 1",
        f"id: {yaml_value(slug(str(answers.get('title') or 'task')))}",
    ]
    for key in ("title", "objective", "owner"):
        if answers.get(key) is not None:
            lines.append(f"{key}: {yaml_value(answers[key])}")
    if draft and (left_empty := _left_empty(asked, answers)):
        lines.append(f"{LEFT_EMPTY_KEY}: {yaml_value(left_empty)}")
    by_key = {question.key: question for question in asked}
    for name in RUBRICS:
        rubric = rubrics.rubrics[name]
        lines += ["", f"# {rubric.title}: {rubric.description}", f"{name}:"]
        for criterion in rubric.criteria:
            question = by_key[criterion.field]
            lines.append(f"  # {question.text}")
            if answers.get(criterion.field) is not None:
                lines.append(f"  {criterion.id}: {yaml_value(answers[criterion.field])}")
            elif draft and criterion.field not in answers:
                lines.append(f"  # {criterion.id}: {NOT_ANSWERED}")
            else:
                lines.append(f"  {criterion.id}: null  # {NOT_SURE}")
    if evidence:
        lines += ["", EVIDENCE_HEADER, "evidence:"]
        for control, items in evidence.items():
            lines += [f"  {control}:", *(f"    - {yaml_value(item)}" for item in items)]
    metrics: dict[str, Any] = {}
    for question in asked:
        if question.key.startswith("metrics.") and answers.get(question.key) is not None:
            *path, leaf = question.key.split(".")[1:]
            target = metrics
            for part in path:
                target = target.setdefault(part, {})
            target[leaf] = answers[question.key]
    if metrics:
        lines += ["", "# Pilot targets (rates are fractions from 0 to 1).", "metrics:"]
        lines += [f"  {key}: {yaml_value(value)}" for key, value in metrics.items()]
    return "\n".join(lines) + "\n"


def _changes(
    asked: list[Question],
    answers: Mapping[str, Any],
    document: Mapping[str, Any],
    evidence: NewEvidence,
    *,
    draft: bool,
) -> dict[tuple[str, ...], Change]:
    """What the answers change in a task file: the fields whose answer differs from what the file says, and the
    evidence items added after any the file lists. A section the file leaves out is added (empty: every field
    in it takes its cautious reading), as the format requires every section."""
    order: list[tuple[str, ...]] = [("version",), ("id",)]  # where a field goes: after those before it here
    # The evidence goes after the governance, each control's in the order of the governance questions.
    controls = [
        question.key.removeprefix("governance.") for question in asked if question.key.startswith("governance.")
    ]
    for question in asked:
        if question.key.startswith("metrics.") and ("evidence",) not in order:
            order += [("evidence",), *(("evidence", control) for control in dict.fromkeys([*controls, *evidence]))]
        order.append(tuple(question.key.split(".")))
        if question.key == "owner":
            order.append((LEFT_EMPTY_KEY,))

    def before(path: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        return tuple(order[: next(n for n, field in enumerate(order) if field[: len(path)] == path)])

    changes: dict[tuple[str, ...], Change] = {}
    if document.get("version") != 1:
        changes[("version",)] = Change(1)
    changes |= {(name,): Change(None, after=before((name,))) for name in RUBRICS if name not in document}
    placeholders = (NOT_ANSWERED, "not sure")
    for question in asked:
        if question.key not in answers:
            continue
        path, value = tuple(question.key.split(".")), answers[question.key]
        present, current = _lookup(document, question.key)
        if value is not None and not (present and _same(current, value)):
            changes[path] = Change(value, after=before(path), placeholders=placeholders)
        elif value is None and nullable(question) and not (present and current is None):
            # "Not sure" for a field the file leaves out reads the same as leaving it out: a task file is left
            # as it was, unless a draft's placeholder stands for the field. A draft must say it.
            changes[path] = Change(None, comment=NOT_SURE, after=before(path), placeholders=placeholders,
                                   only_over_placeholder=not (draft or present))  # fmt: skip
        elif value is None and present and not nullable(question):
            changes[path] = Change(remove=True)
    left_empty = _left_empty(asked, answers) if draft else []
    if left_empty and document.get(LEFT_EMPTY_KEY) != left_empty:
        changes[(LEFT_EMPTY_KEY,)] = Change(left_empty, after=before((LEFT_EMPTY_KEY,)))
    elif not left_empty and LEFT_EMPTY_KEY in document:
        changes[(LEFT_EMPTY_KEY,)] = Change(remove=True)
    for control, items in evidence.items():
        changes[("evidence", control)] = Change(list(items), append=True, after=before(("evidence", control)))
    return changes


def _same(current: Any, value: Any) -> bool:
    """The file already says this answer (1.0 and 1 alike, true and 1 not)."""
    if isinstance(current, bool) or isinstance(value, bool):
        return current is value
    return bool(current == value)


def saved_text(
    source: str,
    document: Any,
    asked: list[Question],
    answers: Mapping[str, Any],
    rubrics: RubricSet,
    *,
    draft: bool = False,
    name: str = "the file",
    evidence: NewEvidence | None = None,
) -> tuple[str, bool]:
    """The answers written into ``source``, the text of the task file (or draft) they started from: only
    the fields whose answer changed are touched, and the ``evidence`` given goes after the items the file
    lists. Also whether the file's own layout was kept: if it cannot
    be (a layout the editor cannot follow), the answers are written as a new file, with everything else
    the file holds (id, description, own keys, evidence...) carried over."""
    if not isinstance(document, Mapping):
        return task_file(asked, answers, rubrics, draft=draft, evidence=evidence), True
    text = source
    wrong, right = (FINAL_HEADER, DRAFT_HEADER) if draft else (DRAFT_HEADER, FINAL_HEADER)
    if text.startswith(wrong + "\n"):
        text = right + text[len(wrong) :]
    try:
        return edited(text, _changes(asked, answers, document, evidence or {}, draft=draft), name), True
    except EditFailed:
        fresh = task_file(asked, answers, rubrics, draft=draft)
        own = {str(key): _plain(value) for key, value in document.items() if key not in _ASKED_FOR}
        if evidence:
            listed: dict[str, Any] = own["evidence"] if isinstance(own.get("evidence"), dict) else {}
            own["evidence"] = listed | {control: [*(listed.get(control) or []), *map(dict, items)]
                                        for control, items in evidence.items()}  # fmt: skip
        kept = [f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in own.items()]
        head, _, rest = fresh.partition("\nid: ")
        rest = rest.partition("\n")[2] if "id" in document else "id: " + rest
        return "\n".join([head, *kept, rest]), False


# What the questions answer: everything else in a file is carried over as it is.
_ASKED_FOR = {"version", "title", "objective", "owner", *RUBRICS, "metrics", LEFT_EMPTY_KEY}


def _plain(value: Any) -> Any:
    """Data as JSON holds it (dates and other YAML scalars as text), for carrying own keys over."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)
