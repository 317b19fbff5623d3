"""Writing results: files appear whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from decide.errors import DecideError


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    folder = path.parent
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise DecideError.at(str(path), f"cannot write: {str(folder)!r} {reason}")
    if path.is_dir():
        raise DecideError.at(str(path), "cannot write: it is a folder")
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="\n", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise DecideError.at(str(path), f"cannot write: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
