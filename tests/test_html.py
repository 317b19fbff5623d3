"""The HTML report and portfolio page as files: self-contained, the same bytes for the same input, every fact
the other formats carry, and everything a user wrote escaped, cleared of control characters and isolated.
What they look like and do in a real browser is tests/test_html_browser.py."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPTED = '<script>document.title="pwned"</script>'
TRIAGE = "examples/ticket-triage-agent.yaml"


def hostile_task(folder: Path) -> Path:
    """The ticket-triage example with markup, a right-to-left override, control characters and a 300-letter
    word in the fields a person types."""
    text = (ROOT / TRIAGE).read_text(encoding="utf-8")
    text = text.replace("id: ticket-triage-agent", "id: hostile").replace(
        "title: IT ticket triage agent", f"title: '{HOSTILE}'"
    )
    text = text.replace("owner: IT service desk", 'owner: "Bob \\u202Eexe.png\\0 desk\\r"')
    text = text.replace("owner: Service desk manager", "owner: '\" onmouseover=\"alert(2)'")
    text = text.replace("objective: Route", f"objective: '{SCRIPTED} {'W' * 300} Route").replace(
        "resolve known issues automatically.", "resolve known issues automatically.'"
    )
    text += f"description: '{HOSTILE} & <b>bold</b>'\nx-note: '{SCRIPTED}'\n"
    path = folder / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _page(runner: CliRunner, *arguments: str) -> str:
    result = runner.invoke(app, ["evaluate", *arguments, "-f", "html"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _text(page: str) -> str:
    """The page's visible text, one space between words: what a reader sees, markup aside."""
    body = re.sub(r"(?s)<(style|title)>.*?</\1>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _first_screen(page: str) -> str:
    """The text of the verdict: what the page leads with."""
    return _text(
        page[page.index('<section class="verdict') : page.index('<section class="section" aria-labelledby="gaps"')]
    )


def test_the_page_is_self_contained_and_the_same_every_time(runner: CliRunner, tmp_path: Path) -> None:
    page = _page(runner, "examples/inventory-replenishment.yaml")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page  # a report runs nothing
    assert not re.search(r"(src|href)=\"https?:", page) and "@import" not in page and "url(" not in page
    csp = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"]
    assert _page(runner, "examples/inventory-replenishment.yaml") == page
    assert runner.invoke(app, ["evaluate", "examples/inventory-replenishment.yaml", "-o",
                               str(tmp_path / "o.html")]).exit_code == 0  # fmt: skip
    assert (tmp_path / "o.html").read_text(encoding="utf-8") == page


def test_every_fact_of_the_json_report_is_on_the_page(runner: CliRunner) -> None:
    facts = json.loads(runner.invoke(app, ["evaluate", TRIAGE, "-f", "json"]).stdout)
    text = _text(_page(runner, TRIAGE))
    recommendation = facts["recommendation"]
    assert f"Not ready for level {recommendation['target_level']} ({recommendation['target_level_name']})" in text
    assert f"score {facts['risk']['score']:g} of 100" in text
    assert recommendation["summary"] in text and recommendation["target_reason"] in text
    for rubric, score in facts["scores"].items():
        assert f"{score:g}" in text, rubric
    # each score's "reads as" line, from the rubric set
    for line in ("How much initiative the work needs", "What the work touches", "What the work reads",
                 "The controls in place today"):  # fmt: skip
        assert line in text
    for gap in facts["gaps"]:
        assert gap["remedy"] in text
        for reference in gap["references"]:
            assert reference["id"] in text and reference["title"] in text
    assert "From level" in text
    for risk in facts["risk"]["named_risks"]:
        assert risk["description"] in text and all(r["id"] in text for r in risk["references"])
    for evidence in facts["evidence"]["controls"]:
        assert evidence["detail"] in text and evidence["status"] in text
    for equivalent in [*recommendation["start_level_equivalents"].values(),
                       *recommendation["target_level_equivalents"].values()]:  # fmt: skip
        assert equivalent in text  # the level scales
    for reason in [*facts["risk"]["reasons"], *recommendation["reasons"], *(r["why"] for r in facts["requirements"])]:
        assert reason in text
    for milestone in facts["pilot"]["milestones"]:
        assert milestone["objective"] in text and all(c in text for c in milestone["exit_criteria"])
    assert all(t in text for t in facts["rollback"]["triggers"]) and all(s in text for s in facts["rollback"]["steps"])
    for criterion in facts["criteria"]:
        assert criterion["field"] in text and criterion["label"] in text
    assert facts["task"]["sha256"][:12] in text and facts["rubrics"]["sha256"][:12] in text


def test_the_framework_option_chooses_the_references(runner: CliRunner) -> None:
    every = _text(_page(runner, TRIAGE))
    assert "EU AI Act (2024/1689) Article 14" in every and "NIST AI Risk Management Framework (1.0)" in every
    eu_only = _text(_page(runner, TRIAGE, "--framework", "eu-ai-act"))
    assert "EU AI Act (2024/1689) Article 14" in eu_only and "NIST AI Risk Management Framework" not in eu_only
    assert "references to eu-ai-act only" in eu_only


def test_the_first_screen_leads_with_the_answer(runner: CliRunner) -> None:
    page = _page(runner, TRIAGE)
    # readiness, kind, levels, risk and what to close first, before any other section
    assert page.index('id="verdict"') < page.index('id="gaps"') < page.index('id="scores"')
    first = _first_screen(page)
    assert first.startswith("Not ready for level 3 (supervise)")
    assert "Build it as an AI agent" in first and "cleared for no level: shadow only → target 3" in first
    assert "Close first Rollback (none → manual, blocking)" in first
    # blocking gaps before advisory ones, whatever order the engine closes them in
    gaps = page[page.index('class="cards gaps-table"') :].split("</table>")[0]
    severities = re.findall(r'class="gap-(blocking|advisory)"', gaps)
    assert severities == sorted(severities, key=("blocking", "advisory").index) and "advisory" in severities
    assert "not-ready</" not in page and ">not-ready" not in page  # the token stays in the JSON report


def test_assumptions_that_change_the_verdict_are_on_the_first_screen(runner: CliRunner, tmp_path: Path) -> None:
    text = (ROOT / TRIAGE).read_text(encoding="utf-8").replace("  kill_switch: false\n", "")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    page = _page(runner, str(tmp_path / "t.yaml"))
    first = _first_screen(page)
    assert "Assumed, not answered" in first and "governance.kill_switch = false" in first


def test_everything_a_user_wrote_is_escaped_and_isolated(runner: CliRunner, tmp_path: Path) -> None:
    task = hostile_task(tmp_path)
    page = _page(runner, str(task))
    assert HOSTILE not in page and SCRIPTED not in page and "<b>bold</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page
    assert '" onmouseover="' not in page
    # the override cannot turn the page's own words around it, and no raw control character is written
    assert "Proposed by <bdi>Bob \u202eexe.png\\x00 desk\\r</bdi>" in page
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", page)
    out = tmp_path / "out"
    assert runner.invoke(app, ["batch", str(task.parent), "--out-dir", str(out), "-f", "html"]).exit_code == 0
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert HOSTILE not in summary and "<bdi>&lt;img src=x onerror=alert(1)&gt;</bdi>" in summary
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", summary)


def test_the_portfolio_lists_the_worst_first_and_links_both_ways(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", "examples", "--out-dir", str(out), "-f", "html"])
    assert result.exit_code in (0, 1), result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    page = (out / "summary.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-kind="(\w+)" data-tier="(\w+)" data-readiness="([\w-]+)"><th scope="row"'
                      r' data-label="Task"><a href="([^"]+)">', page)  # fmt: skip
    assert len(rows) == len(summary["tasks"])
    order = [(("not-ready", "conditional", "ready").index(r), -("low", "medium", "high", "critical").index(t))
             for _, t, r, _ in rows]  # fmt: skip
    assert order == sorted(order)  # not ready first, then the highest tier
    for task in summary["tasks"]:
        row = page[page.index(f'<a href="{task["report"]}">') :].split("</tr>")[0]
        assert f">{task['risk_score']:g}<" in row and f"<bdi>{html.escape(task['owner'])}</bdi>" in row
        assert all(control.replace("_", " ") in row.lower() for control in task["blocking"])
        report = (out / task["report"]).read_text(encoding="utf-8")
        assert report.count('href="summary.html"') == 2  # at the top and at the foot
    # the tier x readiness grid counts what summary.json counts
    grid = page[page.index('id="grid"') : page.index("</table>")]
    links = re.findall(r'href="#tier=(\w+)&amp;readiness=([\w-]+)"[^>]*><strong>(\d+)</strong>', grid)
    assert sum(int(n) for *_, n in links) == summary["totals"]["evaluated"]
    for tier, readiness, count in links:
        assert int(count) == sum(1 for t in summary["tasks"] if (t["tier"], t["readiness"]) == (tier, readiness))
    # one script, allowed by its hash and nothing else
    assert page.count("<script>") == 1 and "script-src 'sha256-" in page and "unsafe-eval" not in page
    assert not re.search(r"(src|href)=\"https?:", page)


def test_the_portfolio_page_is_the_same_every_time(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    shutil.copytree(ROOT / "examples", tasks)
    (tasks / "broken.yaml").write_text("version: 1\ntitle: '<b>x</b>\\0'\n", encoding="utf-8")
    pages = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = subprocess.run([sys.executable, "-m", "decide", "batch", str(tasks), "--out-dir", str(out), "-f", "html",
                                 "--jobs", jobs], capture_output=True, text=True, cwd=ROOT, check=False)  # fmt: skip
        assert result.returncode == 2, result.stderr  # the broken file
        pages.append([(out / name).read_bytes() for name in ("summary.html", "ticket-triage-agent.html")])
    assert pages[0] == pages[1]
    summary = pages[0][0].decode("utf-8")
    invalid = summary[summary.index('<h2 id="invalid-files">') :].split("</section>")[0]
    assert "broken.yaml" in invalid and "<b>" not in invalid
