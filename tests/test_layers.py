"""The package imports one way: a module may import its own layer and the ones below, never one above,
and no two modules import each other, however indirectly.

Every import counts, the ones inside functions too: an import moved into a function to break a cycle
still makes the two modules depend on each other. (An import inside a function that only puts off
loading a heavy library, matplotlib or uvicorn, is fine: it is no cycle and no upward import.)

The layers, lowest first, each a package of `indexer` unless named otherwise:

1. base: the package itself and `errors`, `paths`, `userfiles`, `atomic`, `structs`, which every layer uses
2. `chain`: compiling, deploying and calling the contracts
3. `settle`: closing epochs and claiming, over the chain
4. `sim`: a simulated network driving the chain through settlement
5. `db`: the schema (its event tables come from the compiled contracts in `chain`), engines, migrations
6. `ingest`: the indexer, which reads the chain and writes the schema
7. `reports`: what is read back out of the database
8. `bench`: the gas benchmark, which deploys and settles
9. `app`: what the command line and the HTTP API both do, over all of the above
10. `api`: the HTTP API
11. `cli`: the command line, which also serves the API

Data flows chain → settle → ingest → db → reports, but imports do not follow it: the indexer imports the
schema it writes, so `db` is below `ingest`. `sim` and `db` do not import each other; the order between
them is a choice. Within `cli`, no command module (`*_cmd`) imports another: what two commands share is
in `indexer.app` or in the command line's own helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import indexer

PACKAGE = Path(indexer.__file__).resolve().parent
BASE = ("errors", "paths", "userfiles", "atomic", "structs")
LAYERS = ("chain", "settle", "sim", "db", "ingest", "reports", "bench", "app", "api", "cli")


def module_name(path: Path) -> str:
    parts = ("indexer", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    """0 for the base, else 1 + the place of the module's top package in LAYERS."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE:
        return 0
    assert parts[1] in LAYERS, f"{module}: indexer.{parts[1]} is in no layer; add it to LAYERS in {Path(__file__).name}"
    return 1 + LAYERS.index(parts[1])


def imports(module: str) -> set[str]:
    """The modules of `indexer` that `module` imports anywhere in its body."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` imports the module; `from module import name`, the module.
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)
    return {name for name in found if name in MODULES and name != module}


GRAPH: dict[str, set[str]] = {module: imports(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_every_import_is_seen_including_those_inside_functions() -> None:
    assert len(MODULES) > 50
    assert "indexer.reports.charts" in GRAPH["indexer.reports.render"]  # imported inside `body`
    assert "indexer.api.app" in GRAPH["indexer.cli.serve_cmd"]  # imported inside `serve`
    assert "indexer.errors" in GRAPH["indexer.chain.rpc"]


def test_no_module_imports_a_higher_layer() -> None:
    upward = [f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
              for module, targets in sorted(GRAPH.items()) for target in sorted(targets) if layer(target) > layer(module)]
    assert not upward, "\n".join(upward)


def test_no_import_cycles() -> None:
    found = cycles(GRAPH)
    assert not found, "\n".join(" <-> ".join(component) for component in found)


def test_commands_do_not_import_each_other() -> None:
    commands = {m for m in MODULES if m.startswith("indexer.cli.") and m.endswith("_cmd")}
    crossing = [f"{m} imports {t}" for m in sorted(commands) for t in sorted(GRAPH[m] & commands)]
    assert not crossing, "\n".join(crossing)


def test_the_checks_catch_what_they_are_for() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert layer("indexer.db.engine") < layer("indexer.reports.queries") < layer("indexer.cli.main")
    assert layer("indexer.errors") == layer("indexer") == 0
