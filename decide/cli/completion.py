"""`decide completion SHELL`: the script that lets bash, zsh or fish complete decide's commands and options."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

COMPLETE_VAR = "_DECIDE_COMPLETE"  # set by the script when the shell asks decide for completions


class Shell(StrEnum):
    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


def prepare_completion() -> None:
    """Answer the shell in the form the script asks for (typer's completion classes, registered on demand so
    that a run that is not completing never pays for them)."""
    from typer._completion_classes import completion_init  # typer's own: what --install-completion uses

    completion_init()


def completion(shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")]) -> None:
    """Print the completion script for bash, zsh or fish.

    Load it from your shell's start-up file, and Tab completes commands, options and values.

    \b
    Examples:
      decide completion bash >> ~/.bashrc
      decide completion zsh >> ~/.zshrc      (after the line that runs compinit)
      decide completion fish > ~/.config/fish/completions/decide.fish
      eval "$(decide completion bash)"       (this shell only)
    """
    from typer._completion_shared import get_completion_script

    typer.echo(get_completion_script(prog_name="decide", complete_var=COMPLETE_VAR, shell=shell.value))
