#!/usr/bin/env python3
"""Runs scripts/duckdb_figures.py on the sample store and compares with the expected files.

Usage: python scripts/check_duckdb_sample.py [SAMPLE_DIR]
(SAMPLE_DIR defaults to $KEFU_SAMPLE_DIR, then the checkout's testdata/sample). The tight
settings are SAMPLE_DIR/tight.toml when present (else the copy below, which is the one of
testdata/sample/README.md). Every account row and every store row is compared with
expected-default.json and expected-tight.json; then the platform profiles' figures are
checked on testdata/platform-cases (worked out by hand there). Exits 1 on any difference;
floats must agree within 1e-9.
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

TIGHT = """[metrics]
slow_response_secs = 30
slow_response_rounds = 2
conversion_window_days = 2
service_hours = "08:00-24:00"
reminder_window_hours = 24
after_sale_days = 21
"""


def sample_dir() -> str:
    if len(sys.argv) > 1:
        return sys.argv[1]
    for d in (os.environ.get("KEFU_SAMPLE_DIR"), os.path.join(ROOT, "testdata", "sample")):
        if d and os.path.isdir(d):
            return d
    sys.exit("sample data not found; pass its directory")


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def compare(got: list[dict], want: list[dict]) -> list[str]:
    errs = []
    g = {(r["store"], r.get("account")): r for r in got}
    w = {(r["store"], r.get("account")): r for r in want}
    for k in sorted(set(g) | set(w), key=lambda k: (k[0], k[1] or "")):
        if k not in g:
            errs.append(f"{k}: missing in output")
            continue
        if k not in w:
            errs.append(f"{k}: not in expected")
            continue
        keys = list(w[k])
        for key in keys:
            if key not in g[k]:
                errs.append(f"{k} {key}: missing")
            elif not same(g[k][key], w[k][key]):
                errs.append(f"{k} {key}: got {g[k][key]!r}, expected {w[k][key]!r}")
        extra = set(g[k]) - set(keys)
        if extra:
            errs.append(f"{k}: unexpected keys {sorted(extra)}")
    return errs


# Hand-computed cases of the platform profiles' figures (testdata/platform-cases/README.md):
# the worked examples of docs/metrics.md and edge cases the sample store does not reach.
CASES = os.path.join(ROOT, "testdata", "platform-cases")


def platform_cases(py: str, script: str) -> list[str]:
    with open(os.path.join(CASES, "expected.json"), encoding="utf-8") as f:
        want = json.load(f)
    files = [os.path.join(CASES, "messages.csv")]
    errs = []
    for p in want["periods"]:
        cmd = [py, script, "--store", want["store"], "--from", p["from"], "--to", p["to"]] + files
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            return [f"duckdb_figures.py exited {r.returncode}: {r.stderr}"]
        got = {row["account"]: row for row in json.loads(r.stdout)["accounts"]}
        for account, figs in p["accounts"].items():
            for key, frac in figs.items():
                v = got.get(account, {}).get(key, "missing")
                exp = None if frac is None else frac[0] / frac[1]
                if not same(v, exp):
                    errs.append(f"{p['from']}..{p['to']} {account} {key}: got {v!r}, "
                                f"expected {frac}")
    return errs


def main() -> None:
    d = sample_dir()
    files = sorted(glob.glob(os.path.join(d, "input", "*")))
    py = sys.executable
    script = os.path.join(HERE, "duckdb_figures.py")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        tight = os.path.join(d, "tight.toml")
        if not os.path.isfile(tight):
            tight = os.path.join(tmp, "tight.toml")
            with open(tight, "w") as f:
                f.write(TIGHT)
        for name, cfg in (("expected-default.json", None), ("expected-tight.json", tight)):
            cmd = [py, script, "--store", "晨光旗舰店", "--from", "2026-11-10", "--to", "2026-11-12"] + (["--config", cfg] if cfg else []) + files
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                print(f"FAIL {name}: duckdb_figures.py exited {r.returncode}\n{r.stderr}")
                failed += 1
                continue
            got = json.loads(r.stdout)
            with open(os.path.join(d, name), encoding="utf-8") as f:
                want = json.load(f)
            errs = compare(got["accounts"], want["accounts"]) + compare(got["stores"],
                                                                         want["stores"])
            if errs:
                failed += 1
                print(f"FAIL {name}: {len(errs)} difference(s)")
                for e in errs:
                    print("  " + e)
            else:
                wa = want["accounts"]
                print(f"ok   {name}: {len(wa)} accounts × {len(wa[0]) - 2} figures and "
                      f"{len(want['stores'])} store(s) agree")
    checks = 2
    if os.path.isdir(CASES):
        checks += 1
        errs = platform_cases(py, script)
        if errs:
            failed += 1
            print(f"FAIL platform-cases: {len(errs)} difference(s)")
            for e in errs:
                print("  " + e)
        else:
            print("ok   platform-cases: the platform profiles' figures as worked out by hand")
    print(f"{checks - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
