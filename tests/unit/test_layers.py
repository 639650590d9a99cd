"""Imports point down only (docs/architecture.md): pipelines > assets > checks > resources > twinforge."""

import ast

import pytest

from tests.conftest import REPO

# each layer and the top-level packages it must never import
FORBIDDEN = {
    "twinforge": {"pipelines", "assets", "checks", "resources", "dagster", "dagster_webserver"},
    "resources": {"pipelines", "assets", "checks"},
    "checks": {"pipelines", "assets"},
    "assets": {"pipelines"},
}


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    offending = {
        f"{path.relative_to(REPO)} imports {name}"
        for path in (REPO / layer).rglob("*.py")
        for name in _imports(path)
        if name in FORBIDDEN[layer]
    }
    assert not offending, sorted(offending)


def test_the_scan_sees_imports():
    # a guard on the guard: the scan finds what assets/ does import
    found = {name for path in (REPO / "assets").rglob("*.py") for name in _imports(path)}
    assert {"dagster", "twinforge", "resources", "checks"} <= found
