"""No module of `harness` imports another in a circle (issue 23), and the kind plug-ins sit below the flow.

The graph is read from the source with `ast`, so it sees every import whether it runs or not:

- imports inside functions count: a function-level import only postpones a circle to the first call,
  and moving an import into a function must not be a way around this test;
- imports under `if TYPE_CHECKING:` count too. They never run, but they are still a dependency of the
  module on another (a type checker follows them, and the first `isinstance` or default value that
  needs the name turns them into a runtime import), and a layering that needs them to hide a circle is
  the circle this test is about;
- a relative import is resolved against the importing module's package; `from pkg import name` is an
  import of the submodule `pkg.name` when there is one, otherwise of `pkg` itself;
- importing `a.b.c` imports the packages `a` and `a.b` too (their `__init__` runs first), except the
  importing module's own parent packages: Python has imported those before the module's first line, so
  `from harness.bdt.convert import ...` inside `harness.bdt.train` adds no edge back to `harness.bdt`.
  An explicit `from harness.bdt import NAME` of something that is not a submodule is an edge to the
  package, since it needs the package's `__init__` to have finished.

Not seen: imports by name at run time (`importlib.import_module`); `test_no_module_imports_by_name`
keeps the package free of them, so that this graph is the whole graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "harness"
#: The kind-specific halves of the flow: the flow reaches them through `harness.kinds`, never back.
PLUGINS = ("harness.nn", "harness.bdt")


def modules(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> source file, for every module and package under `root / package`."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(module: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    """(module imported, line) for every import statement in the file, wherever it stands."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    imported = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            imported += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                imported.append((submodule if submodule in known else base, node.lineno))
    return imported


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module an imported dotted name lands in: its longest prefix that is a module of the package."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, dict[str, int]]:
    """module -> {module it imports: line of the first such import}, within the package."""
    known = modules(root, package)
    graph: dict[str, dict[str, int]] = {m: {} for m in known}
    for module, path in known.items():
        parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        for name, line in _imported(module, path, known):
            if name != package and not name.startswith(package + "."):
                continue
            target = _resolve(name, known)
            if target is None:
                continue
            pieces = target.split(".")
            implied = {".".join(pieces[:i]) for i in range(1, len(pieces))} - parents
            for t in [target, *sorted(implied)]:
                if t != module and t in known:
                    graph[module][t] = min(line, graph[module].get(t, line))
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, {})))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
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
    return sorted(found)


def describe(
    graph: dict[str, dict[str, int]], components: list[list[str]], root: Path = ROOT, package: str = PACKAGE
) -> str:
    """Each circle with the imports inside it, as `file:line` so each can be found and cut."""
    known = modules(root, package)
    lines = []
    for component in components:
        lines.append(f"circle of {len(component)} modules: {', '.join(component)}")
        for a in component:
            for b, line in sorted(graph[a].items()):
                if b in component:
                    lines.append(f"  {a} -> {b}  ({known[a].relative_to(root)}:{line})")
    return "\n".join(lines)


def test_no_module_imports_another_in_a_circle():
    graph = import_graph()
    components = cycles(graph)
    assert not components, "import circles in harness/:\n" + describe(graph, components)


def test_the_kind_plugins_do_not_reach_the_flow():
    """`harness.nn` and `harness.bdt` build on the stage contract (`harness.stages`); the flow and the
    kind registry (`harness.kinds`) are above them, also through any chain of imports."""
    graph = import_graph()
    for plugin in [m for m in graph if any(m == p or m.startswith(p + ".") for p in PLUGINS)]:
        reached, todo = set(), [plugin]
        while todo:
            for target in graph[todo.pop()]:
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        above = reached & {"harness.flow", "harness.kinds"}
        assert not above, f"{plugin} imports {', '.join(sorted(above))} (directly or through others)"


def test_the_graph_sees_function_level_type_checking_and_relative_imports(tmp_path):
    """The reader itself, on a made-up package: each kind of import is an edge, and a circle is found."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.sub import leaf\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "leaf.py").write_text("def f():\n    from pkg import top\n")
    (pkg / "top.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub import leaf\nimport os\n"
    )
    (pkg / "sub" / "other.py").write_text("from . import leaf\nfrom .. import VALUE\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.sub.leaf"] == {"pkg.top": 2}  # inside a function; `top` is a submodule
    assert graph["pkg.top"] == {"pkg.sub.leaf": 3, "pkg.sub": 3}  # TYPE_CHECKING, relative, parent
    # a sibling in its own package: no edge to the parents; a name from the package: an edge to it
    assert graph["pkg.sub.other"] == {"pkg.sub.leaf": 1, "pkg": 2}
    assert graph["pkg"] == {"pkg.sub.leaf": 1, "pkg.sub": 1}
    assert cycles(graph) == [["pkg.sub.leaf", "pkg.top"]]
    assert "pkg.top -> pkg.sub.leaf  (pkg/top.py:3)" in describe(graph, cycles(graph), tmp_path, "pkg")


def test_the_real_graph_holds_the_imports_the_test_relies_on():
    """Guards against a reader that silently sees nothing: known edges of each kind are present."""
    graph = import_graph()
    assert "harness.synth" in graph["harness.flow"]  # top level
    assert "harness.toolchain" in graph["harness.sweep.runner"]  # inside a function
    assert "harness.data" in graph["harness.cache"]  # under TYPE_CHECKING
    assert "harness.nn.convert" in graph["harness.nn"]  # a package importing its submodules


def test_no_module_imports_by_name():
    """No module imports another by a name built at run time (`importlib.import_module`,
    `__import__`): a registry holds the modules themselves, so the import graph above sees them."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in modules().values()
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) in ("importlib.import_module", "import_module", "__import__")
    ]
    assert not found, found
