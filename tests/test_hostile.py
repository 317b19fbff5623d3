"""Hostile input, faults and interruptions: a clear message and the right exit code, nothing lost.

Set DECIDE_FUZZ_EXAMPLES to run the fuzzing with more cases than the regular suite's.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decide.engine import evaluate
from decide.errors import DecideError
from decide.loading.rubrics import load_rubrics
from decide.loading.task import TaskLoader
from decide.loading.yaml_source import MAX_FILE_BYTES, MAX_NESTING
from decide.report import RenderOptions, render
from tests.conftest import EXAMPLES, ROOT
from tests.test_batch import _batch_under_way

RUBRICS = load_rubrics()
LOADER = TaskLoader(RUBRICS)
FUZZ = int(os.environ.get("DECIDE_FUZZ_EXAMPLES", "0"))
LOCATED = re.compile(r"^[^:]+(:\d+:\d+)?: \S.*$")

# Runs a command and prints its exit code and the peak resident set of its largest process.
MEASURE = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
sys.stderr.write(result.stderr)
print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _alias_bomb() -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 10)]
    return "\n".join(lines) + "\nversion: 1\ntitle: t\nobjective: o\nautonomy: {}\nscope: {}\n" \
        "data_access: {regulations: *l9}\ngovernance: {}\ndescription: *l9\nx-mine: *l9\n"


def _merge_bomb() -> str:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{n}: &m{n} {{<<: [" + ", ".join([f"*m{n - 1}"] * 10) + "]}" for n in range(1, 12)]
    return "\n".join(lines) + "\n"


def _merged_many_times() -> str:
    """Distinct keys, merged into many mappings: more entries brought in than any real file has."""
    source = "s: &s {" + ", ".join(f"k{n}: {n}" for n in range(2_000)) + "}\n"
    return source + "".join(f"m{n}: {{<<: *s}}\n" for n in range(6))


HOSTILE: dict[str, bytes] = {
    "alias-bomb": _alias_bomb().encode(),
    "merge-bomb": _merge_bomb().encode(),
    "merged-many-times": _merged_many_times().encode(),
    "deep-flow": ("x: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(),
    # A tab or a bare ! tag sends the file to PyYAML's own parser, whose composer recurses.
    "deep-flow-with-a-tab": ("#\t\nx: " + "[" * 20_000 + "]" * 20_000 + "\n").encode(),
    "deep-flow-with-a-bare-tag": ("# !\nx: " + "{a: " * 3_000 + "1" + "}" * 3_000 + "\n").encode(),
    "deep-block": "".join("  " * n + f"k{n}:\n" for n in range(MAX_NESTING + 10)).encode(),
    "tens-of-megabytes": b"title: " + b"a" * (30 * 1024 * 1024) + b"\n",
    "binary": bytes(random.Random(3).randrange(256) for _ in range(4096)),
    "latin-1": "title: caf\xe9\n".encode("latin-1"),
    "utf-16-without-bom": "title: x\n".encode("utf-16-le"),
    "nul-byte": b"version: 1\ntitle: a\x00b\n",
    "python-object": b"!!python/object/apply:os.system ['echo pwned > /tmp/decide-pwned']\n",
    "self-merge": b"a: &a {<<: *a}\n",
    "multi-document": b"version: 1\n---\nversion: 1\n",
    "a-number": b"42\n",
    "spaces-in-a-flow-list": b"x: [a" + b" " * 1_900_000 + b"b]\n",  # once quadratic in the fast reader
    "huge-number": (EXAMPLES[0].read_text("utf-8").replace("volume_per_day: 800", "volume_per_day: 1" + "0" * 400)).encode(),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_quickly_and_cleanly(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(HOSTILE[name])
    started = time.monotonic()
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "decide", "evaluate", str(path), "-f", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=90, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    code, peak_kib = (int(field) for field in measured.stdout.split())
    assert code == 2, measured.stderr
    assert "Traceback" not in measured.stderr
    lines = measured.stderr.splitlines()
    assert lines and all(LOCATED.match(line) and line.startswith(str(path)) for line in lines), lines
    assert elapsed < 30, f"took {elapsed:.1f} s"  # a hang guard, not a speed target
    assert peak_kib < 400 * 1024, f"used {peak_kib // 1024} MiB"
    assert not Path("/tmp/decide-pwned").exists()


def test_the_limits_are_stated_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{MAX_FILE_BYTES // (1024 * 1024)} MiB" in readme and f"{MAX_NESTING} levels" in readme
    assert "10,000 entries" in readme


@pytest.mark.parametrize("padding", [1, 300_000, MAX_FILE_BYTES])
def test_a_task_piped_in_is_read_whole_up_to_the_limit(padding: int) -> None:
    """A pipe has no size: it is read piece by piece (many pieces here), to its end or past the limit."""
    text = EXAMPLES[0].read_text("utf-8") + f"description: {'d' * padding}\n"
    result = subprocess.run(
        [sys.executable, "-m", "decide", "evaluate", "/dev/stdin", "-f", "json"],
        input=text, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    if len(text.encode()) <= MAX_FILE_BYTES:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["task"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    else:
        assert (result.returncode, result.stderr) == (2, "/dev/stdin: larger than 2 MiB: not a task or rubric file\n")


def test_a_hostile_rubric_file_is_refused_too(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    (folder / "pilot.yaml").write_text(_merge_bomb(), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "decide", "rubrics", "validate", str(folder)], capture_output=True,
                            text=True, cwd=ROOT, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2 and "merge keys (<<) bring in" in result.stderr
    assert "Traceback" not in result.stderr


# --- output faults ---------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "reason"), [
    ("/dev/full", "No space left on device"),
    ("/proc/decide-report.json", "cannot write"),
    ("{tmp}/missing/report.json", "does not exist"),
    ("{tmp}", "it is a folder"),
])  # fmt: skip
def test_output_faults_are_reported_without_a_partial_file(tmp_path: Path, target: str, reason: str) -> None:
    output = target.format(tmp=tmp_path)
    result = subprocess.run([sys.executable, "-m", "decide", "evaluate", str(EXAMPLES[0]), "-o", output],
                            capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"{output}: cannot write") and reason in result.stderr
    assert "Traceback" not in result.stderr
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_stdout_closed_early_is_no_traceback() -> None:
    process = subprocess.Popen([sys.executable, "-m", "decide", "rubrics", "show", "-f", "markdown"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # like `| head -c 10`
    stderr = process.stderr.read().decode()
    process.wait(timeout=30)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


# Control characters a YAML double-quoted string can carry into a title or an owner: ESC sequences that
# recolour a terminal or set its window title, a bell, C1 NEL and the Unicode line separator.
DRIVING = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def test_control_characters_in_user_text_never_reach_a_terminal_or_a_summary(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    text = EXAMPLES[0].read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", r'title: "Red\\e[31m title\\x07 \\x85next\\u2028line"', text, count=1)
    text = re.sub(r"(?m)^  owner: .*$", r'  owner: "ops\\e]0;pwned\\x07"', text, count=1)
    task = tmp_path / "task.yaml"
    task.write_text(text, encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    plain.write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    for command in (["evaluate", task, "-f", "text"], ["evaluate", task, "-f", "markdown"], ["explain", task],
                    ["diff", plain, task]):  # fmt: skip
        shown = subprocess.run([sys.executable, "-m", "decide", *map(str, command)],
                               capture_output=True, text=True, cwd=ROOT, timeout=60, check=True).stdout  # fmt: skip
        assert "[31m title" in shown or "pwned" in shown, command  # the title or the owner, its ESC escaped
        assert not DRIVING.search(shown), (command, DRIVING.findall(shown))
    # In colour, the only escape sequences are rich's own styles.
    coloured = render(evaluate(LOADER.load(task), RUBRICS), "text", RenderOptions(color=True))
    assert "\x1b[" in coloured and not re.search("\x1b[^\\[]", coloured)
    subprocess.run([sys.executable, "-m", "decide", "ci", str(task), "--fail-on", "never", "--markdown", "s.md"],
                   capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True)  # fmt: skip
    summary = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert not DRIVING.search(summary), DRIVING.findall(summary)


# --- interruptions ---------------------------------------------------------------------------


def test_sigterm_during_batch_leaves_only_complete_files(tmp_path: Path) -> None:
    process, out = _batch_under_way(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "decide: terminated" in stderr
    names = [path.name for path in out.iterdir() if path.name != ".decide-written"]  # the record stays (issue 16)
    assert not [name for name in names if name.startswith(".") or name.startswith("summary")], names
    for name in names:
        json.loads((out / name).read_text(encoding="utf-8"))


def test_sigterm_during_ask_saves_a_draft(tmp_path: Path) -> None:
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "decide", "ask", "-o", "t.yaml"], cwd=str(tmp_path),
                          encoding="utf-8", timeout=15, dimensions=(40, 120),
                          env={**os.environ, "TERM": "xterm", "PYTHONPATH": str(ROOT), "PROMPT_TOOLKIT_NO_CPR": "1"})
    child.expect("What is the work called")
    child.send("Kept title\r")
    child.expect("concrete objective")
    child.kill(signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 143
    assert 'title: "Kept title"' in (tmp_path / "t.draft.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("delay", [0.002, 0.005, 0.02])
def test_sigterm_while_the_prompt_is_busy_still_exits(tmp_path: Path, delay: float) -> None:
    """SIGTERM that lands while the prompt handles a keystroke, inside its event loop's callbacks:
    it once became an "unhandled exception in event loop" that waited for Enter."""
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "decide", "ask", "-o", "t.yaml"], cwd=str(tmp_path),
                          encoding="utf-8", timeout=15, dimensions=(40, 120),
                          env={**os.environ, "TERM": "xterm", "PYTHONPATH": str(ROOT), "PROMPT_TOOLKIT_NO_CPR": "1"})
    child.expect("What is the work called")
    child.send("Half a tit")
    time.sleep(delay)  # the signal arrives while these keys are being handled
    child.kill(signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 143
    assert not (tmp_path / "t.yaml").exists()  # nothing was answered: no task file


# --- fuzzing ---------------------------------------------------------------------------------

YAMLISH = st.text(alphabet=string.printable + "→é\x00\ufeff", max_size=300)
FUZZING = settings(max_examples=FUZZ or 1500, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip


def _only_our_error(data: bytes) -> None:
    try:
        report = evaluate(LOADER.load_bytes(data, "fuzz.yaml"), RUBRICS)
    except DecideError as error:
        assert all(str(p).startswith("fuzz.yaml") and "\n" not in str(p) for p in error.problems)
        return
    for fmt in ("json", "markdown", "text"):
        assert render(report, fmt, RenderOptions())


@FUZZING
@given(YAMLISH)
def test_arbitrary_text_raises_nothing_but_decides_own_error(text: str) -> None:
    _only_our_error(text.encode("utf-8", errors="surrogatepass"))


@FUZZING
@given(st.sampled_from([path.read_bytes() for path in EXAMPLES]), st.data())
def test_near_valid_files_raise_nothing_but_decides_own_error(example: bytes, data: st.DataObject) -> None:
    text = bytearray(example)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = data.draw(st.sampled_from([b":", b"- ", b"\n", b"  ", b"&a ", b"*a", b"<<: ", b"{", b"]", b"!!str ",
                                           b"'", b'"', b"\t", b"#", b"~", b"1e9", b".nan", b"\xff", b"yes", b"-1"]))
        if action == "insert":
            text[position:position] = chunk
        elif action == "delete":
            del text[position : position + len(chunk)]
        else:
            text[position : position + len(chunk)] = chunk
    _only_our_error(bytes(text))
