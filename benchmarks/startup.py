"""Startup benchmark for `decide`: how close the CLI stays to the cost of importing what it needs.

Two benchmarks, measured in one run with the floor and subject runs interleaved (A B A B ...), so
that noise on a shared machine falls on both sides alike:

    version    decide --version                        vs  python -c "import typer"                    goal <= 1.3
    evaluate   decide evaluate <task> --format json     vs  python -c "import typer, yaml, jsonschema"  goal <= 1.4

Every run is a fresh subprocess. The first --warmup rounds are discarded. For each command the
median and interquartile range are reported; for each benchmark the ratio of the medians, against
its goal (the product spec's quality targets), and the spread of the per-round ratios.

This is a measurement, not a test: it exits 0 whether or not the goals are met. It exits 2 only
when a command cannot run at all (there is nothing to measure then).

    python benchmarks/startup.py                     # ~30 rounds, python -m decide
    python benchmarks/startup.py --runs 60 --json    # machine-readable
    python benchmarks/startup.py --command decide    # time an installed console script
    python benchmarks/startup.py --imports           # also: -X importtime top offenders
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TASK = "examples/inventory-replenishment.yaml"


# --- commands ---------------------------------------------------------------------------------


@dataclass
class Command:
    label: str
    argv: list[str]
    samples_ns: list[int] = field(default_factory=list)

    def shown(self) -> str:
        argv = list(self.argv)
        if argv and argv[0] == sys.executable:
            argv[0] = "python"
        return shlex.join(argv)


@dataclass
class Benchmark:
    name: str
    floor: Command
    subject: Command
    goal: float  # the most the ratio of the medians may be


def clean_env() -> dict[str, str]:
    """The environment for timed runs: as inherited, minus anything that would change the timing."""
    env = dict(os.environ)
    for var in (
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONVERBOSE",
        "PYTHONTRACEMALLOC",
        "PYTHONDEVMODE",
        "PYTHONMALLOCSTATS",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(var, None)
    return env


def script_interpreter(program: str) -> str | None:
    """The Python a console script runs under, read from its #! line, or None."""
    path = shutil.which(program)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            first = handle.readline(512).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    parts = shlex.split(first[2:])
    if parts and Path(parts[0]).name == "env":
        parts = parts[1:]
    if parts and "python" in Path(parts[0]).name:
        return shutil.which(parts[0]) or parts[0]
    return None


def task_argument(task: str) -> str:
    """Commands run from the repository root: keep paths relative to it, else make them absolute."""
    if Path(task).is_absolute() or (ROOT / task).exists():
        return task
    return str(Path(task).resolve())


def build(args: argparse.Namespace) -> tuple[list[Benchmark], str]:
    if args.command:
        decide = shlex.split(args.command)
        python = args.python or script_interpreter(decide[0]) or sys.executable
    else:
        python = args.python or sys.executable
        decide = [python, "-m", "decide"]
    benchmarks = [
        Benchmark(
            "version",
            floor=Command("floor", [python, "-c", "import typer"]),
            subject=Command("subject", [*decide, "--version"]),
            goal=1.3,
        ),
        Benchmark(
            "evaluate",
            floor=Command("floor", [python, "-c", "import typer, yaml, jsonschema"]),
            subject=Command("subject", [*decide, "evaluate", task_argument(args.task), "--format", "json"]),
            goal=1.4,
        ),
    ]
    return benchmarks, python


def run_once(argv: Sequence[str], env: dict[str, str]) -> int:
    """Wall time of one run in nanoseconds; raises CalledProcessError if the command fails."""
    start = time.perf_counter_ns()
    completed = subprocess.run(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter_ns() - start
    if completed.returncode != 0:
        raise subprocess.CalledProcessError(completed.returncode, list(argv))
    return elapsed


def preflight(benchmarks: list[Benchmark], env: dict[str, str]) -> str | None:
    """Run every command once, checking it works (and that evaluate prints a JSON report)."""
    for bench in benchmarks:
        for cmd in (bench.floor, bench.subject):
            try:
                done = subprocess.run(
                    cmd.argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
                )
            except OSError as exc:
                return f"cannot run {cmd.shown()}: {exc}"
            if done.returncode != 0:
                return f"{cmd.shown()} exited {done.returncode}:\n{(done.stderr or done.stdout).strip()[-2000:]}"
            if bench.name == "evaluate" and cmd is bench.subject:
                try:
                    json.loads(done.stdout)
                except ValueError:
                    return f"{cmd.shown()} did not print a JSON report:\n{done.stdout[:500]}"
    return None


def measure(benchmarks: list[Benchmark], runs: int, warmup: int, env: dict[str, str], progress: bool) -> None:
    """Rounds of floor, subject, floor, subject ... across all benchmarks; warm-up rounds discarded."""
    order = [cmd for bench in benchmarks for cmd in (bench.floor, bench.subject)]
    total = warmup + runs
    for round_no in range(total):
        timings = [run_once(cmd.argv, env) for cmd in order]
        if round_no >= warmup:
            for cmd, ns in zip(order, timings, strict=True):
                cmd.samples_ns.append(ns)
        if progress:
            print(
                f"\r  round {round_no + 1}/{total}" + (" (warm-up)" if round_no < warmup else "          "),
                end="",
                file=sys.stderr,
                flush=True,
            )
    if progress:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)


