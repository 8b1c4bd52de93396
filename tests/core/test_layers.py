"""The apps stand in layers, and an import may only point down:

    ipservice (settings, root urls, celery)  ->  no app: it names them by dotted strings only
    reviews -> hall, applications (side by side) -> appointments -> windows -> catalog

The catalog is the bottom app: it imports none of the others, not even inside a function; its
pages reach the windows offering an item through the relation the windows app declares on it
(`ServiceItem.windows`). See docs/architecture.md.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("catalog", "windows", "appointments", "hall", "applications", "reviews")

# package -> the apps it must never import
FORBIDDEN = {
    "ipservice": set(APPS),
    "catalog": {"windows", "appointments", "hall", "applications", "reviews"},
    "windows": {"appointments", "hall", "applications", "reviews"},
    "appointments": {"hall", "applications", "reviews"},
    "hall": {"applications", "reviews"},
    "applications": {"hall", "reviews"},
}


def imported_modules(path):
    """Every module an import statement in the file names, wherever the statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def python_files(package):
    return sorted(path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


def violations(package, forbidden):
    found = []
    for path in python_files(package):
        for module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_up(package):
    assert python_files(package), f"no Python files found under {package}/"
    assert violations(package, FORBIDDEN[package]) == []


def test_the_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The walk finds a lazy import in a function body, the way a cycle is usually hidden."""
    module = tmp_path / "catalog" / "lazy.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from windows.models import ServicePoint\n    return 1\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert violations("catalog", FORBIDDEN["catalog"]) == ["catalog/lazy.py imports windows.models"]
