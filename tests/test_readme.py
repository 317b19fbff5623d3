"""The README shows real output and starts with the two set-up commands."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
EXAMPLE_BLOCK = re.compile(r"(<!-- example-output:start -->\n```text\n)(.*?)(```\n<!-- example-output:end -->)", re.S)


def test_readme_example_output_is_current(runner: CliRunner, update_golden: bool) -> None:
    shown = EXAMPLE_BLOCK.search(README)
    assert shown, "the README's example output block is missing"
    result = runner.invoke(app, ["evaluate", "examples/ticket-triage-agent.yaml"])
    assert result.exit_code == 0
    if update_golden:
        README_PATH.write_text(EXAMPLE_BLOCK.sub(lambda m: m.group(1) + result.stdout + m.group(3), README), "utf-8")
    else:
        assert shown.group(2) == result.stdout, "the README's example output is stale: run pytest --update-golden"


def test_readme_starts_with_the_two_setup_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block
    commands = first_block.group(1).strip().splitlines()
    assert commands == [
        "pip install . && decide evaluate examples/inventory-replenishment.yaml",
        "pip install '.[test]' && python -m pytest",
    ]
    assert commands[1].split("&& ", 1)[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
