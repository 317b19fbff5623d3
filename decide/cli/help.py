"""How each command presents itself in ``--help``: its whole summary line, and a usage line a person reads."""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand


class DecideCommand(TyperCommand):
    """A typer command whose summary in ``decide --help`` is never cut short and whose usage reads ``TASK``."""

    def get_short_help_str(self, limit: int = 45) -> str:
        # click cuts the summary at ``limit`` ("…pilot and..."); the first paragraph is written to be read whole.
        first = (self.help or "").strip().split("\n\n", 1)[0]
        return self.short_help or " ".join(first.split())

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        # typer writes a required argument as {TASK}, which reads like a set; the usage line says TASK.
        return [piece.strip("{}") for piece in super().collect_usage_pieces(ctx)]
