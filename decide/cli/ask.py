"""`decide ask`: the interactive questionnaire, on questionary (prompt_toolkit).

questionary gives arrow-key selection, validated text entry and a clean Ctrl-C on real
terminals; what to ask comes from :mod:`decide.questionnaire`, generated from the rubrics.
"""

from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, NoReturn

import typer

from decide.cli.errors import reported_errors
from decide.cli.options import RubricsOption
from decide.errors import shown

if TYPE_CHECKING:
    from decide.model import ControlEvidence, RubricSet
    from decide.questionnaire import Question

BACK = "← Back"
NOT_SURE = "Not sure: take the most cautious reading"
SAVE = "Save and show the report"
QUIT = "Stop here: keep the answers in a draft, not in the task file"
ADD_EVIDENCE = "Add an item: a file in the repository, or a link"
NO_EVIDENCE = "Skip: no evidence yet"
NO_MORE_EVIDENCE = "Skip the rest: save without more evidence"
ANOTHER_ITEM = "Add another item"
DRAFT_SUFFIX = ".draft.yaml"


class _Back(Exception):
    """The person asked for the previous question."""


def _instruction(question: Question) -> str:
    return f"{question.section} {question.position}/{question.of}"


def _ask_one(question: Question, answers: dict[str, Any], can_go_back: bool, cautious: bool) -> None:
    """Ask one question and record the answer (None for "not sure" or nothing); raises _Back, KeyboardInterrupt
    or EOFError. The cursor starts on the answer given; on "Not sure" for a field a file left out (``cautious``)."""
    import shutil
    import textwrap

    import questionary

    from decide.questionnaire import parse_answer

    width = max(40, shutil.get_terminal_size().columns - 4)
    help_lines = textwrap.wrap(question.help, width=width)  # select prompts do not wrap long lines
    header = question.text + "".join(f"\n  {line}" for line in help_lines) + "\n "
    if question.choices:
        choices = [questionary.Choice(label, value=index) for index, (_, label) in enumerate(question.choices)]
        not_sure = questionary.Choice(NOT_SURE, value="not-sure")
        choices.append(not_sure)
        if can_go_back:
            choices.append(questionary.Choice(BACK, value="back"))
        default: Any = not_sure if cautious else None
        if question.key in answers:
            current = answers[question.key]
            default = not_sure if current is None else next(
                (c for c, (value, _) in zip(choices, question.choices, strict=False)
                 if value == current and type(value) is type(current)), None)  # fmt: skip
        picked = questionary.select(header, choices=choices, default=default, instruction=_instruction(question),
                                    qmark="?").unsafe_ask()  # fmt: skip
        if picked == "back":
            raise _Back
        answers[question.key] = None if picked == "not-sure" else question.choices[picked][0]
        return
    current = answers.get(question.key)
    shown = ", ".join(current) if isinstance(current, list) else ("" if current is None else str(current))
    hint = " (type < to go back)" if can_go_back else ""
    extra = {"list": "; separate with commas, or none", "rate": "; 0.05 or 5%"}.get(question.kind, "")

    def validate(text: str) -> bool | str:
        if can_go_back and text.strip() == "<":
            return True
        _, problem = parse_answer(question, text)
        return problem or True

    entered = questionary.text(header, default=shown, validate=validate, qmark="?",
                               instruction=f"{_instruction(question)}{extra}{hint}").unsafe_ask()  # fmt: skip
    if can_go_back and entered.strip() == "<":
        raise _Back
    answers[question.key] = parse_answer(question, entered)[0]


def _summary(asked: list[Question], answers: dict[str, Any]) -> int | None:
    """The summary screen: the index of the question to change, or None to save."""
    import questionary

    from decide.questionnaire import display_answer

    choices: list[Any] = [questionary.Choice(SAVE, value="save")]
    choices += [
        questionary.Choice(f"{question.key}: {display_answer(question, answers)}", value=index)
        for index, question in enumerate(asked)
    ]
    choices.append(questionary.Choice(QUIT, value="quit"))
    picked = questionary.select("Your answers: pick one to change it, or save.", choices=choices,
                                instruction="Summary").unsafe_ask()  # fmt: skip
    if picked == "quit":
        raise KeyboardInterrupt
    return None if picked == "save" else int(picked)


