"""Bundled presets and `extends`: an organisation keeps only the files it changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decide.cli import app
from decide.engine import evaluate
from decide.loading.rubrics import bundled_sets, load_rubrics
from decide.loading.task import TaskLoader
from tests.conftest import EXAMPLES, ROOT

PRESETS = ("default", "strict", "relaxed")


def _verdict(runner: CliRunner, task: str, rubrics: str) -> tuple[str, str]:
    report = json.loads(runner.invoke(app, ["evaluate", task, "-f", "json", "--rubrics", rubrics]).stdout)
    assert report["rubrics"]["name"] == Path(rubrics).name
    return report["risk"]["tier"], report["recommendation"]["readiness"]


def test_presets_are_bundled_and_listed(runner: CliRunner) -> None:
    assert set(PRESETS) <= set(bundled_sets())
    listed = runner.invoke(app, ["rubrics", "list"]).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["default", "relaxed", "strict"]


def test_strict_is_stricter_and_relaxed_more_relaxed(runner: CliRunner) -> None:
    task = "examples/customer-service-assistant.yaml"
    # Agents send its drafts at a hundred a day and more: automation bias asks for scheduled reviews.
    assert _verdict(runner, task, "default") == ("medium", "conditional")
    assert _verdict(runner, task, "strict") == ("high", "not-ready")
    tiers = ["low", "medium", "high", "critical"]
    for example in EXAMPLES:
        path = str(example.relative_to(ROOT))
        strict, default, relaxed = (
            tiers.index(_verdict(runner, path, name)[0]) for name in ("strict", "default", "relaxed")
        )
        assert relaxed <= default <= strict, example.name


@pytest.mark.parametrize("preset", PRESETS)
def test_the_spec_fixed_points_hold_in_every_preset(preset: str) -> None:
    rubrics = load_rubrics(preset)
    loader = TaskLoader(rubrics)
    text = (ROOT / "examples" / "inventory-replenishment.yaml").read_text(encoding="utf-8")
    strongest = "\n".join(f"  {c.id}: {json.dumps(c.values[-1]) if c.type != 'text' else 'Ops'}"
                          for c in rubrics.rubrics["governance"].criteria)  # fmt: skip
    # Every control at its strongest, each shown with evidence verified on the day it is judged (conftest).
    evidenced = "\n".join(f'  {c.id}: [{{ref: "https://evidence.invalid/{c.id}", date: "2026-12-01"}}]'
                          for c in rubrics.rubrics["governance"].criteria)  # fmt: skip
    governed = text.split("governance:")[0] + "governance:\n" + strongest + "\nevidence:\n" + evidenced + "\n"
    report = evaluate(loader.load_bytes(governed.encode(), "strong.yaml"), rubrics)
    assert report.assessment.gaps == () and report.assessment.readiness == "ready"
    unguarded = governed.replace('human_approval: "all"', 'human_approval: "none"').replace(
        "kill_switch: true", "kill_switch: false"
    )
    report = evaluate(loader.load_bytes(unguarded.encode(), "unguarded.yaml"), rubrics)
    assert report.assessment.kind == "agent" and report.assessment.readiness == "not-ready"


def test_an_organisation_keeps_only_what_it_changes(runner: CliRunner, tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "rubric-set.yaml").write_text("name: ours\nversion: '2'\ndescription: Ours.\nextends: strict\n", "utf-8")
    controls = (ROOT / "rubrics" / "strict" / "controls.yaml").read_text(encoding="utf-8")
    (ours / "controls.yaml").write_text(controls.replace("always_blocking_tiers: [high, critical]",
                                                         "always_blocking_tiers: [critical]"), "utf-8")  # fmt: skip
    assert runner.invoke(app, ["rubrics", "validate", str(ours)]).exit_code == 0
    report = json.loads(runner.invoke(app, ["evaluate", "examples/customer-service-assistant.yaml", "-f", "json",
                                            "--rubrics", str(ours)]).stdout)  # fmt: skip
    assert report["rubrics"]["name"] == "ours" and report["risk"]["tier"] == "high"  # strict's thresholds
    assert {g["severity"] for g in report["gaps"]} == {"advisory"}  # but its own blocking rule


def test_extends_mistakes_are_located(runner: CliRunner, tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "rubric-set.yaml").write_text("name: ours\nversion: '2'\ndescription: Ours.\nextends: strikt\n", "utf-8")
    result = runner.invoke(app, ["rubrics", "validate", str(ours)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{ours / 'rubric-set.yaml'}:4:10: extends: 'strikt' is neither")
    other = tmp_path / "other"
    shutil.copytree(ours, other)
    (ours / "rubric-set.yaml").write_text("name: ours\nversion: '2'\ndescription: Ours.\nextends: ../other\n", "utf-8")
    (other / "rubric-set.yaml").write_text("name: other\nversion: '1'\ndescription: O.\nextends: ../ours\n", "utf-8")
    looped = runner.invoke(app, ["rubrics", "validate", str(ours)])
    assert looped.exit_code == 2 and "leads back to this set" in looped.stderr
