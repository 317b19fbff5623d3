"""Task files: the JSON Schema generated from the rubrics, and loading a file into a :class:`Task`."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from decide.errors import DecideError
from decide.loading.evidence import EvidenceReader, dates_as_text, evidence_schema, today
from decide.loading.marked import MarkedDict
from decide.loading.validator import SchemaValidator
from decide.loading.yaml_source import parse_yaml, read_yaml_file
from decide.model import RUBRICS, Criterion, Metrics, Rate, RubricSet, Task

TASK_FORMAT_VERSION = 1
# The largest whole number JSON readers hold exactly; larger counts are mistakes, not workloads.
LARGEST_NUMBER = 2**53 - 1
_USER_KEYS = {"^x-": {"description": "Your own data: ignored by decide."}}
# "$" alone also matches before a final line break in Python's regular expressions (which jsonschema
# uses); the look-ahead makes the pattern refuse "id\n" there, as it does in every other engine.
_SLUG = r"^[a-z0-9][a-z0-9._-]*$(?!\n)"


def _criterion_schema(criterion: Criterion) -> dict[str, Any]:
    """A criterion's field; null is allowed and means the same as leaving the field out."""
    schema: dict[str, Any] = {"title": criterion.question, "description": criterion.help}
    if criterion.type == "choice":
        schema["enum"] = [*criterion.values, None]
        schema["description"] += " Options: " + "; ".join(f"{o.value}: {o.label}" for o in criterion.options) + "."
    elif criterion.type == "boolean":
        schema["type"] = ["boolean", "null"]
    elif criterion.type == "integer":
        schema.update(type=["integer", "null"], minimum=0, maximum=LARGEST_NUMBER)
    elif criterion.type == "list":
        schema.update(type=["array", "null"], items={"type": "string", "minLength": 1}, uniqueItems=True)
    else:
        schema.update(type=["string", "null"], minLength=1)
    return schema


def _rate_schema(name: str) -> dict[str, Any]:
    fraction = {"type": "number", "minimum": 0, "maximum": 1}
    return {
        "type": ["object", "null"],
        "description": f"The {name}, as a fraction from 0 to 1 (0.05 is 5%).",
        "properties": {
            "baseline": dict(fraction, description="Today, before the pilot."),
            "target": dict(fraction, description="What the pilot must reach."),
        },
        "patternProperties": _USER_KEYS,
        "additionalProperties": False,
    }


def task_schema(rubrics: RubricSet) -> dict[str, Any]:
    """The task file's JSON Schema: the envelope, plus one section per rubric from its criteria."""
    text = {"type": "string", "minLength": 1}
    properties: dict[str, Any] = {
        "version": {"const": TASK_FORMAT_VERSION, "description": "The task file format: 1."},
        "id": {
            "type": "string",
            "pattern": _SLUG,
            "description": "Defaults to the file name without extension.",
            "x-hint": "an id is lowercase letters, digits, '.', '-' and '_'",
        },
        "title": dict(text, description="A short name."),
        "objective": dict(text, description="The concrete objective, in a sentence."),
        "owner": dict(text, description="Who proposes the work."),
        "description": {"type": "string", "description": "Free text."},
    }
    for name in RUBRICS:
        rubric = rubrics.rubrics[name]
        properties[name] = {
            "type": ["object", "null"],
            "title": rubric.title,
            "description": rubric.description + " A field left out takes its most cautious reading.",
            "properties": {criterion.id: _criterion_schema(criterion) for criterion in rubric.criteria},
            "patternProperties": _USER_KEYS,
            "additionalProperties": False,
        }
    properties["metrics"] = {
        "type": ["object", "null"],
        "description": "Pilot targets; the pilot's exit criteria use them.",
        "properties": {
            "time_saved_hours_per_week": {
                "type": "number",
                "minimum": 0,
                "maximum": LARGEST_NUMBER,
                "description": "Target hours saved a week.",
            },
            "error_rate": _rate_schema("error rate"),
            "escalation_rate": _rate_schema("escalation rate"),
        },
        "patternProperties": _USER_KEYS,
        "additionalProperties": False,
    }
    properties["evidence"] = evidence_schema([c.id for c in rubrics.rubrics["governance"].criteria])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://decide.invalid/schemas/task.schema.json",
        "title": f"decide task file (rubric set {rubrics.name} {rubrics.version})",
        "type": "object",
        "required": ["version", "title", "objective", *RUBRICS],
        "properties": properties,
        "patternProperties": _USER_KEYS,
        "additionalProperties": False,
    }


