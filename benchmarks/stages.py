"""Where a batch's time goes: each stage of a batch worker, run alone over the same files in one process.

Generates N task files (as batch.py does), then runs every stage over all of them, one stage after
another as a worker does with its chunk, and repeats the whole; per stage it reports the median over
the repeats of the time per file, in µs, wall and CPU. Next to decide's stages it times what the
batch floor does with the same files (PyYAML's C loader, a stock compiled jsonschema validator), so
the two can be compared stage by stage.

    python benchmarks/stages.py                    # 2,000 files, 7 repeats
    python benchmarks/stages.py --files 3000 --repeats 9 --out-root /dev/shm

Stages (decide's functions, as `decide batch` calls them):
    read       read_source: open, fstat, read
    compose    libyaml composes the nodes (yaml.compose with the C loader)
    parse      parse_yaml: decode, compose, and decide's strict constructor (so construct = parse - compose)
    validate   the TaskLoader's SchemaValidator.problems (jsonschema, with decide's keyword checks)
    build      sha256 of the bytes and TaskLoader.build (the Task)
    assess, plan, summary   the engine, as evaluate() calls it
    report_dict, encode     the JSON report: its dict, and orjson
    write      write_temporary (a new file per report, not fsynced), in a fresh folder
    settle     what the main process does per task: TaskRow.of and the rename into place

This is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from batch import generate  # noqa: E402

from decide.engine import assess, plan  # noqa: E402
from decide.engine.summary import summarize  # noqa: E402
from decide.loading.rubrics import load_rubrics  # noqa: E402
from decide.loading.task import TaskLoader, task_schema  # noqa: E402
from decide.loading.yaml_source import parse_yaml, read_source  # noqa: E402
from decide.model import Report  # noqa: E402
from decide.output import publish, write_temporary  # noqa: E402
from decide.report import RenderOptions  # noqa: E402
from decide.report.json_encoding import dump_json  # noqa: E402
from decide.report.json_report import report_dict  # noqa: E402
from decide.report.portfolio import TaskRow  # noqa: E402


def timed(step: Callable[[Any], Any], values: list[Any]) -> tuple[list[Any], float, float]:
    """``step`` over every value: its results, and the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = [step(value) for value in values]
    return results, time.perf_counter() - wall, time.process_time() - cpu


def one_pass(paths: list[str], out: Path) -> dict[str, tuple[float, float]]:
    rubrics = load_rubrics()
    loader = TaskLoader(rubrics)
    stock = jsonschema.Draft202012Validator(json.loads(json.dumps(task_schema(rubrics))))
    options = RenderOptions(color=False, width=100)
    out.mkdir()
    seconds: dict[str, tuple[float, float]] = {}

    def stage(name: str, step: Callable[[Any], Any], values: list[Any]) -> list[Any]:
        results, wall, cpu = timed(step, values)
        seconds[name] = (wall, cpu)
        return results

    datas = stage("read", lambda path: read_source(path, path), paths)
    named = list(zip(paths, datas, strict=True))
    stage("compose", lambda data: yaml.compose(data.decode("utf-8"), Loader=yaml.CSafeLoader), datas)
    documents = stage("parse", lambda pair: parse_yaml(pair[1], pair[0]), named)
    problems = stage(
        "validate", lambda pair: loader.validator.problems(pair[1], pair[0]), list(zip(paths, documents, strict=True))
    )
    assert not any(problems), problems[:1]
    tasks = stage(
        "build",
        lambda item: loader.build(item[2], item[0], hashlib.sha256(item[1]).hexdigest()),
        [(path, data, document) for (path, data), document in zip(named, documents, strict=True)],
    )
    assessments = stage("assess", lambda task: assess(task, rubrics), tasks)
    pairs = list(zip(tasks, assessments, strict=True))
    plans = stage("plan", lambda pair: plan(pair[0], rubrics, pair[1]), pairs)
    summaries = stage("summary", lambda pair: summarize(rubrics, pair[1]), pairs)
    reports = [Report(t, rubrics, a, p, s) for (t, a), p, s in zip(pairs, plans, summaries, strict=True)]
    dicts = stage("report_dict", lambda report: report_dict(report, options), reports)
    texts = stage("encode", dump_json, dicts)
    temporaries = [str(out / f".decide-bench-{number}.tmp") for number in range(len(texts))]
    stage(
        "write",
        lambda item: write_temporary(item[0], item[1], durable=False, shown_as=item[0]),
        list(zip(temporaries, texts, strict=True)),
    )
    stage(
        "settle",
        lambda item: publish(item[0], str(out / TaskRow.of(item[1], f"{item[1].task.id}.json").report)),
        list(zip(temporaries, reports, strict=True)),
    )
    # What the batch floor does with the same files.
    plain = stage("floor: yaml.load (CSafeLoader)", lambda data: yaml.load(data, Loader=yaml.CSafeLoader), datas)
    stage("floor: jsonschema validate", stock.validate, plain)
    stage("stock validator on decide's documents", stock.validate, documents)
    return seconds


GROUPS = {  # the stages whose sum is the one the batch pays per file, and the floor's
    "decide": (
        "read",
        "parse",
        "validate",
        "build",
        "assess",
        "plan",
        "summary",
        "report_dict",
        "encode",
        "write",
        "settle",
    ),
    "floor": ("read", "floor: yaml.load (CSafeLoader)", "floor: jsonschema validate"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out-root", default=None, help="where the reports are written (e.g. /dev/shm)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="decide-stages-"))
    outs = Path(tempfile.mkdtemp(prefix="decide-stages-out-", dir=args.out_root))
    try:
        generate(work / "tasks", args.files)
        paths = sorted(str(path) for path in (work / "tasks").rglob("*.yaml"))
        passes = [one_pass(paths, outs / f"pass-{number}") for number in range(args.repeats + 1)][1:]  # one warm-up
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outs, ignore_errors=True)
    per_file = {
        name: tuple(statistics.median(p[name][side] for p in passes) / len(paths) * 1e6 for side in (0, 1))
        for name in passes[0]
    }
    if args.json:
        print(json.dumps({"files": len(paths), "repeats": args.repeats, "us_per_file": per_file}, indent=2))
        return
    print(f"{len(paths)} files, median of {args.repeats} passes (+1 warm-up), µs per file, pid {os.getpid()}")
    print(f"{'stage':<40} {'wall':>8} {'cpu':>8}")
    for name, (wall, cpu) in per_file.items():
        print(f"{name:<40} {wall:>8.1f} {cpu:>8.1f}")
    for group, names in GROUPS.items():
        wall = sum(per_file[name][0] for name in names)
        cpu = sum(per_file[name][1] for name in names)
        print(f"{'sum: ' + group:<40} {wall:>8.1f} {cpu:>8.1f}")


if __name__ == "__main__":
    main()
