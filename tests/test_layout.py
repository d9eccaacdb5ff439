"""The repository's shape: no stdlib shadowing, and the layers' import rules."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "venv", ".git", "node_modules", "__pycache__"}


def _top_level_python_names() -> dict[str, Path]:
    """Every importable name at the repo root: folders holding .py files, and loose .py modules."""
    names: dict[str, Path] = {}
    for entry in sorted(ROOT.iterdir()):
        if entry.name.startswith(".") or entry.name in SKIP_DIRS:
            continue
        if entry.is_dir() and any(entry.glob("*.py")):
            names[entry.name] = entry
        elif entry.is_file() and entry.suffix == ".py":
            names[entry.stem] = entry
    return names


def test_the_expected_packages_exist():
    names = _top_level_python_names()
    for package in ("webapp", "competitions", "scoring", "holdout_client", "migrations", "tests"):
        assert package in names, f"{package}/ is missing from the repository root"


def _shadows(path: Path) -> bool:
    """A module or a regular package shadows; a folder without __init__.py (a namespace portion,
    like platform/ holding gunicorn's config) is imported only if no module of that name exists."""
    return path.is_file() or (path / "__init__.py").exists()


def test_no_top_level_package_shadows_the_standard_library():
    clashes = sorted(name for name, path in _top_level_python_names().items()
                     if name in sys.stdlib_module_names and _shadows(path))
    assert clashes == [], (
        f"{clashes} would shadow Python's standard library (this is why the web package is "
        "webapp/, not platform/); rename them"
    )


def _imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _violations(package: str, forbidden) -> list[str]:
    root = ROOT / package
    problems = []
    for path in sorted(root.rglob("*.py")):
        if SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            continue
        for module in sorted(_imported_top_level_modules(path)):
            if forbidden(module):
                problems.append(f"{path.relative_to(ROOT)} imports {module}")
    return problems


LAYER_RULES = {
    # package: (why, predicate over imported top-level module names)
    "scoring": ("scoring/ is pure: no web framework, no database, no upper layers",
                lambda m: m in {"flask", "werkzeug", "sqlalchemy", "alembic", "competitions", "webapp"}
                or m.startswith("flask_")),
    "competitions": ("competitions/ never imports Flask, the web layer or scikit-learn",
                     lambda m: m in {"flask", "werkzeug", "webapp", "sklearn"} or m.startswith("flask_")),
    "holdout_client": ("holdout_client/ talks HTTP with the standard library and uses only scoring/ besides",
                       lambda m: m not in sys.stdlib_module_names and m not in {"scoring", "holdout_client"}),
}


@pytest.mark.parametrize("package", sorted(LAYER_RULES))
def test_layer_import_rules(package):
    why, forbidden = LAYER_RULES[package]
    if not (ROOT / package).is_dir():
        # Nothing to check yet: vacuously true, and not a skip (skips fail the PostgreSQL pass).
        return
    assert _violations(package, forbidden) == [], why


def test_only_the_demo_imports_scikit_learn_in_the_web_layer():
    """`import webapp` stays light: scikit-learn is for the demo seed command alone."""
    problems = [p for p in _violations("webapp", lambda m: m == "sklearn") if not p.startswith("webapp/demo")]
    assert problems == [], "move training code into webapp/demo.py and import it inside the command"


def test_importing_webapp_does_not_load_scikit_learn():
    import subprocess

    code = "import sys, webapp; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_platform_folder_does_not_shadow_the_stdlib_platform_module():
    import subprocess

    out = subprocess.run([sys.executable, "-c", "import platform; print(platform.__file__, platform.system())"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert not out.stdout.startswith(str(ROOT)) and out.stdout.split()[1]


def test_platform_is_a_folder_of_deployment_files_never_a_package():
    """platform/ holds how Holdout is deployed (gunicorn config, node and worker commands, proxy
    sample); an __init__.py would make it a package that shadows the standard library's module."""
    folder = ROOT / "platform"
    assert not list(folder.rglob("__init__.py"))
    for name in ("gunicorn.conf.py", "web.sh", "worker.sh", "cluster.sh", "proxy/nginx.conf"):
        assert (folder / name).is_file(), f"platform/{name} is missing"
    for script in ("web.sh", "worker.sh", "cluster.sh"):
        assert (folder / script).stat().st_mode & 0o111, f"platform/{script} is not executable"
