"""Importing and evaluating a generated inventory: `decide import omb-inventory` then `decide batch` on the drafts.

The inventory is generated from the 75 real rows of the sample (examples/inventory/): each generated
row is a sample row with a new id, and its multiple-choice cells (has_pii, classification,
development stage, the high-impact practices) drawn from the data dictionary's valid values, in their
shorthand or their full form; about 1 row in 100 loses its id (named from its agency and name) and 1 in
200 is cut short (a malformed row, to be reported). Written as the OMB file is: UTF-8 with a byte order
mark and Windows line endings.

It times the import (one process) against a floor that only reads the same CSV with Python's csv
module and writes one small file per row, then times `decide batch` on the drafts, and checks:

- every row is accounted for: a draft for each sound row, a reported line for each cut-short one;
- every draft the agency called high-impact is high or critical at its most cautious (`risk.tier`);
- the share of drafts called not high-impact whose best tier (`risk.tier_range.best`) is below high.

    python benchmarks/import.py                       # 10,000 rows, 3 rounds
    python benchmarks/import.py --rows 2000 --rounds 1 --json

This is a measurement, not a test: it exits 0 whether or not a goal is met, 2 if a command cannot run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "inventory" / "omb-2025-ai-use-case-inventory-sample.csv"
WAIVED = "Agency CAIO has waived this minimum practice and reported such waiver to OMB"
# Each multiple-choice column the mapping reads: its values, shorthand and full, and blank.
CHOICES = {
    "has_pii": ["Yes", "No", ""],
    "classification": ["Agentic AI", "Generative AI", "Classical ML", "Computer Vision", "NLP", "Other", "",
                       "Agentic AI: AI systems that perform tasks or make decisions autonomously with minimal human intervention."],
    "development_stage": ["Pre-deployment", "Pilot", "Deployed", "Retired",
                          "b) Pilot \u2013 The use case has been deployed in a limited test or pilot capacity."],
    "hi_testing_conducted": ["Yes", "In-progress", "CAIO Waived", "a) Yes", f"c) {WAIVED}", ""],
    "hi_ongoing_monitoring": ["Yes - Monitoring Established", "In-progress", "CAIO Waived", ""],
    "hi_independent_review": ["Internal Independent Review", "Oversight Board Review", "CAIO Review", "In-progress", ""],
    "hi_failsafe_presence": ["Yes", "Not Applicable", "In-progress", "CAIO Waived", ""],
    "hi_appeal_process": ["Appeal Process Established", "Not Applicable", "Appeal Process In-progress",
                          "Appeal Precluded by Law", ""],
}  # fmt: skip


def generate(rows: int, seed: int = 20) -> tuple[str, int]:
    """The inventory's text, and how many of its rows are cut short."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        columns = list(reader.fieldnames or [])
        sample = list(reader)
    chance = random.Random(seed)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    short = 0
    for number in range(rows):
        row = dict(sample[number % len(sample)])
        row["id"] = "" if chance.random() < 0.01 else f"GEN-{number:05d}"
        row["use_case_name"] = row["use_case_name"] + f" ({number})"
        for column, values in CHOICES.items():
            row[column] = chance.choice(values)
        if chance.random() < 0.005:
            buffer.write(",".join(["GEN", "Cut short", f"GEN-{number:05d}"]) + "\r\n")
            short += 1
            continue
        writer.writerow(row)
    return "\ufeff" + buffer.getvalue(), short


FLOOR = """
import csv, os, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as file:
    for number, row in enumerate(csv.DictReader(file)):
        path = os.path.join(sys.argv[2], f"{number}.yaml")
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            out.write(f"title: {row['use_case_name']!r}\\n")
        os.replace(path + ".tmp", path)
"""


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="decide-import-bench-"))
    try:
        text, short = generate(options.rows)
        inventory = work / "inventory.csv"
        inventory.write_text(text, encoding="utf-8")
        decide = [sys.executable, "-m", "decide"]
        floors, imports = [], []
        result = None
        for _ in range(options.rounds):
            for folder in ("floor", "drafts"):
                shutil.rmtree(work / folder, ignore_errors=True)
            (work / "floor").mkdir()
            floors.append(timed([sys.executable, "-c", FLOOR, str(inventory), str(work / "floor")])[0])
            seconds, result = timed([*decide, "import", "omb-inventory", str(inventory), "--out-dir", str(work / "drafts")])
            imports.append(seconds)
        assert result is not None
        if result.returncode not in (0, 2) or "Traceback" in result.stderr:
            print(result.stderr, file=sys.stderr)
            return 2
        drafts = sorted((work / "drafts").glob("*.yaml"))
        refused = [line for line in result.stderr.splitlines() if ": not imported: " in line]
        batch_seconds, batch = timed([*decide, "batch", str(work / "drafts"), "--out-dir", str(work / "reports")])
        if batch.returncode != 0:
            print(batch.stderr, file=sys.stderr)
            return 2
        figures = _tiers(work)
        figures.update(
            rows=options.rows, cut_short=short, drafts=len(drafts), refused=len(refused),
            every_row_accounted=len(drafts) + len(refused) == options.rows and len(refused) == short,
            import_seconds=statistics.median(imports), floor_seconds=statistics.median(floors),
            import_rows_per_second=options.rows / statistics.median(imports), batch_seconds=batch_seconds,
        )  # fmt: skip
        figures["ratio"] = figures["import_seconds"] / figures["floor_seconds"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:34} {value:,.3f}" if isinstance(value, float) else f"{key:34} {value}")
    return 0


def _tiers(work: Path) -> dict[str, Any]:
    """How the agency's own determination lines up with the cautious and the best tiers."""
    high_cautious = high_total = low_best = not_high_total = 0
    for path in sorted((work / "reports").glob("*.json")):
        if path.name.startswith("summary"):
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        draft = (work / "drafts" / f"{report['task']['id']}.yaml").read_text(encoding="utf-8")
        if 'x-omb-high-impact: "High-impact"' in draft:
            high_total += 1
            high_cautious += report["risk"]["tier"] in ("high", "critical")
        elif 'x-omb-high-impact: "Not High-impact"' in draft:
            not_high_total += 1
            low_best += report["risk"].get("tier_range", {}).get("best") in ("low", "medium")
    return {"high_impact_high_when_cautious": f"{high_cautious} of {high_total}",
            "not_high_impact_best_below_high": f"{low_best} of {not_high_total}"}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
