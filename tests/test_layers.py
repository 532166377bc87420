"""The package's shape: floors that import only downwards, areas, no cycles, no stale paths.

Read statically (no module is imported), so a failure names the file and the
import. docs/ARCHITECTURE.md explains the floors and the areas.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nomask_app"
AREAS = {"accounts", "chat", "images", "billing", "privacy", "operations", "common"}
AREA_LAYERS = ("services", "states", "components", "pages")

# Lower numbers are lower floors: a module imports its own floor or lower ones.
FLOORS = {
    "config": 0,
    "models": 0,
    "logs": 0,
    "db": 1,
    "csp": 1,
    "integrations": 2,
    "services": 3,
    "middleware": 4,
    "startup": 4,
    "workers": 4,
    "api": 4,
    "cli": 4,
    "states": 4,
    "components": 5,
    "pages": 6,
    "nomask_app": 7,  # the Reflex app: pages, API and middleware together
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(*tops: str) -> dict[str, Path]:
    found = {}
    for top in tops:
        for path in (ROOT / top).rglob("*.py"):
            if not {".venv", ".web", "node_modules"} & set(path.parts):
                found[_module_name(path)] = path
    return found


APP_MODULES = _modules("nomask_app")
ALL_MODULES = {**APP_MODULES, **_modules("tests", "bench", "alembic", "scripts")}


def _imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) for every absolute import, at any depth (lazy ones too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _floor(module: str) -> int:
    parts = module.split(".")
    return FLOORS[parts[1] if len(parts) > 1 else parts[0]]


def _app_edges() -> dict[str, set[str]]:
    """Module -> the app modules it imports (a `from package import module` counts)."""
    edges: dict[str, set[str]] = {}
    for module, path in APP_MODULES.items():
        targets = edges.setdefault(module, set())
        for _, imported, names in _imports(path):
            if imported.split(".")[0] != "nomask_app":
                continue
            submodules = {f"{imported}.{n}" for n in names} & APP_MODULES.keys()
            targets.update(submodules or {imported})
    return edges


def test_every_import_of_the_project_resolves_to_a_module_that_exists():
    # Old paths (say `nomask_app.services.chat_loaders` or `nomask_app.web`) fail
    # here: nothing may import through a moved module's former name.
    stale = []
    for module, path in ALL_MODULES.items():
        for line, imported, names in _imports(path):
            if imported.split(".")[0] not in {"nomask_app", "tests", "bench"}:
                continue
            target = ALL_MODULES.get(imported)
            if target is None:
                stale.append(f"{module}:{line} imports missing module {imported}")
                continue
            defined = _top_level_names(target)
            for name in names:
                if f"{imported}.{name}" not in ALL_MODULES and name not in defined:
                    stale.append(f"{module}:{line} imports {imported}.{name}, which does not exist")
    assert stale == []


def test_every_module_sits_on_a_known_floor():
    unknown = [m for m in APP_MODULES if m.count(".") and m.split(".")[1] not in FLOORS]
    assert unknown == []


def test_no_module_imports_a_higher_floor():
    upwards = [
        f"{module} (floor {_floor(module)}) imports {target} (floor {_floor(target)})"
        for module, targets in _app_edges().items()
        for target in targets
        if target != "nomask_app" and _floor(target) > _floor(module)
    ]
    assert upwards == []


def test_no_modules_import_each_other_in_a_circle():
    edges = _app_edges()
    # A package's __init__ is not part of a cycle through its own children.
    for module, targets in edges.items():
        targets.discard("nomask_app")
        targets.difference_update(t for t in list(targets) if module.startswith(f"{t}."))
    cycles, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("layer", AREA_LAYERS)
def test_each_layer_is_grouped_by_the_same_product_areas(layer):
    folder = PACKAGE / layer
    loose = sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")
    areas = {p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert loose == []
    assert areas <= AREAS
    assert {"accounts", "chat", "images", "privacy"} <= areas


def test_models_have_one_module_per_area():
    modules = {p.stem for p in (PACKAGE / "models").glob("*.py")} - {"__init__"}
    assert modules == AREAS


def test_the_api_has_one_module_per_area():
    modules = {p.stem for p in (PACKAGE / "api").glob("*.py")} - {"__init__"}
    assert modules == AREAS
    assert not list(PACKAGE.glob("api_*.py"))
