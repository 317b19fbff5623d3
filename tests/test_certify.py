"""`decide certify`: a deterministic certificate that stops holding when anything it rests on moves."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT, copy_example


def _issue(runner: CliRunner, task: Path, cert: Path, today: str = "2026-11-24", *extra: str) -> None:
    result = runner.invoke(app, ["certify", str(task), "-o", str(cert), "--today", today, *extra])
    assert result.exit_code == 0, result.stderr


def _check(runner: CliRunner, cert: Path, task: Path, today: str, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["certify", "--check", str(cert), str(task), "--today", today, *extra])


def test_a_certificate_round_trips_and_is_deterministic(runner: CliRunner, tmp_path: Path) -> None:
    task = copy_example("inventory-replenishment", tmp_path)
    _issue(runner, task, tmp_path / "a.json")
    _issue(runner, task, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    cert = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    # Cleared for level 3 today, not yet for its target (4): the certificate grants the cleared level.
    assert cert["level"] == 3 and cert["target_level"] == 4 and cert["tier"] == "high"
    assert cert["issued"] == "2026-11-24" and cert["review_by"] == "2027-02-22"  # high tier: 90 days
    assert {"control": "owner", "in_force": "Head of supply chain planning", "required": "present"} in cert["conditions"]
    # The access review (2026-09-30) is the oldest evidence: at high risk it may be 90 days old.
    assert {"control": "access", "valid_until": "2026-12-29",
            "files": [{"ref": "evidence/inventory-replenishment/access-review.md",
                       "sha256": sha256_of(tmp_path / "evidence/inventory-replenishment/access-review.md")}]
            } in cert["evidence"]  # fmt: skip
    result = _check(runner, tmp_path / "a.json", task, "2026-12-29")
    assert result.exit_code == 0 and "holds: level 3 until 2026-12-29" in result.stdout


def _check_after_editing(runner: CliRunner, tmp_path: Path, old: str, new: str):  # type: ignore[no-untyped-def]
    """Certify a copy of the inventory example, replace ``old`` by ``new`` in it, and check the certificate."""
    task = copy_example("inventory-replenishment", tmp_path)
    _issue(runner, task, tmp_path / "c.json")
    task.write_text(task.read_text(encoding="utf-8").replace(old, new), "utf-8")
    return _check(runner, tmp_path / "c.json", task, "2026-11-25")


def test_check_fails_after_a_one_character_change(runner: CliRunner, tmp_path: Path) -> None:
    result = _check_after_editing(runner, tmp_path, "volume_per_day: 150", "volume_per_day: 151")
    assert result.exit_code == 1
    assert ("no longer holds: the task file changed since the certificate was issued on 2026-11-24 (level 3 and the "
            "controls it rests on are unchanged: reissue it)") in result.stdout  # fmt: skip


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_fails_when_evidence_grows_old_changes_or_goes(runner: CliRunner, tmp_path: Path) -> None:
    task = copy_example("inventory-replenishment", tmp_path)
    _issue(runner, task, tmp_path / "c.json")
    late = _check(runner, tmp_path / "c.json", task, "2026-12-30")
    assert late.exit_code == 1
    assert "the evidence for access was due to be verified again by 2026-12-29" in late.stdout
    runbook = tmp_path / "evidence/inventory-replenishment/rollback-runbook.md"
    runbook.write_text(runbook.read_text(encoding="utf-8") + "Rehearsal skipped.\n", encoding="utf-8")
    (tmp_path / "evidence/inventory-replenishment/kill-switch-test.md").unlink()
    result = _check(runner, tmp_path / "c.json", task, "2026-11-25")
    assert result.exit_code == 1
    assert ("evidence evidence/inventory-replenishment/rollback-runbook.md for rollback changed since the "
            "certificate was issued") in result.stdout  # fmt: skip
    assert "evidence evidence/inventory-replenishment/kill-switch-test.md for kill_switch: no such file" in result.stdout


def test_check_fails_after_the_review_date(runner: CliRunner, tmp_path: Path) -> None:
    task = copy_example("status-lookup-assistant", tmp_path)  # medium tier: 180 days
    # Evidence verified on the day of issue is as recent as it can be: the review date comes first.
    task.write_text(re.sub(r'date: "[-0-9]+"', 'date: "2026-11-24"', task.read_text("utf-8")), "utf-8")
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
