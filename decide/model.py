"""The data every stage shares: the rubric set, the task, and the report built from them.

All of it is named tuples that nothing changes once built. The rubric set is policy read from
``rubrics/``; conditions in it are compiled to numeric comparisons on *ranks* (an option's
position in its list, a number, the length of a list), so evaluating them is cheap and monotone
by construction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from decide.engine.tables import EngineTables

TIERS = ("low", "medium", "high", "critical")
KINDS = ("assistant", "agent", "hybrid")
READINESS = ("not-ready", "conditional", "ready")
RUBRICS = ("autonomy", "scope", "data_access", "governance")
# Facts the plan adds: whether the task gives each metric. Rollback and pilot conditions may name them.
METRIC_FACTS = ("metrics.error_rate", "metrics.escalation_rate", "metrics.time_saved_hours_per_week")

Facts = Mapping[str, float]


def display(value: Any) -> str:
    """An answer as a person reads it: true/false in lower case, lists joined, nothing as "none"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


# --- conditions -------------------------------------------------------------------------------


class Clause(NamedTuple):
    """One field compared with ranks: equal to one of ``ranks``, or within ``[low, high]``."""

    field: str
    ranks: frozenset[float] | None = None
    low: float = float("-inf")
    high: float = float("inf")


class Condition(NamedTuple):
    """Every clause holds, and one of ``any_of`` holds when there are any."""

    clauses: tuple[Clause, ...] = ()
    any_of: tuple[Condition, ...] = ()

    def names(self, field: str) -> bool:
        """Whether the condition depends on ``field``."""
        return any(clause.field == field for clause in self.clauses) or any(o.names(field) for o in self.any_of)

    def holds(self, facts: Facts) -> bool:
        for field, ranks, low, high in self.clauses:
            rank = facts[field]
            if ranks is not None:
                if rank not in ranks:
                    return False
            elif not low <= rank <= high:
                return False
        return not self.any_of or any(option.holds(facts) for option in self.any_of)


# --- the rubric set ---------------------------------------------------------------------------


class Option(NamedTuple):
    value: Any  # str or bool
    label: str
    points: float


class Band(NamedTuple):
    min: int
    label: str
    points: float


class Criterion(NamedTuple):
    """One question of a rubric: a field of the task file, with how its answers score."""

    rubric: str
    id: str
    field: str  # rubric.id, as task files and conditions name it
    question: str
    help: str
    type: str  # choice | boolean | integer | list | text
    weight: float
    required: bool
    cautious: Any
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()

    @property
    def ordered(self) -> bool:
        """Whether answers are options in an order (else numbers or counts)."""
        return bool(self.options)

    @property
    def values(self) -> list[Any]:
        """The option values in order; a text criterion's are "absent" and "present"."""
        return [option.value for option in self.options]

    def rank(self, value: Any) -> float:
        """The answer's place: its option's index, the number itself, or the list's length."""
        kind = self.type
        if kind == "text":
            return 1.0 if value else 0.0
        if kind == "integer":
            return float(value)
        if kind == "list":
            return float(len(value))
        for index, option in enumerate(self.options):
            if option.value == value and type(option.value) is type(value):
                return float(index)
        raise ValueError(f"{self.field}: {value!r} is not an option")

    @property
    def least_cautious(self) -> Any:
        """The answer ranked lowest. The rubric compiler checks that points never fall as the rank
        rises and that floors, ceilings and named risks hold for every riskier answer, so this
        answer gives the lowest tier any answer could."""
        if self.type == "text":
            return ""
        if self.options:
            return self.options[0].value
        return [] if self.type == "list" else 0

    def score(self, value: Any) -> tuple[float, float, str]:
        """The answer's rank, points and label."""
        rank = self.rank(value)
        if self.options:
            option = self.options[int(rank)]
            return rank, option.points, option.label
        band = next(band for band in reversed(self.bands) if band.min <= rank)
        return rank, band.points, band.label


class Rubric(NamedTuple):
    id: str
    title: str
    description: str
    criteria: tuple[Criterion, ...]


