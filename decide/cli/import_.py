"""`decide import`: an existing AI use-case inventory → one draft task file per use case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decide.cli.errors import reported_errors
from decide.cli.io import emit
from decide.cli.options import RubricsOption


def import_(
    inventory_format: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="The inventory's format: a bundled mapping (omb-inventory) or a mapping file of your own.",
        ),
    ],
    inventory: Annotated[Path, typer.Argument(metavar="CSV", help="The inventory, a CSV file with a header row.")],
    out_dir: Annotated[
        Path, typer.Option("--out-dir", metavar="DIR", help="Write the drafts here, one <id>.yaml per use case.")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace task files that already exist.")] = False,
    rubrics: RubricsOption = None,
) -> None:
    """Import an inventory CSV: one draft task file per use case.

    Each answer in a draft is commented with the column it came from.

    What the inventory does not say is left out, so each report reads it at its most cautious.
    A row that cannot be imported is reported with its line, and the others are imported.

    \b
    Examples:
      decide import omb-inventory inventory.csv --out-dir tasks/
      decide import my-mapping.yaml inventory.csv --out-dir tasks/ --force
    """
    from decide.errors import DecideError, Problem
    from decide.importing import import_inventory
    from decide.importing.mapping import load_mapping
    from decide.importing.summary import import_summary
    from decide.loading.rubrics import load_rubrics
    from decide.loading.task import TaskLoader

    with reported_errors():
        rubric_set = load_rubrics(rubrics)
        mapping = load_mapping(inventory_format, rubric_set)
        result = import_inventory(inventory, out_dir, mapping, TaskLoader(rubric_set), force=force)
        name = str(inventory)
        said = [*result.noticed, *((line, f"not imported: {reason}") for line, reason in result.refused)]
        for line, message in sorted(said, key=lambda noticed: noticed[0]):  # in the file's order; stable
            typer.echo(str(Problem(name, line, 1, message)), err=True)
        emit(import_summary(result, name, out_dir, mapping), None)
        if result.refused:
            total = f"{len(result.refused)} of {result.rows} use cases not imported"
            raise DecideError(Problem("decide", message=total))
