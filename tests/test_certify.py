"""`decide certify`: a deterministic certificate that stops holding when anything it rests on moves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT


def _issue(runner: CliRunner, task: Path, cert: Path, today: str = "2026-11-24", *extra: str) -> None:
    result = runner.invoke(app, ["certify", str(task), "-o", str(cert), "--today", today, *extra])
    assert result.exit_code == 0, result.stderr


def _check(runner: CliRunner, cert: Path, task: Path, today: str, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["certify", "--check", str(cert), str(task), "--today", today, *extra])


def test_a_certificate_round_trips_and_is_deterministic(runner: CliRunner, tmp_path: Path) -> None:
    task = tmp_path / "t.yaml"
    shutil.copy(ROOT / "examples" / "inventory-replenishment.yaml", task)
    _issue(runner, task, tmp_path / "a.json")
    _issue(runner, task, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    cert = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    # Cleared for level 3 today, not yet for its target (4): the certificate grants the cleared level.
    assert cert["level"] == 3 and cert["target_level"] == 4 and cert["tier"] == "high"
    assert cert["issued"] == "2026-11-24" and cert["review_by"] == "2027-02-22"  # high tier: 90 days
    assert {"control": "owner", "in_force": "Head of supply chain planning", "required": "present"} in cert["conditions"]
    result = _check(runner, tmp_path / "a.json", task, "2027-02-22")
    assert result.exit_code == 0 and "holds: level 3 until 2027-02-22" in result.stdout


def _check_after_editing(runner: CliRunner, tmp_path: Path, old: str, new: str):  # type: ignore[no-untyped-def]
    """Certify a copy of the inventory example, replace ``old`` by ``new`` in it, and check the certificate."""
    task = tmp_path / "t.yaml"
    shutil.copy(ROOT / "examples" / "inventory-replenishment.yaml", task)
    _issue(runner, task, tmp_path / "c.json")
    task.write_text(task.read_text(encoding="utf-8").replace(old, new), "utf-8")
    return _check(runner, tmp_path / "c.json", task, "2026-11-25")


def test_check_fails_after_a_one_character_change(runner: CliRunner, tmp_path: Path) -> None:
    result = _check_after_editing(runner, tmp_path, "volume_per_day: 150", "volume_per_day: 151")
    assert result.exit_code == 1
    assert ("no longer holds: the task file changed since the certificate was issued on 2026-11-24 (level 3 and the "
            "controls it rests on are unchanged: reissue it)") in result.stdout  # fmt: skip


def test_check_fails_after_the_review_date(runner: CliRunner, tmp_path: Path) -> None:
    task = ROOT / "examples" / "status-lookup-assistant.yaml"  # medium tier: 180 days
    _issue(runner, task, tmp_path / "c.json")
    assert _check(runner, tmp_path / "c.json", task, "2027-05-23").exit_code == 0
    late = _check(runner, tmp_path / "c.json", task, "2027-05-24")
    assert late.exit_code == 1 and "the review was due by 2027-05-23" in late.stdout


def test_check_fails_when_the_rubrics_change(runner: CliRunner, tmp_path: Path) -> None:
    task = ROOT / "examples" / "status-lookup-assistant.yaml"
    _issue(runner, task, tmp_path / "c.json")
    rubrics = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", rubrics)
    path = rubrics / "rubric-set.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"1.0.0"', '"1.0.1"'), encoding="utf-8")
    result = _check(runner, tmp_path / "c.json", task, "2026-11-25", "--rubrics", str(rubrics))
    assert result.exit_code == 1 and "the rubric set changed (certified against default 1.0.0)" in result.stdout


def test_a_broken_certificate_or_date_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    task = ROOT / "examples" / "status-lookup-assistant.yaml"
    broken = tmp_path / "c.json"
    broken.write_text('{"version": 1, "task": {}}', encoding="utf-8")
    result = _check(runner, broken, task, "2026-11-25")
    assert result.exit_code == 2 and f"{broken}:1:1: the certificate: missing required key 'rubrics'" in result.stderr
    bad_date = runner.invoke(app, ["certify", str(task), "--today", "tomorrow"])
    assert bad_date.exit_code == 2 and "--today: 'tomorrow' is not a date" in bad_date.stderr


def test_check_refuses_an_output_it_would_not_write(runner: CliRunner, tmp_path: Path) -> None:
    task = ROOT / "examples" / "status-lookup-assistant.yaml"
    _issue(runner, task, tmp_path / "c.json")
    result = _check(runner, tmp_path / "c.json", task, "2026-11-25", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert result.stderr == "--output: --check writes nothing: check a certificate, or write one, not both\n"
    assert not (tmp_path / "x.json").exists()


def test_check_says_what_a_change_did_to_the_level(runner: CliRunner, tmp_path: Path) -> None:
    result = _check_after_editing(runner, tmp_path, "rollback: manual", "rollback: none")
    assert result.exit_code == 1 and "(it is now cleared for no level)" in result.stdout
