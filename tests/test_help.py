"""Help a newcomer can act on, read through the real CLI: whole summaries, an example each, plain usage."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

COMMANDS = ["evaluate", "batch", "ask", "ci", "explain", "diff", "certify", "validate", "import", "schema",
            "completion", "rubrics"]  # fmt: skip
SUBCOMMANDS = [["rubrics", name] for name in ("list", "show", "validate", "controls")]


def _help(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _listed(help_text: str) -> dict[str, str]:
    """The Commands section: each command and its summary, wrapped lines joined."""
    listing = help_text.split("\nCommands:\n", 1)[1]
    summaries: dict[str, str] = {}
    name = ""
    for line in listing.splitlines():
        match = re.match(r"  (\S+)\s+(.*)", line)
        if match:
            name, summaries[match.group(1)] = match.group(1), match.group(2)
        elif line.strip():
            summaries[name] += " " + line.strip()
    return summaries


def test_decide_help_lists_every_command_with_its_whole_summary(runner: CliRunner) -> None:
    listed = _listed(_help(runner))
    assert list(listed) == COMMANDS
    for name, summary in listed.items():
        assert not summary.endswith("..."), summary
        assert summary.endswith("."), summary
        if name != "rubrics":
            # The summary is the command's own first paragraph, whole.
            first = _help(runner, name).split("\n\n", 2)[1]
            assert summary == " ".join(first.split())


def test_every_summary_fits_one_line_of_an_80_column_terminal(runner: CliRunner) -> None:
    listing = _help(runner).split("\nCommands:\n", 1)[1].splitlines()
    assert len(listing) == len(COMMANDS)
    assert all(len(line) <= 80 for line in listing)
    assert _listed(_help(runner, "rubrics")).keys() == {"list", "show", "validate", "controls"}


@pytest.mark.parametrize("command", [[name] for name in COMMANDS] + SUBCOMMANDS, ids=" ".join)
def test_every_command_shows_an_example_that_runs_it(runner: CliRunner, command: list[str]) -> None:
    text = _help(runner, *command)
    examples = re.search(r"\n  Examples?:\n((?:    .*\n)+)", text)
    assert examples, text
    lines = [line.strip() for line in examples.group(1).splitlines()]
    assert any(" ".join(["decide", *command]) in line for line in lines), lines


@pytest.mark.parametrize("command", [[name] for name in COMMANDS] + SUBCOMMANDS, ids=" ".join)
def test_usage_reads_plainly(runner: CliRunner, command: list[str]) -> None:
    usage = _help(runner, *command).splitlines()[0]
    assert usage.startswith("Usage: decide ")
    assert "{" not in usage and "}" not in usage and ":<" not in usage, usage


def test_the_usage_names_what_to_give(runner: CliRunner) -> None:
    assert _help(runner, "evaluate").splitlines()[0] == "Usage: decide evaluate [OPTIONS] TASK"
    assert _help(runner, "diff").splitlines()[0] == "Usage: decide diff [OPTIONS] OLD NEW"
    schema = _help(runner, "schema")
    assert schema.splitlines()[0] == "Usage: decide schema [OPTIONS] [WHICH]"
    assert "task (the default), report, rubric, summary, explain or import-mapping" in " ".join(schema.split())


def test_only_evaluate_offers_standard_input(runner: CliRunner) -> None:
    assert "- reads standard input" in _help(runner, "evaluate")
    for command in ("explain", "certify"):
        assert "standard input" not in _help(runner, command)


def test_help_from_the_installed_entry_point() -> None:
    # Through the real console script and its main(), not only typer's test runner.
    script = Path(sys.executable).with_name("decide")
    result = subprocess.run([str(script), "explain", "-h"], capture_output=True, text=True,
                            cwd=ROOT, env={"COLUMNS": "80", "PATH": ""}, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: decide explain [OPTIONS] TASK\n")
    assert "decide explain task.yaml --what-if governance.kill_switch=true" in result.stdout
