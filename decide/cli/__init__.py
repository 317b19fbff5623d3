"""The command line. Commands are thin: they parse options and call the library.

Only typer is imported up front; each command imports what it needs when it runs, so that
``decide --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from decide import __version__
from decide.cli.ask import ask
from decide.cli.batch import batch
from decide.cli.certify import certify
from decide.cli.ci import ci
from decide.cli.completion import COMPLETE_VAR, completion, prepare_completion
from decide.cli.evaluate import evaluate
from decide.cli.explain import diff, explain
from decide.cli.help import DecideCommand
from decide.cli.import_ import import_
from decide.cli.rubrics import rubrics_app
from decide.cli.schema import schema
from decide.cli.validate import validate

HELP = """Decide whether work should be an AI assistant, an AI agent or a hybrid, and whether it is ready.

\b
Start here:
  decide evaluate examples/inventory-replenishment.yaml
  decide ask -o my-task.yaml
  decide COMMAND --help
"""

app = typer.Typer(
    name="decide",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


VERSION_LINE = f"decide {__version__}"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(VERSION_LINE)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Decide whether work should be an AI assistant, an AI agent or a hybrid, and whether it is ready."""


app.command("evaluate", cls=DecideCommand)(evaluate)
app.command("batch", cls=DecideCommand)(batch)
app.command("ask", cls=DecideCommand)(ask)
app.command("ci", cls=DecideCommand)(ci)
app.command("explain", cls=DecideCommand)(explain)
app.command("diff", cls=DecideCommand)(diff)
app.command("certify", cls=DecideCommand)(certify)
app.command("validate", cls=DecideCommand)(validate)
app.command("import", cls=DecideCommand)(import_)
app.command("schema", cls=DecideCommand)(schema)
app.add_typer(rubrics_app, name="rubrics")
app.command("completion", cls=DecideCommand)(completion)


def _terminate(signum: int, frame: object) -> None:
    from decide.errors import Terminated

    raise Terminated


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # answered before typer builds every command's parser
        print(VERSION_LINE)
        return
    if COMPLETE_VAR in os.environ:  # the shell asking for completions, through `decide completion`'s script
        prepare_completion()
    # SIGTERM (a CI runner cancelling a job) unwinds like Ctrl-C: temporary files go, no traceback.
    signal.signal(signal.SIGTERM, _terminate)
    app()
