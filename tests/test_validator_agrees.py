"""decide's own JSON Schema validator agrees with the ``jsonschema`` package on decide's schemas.

Documents are near-valid: the examples and the bundled rubric files with a few mutations each
(a key dropped, an unknown or misspelt key added, a value replaced by another type, by another
field's enum value or by an edge value, a value nested in a list or a mapping, ...).

decide's validator is documented as stricter on integers (``3.0`` is not one) and it rejects
non-finite numbers, which JSON cannot express; the generated values avoid both, and both
differences are pinned by explicit tests at the end.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decide.loading.rubrics import SET_FILES, load_rubrics
from decide.loading.schemas import packaged_schema
from decide.loading.task import task_schema
from decide.loading.validator import SchemaValidator
from tests.conftest import ROOT


def _plain(path: Path) -> Any:
    """The file as plain JSON data (no marks), the way jsonschema sees it."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text("utf-8"))))


TASK_SCHEMA = task_schema(load_rubrics())
TASK_DECIDE = SchemaValidator(TASK_SCHEMA)
TASK_JSONSCHEMA = jsonschema.Draft202012Validator(TASK_SCHEMA)
EXAMPLES = [_plain(path) for path in sorted((ROOT / "examples").glob("*.yaml"))]

RUBRIC_SCHEMA = packaged_schema("rubric")
RUBRIC_DECIDE = SchemaValidator(RUBRIC_SCHEMA)
RUBRIC_FILES = {stem: _plain(ROOT / "rubrics" / f"{stem}.yaml") for stem in SET_FILES}


def _file_schema(stem: str) -> dict[str, Any]:
    # One file's schema as a root of its own, so that "#/$defs/..." references still resolve,
    # without the set schema's own "properties" applying to the file's keys.
    return {key: RUBRIC_SCHEMA[key] for key in ("$schema", "$id", "$defs")} | RUBRIC_SCHEMA["properties"][stem]


RUBRIC_JSONSCHEMA = {stem: jsonschema.Draft202012Validator(_file_schema(stem)) for stem in SET_FILES}


def _collect(schema: Any, keys: set[str], enums: list[Any]) -> None:
    if isinstance(schema, dict):
        for name, value in schema.items():
            if name in ("properties", "$defs", "patternProperties") and isinstance(value, dict):
                keys.update(value)
            if name == "enum":
                enums.extend(value)
            _collect(value, keys, enums)
    elif isinstance(schema, list):
        for item in schema:
            _collect(item, keys, enums)


_KEYS: set[str] = set()
_ENUMS: list[Any] = []
_collect(TASK_SCHEMA, _KEYS, _ENUMS)
_collect(RUBRIC_SCHEMA, _KEYS, _ENUMS)
for _document in [*EXAMPLES, *RUBRIC_FILES.values()]:
    _collect({"properties": _document} if isinstance(_document, dict) else {}, _KEYS, _ENUMS)
KNOWN_KEYS = sorted(_KEYS - {"^x-"})
ENUM_VALUES = list({json.dumps(v): v for v in _ENUMS}.values())

EDGE_VALUES: list[Any] = [
    None, True, False, 0, 1, 2, -1, 100, 101, 2**70, 0.5, -0.5, 1.5, 99.5, 100.5, 1e-9,
    "", " ", "a", "A", "a b", "x-", "-a", "1abc", "ok-slug", "Self", "none", "present", "absent",
    [], {}, [""], ["a", "a"], {"at_least": "x"},
]
KEY_EDGES = ["x-note", "x-", "X-upper", "objectve", "planing", "", " ", "any", "when", "at_least", "text"]

finite_non_integral = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
# Edge values are copied: mutations change what they are put in, and a shared list would change later
# draws (hypothesis then fails the run as flaky).
scalars = (
    st.none() | st.booleans() | st.integers(min_value=-3, max_value=2**70) | finite_non_integral
    | st.text(max_size=6) | st.sampled_from(ENUM_VALUES) | st.sampled_from(EDGE_VALUES).map(copy.deepcopy)
)
# A key with a line break in it breaks the one-line message: a known bug, pinned in
# test_rubric_errors.py; keys here leave line breaks out so that the check below finds others.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
keys = (st.sampled_from(KNOWN_KEYS) | st.sampled_from(KEY_EDGES)
        | st.text(max_size=5).filter(lambda key: not any(c in key for c in LINE_BREAKS)))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=6,
)

MUTATIONS = ["delete", "add-key", "replace", "enum", "edge", "wrap-list", "wrap-map", "null", "repeat-item"]


