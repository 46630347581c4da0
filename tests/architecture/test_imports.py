"""The floors stay floors: no import of a project module hidden inside a function to
get round an import cycle (import-linter, run by `make lint`, keeps the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT_APPS

ROOT = Path(__file__).resolve().parents[2]
# Where an import inside a function is the rule, not a dodge:
# - AppConfig.ready(): Django's documented place to register with a lower floor, run once
#   the models are loaded;
# - migrations and management commands are loaded on their own.
ALLOWED_FOLDERS = ("migrations", "management")


def function_level_imports() -> list[tuple[str, int, str]]:
    found = []
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if set(path.parts) & set(ALLOWED_FOLDERS):
                continue
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if path.name == "apps.py" and function.name == "ready":
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        names = [node.module]
                    elif isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    else:
                        continue
                    for name in names:
                        if name.split(".")[0] in PROJECT_APPS:
                            found.append((relative, node.lineno, name))
    return found


def test_no_project_import_inside_a_function() -> None:
    assert function_level_imports() == []
