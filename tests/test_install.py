"""A plain, non-editable install carries the rubrics: the installed command works from anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return next(out.glob("decide-*.whl"))


def test_wheel_contains_the_rubrics_and_schemas(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "rubrics").glob("*.yaml"):
        assert f"decide/rubrics/{path.name}" in names
    assert {"decide/schemas/report.schema.json", "decide/schemas/rubric.schema.json"} <= names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "decide = decide.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_wheel_contains_the_import_mappings_and_their_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "rubrics" / "mappings").glob("*.yaml"):
        assert f"decide/rubrics/mappings/{path.name}" in names
    assert "decide/schemas/import-mapping.schema.json" in names


def test_installed_console_script_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    # Then the new environment sees the packages of the one running the tests (typer, rich, PyYAML),
    # after its own, so no network is needed and its own copy of decide comes first.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "parent-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    task = ROOT / "examples" / "status-lookup-assistant.yaml"
    result = subprocess.run([str(environment / "bin" / "decide"), "evaluate", str(task), "-f", "json"],
                            capture_output=True, text=True, cwd=elsewhere, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["recommendation"]["kind"] == "assistant"
    assert report["rubrics"]["name"] == "default"
    located = subprocess.run([str(python), "-c", "import decide.loading.rubrics as r; print(r.bundled_rubrics_root())"],
                             capture_output=True, text=True, cwd=elsewhere, check=True)
    assert str(environment) in located.stdout, "the installed command must read its own rubrics, not the checkout's"
    # The import's mapping ships with the rubrics: the installed command finds it by name.
    sample = ROOT / "examples" / "inventory" / "omb-2025-ai-use-case-inventory-sample.csv"
    imported = subprocess.run([str(environment / "bin" / "decide"), "import", "omb-inventory", str(sample),
                               "--out-dir", "drafts"], capture_output=True, text=True, cwd=elsewhere, check=False)
    assert imported.returncode == 0, imported.stderr
    assert len(list((elsewhere / "drafts").glob("*.yaml"))) == 75
