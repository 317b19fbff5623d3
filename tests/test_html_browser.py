"""The HTML report and portfolio page in the real Chromium, as a reviewer meets them: on a desktop and a
phone, light and dark, printed to A4, by keyboard, checked by axe-core, and fed hostile text."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import AS_OF_EPOCH, ROOT
from tests.test_html import HOSTILE, hostile_task

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (.ci/run installs Debian's)")
ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]  # fmt: skip
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples and a hostile task, evaluated by `decide batch` into HTML reports and summary.html."""
    folder = tmp_path_factory.mktemp("html")
    task = hostile_task(folder)
    out = folder / "out"
    with pytest.MonkeyPatch.context() as patch:  # as the function-scoped fixtures of tests/conftest.py set it
        patch.chdir(ROOT)
        patch.setenv("SOURCE_DATE_EPOCH", AS_OF_EPOCH)
        result = CliRunner().invoke(app, ["batch", "examples", str(task), "--out-dir", str(out), "-f", "html"])
    assert (out / "summary.html").exists(), result.stderr
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
        yield chromium
        chromium.close()


def _open(browser: Any, path: Path, viewport: dict[str, int] = DESKTOP, scheme: str = "light") -> Any:
    page = browser.new_page(viewport=viewport, color_scheme=scheme)
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.dialogs, page.requests = dialogs, requests
    return page


