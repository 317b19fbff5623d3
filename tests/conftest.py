"""Shared fixtures: the repository's paths, a CLI runner, and the golden-file update switch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
# The day the examples' evidence is judged on (2026-12-01): reports that date evidence stay the same
# whatever day the suite runs.
AS_OF_EPOCH = "1796083200"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def copy_example(name: str, folder: Path) -> Path:
    """An example task file copied into ``folder`` with the evidence files it refers to."""
    folder.mkdir(parents=True, exist_ok=True)
    evidence = ROOT / "examples" / "evidence" / name
    if evidence.is_dir():
        shutil.copytree(evidence, folder / "evidence" / name, dirs_exist_ok=True)
    return Path(shutil.copy(ROOT / "examples" / f"{name}.yaml", folder / f"{name}.yaml"))


def rubrics_with_red_team(folder: Path, question: str) -> Path:
    """A copy of the bundled rubrics with one more governance control, ``red_team``: an
    organisation's own criterion, which the schema, the questionnaire and the scoring must all pick up."""
    shutil.copytree(ROOT / "rubrics", folder)
    governance = folder / "governance.yaml"
    governance.write_text(governance.read_text(encoding="utf-8") + f"""  - id: red_team
    question: {question}
    help: An adversarial exercise against its tools and prompts.
    type: boolean
    weight: 1
    cautious: false
    options:
      - {{value: false, label: "No", points: 0}}
      - {{value: true, label: "Yes", points: 100}}
""", encoding="utf-8")
    return folder


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite golden files from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _run_from_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reports name the task file as given; tests give paths relative to the repository root.
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", AS_OF_EPOCH)
