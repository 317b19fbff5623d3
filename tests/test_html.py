"""The HTML report and portfolio page: self-contained, escaped, and right in a real browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPTED = '<script>document.title="pwned"</script>'


def _hostile_task(folder: Path) -> Path:
    text = (ROOT / "examples" / "ticket-triage-agent.yaml").read_text(encoding="utf-8")
    text = text.replace("id: ticket-triage-agent", "id: hostile").replace(
        "title: IT ticket triage agent", f"title: '{HOSTILE}'"
    )
    text = text.replace("owner: IT service desk", f"owner: '{SCRIPTED}'")
    text = text.replace("owner: Service desk manager", "owner: '\" onmouseover=\"alert(2)'")
    text = text.replace("objective: Route", f"objective: '{SCRIPTED} Route").replace(
        "resolve known issues automatically.", "resolve known issues automatically.'"
    )
    text += f"description: '{HOSTILE} & <b>bold</b>'\nx-note: '{SCRIPTED}'\n"
    path = folder / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_page_is_self_contained(runner: CliRunner, tmp_path: Path) -> None:
    page = runner.invoke(app, ["evaluate", "examples/inventory-replenishment.yaml", "-f", "html"]).stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page  # a report runs nothing
    assert not re.search(r"(src|href)=\"https?:", page) and "@import" not in page and "url(" not in page
    assert "script-src" not in page or "default-src 'none'" in page
    assert page.count("<svg") == 2 and 'role="img"' in page and '<title id="scores-title">' in page
    assert "<caption>Scores out of 100" in page  # the chart's text equivalent
    (tmp_path / "r.html").write_text(page, encoding="utf-8")
    assert runner.invoke(app, ["evaluate", "examples/inventory-replenishment.yaml", "-o",
                               str(tmp_path / "o.html")]).exit_code == 0  # fmt: skip
    assert (tmp_path / "o.html").read_text(encoding="utf-8") == page


def test_everything_a_user_wrote_is_escaped(runner: CliRunner, tmp_path: Path) -> None:
    task = _hostile_task(tmp_path)
    page = runner.invoke(app, ["evaluate", str(task), "-f", "html"]).stdout
    assert HOSTILE not in page and SCRIPTED not in page and "<b>bold</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page
    assert '" onmouseover="' not in page
    out = tmp_path / "out"
    assert runner.invoke(app, ["batch", str(task.parent), "--out-dir", str(out), "-f", "html"]).exit_code == 0
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert HOSTILE not in summary and "&lt;img src=x onerror=alert(1)&gt;" in summary


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)")
def test_in_a_real_browser(runner: CliRunner, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    task = _hostile_task(tmp_path)
    out = tmp_path / "out"
    assert runner.invoke(app, ["batch", "examples", str(task), "--out-dir", str(out), "-f", "html"]).exit_code == 0
    arguments = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=_chromium(), args=arguments)
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto((out / "hostile.html").as_uri())
            assert page.title() == f"{HOSTILE} · decide"  # shown as text; no script from the task ran
            assert page.locator("h1").inner_text() == HOSTILE
            assert page.locator("img").count() == 0
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width + 1, f"the page is wider than the screen at {width}px"
            page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)

            page.goto((out / "summary.html").as_uri())
            assert page.title() == "Portfolio summary · decide"
            tiers = "#task-table tbody tr td:nth-child(4)"
            page.click("#task-table thead th:nth-child(4) button")  # sort by tier
            ascending = page.eval_on_selector_all(tiers, "cells => cells.map(c => c.textContent)")
            order = ["low", "medium", "high", "critical"]
            assert ascending == sorted(ascending, key=order.index)
            page.click("#task-table thead th:nth-child(4) button")
            assert page.eval_on_selector_all(tiers, "cells => cells.map(c => c.textContent)") == ascending[::-1]
            page.screenshot(path=str(tmp_path / f"summary-{width}.png"), full_page=True)
        assert dialogs == []
        browser.close()
    for name in ("report-1280", "report-390", "summary-1280", "summary-390"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
