"""Regenerate the screenshots in docs/screenshots/: the ticket-triage report and the examples' portfolio
page, on a desktop and a phone, as Chromium shows them.

    python docs/screenshots.py [--out DIR] [--chromium PATH]

It runs `decide batch examples -f html` into a temporary folder and photographs the first screen of each
page. It needs the test extras (playwright) and a Chromium (Debian's `chromium` package).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGES = {"report": "ticket-triage-agent.html", "portfolio": "summary.html"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    arguments = parser.parse_args()
    if not arguments.chromium:
        print("screenshots: no Chromium found; install Debian's chromium or pass --chromium PATH", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    arguments.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        pages = Path(folder)
        # Not-ready examples make batch exit 1; the pages are written all the same.
        subprocess.run([sys.executable, "-m", "decide", "batch", "examples", "--out-dir", str(pages), "-f", "html"],
                       cwd=ROOT, check=False, capture_output=True)  # fmt: skip
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=arguments.chromium, args=["--no-sandbox", "--disable-gpu"])
            for page_name, file_name in PAGES.items():
                for screen_name, viewport in SCREENS.items():
                    page = browser.new_page(viewport=viewport, device_scale_factor=1)
                    page.goto((pages / file_name).as_uri())
                    target = arguments.out / f"{page_name}-{screen_name}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
                    page.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
