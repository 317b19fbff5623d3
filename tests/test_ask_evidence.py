"""`decide ask` asks for the evidence the rubrics want for the work as answered, through a real pseudo-terminal,
checks each path as the loader does, and writes the items into the file, where `decide evaluate` reads them."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from decide.loading.task import TaskLoader
from decide.loading.yaml_source import parse_yaml
from decide.questionnaire import answers_from, saved_text, task_file
from tests.conftest import ROOT
from tests.test_ask import DOWN, ENTER, QUESTIONS, RUBRICS, Person

EXAMPLE = ROOT / "examples" / "inventory-replenishment.yaml"
TODAY = datetime.date(2026, 12, 5)
ROLLBACK = '  rollback:\n    - {ref: evidence/inventory-replenishment/rollback-runbook.md, date: "2026-11-12", ' \
           "note: rehearsed in staging}\n"  # fmt: skip
KILL_SWITCH = '  kill_switch:\n    - {ref: evidence/inventory-replenishment/kill-switch-test.md, date: "2026-11-12"}\n'


@pytest.fixture(autouse=True)
def _judged_on_a_fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' evidence is dated: judge it, and default a new item's date, on one day."""
    epoch = datetime.datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=datetime.UTC).timestamp()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(epoch)))


def _repository(tmp_path: Path) -> Path:
    """A repository holding the example without the evidence of its rollback and kill switch, and two files
    that can back them."""
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    shutil.copytree(ROOT / "examples" / "evidence", repository / "evidence")
    text = EXAMPLE.read_text(encoding="utf-8")
    assert ROLLBACK in text and KILL_SWITCH in text
    (repository / "task.yaml").write_text(text.replace(ROLLBACK, "").replace(KILL_SWITCH, ""), encoding="utf-8")
    (repository / "evidence" / "rollback-drill.md").write_text("Rolled back in staging.\n", encoding="utf-8")
    (repository / "evidence" / "kill-switch.md").write_text("Stopped in 40 seconds.\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text("Not in the repository.\n", encoding="utf-8")
    return repository


def _to_saving(person: Person) -> None:
    """From a file that answers every question, through the summary, to saving (where evidence is asked)."""
    person.child.expect(f"All {len(QUESTIONS)} questions are answered")
    person.pick(0)
    person.child.expect("pick one to change it")
    person.pick(0)


def _said(person: Person, message: str) -> None:
    """A validation message under the entry: the terminal redraws only what changed, so a space may come as a
    cursor move."""
    person.child.expect(r"(?:\s|\x1b\[[0-9;?]*[A-Za-z])+".join(map(re.escape, message.split())))


def _item(person: Person, ref: str, date: str, note: str = "") -> None:
    """One item, each entry typed once its question shows."""
    for question, typed in (("Where is the evidence", ref), ("When was it last verified", date),
                            ("What does it show", note)):  # fmt: skip
        person.child.expect(question)
        person.type(typed)


def _report(path: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "decide", "evaluate", str(path), "-f", "json"],
                            capture_output=True, text=True, check=False, cwd=ROOT)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {entry["control"]: entry for entry in json.loads(result.stdout)["evidence"]["controls"]}


