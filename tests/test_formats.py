"""Every report format has a renderer, a file extension and a batch suffix: nothing half-added."""

from __future__ import annotations

import importlib

from decide.batch import REPORT_SUFFIX
from decide.report import FORMAT_BY_SUFFIX, RENDERER_MODULES, ReportFormat


def test_every_format_is_complete() -> None:
    for fmt in ReportFormat:
        assert callable(importlib.import_module(RENDERER_MODULES[fmt]).render), fmt
        assert FORMAT_BY_SUFFIX[REPORT_SUFFIX[fmt]] is fmt
    assert set(RENDERER_MODULES) == set(ReportFormat) == set(REPORT_SUFFIX)
