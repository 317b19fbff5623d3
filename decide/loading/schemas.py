"""The JSON Schemas shipped in the package (reports, rubric sets)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def packaged_schema(name: str) -> dict[str, Any]:
    text = resources.files("decide").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
