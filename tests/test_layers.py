"""The folders of src/kgbuild are the pipeline's layers, and imports only run down the order:
a module may import its own layer and earlier ones, never a later stage or a consumer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "kgbuild"
# each entry a layer; names in one entry share it (the consumers do not import each other's
# layer order, only what came before them)
ORDER = (
    ("model",),
    ("runtime",),
    ("read",),
    ("mapping",),
    ("derive",),
    ("validate",),
    ("queries",),
    ("emit",),
    ("build",),
    ("serve", "load", "bench"),
    ("cli",),
)
RANK = {name: i for i, names in enumerate(ORDER) for name in names}


def layer_of(path: Path, src: Path) -> str:
    """The layer of a module file: its first folder under src/kgbuild, or its own name."""
    return path.relative_to(src).with_suffix("").parts[0]


def imported_layers(path: Path, src: Path) -> list[tuple[int, str]]:
    """(line, layer) of every kgbuild module that a file imports, relative imports resolved."""
    parts = path.relative_to(src).with_suffix("").parts
    package = ["kgbuild", *parts[:-1]]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = package[: len(package) - node.level + 1] + (
                    node.module.split(".") if node.module else []
                )
            else:
                target = (node.module or "").split(".")
            names = [target[1]] if len(target) > 1 else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            target, names = (
                ["kgbuild"],
                [a.name.split(".")[1] for a in node.names if a.name.startswith("kgbuild.")],
            )
        else:
            continue
        if target[0] == "kgbuild":
            found += [(node.lineno, name) for name in names if name in RANK]
    return found


def backward_imports(src: Path) -> list[str]:
    """`file:line: layer imports later-layer` for every import against the order."""
    problems = []
    for path in sorted(src.rglob("*.py")):
        if path.parent == src and path.name == "__init__.py":
            continue
        mine = layer_of(path, src)
        for line, theirs in imported_layers(path, src):
            if RANK[theirs] > RANK[mine]:
                problems.append(f"{path.relative_to(src.parent)}:{line}: {mine} imports {theirs}")
    return problems


def test_every_module_belongs_to_a_layer():
    tops = {layer_of(p, SRC) for p in SRC.rglob("*.py")} - {"__init__"}
    assert tops - set(RANK) == set(), "add new top-level modules or folders to ORDER"


def test_no_module_imports_a_later_layer():
    assert backward_imports(SRC) == []


@pytest.mark.parametrize(
    ("text", "layer"),
    [
        ("from ..serve.endpoint import Endpoint", "serve"),
        ("from .. import build", "build"),
        ("import kgbuild.cli", "cli"),
    ],
)
def test_a_backward_import_is_found_with_its_line(tmp_path, text, layer):
    src = tmp_path / "kgbuild"
    for name in (
        "emit/__init__.py",
        "emit/site.py",
        "serve/__init__.py",
        "serve/endpoint.py",
        "build.py",
        "cli.py",
    ):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text("")
    (src / "emit" / "site.py").write_text(f"from ..model import terms\n\n{text}\n")
    assert backward_imports(src) == [f"kgbuild/emit/site.py:3: emit imports {layer}"]


PROCESS_POLICY = {("os", "_exit"), ("os", "register_at_fork"), ("gc", "disable"), ("gc", "freeze")}


def process_policy(src: Path) -> list[str]:
    """`file:line: module.name` of every use of what decides how a process collects or ends,
    outside the command (cli.py), which owns the process (decision 0024)."""
    found = []
    for path in sorted(src.rglob("*.py")):
        if path == src / "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in PROCESS_POLICY
            ):
                where = path.relative_to(src.parent)
                found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_only_the_command_decides_how_a_process_collects_or_ends():
    assert process_policy(SRC) == []


def test_a_process_policy_outside_the_command_is_found_with_its_line(tmp_path):
    (tmp_path / "serve").mkdir()
    (tmp_path / "serve" / "worker.py").write_text("import os\n\n\ndef end():\n    os._exit(0)\n")
    (tmp_path / "cli.py").write_text("import gc\ngc.freeze()\n")
    assert process_policy(tmp_path) == [f"{tmp_path.name}/serve/worker.py:5: os._exit"]
