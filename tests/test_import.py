"""`decide import`: the federal AI use case inventory sample and generated broken inventories, through the real CLI.

Every draft written must pass `decide validate`; every row not imported must be named by the line it
starts on; nothing already there is replaced without --force.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "inventory" / "omb-2025-ai-use-case-inventory-sample.csv"
MAPPING = ROOT / "rubrics" / "mappings" / "omb-inventory.yaml"


def decide(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decide", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin, check=False)  # fmt: skip


def imported(csv_path: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return decide("import", "omb-inventory", str(csv_path), "--out-dir", str(out), *options)


def header() -> list[str]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as file:
        return next(csv.reader(file))


def inventory(rows: list[dict[str, str]]) -> str:
    """An inventory in the sample's columns, written as a spreadsheet writes it: CRLF line endings."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header(), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def use_case(number: int, **cells: str) -> dict[str, str]:
    return {"agency": "XYZ", "agency_name": "Department of Examples", "id": f"XYZ-{number}",
            "use_case_name": f"Use case {number}", "agency_bureau": "Bureau of Tests",
            "problem_solved": f"Problem {number}.", "is_high_impact": "Not High-impact", **cells}  # fmt: skip


@pytest.fixture(scope="module")
def sample_drafts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("sample") / "drafts"
    return out, imported(SAMPLE, out)


def draft(folder: Path, task_id: str) -> tuple[str, dict[str, object]]:
    text = (folder / f"{task_id}.yaml").read_text(encoding="utf-8")
    return text, yaml.safe_load(text)


