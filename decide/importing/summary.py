"""What an import did, in a few lines: how many drafts, what they leave out, and what to run next."""

from __future__ import annotations

from pathlib import Path

from decide.errors import shown
from decide.importing import ImportResult
from decide.importing.mapping import Mapping
from decide.model import RUBRICS
from decide.report import counted


def import_summary(result: ImportResult, source: str, out_dir: Path, mapping: Mapping) -> str:
    drafts = len(result.written)
    lines = [f"{drafts} of {counted(result.rows, 'use case')} imported from {shown(source)} ({mapping.title}), "
             f"a draft task file each in {shown(str(out_dir))}"]  # fmt: skip
    if result.blank:
        lines.append(f"{counted(result.blank, 'blank row')} skipped")
    if result.fallbacks:
        taken = ", ".join(f"{how} ({count})" for how, count in sorted(result.fallbacks.items()))
        lines.append(f"Taken from another column where the first is blank: {taken}")
    if drafts:
        every = [field for field in mapping.fields if result.left_out[field] == drafts]
        if every:
            lines.append("Left out of every draft (the inventory does not say):")
            for section in RUBRICS:
                names = [field.split(".", 1)[1] for field in every if field.split(".", 1)[0] == section]
                if names:
                    lines.append(f"  {section}: {', '.join(names)}")
        some = [f"{f} ({drafts - result.left_out[f]})" for f in mapping.fields if result.left_out[f] < drafts]
        if some:
            lines.append(f"Answered by the inventory (in how many drafts): {', '.join(some)}")
        lines.append(f"A field left out takes its most cautious reading. Next: decide batch {shown(str(out_dir))} "
                     "--out-dir REPORTS")  # fmt: skip
    return "\n".join(lines) + "\n"
