"""`decide ask` and the files it reads and writes, through a real pseudo-terminal: paths checked before the
first question, drafts that never replace another or hold nothing, `--from` editing a file in place."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from decide.loading.task import TaskLoader
from decide.loading.yaml_source import read_yaml_file
from decide.model import RUBRICS as SECTIONS
from decide.questionnaire import answers_from
from tests.conftest import ROOT
from tests.test_ask import DOWN, ENTER, LOW_RISK, QUESTIONS, RUBRICS, UP, Person

EXAMPLE = ROOT / "examples" / "ticket-triage-agent.yaml"
KILL_SWITCH = next(n for n, q in enumerate(QUESTIONS) if q.key == "governance.kill_switch")


def _own(tmp_path: Path) -> Path:
    """The example, as a person keeps it: an id of their own, a description, x- keys and comments everywhere."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("id: ticket-triage-agent", "id: triage-2026  # ours")
    text = text.replace("owner: IT service desk\n", "owner: IT service desk\ndescription: |\n  Pilot in Q3.\n"
                        "x-cost-centre: 4711   # finance asked\n")  # fmt: skip
    text += "\n# reviewed by the works council\nx-review: {date: 2026-03-01, by: [Ana, Ben]}\n"
    path = tmp_path / "triage.yaml"
    path.write_text(text, encoding="utf-8-sig")  # with the byte order mark some Windows editors write
    return path


def _save_in_place(person: Person, name: str) -> None:
    """Save from the summary, agreeing to write into the file started from."""
    person.save(f"Write your answers into {name}?")
    person.child.send("y")
    person.child.expect(f"Saved {name}")
    assert person.finish() == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-o", "nodir/x.yaml"], "nodir/x.yaml: cannot write: 'nodir' does not exist"),
        (["-o", "."], ".: cannot write: it is a folder"),
        (["--from", "gone.yaml"], "gone.yaml: no such file"),
        (["--from", "gone.yaml", "-o", "x.yaml"], "gone.yaml: no such file"),
    ],
)
def test_a_path_that_cannot_be_used_is_refused_before_the_first_question(
    tmp_path: Path, args: list[str], said: str
) -> None:
    person = Person(*args, cwd=tmp_path)
    person.child.expect(re.escape(said))
    assert person.finish() == 2
    assert QUESTIONS[0].text not in (person.child.before or "")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_path_typed_when_saving_is_asked_again_and_no_answer_is_lost(tmp_path: Path) -> None:
    (tmp_path / "invoice-matching.yaml").write_text("precious\n", encoding="utf-8")
    person = Person(cwd=tmp_path)  # the file is named after the title, known only at the end
    for question in QUESTIONS:
        person.answer(question, {**LOW_RISK, "title": "Invoice matching"})
    person.child.expect("pick one to change it")
    person.pick(0)
    person.child.expect("invoice-matching.yaml exists. Overwrite it?")
    person.child.send("n")
    person.child.expect("Save to which file?")
    person.type("\x15nodir/x.yaml")
    person.child.expect("'nodir' does not exist")
    person.type("\x15.")
    person.child.expect("it is a")  # the terminal redraws only what changed: "folder" comes in pieces
    person.type("\x15kept.yaml")
    person.child.expect("Saved kept.yaml")
    assert person.finish() == 0
    assert (tmp_path / "invoice-matching.yaml").read_text(encoding="utf-8") == "precious\n"
    task = TaskLoader(RUBRICS).load(tmp_path / "kept.yaml")
    assert task.title == "Invoice matching" and task.answers["governance.owner"] == "Finance operations"


def test_stopped_at_the_first_question_nothing_is_written_and_it_says_so(tmp_path: Path) -> None:
    person = Person("-o", "t.yaml", cwd=tmp_path)
    person.reaches(QUESTIONS[0])
    person.child.sendcontrol("c")
    person.child.expect("stopped before any answer was given; nothing was saved")
    assert person.finish() == 130
    assert list(tmp_path.iterdir()) == []


def test_a_draft_never_replaces_an_earlier_one(tmp_path: Path) -> None:
    earlier = tmp_path / "triage.draft.yaml"
    earlier.write_text("# twenty answers\n", encoding="utf-8")
    person = Person("-o", "triage.yaml", cwd=tmp_path)
    person.answer(QUESTIONS[0], {"title": "Triage"})
    person.reaches(QUESTIONS[1])
    person.child.sendcontrol("c")
    person.child.expect(r"saved in triage-2\.draft\.yaml \(triage\.draft\.yaml holds an earlier draft")
    assert person.finish() == 130
    assert earlier.read_text(encoding="utf-8") == "# twenty answers\n"
    assert 'title: "Triage"' in (tmp_path / "triage-2.draft.yaml").read_text(encoding="utf-8")


