"""Batch throughput and memory: `decide batch` against the floor of parsing the same files.

The floor is what one Python process needs just to parse the same files with PyYAML's C loader
(`yaml.load(data, Loader=yaml.CSafeLoader)`), start-up included. The subject is
`decide batch DIR --out-dir OUT` with its defaults (JSON reports, one worker per CPU). Runs
alternate floor, subject, floor, subject; the figures are medians and the ratio of medians.
Peak memory is the largest resident set of any one process of the run (the main process or a
worker), read from the kernel's accounting of the waited-for children.

    python benchmarks/batch.py                 # N = 1,000 and 10,000, 3 rounds each
    python benchmarks/batch.py --sizes 2000 --rounds 5 --json

"Writing alone" is the time one process takes to write the batch's reports again, from memory,
each through a temporary file and a rename: the file system's share, which no program avoids.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from decide.loading.rubrics import load_rubrics  # noqa: E402
from decide.model import RUBRICS  # noqa: E402

FLOOR = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
"""

# Writes the reports of a finished batch again, each through a temporary file and a rename as decide
# does, from memory, into a new folder: what the file system alone asks of a batch. Prints its time.
FILES_ONLY = """
import os, sys, time
source, target = sys.argv[1], sys.argv[2]
reports = [(name, open(os.path.join(source, name), "rb").read()) for name in sorted(os.listdir(source))]
os.mkdir(target)
start = time.perf_counter()
for number, (name, data) in enumerate(reports):
    temporary = os.path.join(target, f".files-only-{number}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.write(descriptor, data)
    os.close(descriptor)
    os.replace(temporary, os.path.join(target, name))
print(time.perf_counter() - start)
"""

# Runs a command and prints its wall time and the peak resident set of its largest process.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""

WORDS = ("invoice", "refund", "ticket", "order", "claim", "report", "lead", "shipment", "contract", "alert")


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """Write ``count`` valid, varied task files, answers drawn from the rubric set itself."""
    rubrics = load_rubrics()
    chance = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        task: dict[str, Any] = {
            "version": 1,
            "id": f"task-{number:05d}",
            "title": f"{chance.choice(WORDS).title()} {chance.choice(WORDS)} automation {number}",
            "objective": f"Handle every {chance.choice(WORDS)} within a day with fewer errors.",
            "owner": f"Team {chance.randrange(40)}",
        }
        for section in RUBRICS:
            answers: dict[str, Any] = {}
            for criterion in rubrics.rubrics[section].criteria:
                if chance.random() < 0.1:
                    continue  # left out: the cautious reading
                if criterion.type == "integer":
                    answers[criterion.id] = chance.randrange(0, 5000)
                elif criterion.type == "list":
                    answers[criterion.id] = chance.sample(["GDPR", "HIPAA", "PCI-DSS", "SOX"], chance.randrange(3))
                elif criterion.type == "text":
                    answers[criterion.id] = f"Owner {chance.randrange(100)}"
                else:
                    answers[criterion.id] = chance.choice(criterion.values)
            task[section] = answers
        if chance.random() < 0.5:
            task["metrics"] = {
                "time_saved_hours_per_week": chance.randrange(1, 80),
                "error_rate": {"baseline": round(chance.uniform(0.02, 0.2), 3), "target": 0.01},
            }
        path = folder / f"{number // 1000:02d}" / f"task-{number:05d}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(task, sort_keys=False), encoding="utf-8")


def measure(command: list[str]) -> tuple[float, int]:
    output = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    wall, peak_kib, code = output.stdout.split()
    if code not in ("0",):
        raise SystemExit(f"failed ({code}): {' '.join(command)}")
    return float(wall), int(peak_kib)


def bench(count: int, rounds: int, jobs: int | None, tasks: Path, outs: Path) -> dict[str, Any]:
    generate(tasks, count)
    floor_command = [sys.executable, "-c", FLOOR, str(tasks)]
    floors: list[float] = []
    subjects: list[float] = []
    peaks: list[int] = []
    files_only: list[float] = []
    measure(floor_command)  # warm the page cache
    for number in range(rounds):
        floors.append(measure(floor_command)[0])
        # A new folder each round, all removed at the end: on ext4 without a journal, creating a
        # file skips, one by one, the inodes freed in the last minutes, so deleting the previous
        # round's reports just before a round would make its file creation several times slower.
        subject = [sys.executable, "-m", "decide", "batch", str(tasks), "--out-dir", str(outs / f"out-{number}")]
        wall, peak = measure(subject + (["--jobs", str(jobs)] if jobs else []))
        subjects.append(wall)
        peaks.append(peak)
        written = subprocess.run(
            [sys.executable, "-c", FILES_ONLY, str(outs / "out-0"), str(outs / f"files-only-{number}")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        files_only.append(float(written.stdout))
    floor, wall = statistics.median(floors), statistics.median(subjects)
    return {
        "files": count,
        "floor_s": round(floor, 3),
        "batch_s": round(wall, 3),
        "ratio": round(wall / floor, 2),
        "peak_rss_mib": round(max(peaks) / 1024, 1),
        "files_only_s": round(statistics.median(files_only), 3),
        "floor_samples": [round(x, 3) for x in floors],
        "batch_samples": [round(x, 3) for x in subjects],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to decide batch (default: its own)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--out-root",
        default=None,
        help="make the output folder here (e.g. /dev/shm), to tell the file system's cost from decide's",
    )
    arguments = parser.parse_args()
    # Every size's files are removed only at the very end: deleting thousands of files slows the
    # file creation that follows (see the README), which would tax the next size's rounds.
    work = Path(tempfile.mkdtemp(prefix="decide-batch-bench-"))
    outs = Path(tempfile.mkdtemp(prefix="decide-batch-out-", dir=arguments.out_root))
    try:
        results = [
            bench(count, arguments.rounds, arguments.jobs, work / f"tasks-{count}", outs / f"size-{count}")
            for count in arguments.sizes
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outs, ignore_errors=True)
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'files':>7} {'floor s':>8} {'batch s':>8} {'ratio':>6} {'peak MiB':>9} {'writing alone s':>16}"
        "  goal ratio <= 1.0, never > 1.5"
    )
    for result in results:
        verdict = "met" if result["ratio"] <= 1.0 else ("within 1.5" if result["ratio"] <= 1.5 else "MISSED")
        print(
            f"{result['files']:>7} {result['floor_s']:>8} {result['batch_s']:>8} {result['ratio']:>6} "
            f"{result['peak_rss_mib']:>9} {result['files_only_s']:>16}  {verdict}"
        )


if __name__ == "__main__":
    main()
