"""The one-paragraph recommendation every report leads with."""

from __future__ import annotations

from decide.model import Assessment, RubricSet

_ARTICLE = {"assistant": "an AI assistant", "agent": "an AI agent", "hybrid": "a hybrid (an agent behind an assistant)"}


def _listed(controls: list[str], noun: str, qualifier: str = "") -> str:
    """ "2 blocking gaps (owner, rollback)": a count of controls and their names ("" for none)."""
    if not controls:
        return ""
    return f"{len(controls)} {noun}{'' if len(controls) == 1 else 's'}{qualifier} ({', '.join(controls)})"


def summarize(rubrics: RubricSet, assessment: Assessment) -> str:
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    blocking = [gap.control for gap in assessment.gaps if gap.severity == "blocking"]
    advisory = [gap.control for gap in assessment.gaps if gap.severity == "advisory"]
    unevidenced = {severity: [e.control for e in assessment.evidence if e.severity == severity]
                   for severity in ("blocking", "advisory")}  # fmt: skip
    parts = [f"Build it as {_ARTICLE[assessment.kind]}; inherent risk {assessment.tier}."]
    if assessment.readiness == "ready":
        parts.append(f"Ready for level {target.level} ({target.name}), its target, as the pilot's milestones are met.")
        return " ".join(parts)
    if assessment.readiness == "conditional":
        todo = [f"strengthen {', '.join(advisory)}"] if advisory else []
        todo += [f"show evidence for {', '.join(unevidenced['advisory'])}"] if unevidenced["advisory"] else []
        parts.append(f"Conditionally ready for level {target.level} ({target.name}): {'; '.join(todo)}.")
    else:
        short = [_listed(blocking, "blocking gap"),
                 _listed(unevidenced["blocking"], "claim", " without current evidence")]  # fmt: skip
        parts.append(f"Not ready for level {target.level} ({target.name}): {' and '.join(filter(None, short))}.")
    if assessment.cleared:
        parts.append(f"Cleared today for level {start.level} ({start.name}); it climbs as the gaps close.")
    else:
        parts.append("Cleared for no level yet: shadow only.")
    return " ".join(parts)
