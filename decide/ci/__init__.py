"""CI: the gate over task files and the reports CI systems read. Light to import: the CLI names
the gate's choices from here at start-up."""

from __future__ import annotations

from enum import StrEnum


class FailOn(StrEnum):
    NOT_READY = "not-ready"
    CONDITIONAL = "conditional"
    NEVER = "never"


# The readiness values that fail each gate.
FAILING = {FailOn.NOT_READY: {"not-ready"}, FailOn.CONDITIONAL: {"not-ready", "conditional"}, FailOn.NEVER: set()}
