"""Batch throughput and memory: `decide batch` against one process reading, parsing and validating the same files.

The floor is one Python process, start-up included, that reads each file, parses it with PyYAML's C
loader (`yaml.load(data, Loader=yaml.CSafeLoader)`) and validates it with one compiled
`jsonschema.Draft202012Validator` of `decide schema task`. The subject is `decide batch DIR --out-dir OUT`
with its defaults (JSON reports, one worker per CPU). Goal (the product spec's quality targets): the
batch takes no more wall time than the floor (ratio <= 1.0).

Timed rounds alternate floor, subject, floor, subject, after warm-up rounds that are thrown away; the
figures are medians, the ratio is the ratio of the medians, and the per-round ratios (each subject run
over the floor run just before it) show how steady it is. CPU time (user + system, the workers
included) is read from the kernel's accounting of the waited-for process tree.

Peak memory is measured in separate rounds, so that watching does not slow the timed ones. The batch
starts in a process group of its own; every 10 ms this script reads /proc for every process of that
group (the main process and its workers) and records:

- tree peak: the sum, over the processes, of each one's own peak resident set (VmHWM, its last reading,
  at most 10 ms before the process ends). It counts pages a worker shares with the main process
  (forked) once per process, so it is an upper bound. The main process's and the largest worker's
  peaks are reported too.
- RSS sum and PSS sum: the largest sum of the current resident sets, and of the proportional set sizes
  (shared pages divided among the processes sharing them), seen at any one reading.

Goal: the tree peak grows by no more than 1 KB per file between the smallest and the largest size.

    python benchmarks/batch.py                                   # N = 1,000 and 10,000
    python benchmarks/batch.py --sizes 1000 10000 --rounds 9 --json
    python benchmarks/batch.py --sizes 10000 --out-root /dev/shm  # reports written in memory

"Writing alone" is the time one process takes to write the batch's reports again, from memory, each
through a temporary file and a rename: the file system's share, which no program avoids.

This is a measurement, not a test: it exits 0 whether or not a goal is met, 2 if a command cannot run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from decide.loading.rubrics import load_rubrics  # noqa: E402
from decide.model import RUBRICS  # noqa: E402

TIME_GOAL = 1.0  # batch wall time / floor wall time
MEMORY_GOAL_KB = 1.0  # growth of the tree's peak memory per file, in KB (1,000 bytes)

FLOOR = """
import json, sys
from pathlib import Path
import jsonschema, yaml
validator = jsonschema.Draft202012Validator(json.loads(Path(sys.argv[1]).read_bytes()))
for path in sorted(Path(sys.argv[2]).rglob("*.yaml")):
    validator.validate(yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader))
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

WORDS = ("invoice", "refund", "ticket", "order", "claim", "report", "lead", "shipment", "contract", "alert")
PACKAGES = ("PyYAML", "jsonschema", "referencing", "rpds-py", "orjson", "typer", "rich")


class CannotRun(Exception):
    """A command of the benchmark failed: there is nothing to measure."""


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