def test_not_sure_survives_a_resume_and_the_cursor_stays_on_it(tmp_path: Path) -> None:
    person = Person("-o", "t.yaml", cwd=tmp_path)
    for question in QUESTIONS[:3]:
        person.answer(question, {"title": "T", "objective": "O.", "owner": ""})
    person.reaches(QUESTIONS[3])
    person.child.send(UP + UP + ENTER)  # up from the first: ← Back, then Not sure
    person.reaches(QUESTIONS[4])
    person.child.sendcontrol("c")
    assert person.finish() == 130
    draft = tmp_path / "t.draft.yaml"
    document, _ = read_yaml_file(draft)
    assert document["autonomy"]["initiation"] is None and "initiation" in document["autonomy"]
    assert document["x-decide-ask-left-empty"] == ["owner"]  # owner, left empty, is not asked again

    resumed = Person("--from", "t.draft.yaml", cwd=tmp_path)
    resumed.child.expect(f"4 answered, {len(QUESTIONS) - 4} to go")
    resumed.child.send(DOWN + ENTER)  # review every answer, from the first
    for question in QUESTIONS[:3]:
        resumed.answer(question, {})  # Enter keeps each
    resumed.reaches(QUESTIONS[3])
    resumed.child.expect(r"» (\x1b\[[0-9;]*m)*Not sure")  # the cursor is on it
    resumed.pick(0)  # Enter keeps it
    resumed.reaches(QUESTIONS[4])
    resumed.child.sendcontrol("c")
    resumed.child.expect("stopped before any answer changed; t.draft.yaml is as it was, and nothing was saved")
    assert resumed.finish() == 130
    document, _ = read_yaml_file(draft)
    assert document["autonomy"]["initiation"] is None


def test_from_a_file_enter_throughout_leaves_it_byte_for_byte(tmp_path: Path) -> None:
    path = _own(tmp_path)
    before = path.read_bytes()
    person = Person("--from", "triage.yaml", cwd=tmp_path)
    person.child.expect(f"{len(QUESTIONS) - 5} answered, 5 to go")  # the metrics are not in the file
    person.child.send(DOWN + ENTER)  # review every answer
    for question in QUESTIONS:
        person.answer(question, {})  # Enter: the file's answer, or "Not sure" where it has none
    person.save("No answer changed: triage.yaml is as it was")  # so nothing to agree to
    assert person.finish() == 0
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.draft.yaml"))


def test_from_a_file_a_changed_answer_changes_only_its_line(tmp_path: Path) -> None:
    path = _own(tmp_path)
    before = path.read_text(encoding="utf-8")
    person = Person("--from", "triage.yaml", cwd=tmp_path)
    person.child.expect("5 to go")
    person.pick(0)  # answer the unanswered: the metrics
    for question in QUESTIONS[-5:]:
        person.answer(question, {"metrics.time_saved_hours_per_week": "12"})
    person.child.expect("pick one to change it")
    person.pick(KILL_SWITCH + 1)
    person.reaches(QUESTIONS[KILL_SWITCH])
    person.child.send(DOWN + ENTER)  # from "No" (the file's answer) to "Yes"
    _save_in_place(person, "triage.yaml")
    after = path.read_text(encoding="utf-8")
    expected = before.replace("  kill_switch: false\n", "  kill_switch: true\n").replace(
        "  review: ad-hoc\n", "  review: ad-hoc\nmetrics:\n  time_saved_hours_per_week: 12\n"
    )  # the new section after the last one, before the person's closing comment
    assert after == expected
    task = TaskLoader(RUBRICS).load(path)
    assert task.id == "triage-2026" and task.description == "Pilot in Q3.\n"
    assert task.answers["governance.kill_switch"] is True and task.metrics.time_saved_hours_per_week == 12


def test_from_a_file_with_a_misspelt_key_says_so_before_asking(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("kill_switch:", "kill_swtch:"), encoding="utf-8")
    before = path.read_bytes()
    line = before.decode().splitlines().index("  kill_swtch: false") + 1
    person = Person("--from", "t.yaml", cwd=tmp_path)
    person.child.expect(f"t.yaml:{line}:3: governance: unknown key 'kill_swtch' \\(did you mean 'kill_switch'\\?\\)")
    person.child.expect("Answer the questions anyway?")
    person.child.send(ENTER)  # no: fix the file first
    assert person.finish() == 2
    assert path.read_bytes() == before


