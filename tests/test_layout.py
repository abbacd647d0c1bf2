"""The package's layout: stages import only stages above them, no cycles, cheap import.

Imports are read from the source (``ast``), function-level ones included, so a lazy
import that closes a cycle is caught too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

GEO = Path(__file__).resolve().parents[1] / "geo"

# Each layer may import itself and the layers before it, never one after it.
LAYERS = [
    {"geo.model", "geo.errors", "geo.limits", "geo.geodesy", "geo.files"},
    {"geo.text"},
    {"geo.places", "geo.ingest"},
    {"geo.happenings", "geo.review"},
    {"geo.events", "geo.store", "geo.export", "geo.render"},
    {"geo.pipeline", "geo.evaluate", "geo.cluster"},
    {"geo.webapp"},
    {"geo.cli"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(GEO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(GEO.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Return the modules a file imports (``from a import b``: ``a.b`` if a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            # "from geo.cli import events" imports the module events, not the package's
            # own code; "from geo.store import open_store" imports the package.
            out.update(submodules or {node.module})
    return out


def geo_imports(name: str) -> set[str]:
    # "geo" itself re-exports lazily, by name: importing it loads no stage.
    return {m for m in imports(MODULES[name]) if m in MODULES and m not in (name, "geo")}


def layer_of(name: str) -> int:
    for index, layer in enumerate(LAYERS):
        if any(name == top or name.startswith(top + ".") for top in layer):
            return index
    raise AssertionError(f"{name} is in no layer of tests/test_layout.py")


# geo/__init__.py re-exports the public API lazily (by name, not by import).
STAGE_MODULES = sorted(set(MODULES) - {"geo", "geo.__main__"})


@pytest.mark.parametrize("name", STAGE_MODULES)
def test_a_stage_imports_only_stages_above_it(name):
    mine = layer_of(name)
    later = {m for m in geo_imports(name) if layer_of(m) > mine}
    assert not later, f"{name} imports {sorted(later)}, which come after it"


def test_no_import_cycles():
    graph = {name: geo_imports(name) for name in STAGE_MODULES}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name):] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for child in sorted(graph.get(name, ())):
            visit(child, [*path, name])
        done.add(name)

    for name in graph:
        visit(name, [])


def test_package_code_imports_no_harness():
    for name, path in MODULES.items():
        found = imports(path)
        assert not {m for m in found if m.split(".")[0] in ("tests", "benchmarks")}, name
        if not name.startswith("geo.cli"):
            assert "geo.evaluate" not in found, f"{name} imports the evaluation harness"


@pytest.mark.parametrize("name", STAGE_MODULES)
def test_only_the_webapp_imports_streamlit(name):
    streamlit = {m for m in imports(MODULES[name]) if m.split(".")[0] in
                 ("streamlit", "streamlit_folium")}
    assert not streamlit or name.startswith("geo.webapp"), f"{name} imports {streamlit}"


def test_importing_geo_is_cheap():
    code = ("import sys, geo; heavy = ('geo.places', 'geo.events', 'geo.store', 'streamlit', "
            "'folium', 'pandas', 'geopandas', 'trafilatura', 'dateparser', 'geopy'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or "
            "m in heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_public_api_resolves():
    import geo

    for name in geo.__all__:
        assert getattr(geo, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        geo.nope  # noqa: B018