def slug(text: str) -> str:
    """A file name made into a task id."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return cleaned or "task"


_NO_ANSWERS = MarkedDict()  # a section left out or empty (read, never changed)


def _rate(raw: Any) -> Rate | None:
    if raw is None:
        return None
    return Rate(raw.get("baseline"), raw.get("target"))


class TaskLoader:
    """Loads task files against one rubric set; build it once, load many files."""

    def __init__(self, rubrics: RubricSet, as_of: datetime.date | None = None) -> None:
        self.rubrics = rubrics
        self.as_of = as_of  # the day evidence is judged on; today (see evidence.today) when not given
        self.evidence = EvidenceReader()
        self.validator = SchemaValidator(task_schema(rubrics), root_name="the task")
        # Each section's (key, answer field, whether it is a whole number), looked up once rather than per file.
        self._fields = [
            (section, [(c.id, c.field, c.type == "integer") for c in rubrics.rubrics[section].criteria])
            for section in RUBRICS
        ]

    def load(self, path: Path | str, shown_as: str | None = None, overrides: Sequence[str] = ()) -> Task:
        """Read and validate a task file; ``overrides`` (``section.field=value``) replace its answers first."""
        name = shown_as or str(path)
        document, data = read_yaml_file(Path(path), name)
        if overrides and isinstance(document, MarkedDict):
            for override in overrides:
                _override(document, override)
        return self._task(document, data, name, Path(path).parent)

    def load_bytes(self, data: bytes, name: str, folder: Path | None = None) -> Task:
        """Validate a task file's content, read elsewhere; ``name`` stands for it in messages, and
        evidence refs are read from ``folder`` (the folder ``name`` is in when not given)."""
        return self._task(parse_yaml(data, name), data, name, Path(name).parent if folder is None else folder)

    def _task(self, document: Any, data: bytes, name: str, folder: Path) -> Task:
        if document is None:
            raise DecideError.at(
                name, "the file is empty: a task file is a YAML mapping (see `decide schema task`)", 1, 1
            )
        if not isinstance(document, MarkedDict):
            raise DecideError.at(
                name, "a task file is a YAML mapping of keys to values (see `decide schema task`)", 1, 1
            )
        dates_as_text(document)
        problems = self.validator.problems(document, name)
        if problems:
            raise DecideError(problems)
        return self.build(document, name, hashlib.sha256(data).hexdigest(), folder)

    def build(self, document: MarkedDict, source: str, sha256: str, folder: Path) -> Task:
        answers: dict[str, Any] = {}
        marks: dict[str, tuple[int, int]] = {}
        for section, fields in self._fields:
            values = document.get(section) or _NO_ANSWERS
            marks[section] = document.key_marks[section]
            key_marks = values.key_marks
            for key, field, whole in fields:
                value = values.get(key)
                if value is not None:
                    # JSON Schema counts 150.0 as a whole number; the report shows it as one.
                    answers[field] = list(value) if isinstance(value, list) else int(value) if whole else value
                    marks[field] = key_marks[key]
        metrics = document.get("metrics") or {}
        evidence = self.evidence.items(document, folder, source)
        dated = any(item.date for items in evidence.values() for item in items)
        return Task(
            id=document.get("id") or slug(Path(source).stem),
            title=document["title"],
            objective=document["objective"],
            owner=document.get("owner"),
            description=document.get("description"),
            answers=answers,
            metrics=Metrics(
                metrics.get("time_saved_hours_per_week"),
                _rate(metrics.get("error_rate")),
                _rate(metrics.get("escalation_rate")),
            ),
            source=source,
            sha256=sha256,
            marks=marks,
            evidence=evidence,
            as_of=(self.as_of or today()) if dated else None,
        )


def _override(document: MarkedDict, override: str) -> None:
    """Set one dotted field of a parsed task file from ``FIELD=VALUE`` (the value read as YAML)."""
    field, equals, text = override.partition("=")
    if not equals or not field.strip():
        raise DecideError.at("--what-if", f"{override!r}: write FIELD=VALUE, such as governance.kill_switch=true")
    *sections, name = field.strip().split(".")
    target = document
    for section in sections:
        if not isinstance(target.get(section), MarkedDict):
            target[section] = MarkedDict(target.start)
        target = target[section]
    target[name] = parse_yaml(text.encode("utf-8"), f"--what-if {field.strip()}")