def write_schema(path: Path) -> None:
    """`decide schema task`, as the floor's validator and check-jsonschema read it."""
    done = subprocess.run(
        [sys.executable, "-m", "decide", "schema", "task"], cwd=ROOT, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise CannotRun(f"decide schema task failed: {done.stderr.decode(errors='replace').strip()}")
    path.write_bytes(done.stdout)


# --- running one command ---------------------------------------------------------------------------


def run(argv: list[str], *, watch: bool = False) -> dict[str, Any]:
    """Wall time, CPU time of the whole tree and, with ``watch``, its memory (see the module's docstring)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=watch
    )
    watcher = _Watcher(process.pid) if watch else None
    assert process.stderr is not None
    errors = process.stderr.read()  # until the tree closes it: a full pipe would stall the command
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise CannotRun(f"failed ({process.returncode}): {' '.join(argv)}\n{errors.decode(errors='replace')[-2000:]}")
    result = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "largest_process_kib": usage.ru_maxrss}
    if watcher is not None:
        result.update(watcher.stop(main_peak_kib=usage.ru_maxrss))
    return result


class _Watcher(threading.Thread):
    """Reads /proc every 10 ms for the processes of one process group: their peaks, and the largest sums."""

    def __init__(self, group: int) -> None:
        super().__init__(daemon=True)
        self.group = group
        self.peaks: dict[int, int] = {}  # pid → its own peak resident set (VmHWM), last read, KiB
        self.rss_sum = 0
        self.pss_sum = 0
        self.readings = 0
        self.done = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.done.is_set():
            self.read()
            self.done.wait(0.01)

    def read(self) -> None:
        rss = pss = 0
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
                if int(fields[2]) != self.group:  # the fields after the name: state, ppid, pgrp, ...
                    continue
                with open(f"/proc/{name}/status", "rb") as status:
                    values = dict(line.split(b":", 1) for line in status.read().splitlines() if b":" in line)
                with open(f"/proc/{name}/smaps_rollup", "rb") as rollup:
                    proportional = next((int(line.split()[1]) for line in rollup if line.startswith(b"Pss:")), 0)
            except (OSError, ValueError, IndexError):
                continue  # ended between two reads, or a zombie without memory
            if b"VmHWM" not in values:
                continue
            self.peaks[int(name)] = int(values[b"VmHWM"].split()[0])
            rss += int(values[b"VmRSS"].split()[0])
            pss += proportional
        self.rss_sum = max(self.rss_sum, rss)
        self.pss_sum = max(self.pss_sum, pss)
        self.readings += 1

    def stop(self, main_peak_kib: int) -> dict[str, Any]:
        self.done.set()
        self.join()
        peaks = dict(self.peaks)
        # wait4's figure for the main process is the larger of its own peak and its largest worker's.
        peaks.setdefault(self.group, main_peak_kib)
        return {
            "tree_peak_kib": sum(peaks.values()),
            "main_peak_kib": main_peak_kib,
            "worker_peaks_kib": sorted(peak for pid, peak in peaks.items() if pid != self.group),
            "processes": len(peaks),
            "rss_sum_kib": self.rss_sum,
            "pss_sum_kib": self.pss_sum,
            "readings": self.readings,
        }


# --- one size ----------------------------------------------------------------------------------------


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def bench(count: int, args: argparse.Namespace, tasks: Path, schema: Path, outs: Path) -> dict[str, Any]:
    generate(tasks, count)
    outs.mkdir(parents=True)
    floor_command = [sys.executable, "-c", FLOOR, str(schema), str(tasks)]
    rounds = 0

    def subject_command() -> list[str]:
        # A new folder each round, all removed at the end: on ext4 without a journal, creating a file
        # skips, one by one, the inodes freed in the last minutes, so deleting the previous round's
        # reports just before a round would make its file creation several times slower.
        nonlocal rounds
        rounds += 1
        command = [sys.executable, "-m", "decide", "batch", str(tasks), "--out-dir", str(outs / f"out-{rounds}")]
        return command + (["--jobs", str(args.jobs)] if args.jobs else [])

    floors: list[dict[str, Any]] = []
    subjects: list[dict[str, Any]] = []
    for number in range(args.warmup + args.rounds):
        floor, subject = run(floor_command), run(subject_command())
        if number >= args.warmup:
            floors.append(floor)
            subjects.append(subject)
        progress(
            f"  {count} files, round {number + 1}/{args.warmup + args.rounds}: floor {floor['wall_s']:.2f} s, batch {subject['wall_s']:.2f} s"
        )
    memory = [run(subject_command(), watch=True) for _ in range(args.memory_rounds)]
    files_only = []
    for number in range(args.rounds if args.files_only else 0):
        written = subprocess.run(
            [sys.executable, "-c", FILES_ONLY, str(outs / "out-1"), str(outs / f"files-only-{number}")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        files_only.append(float(written.stdout))

    def median(samples: list[dict[str, Any]], key: str) -> float:
        return statistics.median(sample[key] for sample in samples)

    floor_wall, batch_wall = median(floors, "wall_s"), median(subjects, "wall_s")
    paired = [s["wall_s"] / f["wall_s"] for f, s in zip(floors, subjects, strict=True)]
    return {
        "files": count,
        "floor_s": round(floor_wall, 3),
        "floor_iqr_s": [round(q, 3) for q in quartiles([f["wall_s"] for f in floors])],
        "floor_cpu_s": round(median(floors, "cpu_s"), 3),
        "batch_s": round(batch_wall, 3),
        "batch_iqr_s": [round(q, 3) for q in quartiles([s["wall_s"] for s in subjects])],
        "batch_cpu_s": round(median(subjects, "cpu_s"), 3),
        "ratio": round(batch_wall / floor_wall, 3),
        "paired_ratio_iqr": [round(q, 3) for q in quartiles(paired)],
        "cpu_ratio": round(median(subjects, "cpu_s") / median(floors, "cpu_s"), 3),
        "time_met": batch_wall / floor_wall <= TIME_GOAL,
        "files_only_s": round(statistics.median(files_only), 3) if files_only else None,
        "memory": {
            "tree_peak_kib": statistics.median(m["tree_peak_kib"] for m in memory),
            "rss_sum_kib": statistics.median(m["rss_sum_kib"] for m in memory),
            "pss_sum_kib": statistics.median(m["pss_sum_kib"] for m in memory),
            "largest_process_kib": statistics.median(m["largest_process_kib"] for m in memory),
            "main_peak_kib": statistics.median(m["main_peak_kib"] for m in memory),
            "worker_peak_kib": statistics.median(max(m["worker_peaks_kib"], default=0) for m in memory),
            "processes": max(m["processes"] for m in memory),
            "samples": memory,
        },
        "floor_samples": [{k: round(v, 3) for k, v in f.items()} for f in floors],
        "batch_samples": [{k: round(v, 3) for k, v in s.items()} for s in subjects],
    }


def growth(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Bytes of peak memory per file between the smallest and the largest size."""
    if len(results) < 2:
        return None
    small, large = min(results, key=lambda r: r["files"]), max(results, key=lambda r: r["files"])
    files = large["files"] - small["files"]
    per_file = {
        key: round((large["memory"][key] - small["memory"][key]) * 1024 / files / 1000, 3)
        for key in ("tree_peak_kib", "rss_sum_kib", "pss_sum_kib", "main_peak_kib", "worker_peak_kib")
    }
    return {"from": small["files"], "to": large["files"], "kb_per_file": per_file,
            "met": per_file["tree_peak_kib"] <= MEMORY_GOAL_KB}  # fmt: skip


def progress(line: str) -> None:
    if sys.stderr.isatty():
        print(line, file=sys.stderr)


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["libyaml"] = yaml.__with_libyaml__ and getattr(yaml, "_yaml", None) and yaml._yaml.get_version_string()  # type: ignore[attr-defined]
    return found


def commit() -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or None


def print_text(report: dict[str, Any]) -> None:
    print(
        f"decide batch benchmark  {report['date']}  commit {report['commit']}  Python {report['python']}  "
        f"{report['cpus']} CPUs  {report['rounds']} rounds (+{report['warmup']} warm-up), floor/batch alternating"
    )
    print("packages: " + ", ".join(f"{k} {v}" for k, v in report["packages"].items() if v))
    print()
    print(f"{'files':>7} {'floor s':>8} {'(cpu)':>6} {'batch s':>8} {'(cpu)':>6} {'ratio':>6} {'per-round':>11} "
          f"{'cpu ratio':>9} {'writing s':>9}  goal ratio <= {TIME_GOAL}")  # fmt: skip
    for r in report["results"]:
        q1, q3 = r["paired_ratio_iqr"]
        written = "" if r["files_only_s"] is None else r["files_only_s"]
        print(
            f"{r['files']:>7} {r['floor_s']:>8.3f} {r['floor_cpu_s']:>6.2f} {r['batch_s']:>8.3f} {r['batch_cpu_s']:>6.2f} "
            f"{r['ratio']:>6.2f} {q1:>5.2f}-{q3:<5.2f} {r['cpu_ratio']:>9.2f} {written:>9}  "
            f"{'met' if r['time_met'] else 'not met'}"
        )
    print()
    print(
        f"{'files':>7} {'tree peak MiB':>13} {'RSS sum MiB':>11} {'PSS sum MiB':>11} {'main MiB':>8} {'worker MiB':>10}"
    )
    for r in report["results"]:
        m = r["memory"]
        print(
            f"{r['files']:>7} {m['tree_peak_kib'] / 1024:>13.1f} {m['rss_sum_kib'] / 1024:>11.1f} "
            f"{m['pss_sum_kib'] / 1024:>11.1f} {m['main_peak_kib'] / 1024:>8.1f} {m['worker_peak_kib'] / 1024:>10.1f}"
        )
    g = report["growth"]
    if g:
        per = g["kb_per_file"]
        print(
            f"growth per file from {g['from']} to {g['to']} files: tree peak {per['tree_peak_kib']:.2f} KB, "
            f"RSS sum {per['rss_sum_kib']:.2f} KB, PSS sum {per['pss_sum_kib']:.2f} KB, main process "
            f"{per['main_peak_kib']:.2f} KB, largest worker {per['worker_peak_kib']:.2f} KB  "
            f"goal <= {MEMORY_GOAL_KB} KB: {'met' if g['met'] else 'not met'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per size (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and discarded (default 1)")
    parser.add_argument("--memory-rounds", type=int, default=2, help="watched rounds per size (default 2)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to decide batch (default: its own)")
    parser.add_argument("--no-files-only", dest="files_only", action="store_false", help="skip 'writing alone'")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--out-root",
        default=None,
        help="make the output folder here (e.g. /dev/shm), to tell the file system's cost from decide's",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.warmup < 0 or args.memory_rounds < 1:
        parser.error("--rounds and --memory-rounds must be at least 1, --warmup at least 0")
    # Every size's files are removed only at the very end: deleting thousands of files slows the
    # file creation that follows (see the README), which would tax the next size's rounds.
    work = Path(tempfile.mkdtemp(prefix="decide-batch-bench-"))
    outs = Path(tempfile.mkdtemp(prefix="decide-batch-out-", dir=args.out_root))
    try:
        schema = work / "task.schema.json"
        write_schema(schema)
        results = [bench(count, args, work / f"tasks-{count}", schema, outs / f"size-{count}") for count in args.sizes]
    except CannotRun as error:
        print(f"batch benchmark: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outs, ignore_errors=True)
    report = {
        "date": dt.date.today().isoformat(),
        "commit": commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions(),
        "rounds": args.rounds,
        "warmup": args.warmup,
        "results": results,
        "growth": growth(results),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
