"""Importing an inventory: one draft task file per row, every row either written or reported.

load the mapping and the file → read rows → build each draft (``draft``) → check it against the task
schema → write it atomically. A row that cannot become a valid draft is reported with its line and
reason, and the import goes on; an existing task file is replaced only when asked.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from decide.errors import DecideError
from decide.importing.draft import Noticed, build_draft, first_value
from decide.importing.mapping import Mapping
from decide.importing.rows import Blank, Row, Unreadable, decode, read_rows
from decide.loading.task import TaskLoader, slug
from decide.output import publish, write_temporary

# Ids are cut to this length, at a word where there is one: a file name must stay well under 255 bytes.
_ID_LENGTH = 60


class ImportResult(NamedTuple):
    """What an import did, row by row: what the command reports."""

    rows: int  # rows with content (blank ones aside)
    blank: int
    written: tuple[Path, ...]  # the drafts, in the inventory's order
    refused: tuple[Noticed, ...]  # rows not imported, with the reason
    noticed: tuple[Noticed, ...]  # rows imported, with something to say about them
    left_out: Counter[str]  # field -> drafts that leave it out
    fallbacks: Counter[str]  # "objective from use_case_name" -> drafts


def _made_id(value: str) -> str:
    """A value made a valid id: the project's slug, one '-' where several stood ("PBGC - 11" → "pbgc-11"),
    cut to a length any file system takes."""
    made = re.sub(r"-{2,}", "-", slug(value))
    if len(made) <= _ID_LENGTH:
        return made
    cut = made[:_ID_LENGTH]
    return (cut.rsplit("-", 1)[0] if "-" in cut else cut).rstrip("-._")


class _Ids:
    """Each draft's id, unique in the import: the inventory's id made valid, with a suffix where taken."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.taken: dict[str, int] = {}  # id -> the line that took it

    def next(self, row: Row) -> tuple[str, list[Noticed]]:
        noticed = []
        found = first_value(row, self.mapping.id_columns)
        if found is not None:
            wanted = _made_id(found[1])
        else:
            parts = [row.cells.get(column, "").strip() for column in self.mapping.id_fallback]
            wanted = _made_id(" ".join(part for part in parts if part))
            noticed.append(Noticed(row.line, f"no {' or '.join(self.mapping.id_columns)}: named {wanted!r} from "
                                             f"{' and '.join(self.mapping.id_fallback)}"))  # fmt: skip
        chosen, suffix = wanted, 2
        while chosen in self.taken:
            chosen, suffix = f"{wanted}-{suffix}", suffix + 1
        if chosen != wanted:
            taken = f"id {wanted!r} is taken by line {self.taken[wanted]}: written as {chosen!r}"
            noticed.append(Noticed(row.line, taken))
        self.taken[chosen] = row.line
        return chosen, noticed


def import_inventory(
    source: Path, out_dir: Path, mapping: Mapping, loader: TaskLoader, *, force: bool = False
) -> ImportResult:
    """Import every row of ``source`` into ``out_dir``; raises :class:`DecideError` only when the file
    as a whole is not an inventory (no header, or one without the mapping's required columns)."""
    name = str(source)
    columns, rows = read_rows(decode(_read(source), name), name)
    missing = [column for column in mapping.required_columns if column not in columns]
    if missing:
        raise DecideError.at(name, f"not a {mapping.title}: the header has no {', '.join(missing)}", 1, 1)
    _make_folder(out_dir)
    ids = _Ids(mapping)
    written: list[Path] = []
    refused: list[Noticed] = []
    noticed: list[Noticed] = []
    left_out: Counter[str] = Counter()
    fallbacks: Counter[str] = Counter()
    count = blank = 0
    unread_columns = sorted(mapping.columns - set(columns))
    for row in rows:
        if isinstance(row, Blank):
            blank += 1
            continue
        count += 1
        if isinstance(row, Unreadable):
            refused.append(Noticed(row.line, row.reason))
            continue
        if first_value(row, mapping.text["title"]) is None or first_value(row, mapping.text["objective"]) is None:
            needed = " or ".join(dict.fromkeys((*mapping.text["title"], *mapping.text["objective"])))
            refused.append(Noticed(row.line, f"no {needed}: a task needs a title and an objective"))
            continue
        task_id, renamed = ids.next(row)
        path = out_dir / f"{task_id}.yaml"
        draft = build_draft(mapping, row, task_id, f"{source.name} line {row.line}")
        try:
            loader.load_bytes(draft.text.encode("utf-8"), str(path))
        except DecideError as error:  # a mapping that writes what the rubrics refuse: said, never written
            refused.append(Noticed(row.line, f"the draft would not be valid: {error.problems[0]}"))
            continue
        if path.exists() and not force:
            refused.append(Noticed(row.line, f"{path} exists: not replaced (--force replaces it)"))
            continue
        try:
            _write(path, draft.text)
        except DecideError as error:  # a folder in the way, a full disk: this row's, said with its line
            refused.append(Noticed(row.line, str(error.problems[0])))
            continue
        written.append(path)
        noticed += renamed + list(draft.noticed)
        left_out.update(field for field in mapping.fields if field not in draft.answered)
        fallbacks.update(draft.fallbacks)
    if unread_columns:
        noticed.insert(0, Noticed(1, f"the header has no {', '.join(unread_columns)}: what they answer is left out"))
    return ImportResult(count, blank, tuple(written), tuple(refused), tuple(noticed), left_out, fallbacks)


def _write(path: Path, text: str) -> None:
    """A draft written whole or not at all: a temporary file beside it, then a rename. Not flushed to
    the disk one by one, as a batch's reports are not: waiting for the disk per file multiplies a
    large inventory's import time, and a draft lost to a power cut is imported again."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        write_temporary(temporary, text, durable=False, shown_as=path)
    except BaseException:
        temporary.unlink(missing_ok=True)  # Ctrl-C in the middle: nothing half-written stays
        raise
    publish(temporary, path)


def _make_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise DecideError.at(str(out_dir), "--out-dir is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DecideError.at(str(out_dir), f"cannot create the folder: {error.strerror or error}") from None


def _read(source: Path) -> bytes:
    """The inventory's bytes. No size limit: a whole government's inventory is megabytes."""
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise DecideError.at(str(source), "no such file") from None
    except IsADirectoryError:
        raise DecideError.at(str(source), "is a folder, not a file") from None
    except OSError as error:
        raise DecideError.at(str(source), f"cannot read: {error.strerror or error}") from None
