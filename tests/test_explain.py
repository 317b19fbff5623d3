"""`decide explain` and `decide diff`: the path to ready is right and minimal, what-if equals editing."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from typer.testing import CliRunner

from decide.cli import app
from decide.engine.assess import assess as assess_task
from decide.engine.explain import explain
from tests.conftest import EXAMPLES, ROOT
from tests.test_properties import LOADER, RUBRIC_SET, dump, task_documents

EXAMPLE = "examples/ticket-triage-agent.yaml"


def _apply(task, steps):  # type: ignore[no-untyped-def]
    answers = dict(task.answers)
    for step in steps:
        answers[step.field] = step.after
    return task._replace(answers=answers)


@settings(max_examples=120, deadline=None)
@given(task_documents())
def test_path_to_ready_makes_it_ready_and_every_step_is_needed(document) -> None:  # type: ignore[no-untyped-def]
    task = LOADER.load_bytes(dump(document), "generated.yaml")
    before = assess_task(task, RUBRIC_SET)
    steps = before.to_ready
    assert assess_task(_apply(task, steps), RUBRIC_SET).readiness == "ready"
    for left_out in range(len(steps)):
        partial = steps[:left_out] + steps[left_out + 1 :]
        assert assess_task(_apply(task, partial), RUBRIC_SET).readiness != "ready"
    # Readiness after each step is what re-assessing says.
    for number, step in enumerate(steps, start=1):
        assert assess_task(_apply(task, steps[:number]), RUBRIC_SET).readiness == step.readiness_after
    # The lower level, when offered, is ready today.
    if before.lower_level is not None:
        assert before.lower_level < before.target_level
        assert not before.gaps_by_level[before.lower_level]


def test_contributions_add_up_to_the_scores(runner: CliRunner) -> None:
    for example in EXAMPLES:
        document = json.loads(runner.invoke(app, ["explain", str(example.relative_to(ROOT)), "-f", "json"]).stdout)
        for name, score in document["verdict"]["scores"].items():
            total = sum(c["contribution"] for c in document["criteria"] if c["field"].startswith(name + "."))
            assert abs(total - score) <= 0.1, (example.name, name, total, score)


def test_explain_json_follows_its_schema_and_names_the_flips(runner: CliRunner) -> None:
    schema = json.loads(runner.invoke(app, ["schema", "explain"]).stdout)
    result = runner.invoke(app, ["explain", EXAMPLE, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema).validate(document)
    assert {"field": "scope.user_facing", "answer": "external", "kind": "hybrid"}.items() <= next(
        flip for flip in document["sensitivity"] if flip["field"] == "scope.user_facing" and flip["answer"] == "external"
    ).items()
    # Each flip is real: re-evaluating with that one answer gives what it says.
    task = LOADER.load(EXAMPLE)
    for flip in document["sensitivity"]:
        changed = task._replace(answers={**task.answers, flip["field"]: flip["answer"]})
        a = assess_task(changed, RUBRIC_SET)
        assert (a.kind, a.tier, a.readiness) == (flip["kind"], flip["tier"], flip["readiness"])
    assert [s["field"] for s in document["to_ready"]] == [
        s.field for s in explain(task, RUBRIC_SET).report.assessment.to_ready
    ]


def test_what_if_equals_editing_the_file(runner: CliRunner, tmp_path: Path) -> None:
    edited = tmp_path / "edited.yaml"
    text = (ROOT / EXAMPLE).read_text(encoding="utf-8")
    edited.write_text(text.replace("kill_switch: false", "kill_switch: true").replace("rollback: none",
                                                                                         "rollback: manual"), "utf-8")
    what_if = json.loads(runner.invoke(app, ["explain", EXAMPLE, "-f", "json", "--what-if", "governance.kill_switch=true",
                                             "--what-if", "governance.rollback=manual"]).stdout)
    direct = json.loads(runner.invoke(app, ["explain", str(edited), "-f", "json"]).stdout)
    assert what_if["verdict"] == direct["verdict"]
    assert what_if["what_if"]["after"] == direct["verdict"]
    assert {c["field"] for c in what_if["what_if"]["changes"]} == {"governance.kill_switch", "governance.rollback"}
    text_output = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "governance.kill_switch=true"]).stdout
    assert "governance.kill_switch: false → true" in text_output and "gaps closed: kill_switch" in text_output


def test_what_if_mistakes_are_reported(runner: CliRunner) -> None:
    misspelt = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "governance.kil_switch=true"])
    assert misspelt.exit_code == 2
    assert "unknown key 'kil_switch' (did you mean 'kill_switch'?)" in misspelt.stderr
    wrong = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "autonomy.initiation=sometimes"])
    assert wrong.exit_code == 2 and "is not one of: user, schedule, event, self" in wrong.stderr
    shapeless = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "governance.kill_switch"])
    assert shapeless.exit_code == 2 and "write FIELD=VALUE" in shapeless.stderr


def test_diff_of_a_file_with_itself_is_empty(runner: CliRunner) -> None:
    assert runner.invoke(app, ["diff", EXAMPLE, EXAMPLE]).stdout == "No changes.\n"
    document = json.loads(runner.invoke(app, ["diff", EXAMPLE, EXAMPLE, "-f", "json"]).stdout)
    assert document["changes"] == [] and document["autonomy_raised_without_controls"] is False


def test_diff_calls_out_autonomy_raised_without_controls(runner: CliRunner, tmp_path: Path) -> None:
    old = ROOT / "examples" / "status-lookup-assistant.yaml"
    new = tmp_path / "new.yaml"
    new.write_text(old.read_text(encoding="utf-8").replace("initiation: user", "initiation: self")
                   .replace("decisions: person", "decisions: system"), encoding="utf-8")
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert "autonomy.initiation: user → self" in result.stdout
    assert "Warning: autonomy was raised without any control made stronger." in result.stdout
    document = json.loads(runner.invoke(app, ["diff", str(old), str(new), "-f", "json"]).stdout)
    assert document["autonomy_raised_without_controls"] is True
    assert (document["old"]["kind"], document["new"]["kind"]) == ("assistant", "hybrid")
    # Strengthening a control along with the autonomy is not called out.
    guarded = tmp_path / "guarded.yaml"
    guarded.write_text(new.read_text(encoding="utf-8").replace("audit_log: partial", "audit_log: complete"), "utf-8")
    assert "Warning" not in runner.invoke(app, ["diff", str(old), str(guarded)]).stdout
    assert "## What changed" in runner.invoke(app, ["diff", str(old), str(new), "-f", "markdown"]).stdout
