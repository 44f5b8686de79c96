#!/usr/bin/env python3
"""Compares two per-account figure files (kefu's JSON report and duckdb_figures.py output).

Usage: python scripts/compare_figures.py A.json B.json [--keys k1,k2,...|all] [--rtol 1e-6]
       [--names A,B]

Each file is a JSON array of objects with `store`, `account` and figure keys (or an object
with such an array under "accounts"). Accounts are matched by (store, account). Numbers agree
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
    if isinstance(data, dict):
        data = data.get("accounts", data.get("rows", []))
    out = {}
    for r in data:
        out[(r.get("store"), r["account"])] = r
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
    if a.keys == "all":  # every figure key of the first file
        keys = sorted({k for r in A.values() for k in r} - {"store", "account"})
    else:
        keys = [k for k in a.keys.split(",") if k]
    diffs = []
    compared = 0
    for acc in sorted(set(A) | set(B), key=lambda k: (str(k[0]), k[1])):
        ra, rb = A.get(acc), B.get(acc)
        if ra is None or rb is None:
            present = ra if ra is not None else rb
            if not idle(present, keys):
                diffs.append(f"{acc[1]}: only in {na if ra is not None else nb}")
            continue
        compared += 1
        for k in keys:
            if k not in ra or k not in rb:
                diffs.append(f"{acc[1]} {k}: missing in {na if k not in ra else nb}")
            elif not agree(ra[k], rb[k], a.rtol):
                diffs.append(f"{acc[1]} {k}: {na} {ra[k]!r} vs {nb} {rb[k]!r}")
    if not compared:
        diffs.append("no account in common")
    if diffs:
        print(f"DIFFER: {len(diffs)} difference(s) over {compared} accounts")
        for d in diffs[:200]:
            print("  " + d)
        if len(diffs) > 200:
            print(f"  ... and {len(diffs) - 200} more")
        sys.exit(1)
    print(f"AGREE: {compared} accounts x {len(keys)} figures ({', '.join(keys)}), rtol {a.rtol:g}")


if __name__ == "__main__":
    main()
