#!/usr/bin/env bash
# Runs the DuckDB peer (scripts/duckdb_figures.py) on the sample store and checks it against
# expected-default.json and expected-tight.json (floats within 1e-9).
#   bash scripts/check_duckdb_sample.sh [SAMPLE_DIR]
# Uses .venv-bench (created with duckdb if missing, as scripts/bench.sh does).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-bench"
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb
fi
exec "$VENV/bin/python" "$ROOT/scripts/check_duckdb_sample.py" "$@"
