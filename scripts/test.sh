#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what the browser tests need when it
# is missing, checks formatting and clippy (-D warnings), then runs every test of the workspace.
#
#   bash scripts/test.sh            # KEFU_SKIP_BROWSER=1 skips the headless-Chromium test
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
if [ -z "${KEFU_SKIP_BROWSER:-}" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
  # pdfinfo, pdftotext and pdftoppm: the printed ranking's pages, text and first page
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  # A CJK font, so that screenshots show Chinese rather than empty boxes.
  [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "test.sh: installing ${need[*]} (Debian packages) for the browser tests" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 || {
    $sudo apt-get update >/dev/null
    $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
  }
fi

# The crate-level lint attributes are enforced only when clippy runs; formatting likewise.
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The DuckDB peer's golden test on the sample store (KEFU_SKIP_DUCKDB=1 skips it); quiet unless it fails.
out="$(bash scripts/check_duckdb_sample.sh 2>&1)" || { printf '%s\n' "$out" >&2; exit 1; }
exec cargo test --workspace --locked
