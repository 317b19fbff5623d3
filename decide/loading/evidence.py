"""A task file's evidence: each item read, and each local ``ref`` checked on the file system.

A relative ``ref`` is a path from the task file's folder. It must stay inside the repository the
task file is in (the nearest folder above it holding ``.git``; the task file's own folder when there
is none), after following symlinks, and name a regular file, which is read to record its sha256 for
certificates. URLs are recorded as they are and never fetched. A ref that cannot back a claim is not
an error in the task file: the item carries the problem, and the assessment reports the control's
evidence as unusable.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from decide.errors import DecideError
from decide.loading.marked import MarkedDict, MarkedList
from decide.model import EvidenceItem

MAX_EVIDENCE_BYTES = 64 * 1024 * 1024  # larger files are not hashed: name a smaller file, or a URL
_TOO_LARGE = f"larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB: name a smaller file, or a URL"
_CHUNK = 1024 * 1024
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket",
          stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}  # fmt: skip


def today() -> datetime.date:
    """The day evidence is judged on: ``SOURCE_DATE_EPOCH`` (the reproducible-builds variable, in
    seconds since 1970) when it is set, so that a report can be made again byte for byte; else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return datetime.date.today()
    try:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
    except (ValueError, OverflowError, OSError):
        raise DecideError.at("SOURCE_DATE_EPOCH", f"{epoch!r} is not a number of seconds since 1970") from None


def dates_as_text(document: MarkedDict) -> None:
    """YAML reads ``date: 2026-10-01`` as a date; the schema (like JSON) knows it as text. Turn each
    evidence item's date back into the text it was, so that it is checked as written."""
    evidence = document.get("evidence")
    if not isinstance(evidence, MarkedDict):
        return
    for items in evidence.values():
        for item in items if isinstance(items, MarkedList) else ():
            value = item.get("date") if isinstance(item, MarkedDict) else None
            if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                item["date"] = value.isoformat()


class EvidenceReader:
    """Reads the evidence sections of task files; one per loader, so that each folder's repository
    is looked for once."""

    def __init__(self) -> None:
        self._roots: dict[Path, Path] = {}

    def items(self, document: MarkedDict, folder: Path, source: str) -> dict[str, tuple[EvidenceItem, ...]]:
        """Each control's items, their refs checked from ``folder``; ``source`` names the file in messages."""
        evidence = document.get("evidence") or MarkedDict()
        root = self.root(folder)
        found: dict[str, tuple[EvidenceItem, ...]] = {}
        for control, items in evidence.items():
            if control.startswith("x-") or not items:
                continue
            found[control] = tuple(
                self._item(item, mark, folder, root, source) for item, mark in zip(items, items.item_marks, strict=True)
            )
        return found

    def _item(self, item: MarkedDict, mark: tuple[int, int], folder: Path, root: Path, source: str) -> EvidenceItem:
        ref: str = item["ref"]
        date: datetime.date | None = None
        if item.get("date") is not None:
            try:
                date = datetime.date.fromisoformat(item["date"])
            except ValueError:
                raise DecideError.at(source, f"evidence: date {item['date']!r} is not a day of the calendar",
                                     *item.value_marks["date"]) from None  # fmt: skip
        url = is_url(ref)
        problem, digest = ("", None) if url else check_ref(ref, folder, root)
        return EvidenceItem(ref, date, item.get("note"), mark, url, problem, digest)

    def root(self, folder: Path) -> Path:
        """The repository ``folder`` is in: the nearest folder at or above it holding ``.git``."""
        real = Path(os.path.realpath(folder))
        if real not in self._roots:
            self._roots[real] = next((p for p in (real, *real.parents) if (p / ".git").exists()), real)
        return self._roots[real]


def is_url(ref: str) -> bool:
    """Whether ``ref`` is a URL (recorded, never fetched) rather than a path. A ``file:`` URL names a
    local file, so it is checked as a path is, and refused."""
    return bool(_URL.match(ref)) and not ref.lower().startswith("file:")


def check_ref(ref: str, folder: Path, root: Path) -> tuple[str, str | None]:
    """Why a local ref cannot back a claim ("" when it can), and the file's sha256 when it can."""
    if "\x00" in ref:
        return "a path cannot hold a NUL character", None
    if ref.lower().startswith("file:"):
        return "a file: URL: give a path from the task file's folder", None
    if os.path.isabs(ref) or ref.startswith("~"):
        return "an absolute path: give a path from the task file's folder", None
    real = Path(os.path.realpath(folder / ref))
    if not real.is_relative_to(root):
        return f"leads outside the repository ({root})", None
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return "no such file", None
    except OSError as error:
        return f"cannot be read ({error.strerror or error})", None
    if not stat.S_ISREG(info.st_mode):
        return f"not a file but {_KINDS.get(stat.S_IFMT(info.st_mode), 'something else')}", None
    if info.st_size > MAX_EVIDENCE_BYTES:
        return _TOO_LARGE, None
    return _digest(real)


def _digest(path: Path) -> tuple[str, str | None]:
    digest = hashlib.sha256()
    try:
        # O_NONBLOCK: a file swapped for a named pipe after the check must not block the run.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})", None
    with os.fdopen(descriptor, "rb") as file:
        try:
            read = 0
            while chunk := file.read(_CHUNK):
                read += len(chunk)
                if read > MAX_EVIDENCE_BYTES:  # it grew since it was checked
                    return _TOO_LARGE, None
                digest.update(chunk)
        except OSError as error:
            return f"cannot be read ({error.strerror or error})", None
    return "", digest.hexdigest()


def evidence_schema(controls: list[str]) -> dict[str, Any]:
    """The task file's ``evidence`` section: a list of items for each governance control."""
    item = {
        "type": "object",
        "properties": {
            "ref": {"type": "string", "minLength": 1,
                    "description": "A path from the task file's folder, or a URL (never fetched)."},
            "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$(?!\n)",
                     "description": "When it was last verified: YYYY-MM-DD.",
                     "x-hint": "a date is written YYYY-MM-DD"},
            "note": {"type": "string", "description": "What it shows."},
        },
        "required": ["ref"],
        "patternProperties": {"^x-": {"description": "Your own data: ignored by decide."}},
        "additionalProperties": False,
    }  # fmt: skip
    return {
        "type": ["object", "null"],
        "description": "What backs each governance answer: a control's items {ref, date, note}.",
        "properties": {control: {"type": ["array", "null"], "items": item} for control in controls},
        "patternProperties": {"^x-": {"description": "Your own data: ignored by decide."}},
        "additionalProperties": False,
    }
