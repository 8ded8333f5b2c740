# Shared set-up for scripts/demo and scripts/test: a virtualenv in .venv with the project installed.
# Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON_BIN="${PYTHON:-}"
if [ -z "$PYTHON_BIN" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON_BIN="$candidate"; break
    fi
  done
fi
[ -n "$PYTHON_BIN" ] || { echo "Python 3.11 ou plus récent est requis." >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "→ Création de l'environnement virtuel .venv ($PYTHON_BIN)"
  "$PYTHON_BIN" -m venv .venv
fi
STAMP=.venv/.care-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "→ Installation des dépendances Python"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
mkdir -p var/static