class Rule(NamedTuple):
    """A named condition: an agentic rule, a named risk, a floor, a ceiling, a level rule."""

    id: str
    title: str
    when: Condition
    description: str = ""
    points: float = 0.0  # for demand bonuses
    tier: str = ""  # for floors and ceilings
    level: int = 0  # for target-level rules


class TextRule(NamedTuple):
    """A text template that applies when its condition holds."""

    when: Condition
    text: str  # a str.format string whose fields are known variables


class Level(NamedTuple):
    level: int
    name: str
    description: str
    equivalents: Mapping[str, str]  # by public scale


class Requirement(NamedTuple):
    id: str
    why: str
    when: Condition
    require: tuple[tuple[str, int], ...]  # governance criterion id, weakest acceptable rank
    by_level: bool  # its condition names the level, so it is checked level by level
    absent_blocks: bool = True  # a control it requires that is absent is a blocking gap


class EvidenceRule(NamedTuple):
    """Which claimed controls must be backed by evidence, when, and what its lack counts as."""

    id: str
    why: str
    when: Condition
    controls: tuple[str, ...]
    blocking: bool  # missing, unusable or stale evidence is a blocking finding (else advisory)


class MilestoneTemplate(NamedTuple):
    id: str
    name: str
    level: int
    weeks: float
    sample_factor: float
    objective: str
    when: Condition


class Reference(NamedTuple):
    """A clause of a public framework that a governance control answers to, or that names a risk."""

    framework: str  # the catalogue's key, e.g. eu-ai-act
    title_of_framework: str
    version: str  # the edition: ids are renumbered between editions, so an id means nothing without it
    id: str
    title: str

    @property
    def cited(self) -> str:
        """The framework, its edition and the id, as reports cite them."""
        return f"{self.title_of_framework} ({self.version}) {self.id}"


def _of_framework(references: Iterable[Reference], framework: str | None) -> list[Reference]:
    return [r for r in references if framework is None or r.framework == framework]


class RubricSet(NamedTuple):
    """Everything the engine needs, read and checked from one rubric folder."""

    name: str
    version: str
    description: str
    sha256: str
    rubrics: Mapping[str, Rubric]
    levels: tuple[Level, ...]
    demand_bonuses: tuple[Rule, ...]
    demand_threshold: float
    agentic: tuple[Rule, ...]
    conversational: Rule
    kind_descriptions: Mapping[str, str]
    risk_weights: Mapping[str, float]
    autonomy_amplifier: float
    tier_minimums: tuple[tuple[str, float], ...]
    named_risks: tuple[Rule, ...]
    floors: tuple[Rule, ...]
    ceilings: tuple[Rule, ...]
    target_rules: tuple[Rule, ...]
    always_blocking_tiers: frozenset[str]
    requirements: tuple[Requirement, ...]
    remedies: Mapping[str, Mapping[str, str]]  # by control, then by the present option (as displayed)
    security_severity: Mapping[str, float]  # by control, for code scanning
    effort: Mapping[str, float]  # by control: the cost of strengthening it by one option
    review_days: Mapping[str, int]  # by tier: how long an autonomy certificate holds
    evidence_rules: tuple[EvidenceRule, ...]
    evidence_max_age: Mapping[str, int]  # by tier: how many days old evidence may be
    references: Mapping[str, tuple[Reference, ...]]  # by control: the framework clauses it answers to
    risk_references: Mapping[str, tuple[Reference, ...]]  # by named risk: the framework clauses that name it
    pilot_tiers: Mapping[str, tuple[float, int]]  # tier: (duration factor, sample size)
    working_days_per_week: int
    max_weeks: int
    milestones: tuple[MilestoneTemplate, ...]
    second_review: tuple[float, int]  # (share of the tier's sample, at least): how many a person re-checks
    standing: tuple[TextRule, ...]  # what the plan says of the level cleared today; the first that holds
    throughout: tuple[TextRule, ...]  # exit criteria of every milestone that runs it
    exit_criteria: tuple[TextRule, ...]
    rate_trigger_factor: float
    rate_floor_factor: float
    rollback_triggers: tuple[TextRule, ...]
    rollback_steps: tuple[TextRule, ...]
    fallbacks: tuple[TextRule, ...]
    tables: EngineTables  # the engine's lookups, derived from the fields above when the set is compiled

    def criteria(self) -> list[Criterion]:
        return [criterion for rubric in self.rubrics.values() for criterion in rubric.criteria]

    def criterion(self, field: str) -> Criterion:
        section, _, name = field.partition(".")
        return next(c for c in self.rubrics[section].criteria if c.id == name)

    def level(self, number: int) -> Level:
        return self.levels[number - 1]

    def references_of(self, control: str, framework: str | None = None) -> list[Reference]:
        """The framework clauses a control answers to, or only one framework's."""
        return _of_framework(self.references.get(control, ()), framework)

    def risk_references_of(self, risk: str, framework: str | None = None) -> list[Reference]:
        """The framework clauses that name a risk, or only one framework's."""
        return _of_framework(self.risk_references.get(risk, ()), framework)

    def cited_frameworks(self) -> list[str]:
        """The catalogue keys of the frameworks some control or named risk cites."""
        cited = [*self.references.values(), *self.risk_references.values()]
        return sorted({r.framework for references in cited for r in references})


