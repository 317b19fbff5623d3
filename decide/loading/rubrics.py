"""Find a rubric set, follow its ``extends``, read and validate its files, and compile it.

A set is a folder of YAML files, one per part of the policy (``SET_FILES``); one that ``extends``
another takes every file it does not have from that set. Each file is checked against the JSON
Schema (``decide schema rubric``), then the set as a whole for coherence (``rubric_compile``);
both report every problem as ``FILE:LINE:COL: message``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

from decide.errors import DecideError, Problem
from decide.loading.marked import MarkedDict
from decide.loading.rubric_compile import compile_rubrics
from decide.loading.schemas import packaged_schema
from decide.loading.validator import SchemaValidator
from decide.loading.yaml_source import read_yaml_file
from decide.model import RUBRICS, RubricSet

SET_FILES = ("rubric-set", *RUBRICS, "decision", "controls", "pilot", "rollback", "catalogue")
DEFAULT_SET = "default"
MAX_EXTENDS = 8


def bundled_rubrics_root() -> Path:
    """Where the bundled rubric sets live: inside the installed package, or the source tree."""
    installed = Path(str(resources.files("decide"))) / "rubrics"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "rubrics"


def bundled_sets() -> dict[str, Path]:
    """Bundled rubric sets by name. The default set is the root folder itself."""
    root = bundled_rubrics_root()
    sets = {DEFAULT_SET: root}
    for child in sorted(root.iterdir()):
        if (child / "rubric-set.yaml").is_file():
            sets[child.name] = child
    return sets


def resolve_rubrics(name_or_dir: str | None) -> Path:
    """``None`` or a bundled set's name → its folder; anything else is a folder path."""
    choice = name_or_dir or DEFAULT_SET
    sets = bundled_sets()
    if choice in sets:
        return sets[choice]
    folder = Path(choice)
    if not folder.is_dir():
        known = ", ".join(sets)
        raise DecideError.at(choice, f"no such rubric folder, and not a bundled rubric set ({known})")
    return folder


def _set_files(folder: Path, shown: Path, chain: tuple[Path, ...] = ()) -> dict[str, tuple[Path, str]]:
    """Each file of the set (its path, and its name in messages), following ``extends``: a file
    the folder does not have comes from the set it extends."""
    identity_path = folder / "rubric-set.yaml"
    identity, _ = read_yaml_file(identity_path, str(shown / "rubric-set.yaml"))
    files = {stem: (folder / f"{stem}.yaml", str(shown / f"{stem}.yaml")) for stem in SET_FILES}
    parent_name = identity.get("extends") if isinstance(identity, MarkedDict) else None
    if not isinstance(parent_name, str):
        return files
    where = (str(shown / "rubric-set.yaml"), *identity.value_marks["extends"])
    if len(chain) >= MAX_EXTENDS:
        raise DecideError.at(where[0], f"extends: more than {MAX_EXTENDS} sets deep", *where[1:])
    parent = bundled_sets().get(parent_name) or (folder / parent_name)
    if not (parent / "rubric-set.yaml").is_file():
        raise DecideError.at(where[0], f"extends: {parent_name!r} is neither a bundled set nor a rubric folder",
                             *where[1:])  # fmt: skip
    if parent.resolve() in chain or parent.resolve() == folder.resolve():
        raise DecideError.at(where[0], f"extends: {parent_name!r} leads back to this set", *where[1:])
    inherited = _set_files(parent, parent if parent_name in bundled_sets() else shown / parent_name,
                           (*chain, folder.resolve()))  # fmt: skip
    return {stem: files[stem] if stem == "rubric-set" or files[stem][0].is_file() else inherited[stem]
            for stem in SET_FILES}  # fmt: skip


@cache
def _file_validator(stem: str) -> SchemaValidator:
    """The rubric schema's check of one file of a set."""
    return SchemaValidator(packaged_schema("rubric"), part=stem)


def load_rubrics(name_or_dir: str | None = None) -> RubricSet:
    """Read, validate and compile a rubric set; raise :class:`DecideError` listing every problem."""
    folder = resolve_rubrics(name_or_dir)
    shown = Path(name_or_dir) if name_or_dir and Path(name_or_dir).is_dir() else folder
    files = _set_files(folder, shown)
    documents: dict[str, MarkedDict] = {}
    digests: list[str] = []
    problems: list[Problem] = []
    for stem, (path, name) in files.items():
        document, data = read_yaml_file(path, name)
        digests.append(f"{stem}.yaml {hashlib.sha256(data).hexdigest()}\n")
        found = _file_validator(stem).problems(document, name)
        if found:
            problems.extend(found)
        else:
            documents[stem] = document
    if problems:
        raise DecideError(problems)
    sha256 = hashlib.sha256("".join(digests).encode()).hexdigest()
    return compile_rubrics(documents, {stem: name for stem, (_, name) in files.items()}, sha256)
