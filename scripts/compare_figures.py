#!/usr/bin/env python3
"""Compares two per-account figure files (kefu's JSON report and duckdb_figures.py output).

Usage: python scripts/compare_figures.py A.json B.json [--keys k1,k2,...|all] [--rtol 1e-6]
       [--names A,B]

Each file is a JSON array of objects with `store`, `account` and figure keys, or an object
with such an array under "accounts" and, optionally, the store rows (no `account`) under
"stores" (duckdb_figures.py's output). Accounts are matched by (store, account), store rows
by store; store rows are compared when both files have them. Numbers agree
when |a - b| <= rtol * max(|a|, |b|) (or both are within 1e-9 of 0); null only agrees with
null. An account present on one side only is a difference unless every compared figure of it
is 0 or null (an account of the roster with no activity in the period).
Prints AGREE or the differences; exits 1 when there are differences.
"""

from __future__ import annotations

import argparse
import json
import sys

DEFAULT_KEYS = ("consulted", "inquiries", "paid", "sales", "avg_first_response_secs", "rounds",
                "reminded_orders")


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    stores = []
    if isinstance(data, dict):
        stores = data.get("stores") or []
        data = data.get("accounts", data.get("rows", []))
    out = {}
    for r in data:
        out[(r.get("store"), r["account"])] = r
    for r in stores:
        out[(r.get("store"), None)] = r
    return out


def agree(a, b, rtol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if abs(a) < 1e-9 and abs(b) < 1e-9:
            return True
        return abs(a - b) <= rtol * max(abs(a), abs(b))
    return a == b


def idle(r: dict, keys) -> bool:
    return all(r.get(k) in (None, 0, 0.0) for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--keys", default=",".join(DEFAULT_KEYS))
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--names", default="kefu,duckdb")
    a = ap.parse_args()
    na, nb = a.names.split(",")
    A, B = load(a.a), load(a.b)
    if not any(k[1] is None for k in A) or not any(k[1] is None for k in B):
        A = {k: v for k, v in A.items() if k[1] is not None}
        B = {k: v for k, v in B.items() if k[1] is not None}
    if a.keys == "all":  # every figure key of the first file (store rows: also store keys)
        keys = sorted({k for r in A.values() for k in r} - {"store", "account"})
    else:
        keys = [k for k in a.keys.split(",") if k]
    diffs = []
    compared = 0
    for acc in sorted(set(A) | set(B), key=lambda k: (str(k[0]), k[1] is None, k[1] or "")):
        ra, rb = A.get(acc), B.get(acc)
        name = acc[1] if acc[1] is not None else f"store {acc[0]}"
        if ra is None or rb is None:
            present = ra if ra is not None else rb
            if not idle(present, keys):
                diffs.append(f"{name}: only in {na if ra is not None else nb}")
            continue
        compared += 1
        for k in keys:
            if k not in ra or k not in rb:
                if k not in ra and k not in rb:  # a store-only key on an account row
                    continue
                diffs.append(f"{name} {k}: missing in {na if k not in ra else nb}")
            elif not agree(ra[k], rb[k], a.rtol):
                diffs.append(f"{name} {k}: {na} {ra[k]!r} vs {nb} {rb[k]!r}")
    if not compared:
        diffs.append("no account in common")
    if diffs:
        print(f"DIFFER: {len(diffs)} difference(s) over {compared} rows (accounts, stores)")
        for d in diffs[:200]:
            print("  " + d)
        if len(diffs) > 200:
            print(f"  ... and {len(diffs) - 200} more")
        sys.exit(1)
    print(f"AGREE: {compared} rows (accounts, stores) x {len(keys)} figures ({', '.join(keys)}), rtol {a.rtol:g}")


if __name__ == "__main__":
    main()
