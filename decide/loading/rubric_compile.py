"""Compile a rubric set's validated documents into a :class:`RubricSet`, checking that it is coherent.

The JSON Schema (``decide schema rubric``) has already checked each file's shape. The checks here
are those a schema cannot express, each reported as ``FILE:LINE:COL: message`` and all of them
collected before anything is raised: options scored in order, conditions naming real fields and
values, floors, ceilings and named risks that hold for every riskier answer, templates naming
known variables, requirements and catalogue entries naming real controls and frameworks.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any, NamedTuple

from decide.engine.tables import engine_tables
from decide.errors import DecideError, Problem
from decide.loading.marked import Mark, MarkedDict, MarkedList
from decide.loading.validator import describe, same_value, suggest
from decide.model import (
    KINDS,
    METRIC_FACTS,
    RUBRICS,
    TIERS,
    Band,
    Clause,
    Condition,
    Criterion,
    EvidenceRule,
    Level,
    MilestoneTemplate,
    Option,
    Reference,
    Requirement,
    Rubric,
    RubricSet,
    Rule,
    TextRule,
    display,
)

RATE_VARIABLES = (
    "error_rate_target",
    "error_rate_baseline",
    "escalation_rate_target",
    "escalation_rate_baseline",
    "escalation_rate_floor",
)
# The whole plan's: its standing sentence and the exit criteria of every milestone.
PLAN_VARIABLES = frozenset({"owner", "time_saved", "review_sample", "start_level", "start_level_name", *RATE_VARIABLES})
# One milestone's: $closes lists the controls it puts in place before $next_level.
PILOT_VARIABLES = PLAN_VARIABLES | {"sample", "weeks", "level", "level_name", "closes", "next_level", "next_level_name"}
ROLLBACK_VARIABLES = frozenset(
    {"owner", "fallback", "time_saved", "error_rate_trigger", "escalation_rate_trigger", *RATE_VARIABLES}
)


def compile_rubrics(documents: Mapping[str, MarkedDict], files: Mapping[str, str], sha256: str) -> RubricSet:
    """The rubric set the documents describe; raise :class:`DecideError` listing every incoherence.

    ``documents`` are the set's files by stem, each valid against its schema; ``files`` names them
    in messages."""
    return _Compiler(documents, files).compile(sha256)


# --- vocabulary of condition fields ------------------------------------------------------------


class _Field(NamedTuple):
    values: tuple[Any, ...] | None  # None: a number (or a list's length)
    ordered: bool = True


class _Vocabularies(NamedTuple):
    """Which fields conditions may name, file by file, as facts become known."""

    criteria: Mapping[str, _Field]  # the answers, not the controls: kind, target level and named risks
    floors: Mapping[str, _Field]  # + named risks: floors and ceilings
    assessed: Mapping[str, _Field]  # + kind, tier, levels: control requirements
    rollback: Mapping[str, _Field]  # + the controls and which metrics are given
    plan: Mapping[str, _Field]  # + whether a level is cleared, and whether the pilot climbs above it
    pilot: Mapping[str, _Field]  # + the milestone being planned


class _Compiler:
    """Turns validated documents into the model, collecting every coherence problem."""

    def __init__(self, documents: Mapping[str, MarkedDict], files: Mapping[str, str]) -> None:
        self.documents = documents
        self.files = files
        self.problems: list[Problem] = []

    def problem(self, stem: str, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.files[stem], mark[0], mark[1], message))

    def compile(self, sha256: str) -> RubricSet:
        rubrics = {stem: self.rubric(stem) for stem in RUBRICS}
        fields = {
            criterion.field: _Field(tuple(criterion.values) if criterion.ordered else None)
            for rubric in rubrics.values()
            for criterion in rubric.criteria
        }
        # What the kind, the tier and the requirements depend on must not include the controls:
        # otherwise strengthening a control could change which controls are required.
        answers = {name: spec for name, spec in fields.items() if not name.startswith("governance.")}
        controls = {name: spec for name, spec in fields.items() if name.startswith("governance.")}
        named_risk_ids = [item["id"] for item in self.documents["decision"]["risk"]["named"]]
        risk_fields = {f"risk.{rid}": _Field((False, True)) for rid in named_risk_ids}
        assessed = {
            **answers,
            **risk_fields,
            "kind": _Field(KINDS, ordered=False),
            "tier": _Field(TIERS),
            "level": _Field(None),
            "target_level": _Field(None),
        }
        milestone_ids = tuple(item["id"] for item in self.documents["pilot"]["milestones"])
        rollback_vocab = {**assessed, **controls, **{name: _Field((False, True)) for name in METRIC_FACTS}}
        plan_vocab = {**rollback_vocab, "cleared": _Field((False, True)), "climbs": _Field((False, True))}
        pilot_vocab = {
            **plan_vocab,
            "milestone": _Field(milestone_ids, ordered=False),
            "final": _Field((False, True)),
            "closes": _Field((False, True)),
        }
        governance = {criterion.id: criterion for criterion in rubrics["governance"].criteria}
        vocabularies = _Vocabularies(
            answers, {**answers, **risk_fields}, assessed, rollback_vocab, plan_vocab, pilot_vocab
        )
        parts = self.build(sha256, rubrics, vocabularies, governance)
        if self.problems:
            raise DecideError(self.problems)
        tables = engine_tables(
            rubrics,
            levels=parts["levels"],
            requirements=parts["requirements"],
            remedies=parts["remedies"],
            effort=parts["effort"],
            texts={name: parts[name] for name in ("exit_criteria", "rollback_triggers", "rollback_steps", "fallbacks")},
            tier_rules=(*parts["floors"], *parts["ceilings"]),
            named_risks=parts["named_risks"],
        )
        return RubricSet(**parts, tables=tables)

    # -- rubrics

    def rubric(self, stem: str) -> Rubric:
        document = self.documents[stem]
        if document["rubric"] != stem:
            self.problem(stem, document.value_marks["rubric"], f"rubric: must be {stem!r}, the file's own name")
        criteria: list[Criterion] = []
        seen: set[str] = set()
        for index, raw in enumerate(document["criteria"]):
            mark = document["criteria"].item_marks[index]
            if raw["id"] in seen:
                self.problem(stem, mark, f"criteria: {raw['id']!r} is defined twice")
            seen.add(raw["id"])
            criteria.append(self.criterion(stem, raw, mark))
        return Rubric(stem, document["title"], document["description"], tuple(criteria))

    def criterion(self, stem: str, raw: MarkedDict, mark: Mark) -> Criterion:
        kind = raw["type"]
        where = f"criterion {raw['id']!r}"
        options = tuple(Option(o["value"], o["label"], float(o["points"])) for o in raw.get("options", ()))
        bands = tuple(Band(b["min"], b["label"], float(b["points"])) for b in raw.get("bands", ()))
        wants_options = kind in ("choice", "boolean", "text")
        if wants_options != bool(options) or (not wants_options) != bool(bands):
            needed = "options" if wants_options else "bands"
            article = "an" if kind == "integer" else "a"
            self.problem(stem, mark, f"{where}: {article} {kind} criterion needs {needed}, and only {needed}")
        values = [o.value for o in options]
        expected = {"boolean": (False, True), "text": ("absent", "present")}.get(kind)
        if options and expected is not None and tuple(values) != expected:
            named = " and ".join(describe(value).strip("'") for value in expected)
            self.problem(stem, mark, f"{where}: a {kind} criterion's options are exactly {named}, in that order")
        if kind == "choice" and not all(isinstance(v, str) for v in values):
            self.problem(stem, mark, f"{where}: choice values are strings")
        if len(set(map(repr, values))) != len(values):
            self.problem(stem, mark, f"{where}: an option value is listed twice")
        points = [option.points for option in options] or [band.points for band in bands]
        if any(later < earlier for earlier, later in pairwise(points)):
            self.problem(
                stem,
                mark,
                f"{where}: points must not fall from one option (or band) to the next: "
                "options run from least to most (governance: weakest to strongest)",
            )
        if bands and (bands[0].min != 0 or any(b.min <= a.min for a, b in pairwise(bands))):
            self.problem(stem, mark, f"{where}: bands start at min 0 and their minimums rise")
        if stem == "governance" and kind not in ("choice", "boolean", "text"):
            self.problem(stem, mark, f"{where}: a governance control is a choice, a boolean or a text")
        cautious = raw.get("cautious")
        if kind == "text":
            cautious = None
        elif "cautious" not in raw:
            self.problem(stem, mark, f"{where}: needs 'cautious', the reading taken when the field is left out")
        elif options and not any(same_value(cautious, v) for v in values):
            self.problem(
                stem, raw.value_marks["cautious"], f"{where}: cautious {describe(cautious)} is not one of its options"
            )
        elif kind == "integer" and (isinstance(cautious, bool) or not isinstance(cautious, int) or cautious < 0):
            self.problem(stem, raw.value_marks["cautious"], f"{where}: cautious must be a whole number, 0 or more")
        elif kind == "list" and not (isinstance(cautious, list) and all(isinstance(v, str) for v in cautious)):
            self.problem(stem, raw.value_marks["cautious"], f"{where}: cautious must be a list of strings")
        return Criterion(
            rubric=stem,
            id=raw["id"],
            field=f"{stem}.{raw['id']}",
            question=raw["question"],
            help=" ".join(raw["help"].split()),
            type=kind,
            weight=float(raw["weight"]),
            required=raw.get("required", True),
            cautious=list(cautious) if isinstance(cautious, list) else cautious,
            options=options,
            bands=bands,
        )

    # -- conditions and templates

    def condition(self, stem: str, raw: MarkedDict, vocab: Mapping[str, _Field], *, upward: bool = False) -> Condition:
        """Compile a condition. ``upward``: it must keep holding when any answer rises, so that a
        riskier answer can never lower the tier."""
        clauses: list[Clause] = []
        any_of: tuple[Condition, ...] = ()
        for key, value in raw.items():
            mark = raw.key_marks[key]
            if key == "any":
                any_of = tuple(self.condition(stem, option, vocab, upward=upward) for option in value)
                continue
            spec = vocab.get(key)
            if spec is None:
                self.problem(stem, mark, f"condition: unknown field {key!r}" + suggest(key, sorted(vocab)))
                continue
            clause = self.clause(stem, key, value, spec, raw.value_marks[key])
            if upward and not _upward_closed(clause, spec):
                self.problem(
                    stem,
                    raw.value_marks[key],
                    f"{key}: a floor, ceiling or named risk must also hold for "
                    "every riskier answer: write {at_least: V}",
                )
            clauses.append(clause)
        return Condition(tuple(clauses), any_of)

    def clause(self, stem: str, key: str, value: Any, spec: _Field, mark: Mark) -> Clause:
        def rank(item: Any) -> float:
            if spec.values is None:
                if isinstance(item, bool) or not isinstance(item, int):
                    self.problem(stem, mark, f"{key}: expected a whole number, got {describe(item)}")
                    return 0.0
                return float(item)
            for index, option in enumerate(spec.values):
                if same_value(item, option):
                    return float(index)
            allowed = ", ".join(describe(v).strip("'") for v in spec.values)
            self.problem(stem, mark, f"{key}: {describe(item)} is not one of: {allowed}")
            return 0.0

        if isinstance(value, dict):
            if not value:
                self.problem(stem, mark, f"{key}: give at_least or at_most")
            if not spec.ordered:
                self.problem(stem, mark, f"{key}: has no order; list the values instead")
            low = rank(value["at_least"]) if "at_least" in value else float("-inf")
            high = rank(value["at_most"]) if "at_most" in value else float("inf")
            return Clause(key, low=low, high=high)
        items = value if isinstance(value, list) else [value]
        return Clause(key, ranks=frozenset(rank(item) for item in items))

    def template(self, stem: str, text: str, mark: Mark, variables: Iterable[str]) -> str:
        template = string.Template(text)
        allowed = set(variables)
        if not template.is_valid():
            self.problem(stem, mark, "text: a lone $ (write $$ for a dollar sign)")
        unknown = sorted(set(template.get_identifiers()) - allowed)
        if unknown:
            self.problem(stem, mark, f"text: unknown variable ${unknown[0]} (known: {', '.join(sorted(allowed))})")
        return _format_string(" ".join(text.split()))

    def text_rules(
        self, stem: str, items: MarkedList, vocab: Mapping[str, _Field], variables: Iterable[str]
    ) -> tuple[TextRule, ...]:
        return tuple(
            TextRule(
                self.condition(stem, item["when"], vocab),
                self.template(stem, item["text"], item.value_marks["text"], variables),
            )
            for item in items
        )

    # -- the policy files

    def build(
        self, sha256: str, rubrics: dict[str, Rubric], vocab: _Vocabularies, governance: Mapping[str, Criterion]
    ) -> dict[str, Any]:
        """Every field of the rubric set but the engine's tables, which need a coherent set."""
        identity = self.documents["rubric-set"]
        decision = self.documents["decision"]
        kind, risk = decision["kind"], decision["risk"]

        def rules(
            stem: str,
            items: Iterable[MarkedDict],
            vocab: Mapping[str, _Field],
            when: str = "when",
            upward: bool = False,
        ) -> tuple[Rule, ...]:
            return tuple(
                Rule(
                    id=item.get("id", ""),
                    title=item["title"],
                    when=self.condition(stem, item[when], vocab, upward=upward),
                    description=" ".join(item.get("description", "").split()),
                    points=float(item.get("points", 0)),
                    tier=item.get("tier", ""),
                    level=item.get("level", 0),
                )
                for item in items
            )

        levels = tuple(
            Level(item["level"], item["name"], item["description"], dict(item.get("equivalents", {})))
            for item in decision["levels"]
        )
        if [level.level for level in levels] != [1, 2, 3, 4]:
            self.problem("decision", decision.value_marks["levels"], "levels: exactly levels 1, 2, 3 and 4, in order")
        tiers = tuple((item["tier"], float(item["min"])) for item in risk["tiers"])
        if (
            [name for name, _ in tiers] != list(TIERS)
            or tiers[0][1] != 0
            or any(b[1] <= a[1] for a, b in pairwise(tiers))
        ):
            self.problem(
                "decision",
                risk.value_marks["tiers"],
                "tiers: low, medium, high and critical in that order, the first at min 0, minimums rising",
            )
        return dict(
            name=identity["name"],
            version=identity["version"],
            description=" ".join(identity["description"].split()),
            sha256=sha256,
            rubrics=rubrics,
            levels=levels,
            demand_bonuses=rules("decision", kind["bonuses"], vocab.criteria),
            demand_threshold=float(kind["threshold"]),
            agentic=rules("decision", kind["agentic"], vocab.criteria),
            conversational=Rule(
                "conversational",
                kind["conversational"]["title"],
                self.condition("decision", kind["conversational"]["when"], vocab.criteria),
            ),
            kind_descriptions={name: " ".join(text.split()) for name, text in kind["descriptions"].items()},
            risk_weights={name: float(weight) for name, weight in risk["weights"].items()},
            autonomy_amplifier=float(risk["autonomy_amplifier"]),
            tier_minimums=tiers,
            named_risks=rules("decision", risk["named"], vocab.criteria, upward=True),
            floors=rules("decision", risk["floors"], vocab.floors, upward=True),
            ceilings=rules("decision", risk["ceilings"], vocab.floors, when="unless", upward=True),
            target_rules=rules("decision", decision["target_level"], vocab.criteria),
            **self.controls(vocab.assessed, governance),
            **self.pilot(vocab.plan, vocab.pilot),
            **self.rollback(vocab.rollback),
            **self.catalogue(governance, [item["id"] for item in risk["named"]]),
        )

    def controls(self, vocab: Mapping[str, _Field], governance: Mapping[str, Criterion]) -> dict[str, Any]:
        document = self.documents["controls"]
        requirements: list[Requirement] = []
        for item in document["requirements"]:
            required: list[tuple[str, int]] = []
            for control, value in item["require"].items():
                mark = item["require"].key_marks[control]
                criterion = governance.get(control)
                if criterion is None:
                    self.problem(
                        "controls",
                        mark,
                        f"require: {control!r} is not a governance control" + suggest(control, sorted(governance)),
                    )
                    continue
                order = criterion.values
                ranks = [index for index, option in enumerate(order) if same_value(option, value)]
                if not ranks:
                    allowed = ", ".join(describe(v).strip("'") for v in order)
                    self.problem(
                        "controls",
                        item["require"].value_marks[control],
                        f"require: {control}: {describe(value)} is not one of: {allowed}",
                    )
                    continue
                required.append((control, ranks[0]))
            when = self.condition("controls", item["when"], vocab)
            absent_blocks = item.get("absent", "blocking") == "blocking"
            why = " ".join(item["why"].split())
            requirements.append(Requirement(item["id"], why, when, tuple(required), when.names("level"), absent_blocks))
        remedies = {
            control: remedy
            for control, by_option in document["remedies"].items()
            if (remedy := self.remedies(control, by_option, document["remedies"].key_marks[control], governance))
        }
        for table in ("security_severity", "effort"):
            for control in document[table]:
                if control not in governance:
                    self.problem("controls", document[table].key_marks[control],
                                 f"{table}: {control!r} is not a governance control")  # fmt: skip
        evidence = document.get("evidence", MarkedDict())
        return {
            "evidence_rules": tuple(self.evidence_rule(item, vocab, governance) for item in evidence.get("rules", ())),
            "evidence_max_age": dict(evidence.get("max_age_days", document["review_days"])),
            "security_severity": {control: float(score) for control, score in document["security_severity"].items()},
            "effort": {control: float(cost) for control, cost in document["effort"].items()},
            "review_days": dict(document["review_days"]),
            "always_blocking_tiers": frozenset(document["always_blocking_tiers"]),
            "requirements": tuple(requirements),
            "remedies": remedies,
        }

    def evidence_rule(
        self, item: MarkedDict, vocab: Mapping[str, _Field], governance: Mapping[str, Criterion]
    ) -> EvidenceRule:
        for index, control in enumerate(item["controls"]):
            if control not in governance:
                self.problem("controls", item["controls"].item_marks[index],
                             f"evidence: {control!r} is not a governance control"
                             + suggest(control, sorted(governance)))  # fmt: skip
        return EvidenceRule(
            item["id"],
            " ".join(item["why"].split()),
            self.condition("controls", item["when"], vocab),
            tuple(item["controls"]),
            item["missing"] == "blocking",
        )

    def remedies(
        self, control: str, by_option: MarkedDict, mark: Mark, governance: Mapping[str, Criterion]
    ) -> dict[str, str]:
        """A control's remedies by the option in place, each an option short of the strongest, all of
        them there: a gap from any option has advice that starts from it."""
        criterion = governance.get(control)
        if criterion is None:
            self.problem("controls", mark, f"remedies: {control!r} is not a governance control"
                         + suggest(control, sorted(governance)))  # fmt: skip
            return {}
        # Every option but the strongest; a text control's are absent and present whatever its file says.
        short = ["absent"] if criterion.type == "text" else [display(value) for value in criterion.values[:-1]]
        remedies: dict[str, str] = {}
        for option, text in by_option.items():
            key = display(option)
            if key not in short:
                self.problem(
                    "controls",
                    by_option.key_marks[option],
                    f"remedies: {control}: {describe(option)} is not an option short of its strongest"
                    f" (one of: {', '.join(short)})",
                )
            remedies[key] = " ".join(text.split())
        missing = [option for option in short if option not in remedies]
        if missing:
            self.problem("controls", mark, f"remedies: {control}: no remedy from {', '.join(missing)}")
        return remedies

    def last_always_applies(self, stem: str, rules: MarkedList, what: str) -> None:
        """Of rules where the first that holds is taken, the last must hold always, so that one is."""
        if rules[-1]["when"]:
            self.problem(stem, rules.item_marks[-1], f"{what} needs `when: {{}}`, so that one always applies")

    def pilot(self, plan_vocab: Mapping[str, _Field], vocab: Mapping[str, _Field]) -> dict[str, Any]:
        document = self.documents["pilot"]
        self.last_always_applies("pilot", document["standing"], "standing: the last one")
        milestones = tuple(
            MilestoneTemplate(
                item["id"],
                item["name"],
                item["level"],
                float(item["weeks"]),
                float(item["sample_factor"]),
                " ".join(item["objective"].split()),
                self.condition("pilot", item.get("when", MarkedDict()), vocab),
            )
            for item in document["milestones"]
        )
        levels = [m.level for m in milestones]
        if levels != sorted(levels):
            self.problem("pilot", document.value_marks["milestones"], "milestones: list them by rising level")
        return {
            "pilot_tiers": {
                tier: (float(v["duration_factor"]), int(v["sample"])) for tier, v in document["tiers"].items()
            },
            "working_days_per_week": document["working_days_per_week"],
            "max_weeks": document["max_weeks"],
            "milestones": milestones,
            "second_review": (float(document["second_review"]["share"]), document["second_review"]["at_least"]),
            "standing": self.text_rules("pilot", document["standing"], plan_vocab, PLAN_VARIABLES),
            "throughout": self.text_rules("pilot", document["throughout"], plan_vocab, PLAN_VARIABLES),
            "exit_criteria": self.text_rules("pilot", document["exit_criteria"], vocab, PILOT_VARIABLES),
        }

    def catalogue(self, governance: Mapping[str, Criterion], named_risks: list[str]) -> dict[str, Any]:
        document = self.documents["catalogue"]
        frameworks = document["frameworks"]
        for name, framework in frameworks.items():
            try:
                re.compile(framework["id_pattern"])
            except re.error as error:
                self.problem("catalogue", framework.value_marks["id_pattern"], f"{name}: id_pattern: {error}")
                return {"references": {}, "risk_references": {}}
        return {
            "references": self.cited(document["controls"], "controls", "a governance control", sorted(governance)),
            "risk_references": self.cited(
                document.get("risks", MarkedDict()), "risks", "a named risk", sorted(named_risks)
            ),
        }

    def cited(self, section: MarkedDict, name: str, what: str, known: list[str]) -> dict[str, tuple[Reference, ...]]:
        """One catalogue section: each key must be known, each reference a framework's well-formed id.
        A reference carries its framework's edition, since ids are renumbered between editions."""
        frameworks = self.documents["catalogue"]["frameworks"]
        references: dict[str, tuple[Reference, ...]] = {}
        for key, items in section.items():
            if key not in known:
                self.problem(
                    "catalogue", section.key_marks[key], f"{name}: {key!r} is not {what}" + suggest(key, known)
                )
                continue
            found = []
            for index, item in enumerate(items):
                mark = items.item_marks[index]
                framework = frameworks.get(item["framework"])
                if framework is None:
                    self.problem(
                        "catalogue",
                        mark,
                        f"framework {item['framework']!r} is not among the frameworks"
                        + suggest(item["framework"], sorted(frameworks)),
                    )
                    continue
                if not re.search(framework["id_pattern"], item["id"]):
                    self.problem(
                        "catalogue",
                        mark,
                        f"{item['id']!r} is not an id of {framework['title']} ({framework['id_pattern']})",
                    )
                    continue
                found.append(
                    Reference(item["framework"], framework["title"], framework["version"], item["id"], item["title"])
                )
            references[key] = tuple(found)
        return references

    def rollback(self, vocab: Mapping[str, _Field]) -> dict[str, Any]:
        document = self.documents["rollback"]
        self.last_always_applies("rollback", document["fallback"], "fallback: the last fallback")
        return {
            "rate_trigger_factor": float(document["rate_trigger_factor"]),
            "rate_floor_factor": float(document["rate_floor_factor"]),
            "rollback_triggers": self.text_rules("rollback", document["triggers"], vocab, ROLLBACK_VARIABLES),
            "rollback_steps": self.text_rules("rollback", document["steps"], vocab, ROLLBACK_VARIABLES),
            "fallbacks": self.text_rules("rollback", document["fallback"], vocab, ROLLBACK_VARIABLES),
        }


def _upward_closed(clause: Clause, spec: _Field) -> bool:
    """Whether every answer ranked above one that satisfies the clause satisfies it too."""
    if clause.ranks is None:
        return clause.high == float("inf")
    if spec.values is None:
        return False
    return set(range(int(min(clause.ranks)), len(spec.values))) <= clause.ranks


def _format_string(text: str) -> str:
    """A checked $template as a str.format string, which the plan fills in with ``format_map``.

    Only names the template itself holds, already checked against the known variables, end up
    between braces; every other brace is doubled, so the result is literal text and fields."""
    parts: list[str] = []
    position = 0
    for match in string.Template.pattern.finditer(text):
        parts.append(text[position : match.start()].replace("{", "{{").replace("}", "}}"))
        name = match.group("named") or match.group("braced")
        parts.append("{" + name + "}" if name else "$")
        position = match.end()
    parts.append(text[position:].replace("{", "{{").replace("}", "}}"))
    return "".join(parts)
