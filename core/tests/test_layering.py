"""Dependencies point down only: core ← organisations ← accounts ← domain apps (see ARCHITECTURE.md).
The access module (accounts.access) is the one gate every app's views use, so importing it is allowed."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = {"core": 0, "organisations": 1, "accounts": 2, "maturity": 3, "kits": 3, "exercises": 4, "live": 5, "retex": 6,
          "steering": 8, "continuity": 7}
# organisations may read maturity results only in views (the establishment page shows its level).
# The exercise page and the observers' grid show the open actions of the last RETEX (read-only).
ALLOWED_UPWARD = {("organisations", "maturity", "views.py"), ("core", "accounts", "context_processors.py"),
                  ("core", "accounts", "home.py"), ("core", "maturity", "home.py"),
                  # the home page says what is next: exercises and hot debriefs, RETEX to validate, overdue actions,
                  # the region's obligation rate (read-only, through those apps' models and services)
                  ("core", "exercises", "home.py"), ("core", "retex", "home.py"), ("core", "steering", "home.py"),
                  ("exercises", "retex", "preparation.py"), ("live", "retex", "views.py")}


def test_apps_only_import_lower_layers():
    violations = []
    for app, level in LAYERS.items():
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts or "management" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    if node.module == "accounts.access" or (node.module == "accounts"
                                                             and [a.name for a in node.names] == ["access"]):
                        continue
                    target = node.module.split(".")[0]
                elif isinstance(node, ast.Import):
                    target = node.names[0].name.split(".")[0]
                else:
                    continue
                if target in LAYERS and LAYERS[target] > level and (app, target, path.name) not in ALLOWED_UPWARD:
                    violations.append(f"{path.relative_to(settings.BASE_DIR)} imports {target}")
    assert violations == []
