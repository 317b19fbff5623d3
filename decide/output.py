"""Writing results: files appear whole or not at all.

Everything is first written to a temporary file in the target folder and then renamed over the
target, so a reader (or an interrupted run) never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from decide.errors import DecideError, Problem

StrPath = str | Path


class WriteFailed(DecideError):
    """An output could not be written (a full disk, a read-only or vanished folder, no permission):
    a problem of the run, never of the input it was writing about."""

    def __reduce__(self) -> tuple[type[WriteFailed], tuple[list[Problem], int]]:
        # Raised in a batch's worker process and re-raised in the main one: pickled with its problems.
        return (WriteFailed, (self.problems, self.exit_code))

    @classmethod
    def of(cls, path: StrPath, error: OSError) -> WriteFailed:
        return cls(Problem(str(path), message=f"cannot write: {error.strerror or error}"))


def remove_quietly(path: StrPath) -> None:
    """Remove a temporary file while a failure is being reported: on a read-only or vanished folder the
    removal fails too, and that must not replace the message about the first failure."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def unique_temporary(path: Path) -> Path:
    """A new hidden name beside ``path``: random, so that two runs never meet on one name, even runs
    with the same process id (every run in a fresh container is process 1)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def check_folder(path: Path) -> None:
    """Refuse early, with a clear message, a target that cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise WriteFailed.at(str(path), f"cannot write: {str(folder)!r} {reason}")
    if path.is_dir():
        raise WriteFailed.at(str(path), "cannot write: it is a folder")


def write_temporary(temporary: StrPath, text: str, *, durable: bool, shown_as: StrPath) -> None:
    """Write a new temporary file (never one that exists); ``durable`` also waits for the disk.
    Problems are reported against ``shown_as``, the file the user asked for."""
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _write_all(descriptor, text)
            if durable:
                os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        remove_quietly(temporary)
        raise WriteFailed.of(shown_as, error) from None


def _write_all(descriptor: int, text: str) -> None:
    remaining = memoryview(text.encode("utf-8"))
    while remaining:
        remaining = remaining[os.write(descriptor, remaining) :]


def publish(temporary: StrPath, path: StrPath) -> None:
    """Put a finished temporary file in its place, in one step."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        remove_quietly(temporary)
        raise WriteFailed.of(path, error) from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    A target that exists and is not a regular file (``/dev/stdout``, a pipe) is written to
    directly: renaming over it would replace the device rather than write to it."""
    if path.exists() and not path.is_file() and not path.is_dir():
        try:
            descriptor = os.open(path, os.O_WRONLY)
            try:
                _write_all(descriptor, text)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise WriteFailed.of(path, error) from None
        return
    check_folder(path)
    temporary = unique_temporary(path)
    write_temporary(temporary, text, durable=True, shown_as=path)
    publish(temporary, path)
