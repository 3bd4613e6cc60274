"""The layers hold: lower modules never import higher ones, and no module imports itself through others.

Read from the source with ``ast`` (imports inside functions count too), so a
circle or a reach upwards fails here before it surprises anyone at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = "partner_directory"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute names, ``from a import b`` counted as ``a.b`` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return found


def graph(folder: str) -> dict[str, set[str]]:
    """Module → the project's modules it imports (within ``partner_directory`` and ``dashboard``)."""
    paths = {module_name(p): p for top in (PACKAGE, "dashboard") for p in (ROOT / top).rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in paths.items():
        if not name.startswith(folder):
            continue
        edges[name] = {target for target in imported_modules(path) if target in paths and target != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_packages_imports():
    """The reader itself: it must find imports, or every rule below would pass on nothing."""
    edges = graph(PACKAGE)
    assert len(edges) > 40
    assert f"{PACKAGE}.i18n" in {target for targets in edges.values() for target in targets}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("folder", [PACKAGE, "dashboard"])
def test_no_import_circles(folder):
    assert cycles(graph(folder)) == []


def test_the_domain_never_imports_streamlit_or_the_dashboard():
    for path in (ROOT / PACKAGE).rglob("*.py"):
        imports = imported_modules(path)
        assert not any(
            name.split(".")[0] in {"streamlit", "dashboard", "pages", "streamlit_folium"} for name in imports
        ), path


SUBPACKAGES = ("storage", "sheet", "geo", "search", "maps", "mail", "publication", "access", "visits", "cli")


def _under(*names: str) -> tuple[str, ...]:
    return tuple(f"{PACKAGE}.{name}" for name in names)


# (importer, what it must never import); the foundation first, then each layer upwards.
NEVER = [
    (f"{PACKAGE}.text", (f"{PACKAGE}.",)),
    (f"{PACKAGE}.i18n", (f"{PACKAGE}.",)),
    (f"{PACKAGE}.errors", _under(*SUBPACKAGES)),
    (f"{PACKAGE}.config", _under(*SUBPACKAGES)),
    (f"{PACKAGE}.links", _under(*SUBPACKAGES)),
    (f"{PACKAGE}.storage", _under(*(name for name in SUBPACKAGES if name != "storage"))),
    (f"{PACKAGE}.sheet", _under("search", "maps", "publication", "access", "visits", "cli")),
    (f"{PACKAGE}.geo", _under("search", "maps", "publication", "access", "visits", "cli")),
    (f"{PACKAGE}.search", _under("maps", "publication", "visits", "cli")),
    (f"{PACKAGE}.maps", _under("publication", "visits", "cli")),
    (f"{PACKAGE}.access", _under("search", "maps", "publication", "visits", "cli")),
    (f"{PACKAGE}.mail", _under("sheet", "geo", "search", "maps", "publication", "access", "visits", "cli")),
    (f"{PACKAGE}.publication", _under("visits", "cli")),
    (f"{PACKAGE}.visits", _under("publication", "cli")),
    (f"{PACKAGE}.publication.store", _under("publication.published")),
    (f"{PACKAGE}.sheet.validation", _under("sheet.loading")),
]


@pytest.mark.parametrize(("importer", "forbidden"), NEVER)
def test_lower_layers_never_reach_up(importer, forbidden):
    edges = graph(PACKAGE)
    matching = [name for name in edges if name == importer or name.startswith(importer + ".")]
    assert matching, f"no module {importer}: the rule checks nothing"
    for name in matching:
        reached = {target for target in edges[name] if target.startswith(forbidden)}
        assert not reached, f"{name} imports {sorted(reached)}"


#: What a page may take from the domain besides ``dashboard``: the words it labels its widgets with, never a decision.
PAGE_ALLOWED_DOMAIN = {f"{PACKAGE}.i18n", f"{PACKAGE}.i18n.t", f"{PACKAGE}.i18n.tn"}


def test_pages_call_only_the_dashboard():
    """A page is a table of contents: it lays out what ``dashboard`` offers, nothing from the domain directly."""
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert pages
    for path in pages:
        project = {name for name in imported_modules(path) if name.split(".")[0] in {PACKAGE, "dashboard"}}
        assert any(name.startswith("dashboard") for name in project), path.name
        strays = {name for name in project if not name.startswith("dashboard")} - PAGE_ALLOWED_DOMAIN
        assert not strays, (path.name, sorted(strays))
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 150, f"{path.name} is no longer thin"


def test_the_source_list_reaches_every_folder():
    """Tests that read code (translation keys, plural forms) take their files from ``tests.sources``; it misses none."""
    from tests.sources import project_sources

    listed = set(project_sources())
    for top in (PACKAGE, "dashboard", "pages"):
        on_disk = set((ROOT / top).rglob("*.py"))
        assert on_disk and on_disk <= listed, top
    assert any(len(path.relative_to(ROOT).parts) >= 4 for path in listed)  # e.g. partner_directory/geo/geocoding/…


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("dashboard.members", ("dashboard.office", "dashboard.overview")),
        ("dashboard.office", ("dashboard.members", "dashboard.overview")),
        ("dashboard.overview", ("dashboard.members", "dashboard.office")),
    ],
)
def test_the_dashboards_families_of_pages_share_only_the_common_modules(importer, forbidden):
    edges = graph("dashboard")
    matching = [name for name in edges if name == importer or name.startswith(importer + ".")]
    assert matching, importer
    for name in matching:
        reached = {target for target in edges[name] if target.startswith(forbidden)}
        assert not reached, f"{name} imports {sorted(reached)}"


def test_the_dashboards_common_modules_never_import_a_family_of_pages():
    edges = graph("dashboard")
    common = [name for name in edges if name.count(".") == 1 and name != "dashboard.overview"]
    assert len(common) >= 8
    for name in common:
        reached = {
            t for t in edges[name] if t.startswith(("dashboard.members", "dashboard.office", "dashboard.overview"))
        }
        assert not reached, f"{name} imports {sorted(reached)}"
