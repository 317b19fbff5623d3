"""`decide ask` driven through a real pseudo-terminal, keystroke by keystroke, as a person would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from decide.cli.ask import NO_MORE_EVIDENCE
from decide.engine import evaluate
from decide.loading.rubrics import load_rubrics
from decide.loading.task import TaskLoader
from decide.questionnaire import Question, questions
from tests.conftest import ROOT, rubrics_with_red_team

DOWN, UP, ENTER = "\x1b[B", "\x1b[A", "\r"
RUBRICS = load_rubrics()
QUESTIONS = questions(RUBRICS)


class Person:
    """Answers the questionnaire in a pseudo-terminal."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.child = pexpect.spawn(
            sys.executable, ["-m", "decide", "ask", *args], cwd=str(cwd), encoding="utf-8", timeout=15,
            dimensions=(50, 160),
            # A pseudo-terminal never answers prompt_toolkit's cursor-position request: don't make it wait.
            env={**os.environ, "TERM": "xterm", "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"},
        )  # fmt: skip

    def reaches(self, question: Question) -> None:
        self.child.expect(re.escape(question.text[:40]))
        self.child.expect(re.escape(f"{question.section} {question.position}/{question.of}"))

    def pick(self, downs: int = 0) -> None:
        self.child.send(DOWN * downs + ENTER)

    def pick_last(self) -> None:
        self.child.send(UP + ENTER)  # the list wraps around: up from the top is the last choice

    def type(self, text: str) -> None:
        self.child.send(text + ENTER)

    def answer(self, question: Question, plan: dict[str, object], *, from_not_sure: bool = False) -> None:
        """Answer by the plan: an option index, text to type, or the first option / nothing. ``from_not_sure``:
        the cursor starts on "Not sure" (a question a file left unanswered), just below the last option."""
        self.reaches(question)
        planned = plan.get(question.key)
        if question.choices:
            index = planned if isinstance(planned, int) else 0
            if from_not_sure:
                self.child.send(UP * (len(question.choices) - index) + ENTER)
            else:
                self.pick(index)
        else:
            # A --from default is already in the field: Enter keeps it, typed text replaces it.
            self.type("" if planned is None else "\x15" + str(planned))  # Ctrl-U clears the line first

    def save(self, then: str) -> None:
        """Save on the summary, until ``then`` shows; where the work needs evidence, give none (its own tests do)."""
        self.child.expect("pick one to change it")
        self.pick(0)
        if self.child.expect([re.escape(NO_MORE_EVIDENCE), then]) == 0:
            self.pick_last()
            self.child.expect(then)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF, timeout=30)
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)


LOW_RISK = {
    "title": "Invoice matching", "objective": "Match supplier invoices to purchase orders.", "owner": "",
    "scope.systems": "1", "scope.volume_per_day": "10", "data_access.regulations": "none",
    "governance.owner": "Finance operations",
}  # fmt: skip


def test_answer_everything_go_back_change_on_summary_and_save(tmp_path: Path) -> None:
    person = Person("-o", "invoice.yaml", cwd=tmp_path)
    for number, question in enumerate(QUESTIONS):
        if question.key == "autonomy.planning":
            person.reaches(question)
            person.pick_last()  # ← Back, to the first autonomy question
            person.answer(QUESTIONS[number - 1], LOW_RISK)
        person.answer(question, LOW_RISK)
    # The summary: change governance.limits from none to policy, a control this task lacks.
    person.child.expect("pick one to change it")
    limits = next(n for n, q in enumerate(QUESTIONS) if q.key == "governance.limits")
    person.pick(limits + 1)
    person.reaches(QUESTIONS[limits])
    person.pick(1)  # policy
    person.child.expect("pick one to change it")
    person.pick(0)  # save
    person.child.expect("Saved invoice.yaml")
    person.child.expect("Governance gaps")
    assert person.finish() == 0

    text = (tmp_path / "invoice.yaml").read_text(encoding="utf-8")
    assert "  # What starts each run of the work?\n  initiation: \"user\"" in text
    assert 'limits: "policy"' in text and "regulations: []" in text
    task = TaskLoader(RUBRICS).load(tmp_path / "invoice.yaml")
    report = evaluate(task, RUBRICS)
    # Ready but for the written rollback procedure every AI system needs (advisory for work that only reads).
    assert (report.assessment.kind, report.assessment.tier, report.assessment.readiness) == (
        "assistant", "low", "conditional")
    assert [(gap.control, gap.severity) for gap in report.assessment.gaps] == [("rollback", "advisory")]
    assert task.title == "Invoice matching" and task.answers["governance.owner"] == "Finance operations"