def test_a_high_risk_task_is_asked_for_the_evidence_it_lacks_and_the_file_carries_it(tmp_path: Path) -> None:
    repository = _repository(tmp_path)
    before = (repository / "task.yaml").read_text(encoding="utf-8")
    assert {c: e["status"] for c, e in _report(repository / "task.yaml").items() if e["status"] != "evidenced"} == {
        "rollback": "missing", "kill_switch": "missing"}  # fmt: skip
    person = Person("--from", "task.yaml", cwd=repository)
    _to_saving(person)
    person.child.expect("Evidenced already: human_approval, audit_log, monitoring, escalation, access")
    person.child.expect("Evidence for rollback: claimed, with no evidence \\(blocking\\)")
    person.child.expect("Evidence 1/2")
    person.pick(0)  # add an item
    person.child.expect("Where is the evidence for rollback?")
    person.type("../outside.md")
    _said(person, "leads outside the repository")  # said under the entry, which is asked again
    person.type("\x15evidence")
    _said(person, "not a file but a folder")
    person.type("\x15evidence/rollback-drill.md")
    person.child.expect("When was it last verified?")
    person.type("\x152026-12-31")
    _said(person, "after today (2026-12-05)")
    person.type("\x152026-11-31")
    _said(person, "day of the calendar, written YYYY-MM-DD")  # "a" stands from the message before
    person.type("\x152026-11-28")
    person.child.expect("What does it show?")
    person.type("rehearsed with the on-call team")
    person.child.expect("rollback: evidence/rollback-drill.md added")
    person.pick(0)  # next
    person.child.expect("Evidence for kill_switch")
    person.child.expect("Evidence 2/2")
    person.pick(0)
    _item(person, "https://wiki.example.com/kill-switch-drill", "")  # a URL: never fetched; verified today
    person.child.expect("kill_switch: https://wiki.example.com/kill-switch-drill added")
    person.child.send(DOWN + ENTER)  # another item
    _item(person, "evidence/kill-switch.md", "\x152026-11-30")
    person.child.expect("kill_switch: evidence/kill-switch.md added")
    person.pick(0)
    person.child.expect("Write your answers into task.yaml?")
    person.child.send("y")
    person.child.expect("Saved task.yaml")
    assert person.finish() == 0

    after = (repository / "task.yaml").read_text(encoding="utf-8")
    assert after.startswith(before[: before.index("  escalation:\n    - ")])  # comments and all, as it was
    assert '  rollback:\n    - {ref: "evidence/rollback-drill.md", date: "2026-11-28", ' \
           'note: "rehearsed with the on-call team"}\n' in after  # fmt: skip
    assert '  kill_switch:\n    - {ref: "https://wiki.example.com/kill-switch-drill", date: "2026-12-05"}\n' \
           '    - {ref: "evidence/kill-switch.md", date: "2026-11-30"}\n' in after  # fmt: skip
    assert after.index("  escalation:\n") < after.index("  rollback:\n") < after.index("  access:\n")
    task = TaskLoader(RUBRICS).load(repository / "task.yaml")
    assert [(item.ref, item.date, item.note) for item in task.evidence["rollback"]] == [
        ("evidence/rollback-drill.md", datetime.date(2026, 11, 28), "rehearsed with the on-call team")
    ]
    report = _report(repository / "task.yaml")
    assert {control: entry["status"] for control, entry in report.items()} == dict.fromkeys(report, "evidenced")
    assert report["kill_switch"]["items"][0]["url"] is True and len(report) == 10


def test_skipping_leaves_the_file_as_it_was_and_a_stop_keeps_the_evidence_given_in_the_draft(tmp_path: Path) -> None:
    repository = _repository(tmp_path)
    before = (repository / "task.yaml").read_bytes()
    person = Person("--from", "task.yaml", cwd=repository)
    _to_saving(person)
    person.child.expect("Evidence for rollback")
    person.pick(1)  # skip: no evidence yet
    person.child.expect("Evidence for kill_switch")
    person.pick(0)
    _item(person, "evidence/kill-switch.md", "")
    person.child.expect("kill_switch: evidence/kill-switch.md added")
    person.child.sendcontrol("c")
    person.child.expect("saved in task.draft.yaml")
    assert person.finish() == 130
    assert (repository / "task.yaml").read_bytes() == before
    draft = TaskLoader(RUBRICS).load(repository / "task.draft.yaml")
    assert [item.ref for item in draft.evidence["kill_switch"]] == ["evidence/kill-switch.md"]
    assert "rollback" not in draft.evidence


def test_a_task_that_needs_no_evidence_is_not_asked_for_any(tmp_path: Path) -> None:
    # Low risk: every question answered with its first option, a reading assistant with one system.
    answers = {question.key: question.choices[0][0] for question in QUESTIONS if question.choices}
    answers |= {"title": "Invoice matching", "objective": "Match invoices.", "owner": "Finance", "scope.systems": 1,
                "scope.volume_per_day": 10, "data_access.regulations": [], "governance.owner": "Finance"}  # fmt: skip
    answers |= {question.key: 0.1 for question in QUESTIONS if question.key.startswith("metrics.")}
    text = task_file(QUESTIONS, answers, RUBRICS)
    (tmp_path / ".git").mkdir()
    (tmp_path / "low.yaml").write_text(text, encoding="utf-8")
    assert not [entry for entry in _report(tmp_path / "low.yaml").values() if entry["requirement"]]
    person = Person("--from", "low.yaml", cwd=tmp_path)
    _to_saving(person)
    person.child.expect("No answer changed: low.yaml is as it was")
    assert "Evidence" not in (person.child.before or "")
    assert person.finish() == 0
    assert (tmp_path / "low.yaml").read_text(encoding="utf-8") == text


