"""One cleared level, stated the same everywhere, and calibration cases a governance lead would check.

The cleared level (``start_level``) is the highest level, up to the target, at which every requirement
that applies is met, advisory ones included, at that level and every level below (PRODUCT.md, Levels).
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import given

from decide.certify import certificate
from decide.report import RenderOptions, render
from tests.conftest import ROOT
from tests.test_properties import FAST, run, task_documents


@FAST
@given(doc=task_documents())
def test_the_cleared_level_never_exceeds_the_target_and_no_gap_applies_at_or_below_it(doc):
    a = run(doc).assessment
    assert 1 <= a.start_level <= a.target_level
    if a.cleared:
        assert all(not a.gaps_by_level[level] for level in range(1, a.start_level + 1))
        above = a.start_level + 1
        assert above > a.target_level or a.gaps_by_level[above], "a higher level with no gap is cleared too"
    else:
        assert a.start_level == 1 and a.gaps_by_level[1]
    if a.readiness == "ready":
        assert a.cleared and a.start_level == a.target_level


@FAST
@given(doc=task_documents())
def test_the_certificate_grants_the_cleared_level_and_the_summary_states_it(doc):
    report = run(doc)
    a = report.assessment
    if a.cleared:
        assert certificate(report, datetime.date(2026, 12, 4))["level"] == a.start_level
        if a.readiness != "ready":
            assert f"Cleared today for level {a.start_level} " in report.summary
    else:
        assert "Cleared for no level yet: shadow only." in report.summary


def decide(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decide", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, check=False)  # fmt: skip


def test_an_agent_that_places_orders_is_not_cleared_to_delegate_before_it_is_piloted(tmp_path: Path) -> None:
    task = ROOT / "examples" / "inventory-replenishment.yaml"
    report = json.loads(decide("evaluate", str(task), "-f", "json").stdout)
    recommendation = report["recommendation"]
    assert recommendation["target_level"] == 4 and recommendation["start_level"] == 3 and recommendation["cleared"]
    cert = tmp_path / "cert.json"
    assert decide("certify", str(task), "-o", str(cert), "--today", "2026-12-04").returncode == 0
    assert json.loads(cert.read_text("utf-8"))["level"] == 3


def test_certify_grants_nothing_to_work_cleared_for_no_level(tmp_path: Path) -> None:
    task = ROOT / "examples" / "ticket-triage-agent.yaml"
    cert = tmp_path / "cert.json"
    result = decide("certify", str(task), "-o", str(cert), "--today", "2026-12-04")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{task}: cleared for no level yet (") and line.endswith("): no certificate")
    missing, unevidenced = line.split(" missing at level 1; no current evidence for ")
    assert "kill_switch" in missing and "escalation" not in missing  # automatic escalation is for level 3
    # Manual escalation, claimed and required of an agent at every level, must be shown as well.
    assert "audit_log" in unevidenced and "escalation" in unevidenced
    assert not cert.exists()


TASK = """\
version: 1
title: {title}
objective: {title}.
autonomy: {{initiation: user, planning: single-step, decisions: person, unattended: never, adaptation: fixed}}
scope: {{systems: {systems}, cross_system: false, actions: {actions}, reversibility: {reversibility}, impact: {impact},
         reach: {reach}, user_facing: {user_facing}, errors: visible, volume_per_day: {volume}}}
data_access: {{sensitivity: {sensitivity}, write: {write}, quality: curated, untrusted_input: {untrusted},
               external_sharing: false, regulations: []}}
governance: {{owner: Store operations, human_approval: all, audit_log: complete, monitoring: alerts,
              escalation: manual, rollback: {rollback}, kill_switch: true, access: least-privilege,
              limits: enforced, evaluation: pilot, review: scheduled}}
"""


def evaluate(tmp_path: Path, **answers: object) -> dict:  # type: ignore[type-arg]
    path = tmp_path / "task.yaml"
    path.write_text(TASK.format(**answers), encoding="utf-8")
    result = decide("evaluate", str(path), "-f", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


DRIVE_THRU = {"title": "Drive-thru ordering assistant", "systems": 5, "actions": "transact", "reversibility": "full",
              "impact": "minor", "reach": "public", "user_facing": "external", "volume": 3000,
              "sensitivity": "personal", "write": "shared", "untrusted": "true", "rollback": "tested"}  # fmt: skip


def test_minor_fully_reversible_work_is_not_high_risk_however_busy(tmp_path: Path) -> None:
    # Customers talk to it, it places orders, at volume; but the crew confirm each order and any
    # mistake is undone at the window.
    report = evaluate(tmp_path, **DRIVE_THRU)
    assert report["risk"]["tier"] == "medium"
    assert report["risk"]["score"] >= 50  # the mechanics alone would make it high
    assert any(reason.startswith("Capped at medium") for reason in report["risk"]["reasons"])


def test_the_cap_does_not_hold_for_special_data_or_outcomes_that_stay(tmp_path: Path) -> None:
    for changed in ({"reversibility": "partial"}, {"impact": "moderate"}, {"sensitivity": "special"}):
        report = evaluate(tmp_path, **{**DRIVE_THRU, **changed})
        assert not any(reason.startswith("Capped at medium") for reason in report["risk"]["reasons"]), changed


FAQ = {"title": "Internal FAQ assistant", "systems": 1, "actions": "read", "reversibility": "full", "impact": "minor",
       "reach": "team", "user_facing": "internal", "volume": 20, "sensitivity": "internal", "write": "none",
       "untrusted": "false"}  # fmt: skip


def test_a_missing_rollback_procedure_is_a_gap_at_every_tier(tmp_path: Path) -> None:
    reading = evaluate(tmp_path, **FAQ, rollback="none")
    assert reading["risk"]["tier"] == "low"
    gaps = {gap["control"]: gap["severity"] for gap in reading["gaps"]}
    assert gaps == {"rollback": "advisory"}  # it only reads: switching it off is the way back
    assert reading["recommendation"]["readiness"] == "conditional"
    assert not reading["recommendation"]["cleared"]
    writing = evaluate(tmp_path, **{**FAQ, "actions": "write", "write": "shared"}, rollback="none")
    assert {gap["control"]: gap["severity"] for gap in writing["gaps"]}["rollback"] == "blocking"


def sentences(text: str) -> list[str]:
    """The report's sentences of five words or more, whitespace and markup folded."""
    flat = " ".join(text.replace("|", " ").replace("*", " ").replace("`", " ").replace("☐", " ").replace("•", " ").split())
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+", flat):
        words = re.sub(r"^\d+\.\s*", "", sentence).split()
        if len(words) >= 5:
            found.append(" ".join(words))
    return found


@FAST
@given(doc=task_documents())
def test_no_sentence_is_printed_twice_in_a_report(doc):
    report = run(doc)
    for fmt in ("text", "markdown"):
        said = sentences(render(report, fmt, RenderOptions(color=False, width=100)))
        repeated = {sentence for sentence in said if said.count(sentence) > 1}
        assert not repeated, (fmt, repeated)