def test_interrupt_halfway_then_resume_from_the_draft(tmp_path: Path) -> None:
    person = Person("-o", "triage.yaml", cwd=tmp_path)
    plan = {"title": "Ticket triage", "objective": "Route tickets.", "owner": "IT", "autonomy.initiation": 2}
    for question in QUESTIONS[:4]:
        person.answer(question, plan)
    person.reaches(QUESTIONS[4])
    person.child.sendcontrol("c")
    person.child.expect("saved in triage.draft.yaml")
    assert person.finish() == 130
    draft = (tmp_path / "triage.draft.yaml").read_text(encoding="utf-8")
    assert 'title: "Ticket triage"' in draft and 'initiation: "event"' in draft
    assert not (tmp_path / "triage.yaml").exists()

    # Resuming starts at the first unanswered question: Enter at "4 answered, N to go" goes on from there.
    resumed = Person("--from", "triage.draft.yaml", "-o", "triage.yaml", cwd=tmp_path)
    resumed.child.expect(f"4 answered, {len(QUESTIONS) - 4} to go")
    resumed.pick(0)
    for question in QUESTIONS[4:]:
        resumed.answer(question, LOW_RISK, from_not_sure=True)
    resumed.child.expect("pick one to change it")
    resumed.pick(0)
    resumed.child.expect("Removed the draft triage.draft.yaml")
    assert resumed.finish() == 0
    task = TaskLoader(RUBRICS).load(tmp_path / "triage.yaml")
    assert task.title == "Ticket triage" and task.answers["autonomy.initiation"] == "event"
    assert task.answers["autonomy.planning"] == "single-step"
    assert not (tmp_path / "triage.draft.yaml").exists()  # the saved file holds all its answers


def test_custom_rubrics_ask_the_extra_question_and_write_the_field(tmp_path: Path) -> None:
    folder = rubrics_with_red_team(tmp_path / "rubrics", "Has it been red-teamed by people trying to misuse it?")
    custom = questions(load_rubrics(str(folder)))
    assert [q.key for q in custom if q.key not in {q.key for q in QUESTIONS}] == ["governance.red_team"]
    person = Person("-o", "t.yaml", "--rubrics", str(folder), cwd=tmp_path)
    for question in custom:
        plan = {**LOW_RISK, "governance.red_team": 1}
        person.answer(question, plan)
    person.child.expect("pick one to change it")
    person.pick(0)
    assert person.finish() == 0
    text = (tmp_path / "t.yaml").read_text(encoding="utf-8")
    assert "  # Has it been red-teamed by people trying to misuse it?\n  red_team: true" in text


def test_a_wrong_number_is_asked_again_with_the_reason(tmp_path: Path) -> None:
    person = Person("-o", "n.yaml", cwd=tmp_path)
    systems = next(n for n, q in enumerate(QUESTIONS) if q.key == "scope.systems")
    for question in QUESTIONS[:systems]:
        person.answer(question, LOW_RISK)
    person.reaches(QUESTIONS[systems])
    person.type("three")
    person.child.expect("a whole number, 0 or more")
    person.child.sendcontrol("c")
    assert person.finish() == 130


def test_an_existing_file_is_not_overwritten_without_asking(tmp_path: Path) -> None:
    # Asked before the first question, so that a bad path typed instead costs no answer.
    (tmp_path / "keep.yaml").write_text("precious\n", encoding="utf-8")
    person = Person("-o", "keep.yaml", cwd=tmp_path)
    person.child.expect("keep.yaml exists. Overwrite it when you save?")
    person.child.send("n")  # a yes/no question takes the key itself
    person.child.expect("Save to which file?")
    person.type("\x15nodir/other.yaml")
    person.child.expect("'nodir' does not exist")  # said under the entry, which is asked again
    person.type("\x15other.yaml")
    for question in QUESTIONS:
        person.answer(question, LOW_RISK)
    person.child.expect("pick one to change it")
    person.pick(0)
    person.child.expect("Saved other.yaml")
    assert person.finish() == 0
    assert (tmp_path / "keep.yaml").read_text(encoding="utf-8") == "precious\n"
    assert (tmp_path / "other.yaml").exists()


@pytest.mark.parametrize("stdin", ["", "title: x\n"])
def test_without_a_terminal_it_points_to_evaluate(stdin: str) -> None:
    result = subprocess.run([sys.executable, "-m", "decide", "ask"], input=stdin, capture_output=True, text=True,
                            cwd=ROOT, check=False)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("decide ask: needs a terminal") and "decide evaluate" in result.stderr
    assert "Traceback" not in result.stderr
