"""Bad input of every kind: one located line per problem on stderr, exit code 2, never a traceback.

The case folders hold one task file per mistake, in the style of check-jsonschema:
``cases/invalid/*.yaml`` each start with ``# expect: LINE:COL: <substring of the message>`` (one
or more such lines), and ``cases/valid/*.yaml`` must validate and evaluate. Each invalid case is a
full valid task with exactly one thing changed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from decide.cli import app
from tests.conftest import ROOT

CASES = ROOT / "tests" / "cases"
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
VALID = sorted((CASES / "valid").glob("*.yaml"))
EXAMPLE = "examples/inventory-replenishment.yaml"

LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
FILE_LEVEL = re.compile(r"^(?P<file>.+): (?P<message>.+)$")
EXPECT = re.compile(r"^# expect: (?P<line>\d+):(?P<col>\d+): (?P<text>.+)$")
SUMMARY = re.compile(r"^decide: \d+ of \d+ task files? invalid$")


def rel(path: Path) -> str:
    """How a user names the file: relative to the repository root, where the tests run."""
    return path.relative_to(ROOT).as_posix()


def expectations(path: Path) -> list[tuple[int, int, str]]:
    found = []
    for line in path.read_text("utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            found.append((int(match["line"]), int(match["col"]), match["text"]))
    assert found, f"{path.name}: no '# expect: LINE:COL: message' line"
    return found


def assert_no_traceback(result: Result) -> None:
    # In process, an uncaught exception does not print a traceback: it lands in result.exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {type(result.exception).__name__}: {result.exception}"
    )
    assert "Traceback" not in result.stdout + result.stderr


def assert_located_failure(result: Result, path: Path | str, *, summary_allowed: bool = False) -> list[str]:
    """Exit 2, and every stderr line is FILE:LINE:COL: message about ``path``, pointing into the file."""
    assert_no_traceback(result)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    name = str(path)
    text_lines = Path(path).read_bytes().decode("utf-8", "replace").splitlines()
    lines = result.stderr.splitlines()
    assert lines, "no message on stderr"
    problems = []
    for line in lines:
        if summary_allowed and SUMMARY.match(line):
            continue
        match = LOCATED.match(line)
        assert match, f"not FILE:LINE:COL: message: {line!r}"
        assert match["file"] == name, line
        row, col = int(match["line"]), int(match["col"])
        assert row >= 1 and col >= 1, f"not 1-based: {line!r}"
        assert row <= len(text_lines) + 1, f"line past the end of the file: {line!r}"
        if row <= len(text_lines):
            assert col <= len(text_lines[row - 1]) + 1, f"column past the end of the line: {line!r}"
        problems.append(line)
    assert problems, result.stderr
    return problems


def assert_expected(problems: list[str], path: Path, name: str) -> None:
    for row, col, text in expectations(path):
        prefix = f"{name}:{row}:{col}: "
        assert any(p.startswith(prefix) and text in p for p in problems), (
            f"expected {prefix}...{text}... in:\n" + "\n".join(problems)
        )


# --- the invalid case folder ------------------------------------------------------------------


def test_case_folders_are_not_empty() -> None:
    assert len(INVALID) >= 20 and len(VALID) >= 5


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_validate_reports_the_mistake(runner: CliRunner, case: Path) -> None:
    name = rel(case)
    result = runner.invoke(app, ["validate", name])
    problems = assert_located_failure(result, name, summary_allowed=True)
    assert SUMMARY.match(result.stderr.splitlines()[-1]), result.stderr
    assert result.stdout == ""
    assert_expected(problems, case, name)


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_evaluate_reports_the_mistake_and_prints_no_report(runner: CliRunner, case: Path) -> None:
    name = rel(case)
    result = runner.invoke(app, ["evaluate", name, "-f", "json"])
    problems = assert_located_failure(result, name)
    assert result.stdout == ""
    assert_expected(problems, case, name)


def test_validate_lists_every_invalid_file_in_a_folder(runner: CliRunner) -> None:
    folder = rel(CASES / "invalid")
    result = runner.invoke(app, ["validate", folder])
    assert_no_traceback(result)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1] == f"decide: {len(INVALID)} of {len(INVALID)} task files invalid"
    named = {LOCATED.match(line)["file"] for line in lines[:-1]}  # type: ignore[index]
    assert named == {rel(case) for case in INVALID}


# --- the valid case folder --------------------------------------------------------------------


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_edge_case_validates_and_evaluates(runner: CliRunner, case: Path) -> None:
    name = rel(case)
    checked = runner.invoke(app, ["validate", name])
    assert_no_traceback(checked)
    assert checked.exit_code == 0, checked.stderr
    result = runner.invoke(app, ["evaluate", name, "-f", "json"])
    assert_no_traceback(result)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["task"]["source"] == name
    assert report["recommendation"]["kind"] in ("assistant", "agent", "hybrid")


def test_encoding_cases_keep_their_bytes() -> None:
    # Guard against an editor or git normalising the very thing these cases test.
    assert (CASES / "valid" / "utf8-bom.yaml").read_bytes().startswith(b"\xef\xbb\xbf")
    crlf = (CASES / "valid" / "crlf-line-endings.yaml").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 10


def test_bom_and_crlf_read_like_the_plain_file(runner: CliRunner, tmp_path: Path) -> None:
    plain = (ROOT / EXAMPLE).read_text("utf-8")
    variants = {
        "plain.yaml": plain.encode(),
        "bom.yaml": b"\xef\xbb\xbf" + plain.encode(),
        "crlf.yaml": plain.replace("\n", "\r\n").encode(),
        "bom-crlf.yaml": b"\xef\xbb\xbf" + plain.replace("\n", "\r\n").encode(),
        "utf16.yaml": plain.encode("utf-16"),  # with its byte order mark
    }
    reports = {}
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(app, ["evaluate", str(tmp_path / name), "-f", "json"])
        assert result.exit_code == 0, (name, result.stderr)
        report = json.loads(result.stdout)
        reports[name] = {k: v for k, v in report.items() if k not in ("task",)}
    assert all(r == reports["plain.yaml"] for r in reports.values())


def test_locations_are_the_same_with_a_bom_and_crlf(runner: CliRunner, tmp_path: Path) -> None:
    case = CASES / "invalid" / "wrong-enum.yaml"
    text = case.read_text("utf-8")
    path = tmp_path / "bom-crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = runner.invoke(app, ["evaluate", str(path), "-f", "json"])
    assert_expected(assert_located_failure(result, str(path)), case, str(path))


def test_anchors_and_merge_keys_load_as_yaml_intends() -> None:
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader

    task = TaskLoader(load_rubrics()).load(CASES / "valid" / "anchors-and-merge-keys.yaml")
    assert task.description == task.title == "Shared governance defaults"
    assert task.answers["governance.owner"] == "Platform team"
    assert task.answers["governance.audit_log"] == "complete"  # merged
    assert task.answers["governance.human_approval"] == "high-impact"  # the mapping's own key wins
    assert task.answers["data_access.regulations"] == ["GDPR"]
    assert task.metrics.error_rate is not None and task.metrics.escalation_rate is not None
    assert (task.metrics.error_rate.baseline, task.metrics.error_rate.target) == (0.2, 0.1)
    assert (task.metrics.escalation_rate.baseline, task.metrics.escalation_rate.target) == (0.2, 0.05)


def test_null_sections_and_fields_read_as_left_out(runner: CliRunner) -> None:
    def verdict(name: str) -> dict[str, object]:
        result = runner.invoke(app, ["evaluate", rel(CASES / "valid" / name), "-f", "json"])
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        return {key: report[key] for key in ("scores", "risk", "recommendation", "gaps", "assumptions")}

    assert verdict("null-sections.yaml") == verdict("empty-sections.yaml")


# --- mistakes that cannot be case files -------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"# only a comment\n", b"\n   \n\n", b"---\n", b"\xef\xbb\xbf"],
    ids=["empty", "only-a-comment", "only-blank-lines", "only-a-document-marker", "only-a-bom"],
)
@pytest.mark.parametrize("command", ["validate", "evaluate"])
def test_empty_file(runner: CliRunner, tmp_path: Path, content: bytes, command: str) -> None:
    path = tmp_path / "task.yaml"
    path.write_bytes(content)
    result = runner.invoke(app, [command, str(path), *(["-f", "json"] if command == "evaluate" else [])])
    problems = assert_located_failure(result, str(path), summary_allowed=command == "validate")
    assert problems == [f"{path}:1:1: the file is empty: a task file is a YAML mapping (see `decide schema task`)"]
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["validate", "evaluate"])
def test_invalid_utf8(runner: CliRunner, tmp_path: Path, command: str) -> None:
    path = tmp_path / "latin1.yaml"
    text = (ROOT / EXAMPLE).read_text("utf-8").replace("title: Inventory", "title: Café inventory")
    path.write_bytes(text.encode("latin-1"))  # é is the single byte 0xe9: not UTF-8
    row = text.splitlines().index("title: Café inventory replenishment agent") + 1
    result = runner.invoke(app, [command, str(path), *(["-f", "json"] if command == "evaluate" else [])])
    problems = assert_located_failure(result, str(path), summary_allowed=command == "validate")
    assert problems == [f"{path}:{row}:11: not UTF-8 text: save the file as UTF-8"]
    assert result.stdout == ""


@pytest.mark.parametrize("char", ["\x07", "\x00"], ids=["bell", "nul"])
def test_control_character(runner: CliRunner, tmp_path: Path, char: str) -> None:
    path = tmp_path / "control.yaml"
    text = (ROOT / EXAMPLE).read_text("utf-8").replace("title: Inventory", f"title: In{char}ventory")
    path.write_bytes(text.encode("utf-8"))
    result = runner.invoke(app, ["evaluate", str(path), "-f", "json"])
    problems = assert_located_failure(result, str(path))
    assert problems[0].startswith(f"{path}:5:10: the character U+")


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "no-such-task.yaml"
    result = runner.invoke(app, ["evaluate", str(path), "-f", "json"])
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr == f"{path}: no such file\n"
    assert result.stdout == ""
    result = runner.invoke(app, ["validate", str(path)])
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr == f"{path}: no such file or folder\n"


def test_folder_passed_to_evaluate(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path), "-f", "json"])
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr == (f"{tmp_path}: is a folder: to evaluate every task file in it, "
                             f"run decide batch {tmp_path} --out-dir DIR\n")  # fmt: skip
    assert result.stdout == ""


def test_validate_a_folder_with_no_task_files(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a task")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert [FILE_LEVEL.match(line) is not None for line in result.stderr.splitlines()] == [True]
    assert str(tmp_path) in result.stderr


def test_output_into_a_missing_folder(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.json"
    result = runner.invoke(app, ["evaluate", EXAMPLE, "-o", str(target)])
    assert_no_traceback(result)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and FILE_LEVEL.match(lines[0]) and lines[0].startswith(f"{target}: ")
    assert "does not exist" in lines[0]
    assert not (tmp_path / "missing").exists()
    assert list(tmp_path.iterdir()) == []


def test_output_onto_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("kept")
    result = runner.invoke(app, ["evaluate", EXAMPLE, "-o", str(tmp_path)])
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("case", ["wrong-enum", "yaml-syntax", "duplicate-top-level-key"])
def test_invalid_task_with_output_leaves_no_files(runner: CliRunner, tmp_path: Path, case: str) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    path = CASES / "invalid" / f"{case}.yaml"
    for target in ("report.json", "report.md", "report.txt"):
        result = runner.invoke(app, ["evaluate", rel(path), "-o", str(out / target)])
        assert_located_failure(result, rel(path))
        assert result.stdout == ""
    assert list(out.iterdir()) == [], "a report or a temporary file was left behind"


def test_huge_numbers_are_reported_or_evaluated(runner: CliRunner, tmp_path: Path) -> None:
    """Accepting an absurd number is a product choice; crashing on it is not."""
    huge = "1" + "0" * 400  # a whole number too large for a float
    text = (ROOT / EXAMPLE).read_text("utf-8")
    failures = []
    for old in ("volume_per_day: 150", "systems: 4", "time_saved_hours_per_week: 30"):
        path = tmp_path / f"{old.split(':')[0]}.yaml"
        path.write_text(text.replace(old, f"{old.split(':')[0]}: {huge}"))
        checked = runner.invoke(app, ["validate", str(path)])
        result = runner.invoke(app, ["evaluate", str(path), "-f", "json"])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            failures.append(f"{old.split(':')[0]}: {type(result.exception).__name__}: {result.exception}")
            continue
        assert checked.exit_code in (0, 2) and result.exit_code == checked.exit_code, (checked.stderr, result.stderr)
        if result.exit_code == 2:
            assert_located_failure(result, str(path))
    assert not failures, failures


# --- the real command, in a subprocess --------------------------------------------------------


def run_decide(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decide", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60, check=False)


@pytest.mark.parametrize("case", ["yaml-syntax", "python-tag", "wrong-enum", "duplicate-section-key",
                                  "top-level-list", "nan-number", "unknown-top-level-key"])
def test_subprocess_reports_the_mistake(case: str) -> None:
    path = CASES / "invalid" / f"{case}.yaml"
    name = rel(path)
    process = run_decide("evaluate", name, "-f", "json")
    assert process.returncode == 2, process.stderr
    assert "Traceback" not in process.stderr + process.stdout
    assert process.stdout == ""  # and the python tag ran no command: nothing echoed "hi"
    lines = process.stderr.splitlines()
    assert lines and all(LOCATED.match(line) and line.startswith(f"{name}:") for line in lines), process.stderr
    assert_expected(lines, path, name)


def test_subprocess_file_level_problems(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"version: 1\ntitle: caf\xe9\n")
    for args, expected in [
        (("evaluate", str(tmp_path / "missing.yaml")), f"{tmp_path / 'missing.yaml'}: no such file"),
        (("evaluate", str(tmp_path)), f"{tmp_path}: is a folder: to evaluate every task file in it, run decide batch"),
        (("evaluate", str(bad)), f"{bad}:2:11: not UTF-8 text"),
        (("evaluate", EXAMPLE, "-o", str(tmp_path / "no" / "r.json")), f"{tmp_path / 'no' / 'r.json'}: cannot write"),
    ]:
        process = run_decide(*args)
        assert process.returncode == 2, (args, process.stderr)
        assert "Traceback" not in process.stderr
        assert process.stdout == ""
        assert process.stderr.startswith(expected) and process.stderr.count("\n") == 1, process.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latin1.yaml"]


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_yaml(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text((ROOT / EXAMPLE).read_text("utf-8") + "x-deep: " + "[" * depth + "]" * depth + "\n")
    process = run_decide("validate", str(path))
    assert "Traceback" not in process.stderr
    assert process.returncode == 2, process.returncode
    assert all(LOCATED.match(line) or SUMMARY.match(line) for line in process.stderr.splitlines())


def test_output_onto_the_task_file_itself(tmp_path: Path) -> None:
    path = tmp_path / "task.yaml"
    original = (ROOT / EXAMPLE).read_bytes()
    path.write_bytes(original)
    process = run_decide("evaluate", str(path), "-o", str(path))
    assert path.read_bytes() == original
    assert process.returncode == 2 and process.stderr.startswith(f"{path}: ")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_that_cannot_be_written() -> None:
    with open("/dev/full", "w") as full:
        process = subprocess.run([sys.executable, "-m", "decide", "evaluate", EXAMPLE, "-f", "json"], stdout=full,
                                 stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60, check=False)
    assert process.returncode != 0
    assert "Traceback" not in process.stderr
    assert len(process.stderr.splitlines()) == 1, process.stderr
