"""decide: should this work be an AI assistant, an AI agent or a hybrid, and is it ready?

The library API (``load_rubrics``, ``load_task``, ``evaluate``, ``render``) lives in
:mod:`decide.api` and is re-exported here lazily, so that ``decide --version`` stays fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("load_rubrics", "load_task", "evaluate", "render", "DecideError", "Report")


def __getattr__(name: str) -> Any:
    if name in _API:
        from decide import api

        return getattr(api, name)
    raise AttributeError(f"module 'decide' has no attribute {name!r}")


__all__ = ["DecideError", "Report", "__version__", "evaluate", "load_rubrics", "load_task", "render"]