def test_evidence_goes_into_a_new_file_and_after_the_items_a_file_lists_and_reads_back() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    document = parse_yaml(text.encode(), "t")
    answers = answers_from(document, QUESTIONS)
    new = {"limits": [{"ref": "https://example.com/caps", "date": "2026-12-01", "note": "caps: 5k a day"}],
           "review": [{"ref": "evidence/inventory-replenishment/quarterly-review.md", "date": "2026-12-02"}]}  # fmt: skip
    loader = TaskLoader(RUBRICS)
    fresh = task_file(QUESTIONS, answers, RUBRICS, evidence=new)
    saved, kept = saved_text(text, document, QUESTIONS, answers, RUBRICS, evidence=new)
    assert kept
    for written, listed in ((fresh, {}), (saved, loader.load(EXAMPLE).evidence)):
        task = loader.load_bytes(written.encode(), str(EXAMPLE))
        for control, items in new.items():
            assert [(i.ref, i.date.isoformat() if i.date else None, i.note) for i in task.evidence[control]] == [
                *((i.ref, i.date.isoformat() if i.date else None, i.note) for i in listed.get(control, ())),
                *((item["ref"], item["date"], item.get("note")) for item in items)]  # fmt: skip
        assert task.answers == loader.load(EXAMPLE).answers
    assert [line for line in text.splitlines() if line not in saved.splitlines()] == []  # every line kept
    assert '    - {ref: "https://example.com/caps", date: "2026-12-01", note: "caps: 5k a day"}' in fresh


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda path: path.stem)
def test_an_item_for_every_control_goes_into_every_example_and_reads_back(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    document = parse_yaml(text.encode(), "t")
    new = {control.id: [{"ref": f"https://example.com/{control.id}", "date": "2026-12-01"}]
           for control in RUBRICS.tables.controls}  # fmt: skip
    saved, kept = saved_text(text, document, QUESTIONS, answers_from(document, QUESTIONS), RUBRICS, evidence=new)
    assert kept
    assert [line for line in text.splitlines() if line not in saved.splitlines()] == []  # every line kept
    loader = TaskLoader(RUBRICS)
    listed, task = loader.load(example).evidence, loader.load_bytes(saved.encode(), str(example))
    assert {control: [item.ref for item in items] for control, items in task.evidence.items()} == {
        control: [*(item.ref for item in listed.get(control, ())), f"https://example.com/{control}"] for control in new
    }


@pytest.mark.parametrize(
    "section",
    ["evidence:\n", "evidence: null\n", "evidence: {}\n", "evidence:\n  rollback: [{ref: old.md}]\n",
     "evidence: {rollback: [], x-own: 1}\n", "evidence:\n  rollback:\n  - {ref: old.md, date: 2026-01-02}  # ours\n"],
)  # fmt: skip
def test_evidence_goes_into_any_way_of_writing_the_section(section: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text[: text.index("# What backs")] + section + text[text.index("metrics:") :]
    document = parse_yaml(text.encode(), "t")
    new = {"rollback": [{"ref": "https://example.com/drill", "date": "2026-12-01"}]}
    saved, kept = saved_text(text, document, QUESTIONS, answers_from(document, QUESTIONS), RUBRICS, evidence=new)
    assert kept
    items = TaskLoader(RUBRICS).load_bytes(saved.encode(), "t.yaml").evidence["rollback"]
    assert [item.ref for item in items] == [*(["old.md"] if "old.md" in section else []), "https://example.com/drill"]
    assert "# ours" in saved or "# ours" not in section


def test_a_file_that_cannot_be_edited_in_place_keeps_its_evidence_and_gets_the_new() -> None:
    # The scope is an alias of an anchor in an own key: the file is written anew, its own keys carried over.
    text = "version: 1\nx-defaults: &s {systems: 1}\ntitle: T\nobjective: O.\nautonomy: {}\nscope: *s\n" \
           "data_access: {}\ngovernance: {rollback: manual}\nevidence:\n  rollback:\n    - {ref: a.md}\n"  # fmt: skip
    document = parse_yaml(text.encode(), "t")
    answers = answers_from(document, QUESTIONS) | {"scope.systems": 2}
    new = {"rollback": [{"ref": "https://example.com/b", "date": "2026-12-01"}],
           "kill_switch": [{"ref": "https://example.com/c", "date": "2026-12-01", "note": "drill"}]}  # fmt: skip
    saved, kept = saved_text(text, document, QUESTIONS, answers, RUBRICS, evidence=new)
    assert not kept
    task = TaskLoader(RUBRICS).load_bytes(saved.encode(), "t.yaml")
    assert [item.ref for item in task.evidence["rollback"]] == ["a.md", "https://example.com/b"]
    assert [(item.ref, item.note) for item in task.evidence["kill_switch"]] == [("https://example.com/c", "drill")]
