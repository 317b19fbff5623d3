"""Shell completion: `decide completion SHELL` prints a script; loaded in a real bash, Tab completes
commands, options and choices through the installed `decide`. zsh and fish (not on every machine)
are driven through the same environment protocol their scripts use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DECIDE = Path(sys.executable).with_name("decide")  # the console script pip installed


def _env(**extra: str) -> dict[str, str]:
    path = f"{DECIDE.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**{k: v for k, v in os.environ.items() if not k.startswith("_DECIDE")}, "PATH": path, **extra}


def _script(shell: str) -> str:
    result = subprocess.run([str(DECIDE), "completion", shell], capture_output=True, text=True, env=_env(),
                            cwd=ROOT, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _bash_complete(*words: str) -> list[str]:
    """What bash offers for the last word, with the script sourced as a user's start-up file would."""
    quoted = " ".join(f"'{word}'" for word in words)
    program = (f'eval "$(decide completion bash)"\nCOMP_WORDS=({quoted})\nCOMP_CWORD={len(words) - 1}\n'
               f'_decide_completion decide\nprintf "%s\\n" "${{COMPREPLY[@]}}"\n')  # fmt: skip
    bash = shutil.which("bash")
    assert bash, "bash is needed to test bash completion"
    result = subprocess.run([bash, "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                            env=_env(), cwd=ROOT, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completes_commands() -> None:
    assert _bash_complete("decide", "ev") == ["evaluate"]
    assert _bash_complete("decide", "c") == ["ci", "certify", "completion"]
    assert _bash_complete("decide", "rubrics", "") == ["list", "show", "validate", "controls"]


def test_bash_completes_options_and_their_choices() -> None:
    assert _bash_complete("decide", "evaluate", "--fr") == ["--framework"]
    assert _bash_complete("decide", "evaluate", "task.yaml", "-f", "") == ["text", "markdown", "json", "html"]
    assert _bash_complete("decide", "explain", "task.yaml", "--w") == ["--what-if"]
    assert _bash_complete("decide", "completion", "") == ["bash", "zsh", "fish"]


def _protocol(shell: str, args: str, **extra: str) -> str:
    result = subprocess.run([str(DECIDE)], capture_output=True, text=True, cwd=ROOT, check=False,
                            env=_env(_DECIDE_COMPLETE=f"complete_{shell}", _TYPER_COMPLETE_ARGS=args, **extra))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_zsh_script_and_answers() -> None:
    script = _script("zsh")
    assert script.startswith("#compdef decide\n") and "_DECIDE_COMPLETE=complete_zsh decide" in script
    answer = _protocol("zsh", "decide ev")
    assert '"evaluate":"Evaluate one task' in answer
    assert '"--framework"' in _protocol("zsh", "decide evaluate --fr")


def test_fish_script_and_answers() -> None:
    script = _script("fish")
    assert script.startswith("complete --command decide") and "_DECIDE_COMPLETE=complete_fish" in script
    answer = _protocol("fish", "decide evaluate --fr", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert answer.splitlines()[0].split("\t")[0] == "--framework"
    commands = _protocol("fish", "decide ", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert {"evaluate", "batch", "completion", "rubrics"} <= {line.split("\t")[0] for line in commands.splitlines()}


def _shell(name: str) -> str:
    binary = shutil.which(name)
    if binary is None:
        pytest.skip(f"{name} is not installed here; its answers are checked through the protocol above")
    return binary


def _run(shell: str, program: str) -> list[str]:
    result = subprocess.run([_shell(shell), "-c", program], capture_output=True, text=True, env=_env(), cwd=ROOT,
                            timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_fish_completes_through_its_own_completion_engine() -> None:
    # `complete -C` asks fish what it would offer on Tab, with the script loaded as a user would.
    offered = _run(
        "fish", 'decide completion fish | source; complete -C "decide ev"; complete -C "decide evaluate --fr"'
    )
    assert [line.split("\t")[0] for line in offered] == ["evaluate", "--framework"]
    assert sorted(_run("fish", 'decide completion fish | source; complete -C "decide evaluate t.yaml -f "')) == [
        "html", "json", "markdown", "text"]  # fmt: skip


def test_zsh_loads_the_script_and_hands_its_answers_to_arguments() -> None:
    # Completion widgets need a terminal; the script's function is called as the widget would call it,
    # with zsh's _arguments replaced by one that prints what it was given.
    program = ('autoload -U compinit && compinit -u && eval "$(decide completion zsh)" && '
               '_arguments() { print -r -- "$@" }; words=(decide ev); CURRENT=2; _decide_completion; '
               'words=(decide evaluate t.yaml -f ""); CURRENT=5; _decide_completion')  # fmt: skip
    offered = _run("zsh", program)
    assert offered[0].startswith('*: :(("evaluate":"Evaluate one task')
    assert offered[1] == '*: :(("text" "markdown" "json" "html"))'


def test_an_unknown_shell_is_refused() -> None:
    result = subprocess.run([str(DECIDE), "completion", "tcsh"], capture_output=True, text=True, env=_env(),
                            check=False)  # fmt: skip
    assert result.returncode == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr
    assert "Traceback" not in result.stderr
