#!/usr/bin/env bash
# Runs the DuckDB peer (scripts/duckdb_figures.py) on the sample store and checks it against
# expected-default.json and expected-tight.json (floats within 1e-9), accounts and store.
#   bash scripts/check_duckdb_sample.sh [SAMPLE_DIR]     # default: testdata/sample
# Uses .venv-bench (created with duckdb from PyPI if missing, as scripts/bench.sh does); when
# that fails, the check fails. KEFU_SKIP_DUCKDB=1 skips the check (exit 0).
set -euo pipefail
if [ -n "${KEFU_SKIP_DUCKDB:-}" ]; then
  echo "check_duckdb_sample.sh: skipped (KEFU_SKIP_DUCKDB is set)" >&2
  exit 0
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-bench"
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  echo "check_duckdb_sample.sh: installing duckdb into $VENV (pip, PyPI)" >&2
  if ! { python3 -m venv "$VENV" &&
         "$VENV/bin/pip" install --quiet --disable-pip-version-check duckdb; }; then
    echo "check_duckdb_sample.sh: FAILED to install duckdb into $VENV (no python3-venv or no" \
         "access to PyPI?); set KEFU_SKIP_DUCKDB=1 to skip this check" >&2
    exit 1
  fi
fi
exec "$VENV/bin/python" "$ROOT/scripts/check_duckdb_sample.py" "$@"
