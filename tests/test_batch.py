"""`decide batch` through the real CLI: reports, summaries, bad files, duplicates, workers, Ctrl-C."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from decide.batch import PARALLEL_FROM, OutputFolder
from decide.cli import app
from tests.conftest import EXAMPLES, ROOT


def _portfolio(folder: Path, count: int) -> Path:
    """``count`` valid task files: the examples over and over, each with its own id."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [path.read_text(encoding="utf-8") for path in EXAMPLES]
    for number in range(count):
        text = texts[number % len(texts)]
        original = next(line for line in text.splitlines() if line.startswith("id: "))
        (folder / f"task-{number:04d}.yaml").write_text(text.replace(original, f"id: task-{number:04d}"), "utf-8")
    return folder


def _batch_under_way(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], Path]:
    """A real batch of 3,000 tasks, once it has written 20 reports: its process and output folder."""
    tasks = _portfolio(tmp_path / "tasks", 3000)
    out = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-m", "decide", "batch", str(tasks), "--out-dir", str(out), *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("task-*.json")) if out.exists() else []) < 20:
        time.sleep(0.02)
    return process, out


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_batch_writes_a_report_per_task_and_three_summaries(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = runner.invoke(app, ["batch", "examples", "--out-dir", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{len(EXAMPLES)} tasks evaluated (")
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [f"{path.stem}.json" for path in EXAMPLES] + ["summary.csv", "summary.json", "summary.md", OutputFolder.RECORD]
    )  # and the record of what it wrote, for the next run into the folder to remove what it does not write
    # Each report is byte for byte what `decide evaluate -f json` writes for its task.
    for example in EXAMPLES:
        single = runner.invoke(app, ["evaluate", str(example.relative_to(ROOT)), "-f", "json"]).stdout
        assert (out / f"{example.stem}.json").read_text(encoding="utf-8") == single


def test_summary_counts_match_the_reports(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert runner.invoke(app, ["batch", "examples", "--out-dir", str(out)]).exit_code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    schema = json.loads(runner.invoke(app, ["schema", "summary"]).stdout)
    jsonschema.Draft202012Validator(schema).validate(summary)
    reports = [json.loads((out / task["report"]).read_text(encoding="utf-8")) for task in summary["tasks"]]
    for key, path in (("kind", ("recommendation", "kind")), ("readiness", ("recommendation", "readiness")),
                      ("tier", ("risk", "tier"))):
        counted: dict[str, int] = dict.fromkeys(summary["counts"][key], 0)
        for report in reports:
            counted[report[path[0]][path[1]]] += 1
        assert summary["counts"][key] == counted
    assert summary["not_ready"] == [r["task"]["id"] for r in reports if r["recommendation"]["readiness"] == "not-ready"]
    missing = {m["control"]: m["tasks"] for m in summary["missing_controls"]}
    for control, tasks in missing.items():
        assert tasks == sum(any(g["control"] == control for g in r["gaps"]) for r in reports)
    with (out / "summary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == [task["id"] for task in summary["tasks"]]
    assert all(row["status"] == "evaluated" for row in rows)
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert f"{len(reports)} tasks evaluated" in markdown and "## Not ready" in markdown


def test_a_broken_file_does_not_stop_the_batch(runner: CliRunner, tmp_path: Path) -> None:
    tasks = _portfolio(tmp_path / "tasks", 3)
    broken = tasks / "broken.yaml"
    broken.write_text("version: 1\ntitle: [unclosed\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = runner.invoke(app, ["batch", str(tasks), "--out-dir", str(out)])
    assert result.exit_code == 2
    assert f"{broken}:3:1: invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in out.glob("task-*.json")) == [f"task-{n:04d}.json" for n in range(3)]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"files": 4, "evaluated": 3, "invalid": 1}
    assert summary["invalid"][0]["source"] == str(broken)
    assert summary["invalid"][0]["problems"][0].startswith(f"{broken}:3:1: ")
    assert str(broken) in (out / "summary.md").read_text(encoding="utf-8")
    assert ",invalid," in (out / "summary.csv").read_text(encoding="utf-8")


def test_two_tasks_with_one_id_name_both_files(runner: CliRunner, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    example = (ROOT / "examples" / "status-lookup-assistant.yaml").read_text(encoding="utf-8")
    (tasks / "a.yaml").write_text(example, encoding="utf-8")
    (tasks / "b.yaml").write_text(example, encoding="utf-8")
    out = tmp_path / "reports"
    result = runner.invoke(app, ["batch", str(tasks), "--out-dir", str(out)])
    assert result.exit_code == 2
    line = next(line for line in result.stderr.splitlines() if "duplicate id" in line)
    assert line.startswith(f"{tasks / 'b.yaml'}: duplicate id 'status-lookup-assistant': {tasks / 'a.yaml'} has it too")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [task["source"] for task in summary["tasks"]] == [str(tasks / "a.yaml")]


def test_an_id_that_would_overwrite_a_summary_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    text = (ROOT / "examples" / "status-lookup-assistant.yaml").read_text(encoding="utf-8")
    (tasks / "t.yaml").write_text(text.replace("id: status-lookup-assistant", "id: summary"), encoding="utf-8")
    out = tmp_path / "reports"
    result = runner.invoke(app, ["batch", str(tasks), "--out-dir", str(out), "--format", "markdown"])
    assert result.exit_code == 2
    assert "the id 'summary' is reserved" in result.stderr
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("# Portfolio summary")


@pytest.mark.parametrize(("fmt", "suffix"), [("markdown", ".md"), ("text", ".txt"), ("json", ".json")])
def test_report_format(runner: CliRunner, tmp_path: Path, fmt: str, suffix: str) -> None:
    out = tmp_path / "reports"
    assert runner.invoke(app, ["batch", "examples", "--out-dir", str(out), "-f", fmt]).exit_code == 0
    report = out / f"ticket-triage-agent{suffix}"
    expected = runner.invoke(app, ["evaluate", "examples/ticket-triage-agent.yaml", "-f", fmt]).stdout
    assert report.read_text(encoding="utf-8") == expected


def test_framework_narrows_every_report_as_evaluate_does(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = runner.invoke(app, ["batch", "examples", "-d", str(out), "-f", "markdown", "--framework", "eu-ai-act"])
    assert result.exit_code == 0, result.stderr
    report = (out / "ticket-triage-agent.md").read_text(encoding="utf-8")
    expected = runner.invoke(app, ["evaluate", "examples/ticket-triage-agent.yaml", "-f", "markdown",
                                   "--framework", "eu-ai-act"]).stdout  # fmt: skip
    assert report == expected
    assert "EU AI Act (2024/1689)" in report and "NIST AI Risk Management Framework" not in report
    unknown = runner.invoke(app, ["batch", "examples", "-d", str(tmp_path / "none"), "--framework", "nist"])
    assert unknown.exit_code == 2 and "--framework: 'nist' is not in the catalogue" in unknown.stderr
    assert not (tmp_path / "none").exists()  # refused before anything is written


def test_an_empty_folder_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["batch", str(empty), "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == f"{empty}: no task files (*.yaml, *.yml) here\n"
    assert not (tmp_path / "out").exists()


def test_hidden_folders_are_skipped_and_files_come_in_sorted_order(runner: CliRunner, tmp_path: Path) -> None:
    tasks = _portfolio(tmp_path / "tasks", 2)
    hidden = tasks / ".drafts"
    hidden.mkdir()
    (hidden / "draft.yaml").write_text("not: a task\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert runner.invoke(app, ["batch", str(tasks), "--out-dir", str(out)]).exit_code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [task["id"] for task in summary["tasks"]] == ["task-0000", "task-0001"]


def test_files_are_named_and_ordered_as_paths_are(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Part by part ('a/x' before 'a-b', which a plain string sort would swap), no './' in front, and a
    file named again (as './a-b.yaml') evaluated once."""
    tasks = tmp_path / "tasks"
    text = EXAMPLES[0].read_text(encoding="utf-8")
    original = next(line for line in text.splitlines() if line.startswith("id: "))
    for number, name in enumerate(["b/c/d.yaml", "a.yml", "a-b.yaml", "a/x.yaml", ".hidden.yaml", ".h/y.yaml"]):
        (tasks / name).parent.mkdir(parents=True, exist_ok=True)
        (tasks / name).write_text(text.replace(original, f"id: task-{number}"), encoding="utf-8")
    monkeypatch.chdir(tasks)
    out = tmp_path / "out"
    assert runner.invoke(app, ["batch", ".", "./a-b.yaml", "--out-dir", str(out)]).exit_code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [task["source"] for task in summary["tasks"]] == ["a/x.yaml", "a-b.yaml", "a.yml", "b/c/d.yaml"]


def test_one_worker_and_two_give_byte_identical_output(tmp_path: Path) -> None:
    tasks = _portfolio(tmp_path / "tasks", PARALLEL_FROM + 16)  # enough to start a pool
    (tasks / "broken.yaml").write_text("version: 1\ntitle: x\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = subprocess.run(
            [sys.executable, "-m", "decide", "batch", str(tasks), "--out-dir", str(out), "--jobs", jobs],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )
        assert result.returncode == 2, result.stderr
        outputs.append((_files(out), result.stderr))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0]) == PARALLEL_FROM + 16 + 3 + 1  # reports, summaries, the record


def test_interrupted_batch_leaves_only_complete_files(tmp_path: Path) -> None:
    process, out = _batch_under_way(tmp_path, "--jobs", "2")
    interrupted_at = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - interrupted_at < 5, "Ctrl-C must stop the batch promptly"
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "decide: interrupted after " in stderr and " of 3000 tasks" in stderr
    assert stderr.count("interrupted") == 1, stderr  # said once, with how far it got
    names = [path.name for path in out.iterdir()]
    # No temporary or spool files; the record of the reports written, for the next run to sweep up.
    assert [name for name in names if name.startswith(".")] == [OutputFolder.RECORD], names
    assert not [name for name in names if name.startswith("summary")]
    written = [path for path in out.iterdir() if path.name != OutputFolder.RECORD]
    assert 20 <= len(written) < 3000
    for path in written:
        json.loads(path.read_text(encoding="utf-8"))  # each report is complete
    assert stdout == ""


def test_a_worker_killed_mid_batch_stops_it_cleanly(tmp_path: Path) -> None:
    """Say the system runs out of memory and kills a worker: the batch ends with one line, no hang."""
    process, out = _batch_under_way(tmp_path, "--jobs", "2")
    workers = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert workers, "the batch finished before a worker could be killed"
    os.kill(int(workers[0]), signal.SIGKILL)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2, stderr
    assert stderr == (
        "decide: a worker process ended unexpectedly; the reports written are complete, no summary was written\n"
    )  # the standard library's pool does not say how the worker ended
    assert [path.name for path in out.iterdir() if path.name.startswith(".")] == [OutputFolder.RECORD]
    assert not (out / "summary.json").exists()


@pytest.mark.skipif(shutil.which("taskset") is None, reason="no taskset on this machine")
def test_workers_default_to_the_cpus_the_process_may_use() -> None:
    """In a container or under taskset there may be fewer CPUs to use than the machine has."""
    script = "from decide.cli.batch import _usable_cpus; print(_usable_cpus())"
    pinned = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, check=True)  # fmt: skip
    assert pinned.stdout == "1\n"


def test_quiet_when_not_on_a_terminal(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "decide", "batch", "examples", "--out-dir", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT, check=False, env={**os.environ, "TERM": "xterm"},
    )
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1 and "5 tasks evaluated" in result.stdout


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import pty

    tasks = _portfolio(tmp_path / "tasks", PARALLEL_FROM + 40)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "decide", "batch", str(tasks), "--out-dir", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=follower, cwd=ROOT, env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == 0
    screen = shown.decode(errors="replace")
    assert "Evaluating" in screen and f"/{PARALLEL_FROM + 40}" in screen
    assert b"tasks evaluated" in stdout
