"""decide's verdicts on its own schemas agree with the ``jsonschema`` package (Draft 2020-12, stock).

Documents are near-valid: the examples and the bundled rubric files with a few mutations each (a key
dropped, an unknown or misspelt key added, a value replaced by another type, by another field's enum
value or by an edge value, a value nested in a list or a mapping, ...). Each is written as a real YAML
file and loaded the way decide loads it; jsonschema judges the same plain data. JSON cannot write NaN
or the infinities, which decide refuses: the generated values leave them out. Integral floats (3.0)
are whole numbers to every JSON Schema tool, and so to decide.

Then the schemas themselves: every keyword is a JSON Schema 2020-12 keyword (or an ``x-`` annotation),
so nothing in them goes unenforced, and every ``pattern`` holds for the whole string.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema_specifications import REGISTRY

from decide.errors import DecideError
from decide.loading.rubrics import SET_FILES, load_rubrics
from decide.loading.schemas import packaged_schema
from decide.loading.task import TaskLoader, task_schema
from decide.loading.validator import SchemaValidator
from decide.loading.yaml_source import parse_yaml
from tests.conftest import ROOT

LOCATED = re.compile(r"(?P<file>.+?):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): (?P<message>\S.*)")


def _plain(path: Path) -> Any:
    """The file as plain JSON data (no marks), the way jsonschema sees it."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text("utf-8"))))


RUBRICS = load_rubrics()
LOADER = TaskLoader(RUBRICS)
TASK_SCHEMA = task_schema(RUBRICS)
TASK_JSONSCHEMA = jsonschema.Draft202012Validator(TASK_SCHEMA)
EXAMPLES = [_plain(path) for path in sorted((ROOT / "examples").glob("*.yaml"))]

RUBRIC_SCHEMA = packaged_schema("rubric")
RUBRIC_FILES = {stem: _plain(ROOT / "rubrics" / f"{stem}.yaml") for stem in SET_FILES}
SHIPPED_SCHEMAS = {path.name: json.loads(path.read_text("utf-8")) for path in sorted((ROOT / "decide" / "schemas").glob("*.json"))}  # fmt: skip


def _file_schema(stem: str) -> dict[str, Any]:
    # One file's schema as a root of its own, so that "#/$defs/..." references still resolve,
    # without the set schema's own "properties" applying to the file's keys.
    return {key: RUBRIC_SCHEMA[key] for key in ("$schema", "$id", "$defs")} | RUBRIC_SCHEMA["properties"][stem]


RUBRIC_JSONSCHEMA = {stem: jsonschema.Draft202012Validator(_file_schema(stem)) for stem in SET_FILES}


@cache
def _part_validator(stem: str) -> Any:
    return SchemaValidator(RUBRIC_SCHEMA, part=stem)  # type: ignore[call-arg]


def _rubric_file_problems(document: Any, stem: str, name: str) -> list[Any]:
    """decide's schema check of one rubric file (before the set's coherence checks). The one place
    here that names decide's validator: its constructor took the file's part of the set schema as
    ``part`` after the move to jsonschema, and as a third argument of ``problems`` before."""
    if "part" in inspect.signature(SchemaValidator).parameters:
        return list(_part_validator(stem).problems(document, name))
    return list(SchemaValidator(RUBRIC_SCHEMA).problems(document, name, RUBRIC_SCHEMA["properties"][stem]))  # type: ignore[call-arg]


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
    None, True, False, 0, 1, 2, -1, 100, 101, 2**53 - 1, 2**53, 2**70, 0.5, -0.5, 1.5, 99.5, 100.5, 1e-9, 3.0, 150.0,
    -0.0, 1.0, 0.0, 1e300, "", " ", "a", "A", "a b", "x-", "-a", "1abc", "ok-slug", "ok-slug\n", "Self", "none",
    "present", "absent", "yes", "1", "2024-01-01", [], {}, [""], ["a", "a"], {"at_least": "x"},
]  # fmt: skip
KEY_EDGES = ["x-note", "x-", "X-upper", "objectve", "planing", "", " ", "any", "when", "at_least", "text", "<<", "1"]

