"""The one way decide encodes JSON, so that every document it writes reads the same and repeats byte for byte."""

from __future__ import annotations

from typing import Any

import orjson


def dump_json(value: Any, *, indent: bool = True) -> str:
    """``value`` (plain dicts with string keys, lists, tuples, str, int, float, bool, None) as JSON text, keys in
    the order given and text as it is: only what JSON requires is escaped. Indented by two spaces and ending in a
    newline, as a document; or on one line with no newline, as one item of a longer document."""
    if indent:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    return orjson.dumps(value).decode()