def _write_problem(path: Path) -> str:
    """Why the answers could not be saved to ``path``, or "" if they can (an existing file is the caller's)."""
    from decide.errors import DecideError
    from decide.output import check_folder

    try:
        check_folder(path)
    except DecideError as error:
        return error.problems[0].message
    if not _may_write_in(path.parent):
        return f"cannot write: no permission to write in {str(path.parent)!r}"
    if path.exists() and not os.access(path, os.W_OK):
        return "cannot write: the file is read-only"
    return ""


def _may_write_in(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _checked(path: Path) -> Path:
    """``path``, refused with the reason before any question if the answers could not be saved there."""
    from decide.errors import DecideError

    problem = _write_problem(path)
    if problem:
        raise DecideError.at(str(path), problem)
    return path


def _typed_path(default: Path) -> Path:
    """A file name typed at "Save to which file?"; one that cannot be written is asked again, with the reason."""
    import questionary

    def validate(text: str) -> bool | str:
        return (_write_problem(Path(text.strip())) or True) if text.strip() else "type a file name"

    return Path(questionary.text("Save to which file?", default=str(default), validate=validate).unsafe_ask().strip())


def _same_file(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve()


class _Source(NamedTuple):
    """The file ``--from`` names: its text, its data and the answers it gives."""

    path: Path
    text: str
    document: Any
    answers: dict[str, Any]

    @property
    def is_draft(self) -> bool:
        return self.path.name.endswith(DRAFT_SUFFIX)


def _read_source(path: Path, asked: list[Question], rubric_set: RubricSet) -> _Source:
    """Read the file to start from; its problems are listed (before any question) and, unless the person goes on
    anyway, stop the command. Fields it leaves out are not problems: the questions ask for them."""
    import questionary

    from decide.errors import EXIT_INPUT, DecideError
    from decide.loading.task import TaskLoader
    from decide.loading.yaml_source import read_yaml_file
    from decide.model import RUBRICS
    from decide.questionnaire import answers_from

    document, data = read_yaml_file(path)
    if document is not None and not isinstance(document, dict):
        raise DecideError.at(str(path), "a task file is a YAML mapping of keys to values", 1, 1)
    asked_for = {f"the task: missing required key {name!r}" for name in ("version", "title", "objective", *RUBRICS)}
    problems = [] if document is None else [
        problem for problem in TaskLoader(rubric_set).validator.problems(document, str(path))
        if problem.message not in asked_for
    ]  # fmt: skip
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        if not questionary.confirm(f"{path} has {count} (above). Answer the questions anyway?",
                                   default=False).unsafe_ask():  # fmt: skip
            raise typer.Exit(EXIT_INPUT)
    # Decoded as the loader decodes it (the file parsed, so it decodes), a UTF-8 byte order mark kept.
    text = data.decode("utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8")
    return _Source(path, text, document, answers_from(document, asked))


def _order(asked: list[Question], answers: dict[str, Any]) -> list[int]:
    """Which questions to ask, in turn: all, or for a file that answers some, what the person picks."""
    import questionary

    unanswered = [index for index, question in enumerate(asked) if question.key not in answers]
    done = len(asked) - len(unanswered)
    if not done:
        return list(range(len(asked)))
    review = questionary.Choice("Review every answer, from the first question", value="all")
    if unanswered:
        go_on = questionary.Choice(f"Answer the {len(unanswered)} unanswered, then see all answers", value="rest")
        title = f"{done} answered, {len(unanswered)} to go."
    else:
        go_on = questionary.Choice("See all answers, to save or change one", value="rest")
        title = f"All {done} questions are answered."
    picked = questionary.select(title, choices=[go_on, review], instruction="Resume").unsafe_ask()
    return list(range(len(asked))) if picked == "all" else unanswered


def ask(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Where to write the task file.")
    ] = None,
    start_from: Annotated[
        Path | None, typer.Option("--from", metavar="FILE", help="Start from a task file (or a draft).")
    ] = None,
    rubrics: RubricsOption = None,
) -> None:
    """Answer questions about the work; writes a task file.

    Then shows its report. Arrow keys choose, Enter confirms; "Not sure" takes the most cautious reading. Ctrl-C keeps
    the answers so far in a draft, which --from picks up again.

    \b
    Examples:
      decide ask -o invoice-triage.yaml
      decide ask --from invoice-triage.yaml
    """
    from decide.errors import DecideError

    with reported_errors():
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise DecideError.at(
                "decide ask", "needs a terminal to ask its questions; for a task file you already have, "
                "run `decide evaluate TASK`", 0, 0,
            )  # fmt: skip
        from decide.loading.rubrics import load_rubrics
        from decide.questionnaire import questions

        rubric_set = load_rubrics(rubrics)
        session = _Session(questions(rubric_set), rubric_set)
        try:
            session.check_paths(output, start_from)  # before the first question: no answer is lost to a bad path
            _run(session.asked, session.answers, _order(session.asked, session.answers), session.source is not None)
            session.ask_evidence()
            path = session.save()
        except (KeyboardInterrupt, EOFError) as stop:  # Ctrl-C, end of input, SIGTERM (Terminated)
            session.stop(stop)
        from decide.cli.evaluate import evaluate

        evaluate(path, rubrics=rubrics)


class _Session:
    """One run of the questionnaire: the answers, the file they started from, and where they go."""

    def __init__(self, asked: list[Question], rubric_set: RubricSet) -> None:
        self.asked, self.rubric_set = asked, rubric_set
        self.source: _Source | None = None
        self.answers: dict[str, Any] = {}
        self.given: dict[str, Any] = {}  # the answers the file gave: only a change to them is worth a draft
        self.target: Path | None = None  # None: named after the title, when it is known
        self.agreed: Path | None = None  # an existing file the person agreed to write over
        self.evidence: dict[str, list[dict[str, str]]] = {}  # items given, by control: added to the file's own

    def check_paths(self, output: Path | None, start_from: Path | None) -> None:
        """Every path this run may write, checked before the first question; the answers go to ``-o``, else
        into the file started from (a draft's answers into the file it is a draft of), else to ``<title>.yaml``."""
        import questionary

        from decide.errors import DecideError

        if start_from is not None:
            self.source = _read_source(start_from, self.asked, self.rubric_set)
            self.answers, self.given = dict(self.source.answers), dict(self.source.answers)
            if self.source.is_draft:
                _checked(start_from)  # resuming rewrites it when stopped again
        if output is not None:
            self.target = _checked(output)
        elif self.source is not None:
            name = self.source.path.name
            self.target = _checked(self.source.path.with_name(name.removesuffix(DRAFT_SUFFIX) + ".yaml")
                                   if self.source.is_draft else self.source.path)  # fmt: skip
        elif not _may_write_in(Path.cwd()):  # where the answers and any draft will go
            raise DecideError.at(str(Path.cwd()), "cannot write here: no permission; name a file with -o FILE")
        while self.target is not None and self.target.exists() and not self.in_place(self.target):
            if questionary.confirm(f"{self.target} exists. Overwrite it when you save?", default=False).unsafe_ask():
                self.agreed = self.target
                break
            self.target = _typed_path(self.target)

    def in_place(self, path: Path) -> bool:
        """Whether ``path`` is the file the answers started from: written only once the person agrees, at the end."""
        return self.source is not None and not self.source.is_draft and _same_file(path, self.source.path)

    def default_path(self) -> Path:
        from decide.loading.task import slug

        return self.target or Path(f"{slug(str(self.answers.get('title') or 'task'))}.yaml")

    def text(self, *, draft: bool, quiet: bool = False) -> str:
        """The file to save (or the draft); ``quiet``: not to say that a file's layout could not be kept."""
        from decide.questionnaire import saved_text, task_file

        if self.source is None:
            return task_file(self.asked, self.answers, self.rubric_set, draft=draft, evidence=self.evidence)
        text, kept = saved_text(self.source.text, self.source.document, self.asked, self.answers, self.rubric_set,
                                draft=draft, name=str(self.source.path), evidence=self.evidence)  # fmt: skip
        if not kept and not quiet:
            print(f"decide: could not keep the layout of {shown(str(self.source.path))} (its comments are not "
                  "carried over); all else in it (id, description, x- keys...) is kept", file=sys.stderr)  # fmt: skip
        return text

    def ask_evidence(self) -> None:
        """Evidence for each control the rubrics ask evidence of, for the work as answered, that the file
        does not back yet (missing, unusable or stale); a control already evidenced is only named."""
        from decide.engine import assess
        from decide.errors import DecideError
        from decide.loading.evidence import EvidenceReader
        from decide.loading.task import TaskLoader

        path = self.default_path()
        try:
            task = TaskLoader(self.rubric_set).load_bytes(self.text(draft=False, quiet=True).encode(), str(path))
            asked = [found for found in assess(task, self.rubric_set).evidence if found.requirement]
        except DecideError as error:  # a --from file with problems the person chose to answer anyway
            print(f"decide: cannot tell which controls need evidence: {error}", file=sys.stderr)
            return
        if evidenced := [found.control for found in asked if found.status == "evidenced"]:
            print(f"Evidenced already: {', '.join(evidenced)}.", file=sys.stderr)
        wanted = [found for found in asked if found.status != "evidenced"]
        root = EvidenceReader().root(path.parent)
        for position, finding in enumerate(wanted, start=1):
            if not _evidence_for(finding, f"Evidence {position}/{len(wanted)}", path, root, self.evidence):
                break

    def save(self) -> Path:
        """Write the answers; a path that cannot be written is asked again, so that no answer is lost."""
        import questionary

        from decide.errors import DecideError
        from decide.output import write_atomic

        path, text = self.default_path(), self.text(draft=False)
        while True:
            problem = _write_problem(path)
            if problem:
                print(f"{shown(str(path))}: {problem}", file=sys.stderr)
                path = _typed_path(path)
                continue
            if self.source is not None and self.in_place(path) and text == self.source.text:
                print(f"No answer changed: {shown(str(path))} is as it was.\n", file=sys.stderr)
                return path
            if path.is_file() and path.read_bytes() == text.encode("utf-8"):
                print(f"{shown(str(path))} already holds these answers.\n", file=sys.stderr)
                self.remove_resumed_draft(path)
                return path
            if path.exists() and not (self.agreed is not None and _same_file(path, self.agreed)):
                question = (f"Write your answers into {path}?" if self.in_place(path)
                            else f"{path} exists. Overwrite it?")  # fmt: skip
                if not questionary.confirm(question, default=self.in_place(path)).unsafe_ask():
                    path = _typed_path(path)
                    continue
                self.agreed = path
            try:
                write_atomic(path, text)
            except DecideError as error:  # the folder changed since it was checked
                print(error, file=sys.stderr)
                path = _typed_path(path)
                continue
            print(f"Saved {shown(str(path))}.\n", file=sys.stderr)
            self.remove_resumed_draft(path)
            return path

    def remove_resumed_draft(self, saved: Path) -> None:
        """The draft the answers were resumed from holds nothing the saved file does not: it goes."""
        if self.source is not None and self.source.is_draft and not _same_file(saved, self.source.path):
            self.source.path.unlink(missing_ok=True)
            print(f"Removed the draft {shown(str(self.source.path))}: {shown(str(saved))} holds its answers.\n",
                  file=sys.stderr)

    def draft_path(self) -> tuple[Path, str]:
        """Where a draft goes, and what to say about it: never over another draft, but over the one resumed."""
        if self.source is not None and self.source.is_draft:
            return self.source.path, ""
        base = self.default_path()
        first = candidate = base.with_name(base.stem + DRAFT_SUFFIX)
        number = 2
        while candidate.exists():
            candidate, number = base.with_name(f"{base.stem}-{number}{DRAFT_SUFFIX}"), number + 1
        return candidate, (f" ({first} holds an earlier draft, which is left as it was)" if candidate != first else "")

    def stop(self, stop: BaseException) -> NoReturn:
        """Stopped: a draft of the answers given, if any were, and how to resume."""
        from decide.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated
        from decide.output import write_atomic

        code = EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
        if self.answers == self.given and not self.evidence:
            said = "was given;" if self.source is None else f"changed; {self.source.path} is as it was, and"
            print(f"\ndecide: stopped before any answer {said} nothing was saved.", file=sys.stderr)
            raise typer.Exit(code)
        draft, note = self.draft_path()
        write_atomic(draft, self.text(draft=True))
        print(f"\ndecide: stopped; your answers are saved in {shown(str(draft))}{note}. Resume with "
              f"`decide ask --from {shown(str(draft))}`", file=sys.stderr)  # fmt: skip
        raise typer.Exit(code)


def _evidence_for(finding: ControlEvidence, progress: str, path: Path, root: Path,
                  evidence: dict[str, list[dict[str, str]]]) -> bool:  # fmt: skip
    """Ask for the items that back one control, adding each to ``evidence`` as it is given; False when the
    person skips the rest of the controls."""
    import questionary

    header = f"Evidence for {finding.control}: {finding.detail} ({finding.severity}).\n  {finding.why}\n "
    choices = [questionary.Choice(ADD_EVIDENCE, value="add"), questionary.Choice(NO_EVIDENCE, value="skip"),
               questionary.Choice(NO_MORE_EVIDENCE, value="rest")]  # fmt: skip
    picked = questionary.select(header, choices=choices, instruction=progress, qmark="?").unsafe_ask()
    while picked == "add":
        item = _evidence_item(finding.control, path, root)
        if item is None:
            return True
        evidence.setdefault(finding.control, []).append(item)
        more = [questionary.Choice("Next", value="next"), questionary.Choice(ANOTHER_ITEM, value="add")]
        picked = questionary.select(f"{finding.control}: {item['ref']} added.", choices=more,
                                    instruction=progress).unsafe_ask()  # fmt: skip
    return bool(picked != "rest")


def _evidence_item(control: str, path: Path, root: Path) -> dict[str, str] | None:
    """One item: where it is (a path is checked as the loader checks it, and asked again with the reason),
    when it was last verified, and what it shows; None when no ref is given."""
    import questionary

    from decide.loading.evidence import check_ref, is_url, today
    from decide.questionnaire import evidence_date

    def ref_problem(text: str) -> bool | str:
        ref = text.strip()
        return True if not ref or is_url(ref) else (check_ref(ref, path.parent, root)[0] or True)

    where = f"a path from the folder of {path.name}, or a URL; empty: none"
    ref = questionary.text(f"Where is the evidence for {control}?", validate=ref_problem, qmark="?",
                           instruction=where).unsafe_ask()  # fmt: skip
    if not ref.strip():
        return None
    day = today()
    date = questionary.text("When was it last verified?", default=day.isoformat(), qmark="?", instruction="YYYY-MM-DD",
                            validate=lambda text: evidence_date(text, day)[1] or True).unsafe_ask()  # fmt: skip
    note = questionary.text("What does it show?", qmark="?", instruction="optional").unsafe_ask()
    item = {"ref": ref.strip(), "date": evidence_date(date, day)[0]}
    return item | {"note": note.strip()} if note.strip() else item


def _run(asked: list[Question], answers: dict[str, Any], order: list[int], cautious: bool) -> None:
    """The questions in ``order``, with going back; then the summary until the person saves. ``cautious``: the
    answers came from a file, so a field it left out starts on "Not sure", never on the least cautious answer."""
    position = 0
    while position < len(order):
        try:
            _ask_one(asked[order[position]], answers, can_go_back=position > 0, cautious=cautious)
            position += 1
        except _Back:
            position -= 1
    while (change := _summary(asked, answers)) is not None:
        try:
            _ask_one(asked[change], answers, can_go_back=False, cautious=cautious)
        except _Back:
            continue