# --- statistics -------------------------------------------------------------------------------


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def summary(cmd: Command) -> dict[str, Any]:
    ms = [ns / 1e6 for ns in cmd.samples_ns]
    q1, median, q3 = quartiles(ms)
    return {
        "command": cmd.shown(),
        "median_ms": round(median, 2),
        "q1_ms": round(q1, 2),
        "q3_ms": round(q3, 2),
        "iqr_ms": round(q3 - q1, 2),
        "min_ms": round(min(ms), 2),
        "max_ms": round(max(ms), 2),
        "samples_ms": [round(x, 2) for x in ms],
    }


def result(bench: Benchmark) -> dict[str, Any]:
    floor, subject = summary(bench.floor), summary(bench.subject)
    ratio = subject["median_ms"] / floor["median_ms"]
    # Each round ran the floor just before the subject: the per-round ratios show how steady it is.
    paired = [s / f for f, s in zip(bench.floor.samples_ns, bench.subject.samples_ns, strict=True)]
    p1, _, p3 = quartiles(paired)
    return {
        "name": bench.name,
        "floor": floor,
        "subject": subject,
        "ratio": round(ratio, 3),
        "paired_ratio_q1": round(p1, 3),
        "paired_ratio_q3": round(p3, 3),
        "excess_ms": round(subject["median_ms"] - floor["median_ms"], 2),
        "goal": bench.goal,
        "met": ratio <= bench.goal,
    }


# --- import time ------------------------------------------------------------------------------


