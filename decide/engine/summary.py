"""The one-paragraph recommendation every report leads with."""

from __future__ import annotations

from decide.model import Assessment, RubricSet

_ARTICLE = {"assistant": "an AI assistant", "agent": "an AI agent", "hybrid": "a hybrid (an agent behind an assistant)"}


def summarize(rubrics: RubricSet, assessment: Assessment) -> str:
    start, target = rubrics.level(assessment.start_level), rubrics.level(assessment.target_level)
    blocking = [gap.control for gap in assessment.gaps if gap.severity == "blocking"]
    advisory = [gap.control for gap in assessment.gaps if gap.severity == "advisory"]
    parts = [f"Build it as {_ARTICLE[assessment.kind]}; inherent risk {assessment.tier}."]
    if assessment.readiness == "ready":
        parts.append(f"Ready for level {target.level} ({target.name}), its target, as the pilot's milestones are met.")
        return " ".join(parts)
    if assessment.readiness == "conditional":
        parts.append(f"Conditionally ready for level {target.level} ({target.name}): strengthen {', '.join(advisory)}.")
    else:
        parts.append(
            f"Not ready for level {target.level} ({target.name}): {len(blocking)} blocking "
            f"gap{'s' if len(blocking) != 1 else ''} ({', '.join(blocking)})."
        )
    if assessment.cleared:
        parts.append(f"Cleared today for level {start.level} ({start.name}); it climbs as the gaps close.")
    else:
        parts.append("Cleared for no level yet: shadow only.")
    return " ".join(parts)
