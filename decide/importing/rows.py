"""Reading an inventory (CSV) row by row, each row with the line it starts on.

Spreadsheet exports come with a byte order mark, Windows line endings, cells over several lines,
stray bytes that are not UTF-8 and rows cut short. The header must be sound, or the file is not an
inventory; after it, a row that cannot be read is one :class:`Unreadable` with its line and reason,
and the rows after it are read as usual.
"""

from __future__ import annotations

import ast
import codecs
import csv
import io
from collections.abc import Iterator
from typing import NamedTuple

from decide.errors import DecideError

# Larger cells than this are refused by the csv module; reported per row, never raised.
_CELL_LIMIT = csv.field_size_limit()
# A list cell longer than this is not a list of a few answers; never handed to the parser.
_LIST_LIMIT = 10_000


class Row(NamedTuple):
    line: int  # the physical line the row starts on, 1 being the header
    cells: dict[str, str]


class Unreadable(NamedTuple):
    line: int
    reason: str


class Blank(NamedTuple):
    line: int


def decode(data: bytes, name: str) -> str:
    """The file's text. UTF-8 (its byte order mark dropped) or UTF-16 after its mark; bytes that are
    not UTF-8 are kept as escapes so that only the rows holding them are refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DecideError.at(name, "not UTF-16 text, though it starts like it: save the file as UTF-8") from None
    return data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape")


def _not_utf8(text: str) -> bool:
    return any("\udc80" <= character <= "\udcff" for character in text)


def read_rows(text: str, name: str) -> tuple[list[str], Iterator[Row | Unreadable | Blank]]:
    """The header's columns, and every row after it; raises :class:`DecideError` for a bad header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise DecideError.at(name, f"the header row cannot be read: {error}", 1, 1) from None
    if header is None or not any(cell.strip() for cell in header):
        raise DecideError.at(name, "no header row: an inventory is a CSV file whose first row names its columns", 1, 1)
    columns = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    if _not_utf8("".join(columns)):
        raise DecideError.at(name, "the header is not UTF-8 text: save the file as UTF-8", 1, 1)
    twice = sorted({column for column in columns if column and columns.count(column) > 1})
    if twice:
        raise DecideError.at(name, f"the header names {', '.join(map(repr, twice))} more than once", 1, 1)
    return columns, _rows(reader, columns)


def _rows(reader: Iterator[list[str]], columns: list[str]) -> Iterator[Row | Unreadable | Blank]:
    line = 1  # the last line read
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = reader.line_num  # type: ignore[attr-defined]  # csv readers have it; Iterator does not say
            reason = str(error)
            if "field larger" in reason:
                reason = f"a cell longer than {_CELL_LIMIT} characters"
            yield Unreadable(start, reason)
            continue
        line = reader.line_num  # type: ignore[attr-defined]
        yield _row(start, cells, columns)


def _row(start: int, cells: list[str], columns: list[str]) -> Row | Unreadable | Blank:
    if not any(cell.strip() for cell in cells):
        return Blank(start)
    if len(cells) > len(columns) and not any(cell.strip() for cell in cells[len(columns) :]):
        cells = cells[: len(columns)]  # empty cells past the header: a spreadsheet's trailing commas
    if len(cells) != len(columns):
        reason = f"{len(cells)} cells where the header has {len(columns)}"
        if any("\n" in cell for cell in cells) and len(cells) < len(columns):
            reason += " (a quote opened in it may never be closed)"
        return Unreadable(start, reason)
    if _not_utf8("".join(cells)):
        return Unreadable(start, "not UTF-8 text: save the file as UTF-8")
    # One line ending inside cells, whatever the spreadsheet wrote.
    return Row(start, {c: v.replace("\r\n", "\n").replace("\r", "\n") for c, v in zip(columns, cells, strict=True)})


def list_cell(cell: str) -> list[str] | None:
    """A cell holding a list: written as Python writes one (``['a', 'b']``), or separated by semicolons.
    None when it is neither (the caller keeps the text)."""
    text = cell.strip()
    if not text.startswith("["):
        return [item.strip() for item in text.split(";") if item.strip()]
    if len(text) > _LIST_LIMIT:
        return None
    try:
        # literal_eval builds literals only, never calls anything; deep nesting and odd literals are refused below.
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        return None
    items = [" ".join(item.split()) for item in value]
    return list(dict.fromkeys(item for item in items if item))
