"""How long `decide explain` takes for one task: the path to ready, the sensitivity search and all.

The floor is evaluating the same task once; the goal is well under a second for the whole
explanation. Runs alternate, in one process, over every example; the figures are medians.

    python benchmarks/explain.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from decide.engine import evaluate  # noqa: E402
from decide.engine.explain import explain  # noqa: E402
from decide.loading.rubrics import load_rubrics  # noqa: E402
from decide.loading.task import TaskLoader  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    rubrics = load_rubrics()
    loader = TaskLoader(rubrics)
    print(f"{'task':32} {'evaluate ms':>12} {'explain ms':>11} {'ratio':>6}")
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        task = loader.load(path)
        floor: list[float] = []
        subject: list[float] = []
        for _ in range(runs):
            start = time.perf_counter()
            evaluate(task, rubrics)
            floor.append(time.perf_counter() - start)
            start = time.perf_counter()
            explain(task, rubrics)
            subject.append(time.perf_counter() - start)
        f, s = statistics.median(floor) * 1000, statistics.median(subject) * 1000
        verdict = "well under a second" if s < 250 else "SLOW"
        print(f"{path.stem:32} {f:>12.2f} {s:>11.2f} {s / f:>6.1f}  {verdict}")


if __name__ == "__main__":
    main()