def _locations(value: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in the document."""
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            _locations(item, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _locations(item, found)
    return found


def _mutate(document: Any, data: st.DataObject) -> Any:
    holder = {"root": document}
    locations = [(holder, "root"), *_locations(document, [])]
    parent, key = data.draw(st.sampled_from(locations), label="where")
    current = parent[key]
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    if kind == "delete" and parent is not holder:
        del parent[key]
    elif kind == "add-key" and isinstance(current, dict):
        current[data.draw(keys, label="key")] = data.draw(json_values, label="value")
    elif kind == "repeat-item" and isinstance(current, list) and current:
        current.append(copy.deepcopy(data.draw(st.sampled_from(current), label="item")))
    elif kind == "enum":
        parent[key] = data.draw(st.sampled_from(ENUM_VALUES), label="enum value")
    elif kind == "edge":
        parent[key] = copy.deepcopy(data.draw(st.sampled_from(EDGE_VALUES), label="edge value"))
    elif kind == "wrap-list":
        parent[key] = [current]
    elif kind == "wrap-map":
        parent[key] = {data.draw(keys, label="key"): current}
    elif kind == "null":
        parent[key] = None
    else:
        parent[key] = data.draw(json_values, label="value")
    return holder["root"]


def _near_valid(data: st.DataObject, bases: list[Any]) -> Any:
    document = copy.deepcopy(data.draw(st.sampled_from(bases), label="base"))
    for _ in range(data.draw(st.integers(min_value=0, max_value=3), label="mutations")):
        document = _mutate(document, data)
    return document


def _assert_agree(decide: SchemaValidator, checker: jsonschema.Draft202012Validator, document: Any,
                  schema: dict[str, Any] | None = None) -> None:
    problems = decide.problems(document, "x", schema)
    expected = list(checker.iter_errors(document))
    # The compiled yes/no predicate and the explaining walk must agree too.
    assert decide.is_valid(document, schema) == (not decide.explain(document, "x", schema))
    assert bool(problems) == bool(expected), (
        f"decide: {[str(p) for p in problems]}\njsonschema: {[e.message for e in expected]}\n"
        f"document: {json.dumps(document)[:2000]}"
    )
    for problem in problems:
        assert len(problem.message.splitlines()) == 1, problem  # one problem, one line


AGREEMENT = settings(max_examples=400, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@AGREEMENT
@given(data=st.data())
def test_task_schema_agrees_with_jsonschema(data: st.DataObject) -> None:
    _assert_agree(TASK_DECIDE, TASK_JSONSCHEMA, _near_valid(data, EXAMPLES))


@AGREEMENT
@given(data=st.data())
def test_rubric_schema_agrees_with_jsonschema(data: st.DataObject) -> None:
    stem = data.draw(st.sampled_from(SET_FILES), label="file")
    document = _near_valid(data, [RUBRIC_FILES[stem]])
    _assert_agree(RUBRIC_DECIDE, RUBRIC_JSONSCHEMA[stem], document, RUBRIC_SCHEMA["properties"][stem])


# --- fixed points -----------------------------------------------------------------------------


def test_the_schemas_are_valid_2020_12_schemas() -> None:
    jsonschema.Draft202012Validator.check_schema(TASK_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(RUBRIC_SCHEMA)


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_both_accept_the_examples(index: int) -> None:
    assert TASK_DECIDE.problems(EXAMPLES[index], "x") == []
    assert TASK_JSONSCHEMA.is_valid(EXAMPLES[index])


@pytest.mark.parametrize("stem", SET_FILES)
def test_both_accept_the_bundled_rubric_files(stem: str) -> None:
    assert RUBRIC_DECIDE.problems(RUBRIC_FILES[stem], "x", RUBRIC_SCHEMA["properties"][stem]) == []
    assert RUBRIC_JSONSCHEMA[stem].is_valid(RUBRIC_FILES[stem])
    # The wrapper the jsonschema side uses really does validate against this file's schema.
    assert not RUBRIC_JSONSCHEMA[stem].is_valid({"not-a-key-of-any-file": 1})


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [("scope", "systems", 3.0), ("scope", "volume_per_day", 150.0)],
)
def test_documented_difference_integral_floats(section: str, field: str, value: float) -> None:
    """decide is stricter: a float with an integral value is not a whole number."""
    document = copy.deepcopy(EXAMPLES[0])
    document[section][field] = value
    assert TASK_JSONSCHEMA.is_valid(document)
    problems = TASK_DECIDE.problems(document, "x")
    assert len(problems) == 1 and f"{section}.{field}: expected a whole number" in problems[0].message


def test_documented_difference_non_finite_numbers() -> None:
    """YAML can write .nan, JSON cannot; decide rejects it where jsonschema has no say. (.inf is
    past every maximum, so both reject it.)"""
    for value, jsonschema_accepts in ((float("nan"), True), (float("inf"), False)):
        document = copy.deepcopy(EXAMPLES[0])
        document.setdefault("metrics", {})["time_saved_hours_per_week"] = value
        assert TASK_JSONSCHEMA.is_valid(document) is jsonschema_accepts
        problems = TASK_DECIDE.problems(document, "x")
        assert len(problems) == 1 and "metrics.time_saved_hours_per_week" in problems[0].message
