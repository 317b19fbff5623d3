"""The command line. Commands are thin: they parse options and call the library.

Only typer is imported up front; each command imports what it needs when it runs, so that
``decide --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from decide import __version__
from decide.cli.ask import ask
from decide.cli.batch import batch
from decide.cli.certify import certify
from decide.cli.ci import ci
from decide.cli.evaluate import evaluate
from decide.cli.explain import diff, explain
from decide.cli.import_ import import_
from decide.cli.rubrics import rubrics_app
from decide.cli.schema import schema
from decide.cli.validate import validate

app = typer.Typer(
    name="decide",
    help="Decide whether work should be an AI assistant, an AI agent or a hybrid, and whether it is ready.",
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


app.command("evaluate")(evaluate)
app.command("batch")(batch)
app.command("ask")(ask)
app.command("ci")(ci)
app.command("explain")(explain)
app.command("diff")(diff)
app.command("certify")(certify)
app.command("validate")(validate)
app.command("import")(import_)
app.command("schema")(schema)
app.add_typer(rubrics_app, name="rubrics")


def _terminate(signum: int, frame: object) -> None:
    from decide.errors import Terminated

    raise Terminated


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # answered before typer builds every command's parser
        print(VERSION_LINE)
        return
    # SIGTERM (a CI runner cancelling a job) unwinds like Ctrl-C: temporary files go, no traceback.
    signal.signal(signal.SIGTERM, _terminate)
    app()
