"""`decide batch`, `validate` and `ci` on real file systems: links that loop, pipes, devices, unreadable
folders, full and read-only disks, kills, reruns and two runs at once (issue 16).

Full and read-only disks are real tmpfs mounts, permissions are tested by running the CLI as the
unprivileged user `nobody` (setpriv), and kills are real signals to a real process tree. Each test that
needs what the machine may not allow (mounting, changing user) says so when it skips.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from decide.batch import PARALLEL_FROM, OutputFolder
from tests.conftest import EXAMPLES, ROOT
from tests.test_batch import _batch_under_way, _portfolio

DECIDE = [sys.executable, "-m", "decide"]
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _decide(*arguments: str, prefix: tuple[str, ...] = (), timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, *DECIDE, *arguments], capture_output=True, text=True, cwd=ROOT, check=False,
                          timeout=timeout)  # fmt: skip


def _hidden(folder: Path) -> list[str]:
    """What decide leaves in an output folder besides reports and summaries: only its record may stay."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != OutputFolder.RECORD)


def _one_line_each(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return stderr.splitlines()


# --- the output folder: one run at a time, leftovers swept, exactly this run's files ---------------


def test_a_second_run_into_a_busy_folder_is_refused_and_the_first_goes_on(tmp_path: Path) -> None:
    first, out = _batch_under_way(tmp_path, "--jobs", "2")
    second = _decide("batch", "examples", "--out-dir", str(out))
    assert second.returncode == 2
    assert second.stderr == (
        f"{out}: another `decide batch` is writing into this folder; wait for it to end, or choose another --out-dir\n"
    )
    assert first.poll() is None, "the refused run must not disturb the one under way"
    first.send_signal(signal.SIGINT)  # enough shown; no need to spend the machine on 3,000 tasks
    first.communicate(timeout=30)
    # The first run's files are its own: none of the refused run's examples got in.
    assert not [p for p in out.iterdir() if p.name.startswith(("ticket", "summary"))]
    # Once the folder is free, the next run takes it.
    assert _decide("batch", "examples", "--out-dir", str(out)).returncode == 0


def _process_tree(pid: int) -> list[int]:
    """The process and its children, read from /proc (no psutil)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended; only its exit status waits


def test_workers_end_when_the_main_process_is_killed_and_the_next_run_sweeps_up(tmp_path: Path) -> None:
    process, out = _batch_under_way(tmp_path, "--jobs", "2")
    tree = _process_tree(process.pid)
    assert len(tree) == 3, f"expected the main process and two workers: {tree}"
    process.kill()  # SIGKILL: no handler runs, nothing is cleaned up
    process.communicate(timeout=30)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(map(_alive, tree[1:])):
        time.sleep(0.05)
    assert not any(map(_alive, tree[1:])), "the workers outlived the main process by more than 5 seconds"
    killed_reports = {p.name for p in out.glob("task-*.json")}
    assert killed_reports

    rerun = _decide("batch", "examples", "--out-dir", str(out))
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr == ""
    # Exactly this run's reports and summaries: the killed run's temporaries and reports are gone.
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [f"{e.stem}.json" for e in EXAMPLES] + ["summary.csv", "summary.json", "summary.md"]
    )
    assert _hidden(out) == []
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["removed"]) == killed_reports


def test_leftovers_of_any_earlier_run_are_swept_whatever_its_process_id(tmp_path: Path) -> None:
    """Temporary and spool files as a killed run leaves them, one with the process id 1 that every
    run in a fresh container has: swept, and no valid task fails on a name already taken."""
    out = tmp_path / "out"
    out.mkdir()
    leftovers = [".decide-1-0.tmp", ".decide-1-md-tasks.spool", ".decide-1-summary.md.tmp",
                 ".decide-0a1b2c3d4e5f-7.tmp", ".decide-0a1b2c3d4e5f-csv.spool"]  # fmt: skip
    for name in leftovers:
        (out / name).write_text("half", encoding="utf-8")
    (out / "notes.txt").write_text("the user's own file", encoding="utf-8")
    result = _decide("batch", "examples", "--out-dir", str(out))
    assert result.returncode == 0, result.stderr
    assert _hidden(out) == []
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the user's own file"  # not decide's: kept


def test_a_rerun_as_process_1_after_a_killed_process_1_evaluates_every_task(tmp_path: Path) -> None:
    """The container case: both runs are process 1 (a fresh PID namespace each), the first killed mid-batch."""
    in_namespace = ["unshare", "--pid", "--fork", "--mount-proc"]
    probe = shutil.which("unshare") and subprocess.run([*in_namespace, "true"], capture_output=True, check=False)
    if not probe or probe.returncode != 0:
        pytest.skip("cannot start a process in a PID namespace of its own here (needs root and unshare)")
    tasks = _portfolio(tmp_path / "tasks", 3000)
    out = tmp_path / "out"
    command = [*in_namespace, *DECIDE, "batch", str(tasks), "--out-dir", str(out), "--jobs", "2"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("task-*.json")) if out.exists() else []) < 20:
        time.sleep(0.02)
    (process_1,) = _process_tree(first.pid)[1:]  # unshare's one child: decide, process 1 inside
    os.kill(process_1, signal.SIGKILL)  # and every process of its namespace with it
    first.communicate(timeout=30)
    assert _hidden(out), "the kill left no temporary file to trip over"

    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr == ""  # before: valid tasks failed with "cannot write: File exists"
    assert len(list(out.glob("task-*.json"))) == 3000
    assert _hidden(out) == []


def _task(folder: Path, name: str, task_id: str) -> Path:
    text = EXAMPLES[0].read_text(encoding="utf-8")
    original = next(line for line in text.splitlines() if line.startswith("id: "))
    path = folder / name
    path.write_text(text.replace(original, f"id: {task_id}"), encoding="utf-8")
    return path


def test_reports_of_tasks_now_invalid_or_gone_are_removed_and_the_summary_says_so(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    for task_id in ("alpha", "beta", "gamma"):
        _task(tasks, f"{task_id}.yaml", task_id)
    out = tmp_path / "out"
    assert _decide("batch", str(tasks), "--out-dir", str(out)).returncode == 0
    (out / "notes.txt").write_text("kept", encoding="utf-8")
    (tasks / "beta.yaml").write_text("version: 1\ntitle: [unclosed\n", encoding="utf-8")  # now invalid
    (tasks / "gamma.yaml").unlink()  # gone

    result = _decide("batch", str(tasks), "--out-dir", str(out))
    assert result.returncode == 2
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "alpha.json", "notes.txt", "summary.csv", "summary.json", "summary.md",
    ]  # fmt: skip
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["removed"] == ["beta.json", "gamma.json"]
    schema = json.loads(_decide("schema", "summary").stdout)
    jsonschema.Draft202012Validator(schema).validate(summary)
    assert schema["properties"]["removed"]["items"] == {"type": "string"}
    assert summary["totals"] == {"files": 2, "evaluated": 1, "invalid": 1}
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Removed" in markdown and "`beta.json`" in markdown and "`gamma.json`" in markdown
    csv_lines = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert [line for line in csv_lines if ",removed," in line] == [
        ",,,removed,,,,,,,,,,beta.json,written by an earlier run,,,,",
        ",,,removed,,,,,,,,,,gamma.json,written by an earlier run,,,,",
    ]
    # A run that writes them all again removes nothing.
    assert _decide("batch", str(tasks / "alpha.yaml"), "--out-dir", str(out)).returncode == 0
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["removed"] == []


def test_an_html_run_then_a_json_run_leaves_no_html(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _decide("batch", "examples", "--out-dir", str(out), "-f", "html").returncode == 0
    assert (out / "summary.html").exists()
    assert _decide("batch", "examples", "--out-dir", str(out)).returncode == 0
    assert not [p.name for p in out.iterdir() if p.suffix == ".html"]
    removed = json.loads((out / "summary.json").read_text(encoding="utf-8"))["removed"]
    assert removed == sorted([*(f"{e.stem}.html" for e in EXAMPLES), "summary.html"])


def test_the_portfolio_page_lists_what_a_rerun_removed(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    for task_id in ("alpha", "beta"):
        _task(tasks, f"{task_id}.yaml", task_id)
    out = tmp_path / "out"
    assert _decide("batch", str(tasks), "--out-dir", str(out), "-f", "html").returncode == 0
    (tasks / "beta.yaml").unlink()
    assert _decide("batch", str(tasks), "--out-dir", str(out), "-f", "html").returncode == 0
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert '<h2 id="removed">Removed</h2>' in page and '<code class="token"><bdi>beta.html</bdi></code>' in page
    assert not (out / "beta.html").exists()


def test_a_tampered_record_never_removes_anything_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    out.mkdir()
    (out / OutputFolder.RECORD).write_text(f"../precious.txt\n{outside}\n.hidden\n", encoding="utf-8")
    (out / ".hidden").write_text("", encoding="utf-8")
    assert _decide("batch", "examples", "--out-dir", str(out)).returncode == 0
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert (out / ".hidden").exists()


# --- input folders: nothing skipped silently, nothing blocks ----------------------------------------


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """A folder of tasks with a link that loops, a named pipe, a link to nothing, a device and a link
    back up to the folder itself, beside one good task."""
    tasks = tmp_path / "tasks"
    (tasks / "sub").mkdir(parents=True)
    _task(tasks, "good.yaml", "good")
    os.symlink("loop.yaml", tasks / "loop.yaml")
    os.mkfifo(tasks / "pipe.yaml")
    os.symlink("nothing-here.yaml", tasks / "dangling.yaml")
    os.symlink("/dev/null", tasks / "null.yaml")
    os.symlink("..", tasks / "sub" / "up")
    (tasks / "README.md").write_text("not a task", encoding="utf-8")  # not a task file's name: not listed
    return tasks


def _odd_problems(tasks: Path) -> list[str]:
    return [
        f"{tasks}/dangling.yaml: a link to nothing (its target does not exist)",
        f"{tasks}/loop.yaml: cannot read: Too many levels of symbolic links",
        f"{tasks}/null.yaml: a link to a character device, not a task file: not read",
        f"{tasks}/pipe.yaml: a named pipe (FIFO), not a task file: not read",
        f"{tasks}/sub/up: the folder already searched as '{tasks}' (through a link): not searched again",
    ]


def test_validate_lists_what_it_cannot_read_in_a_folder(odd_folder: Path) -> None:
    result = _decide("validate", str(odd_folder), timeout=30)
    assert result.returncode == 2
    assert _one_line_each(result.stderr) == [*_odd_problems(odd_folder), "decide: 5 of 6 task files invalid"]


def test_batch_lists_what_it_cannot_read_on_stderr_and_in_the_summary(odd_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _decide("batch", str(odd_folder), "--out-dir", str(out), timeout=30)
    assert result.returncode == 2
    assert _one_line_each(result.stderr) == [*_odd_problems(odd_folder), "decide: 5 invalid task files"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == {"files": 6, "evaluated": 1, "invalid": 5}
    assert [entry["problems"][0] for entry in summary["invalid"]] == _odd_problems(odd_folder)
    assert (out / "good.json").exists()


def test_ci_counts_what_it_cannot_read_as_invalid(odd_folder: Path, tmp_path: Path) -> None:
    result = _decide("ci", str(odd_folder), "--json", str(tmp_path / "result.json"), timeout=30)
    assert result.returncode == 2
    assert _one_line_each(result.stderr)[:5] == _odd_problems(odd_folder)
    tasks = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["tasks"]
    assert [task["status"] for task in tasks] == ["evaluated", *["invalid"] * 5]


def test_a_named_pipe_named_directly_never_blocks(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    for command in ("validate", "ci"):
        result = _decide(command, str(pipe), timeout=20)  # before: blocked forever, waiting for a writer
        assert result.returncode == 2
        assert f"{pipe}:1:1: the file is empty" in result.stderr


def test_a_task_piped_through_a_named_pipe_is_still_read(tmp_path: Path) -> None:
    """Process substitution (`decide validate <(...)`) hands decide a pipe with a writer: read as before."""
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    script = f"cat {EXAMPLES[0]} > {pipe} & exec {' '.join(DECIDE)} validate {pipe}"
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=ROOT, check=False, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 task file valid\n"


def test_a_link_loop_named_directly_is_one_line(tmp_path: Path) -> None:
    loop = tmp_path / "x.yaml"
    os.symlink("x.yaml", loop)
    for command in (["validate"], ["ci"], ["batch", "--out-dir", str(tmp_path / "out")]):
        result = _decide(*command, str(loop), timeout=30)
        assert result.returncode == 2
        assert result.stderr == f"{loop}: cannot read: Too many levels of symbolic links\n"


def test_task_files_vanishing_mid_run_are_invalid_files_not_a_crash(tmp_path: Path) -> None:
    process, out = _batch_under_way(tmp_path, "--jobs", "2")
    shutil.rmtree(tmp_path / "tasks")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    lines = _one_line_each(stderr)
    assert lines[-1].startswith("decide: ") and lines[-1].endswith(" invalid task files")
    assert all(line.endswith(": no such file") for line in lines[:-1])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["files"] == 3000 and summary["totals"]["invalid"] == len(lines) - 1
    assert _hidden(out) == []


def test_the_output_folder_vanishing_mid_run_is_one_line(tmp_path: Path) -> None:
    process, out = _batch_under_way(tmp_path, "--jobs", "2")
    # Moved away in one step: removing it file by file would race the batch's own renames.
    out.rename(tmp_path / "moved")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert _one_line_each(stderr) == [stderr.splitlines()[0]]
    assert stderr.startswith(str(out)) and ": cannot write: No such file or directory" in stderr


# --- paths with control characters ------------------------------------------------------------------


def test_a_path_with_control_characters_stays_on_one_line_everywhere(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    _task(tasks, "good.yaml", "good")
    bad = tasks / "new\nline\r\x1b[31mred.yaml"
    bad.write_text("version: 1\ntitle: [unclosed\n", encoding="utf-8")
    shown = f"{tasks}/new\\nline\\r\\x1b[31mred.yaml"
    validate = _decide("validate", str(tasks))
    lines = validate.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{shown}:3:1: invalid YAML: ")
    assert lines[1] == "decide: 1 of 2 task files invalid"
    out = tmp_path / "out"
    batch = _decide("batch", str(tasks), "--out-dir", str(out))
    assert batch.stderr.splitlines()[0].startswith(f"{shown}:3:1: ")
    csv_lines = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == 3 and f",{shown}," in csv_lines[2]
    assert "\x1b" not in (out / "summary.md").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["invalid"][0]["source"] == str(bad)  # JSON holds the name exactly, escaped by JSON
    assert summary["invalid"][0]["problems"][0].startswith(f"{shown}:3:1: ")
    ci = _decide("ci", str(tasks))
    assert f"{shown}:3:1: invalid YAML" in ci.stderr.splitlines()[0]
    (tasks / "good.yaml").rename(tasks / "good\x1b[2J.yaml")  # a valid task: listed by the gate on stdout
    ci = _decide("ci", str(tasks), "--fail-on", "never")
    assert f"ok   {tasks}/good\\x1b[2J.yaml (good): " in ci.stdout and "\x1b" not in ci.stdout


def test_a_duplicate_id_names_the_other_file_escaped(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    _task(tasks, "first\nof two.yaml", "twin")
    _task(tasks, "twin.yaml", "twin")
    result = _decide("batch", str(tasks), "--out-dir", str(tmp_path / "out"))
    assert result.stderr.splitlines() == [
        f"{tasks}/twin.yaml: duplicate id 'twin': {tasks}/first\\nof two.yaml has it too; give each task its own id",
        "decide: 1 invalid task file",
    ]


# --- full and read-only disks: real tmpfs mounts ----------------------------------------------------


@pytest.fixture
def mount_point() -> Iterator[Path]:
    """An empty folder to mount a tmpfs on; skipped where mounting is not allowed."""
    folder = Path(tempfile.mkdtemp(prefix="decide-mount-"))
    probe = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True,
                           text=True, check=False)  # fmt: skip
    if probe.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {probe.stderr.strip()}")
    subprocess.run(["umount", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True, check=False)
    folder.rmdir()


def _mount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_stops_the_batch_with_one_line_and_leaves_only_complete_files(
    mount_point: Path, tmp_path: Path, jobs: str
) -> None:
    tasks = _portfolio(tmp_path / "tasks", PARALLEL_FROM + 16)
    _mount(mount_point, "size=512k")  # room for some twenty reports of the ninety
    out = mount_point / "out"
    result = _decide("batch", str(tasks), "--out-dir", str(out), "--jobs", jobs)
    assert result.returncode == 2
    lines = _one_line_each(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(str(out)), result.stderr
    assert lines[0].endswith(": cannot write: No space left on device")
    assert "invalid" not in result.stderr  # a write that fails is not the task's fault
    assert _hidden(out) == []
    assert not (out / "summary.json").exists()
    reports = list(out.glob("task-*.json"))
    assert reports
    for report in reports:
        json.loads(report.read_text(encoding="utf-8"))


def test_a_summary_that_does_not_fit_stops_the_batch_with_one_line(mount_point: Path, tmp_path: Path) -> None:
    """Every report fits, the summaries do not."""
    tasks = _portfolio(tmp_path / "tasks", 200)
    _mount(mount_point, "size=8m")
    out = mount_point / "out"
    assert _decide("batch", str(tasks), "--out-dir", str(out), "-f", "markdown").returncode == 0

    def pages(paths: Iterator[Path]) -> int:  # what tmpfs takes for them
        return sum(-(-path.stat().st_size // 4096) * 4096 for path in paths)

    reports, summaries = pages(out.glob("task-*.md")), pages(out.glob("summary.*"))
    shutil.rmtree(out)
    room = reports + summaries + summaries // 2  # the reports and the spools (as large), half the summaries
    (mount_point / "filler").write_bytes(b"\0" * (shutil.disk_usage(mount_point).free - room))
    result = _decide("batch", str(tasks), "--out-dir", str(out), "-f", "markdown")
    assert result.returncode == 2
    lines = _one_line_each(result.stderr)
    assert len(lines) == 1 and lines[0].endswith(": cannot write: No space left on device"), result.stderr
    assert len(list(out.glob("task-*.md"))) == 200
    assert _hidden(out) == []
    assert not list(out.glob("summary.*"))


def test_a_read_only_output_folder_is_one_line(mount_point: Path, tmp_path: Path) -> None:
    _mount(mount_point, "size=1m")
    (mount_point / "out").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
    out = mount_point / "out"
    batch = _decide("batch", "examples", "--out-dir", str(out))
    assert batch.returncode == 2
    assert batch.stderr == f"{out}: cannot write into the folder: Read-only file system\n"
    evaluate = _decide("evaluate", str(EXAMPLES[0].relative_to(ROOT)), "-o", str(out / "report.json"))
    assert evaluate.returncode == 2
    assert evaluate.stderr == f"{out / 'report.json'}: cannot write: Read-only file system\n"
    created = _decide("batch", "examples", "--out-dir", str(out / "new"))
    assert created.stderr == f"{out / 'new'}: cannot create the output folder: Read-only file system\n"


def test_evaluate_onto_a_full_disk_leaves_no_temporary_file(mount_point: Path) -> None:
    _mount(mount_point, "size=16k")
    target = mount_point / "report.json"
    result = _decide("evaluate", str(EXAMPLES[-1].relative_to(ROOT)), "-f", "json", "-o", str(target))
    assert result.returncode == 2
    assert result.stderr == f"{target}: cannot write: No space left on device\n"
    assert list(mount_point.iterdir()) == []


# --- permissions: the CLI run as `nobody` -----------------------------------------------------------


@pytest.fixture
def as_nobody() -> Iterator[Path]:
    """A folder `nobody` can reach; skipped when this process cannot change user or `nobody` cannot
    run this Python."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("dropping root's permissions needs root and setpriv (util-linux)")
    probe = subprocess.run([*NOBODY, *DECIDE, "validate", str(EXAMPLES[0])], capture_output=True, text=True,
                           cwd=ROOT, check=False)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"the user nobody cannot run decide on the examples here: {probe.stderr.strip()[-200:]}")
    folder = Path(tempfile.mkdtemp(prefix="decide-nobody-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def test_an_unreadable_folder_or_file_in_the_input_is_listed_and_the_rest_evaluated(as_nobody: Path) -> None:
    tasks = as_nobody / "tasks"
    (tasks / "locked").mkdir(parents=True)
    _task(tasks, "good.yaml", "good")
    _task(tasks / "locked", "hidden-task.yaml", "hidden-task")
    secret = _task(tasks, "secret.yaml", "secret")
    secret.chmod(0o000)
    (tasks / "locked").chmod(0o000)
    out = as_nobody / "out"
    out.mkdir()
    out.chmod(0o777)
    result = _decide("batch", str(tasks), "--out-dir", str(out), prefix=tuple(NOBODY))
    assert result.returncode == 2
    assert _one_line_each(result.stderr) == [
        f"{secret}: cannot read: Permission denied",
        f"{tasks}/locked: cannot read the folder: Permission denied; the task files in it were not evaluated",
        "decide: 2 invalid task files",
    ]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [task["id"] for task in summary["tasks"]] == ["good"]
    assert [entry["source"] for entry in summary["invalid"]] == [str(secret), f"{tasks}/locked"]
    validate = _decide("validate", str(tasks), prefix=tuple(NOBODY))
    assert validate.returncode == 2 and "Traceback" not in validate.stderr
    assert f"{tasks}/locked: cannot read the folder: Permission denied" in validate.stderr


def test_an_output_folder_without_write_permission_is_one_line(as_nobody: Path) -> None:
    out = as_nobody / "out"
    out.mkdir()
    assert stat.S_IMODE(out.stat().st_mode) & 0o002 == 0
    result = _decide("batch", "examples", "--out-dir", str(out), prefix=tuple(NOBODY))
    assert result.returncode == 2
    assert result.stderr == f"{out}: cannot write into the folder: Permission denied\n"
    report = _decide("evaluate", str(EXAMPLES[0].relative_to(ROOT)), "-o", str(out / "r.json"), prefix=tuple(NOBODY))
    assert report.stderr == f"{out / 'r.json'}: cannot write: Permission denied\n"
    # The record left writable (by an earlier run as another user, say), the folder not: still one line.
    (out / OutputFolder.RECORD).touch()
    (out / OutputFolder.RECORD).chmod(0o666)
    result = _decide("batch", "examples", "--out-dir", str(out), prefix=tuple(NOBODY))
    assert result.returncode == 2
    assert result.stderr == f"{out}: cannot write: Permission denied\n"
