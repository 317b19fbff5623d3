"""The README shows real output and starts with the two set-up commands."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_example_output_is_current(runner: CliRunner) -> None:
    shown = re.search(r"<!-- example-output:start -->\n```text\n(.*?)```\n<!-- example-output:end -->", README, re.S)
    assert shown, "the README's example output block is missing"
    result = runner.invoke(app, ["evaluate", "examples/ticket-triage-agent.yaml"])
    assert result.exit_code == 0
    assert shown.group(1) == result.stdout, "the README's example output is stale"


def test_readme_starts_with_the_two_setup_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block
    commands = first_block.group(1).strip().splitlines()
    assert commands == [
        "pip install . && decide evaluate examples/inventory-replenishment.yaml",
        "pip install '.[test]' && python -m pytest",
    ]
    assert commands[1].split("&& ", 1)[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