finite_floats = st.floats(allow_nan=False, allow_infinity=False)  # integral ones (3.0) included
# Edge values are copied: mutations change what they are put in, and a shared list would change later
# draws (hypothesis then fails the run as flaky).
scalars = (
    st.none() | st.booleans() | st.integers(min_value=-3, max_value=2**70) | finite_floats
    | st.text(max_size=6) | st.sampled_from(ENUM_VALUES) | st.sampled_from(EDGE_VALUES).map(copy.deepcopy)
)  # fmt: skip
# A key with a line break in it breaks the one-line message: a known bug, pinned in
# test_rubric_errors.py; keys here leave line breaks out so that the check below finds others.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
keys = (st.sampled_from(KNOWN_KEYS) | st.sampled_from(KEY_EDGES)
        | st.text(max_size=5).filter(lambda key: not any(c in key for c in LINE_BREAKS)))  # fmt: skip
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


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _as_yaml(document: Any) -> bytes:
    """The document as a YAML file; PyYAML reads the file back as the same JSON data."""
    text = yaml.dump(document, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    assert json.dumps(yaml.load(text, Loader=_LOADER)) == json.dumps(document)
    return text.encode("utf-8")


def _assert_located(error: DecideError, name: str | None = None) -> None:
    for problem in error.problems:
        text = str(problem)
        assert LOCATED.fullmatch(text) and (name is None or text.startswith(f"{name}:")), text
        assert len(text.splitlines()) == 1, text  # one problem, one line


def _say(checker: jsonschema.Draft202012Validator, document: Any) -> str:
    return f"jsonschema: {[e.message for e in checker.iter_errors(document)]}\ndocument: {json.dumps(document)[:2000]}"


@pytest.fixture(scope="module")
def task_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tasks")


AGREEMENT = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))  # fmt: skip


@AGREEMENT
@given(data=st.data())
def test_task_files_decide_accepts_are_those_jsonschema_accepts(task_folder: Path, data: st.DataObject) -> None:
    document = _near_valid(data, EXAMPLES)
    path = task_folder / "task.yaml"
    path.write_bytes(_as_yaml(document))
    try:
        LOADER.load(path)
    except DecideError as error:
        _assert_located(error, str(path))
        assert not TASK_JSONSCHEMA.is_valid(document), f"decide refuses: {error}\n{_say(TASK_JSONSCHEMA, document)}"
        return
    assert TASK_JSONSCHEMA.is_valid(document), f"decide accepts\n{_say(TASK_JSONSCHEMA, document)}"


@pytest.fixture(scope="module")
def rubric_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rubrics") / "set"
    shutil.copytree(ROOT / "rubrics", folder, ignore=shutil.ignore_patterns("relaxed", "strict"))
    return folder


@settings(AGREEMENT, max_examples=100)  # each refused file also loads the whole set
@given(data=st.data())
def test_rubric_files_decide_accepts_are_those_jsonschema_accepts(rubric_folder: Path, data: st.DataObject) -> None:
    stem = data.draw(st.sampled_from(SET_FILES), label="file")
    document = _near_valid(data, [RUBRIC_FILES[stem]])
    path = rubric_folder / f"{stem}.yaml"
    try:
        path.write_bytes(_as_yaml(document))
        checker = RUBRIC_JSONSCHEMA[stem]
        expected = checker.is_valid(document)
        problems = _rubric_file_problems(parse_yaml(path.read_bytes(), str(path)), stem, str(path))
        assert bool(problems) != expected, f"decide: {[str(p) for p in problems]}\n{_say(checker, document)}"
        if not expected:  # and the public path refuses the set, naming this file
            with pytest.raises(DecideError) as refused:
                load_rubrics(str(rubric_folder))
            _assert_located(refused.value)
            assert any(problem.path == str(path) for problem in refused.value.problems), refused.value
    finally:
        shutil.copy(ROOT / "rubrics" / f"{stem}.yaml", path)


# --- fixed points -----------------------------------------------------------------------------


def test_the_schemas_are_valid_2020_12_schemas() -> None:
    jsonschema.Draft202012Validator.check_schema(TASK_SCHEMA)
    for schema in SHIPPED_SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_cli_prints_the_task_schema_checked_here() -> None:
    printed = subprocess.run([sys.executable, "-m", "decide", "schema", "task"], capture_output=True, text=True,
                             cwd=ROOT, timeout=60, check=True)  # fmt: skip
    assert json.loads(printed.stdout) == json.loads(json.dumps(TASK_SCHEMA))


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_both_accept_the_examples(index: int) -> None:
    assert TASK_JSONSCHEMA.is_valid(EXAMPLES[index])
    LOADER.load(sorted((ROOT / "examples").glob("*.yaml"))[index])


@pytest.mark.parametrize("stem", SET_FILES)
def test_both_accept_the_bundled_rubric_files(stem: str) -> None:
    path = ROOT / "rubrics" / f"{stem}.yaml"
    assert _rubric_file_problems(parse_yaml(path.read_bytes(), str(path)), stem, str(path)) == []
    assert RUBRIC_JSONSCHEMA[stem].is_valid(RUBRIC_FILES[stem])
    # The wrapper the jsonschema side uses really does validate against this file's schema.
    assert not RUBRIC_JSONSCHEMA[stem].is_valid({"not-a-key-of-any-file": 1})


