"""`decide ci` as a CI job runs it: exit codes, terminal output, baseline, configuration, integrations."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from decide.ci.github import escape_data, escape_property
from tests.conftest import EXAMPLES, ROOT, copy_example


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "decide", "ci", *args], capture_output=True, text=True, cwd=cwd,
                          env={**environment, **(env or {})}, check=False)  # fmt: skip


def test_the_gate_fails_on_not_ready_tasks_and_lists_them_first() -> None:
    result = run("examples")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    failing = [line for line in lines if line.startswith("FAIL ")]
    assert [line.split()[1] for line in failing] == ["examples/order-support-hybrid.yaml",
                                                     "examples/ticket-triage-agent.yaml"]  # fmt: skip
    assert lines.index(failing[-1]) < min(n for n, line in enumerate(lines) if line.startswith("ok "))
    assert "     kill_switch: blocking, requires true, has false" in lines
    assert lines[-1] == "decide ci: 2 of 5 tasks fail the gate (--fail-on not-ready)"


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("not-ready", 1), ("conditional", 1)])
def test_fail_on(fail_on: str, code: int) -> None:
    assert run("examples", "--fail-on", fail_on).returncode == code


def test_invalid_input_beats_a_failed_gate(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ntitle: x\nobjectve: y\n", encoding="utf-8")
    result = run("examples", str(broken), "--json", str(tmp_path / "result.json"))
    assert result.returncode == 2
    assert f"{broken}:3:1: the task: unknown key 'objectve' (did you mean 'objective'?)" in result.stderr
    document = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert document["exit_code"] == 2
    assert [t["status"] for t in document["tasks"]].count("invalid") == 1


def test_github_annotations_and_job_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    result = run("examples", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning ")]
    assert errors and warnings
    kill = next(line for line in errors if "kill_switch" in line and "ticket-triage-agent.yaml" in line)
    text = (ROOT / "examples" / "ticket-triage-agent.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(text, start=1) if row.strip().startswith("kill_switch:"))
    assert kill.startswith(f"::error file=examples/ticket-triage-agent.yaml,line={line},col=3,title=decide%3A ")
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("# earlier step\n## decide: ❌ 2 of 5 tasks fail the gate")


def test_annotation_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a: b, c%\nd") == "a%3A b%2C c%25%0Ad"
    from decide.ci.github import command

    line = command("error", "100%: bad,\nworse", file="t,1:x.yaml", line=3, column=5, title="a, b: c")
    assert line == "::error file=t%2C1%3Ax.yaml,line=3,col=5,title=a%2C b%3A c::100%25: bad,%0Aworse"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})  # fmt: skip


def test_baseline_ratchet_catches_autonomy_creep_in_a_real_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "tasks").mkdir(parents=True)
    for name in ("status-lookup-assistant", "ticket-triage-agent"):  # ready, and known not-ready
        copy_example(name, repo / "tasks")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "tasks")
    baseline = run("tasks", "--json", "baseline.json", cwd=repo)
    assert baseline.returncode == 1  # the triage agent is not ready today
    _git(repo, "add", "baseline.json")
    _git(repo, "commit", "-q", "-m", "baseline")

    # Unchanged, the known problem does not block.
    assert run("tasks", "--baseline", "baseline.json", cwd=repo).returncode == 0

    # A pull request gives the status assistant more autonomy, and no new controls.
    task = repo / "tasks" / "status-lookup-assistant.yaml"
    text = task.read_text(encoding="utf-8")
    for old, new in (("initiation: user", "initiation: event"), ("planning: single-step", "planning: multi-step"),
                     ("decisions: person", "decisions: system"), ("unattended: never", "unattended: hours"),
                     ("actions: read", "actions: transact")):  # fmt: skip
        text = text.replace(old, new)
    task.write_text(text, encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "more autonomy")
    result = run("tasks", "--baseline", "baseline.json", "--markdown", "pr.md", cwd=repo)
    assert result.returncode == 1
    assert "FAIL tasks/status-lookup-assistant.yaml (status-lookup-assistant)" in result.stdout
    assert "regressed: readiness ready → not-ready" in result.stdout
    assert "ticket-triage-agent" not in "".join(line for line in result.stdout.splitlines() if line.startswith("FAIL"))
    markdown = (repo / "pr.md").read_text(encoding="utf-8")
    assert "### status-lookup-assistant regressed" in markdown and "readiness ready → not-ready" in markdown


def test_configuration_file_and_command_line(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "tasks").mkdir(parents=True)
    (project / "tasks" / "a.yaml").write_text((ROOT / "examples" / "ticket-triage-agent.yaml").read_text("utf-8"),
                                              "utf-8")  # fmt: skip
    (project / ".decide.yaml").write_text("paths: [tasks]\nfail-on: never\n", encoding="utf-8")
    nested = project / "sub"
    nested.mkdir()
    shown = run("--show-config", cwd=nested)
    assert shown.returncode == 0
    assert f"fail-on = 'never'  ({project / '.decide.yaml'})" in shown.stdout
    assert "rubrics = None  (default)" in shown.stdout
    assert run(cwd=nested).returncode == 0  # paths and fail-on from the file
    assert run("--fail-on", "not-ready", cwd=nested).returncode == 1  # the command line wins
    assert "fail-on = 'not-ready'  (command line)" in run("--fail-on", "not-ready", "--show-config",
                                                            cwd=nested).stdout  # fmt: skip

    (project / ".decide.yaml").unlink()
    (project / "pyproject.toml").write_text('[tool.decide]\npaths = ["tasks"]\nfail-on = "conditional"\n', "utf-8")
    assert f"({project / 'pyproject.toml'} [tool.decide])" in run("--show-config", cwd=nested).stdout
    assert run(cwd=nested).returncode == 1

    (project / ".decide.yaml").write_text("paths: [tasks]\nfail_on: never\n", encoding="utf-8")
    bad = run(cwd=nested)
    assert bad.returncode == 2
    assert bad.stderr.startswith(f"{project / '.decide.yaml'}:2:1: the configuration: unknown key 'fail_on' "
                                 "(did you mean 'fail-on'?)")  # fmt: skip


def test_pre_commit_hook_entry_runs(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "decide-validate")
    entry = shlex.split(hook["entry"])
    assert entry[0] == "decide"
    command = [sys.executable, "-m", "decide", *entry[1:]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    good = subprocess.run([*command, *map(str, EXAMPLES)], capture_output=True, text=True, env=env, check=False)
    assert good.returncode == 0, good.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 2\n", encoding="utf-8")
    bad = subprocess.run([*command, str(broken)], capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 2 and f"{broken}:1:10: version: must be 1" in bad.stderr


def test_action_passes_inputs_through_the_environment_only() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    for step in steps:
        assert "${{" not in step["run"], f"an expression is spliced into the script of {step.get('name')}"
    gate = next(step for step in steps if "decide" in step["run"] and "ci" in step["run"])
    assert {"DECIDE_PATHS", "DECIDE_FAIL_ON", "DECIDE_BASELINE", "DECIDE_RUBRICS", "DECIDE_SARIF"} <= set(gate["env"])
    assert set(action["inputs"]) >= {"paths", "fail-on", "baseline", "rubrics"}
