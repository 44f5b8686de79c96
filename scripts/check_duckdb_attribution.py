#!/usr/bin/env python3
"""Cross-checks the attribution modes (metrics.md §3, setting `attribution`) between kefu and
the DuckDB peer (scripts/duckdb_figures.py) on the sample store.

Usage: python scripts/check_duckdb_attribution.py [KEFU_BINARY] [SAMPLE_DIR]
(KEFU_BINARY defaults to target/debug/kefu, SAMPLE_DIR to testdata/sample). For every mode and
a one- and a two-day window, the sample is imported by kefu under that setting and its
`report --by account` and `--by store` (JSON) are compared with the peer's rows, floats within
1e-9. Also prints how many figures differ from the `order` mode's, to show the modes matter on
the data. Exits 1 on any difference between kefu and the peer.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from check_duckdb_sample import compare  # noqa: E402

STORE = "晨光旗舰店"
DAYS = ["--from", "2026-11-10", "--to", "2026-11-12"]


def kefu_rows(kefu: str, db: str, cfg: str, by: str) -> list[dict]:
    out = subprocess.run([kefu, "report", "--db", db, "--config", cfg, "--by", by,
                          "--format", "json"] + DAYS, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    kefu = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "kefu")
    d = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "testdata", "sample")
    files = sorted(glob.glob(os.path.join(d, "input", "*")))
    failed = 0
    baseline: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for window in (1, 2):
            for mode in ("order", "payment", "order_first"):
                cfg = os.path.join(tmp, f"{mode}-{window}.toml")
                with open(cfg, "w") as f:
                    f.write(f'[metrics]\nattribution = "{mode}"\n'
                            f"conversion_window_days = {window}\n")
                db = os.path.join(tmp, f"{mode}-{window}.db")
                subprocess.run([kefu, "import", "--db", db, "--store", STORE, "--config", cfg]
                               + files, capture_output=True, check=True)
                accounts = kefu_rows(kefu, db, cfg, "account")
                stores = kefu_rows(kefu, db, cfg, "store")
                r = subprocess.run([sys.executable, os.path.join(HERE, "duckdb_figures.py"),
                                    "--store", STORE, "--config", cfg] + DAYS + files,
                                   capture_output=True, text=True)
                if r.returncode:
                    print(f"FAIL {mode}/{window}: duckdb_figures.py exited {r.returncode}\n"
                          f"{r.stderr}")
                    failed += 1
                    continue
                peer = json.loads(r.stdout)
                errs = compare(peer["accounts"], accounts) + compare(peer["stores"], stores)
                if mode == "order":
                    baseline[window] = accounts
                moved = len(compare(accounts, baseline[window])) if window in baseline else 0
                if errs:
                    failed += 1
                    print(f"FAIL {mode}, window {window}: {len(errs)} difference(s)")
                    for e in errs[:20]:
                        print("  " + e)
                else:
                    print(f"ok   {mode}, window {window}: {len(accounts)} accounts and the store "
                          f"agree; {moved} account figure(s) differ from mode order")
    print(f"{6 - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
