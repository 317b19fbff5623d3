"""Writing results: files appear whole or not at all.

Everything is first written to a temporary file in the target folder and then renamed over the
target, so a reader (or an interrupted run) never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from decide.errors import DecideError

StrPath = str | Path


def check_folder(path: Path) -> None:
    """Refuse early, with a clear message, a target that cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise DecideError.at(str(path), f"cannot write: {str(folder)!r} {reason}")
    if path.is_dir():
        raise DecideError.at(str(path), "cannot write: it is a folder")


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
        Path(temporary).unlink(missing_ok=True)
        raise DecideError.at(str(shown_as), f"cannot write: {error.strerror or error}") from None


def _write_all(descriptor: int, text: str) -> None:
    remaining = memoryview(text.encode("utf-8"))
    while remaining:
        remaining = remaining[os.write(descriptor, remaining) :]


def publish(temporary: StrPath, path: StrPath) -> None:
    """Put a finished temporary file in its place, in one step."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise DecideError.at(str(path), f"cannot write: {error.strerror or error}") from None


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
            raise DecideError.at(str(path), f"cannot write: {error.strerror or error}") from None
        return
    check_folder(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_temporary(temporary, text, durable=True, shown_as=path)
    publish(temporary, path)