@pytest.mark.parametrize(("field", "value"), [("systems", "3.0"), ("volume_per_day", "150.0"), ("systems", "0.0")])
def test_integral_floats_are_whole_numbers(tmp_path: Path, field: str, value: str) -> None:
    """As for every JSON Schema tool: 3.0 is an integer."""
    document = copy.deepcopy(EXAMPLES[0])
    document["scope"][field] = float(value)
    assert TASK_JSONSCHEMA.is_valid(document)
    path = tmp_path / "task.yaml"
    path.write_bytes(_as_yaml(document))
    assert f"{field}: {value}" in path.read_text("utf-8")
    LOADER.load(path)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
@pytest.mark.parametrize("field", ["metrics.time_saved_hours_per_week", "metrics.error_rate.target", "scope.systems"])
def test_numbers_json_cannot_write_are_refused(tmp_path: Path, field: str, value: str) -> None:
    """YAML can write .nan and .inf, JSON cannot: decide refuses them where it reads numbers."""
    document = copy.deepcopy(EXAMPLES[0])
    *sections, name = field.split(".")
    target = document
    for section in sections:
        target = target.setdefault(section, {})
    target[name] = "PLACEHOLDER"
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False).replace("PLACEHOLDER", value), encoding="utf-8")
    with pytest.raises(DecideError) as refused:
        LOADER.load(path)
    _assert_located(refused.value, str(path))
    assert len(refused.value.problems) == 1 and name in refused.value.problems[0].message


# --- the schemas themselves ---------------------------------------------------------------------

VOCABULARIES = [uri for uri in REGISTRY if uri.startswith("https://json-schema.org/draft/2020-12/meta/")]
KEYWORDS = {keyword for uri in VOCABULARIES for keyword in REGISTRY.contents(uri).get("properties", {})}
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "dependentSchemas"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
SCHEMA_VALUES = {"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
                 "unevaluatedItems", "unevaluatedProperties", "contentSchema"}  # fmt: skip
ALL_SCHEMAS = {"task (generated)": TASK_SCHEMA, **SHIPPED_SCHEMAS}


def _subschemas(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in a schema, with where it is."""
    if not isinstance(schema, dict):
        return
    yield where, schema
    for keyword, value in schema.items():
        if keyword in SCHEMA_MAPS and isinstance(value, dict):
            for name, inner in value.items():
                yield from _subschemas(inner, f"{where}/{keyword}/{name}")
        elif keyword in SCHEMA_LISTS and isinstance(value, list):
            for index, inner in enumerate(value):
                yield from _subschemas(inner, f"{where}/{keyword}/{index}")
        elif keyword in SCHEMA_VALUES:
            yield from _subschemas(value, f"{where}/{keyword}")


def test_the_vocabularies_are_known() -> None:
    assert len(VOCABULARIES) >= 7 and {"maxItems", "maxLength", "oneOf", "pattern", "$ref", "title"} <= KEYWORDS


@pytest.mark.parametrize("name", sorted(ALL_SCHEMAS))
def test_every_keyword_is_a_2020_12_keyword_or_an_annotation(name: str) -> None:
    """A keyword JSON Schema does not know would be checked by nothing; x- keywords are annotations."""
    found = list(_subschemas(ALL_SCHEMAS[name], "#"))
    assert len(found) > 10
    unknown = [f"{where}: {keyword}" for where, schema in found for keyword in schema
               if keyword not in KEYWORDS and not keyword.startswith("x-")]  # fmt: skip
    assert unknown == []


PATTERNS = sorted({
    (name, schema["pattern"]) for name, root in ALL_SCHEMAS.items() for _, schema in _subschemas(root, "#")
    if isinstance(schema.get("pattern"), str)
})  # fmt: skip


def test_the_schemas_have_patterns() -> None:
    assert any(name == "task (generated)" for name, _ in PATTERNS) and len(PATTERNS) >= 3


@pytest.mark.parametrize(("name", "pattern"), PATTERNS)
@settings(max_examples=15, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data())
def test_a_pattern_holds_for_the_whole_string(name: str, pattern: str, data: st.DataObject) -> None:
    """A valid value with a line break after it is not valid (Python's $ matches before a final newline)."""
    checker = jsonschema.Draft202012Validator({"type": "string", "pattern": pattern})
    value = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda text: not text.endswith("\n")))
    assert checker.is_valid(value)
    assert not checker.is_valid(value + "\n"), f"{name}: {pattern!r} accepts {value + chr(10)!r}"