def test_every_use_case_of_the_sample_becomes_a_valid_draft(sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, result = sample_drafts
    assert result.returncode == 0, result.stderr
    assert "75 of 75 use cases imported from" in result.stdout
    assert len(list(out.glob("*.yaml"))) == 75
    validated = decide("validate", str(out))
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout == "75 task files valid\n"


def test_each_answer_names_the_column_and_value_it_came_from(sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = sample_drafts
    text, document = draft(out, "dhs-2556")  # high-impact, deployed, every practice in progress
    assert document["title"] == "AI-Assisted Resume Screening Tool"
    assert document["owner"] == "ICE"
    assert "  sensitivity: personal  # has_pii: 'Yes'" in text
    # "In-progress" is not in place: the weakest option, never the practice's "yes".
    assert "  evaluation: none  # hi_testing_conducted: 'In-progress'" in text
    assert "  monitoring: none  # hi_ongoing_monitoring: 'In-progress'" in text
    assert "  kill_switch: false  # hi_failsafe_presence: 'In-progress'" in text
    assert document["x-omb-high-impact"] == "High-impact"
    assert document["autonomy"] is None, "a generative AI classification says nothing about autonomy"
    answers = text.split("\nautonomy:", 1)[1].splitlines()
    for line in (line for line in answers if line.startswith("  ") and not line.startswith("  #")):
        assert "  # " in line, f"an answer without its source: {line}"
    assert all("  # " in line for line in text.splitlines() if line.startswith(("title:", "objective:", "owner:")))


def test_the_agencys_own_determination_is_kept_verbatim(sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = sample_drafts
    with SAMPLE.open(encoding="utf-8-sig", newline="") as file:
        presumed = [row for row in csv.DictReader(file) if row["is_high_impact"].startswith("Presumed") and row["id"]]
    assert presumed
    for row in presumed:
        _, document = draft(out, row["id"].lower().replace(" ", ""))
        assert document["x-omb-high-impact"] == row["is_high_impact"]
        assert document.get("x-omb-high-impact-justification", "") == row["HI_justification"].strip()


def test_agentic_ai_is_the_only_classification_that_answers_autonomy(sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = sample_drafts
    answered: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(out.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        classification = document.get("x-omb-classification", "")
        answered.setdefault(classification, set()).update((document["autonomy"] or {}).items())
    assert answered.pop("Agentic AI") == {("decisions", "routine")}
    assert all(not fields for fields in answered.values())


def test_a_pilot_has_been_evaluated_in_a_pilot(sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = sample_drafts
    for path in sorted(out.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        pilot = document.get("x-omb-development-stage") == "Pilot"
        assert ((document["governance"] or {}).get("evaluation") == "pilot") == pilot, path.name


def test_rows_without_an_id_are_named_and_reported(sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, result = sample_drafts
    # Line 28 of the sample: HHS, no id.
    assert f"{SAMPLE}:28:1: no id: named 'hhs-grant-award-process-efficiency' from agency and use_case_name" in result.stderr
    _, document = draft(out, "hhs-grant-award-process-efficiency")
    assert document["title"] == "Grant award process efficiency"


def test_the_same_inventory_gives_byte_identical_drafts(tmp_path: Path, sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    first, _ = sample_drafts
    second = tmp_path / "again"
    assert imported(SAMPLE, second).returncode == 0
    assert {p.name: p.read_bytes() for p in first.iterdir()} == {p.name: p.read_bytes() for p in second.iterdir()}


def test_high_impact_use_cases_are_high_at_their_most_cautious(tmp_path: Path, sample_drafts: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = sample_drafts
    reports = tmp_path / "reports"
    result = decide("batch", str(out), "--out-dir", str(reports), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    for path in sorted(out.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        report = json.loads((reports / f"{path.stem}.json").read_text(encoding="utf-8"))
        if document.get("x-omb-high-impact") == "High-impact":
            assert report["risk"]["tier"] in ("high", "critical"), path.name


def test_an_existing_draft_is_replaced_only_with_force(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(inventory([use_case(1), use_case(2)]), encoding="utf-8")
    out = tmp_path / "drafts"
    assert imported(source, out).returncode == 0
    (out / "xyz-1.yaml").write_text("# mine, edited\n", encoding="utf-8")
    again = imported(source, out)
    assert again.returncode == 2
    assert f"{source}:2:1: not imported: {out / 'xyz-1.yaml'} exists: not replaced (--force replaces it)" in again.stderr
    assert "Traceback" not in again.stderr
    assert (out / "xyz-1.yaml").read_text(encoding="utf-8") == "# mine, edited\n"
    forced = imported(source, out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (out / "xyz-1.yaml").read_text(encoding="utf-8").startswith("# Draft imported from inventory.csv line 2")
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "a temporary file was left behind"


def test_a_broken_inventory_imports_every_sound_row_and_names_the_line_of_each_other(tmp_path: Path) -> None:
    good = inventory([
        use_case(1, problem_solved="A problem\r\nover two lines, with \"quotes\", and commas."),  # lines 2-3
        use_case(2, hi_public_consultation="['a) Direct usability testing', 'd) Other']", has_pii="Yes"),  # 4
        use_case(1, use_case_name="Same id as line 2"),  # 5: the id is taken
        use_case(3, id=""),  # 6: no id
        use_case(4, use_case_name="", problem_solved=""),  # 7: nothing to call it
        use_case(5, has_pii="Perhaps", demographic_features="['unclosed"),  # 8: a value no rule knows
    ])
    lines = good.split("\r\n")
    short = "XYZ,Department of Examples,XYZ-6,Too short"  # 9: four cells
    blank = ","  * (len(header()) - 1)  # 10: a blank row
    not_utf8 = inventory([use_case(7, use_case_name="Caf\udce9")]).split("\r\n")[1]  # 11: Latin-1, not UTF-8
    huge = inventory([use_case(8, benefits="x" * 200_000)]).split("\r\n")[1]  # 12: a cell past the csv limit
    after = inventory([use_case(9, use_case_name="After the broken rows")]).split("\r\n")[1]  # 13: read as usual after them
    unclosed = 'XYZ,Department of Examples,XYZ-10,"Never closed\r\nand the file ends'  # 14-15
    text = "\r\n".join([*lines[:-1], short, blank, not_utf8, huge, after, unclosed]) + "\r\n"
    source = tmp_path / "broken.csv"
    source.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8", "surrogateescape"))
    out = tmp_path / "drafts"
    result = imported(source, out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    err = result.stderr
    assert f"{source}:5:1: id 'xyz-1' is taken by line 2: written as 'xyz-1-2'" in err
    assert f"{source}:6:1: no id: named 'xyz-use-case-3' from agency and use_case_name" in err
    assert f"{source}:7:1: not imported: no use_case_name or problem_solved: a task needs a title and an objective" in err
    assert f"{source}:8:1: has_pii: 'Perhaps' is none of its values (Yes, No): data_access.sensitivity left out" in err
    assert f"{source}:8:1: demographic_features: not a list (\"['unclosed\"): kept as text" in err
    assert f"{source}:9:1: not imported: 4 cells where the header has {len(header())}" in err
    assert ":10:" not in err, "a blank row is skipped, not reported"
    assert f"{source}:11:1: not imported: not UTF-8 text: save the file as UTF-8" in err
    assert f"{source}:12:1: not imported: a cell longer than" in err
    assert f"{source}:14:1: not imported: 4 cells where the header has {len(header())} (a quote opened in it may never be closed)" in err
    assert err.rstrip().endswith("decide: 5 of 11 use cases not imported")
    assert "1 blank row skipped" in result.stdout
    written = sorted(p.stem for p in out.glob("*.yaml"))
    assert written == ["xyz-1", "xyz-1-2", "xyz-2", "xyz-5", "xyz-9", "xyz-use-case-3"]
    assert decide("validate", str(out)).returncode == 0
    _, first = draft(out, "xyz-1")
    assert first["objective"] == "A problem\nover two lines, with \"quotes\", and commas."
    assert first["description"].startswith("Problem: A problem\nover two lines")
    _, second = draft(out, "xyz-2")
    assert second["x-omb-public-consultation"] == ["a) Direct usability testing", "d) Other"]
    assert second["data_access"] == {"sensitivity": "personal"}
    _, fifth = draft(out, "xyz-5")
    assert fifth["x-omb-demographic-features"] == "['unclosed"
    assert fifth["data_access"] is None


@pytest.mark.parametrize("cell", ["\u2028", "\x85", "\ufeff", "\x00", "\x1b[31m", "\t", " leading", "trailing ", "\u00e9\U0001f600"])
def test_any_text_in_a_cell_round_trips_into_a_valid_draft(tmp_path: Path, cell: str) -> None:
    source = tmp_path / "odd.csv"
    text = f"Odd{cell}text"
    source.write_text(inventory([use_case(1, use_case_name=text, benefits=f"line one\n{cell}\nline three",
                                          HI_justification=cell)]), encoding="utf-8")  # fmt: skip
    out = tmp_path / "drafts"
    result = imported(source, out)
    assert result.returncode == 0, result.stderr
    assert decide("validate", str(out)).returncode == 0
    _, document = draft(out, "xyz-1")
    assert document["title"] == text
    assert document["description"] == f"Problem: Problem 1.\n\nBenefits: line one\n{cell}\nline three"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "no header row: an inventory is a CSV file whose first row names its columns"),
    (b"agency,id\r\nXYZ,1\r\n", "not a US federal AI use case inventory (OMB M-25-21, 2025): the header has no use_case_name, agency_bureau, problem_solved"),
    (b"id,id,use_case_name\r\n", "the header names 'id' more than once"),
])
def test_a_file_that_is_not_an_inventory_is_one_line_and_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "not.csv"
    source.write_bytes(content)
    result = imported(source, tmp_path / "drafts")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{source}:1:1: {message}"]
    assert not (tmp_path / "drafts").exists()


def test_usage_mistakes_are_one_line_and_exit_2(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    cases = [
        (["import", "omb-inventory", str(tmp_path / "missing.csv"), "--out-dir", str(tmp_path / "d")],
         f"{tmp_path / 'missing.csv'}: no such file"),
        (["import", "omb-inventory", str(SAMPLE), "--out-dir", str(a_file)], f"{a_file}: --out-dir is a file, not a folder"),
        (["import", "no-such-format", str(SAMPLE), "--out-dir", str(tmp_path / "d")],
         "no-such-format: no such mapping file, and not a bundled inventory format (omb-inventory)"),
    ]  # fmt: skip
    for args, message in cases:
        result = decide(*args)
        assert result.returncode == 2, args
        assert result.stderr.splitlines() == [message]


def test_another_inventory_is_a_mapping_file_not_code(tmp_path: Path) -> None:
    mapping = tmp_path / "ours.yaml"
    mapping.write_text("""version: 1
title: Our register of AI systems
required_columns: [Ref, Name, Purpose]
id: {columns: [Ref], fallback: [Name]}
text: {title: [Name], objective: [Purpose], owner: [Team]}
description: [{column: Purpose, label: Purpose}]
keep: [{key: x-register-ref, column: Ref}]
answers:
  - field: scope.user_facing
    column: Who uses it
    values: {Staff: internal, Public: external, Nobody: none}
""", encoding="utf-8")
    source = tmp_path / "register.csv"
    source.write_text("Ref,Name,Purpose,Team,Who uses it\nR 1,Chat helper,Answer staff questions.,IT,staff\n",
                      encoding="utf-8")
    out = tmp_path / "drafts"
    result = decide("import", str(mapping), str(source), "--out-dir", str(out))
    assert result.returncode == 0, result.stderr
    text, document = draft(out, "r-1")
    assert "  user_facing: internal  # Who uses it: 'staff'" in text
    assert document["owner"] == "IT"
    assert document["x-register-ref"] == "R 1"


@pytest.mark.parametrize(("edit", "message"), [
    (("field: data_access.sensitivity", "field: data_access.sensitive"),
     "answers: 'data_access.sensitive' is not a field of the rubric set"),
    (('"Yes": {answer: personal', '"Yes": {answer: personnel'),
     "data_access.sensitivity: 'personnel' is not a valid answer (public, internal, confidential, personal, special)"),
    (("version: 1", "version: 2"), "version: must be 1, got 2"),
    (("{key: x-omb-agency, column: agency}", "{key: x-omb-id, column: agency}"), "keep: 'x-omb-id' is kept twice"),
])
def test_a_mistake_in_a_mapping_is_located(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    text = MAPPING.read_text(encoding="utf-8")
    assert edit[0] in text
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    line = next(number for number, content in enumerate(mapping.read_text(encoding="utf-8").splitlines(), 1)
                if edit[1] in content)  # fmt: skip
    result = decide("import", str(mapping), str(SAMPLE), "--out-dir", str(tmp_path / "drafts"))
    assert result.returncode == 2
    [reported] = result.stderr.splitlines()
    assert reported.startswith(f"{mapping}:{line}:")
    assert reported.endswith(message)


def test_ids_yaml_would_misread_or_no_file_system_takes_become_valid_drafts(tmp_path: Path) -> None:
    source = tmp_path / "ids.csv"
    source.write_text(inventory([use_case(1, id="True"), use_case(2, id="1e3"), use_case(3, id="PBGC - 11"),
                                 use_case(4, id="Long " * 80)]), encoding="utf-8")  # fmt: skip
    out = tmp_path / "drafts"
    result = imported(source, out)
    assert result.returncode == 0, result.stderr
    names = sorted(p.stem for p in out.glob("*.yaml"))
    long = "long-" * 11 + "long"  # cut at a word, within 60 characters
    assert names == ["1e3", long, "pbgc-11", "true"]
    for name in names:
        assert yaml.safe_load((out / f"{name}.yaml").read_text(encoding="utf-8"))["id"] == name
    assert decide("validate", str(out)).returncode == 0


def test_the_readme_shows_the_import_as_it_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("decide import omb-inventory"))
    (tmp_path / "examples" / "inventory").mkdir(parents=True)
    (tmp_path / "examples" / "inventory" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    result = subprocess.run([sys.executable, "-m", "decide", *command.split()[1:]], capture_output=True, text=True,
                            cwd=tmp_path, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"```\n{result.stdout}```" in readme, "the README's import output is stale"


def test_a_utf16_export_with_semicolon_lists_imports_as_utf8_would(tmp_path: Path) -> None:
    source = tmp_path / "utf16.csv"
    rows = [use_case(1, use_case_name="Caf\u00e9 \u2013 triage", demographic_features="b) Sex; c) Age")]
    source.write_bytes(inventory(rows).encode("utf-16"))  # with its byte order mark, as Excel writes it
    out = tmp_path / "drafts"
    result = imported(source, out)
    assert result.returncode == 0, result.stderr
    _, document = draft(out, "xyz-1")
    assert document["title"] == "Caf\u00e9 \u2013 triage"
    assert document["x-omb-demographic-features"] == ["b) Sex", "c) Age"]


def test_a_draft_that_cannot_be_written_is_that_rows_problem(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(inventory([use_case(1), use_case(2)]), encoding="utf-8")
    out = tmp_path / "drafts"
    (out / "xyz-1.yaml").mkdir(parents=True)  # a folder where the draft would go
    result = imported(source, out, "--force")
    assert result.returncode == 2
    assert f"{source}:2:1: not imported: {out / 'xyz-1.yaml'}: cannot write" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "xyz-2.yaml").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_whatever_text_a_cell_holds_the_draft_is_valid_and_keeps_it() -> None:
    """Property over generated cells: the draft parses and validates, and its text fields hold the cell's text."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from decide.importing.draft import build_draft
    from decide.importing.mapping import load_mapping
    from decide.importing.rows import Row
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader

    rubrics = load_rubrics()
    mapping, loader = load_mapping("omb-inventory", rubrics), TaskLoader(rubrics)
    # Any character a decoded CSV cell can hold: every code point but the surrogates.
    cell = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1).filter(lambda text: text.strip() != "")

    @settings(max_examples=300, deadline=None)
    @given(name=cell, problem=cell, other=st.text(st.characters(blacklist_categories=["Cs"])))
    def check(name: str, problem: str, other: str) -> None:
        cells = {column: other for column in header()}
        cells.update(use_case_name=name, problem_solved=problem, agency_bureau="B", id="X-1")
        built = build_draft(mapping, Row(2, cells), "x-1", "inventory.csv line 2")
        task = loader.load_bytes(built.text.encode("utf-8"), "x-1.yaml")
        assert (task.title, task.objective) == (name.strip(), problem.strip())
        assert task.description is not None and task.description.startswith(f"Problem: {problem.strip()}")

    check()


def test_decide_schema_prints_the_mapping_schema_the_bundled_mapping_follows() -> None:
    result = subprocess.run([sys.executable, "-m", "decide", "schema", "import-mapping"], capture_output=True,
                            text=True, cwd=ROOT, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    mapping = yaml.safe_load((ROOT / "rubrics" / "mappings" / "omb-inventory.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(mapping)