def test_from_an_imported_draft_only_the_unanswered_questions_are_asked(tmp_path: Path) -> None:
    # A draft as an import writes it: comments naming the source, most fields left out.
    path = tmp_path / "uc-17.yaml"
    path.write_text(
        "version: 1\nid: uc-17\ntitle: Benefits chatbot  # column use_case_name\n"
        "objective: Answer questions about benefits.\nowner: Bureau of X\n"
        "x-agency-high-impact: 'No'\nautonomy:\nscope:\n  user_facing: external  # column: public-facing\n"
        "data_access:\n  sensitivity: personal  # has_pii = Yes\ngovernance:\n",
        encoding="utf-8",
    )
    given = {"title", "objective", "owner", "scope.user_facing", "data_access.sensitivity"}
    unanswered = [q for q in QUESTIONS if q.key not in given]
    person = Person("--from", "uc-17.yaml", cwd=tmp_path)
    person.child.expect(f"5 answered, {len(unanswered)} to go")
    person.pick(0)
    plan = {"autonomy.initiation": 0, "governance.kill_switch": 1, "governance.owner": "Benefits office"}
    for question in unanswered:  # each starts on "Not sure": Enter leaves it to the cautious reading
        if question.key in plan:
            person.answer(question, plan, from_not_sure=True)
        else:
            person.reaches(question)
            person.child.send(ENTER)
    _save_in_place(person, "uc-17.yaml")
    text = path.read_text(encoding="utf-8")
    assert "title: Benefits chatbot  # column use_case_name\n" in text and "x-agency-high-impact: 'No'" in text
    assert "  user_facing: external  # column: public-facing\n" in text
    task = TaskLoader(RUBRICS).load(path)
    assert task.answers["autonomy.initiation"] == "user" and task.answers["governance.kill_switch"] is True
    assert task.answers["governance.owner"] == "Benefits office"
    assert "autonomy.planning" not in task.answers  # "not sure" stays the cautious reading


def test_from_a_draft_decide_import_wrote_only_its_unanswered_questions_are_asked(tmp_path: Path) -> None:
    sample = ROOT / "examples" / "inventory" / "omb-2025-ai-use-case-inventory-sample.csv"
    imported = subprocess.run([sys.executable, "-m", "decide", "import", "omb-inventory", str(sample), "--out-dir",
                               str(tmp_path)], capture_output=True, text=True, check=False, cwd=ROOT)  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    # The first draft the inventory answers a governance question for.
    drafts = {draft: answers_from(read_yaml_file(draft)[0], QUESTIONS) for draft in sorted(tmp_path.glob("*.yaml"))}
    path, given = next((draft, answers) for draft, answers in drafts.items()
                       if any(key.startswith("governance.") for key in answers))  # fmt: skip
    before = path.read_text(encoding="utf-8")
    unanswered = [question for question in QUESTIONS if question.key not in given]
    first_choice = next(question for question in unanswered if question.choices)
    person = Person("--from", path.name, cwd=tmp_path)
    person.child.expect(f"{len(given)} answered, {len(unanswered)} to go")
    person.pick(0)
    for question in unanswered:  # only these, each starting on "Not sure" (or empty); the summary comes next
        if question is first_choice:
            person.answer(question, {question.key: 0}, from_not_sure=True)
        else:
            person.reaches(question)
            person.child.send(ENTER)
    _save_in_place(person, path.name)
    after = path.read_text(encoding="utf-8")
    assert [line for line in after.splitlines() if line in before.splitlines()] == before.splitlines()
    task = TaskLoader(RUBRICS).load(path)
    in_sections = {key: value for key, value in given.items() if key.split(".")[0] in SECTIONS and value is not None}
    assert task.answers == {**in_sections, first_choice.key: first_choice.choices[0][0]}  # and nothing else new


def test_stopped_while_editing_a_file_the_draft_resumes_into_that_file(tmp_path: Path) -> None:
    path = _own(tmp_path)
    before = path.read_bytes()
    person = Person("--from", "triage.yaml", cwd=tmp_path)
    person.child.expect("5 to go")
    person.child.send(DOWN + ENTER)  # review every answer
    for question in QUESTIONS[:KILL_SWITCH]:
        person.answer(question, {})  # Enter keeps the file's answer
    person.reaches(QUESTIONS[KILL_SWITCH])
    person.child.send(DOWN + ENTER)  # "No" becomes "Yes"
    person.reaches(QUESTIONS[KILL_SWITCH + 1])
    person.child.sendcontrol("c")
    person.child.expect("saved in triage.draft.yaml")
    assert person.finish() == 130
    assert path.read_bytes() == before  # not written without the person agreeing
    draft = (tmp_path / "triage.draft.yaml").read_bytes()
    assert draft == before.replace(b"  kill_switch: false\n", b"  kill_switch: true\n")  # comments and all

    resumed = Person("--from", "triage.draft.yaml", cwd=tmp_path)
    resumed.child.expect("triage.yaml exists. Overwrite it when you save?")  # the file it is a draft of
    resumed.child.send("y")
    resumed.child.expect("5 to go")
    resumed.pick(0)
    for question in QUESTIONS[-5:]:
        resumed.answer(question, {})
    resumed.save("Saved triage.yaml")
    resumed.child.expect("Removed the draft triage.draft.yaml")
    assert resumed.finish() == 0
    assert path.read_bytes() == draft and not (tmp_path / "triage.draft.yaml").exists()
