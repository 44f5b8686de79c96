#!/usr/bin/env python3
"""Synthetic canonical files for timing scripts/duckdb_figures.py without a kefu binary.

Usage: python scripts/gen_synthetic.py OUT_DIR [--messages N] [--days 30] [--agents 200]

Writes the same set of files as `kefu demo --write-files` (agents.csv, messages-YYYY-MM-DD.csv
per day, orders.csv, refunds.csv, ratings.csv, with a `store` column, store 晨光旗舰店), but
with a much simpler and different conversation model: it is only for measuring speed and
memory of the DuckDB peer. Deterministic (hash-based pseudo-randomness). The benchmark itself
uses `kefu demo` data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

import duckdb

STORE = "晨光旗舰店"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--first-day", default="2026-10-15")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    first = dt.date.fromisoformat(a.first_day)
    convs = max(1, a.messages * 1000 // 7866)  # about 7.9 messages per conversation kept
    buyers = max(10, convs // 6)
    S = f"'{STORE}'"
    # r(k) = pseudo-random in [0, 1) from the conversation id and a salt
    con.execute(f"""
    CREATE MACRO r(i, k) AS (hash(i, k) % 1000003) / 1000003.0;
    CREATE TABLE conv AS
    SELECT i,
           (r(i, 1) * {a.days})::INT AS day,
           'buyer_' || lpad(((r(i, 2) ** 1.5) * {buyers})::BIGINT::VARCHAR, 7, '0') AS buyer,
           CASE WHEN r(i, 3) < 0.08 THEN '店小蜜'
                ELSE {S} || ':客服' || lpad(((r(i, 4) * {a.agents})::INT + 1)::VARCHAR, 3, '0') END
             AS account,
           -- most chats in the day, some late at night (rounds across midnight)
           (CASE WHEN r(i, 5) < 0.9 THEN 8 * 3600 + r(i, 6) * 15.9 * 3600
                 ELSE r(i, 6) * 86400 END)::INT AS start,
           (r(i, 7) * 8 + 4)::INT AS n
    FROM range({convs}) t(i);
    CREATE TABLE msg AS
    SELECT c.i, c.day, c.buyer, c.account, j,
           c.start + sum((5 + r(c.i * 64 + j, 8) * r(c.i * 64 + j, 9) * 300)::INT)
                       OVER (PARTITION BY c.i ORDER BY j) AS sod,
           CASE WHEN j = 1 AND r(c.i, 10) < 0.3 THEN 'auto'
                WHEN j = c.n - 1 AND c.account = '店小蜜' AND r(c.i, 11) < 0.5 THEN 'system'
                WHEN j % 2 = 0 THEN 'buyer'
                WHEN c.account = '店小蜜' THEN 'bot'
                WHEN r(c.i * 64 + j, 12) < 0.15 THEN 'buyer'
                ELSE 'agent' END AS sender
    FROM conv c, range(c.n) t(j);
    """)
    # messages per day file (the day of the message, which may be after the conversation day)
    con.execute("""
    CREATE TABLE out_msg AS
    SELECT day + sod // 86400 AS fday, sod % 86400 AS tod, buyer, account, sender,
           CASE sender WHEN 'buyer' THEN '这个有货吗' WHEN 'agent' THEN '亲，有的'
                       WHEN 'bot' THEN '您好，我是店小蜜' WHEN 'auto' THEN '您好，欢迎光临'
                       ELSE '已转交给人工' END AS text,
           CASE WHEN sender = 'system' THEN '晨光旗舰店:客服001' END AS transfer_to
    FROM msg""")
    ndays = con.execute("SELECT max(fday) FROM out_msg").fetchone()[0]
    ndays = min(ndays, a.days - 1)
    for d in range(ndays + 1):
        day = first + dt.timedelta(days=d)
        path = os.path.join(a.out, f"messages-{day.isoformat()}.csv")
        con.execute(f"""
        COPY (SELECT DATE '{day.isoformat()}' + to_seconds(tod) AS time, buyer, account, sender,
                     text, transfer_to, {S} AS store
              FROM out_msg WHERE fday = {d} ORDER BY time)
        TO '{path}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')""")
    # orders: about a third of the conversations lead to one, shortly after its end
    con.execute(f"""
    COPY (
      SELECT 'T' || lpad(i::VARCHAR, 9, '0') AS order_id, buyer,
             DATE '{first.isoformat()}' + to_seconds(t) AS created_at,
             CASE WHEN r(i, 21) < 0.75 THEN DATE '{first.isoformat()}' + to_seconds(t + 60 + (r(i, 22) * 7200)::INT) END AS paid_at,
             CASE WHEN r(i, 21) >= 0.9 THEN DATE '{first.isoformat()}' + to_seconds(t + 86400) END AS closed_at,
             printf('%.2f', (r(i, 23) * 5000)::INT + 0.9) AS amount,
             (r(i, 24) * 3)::INT + 1 AS items, {S} AS store
      FROM (SELECT c.i, c.buyer, c.day * 86400 + max(m.sod) + (r(c.i, 20) * 3600 - 600)::INT AS t
            FROM conv c JOIN msg m USING (i) WHERE r(c.i, 19) < 0.35 GROUP BY c.i, c.buyer, c.day)
      WHERE t < {a.days} * 86400
    ) TO '{os.path.join(a.out, "orders.csv")}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')""")
    con.execute(f"""
    COPY (
      SELECT 'R' || lpad(i::VARCHAR, 9, '0') AS refund_id, 'T' || lpad(i::VARCHAR, 9, '0') AS order_id,
             buyer, DATE '{first.isoformat()}' + to_seconds(day * 86400 + 43200) AS requested_at,
             CASE WHEN r(i, 31) < 0.8 THEN DATE '{first.isoformat()}' + to_seconds(day * 86400 + 43200 + (r(i, 32) * 80000)::INT) END AS finished_at,
             '99.00' AS amount, account, {S} AS store
      FROM conv WHERE r(i, 30) < 0.01 AND account <> '店小蜜'
    ) TO '{os.path.join(a.out, "refunds.csv")}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')""")
    con.execute(f"""
    COPY (
      SELECT DATE '{first.isoformat()}' + to_seconds(day * 86400 + start + 1800) AS time, buyer,
             account, floor(r(i, 41) * 5)::INT + 1 AS score, {S} AS store
      FROM conv WHERE r(i, 40) < 0.05 AND day * 86400 + start + 1800 < {a.days} * 86400
    ) TO '{os.path.join(a.out, "ratings.csv")}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')""")
    con.execute(f"""
    COPY (
      SELECT {S} || ':客服' || lpad(k::VARCHAR, 3, '0') AS account, '客服' || k AS name,
             '售前' || (k % 10 + 1) || '组' AS "group", 'presale' AS role, {S} AS store
      FROM range(1, {a.agents} + 1) t(k)
      UNION ALL SELECT '店小蜜', '店小蜜', '', 'bot', {S}
    ) TO '{os.path.join(a.out, "agents.csv")}' (HEADER)""")
    n = con.execute("SELECT count(*) FROM out_msg WHERE fday < ?", [a.days]).fetchone()[0]
    print(f"wrote {n} messages over {ndays + 1} days to {a.out}")


if __name__ == "__main__":
    main()