# --- the task -----------------------------------------------------------------------------------


class Rate(NamedTuple):
    baseline: float | None
    target: float | None


class Metrics(NamedTuple):
    time_saved_hours_per_week: float | None = None
    error_rate: Rate | None = None
    escalation_rate: Rate | None = None


class EvidenceItem(NamedTuple):
    """One item of a task file's evidence, as loading found it."""

    ref: str  # a path from the task file's folder, or a URL (never fetched)
    date: datetime.date | None  # when it was last verified
    note: str | None
    mark: tuple[int, int]  # where the item stands in the task file
    url: bool
    problem: str  # why a local ref cannot back a claim ("" when it can)
    sha256: str | None  # a readable local file's digest


class Task(NamedTuple):
    """A validated task file. ``answers`` maps ``section.field`` to what the file says."""

    id: str
    title: str
    objective: str
    owner: str | None
    description: str | None
    answers: Mapping[str, Any]
    metrics: Metrics
    source: str
    sha256: str
    marks: Mapping[str, tuple[int, int]]  # where each section and field stands in the file
    evidence: Mapping[str, tuple[EvidenceItem, ...]] = {}  # by governance control
    as_of: datetime.date | None = None  # the day evidence is judged on; None when the task has none dated


# --- the result -------------------------------------------------------------------------------


class CriterionResult(NamedTuple):
    field: str
    question: str
    answer: Any
    label: str
    assumed: bool
    points: float
    weight: float
    contribution: float  # points x weight / total weight of the rubric: adds up to the score


class Gap(NamedTuple):
    control: str
    severity: str  # blocking | advisory
    required: Any
    present: Any
    why: str  # the primary requirement's reason
    remedy: str  # how to get from the present option to the required one
    requirement: str  # the primary requirement: it asks the most, and is the most specific to this work
    level: int  # the lowest level at which it is required
    requirements: tuple[str, ...]  # every requirement that asks more than is present, the primary first
    risks: tuple[str, ...]  # the named risks of this work that those requirements address


class Step(NamedTuple):
    """One change on the path to ready, and the readiness once it and those before it are made."""

    field: str
    before: Any
    after: Any
    cost: float
    readiness_after: str
    with_evidence: bool = False  # a rubric rule asks for evidence of the strengthened control


class Closing(NamedTuple):
    """A control a milestone puts in place, for the first level above it that requires it."""

    control: str
    required: Any  # what that level requires
    level: int  # that level
    later: tuple[tuple[int, Any], ...]  # (level, required) where a higher level, up to the target, asks more