def _violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it is shown."""
    axe = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    page.evaluate(axe)  # through the devtools protocol: the page's CSP forbids any script it did not ship
    result = page.evaluate("options => axe.run(document, options)", {"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [f"{v['id']}: {node['target']} {node.get('failureSummary', '')}" for v in result["violations"]
            for node in v["nodes"]]  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", ["ticket-triage-agent.html", "inventory-replenishment.html", "hostile.html", "summary.html"])
def test_axe_finds_no_wcag_violation(browser: Any, batch: Path, name: str, viewport: dict[str, int],
                                     scheme: str) -> None:  # fmt: skip
    page = _open(browser, batch / name, viewport, scheme)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # what hides checked too
    assert _violations(page) == []
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_first_screen_answers_the_question(browser: Any, batch: Path, viewport: dict[str, int]) -> None:
    page = _open(browser, batch / "ticket-triage-agent.html", viewport)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    verdict = page.locator("#verdict")
    assert verdict.inner_text().startswith("Not ready")
    for text in ("an AI agent", "target 3 (supervise)", "high", "score 60.5 of 100", "Close first"):
        box = page.get_by_text(text, exact=False).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= viewport["height"], f"{text!r} is below the fold"
    # the verdict outweighs the task's title
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert verdict.evaluate(size) > page.locator("h1").evaluate(size)
    page.close()


def test_gaps_are_cards_on_a_phone(browser: Any, batch: Path) -> None:
    page = _open(browser, batch / "ticket-triage-agent.html", PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    remedy = page.locator(".gaps-table td[data-label='How to close it']").first
    box = remedy.bounding_box()
    assert box is not None and box["width"] >= 300 and box["x"] + box["width"] <= PHONE["width"]
    label = remedy.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"How to close it: "'  # each card's fields named, as the table's header names them
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chart_text_is_body_size_and_explained(browser: Any, batch: Path, viewport: dict[str, int]) -> None:
    page = _open(browser, batch / "ticket-triage-agent.html", viewport)
    sizes = page.eval_on_selector_all(
        ".chart figcaption, .chart dt, .chart .reads, .bands .band, .legend li, .gantt-label",
        "cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))",
    )
    assert sizes and all(13 <= size <= 18 for size in sizes), sizes
    text = page.locator("#scores").locator("..").inner_text()
    assert "Risk score 60.5 of 100 against the tier bands" in text
    assert "higher means more risk" in text and "higher is better" in text
    assert [b.strip() for b in page.locator(".bands .band").all_inner_texts()] == ["low", "medium", "high", "critical"]
    legend = page.locator(".legend li").all_inner_texts()
    assert legend == ["Level 1 advise", "Level 2 approve", "Level 3 supervise", "Level 4 delegate"]
    # a level's colour is not a tier's, and risk drivers are not drawn in control strength's colour
    colour = "e => getComputedStyle(e).backgroundColor"
    levels = {page.locator(f".legend .level-{n}").evaluate(colour) for n in range(1, 5)}
    tiers = {page.locator(f".band-{t}").evaluate(colour) for t in ("low", "medium", "high", "critical")}
    assert len(levels) == 4 and not levels & tiers
    assert page.locator(".bar.driver").first.evaluate(colour) != page.locator(".bar.strength").evaluate(colour)
    page.close()


def test_every_control_shows_where_the_focus_is(browser: Any, batch: Path) -> None:
    for name in ("ticket-triage-agent.html", "summary.html"):
        page = _open(browser, batch / name)
        seen = 0
        for _ in range(12):
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
                return {tag: e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
            if focused["tag"] == "BODY":
                continue
            seen += 1
            assert focused["outline"] != "none" and focused["width"] >= 2, (name, focused)
        assert seen >= 3
        page.close()


def test_the_ticket_triage_report_prints_on_four_a4_pages_in_light_colours(browser: Any, batch: Path) -> None:
    page = _open(browser, batch / "ticket-triage-agent.html", DESKTOP, "dark")
    page.emulate_media(media="print", color_scheme="dark")
    colours = page.evaluate("[getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]")
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]  # printed from a dark-mode browser too
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert 1 <= pages <= 4, f"{pages} A4 pages"
    # headings stay with what follows; the table header repeats
    assert page.eval_on_selector("h2", "e => getComputedStyle(e).breakAfter") == "avoid-page"
    assert page.eval_on_selector(".gaps-table thead", "e => getComputedStyle(e).display") == "table-header-group"
    page.close()


def test_hostile_text_stays_text(browser: Any, batch: Path) -> None:
    for viewport in (DESKTOP, PHONE):
        page = _open(browser, batch / "hostile.html", viewport)
        assert page.title() == f"{HOSTILE} · decide"  # shown as text; no script from the task ran
        assert page.locator("h1").inner_text() == HOSTILE
        assert page.locator("img").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # the 300-letter word wraps
        # the right-to-left override in the owner stays inside its own isolate
        owner = page.locator(".page-head bdi", has_text="desk")
        assert owner.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
        assert page.locator(".page-head .muted").inner_text().startswith("Proposed by ")
        assert page.dialogs == [] and all(url.startswith("file:") for url in page.requests)
        page.close()


def test_the_portfolio_filters_searches_and_sorts(browser: Any, batch: Path) -> None:
    page = _open(browser, batch / "summary.html", PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    rows = "#task-table tbody tr:not([hidden])"
    total = page.locator(rows).count()
    assert total == 6
    page.fill("#search", "ticket")
    assert page.locator(rows).count() == 1 and page.locator("#shown").inner_text() == "Showing 1 of 6 tasks."
    page.fill("#search", "")
    page.select_option("#readiness", "not-ready")
    readiness = page.eval_on_selector_all(rows, "rows => rows.map(r => r.dataset.readiness)")
    assert readiness and set(readiness) == {"not-ready"}
    page.click("button[type=reset]")
    assert page.locator(rows).count() == total
    # a count in the tier x readiness grid shows its tasks
    link = page.locator("#grid ~ table a").first
    tier, readiness_wanted = re.findall(r"tier=(\w+)&readiness=([\w-]+)", link.get_attribute("href"))[0]
    link.click()
    shown = page.eval_on_selector_all(rows, "rows => rows.map(r => [r.dataset.tier, r.dataset.readiness])")
    assert shown and all(pair == [tier, readiness_wanted] for pair in shown)
    assert int(link.inner_text()) == len(shown)
    page.click("button[type=reset]")
    # sorting by tier, then back
    tiers = "#task-table tbody tr td:nth-child(5)"
    page.click("#task-table thead th:nth-child(5) button")
    ascending = page.eval_on_selector_all(tiers, "cells => cells.map(c => c.textContent)")
    assert ascending == sorted(ascending, key=["low", "medium", "high", "critical"].index)
    page.click("#task-table thead th:nth-child(5) button")
    assert page.eval_on_selector_all(tiers, "cells => cells.map(c => c.textContent)") == ascending[::-1]
    # each task's report, and back
    page.click("#task-table a >> nth=0")
    page.click("header .eyebrow a")
    assert page.title() == "Portfolio summary · decide"
    assert page.dialogs == []
    page.close()


def test_the_screenshots_script_photographs_both_pages_on_both_screens(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "docs/screenshots.py", "--out", str(tmp_path), "--chromium", str(CHROMIUM)],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name, width in (("report-desktop", 1280), ("report-phone", 390), ("portfolio-desktop", 1280),
                        ("portfolio-phone", 390)):  # fmt: skip
        png = (tmp_path / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == width, name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"docs/screenshots/{name}.png" in readme for name in ("report-desktop", "portfolio-phone"))


def test_a_portfolio_of_hundreds_of_tasks(browser: Any, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        text = example.read_text(encoding="utf-8")
        for n in range(50):
            (tasks / f"{example.stem}-{n}.yaml").write_text(text.replace(f"id: {example.stem}", f"id: {example.stem}-{n}"),
                                                           encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    CliRunner().invoke(app, ["batch", str(tasks), "--out-dir", str(out), "-f", "html"])
    page = _open(browser, out / "summary.html", PHONE)
    rows = "#task-table tbody tr:not([hidden])"
    assert page.locator(rows).count() == 250
    readiness = page.eval_on_selector_all(rows, "rows => rows.map(r => r.dataset.readiness)")
    assert readiness == sorted(readiness, key=["not-ready", "conditional", "ready"].index)  # worst first
    page.fill("#search", "ticket-triage-agent-17")
    assert page.locator(rows).count() == 1
    page.fill("#search", "")
    page.select_option("#tier", "critical")
    page.select_option("#kind", "hybrid")
    assert page.locator(rows).count() == 50 and page.locator("#shown").inner_text() == "Showing 50 of 250 tasks."
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.close()


def test_the_portfolio_prints_without_its_controls(browser: Any, batch: Path) -> None:
    page = _open(browser, batch / "summary.html", DESKTOP, "dark")
    page.emulate_media(media="print", color_scheme="dark")
    assert page.eval_on_selector("#task-table thead", "e => getComputedStyle(e).display") == "table-header-group"
    arrow = "e => getComputedStyle(e, '::after').display"
    assert page.eval_on_selector("#task-table button.sort", arrow) == "none"  # no sort arrows on paper
    assert page.eval_on_selector("#filters", "e => getComputedStyle(e).display") == "none"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", page.pdf(format="A4"))) <= 3
    page.close()
