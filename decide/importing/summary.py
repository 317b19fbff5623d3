"""What an import did, in a few lines: how many drafts, what they leave out, and what to run next."""

from __future__ import annotations

from pathlib import Path

from decide.errors import shown
from decide.importing import ImportResult
from decide.importing.mapping import Mapping
from decide.report import counted


def import_summary(result: ImportResult, source: str, out_dir: Path, mapping: Mapping) -> str:
    drafts = len(result.written)
    lines = [f"{counted(drafts, 'draft')} of {counted(result.rows, 'use case')} from {shown(source)} "
             f"({mapping.title}) written to {shown(str(out_dir))}"]  # fmt: skip
    if result.blank:
        lines.append(f"{counted(result.blank, 'blank row')} skipped")
    if result.fallbacks:
        taken = ", ".join(f"{how} ({count})" for how, count in sorted(result.fallbacks.items()))
        lines.append(f"Taken from another column where the first is blank: {taken}")
    if drafts:
        every = [field for field in mapping.fields if result.left_out[field] == drafts]
        some = [f"{f} ({result.left_out[f]})" for f in mapping.fields if 0 < result.left_out[f] < drafts]
        if every:
            lines.append(f"Left out of every draft (the inventory does not say): {', '.join(every)}")
        if some:
            lines.append(f"Left out of some drafts (how many): {', '.join(some)}")
        lines.append(f"Each left-out field takes its most cautious reading. Next: decide batch {shown(str(out_dir))} "
                     "--out-dir REPORTS")  # fmt: skip
    return "\n".join(lines) + "\n"
