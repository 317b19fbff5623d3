"""Answers written into the file they came from (`decide ask --from`): for every example and every question,
a changed answer changes that field alone, and the file reads back, with the project's own loader, as intended."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decide.loading.edit import Change, EditFailed, edited
from decide.loading.task import TaskLoader
from decide.loading.yaml_source import parse_yaml
from decide.questionnaire import Question, answers_from, nullable, saved_text, task_file
from tests.conftest import ROOT
from tests.test_ask import QUESTIONS, RUBRICS

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
LOADER = TaskLoader(RUBRICS)


def _another(question: Question, current: Any) -> Any:
    """A valid answer other than ``current``."""
    if question.choices:
        return next(value for value, _ in question.choices if value != current or type(value) is not type(current))
    return {"integer": 7, "number": 3.5, "rate": 0.25, "list": ["A", "B"]}.get(question.kind, "Changed text")


def _save(text: str, answers: dict[str, Any], draft: bool = False) -> str:
    saved, kept = saved_text(text, parse_yaml(text.encode(), "t"), QUESTIONS, answers, RUBRICS, draft=draft)
    assert kept, "the file's layout was not kept"
    return saved


def _changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [line[2:] for line in diff if line.startswith("- ")], [line[2:] for line in diff if line.startswith("+ ")]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_each_changed_answer_changes_its_field_alone(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    given = answers_from(parse_yaml(text.encode(), "t"), QUESTIONS)
    assert _save(text, given) == text  # nothing changed: not a byte
    for question in QUESTIONS:
        answers = {**given, question.key: _another(question, given.get(question.key))}
        saved = _save(text, answers)
        task = LOADER.load_bytes(saved.encode(), example.name)
        expected = dict(LOADER.load_bytes(text.encode(), example.name).answers)
        if question.key.startswith("metrics."):
            assert answers_from(parse_yaml(saved.encode(), "t"), QUESTIONS) == answers
        elif question.key in ("title", "objective", "owner"):
            assert getattr(task, question.key) == answers[question.key]
        else:
            expected[question.key] = answers[question.key]
            assert task.answers == expected
        removed, added = _changed_lines(text, saved)
        assert len(removed) <= 1, (question.key, removed)  # the field's own line, or none when it is added
        assert len(added) <= 3, (question.key, added)  # it, and any mappings it needs (metrics.error_rate)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_not_sure_and_left_empty(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    given = answers_from(parse_yaml(text.encode(), "t"), QUESTIONS)
    for question in QUESTIONS:
        if question.key not in given or question.required:
            continue
        saved = _save(text, {**given, question.key: None})
        document = parse_yaml(saved.encode(), "t")
        LOADER.load_bytes(saved.encode(), example.name)  # still a valid task file
        reread = answers_from(document, QUESTIONS)
        if nullable(question):  # says null: "not sure" reads back as "not sure"
            assert question.key in reread and reread[question.key] is None
        else:  # owner and metrics take no null: the field goes
            assert question.key not in reread


def test_a_draft_says_not_sure_and_left_empty_so_that_both_read_back() -> None:
    answers: dict[str, Any] = {"title": "T", "objective": "O.", "owner": None, "autonomy.initiation": None}
    draft = task_file(QUESTIONS, answers, RUBRICS, draft=True)
    assert answers_from(parse_yaml(draft.encode(), "t"), QUESTIONS) == answers
    # Answered later: each over its placeholder, and the list of empty answers goes from the finished file.
    finished = {question.key: _another(question, None) for question in QUESTIONS} | answers
    final = _save(draft, finished)
    assert "not answered yet" not in final and "x-decide-ask-left-empty" not in final
    assert final.startswith("# Written by `decide ask`")
    reread = answers_from(parse_yaml(final.encode(), "t"), QUESTIONS)
    assert reread == {key: value for key, value in finished.items() if key != "owner"}  # a task file has no owner
    task = LOADER.load_bytes(final.encode(), "t.yaml")
    assert "autonomy.initiation" not in task.answers and task.answers["autonomy.planning"] == "single-step"
    assert final.index("  planning:") < final.index("  decisions:")  # in question order, under their questions


def test_fields_go_into_empty_and_null_sections_and_flow_mappings() -> None:
    text = "version: 1\ntitle: T\nobjective: O.\nautonomy:\nscope: null\ndata_access: {}\ngovernance: ~\n" \
           "metrics: {error_rate: {target: 0.1}}\n"  # fmt: skip
    answers = answers_from(parse_yaml(text.encode(), "t"), QUESTIONS)
    answers |= {"autonomy.planning": "multi-step", "scope.systems": 2, "data_access.write": "own",
                "governance.kill_switch": True, "metrics.error_rate.baseline": 0.2}  # fmt: skip
    saved = _save(text, answers)
    assert answers_from(parse_yaml(saved.encode(), "t"), QUESTIONS) == answers
    assert "autonomy:\n  planning: \"multi-step\"\n" in saved and "metrics: {error_rate: {target: 0.1, baseline: 0.2}}"
    LOADER.load_bytes(saved.encode(), "t.yaml")


def test_an_edit_that_would_not_read_back_as_intended_is_refused() -> None:
    # The anchor's value is also the alias's: changing it in place would change both.
    text = "a: &same 1\nb: *same\nc: 1\n"
    for field in ("a", "b"):
        with pytest.raises(EditFailed):
            edited(text, {(field,): Change(2)}, "t")
    assert edited(text, {("c",): Change(2)}, "t") == "a: &same 1\nb: *same\nc: 2\n"


def test_a_file_that_cannot_be_edited_in_place_keeps_its_id_description_and_own_keys() -> None:
    # The scope is an alias of the anchor in an own key: the scope's answers cannot change without that key.
    text = "version: 1\nid: mine\ndescription: Kept.\nx-defaults: &s {systems: 1}\ntitle: T\nobjective: O.\n" \
           "autonomy: {}\nscope: *s\ndata_access: {}\ngovernance: {}\n"  # fmt: skip
    document = parse_yaml(text.encode(), "t")
    answers = answers_from(document, QUESTIONS)
    assert saved_text(text, document, QUESTIONS, answers, RUBRICS) == (text, True)
    saved, kept = saved_text(text, document, QUESTIONS, answers | {"scope.systems": 2}, RUBRICS)
    assert not kept
    task = LOADER.load_bytes(saved.encode(), "t.yaml")
    assert (task.id, task.description, task.answers["scope.systems"]) == ("mine", "Kept.", 2)
    assert parse_yaml(saved.encode(), "t")["x-defaults"] == {"systems": 1}


def test_a_section_the_file_leaves_out_is_added_so_that_the_file_is_valid() -> None:
    text = "version: 1\ntitle: T\nobjective: O.\nowner: X\nscope:\n  systems: 2\n# the end\n"
    document = parse_yaml(text.encode(), "t")
    answers = answers_from(document, QUESTIONS) | {"data_access.write": "own"}
    saved = _save(text, answers)
    task = LOADER.load_bytes(saved.encode(), "t.yaml")
    assert task.answers == {"scope.systems": 2, "data_access.write": "own"}
    assert saved.startswith("version: 1\ntitle: T\nobjective: O.\nowner: X\nautonomy: null\nscope:\n  systems: 2\n")
    assert saved.endswith("data_access:\n  write: \"own\"\ngovernance: null\n# the end\n")


def test_windows_line_breaks_stay_windows_line_breaks() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8").replace("\n", "\r\n")
    answers = answers_from(parse_yaml(text.encode(), "t"), QUESTIONS) | {"governance.kill_switch": True}
    saved = _save(text, answers | {"metrics.time_saved_hours_per_week": 9})
    assert saved.count("\n") == saved.count("\r\n") and "kill_switch: true" in saved
    assert LOADER.load_bytes(saved.encode(), "t.yaml").answers["governance.kill_switch"] is True


def _value(question: Question, draw: Any) -> Any:
    """Any answer the question takes, or None ("not sure", nothing)."""
    options: list[Any] = [None]
    if question.choices:
        options += [value for value, _ in question.choices]
    else:
        options.append({"integer": 12, "number": 0.5, "rate": 0.125, "list": ["GDPR"]}.get(question.kind, "Text"))
    if question.required:
        options.remove(None)
    return draw(st.sampled_from(options))


@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data(), example=st.sampled_from([*EXAMPLES, None]), draft=st.booleans())
def test_any_set_of_answers_reads_back_from_any_example(data: st.DataObject, example: Path | None,
                                                         draft: bool) -> None:  # fmt: skip
    """Many changes at once, into examples and into ask's own drafts (None): each reads back as given."""
    if example is None:
        start = {q.key: _value(q, data.draw) for q in QUESTIONS if data.draw(st.booleans()) or q.required}
        text = task_file(QUESTIONS, start, RUBRICS, draft=True)
    else:
        text = example.read_text(encoding="utf-8")
    given_answers = answers_from(parse_yaml(text.encode(), "t"), QUESTIONS)
    changed = {q.key: _value(q, data.draw) for q in QUESTIONS if data.draw(st.booleans())}
    answers = given_answers | changed
    saved = _save(text, answers, draft=draft)
    reread = answers_from(parse_yaml(saved.encode(), "t"), QUESTIONS)
    for question in QUESTIONS:
        key = question.key
        if answers.get(key) is not None or key not in answers:
            assert reread.get(key, "absent") == answers.get(key, "absent"), key
        elif draft or (nullable(question) and key in given_answers):  # "not sure" a draft (or a null) keeps
            assert key in reread and reread[key] is None, key
        else:  # a task file says "not sure" by leaving the field out, where it was not there
            assert reread.get(key) is None, key
    if not draft:
        LOADER.load_bytes(saved.encode(), "t.yaml")  # a valid task file
