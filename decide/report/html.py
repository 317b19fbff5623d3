"""The HTML report: one self-contained page (inline CSS, no script, nothing from the network), from
Jinja2 templates shipped in the package, with autoescaping on.

The page leads with the answer (readiness, kind, levels, risk, what to close first) and carries every
fact of the Markdown and JSON reports. Everything a task file supplies is escaped, cleared of control
characters and isolated from the text around it (``<bdi>``), so that no right-to-left override in an
owner's name can turn the tool's own sentence around.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from decide import __version__
from decide.errors import shown
from decide.model import KINDS, READINESS, RUBRICS, TIERS, Reference, Report, display
from decide.report import RenderOptions, evidence_status, gap_reasons, risk_gaps, tier_range_text
from decide.report.markdown import what_would_change

if TYPE_CHECKING:
    from collections.abc import Sequence

    import jinja2

    from decide.report.portfolio import TaskRow, Totals

# The words a reader sees for the engine's tokens; the tokens stay in the JSON report.
READINESS_WORDS = {"ready": "Ready", "conditional": "Conditionally ready", "not-ready": "Not ready"}
KIND_WORDS = {"assistant": "an AI assistant", "agent": "an AI agent",
              "hybrid": "a hybrid: an agent behind an assistant"}  # fmt: skip
SEVERITY_ORDER = ("blocking", "advisory")
CLOSE_FIRST = 3  # the gaps the first screen names


def printable(value: Any) -> Any:
    """Every value a template prints, with control characters shown escaped as messages show them (a NUL or
    CR a task file smuggled in is neither written raw into the page nor lost); line breaks and tabs, which
    HTML lays out as spaces, stay. Markup is already clean."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return "\n".join("\t".join(map(shown, line.split("\t"))) for line in value.split("\n"))
    return value


def isolated(value: Any) -> Markup:
    """Text a task file supplied, escaped and isolated so its direction cannot spill into the page's text."""
    return Markup("<bdi>{}</bdi>").format(escape(printable(display(value))))


def control_name(control: str) -> str:
    """``human_approval`` (or ``governance.human_approval``) as a reader says it: "Human approval"."""
    words = control.rpartition(".")[2].replace("_", " ")
    return words[:1].upper() + words[1:]


@cache
def environment() -> jinja2.Environment:
    """Built on first use, once per process: templates are package data."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("decide", "templates"),
        autoescape=True,  # everything a user wrote is escaped, in text and attributes alike
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=printable,
    )
    env.filters["user"] = isolated
    env.filters["control"] = control_name
    env.filters["num"] = lambda value: f"{value:g}"
    return env


def _milestones(report: Report) -> list[dict[str, Any]]:
    start = 0
    rows = []
    for m in report.plan.milestones:
        closes = [{"control": c.control, "required": display(c.required),
                   "later": "; ".join(f"level {level}: {display(required)}" for level, required in c.later)}
                  for c in m.closes]  # fmt: skip
        rows.append({"name": m.name, "level": m.level, "level_name": m.level_name, "weeks": m.duration_weeks,
                     "sample": m.sample_size, "objective": m.objective, "exit_criteria": m.exit_criteria,
                     "cleared": m.cleared, "start": start, "closes": closes})  # fmt: skip
        start += m.duration_weeks
    return rows


def _bands(report: Report) -> list[dict[str, Any]]:
    """The risk tiers as spans of the 0-100 risk score, from the rubric set's minimums."""
    minimums = report.rubrics.tier_minimums
    ends = [minimum for _, minimum in minimums[1:]] + [100.0]
    return [{"tier": tier, "low": low, "high": high} for (tier, low), high in zip(minimums, ends, strict=True)]


def _by_framework(references: list[Reference]) -> dict[str, list[Reference]]:
    """References grouped under their frameworks and editions, in the order the catalogue gives them."""
    grouped: dict[str, list[Reference]] = {}
    for reference in references:
        grouped.setdefault(f"{reference.title_of_framework} ({reference.version})", []).append(reference)
    return grouped


def _gaps(report: Report, options: RenderOptions) -> list[dict[str, Any]]:
    """Every gap, blocking before advisory and otherwise in the order to close them."""
    numbers = gap_reasons(report).numbers
    gaps = sorted(report.assessment.gaps, key=lambda g: SEVERITY_ORDER.index(g.severity))
    return [
        {
            "control": g.control,
            "severity": g.severity,
            "required": display(g.required),
            "present": display(g.present),
            "level": g.level,
            "reasons": numbers[g.control],
            "remedy": g.remedy,
            "references": _by_framework(report.rubrics.references_of(g.control, options.framework)),
        }
        for g in gaps
    ]


