"""Inputs and outputs a newcomer tries first: standard input, a folder, an output name, YAML's yes/no."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "status-lookup-assistant.yaml"


def decide(*args: str, stdin: bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "decide", *args], input=stdin, capture_output=True, cwd=cwd,
                          timeout=60, check=False)  # fmt: skip


def test_a_dash_reads_the_task_from_standard_input() -> None:
    # Evidence refs of a piped task are paths from the working directory: run where the file is.
    piped = decide("evaluate", "-", "-f", "json", stdin=EXAMPLE.read_bytes(), cwd=EXAMPLE.parent)
    assert piped.returncode == 0, piped.stderr
    named = decide("evaluate", str(EXAMPLE.relative_to(ROOT)), "-f", "json")
    from_pipe, from_file = json.loads(piped.stdout), json.loads(named.stdout)
    assert from_pipe["task"]["source"] == "<stdin>"
    assert from_pipe["task"]["id"] == "status-lookup-assistant"  # the file's own id
    from_pipe["task"]["source"] = from_file["task"]["source"]
    assert from_pipe == from_file


def test_a_broken_task_on_standard_input_is_one_located_line() -> None:
    result = decide("evaluate", "-", stdin=b"version: 1\ntitle: [unclosed\n")
    assert result.returncode == 2
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("<stdin>:3:1: invalid YAML")


def test_an_output_name_no_format_writes_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    result = decide("evaluate", str(EXAMPLE), "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"{target}: no report format writes '.pdf' files: name it .json, .md, .markdown, .txt, .html, .htm, "
        "or give --format"
    ]
    assert not target.exists()
    assert decide("evaluate", str(EXAMPLE), "-o", str(target), "-f", "json").returncode == 0  # said outright
    assert json.loads(target.read_text("utf-8"))["task"]["id"] == "status-lookup-assistant"


def test_evaluating_a_folder_points_to_batch() -> None:
    result = decide("evaluate", "examples")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "examples: is a folder: to evaluate every task file in it, run decide batch examples --out-dir DIR"
    ]


def test_yes_and_no_for_a_choice_say_how_yaml_read_them(tmp_path: Path) -> None:
    task = tmp_path / "task.yaml"
    task.write_text(EXAMPLE.read_text("utf-8").replace("user_facing: external", "user_facing: no"), "utf-8")
    result = decide("validate", str(task))
    assert result.returncode == 2
    line = result.stderr.decode().splitlines()[0]
    assert "scope.user_facing: false is not one of: none, internal, external" in line
    assert "YAML reads yes, no, on and off as true or false: put the word in quotes" in line


def test_one_task_is_one_task(tmp_path: Path) -> None:
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(EXAMPLE.read_bytes())
    result = decide("batch", str(folder), "--out-dir", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("1 task evaluated (")
    assert "1 task evaluated, against" in (tmp_path / "out" / "summary.md").read_text("utf-8")
