"""One row of an inventory → one draft task file, as YAML text with a comment on every mapped line.

Pure: a row and a mapping in, the draft's text and what it noticed out. YAML is written by hand
rather than dumped, for the comments that name each answer's column and value; every string is
double-quoted (or a literal block for the description), so YAML cannot read an id such as ``6`` as
a number or an answer as a boolean.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from decide.importing.mapping import Answer, Mapping, normalised
from decide.importing.rows import Row, list_cell
from decide.model import RUBRICS

# Characters written as escapes in a quoted scalar (and as spaces in a comment): those YAML does not
# allow in a file, the line breaks it folds (NEL, U+2028, U+2029) and the byte order mark it refuses
# inside a file. JSON's escapes have already taken care of the C0 controls.
_UNSAFE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# Plain words YAML reads as they are: no quotes needed (YAML 1.1's booleans and nulls aside).
_PLAIN = re.compile(r"[a-z][a-z0-9-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_COMMENT_LENGTH = 100


class Noticed(NamedTuple):
    """Something about one cell worth telling the person importing (a note, not a failure)."""

    line: int
    message: str


class Draft(NamedTuple):
    text: str
    answered: tuple[str, ...]  # fields answered, SECTION.FIELD
    fallbacks: tuple[str, ...]  # task keys taken from a fallback column, as "objective from use_case_name"
    noticed: tuple[Noticed, ...]


def first_value(row: Row, columns: tuple[str, ...]) -> tuple[str, str] | None:
    """The first of ``columns`` that holds a value in the row, and that value (stripped)."""
    for column in columns:
        value = row.cells.get(column, "").strip()
        if value:
            return column, value
    return None


def quoted(text: str) -> str:
    """A double-quoted YAML scalar: JSON's escapes, which YAML shares, and the characters YAML refuses."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", json.dumps(text, ensure_ascii=False))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value if _PLAIN.fullmatch(value) and value not in _YAML_WORDS else quoted(value)


def _block(text: str, indent: str) -> str:
    """A literal block where the text reads as itself in one; else a quoted scalar."""
    lines = text.split("\n")
    if _UNSAFE.search(text.replace("\n", "")) or any(line != line.strip() for line in lines):
        return quoted(text)
    return "|-\n" + "\n".join(indent + line if line else "" for line in lines)


def _comment(text: str) -> str:
    """Text made safe for one comment line: no line breaks or control characters, and short."""
    flat = " ".join(_UNSAFE.sub(" ", text).split())
    return flat if len(flat) <= _COMMENT_LENGTH else flat[: _COMMENT_LENGTH - 3] + "..."


def _answers(mapping: Mapping, row: Row) -> tuple[dict[str, tuple[Answer, str, str]], list[Noticed]]:
    """Each field's answer, with the column and the value it came from: the first rule that answers."""
    found: dict[str, tuple[Answer, str, str]] = {}
    noticed = []
    for rule in mapping.answers:
        value = row.cells.get(rule.column, "").strip()
        if rule.field in found or not value:
            continue
        key = normalised(value)
        if key not in rule.values:
            known = ", ".join(rule.shown_values[:6]) + (", ..." if len(rule.shown_values) > 6 else "")
            noticed.append(Noticed(row.line, f"{rule.column}: {_comment(value)!r} is none of its values ({known}): "
                                             f"{rule.field} left out"))  # fmt: skip
            continue
        answer = rule.values[key]
        if answer is not None:
            found[rule.field] = (answer, rule.column, value)
    return found, noticed


def build_draft(mapping: Mapping, row: Row, task_id: str, source: str) -> Draft:
    """The draft of one row; ``source`` names the file and line it came from in its first comment."""
    lines = [
        f"# Draft imported from {_comment(source)} ({_comment(mapping.title)}).",
        "# Each answer names the column it came from; a field left out takes its most cautious reading.",
        "version: 1",
        f"id: {quoted(task_id)}",
    ]
    fallbacks = []
    for key, columns in mapping.text.items():
        found = first_value(row, columns)
        if found is None:
            continue
        column, value = found
        if column != columns[0]:
            fallbacks.append(f"{key} from {column}")
            lines.append(f"{key}: {quoted(value)}  # {_comment(column)} ({_comment(columns[0])} is blank)")
        else:
            lines.append(f"{key}: {quoted(value)}  # {_comment(column)}")
    parts = [(label, row.cells.get(column, "").strip()) for column, label in mapping.description]
    description = "\n\n".join(f"{label}: {value}" for label, value in parts if value)
    if description:
        lines.append(f"description: {_block(description, '  ')}")
    noticed: list[Noticed] = []
    for kept in mapping.keep:
        value = row.cells.get(kept.column, "").strip()
        if not value:
            continue
        if kept.is_list:
            items = list_cell(value)
            if items is None:
                noticed.append(Noticed(row.line, f"{kept.column}: not a list ({_comment(value)!r}): kept as text"))
            elif not items:
                continue
            else:
                lines.append(f"{kept.key}: [{', '.join(quoted(item) for item in items)}]  # {_comment(kept.column)}")
                continue
        lines.append(f"{kept.key}: {quoted(value)}  # {_comment(kept.column)}")
    answers, unmatched = _answers(mapping, row)
    noticed += unmatched
    for section in RUBRICS:
        lines.append(f"{section}:")
        left_out = []
        for field in (f for f in mapping.fields if f.split(".", 1)[0] == section):
            name = field.split(".", 1)[1]
            if field not in answers:
                left_out.append(name)
                continue
            answer, column, value = answers[field]
            note = f" ({_comment(answer.note)})" if answer.note else ""
            lines.append(f"  {name}: {_scalar(answer.value)}  # {_comment(column)}: {_comment(value)!r}{note}")
        if left_out:
            lines.append(f"  # Left out, the inventory does not say: {', '.join(left_out)}")
    return Draft("\n".join(lines) + "\n", tuple(answers), tuple(fallbacks), tuple(noticed))
