"""`decide validate` against `check-jsonschema` on the same files and the same schema.

Both check the same generated task files (valid, varied, as batch.py makes them) against the same
schema: `decide schema task` written to a file, given to `check-jsonschema --schemafile FILE FILES...`;
`decide validate FILES...` reads the rubric set and builds the same schema itself. Both run as their
console scripts from this interpreter's folder (as a user runs them), with the file list on the
command line. Goal (the product spec's quality targets): `decide validate` at least 5x faster, that
is, check-jsonschema's median wall time at least 5 times decide's.

Rounds alternate check-jsonschema, decide, check-jsonschema, decide, after warm-up rounds that are
thrown away; the figures are medians and the per-round ratios' interquartile range; CPU time (user +
system) comes from the kernel's accounting of each waited-for process.

check-jsonschema is a benchmark-only tool, not a dependency of decide: install it yourself
(`pip install check-jsonschema`). Without it, decide alone is timed and the comparison is skipped.

    python benchmarks/validate.py                       # 1, 100 and 1,000 files
    python benchmarks/validate.py --sizes 1000 --rounds 9 --json

This is a measurement, not a test: it exits 0 whether or not the goal is met, 2 if a command cannot run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from batch import CannotRun, commit, generate, quartiles, run, versions, write_schema

GOAL = 5.0  # check-jsonschema's time / decide's time, at least


def console_script(name: str) -> str | None:
    """The script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def bench(count: int, args: argparse.Namespace, work: Path, schema: Path, other: str | None) -> dict[str, Any]:
    folder = work / f"tasks-{count}"
    generate(folder, count)
    files = sorted(str(path) for path in folder.rglob("*.yaml"))
    decide = [args.decide, "validate", *files]
    theirs = [other, "--schemafile", str(schema), *files] if other else None
    ours_samples: list[dict[str, Any]] = []
    their_samples: list[dict[str, Any]] = []
    for number in range(args.warmup + args.rounds):
        their = run(theirs) if theirs else None
        ours = run(decide)
        if number >= args.warmup:
            ours_samples.append(ours)
            if their:
                their_samples.append(their)

    def median(samples: list[dict[str, Any]], key: str) -> float:
        return statistics.median(sample[key] for sample in samples)

    result: dict[str, Any] = {
        "files": count,
        "decide_s": round(median(ours_samples, "wall_s"), 3),
        "decide_cpu_s": round(median(ours_samples, "cpu_s"), 3),
        "decide_samples": [round(s["wall_s"], 3) for s in ours_samples],
    }
    if their_samples:
        paired = [t["wall_s"] / o["wall_s"] for t, o in zip(their_samples, ours_samples, strict=True)]
        speedup = median(their_samples, "wall_s") / median(ours_samples, "wall_s")
        result.update(
            check_jsonschema_s=round(median(their_samples, "wall_s"), 3),
            check_jsonschema_cpu_s=round(median(their_samples, "cpu_s"), 3),
            check_jsonschema_samples=[round(s["wall_s"], 3) for s in their_samples],
            speedup=round(speedup, 2),
            paired_speedup_iqr=[round(q, 2) for q in quartiles(paired)],
            met=speedup >= GOAL,
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per size (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and discarded (default 1)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1, --warmup at least 0")
    args.decide = console_script("decide")
    if args.decide is None:
        print("validate benchmark: the decide console script is not installed (pip install -e .)", file=sys.stderr)
        return 2
    other = console_script("check-jsonschema")
    if other is None:
        print(
            "check-jsonschema is not installed: only decide validate is timed, the comparison is skipped "
            "(pip install check-jsonschema to compare)",
            file=sys.stderr,
        )
    work = Path(tempfile.mkdtemp(prefix="decide-validate-bench-"))
    try:
        schema = work / "task.schema.json"
        write_schema(schema)
        results = [bench(count, args, work, schema, other) for count in args.sizes]
    except CannotRun as error:
        print(f"validate benchmark: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    packages = versions()
    try:
        packages["check-jsonschema"] = metadata.version("check-jsonschema")
    except metadata.PackageNotFoundError:
        packages["check-jsonschema"] = None
    report = {
        "date": dt.date.today().isoformat(),
        "commit": commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "packages": packages,
        "rounds": args.rounds,
        "warmup": args.warmup,
        "check_jsonschema": other,
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"decide validate benchmark  {report['date']}  commit {report['commit']}  Python {report['python']}  "
        f"{report['cpus']} CPUs  {args.rounds} rounds (+{args.warmup} warm-up), alternating"
    )
    print("packages: " + ", ".join(f"{k} {v}" for k, v in packages.items() if v))
    print()
    print(f"{'files':>6} {'check-jsonschema s':>18} {'(cpu)':>6} {'decide s':>9} {'(cpu)':>6} {'speed-up':>8} {'per-round':>11}"
          f"  goal >= {GOAL}x")  # fmt: skip
    for r in results:
        if "speedup" in r:
            q1, q3 = r["paired_speedup_iqr"]
            print(
                f"{r['files']:>6} {r['check_jsonschema_s']:>18.3f} {r['check_jsonschema_cpu_s']:>6.2f} "
                f"{r['decide_s']:>9.3f} {r['decide_cpu_s']:>6.2f} {r['speedup']:>7.2f}x {q1:>5.2f}-{q3:<5.2f}  "
                f"{'met' if r['met'] else 'not met'}"
            )
        else:
            print(f"{r['files']:>6} {'(not installed)':>18} {'':>6} {r['decide_s']:>9.3f} {r['decide_cpu_s']:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