def render(report: Report, options: RenderOptions) -> str:
    a, rubrics = report.assessment, report.rubrics
    milestones = _milestones(report)
    gaps = _gaps(report, options)
    return (
        environment()
        .get_template("report.html.j2")
        .render(
            task=report.task,
            a=a,
            rubrics=rubrics,
            plan=report.plan,
            summary=report.summary,
            readiness=READINESS_WORDS[a.readiness],
            kind_words=KIND_WORDS[a.kind],
            kind_description=rubrics.kind_descriptions[a.kind],
            start=rubrics.level(a.start_level),
            target=rubrics.level(a.target_level),
            levels=rubrics.levels,
            blocking=[g for g in gaps if g["severity"] == "blocking"],
            close_first=gaps[:CLOSE_FIRST],
            bands=_bands(report),
            drivers=[{"name": name, "rubric": rubrics.rubrics[name], "value": a.scores[name]} for name in RUBRICS[:3]],
            governance={"rubric": rubrics.rubrics["governance"], "value": a.scores["governance"]},
            decisive={rubric: report.decisive(rubric) for rubric in RUBRICS[:3]},
            tier_range=tier_range_text(report),
            named_risks=[
                {"risk": risk, "references": _by_framework(rubrics.risk_references_of(risk.id, options.framework))}
                for risk in a.named_risks
            ],
            evidence=[{"e": e, "status": evidence_status(e)} for e in a.evidence],
            findings=[e for e in a.evidence if e.finding],
            gaps=gaps,
            framework=options.framework,
            reasons=gap_reasons(report).reasons,
            risk_gaps=[
                {"risks": risks, "control": g.control, "present": display(g.present), "required": display(g.required)}
                for g, risks in risk_gaps(report)
            ],
            changes=what_would_change(
                report, control=control_name, readiness=lambda token: READINESS_WORDS[token].lower()
            ),
            milestones=milestones,
            total_weeks=max(1, sum(m["weeks"] for m in milestones)),
            measure_baseline=report.plan.measure_baseline_first,
            assumptions=report.assumptions,
            criteria=a.criteria,
            portfolio=options.portfolio,
            version=__version__,
        )
    )


# --- the portfolio page of a batch --------------------------------------------------------------

# Where decide.report.portfolio puts the spooled rows and invalid files into the rendered page.
ROWS_MARK, INVALID_MARK = "<!--decide:rows-->", "<!--decide:invalid-->"


def portfolio_row(row: TaskRow) -> str:
    """One task's row of the portfolio table, as the summary spools it."""
    return (
        environment()
        .get_template("summary_row.html.j2")
        .render(row=row, readiness=READINESS_WORDS[row.readiness], readiness_rank=READINESS.index(row.readiness),
                tier_rank=TIERS.index(row.tier))
    )  # fmt: skip


def invalid_items(problems: list[str]) -> str:
    return "".join(Markup("<li><code>{}</code></li>\n").format(printable(problem)) for problem in problems)


def portfolio_page(totals: Totals, rubrics: dict[str, str], removed: Sequence[str] = ()) -> str:
    """The portfolio page around the markers where the spooled rows go; its one script allowed by its hash."""
    import base64
    import hashlib
    from importlib import resources

    script = resources.files("decide").joinpath("templates/sort.js").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    counts = totals.counts
    charts = [
        {"title": title, "rows": list(counts[key].items()), "most": max(1, *counts[key].values()), "colour": colour,
         "words": words}
        for key, title, colour, words in (("readiness", "Readiness", "readiness-", READINESS_WORDS),
                                          ("tier", "Risk tier", "tier-", {}), ("kind", "Kind", "kind ", {}))
    ]  # fmt: skip
    return (
        environment()
        .get_template("summary.html.j2")
        .render(evaluated=totals.evaluated, invalid=totals.invalid, rubrics=rubrics, charts=charts, counts=counts,
                grid=totals.grid, missing=totals.missing, not_ready=counts["readiness"]["not-ready"],
                ranges=totals.ranges, deciding=totals.most_deciding, unevidenced=totals.unevidenced, stale=totals.stale,
                readiness_order=READINESS, readiness_words=READINESS_WORDS, tiers_worst_first=TIERS[::-1],
                kinds=KINDS, script_hash=f"sha256-{digest}", version=__version__, removed=removed)
    )  # fmt: skip