class Milestone(NamedTuple):
    id: str
    name: str
    level: int
    level_name: str
    duration_weeks: int
    sample_size: int
    objective: str
    exit_criteria: tuple[str, ...]  # its own, besides the plan's ``throughout``
    closes: tuple[Closing, ...]  # each control in at most one milestone of a plan
    cleared: bool  # its level is cleared today: it confirms on real work what is already allowed


class ControlEvidence(NamedTuple):
    """A claimed control and what backs it: ``evidenced``, or ``missing``, ``unusable`` or ``stale``."""

    control: str
    claimed: Any  # the option the task file claims
    status: str
    severity: str  # "blocking" or "advisory" when a rule asks for evidence and it falls short; else ""
    detail: str  # the status in words: the newest item and its age, or what is wrong
    items: tuple[EvidenceItem, ...]
    requirement: str  # the evidence rule that asks for it ("" when none does)
    why: str  # that rule's reason
    verified: datetime.date | None = None  # the newest usable item's date, when it has one

    @property
    def finding(self) -> bool:
        """Whether it counts against readiness: a rule asks for evidence and it falls short."""
        return bool(self.severity)


class TierRange(NamedTuple):
    """What the unanswered questions could still make of the tier: the verdict takes the cautious
    reading of each; answered the least cautious way, they give ``best``."""

    best: str  # the lowest tier the answers could still give (the assessed tier when none can lower it)
    best_score: float  # the risk score at ``best``
    deciding: tuple[str, ...]  # the fewest unanswered fields that, answered the least cautious way, give ``best``

    @property
    def open(self) -> bool:
        """Whether answering the unanswered questions could lower the tier."""
        return bool(self.deciding)


class Assessment(NamedTuple):
    criteria: tuple[CriterionResult, ...]
    scores: Mapping[str, float]
    demand: float
    kind: str
    kind_reasons: tuple[str, ...]
    risk_score: float
    tier: str
    tier_reasons: tuple[str, ...]
    named_risks: tuple[Rule, ...]
    target_level: int
    target_reason: str
    start_level: int  # the highest level cleared today (1 when none is: it then runs in shadow only)
    cleared: bool  # whether every requirement at start_level and below is met
    readiness: str
    readiness_once_evidenced: str  # the readiness once the evidence its claims lack is shown: the gaps' alone
    gaps: tuple[Gap, ...]  # at the target level
    gaps_by_level: Mapping[int, tuple[Gap, ...]]  # for every level up to the target
    to_ready: tuple[Step, ...]  # the fewest control changes that make it ready at its target
    lower_level: int | None  # the cleared level, when it is below the target (None otherwise)
    tier_range: TierRange
    evidence: tuple[ControlEvidence, ...]  # every claimed control with evidence or a rule asking for it
    facts: Facts  # the ranks every later condition is evaluated on


class Plan(NamedTuple):
    standing: str  # the level cleared today, and what the milestones do about it
    throughout: tuple[str, ...]  # exit criteria of every milestone that runs it (all but the baseline)
    milestones: tuple[Milestone, ...]
    measure_baseline_first: bool
    triggers: tuple[str, ...]
    steps: tuple[str, ...]
    fallback: str


def cleared_text(assessment: Assessment, start: Level, target: Level) -> str:
    """The autonomy levels in a line: cleared today, and the target."""
    if not assessment.cleared:
        return f"cleared for no level (shadow only), target {target.level} ({target.name})"
    return f"cleared for {start.level} ({start.name}), target {target.level} ({target.name})"


class Report(NamedTuple):
    """The one result every renderer consumes; renderers never re-score."""

    task: Task
    rubrics: RubricSet
    assessment: Assessment
    plan: Plan
    summary: str

    @property
    def assumptions(self) -> list[CriterionResult]:
        return [result for result in self.assessment.criteria if result.assumed]

    def decisive(self, rubric: str, count: int = 3) -> list[CriterionResult]:
        """The criteria of a rubric that weighed most in its score."""
        results = [r for r in self.assessment.criteria if r.field.startswith(rubric + ".") and r.contribution > 0]
        return sorted(results, key=lambda r: -r.contribution)[:count]