@dataclass
class ImportLine:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> list[ImportLine]:
    """Lines like ``import time:       423 |      47245 |   typer`` (two spaces of indent per level)."""
    lines = []
    for raw in stderr.splitlines():
        if not raw.startswith("import time:") or "[us]" in raw:
            continue
        fields = raw[len("import time:") :].split("|")
        if len(fields) != 3:
            continue
        self_us, cumulative_us, name = fields
        module = name.strip()
        try:
            lines.append(
                ImportLine(module, (len(name) - len(name.lstrip(" ")) - 1) // 2, int(self_us), int(cumulative_us))
            )
        except ValueError:
            continue
    return lines


def importtime_profile(argv: Sequence[str], env: dict[str, str], repeats: int) -> dict[str, dict[str, float]]:
    """Median self and cumulative import time per module over a few runs, and its shallowest depth."""
    env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    per_module: dict[str, dict[str, list[int]]] = {}
    depth: dict[str, int] = {}
    for _ in range(repeats):
        done = subprocess.run(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        for line in parse_importtime(done.stderr):
            entry = per_module.setdefault(line.name, {"self": [], "cumulative": []})
            entry["self"].append(line.self_us)
            entry["cumulative"].append(line.cumulative_us)
            depth[line.name] = min(depth.get(line.name, line.depth), line.depth)
    return {
        name: {
            "self_ms": statistics.median(v["self"]) / 1000,
            "cumulative_ms": statistics.median(v["cumulative"]) / 1000,
            "depth": depth[name],
        }
        for name, v in per_module.items()
    }


def import_offenders(bench: Benchmark, env: dict[str, str], top: int, repeats: int) -> dict[str, Any]:
    subject = importtime_profile(bench.subject.argv, env, repeats)
    floor = importtime_profile(bench.floor.argv, env, repeats)
    extra = {name: v for name, v in subject.items() if name not in floor}

    def rows(items: dict[str, dict[str, float]], key: str, only_top_level: bool = False) -> list[dict[str, Any]]:
        chosen = [(n, v) for n, v in items.items() if not only_top_level or v["depth"] == 0]
        chosen.sort(key=lambda nv: nv[1][key], reverse=True)
        return [
            {
                "module": n,
                "self_ms": round(v["self_ms"], 2),
                "cumulative_ms": round(v["cumulative_ms"], 2),
                "in_floor": n in floor,
            }
            for n, v in chosen[:top]
        ]

    return {
        "command": bench.subject.shown(),
        "repeats": repeats,
        "total_subject_import_ms": round(sum(v["self_ms"] for v in subject.values()), 1),
        "total_floor_import_ms": round(sum(v["self_ms"] for v in floor.values()), 1),
        "beyond_floor_ms": round(sum(v["self_ms"] for v in extra.values()), 1),
        "beyond_floor_modules": len(extra),
        "top_level_by_cumulative": rows(subject, "cumulative_ms", only_top_level=True),
        "by_self": rows(subject, "self_ms"),
        "beyond_floor_by_self": rows(extra, "self_ms"),
    }


# --- output -----------------------------------------------------------------------------------


PACKAGES = ("typer", "rich", "PyYAML", "jsonschema", "referencing", "rpds-py", "orjson", "pydantic")


def package_versions(python: str) -> dict[str, str | None]:
    """Versions of the packages that decide the figures, as the floors' interpreter sees them."""
    code = (
        "import json, importlib.metadata as m\n"
        "def v(n):\n"
        "    try:\n"
        "        return m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        return None\n"
        f"print(json.dumps({{n: v(n) for n in {PACKAGES!r}}}))"
    )
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
        versions: dict[str, str | None] = json.loads(done.stdout)
    except (OSError, ValueError):
        return {}
    return versions


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def source_fingerprint() -> str:
    """A hash of the code and data being timed, to notice if they change during a run (shared trees)."""
    digest = hashlib.sha256()
    for top in ("decide", "rubrics", "examples", "pyproject.toml"):
        base = ROOT / top
        paths = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def print_text(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(
        f"decide startup benchmark  {report['date']}  Python {m['python']}  {m['cpus']} CPUs  "
        f"{report['runs']} runs (+{report['warmup']} warm-up), floor/subject interleaved"
    )
    print(f"floors run with {m['floor_python']}")
    packages = ", ".join(f"{name} {version}" for name, version in report["packages"].items() if version)
    print(f"packages: {packages}")
    print()
    for r in report["benchmarks"]:
        print(f"[{r['name']}]")
        for side in ("floor", "subject"):
            s = r[side]
            print(
                f"  {side:<8} median {s['median_ms']:6.1f} ms   IQR {s['iqr_ms']:5.1f} ms "
                f"({s['q1_ms']:.1f}-{s['q3_ms']:.1f})   min {s['min_ms']:6.1f}   {s['command']}"
            )
        verdict = "MET" if r["met"] else "NOT MET"
        print(
            f"  ratio    {r['ratio']:.2f}x  (per-round ratios IQR {r['paired_ratio_q1']:.2f}-"
            f"{r['paired_ratio_q3']:.2f}; {r['excess_ms']:+.1f} ms over the floor)  "
            f"goal <= {r['goal']}: {verdict}"
        )
        print()
    for imports in report.get("imports", {}).values():
        print(f"[imports] {imports['command']}  (-X importtime, median of {imports['repeats']} runs)")
        print(
            f"  sum of self times: subject {imports['total_subject_import_ms']:.1f} ms, floor "
            f"{imports['total_floor_import_ms']:.1f} ms; {imports['beyond_floor_modules']} modules the floor "
            f"does not import cost {imports['beyond_floor_ms']:.1f} ms"
        )
        for title, key in (
            ("top-level imports by cumulative time", "top_level_by_cumulative"),
            ("modules the floor does not import, by self time", "beyond_floor_by_self"),
            ("all modules by self time", "by_self"),
        ):
            print(f"  {title}:")
            for row in imports[key]:
                mark = "  (floor imports it too)" if row["in_floor"] else ""
                print(f"    {row['cumulative_ms']:7.1f} cum  {row['self_ms']:6.1f} self  {row['module']}{mark}")
        print()
    if report["changed_during_run"]:
        print("WARNING: decide's sources or the installed packages changed during this run; the figures mix")
        print("versions. Run it again.")
    met = [r for r in report["benchmarks"] if r["met"]]
    print(
        f"goals met: {len(met)}/{len(report['benchmarks'])}"
        + "".join(f"  {r['name']}={'yes' if r['met'] else 'NO'} ({r['ratio']:.2f}x)" for r in report["benchmarks"])
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="measured rounds per command (default 30)")
    parser.add_argument("--warmup", type=int, default=2, help="rounds run first and discarded (default 2)")
    parser.add_argument(
        "--command", metavar="CMD", help="time this command instead of `python -m decide`, e.g. --command decide"
    )
    parser.add_argument(
        "--python", metavar="PATH", help="interpreter for the floors (default: this one, or the --command script's)"
    )
    parser.add_argument("--task", default=DEFAULT_TASK, help=f"task file for evaluate (default {DEFAULT_TASK})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--imports", action="store_true", help="also show python -X importtime top offenders (evaluate, and --version)"
    )
    parser.add_argument("--top", type=int, default=15, help="rows per import table (default 15)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")

    benchmarks, python = build(args)
    env = clean_env()
    problem = preflight(benchmarks, env)
    if problem:
        print(f"startup benchmark: {problem}", file=sys.stderr)
        return 2

    before = (source_fingerprint(), package_versions(python))
    measure(benchmarks, args.runs, args.warmup, env, progress=not args.json and sys.stderr.isatty())
    after = (source_fingerprint(), package_versions(python))
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "python": platform.python_version(),
            "floor_python": python,
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "packages": after[1],
        "git": {**git_state(), "source_sha256": after[0]},
        "changed_during_run": before != after,
        "runs": args.runs,
        "warmup": args.warmup,
        "benchmarks": [result(b) for b in benchmarks],
    }
    if args.imports:
        report["imports"] = {b.name: import_offenders(b, env, args.top, repeats=5) for b in benchmarks}

    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
