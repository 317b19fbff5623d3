"""`decide explain` and `decide diff`: the path to ready is right and minimal, what-if equals editing."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from typer.testing import CliRunner

from decide.cli import app
from decide.engine.assess import assess as assess_task
from decide.engine.explain import explain
from decide.model import EvidenceItem
from tests.conftest import EXAMPLES, ROOT
from tests.test_properties import LOADER, RUBRIC_SET, dump, task_documents

EXAMPLE = "examples/ticket-triage-agent.yaml"


AS_OF = datetime.date(2026, 12, 1)


def _apply(task, steps):  # type: ignore[no-untyped-def]
    """The task with the steps made, and (as the path assumes) every control shown with fresh evidence."""
    answers = dict(task.answers)
    for step in steps:
        answers[step.field] = step.after
    shown = EvidenceItem("https://evidence.invalid/drill", AS_OF, None, (1, 1), True, "", None)
    evidence = {criterion.id: (shown,) for criterion in RUBRIC_SET.rubrics["governance"].criteria}
    return task._replace(answers=answers, evidence=evidence, as_of=AS_OF)


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
    assert misspelt.stderr == (
        "--what-if governance.kil_switch=true: unknown field 'governance.kil_switch': did you mean governance.kill_switch?\n"
    )
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


def test_what_if_mistakes_name_the_option_not_the_task_file(runner: CliRunner) -> None:
    bare = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "kill_switch=true"])
    assert bare.exit_code == 2
    assert bare.stderr == "--what-if kill_switch=true: unknown field 'kill_switch': did you mean governance.kill_switch?\n"
    value = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "scope.impact=minor", "--what-if", "governance.kill_switch=maybe"])
    assert value.exit_code == 2
    assert value.stderr.startswith("--what-if governance.kill_switch=maybe: governance.kill_switch: ")
    assert EXAMPLE not in value.stderr and "Traceback" not in value.stderr
    metric = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "metrics.eror_rate.baseline=0.1"])
    assert metric.stderr.endswith("did you mean metrics.error_rate.baseline?\n")
    # Any field of a task file may be changed, not only the rubrics' answers.
    hours = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "metrics.time_saved_hours_per_week=45"])
    assert hours.exit_code == 0 and "  metrics.time_saved_hours_per_week: null → 45\n" in hours.stdout
    nothing = runner.invoke(app, ["explain", EXAMPLE, "--what-if", "zzz=1"])
    assert nothing.stderr == "--what-if zzz=1: unknown field 'zzz': `decide rubrics show` lists the fields\n"


def test_explain_shows_the_arithmetic_of_every_score(runner: CliRunner) -> None:
    import re

    result = runner.invoke(app, ["explain", "examples/inventory-replenishment.yaml"])
    assert result.exit_code == 0, result.stderr
    sections = re.findall(r"\n(\w[\w ]*): score ([\d.]+), the sum of points x weight / ([\d.]+).*\n((?:  \S.*\n)+)",
                          result.stdout)  # fmt: skip
    assert [title for title, *_ in sections] == ["Autonomy", "Scope", "Data access", "Governance"]
    for _, score, total, rows in sections:
        contributions = []
        for row in rows.splitlines():
            points, weight, shown_total, contribution = re.search(
                r"([\d.]+) pts x ([\d.]+) / ([\d.]+) = +([\d.]+)", row
            ).groups()
            assert shown_total == total
            assert abs(float(points) * float(weight) / float(total) - float(contribution)) <= 0.005, row
            contributions.append(float(contribution))
        assert abs(sum(contributions) - float(score)) <= 0.1


def test_explain_and_diff_speak_yaml(runner: CliRunner, tmp_path: Path) -> None:
    old = ROOT / "examples" / "inventory-replenishment.yaml"
    new = tmp_path / "new.yaml"
    text = old.read_text(encoding="utf-8")
    new.write_text(text.replace("time_saved_hours_per_week: 30", "time_saved_hours_per_week: 40")
                   .replace("  escalation_rate: {baseline: 0.15, target: 0.10}\n", "")
                   .replace("regulations: []", "regulations: [GDPR, SOX]")
                   .replace("  owner: Head of supply chain planning\n", ""), encoding="utf-8")  # fmt: skip
    for args in (["diff", str(old), str(new)], ["diff", str(new), str(old), "-f", "markdown"]):
        shown = runner.invoke(app, args).stdout
        for python in ("None", "True", "False", "{'", "['"):
            assert python not in shown, (python, shown)
    shown = runner.invoke(app, ["diff", str(old), str(new)]).stdout
    assert "  metrics.time_saved_hours_per_week: 30 → 40\n" in shown
    assert "  metrics.escalation_rate: {baseline: 0.15, target: 0.1} → null\n" in shown
    assert "  data_access.regulations: [] → [GDPR, SOX]\n" in shown
    assert "  governance.owner: Head of supply chain planning → null\n" in shown
    explained = runner.invoke(app, ["explain", str(new), "--what-if", "governance.kill_switch=false"]).stdout
    assert "  governance.kill_switch: true → false\n" in explained
    assert "governance.owner                   null" in explained


def test_diff_names_the_controls_a_higher_target_asks_more_of(runner: CliRunner, tmp_path: Path) -> None:
    old = ROOT / EXAMPLE
    new = tmp_path / "new.yaml"
    new.write_text(old.read_text(encoding="utf-8").replace("decisions: routine", "decisions: system"), "utf-8")
    document = json.loads(runner.invoke(app, ["diff", str(old), str(new), "-f", "json"]).stdout)
    assert document["new"]["target_level"] > document["old"]["target_level"]
    before = {g["control"]: g["required"] for g in document["old"]["gaps"]}
    raised = [g for g in document["new"]["gaps"] if before.get(g["control"]) != g["required"]]
    assert raised, "a higher target level asks more of some control"
    shown = runner.invoke(app, ["diff", str(old), str(new)]).stdout
    assert "  target level                      3                4  ←" in shown
    for gap in raised:
        was = before.get(gap["control"], "met")
        assert f"  now required: {gap['control']} {gap['required']} (was {was}; present {gap['present']}, " in shown
    back = runner.invoke(app, ["diff", str(new), str(old)]).stdout
    assert f"  requires less: {raised[0]['control']} " in back
