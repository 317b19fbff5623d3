"""The CLI end to end: formats, output files, schemas, rubric commands, the library API."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import EXAMPLES, ROOT, rubrics_with_red_team

EXAMPLE = "examples/inventory-replenishment.yaml"


def test_version_and_help(runner: CliRunner) -> None:
    from decide import __version__

    assert runner.invoke(app, ["--version"]).stdout == f"decide {__version__}\n"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("evaluate", "validate", "schema", "rubrics"):
        assert command in result.stdout


def test_text_report_is_plain_when_piped(runner: CliRunner) -> None:
    result = runner.invoke(app, ["evaluate", EXAMPLE])
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "Inventory replenishment agent" in result.stdout
    assert "Governance gaps" in result.stdout and "Rollback plan" in result.stdout


def _run_on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the real CLI with a pseudo-terminal as stdout, and return what it printed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "decide", *args], stdout=follower, stderr=subprocess.PIPE,
                               cwd=ROOT, env={**os.environ, "COLUMNS": "100", **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    return b"".join(chunks).decode()


def test_text_report_is_coloured_on_a_terminal_unless_no_color() -> None:
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    coloured = _run_on_terminal(["evaluate", EXAMPLE], {**env, "TERM": "xterm-256color"})
    assert "\x1b[" in coloured and "Inventory replenishment agent" in coloured
    plain = _run_on_terminal(["evaluate", EXAMPLE], {"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "Inventory replenishment agent" in plain


@pytest.mark.parametrize(("suffix", "fmt"), [(".json", "json"), (".md", "markdown"), (".txt", "text")])
def test_output_file_format_follows_its_extension(runner: CliRunner, tmp_path: Path, suffix: str, fmt: str) -> None:
    target = tmp_path / f"report{suffix}"
    result = runner.invoke(app, ["evaluate", EXAMPLE, "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    expected = runner.invoke(app, ["evaluate", EXAMPLE, "--format", fmt]).stdout
    assert target.read_text(encoding="utf-8") == expected
    assert [path.name for path in tmp_path.iterdir()] == [target.name]


def test_explicit_format_wins_over_extension(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    assert runner.invoke(app, ["evaluate", EXAMPLE, "-f", "json", "-o", str(target)]).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["task"]["id"] == "inventory-replenishment"


def test_failed_run_leaves_an_existing_output_untouched(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("previous report", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ntitle: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(broken), "-o", str(target)])
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "previous report"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.yaml", "report.json"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_json_report_follows_the_report_schema(runner: CliRunner, example: Path) -> None:
    schema = json.loads(runner.invoke(app, ["schema", "report"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    result = runner.invoke(app, ["evaluate", str(example.relative_to(ROOT)), "-f", "json"])
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["task"]["source"] == str(example.relative_to(ROOT))
    assert report["rubrics"]["name"] == "default"


def test_task_schema_accepts_the_examples_and_names_every_criterion(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "task"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for example in EXAMPLES:
        validator.validate(yaml.safe_load(example.read_text(encoding="utf-8")))
    assert schema["properties"]["autonomy"]["properties"]["initiation"]["enum"] == ["user", "schedule", "event", "self", None]
    assert not validator.is_valid({**yaml.safe_load(Path(EXAMPLE).read_text()), "autonmy": {}})


def test_rubric_schema_is_a_valid_schema_that_accepts_the_bundled_rubrics(runner: CliRunner) -> None:
    schema = json.loads(runner.invoke(app, ["schema", "rubric"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = {path.stem: yaml.safe_load(path.read_text()) for path in (ROOT / "rubrics").glob("*.yaml")}
    jsonschema.Draft202012Validator(schema).validate(document)


def test_custom_rubrics_add_a_criterion_to_schema_and_scoring(runner: CliRunner, tmp_path: Path) -> None:
    folder = rubrics_with_red_team(tmp_path / "ours", "Has it been red-teamed?")
    controls = folder / "controls.yaml"
    controls.write_text(controls.read_text(encoding="utf-8").replace(
        "  - id: prompt-injection-limits\n",
        "  - id: red-team-agents\n    why: Agents are red-teamed before they act.\n"
        "    when: {kind: [agent, hybrid]}\n    require: {red_team: true}\n  - id: prompt-injection-limits\n",
    ), encoding="utf-8")
    schema = json.loads(runner.invoke(app, ["schema", "task", "--rubrics", str(folder)]).stdout)
    assert schema["properties"]["governance"]["properties"]["red_team"]["type"] == ["boolean", "null"]
    report = json.loads(runner.invoke(app, ["evaluate", EXAMPLE, "-f", "json", "--rubrics", str(folder)]).stdout)
    assert {"control": "red_team", "severity": "blocking"}.items() <= next(
        gap for gap in report["gaps"] if gap["control"] == "red_team").items()
    assert report["recommendation"]["readiness"] == "not-ready"
    assert report["rubrics"]["sha256"] != json.loads(runner.invoke(app, ["evaluate", EXAMPLE, "-f", "json"]).stdout)["rubrics"]["sha256"]


def test_rubrics_commands(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["rubrics", "list"])
    assert listed.exit_code == 0 and listed.stdout.startswith("default\t1.0.0\t")
    assert runner.invoke(app, ["rubrics"]).stdout == listed.stdout
    shown = runner.invoke(app, ["rubrics", "show"])
    assert shown.exit_code == 0 and "autonomy.initiation" in shown.stdout
    as_json = json.loads(runner.invoke(app, ["rubrics", "show", "default", "-f", "json"]).stdout)
    assert [c["field"] for c in as_json["rubrics"]["scope"]][:2] == ["scope.systems", "scope.cross_system"]
    assert runner.invoke(app, ["rubrics", "validate", "rubrics"]).exit_code == 0
    unknown = runner.invoke(app, ["rubrics", "show", "no-such-set"])
    assert unknown.exit_code == 2 and "no-such-set" in unknown.stderr


def test_validate_reports_every_file(runner: CliRunner, tmp_path: Path) -> None:
    good = runner.invoke(app, ["validate", "examples"])
    assert good.exit_code == 0
    assert f"{len(EXAMPLES)} task files valid" in good.stdout + good.stderr
    (tmp_path / "a.yaml").write_text("version: 2\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("version: 1\ntitle: x\nobjective: y\nautonomy: {}\nscope: {}\n"
                                    "data_access: {}\ngovernance: {}\nextra: 1\n", encoding="utf-8")
    bad = runner.invoke(app, ["validate", str(tmp_path), "examples"])
    assert bad.exit_code == 2
    lines = bad.stderr.splitlines()
    assert any(line.startswith(f"{tmp_path / 'a.yaml'}:1:10: version: must be 1") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'b.yml'}:8:1: the task: unknown key 'extra'") for line in lines)
    assert lines[-1] == "decide: 2 of 7 task files invalid"


def test_missing_fields_are_assumed_cautiously_and_listed(runner: CliRunner, tmp_path: Path) -> None:
    task = tmp_path / "bare.yaml"
    task.write_text("version: 1\ntitle: Bare\nobjective: Nothing stated.\nautonomy: {}\nscope:\ndata_access: {}\n"
                    "governance: {}\n", encoding="utf-8")
    report = json.loads(runner.invoke(app, ["evaluate", str(task), "-f", "json"]).stdout)
    assumed = {item["field"] for item in report["assumptions"]}
    assert "autonomy.initiation" in assumed and "governance.kill_switch" in assumed
    assert report["recommendation"]["kind"] in ("agent", "hybrid")
    assert report["risk"]["tier"] == "critical"
    assert report["recommendation"]["readiness"] == "not-ready"
    assert report["task"]["id"] == "bare"
    markdown = runner.invoke(app, ["evaluate", str(task), "-f", "markdown"]).stdout
    assert "`autonomy.initiation` | self" in markdown


def test_library_api_matches_the_cli(runner: CliRunner) -> None:
    import decide

    rubrics = decide.load_rubrics()
    report = decide.evaluate(decide.load_task(EXAMPLE, rubrics), rubrics)
    assert decide.render(report, "json") == runner.invoke(app, ["evaluate", EXAMPLE, "-f", "json"]).stdout
    with pytest.raises(decide.DecideError) as caught:
        decide.load_task("examples/no-such-file.yaml", rubrics)
    assert str(caught.value) == "examples/no-such-file.yaml: no such file"


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "decide", "evaluate", EXAMPLE, "-f", "json"],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["recommendation"]["kind"] == "agent"


def test_version_from_the_real_entry_point() -> None:
    from decide import __version__

    result = subprocess.run([sys.executable, "-m", "decide", "--version"], capture_output=True, text=True, cwd=ROOT,
                            check=False)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, f"decide {__version__}\n", "")
