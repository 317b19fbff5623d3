"""The tier range: what the unanswered questions could still make of the tier (PRODUCT.md,
"Unanswered questions give a range").

Properties, on generated task documents read through the real loader and engine:

1. no answers to the unanswered questions give a tier below ``best``;
2. answering the deciding questions the least cautious way (and nothing else) gives ``best``;
3. each deciding question is needed: leave any one of them unanswered and the tier stays above ``best``;
4. a task with nothing that could lower its tier has a closed range.

And through the real CLI: the JSON report carries ``risk.tier_range`` and follows the report schema;
the markdown report says what the range is and which questions decide it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from decide.cli import app
from decide.loading.schemas import packaged_schema
from decide.model import TIERS, Assessment, Criterion
from tests.test_properties import FAST, RUBRIC_SET, answer_strategy, assess, task_documents, with_answer

TIER_FIELDS = RUBRIC_SET.tables.tier_fields


def unanswered(doc: dict[str, Any]) -> list[Criterion]:
    return [c for c in TIER_FIELDS if (doc.get(c.rubric) or {}).get(c.id) is None]


BY_FIELD = {c.field: c for c in TIER_FIELDS}


def answered(doc: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    for field, value in answers.items():
        doc = with_answer(doc, BY_FIELD[field], value)
    return doc


def rank(tier: str) -> int:
    return TIERS.index(tier)


@FAST
@given(doc=task_documents(), data=st.data())
def test_no_answers_give_a_tier_below_the_best(doc: dict[str, Any], data: st.DataObject) -> None:
    before = assess(doc)
    answers = {c.field: data.draw(answer_strategy(c), label=c.field) for c in unanswered(doc)}
    after = assess(answered(doc, answers))
    assert rank(after.tier) >= rank(before.tier_range.best)
    assert rank(before.tier_range.best) <= rank(before.tier)


@FAST
@given(doc=task_documents())
def test_the_deciding_questions_answered_least_cautiously_give_the_best_tier(doc: dict[str, Any]) -> None:
    span = assess(doc).tier_range
    deciding = {field: BY_FIELD[field].least_cautious for field in span.deciding}
    assert assess(answered(doc, deciding)).tier == span.best
    for needed in deciding:
        rest = {field: value for field, value in deciding.items() if field != needed}
        assert rank(assess(answered(doc, rest)).tier) > rank(span.best), f"{needed} was not needed"


@settings(max_examples=60, deadline=None)
@given(doc=task_documents())
def test_a_closed_range_is_the_tier_itself(doc: dict[str, Any]) -> None:
    result: Assessment = assess(doc)
    if not result.tier_range.deciding:
        assert result.tier_range.best == result.tier
        assert result.tier_range.best_score == result.risk_score
    else:
        assert rank(result.tier_range.best) < rank(result.tier)


DRAFT = """\
version: 1
title: Benefits letter drafting
objective: Draft decision letters for benefit claims.
autonomy: {initiation: user, planning: single-step, decisions: person}
scope: {impact: minor}
data_access: {}
governance: {}
"""


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.yaml"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_json_report_of_a_draft_carries_its_tier_range(draft: Path) -> None:
    result = run_cli("evaluate", "--format", "json", str(draft))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, packaged_schema("report"))
    span = report["risk"]["tier_range"]
    assert span["cautious"] == report["risk"]["tier"]
    assert rank(span["best"]) < rank(span["cautious"])
    assert span["deciding"] and "data_access.sensitivity" in span["deciding"]
    assert "scope.impact" not in span["deciding"]  # answered: it decides nothing any more


def test_markdown_report_names_the_range_and_the_deciding_questions(draft: Path) -> None:
    result = run_cli("evaluate", "--format", "markdown", str(draft))
    assert result.exit_code == 0, result.output
    report = json.loads(run_cli("evaluate", "--format", "json", str(draft)).stdout)
    span = report["risk"]["tier_range"]
    assert f"as low as {span['best']}" in result.stdout
    assert span["deciding"][0] in result.stdout


def test_a_complete_task_has_no_range() -> None:
    root = Path(__file__).resolve().parents[1]
    result = run_cli("evaluate", "--format", "json", str(root / "examples" / "ticket-triage-agent.yaml"))
    span = json.loads(result.stdout)["risk"]["tier_range"]
    assert span["deciding"] == [] and span["best"] == span["cautious"]
    assert "as low as" not in run_cli("evaluate", "--format", "markdown",
                                               str(root / "examples" / "ticket-triage-agent.yaml")).stdout


def test_the_portfolio_summary_triages_drafts_by_their_tier_range(draft: Path, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "draft.yaml").write_text(DRAFT, encoding="utf-8")
    (folder / "ticket.yaml").write_text((root / "examples" / "ticket-triage-agent.yaml").read_text("utf-8"), "utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", str(folder), "--out-dir", str(out))
    assert result.exit_code in (0, 1), result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    jsonschema.validate(summary, packaged_schema("summary"))
    assert summary["tier_ranges"]["groups"]["depends on the answers"] == 1  # the draft
    assert summary["tier_ranges"]["groups"]["high or critical whatever the answers"] == 1  # the ticket agent
    draft_row = next(row for row in summary["tasks"] if row["id"] == "draft")
    listed = summary["tier_ranges"]["deciding"]
    assert listed and all(item["field"] in draft_row["deciding"] and item["tasks"] == 1 for item in listed)
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert "| depends on the answers | 1 |" in markdown
    assert f"- `{listed[0]['field']}`: 1 task" in markdown
    assert run_cli("batch", str(folder), "--out-dir", str(tmp_path / "html"), "-f", "html").exit_code in (0, 1)
    page = (tmp_path / "html" / "summary.html").read_text(encoding="utf-8")
    assert 'Depends on the answers</th><td data-label="Tasks">1</td>' in page
    assert f'<code class="token">{listed[0]["field"]}</code>: 1 task<' in page


def test_the_sample_inventory_triages_by_the_agencies_own_determination(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    sample = root / "examples" / "inventory" / "omb-2025-ai-use-case-inventory-sample.csv"
    drafts, out = tmp_path / "drafts", tmp_path / "reports"
    imported = run_cli("import", "omb-inventory", str(sample), "--out-dir", str(drafts))
    assert imported.exit_code == 0, imported.output
    assert run_cli("batch", str(drafts), "--out-dir", str(out)).exit_code in (0, 1)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    determined = {}
    for path in drafts.glob("*.yaml"):
        match = re.search(r'^x-omb-high-impact: "([^"]*)"', path.read_text(encoding="utf-8"), re.MULTILINE)
        determined[path.stem] = match.group(1) if match else ""
    for row in summary["tasks"]:
        high_at_best = rank(row["best_tier"]) >= rank("high")
        if determined[row["id"]] == "High-impact":
            assert rank(row["tier"]) >= rank("high") and high_at_best, row["id"]
        else:
            assert not high_at_best, row["id"]  # not high whatever the answers: it depends on them
    groups = summary["tier_ranges"]["groups"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for group in ("high or critical whatever the answers", "depends on the answers"):
        assert f"| {group} | {groups[group]} |" in readme
