#!/usr/bin/env python3
"""Independent DuckDB implementation of the figures of metric spec v2 (metrics.md §5).

Usage:
    python scripts/duckdb_figures.py --store NAME [--config FILE.toml]
           [--from YYYY-MM-DD --to YYYY-MM-DD] FILES...

Reads canonical files (formats.md: CSV in UTF-8 or GBK/GB18030, or JSON Lines; the kind of
each file is recognised from its header) and prints a JSON object {"accounts": [...],
"stores": [...]} (the shape of the sample's expected-*.json): one object per (store, account)
with {store, account, <every key of metrics.md §5>, and the platform profiles' pdd_3min_rate,
pdd_30s_rate, jd_30s_rate, dy_3min_rate, dy_3min_rate_all_day (docs/metrics.md)}, and one
per store with the same keys summed over every account (bots included) plus the store-level
`buyers`, `total_orders`, `total_sales`, `silent_orders`, `silent_sales`. Money is in yuan,
undefined figures are null.

Settings ([metrics] of --config, as in kefu): slow_response_secs, slow_response_rounds,
conversion_window_days, service_hours (default "08:00-24:00": every response figure runs on
this service clock), reminder_window_hours, after_sale_days (default 21), attribution
(order, payment or order_first; default order, see metrics.md §3).

This is a performance peer and a cross-check of the Rust engine: it shares no code with it.
All message-level work is SQL run by DuckDB (in-memory); Python only discovers files, reads
the settings and turns the per-account integer sums into rates and means.

The period defaults to the first..last day that has a message.
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
import tomllib

import duckdb

US = 1_000_000
DAY_US = 86_400 * US

# ---------------------------------------------------------------------------------------------
# File kinds (formats.md): required columns, and every column we read (all others ignored).

KINDS = {
    "messages": (
        ("time", "buyer", "account", "sender"),
        ("time", "buyer", "account", "sender", "text", "msg_id", "transfer_to", "store"),
    ),
    "orders": (
        ("order_id", "buyer", "created_at", "amount"),
        ("order_id", "buyer", "created_at", "amount", "paid_at", "closed_at", "items", "store"),
    ),
    "refunds": (
        ("refund_id", "order_id", "buyer", "requested_at", "amount"),
        ("refund_id", "order_id", "buyer", "requested_at", "amount", "finished_at", "status",
         "account", "store"),
    ),
    "ratings": (
        ("time", "buyer", "account", "score"),
        ("time", "buyer", "account", "score", "store"),
    ),
    "agents": (
        ("account",),
        ("account", "name", "group", "role", "store"),
    ),
}
# Most specific first: agents (only `account` required) must come last.
KIND_ORDER = ("messages", "ratings", "refunds", "orders", "agents")


def kind_of(columns: list[str], path: str) -> str:
    cols = set(columns)
    for kind in KIND_ORDER:
        if set(KINDS[kind][0]) <= cols:
            return kind
    sys.exit(f"{path}: header {columns} matches no known kind of file")


def log(msg: str) -> None:
    if os.environ.get("KEFU_DUCKDB_VERBOSE"):
        print(f"[duckdb_figures {time.perf_counter() - T0:7.3f}s] {msg}", file=sys.stderr)


T0 = time.perf_counter()


def is_utf8_file(path: str) -> bool:
    """formats.md: a UTF-8 BOM, or a file that is valid UTF-8 throughout, is UTF-8."""
    with open(path, "rb") as f:
        head = f.read(3)
        if head == codecs.BOM_UTF8:
            return True
        f.seek(0)
        dec = codecs.getincrementaldecoder("utf-8")()
        try:
            while True:
                chunk = f.read(1 << 24)
                if not chunk:
                    dec.decode(b"", final=True)
                    return True
                dec.decode(chunk)
        except UnicodeDecodeError:
            return False


def csv_header(path: str) -> tuple[list[str], str]:
    """The header columns and the encoding guess from the first line (refined later)."""
    with open(path, "rb") as f:
        line = f.readline()
    if line.startswith(codecs.BOM_UTF8):
        line = line[3:]
    try:
        text = line.decode("utf-8")
        enc = "utf-8?"
    except UnicodeDecodeError:
        text = line.decode("gb18030")
        enc = "gb18030"
    text = text.rstrip("\r\n")
    # headers are plain names; a quoted header name is unquoted
    cols = [c.strip().strip('"') for c in text.split(",")]
    return cols, enc


def is_jsonl(path: str) -> bool:
    low = path.lower()
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return True
    with open(path, "rb") as f:
        head = f.read(64).lstrip(codecs.BOM_UTF8).lstrip()
    return head.startswith(b"{")


def jsonl_keys(path: str) -> list[str]:
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if line:
                return list(json.loads(line.decode("utf-8-sig")).keys())
    return []


# ---------------------------------------------------------------------------------------------
# Settings

TZ_NAMES = {
    "Asia/Shanghai": 480, "Asia/Chongqing": 480, "Asia/Harbin": 480, "Asia/Urumqi": 480,
    "PRC": 480, "Asia/Hong_Kong": 480, "Asia/Macau": 480, "Asia/Taipei": 480,
    "Asia/Singapore": 480, "UTC": 0, "Etc/UTC": 0, "Z": 0,
}


def parse_tz(s: str) -> int:
    s = s.strip()
    if s in TZ_NAMES:
        return TZ_NAMES[s]
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)", s)
    if not m:
        sys.exit(f"timezone {s!r}: expected +HH:MM or Asia/Shanghai")
    v = int(m.group(2)) * 60 + int(m.group(3))
    return v if m.group(1) == "+" else -v


def parse_service_hours(s: str) -> list[tuple[int, int]]:
    """`08:00-24:00`, `22:00-02:00` (across midnight), several joined by commas (metrics.md
    §1: start included, end excluded; a window whose end is not after its start crosses
    midnight; `24:00` is the end of the day). Returns disjoint, sorted windows [start, end)
    in microseconds since midnight (overlapping or touching windows merged)."""
    out = []
    for part in s.split(","):
        a, b = part.strip().split("-")

        def clock(x: str) -> int:
            h, m = x.strip().split(":")
            h, m = int(h), int(m)
            if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
                raise ValueError(x)
            return (h * 3600 + m * 60) * US

        a, b = clock(a), clock(b)
        if a < b:
            out.append((a, b))
        else:  # end not after start: across midnight
            if a < DAY_US:
                out.append((a, DAY_US))
            if b > 0:
                out.append((0, b))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(out):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def load_settings(path: str | None, store: str) -> dict:
    """Defaults, then the file's top level (`timezone`, `[metrics]`), then its
    `[stores."NAME"]` section for the --store NAME (applied to every row: this script
    computes one store at a time with one set of settings)."""
    st = dict(
        slow_response_secs=120,
        slow_response_rounds=1,
        conversion_window_days=1,
        service_hours="08:00-24:00",
        reminder_window_hours=72,
        after_sale_days=21,
        attribution="order",
        timezone="Asia/Shanghai",
    )
    if path:
        with open(path, "rb") as f:
            cfg = tomllib.load(f)
        for section in (cfg, cfg.get("stores", {}).get(store, {})):
            if "timezone" in section:
                st["timezone"] = section["timezone"]
            for k, v in section.get("metrics", {}).items():
                if k not in st or k == "timezone":
                    sys.exit(f"{path}: unknown setting metrics.{k}")
                st[k] = v
        others = set(cfg.get("stores", {})) - {store}
        if others:
            print(f"{path}: sections of other stores ignored: {sorted(others)}", file=sys.stderr)
    if st["attribution"] not in ("order", "payment", "order_first"):
        sys.exit(f"{path}: attribution must be order, payment or order_first")
    st["offset_us"] = parse_tz(st["timezone"]) * 60 * US
    st["sh"] = parse_service_hours(st["service_hours"])
    return st


def day_number(s: str) -> int:
    return (dt.date.fromisoformat(s) - dt.date(1970, 1, 1)).days


# ---------------------------------------------------------------------------------------------
# Loading


def time_sql(col: str, off_us: int) -> str:
    """A canonical time string -> microseconds of local wall-clock time since 1970-01-01
    (so `// 86400000000` is the local day and `% 86400000000` the time of day).
    The session time zone is UTC. A naive string (`YYYY-MM-DD HH:MM:SS[.fff]`, also with
    slashes) already is local wall-clock time; a string with an offset (RFC 3339, `Z`) is an
    instant, shifted to the store's offset. An offset is a `+`, a trailing `Z`, or a `-` after
    the date (the shortest date, `2026-1-5`, has its last `-` at position 7)."""
    t = f"nullif({col}, '')"
    has_off = (f"(contains({t}, '+') OR suffix({t}, 'Z') OR suffix({t}, 'z') "
               f"OR contains(substr({t}, 9), '-'))")
    tt = f"replace({t}, '/', '-')"
    return (f"(CASE WHEN {has_off} THEN epoch_us(CAST({tt} AS TIMESTAMPTZ)) + {off_us} "
            f"ELSE epoch_us(CAST({tt} AS TIMESTAMP)) END)")


def q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


SENDER_SQL = """CASE {c}
  WHEN 'buyer' THEN 0 WHEN 'agent' THEN 1 WHEN 'bot' THEN 2 WHEN 'auto' THEN 3 WHEN 'system' THEN 4
  WHEN '买家' THEN 0 WHEN '客服' THEN 1 WHEN '机器人' THEN 2 WHEN '自动回复' THEN 3 WHEN '系统' THEN 4
  ELSE CASE lower(trim({c}))
    WHEN 'buyer' THEN 0 WHEN 'agent' THEN 1 WHEN 'bot' THEN 2 WHEN 'auto' THEN 3
    WHEN 'system' THEN 4 WHEN '买家' THEN 0 WHEN '客服' THEN 1 WHEN '机器人' THEN 2
    WHEN '自动回复' THEN 3 WHEN '系统' THEN 4 END END"""


class Loader:
    """Reads every file into DuckDB. Messages go straight into a typed table m0 (hashed keys,
    sender code, local time in µs); the small kinds into raw_* tables of strings.
    File order (for ties and for "a later version replaces") is (index of the file on the
    command line, rowid): DuckDB keeps the insertion order of a scan, and rowids of a table
    follow insertion order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, store: str, off_us: int, tmpdir: str):
        self.con = con
        self.store = store
        self.off = off_us
        self.tmpdir = tmpdir
        self.groups: dict[tuple, list[tuple[int, str]]] = {}
        self.lenient = False  # read CSV with strict_mode = false (set after a parser error)

    def add(self, idx: int, path: str) -> None:
        if is_jsonl(path):
            cols = jsonl_keys(path)
            kind = kind_of(cols, path)
            key = (kind, "json", tuple(KINDS[kind][1]))
        else:
            cols, enc = csv_header(path)
            kind = kind_of(cols, path)
            if enc == "gb18030":
                path = self.transcode(path)
            key = (kind, "csv", tuple(cols))
        self.groups.setdefault(key, []).append((idx, path))

    def transcode(self, path: str) -> str:
        out = os.path.join(self.tmpdir, f"{len(os.listdir(self.tmpdir))}.csv")
        with open(path, "r", encoding="gb18030", newline="") as src, \
                open(out, "w", encoding="utf-8", newline="") as dst:
            while True:
                chunk = src.read(1 << 22)
                if not chunk:
                    break
                dst.write(chunk)
        log(f"transcoded GB18030 {path}")
        return out

    def source(self, key, files: list[tuple[int, str]]) -> str:
        """SELECT of the wanted columns of a kind (missing ones NULL) and the file index."""
        kind, fmt, cols = key
        paths = "[" + ", ".join(q(p) for _, p in files) + "]"
        colspec = "{" + ", ".join(f"{q(c)}: 'VARCHAR'" for c in cols) + "}"
        if fmt == "csv":
            lax = ", strict_mode = false" if self.lenient else ""
            src = (f"read_csv({paths}, header = true, delim = ',', quote = '\"', escape = '\"', "
                   f"columns = {colspec}, auto_detect = false{lax})")
        else:
            src = f"read_json({paths}, format = 'newline_delimited', columns = {colspec})"
        fidx = "[" + ", ".join(str(i) for i, _ in files) + "][file_index::BIGINT + 1]"
        sel = [f'"{c}"' if c in cols else f'NULL::VARCHAR AS "{c}"' for c in KINDS[kind][1]]
        return f"SELECT {', '.join(sel)}, ({fidx})::USMALLINT AS fidx FROM {src}"

    def insert_sql(self, key, files) -> str:
        kind = key[0]
        src = self.source(key, files)
        if kind != "messages":
            return f"INSERT INTO raw_{kind} {src}"
        S = q(self.store)
        return f"""
        INSERT INTO m0
        SELECT store, account, hash(aid, bk) AS sid, aid, bk, s,
               s = 4 AND transfer_to IS NOT NULL AS tr,
               CASE WHEN msg_id IS NULL THEN hash(coalesce(text, '')) END AS th,
               CASE WHEN msg_id IS NOT NULL THEN hash(store, msg_id) END AS mk,
               coalesce({time_sql('time', self.off)},
                        error('message with an empty time: ' || buyer)) AS ts,
               fidx
        FROM (
          SELECT *, hash(store, account) AS aid, hash(store, buyer) AS bk
          FROM (
          SELECT coalesce(nullif(store, ''), {S}) AS store,
                 coalesce(nullif(account, ''), error('message without account')) AS account,
                 coalesce(nullif(buyer, ''), error('message without buyer')) AS buyer,
                 coalesce({SENDER_SQL.format(c='sender')},
                          error('unknown sender ' || coalesce(sender, '(empty)')))::UTINYINT AS s,
                 nullif(text, '') AS text, nullif(msg_id, '') AS msg_id,
                 nullif(transfer_to, '') AS transfer_to, time, fidx
          FROM ({src}))
        )"""

    def load(self) -> None:
        con = self.con
        con.execute("""CREATE TABLE m0 (store VARCHAR, account VARCHAR, sid UBIGINT, aid UBIGINT,
                       bk UBIGINT, s UTINYINT, tr BOOLEAN, th UBIGINT, mk UBIGINT, ts BIGINT,
                       fidx USMALLINT)""")
        for kind in KINDS:
            if kind == "messages":
                continue
            coldefs = ", ".join('"' + c + '" VARCHAR' for c in KINDS[kind][1])
            con.execute(f"CREATE TABLE raw_{kind} ({coldefs}, fidx USMALLINT)")
        # command-line order of the first file of each group keeps rowids in file order
        # within each file, which is all that the (fidx, rowid) order needs
        for key, files in sorted(self.groups.items(), key=lambda kv: kv[1][0][0]):
            self.lenient = False
            for attempt in range(3):
                try:
                    con.execute(self.insert_sql(key, files))
                    break
                except duckdb.Error as e:
                    msg = str(e).lower()
                    if key[1] != "csv" or attempt == 2:
                        raise
                    if "unicode" in msg:
                        # Some file of the group is not valid UTF-8: it is GB18030 (formats.md).
                        files = [(i, p if is_utf8_file(p) else self.transcode(p))
                                 for i, p in files]
                    elif "state machine" in msg and not self.lenient:
                        # e.g. a file mixing \r\n and \n line ends: the strict parser refuses it
                        self.lenient = True
                        log(f"{key[0]}: reading with strict_mode = false")
                    else:
                        raise
            log(f"loaded {key[0]} from {len(files)} file(s)")


# ---------------------------------------------------------------------------------------------
# The figures, in SQL

DAY = 86_400_000_000  # µs


def build(con: duckdb.DuckDBPyConnection, st: dict, store: str, p_from: int | None,
          p_to: int | None) -> dict:
    off = st["offset_us"]
    W = int(st["conversion_window_days"])
    SLOW = int(st["slow_response_secs"]) * US
    SLOWN = int(st["slow_response_rounds"])
    REM = int(st["reminder_window_hours"]) * 3600 * US
    ASD = int(st["after_sale_days"])
    if W < 1 or ASD < 0 or SLOWN < 1:
        sys.exit("conversion_window_days and slow_response_rounds must be >= 1, "
                 "after_sale_days >= 0")
    # The service clock (§1): F(t) = service µs from 1970-01-01 00:00 local to t; a response
    # time is F(answer) - F(open). Every day has the same windows, so F(t) = whole days ×
    # service µs per day + service µs of the windows before t's time of day.
    sh_day = sum(b - a for a, b in st["sh"])

    def svc(t: str) -> str:
        tod = f"({t} % {DAY})"
        part = " + ".join(f"greatest(0, least({tod}, {b}) - {a})" for a, b in st["sh"]) or "0"
        return f"(({t} // {DAY}) * {sh_day} + {part})"

    S = q(store)

    prof = os.environ.get("KEFU_DUCKDB_PROFILE")  # a directory for query plans with timings

    def x(sql: str, what: str) -> None:
        if prof:
            os.makedirs(prof, exist_ok=True)
            con.execute("PRAGMA enable_profiling = 'query_tree'")
            con.execute(f"PRAGMA profiling_output = {q(os.path.join(prof, what.replace(' ', '_') + '.txt'))}")
        con.execute(sql)
        if prof:
            con.execute("PRAGMA disable_profiling")
        log(what)

    # -- small kinds, typed ----------------------------------------------------------------
    # orders: a later version (file order) replaces the earlier one
    x(f"""
    CREATE TEMP TABLE orders AS
    SELECT store, order_id, bk, created, created // {DAY} AS day, paid, closed, cents, items
    FROM (
      SELECT coalesce(store, {S}) AS store, order_id, hash(coalesce(store, {S}), buyer) AS bk,
             {time_sql('created_at', off)} AS created,
             {time_sql('paid_at', off)} AS paid,
             {time_sql('closed_at', off)} AS closed,
             CAST(CAST(amount AS DECIMAL(18, 2)) * 100 AS BIGINT) AS cents,
             coalesce(CAST(nullif(items, '') AS BIGINT), 1) AS items,
             (fidx::BIGINT << 40) + rowid AS seq
      FROM raw_orders
    ) QUALIFY row_number() OVER (PARTITION BY store, order_id ORDER BY seq DESC) = 1
    """, "orders")
    x(f"""
    CREATE TEMP TABLE ratings AS
    SELECT store, account, hash(store, account) AS aid, {time_sql('time', off)} // {DAY} AS day,
           CASE score WHEN '很满意' THEN 5 WHEN '满意' THEN 4 WHEN '一般' THEN 3
                      WHEN '不满意' THEN 2 WHEN '很不满意' THEN 1
                      ELSE CAST(CAST(score AS DOUBLE) AS INT) END AS score
    FROM (SELECT DISTINCT coalesce(store, {S}) AS store, time, buyer, account, trim(score) AS score
          FROM raw_ratings)""", "ratings")
    x(f"""
    CREATE TEMP TABLE refunds AS
    SELECT store, account, hash(store, account) AS aid, requested // {DAY} AS day,
           finished - requested AS took
    FROM (
      SELECT coalesce(store, {S}) AS store, refund_id, nullif(account, '') AS account,
             {time_sql('requested_at', off)} AS requested,
             {time_sql('finished_at', off)} AS finished, (fidx::BIGINT << 40) + rowid AS seq
      FROM raw_refunds
    ) QUALIFY row_number() OVER (PARTITION BY store, refund_id ORDER BY seq DESC) = 1
    """, "refunds")
    x(f"""
    CREATE TEMP TABLE accts AS
    SELECT DISTINCT store, account, hash(store, account) AS aid FROM (
      SELECT DISTINCT store, account FROM m0
      UNION ALL SELECT coalesce(store, {S}), account FROM raw_agents WHERE account <> ''
      UNION ALL SELECT store, account FROM ratings
      UNION ALL SELECT store, account FROM refunds WHERE account IS NOT NULL)""", "accounts")
    # the names are no longer needed: free their memory before the big sort
    con.execute("ALTER TABLE m0 DROP COLUMN store")
    con.execute("ALTER TABLE m0 DROP COLUMN account")

    # -- streams (§1) -------------------------------------------------------------------------
    # Each stream S(a, b) is ordered by (time, file order). A "closer" is an agent/bot message
    # or a system message with transfer_to; kb = number of closers before the message in its
    # stream. The buyer messages with the same kb form one round (no closer between them);
    # the closer with the same kb is the first closer after them, which answers (agent, bot)
    # or transfers the round. Closers with no buyer message before them close nothing; auto
    # and plain system messages play no part. same_sec marks messages that share their second
    # with a neighbour of the stream: only those can be duplicates of each other. prev_ts is
    # the time of the stream's previous message, any sender (sessions, platform profiles).
    def stream_window(where: str, into: str) -> None:
        x(f"""
        {into}
        SELECT sid, aid, bk, s, tr, ts, ts // {DAY} AS day, th, seq,
               sum(c) OVER w - c AS kb, lag(ts) OVER w AS prev_ts,
               coalesce(lag(ts) OVER w = ts, false) OR coalesce(lead(ts) OVER w = ts, false)
                 AS same_sec
        FROM (SELECT sid, aid, bk, s, tr, ts, th, (fidx::BIGINT << 40) + rowid AS seq,
                     (s IN (1, 2) OR tr)::INT AS c
              FROM m0 {where})
        WINDOW w AS (PARTITION BY sid ORDER BY ts, seq
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)""", "stream window")

    stream_window("", "CREATE TEMP TABLE mw AS")
    # Duplicates (formats.md): a message with msg_id is identified by (store, msg_id), one
    # without by (store, time, buyer, account, sender, text); the first in file order stays.
    # When there are any, they are dropped and their streams are ordered again.
    x("""
    CREATE TEMP TABLE dups AS
    SELECT sid, seq FROM (
      SELECT sid, seq, row_number() OVER (PARTITION BY sid, ts, s, th ORDER BY seq) AS rn
      FROM mw WHERE same_sec AND th IS NOT NULL)  -- th is NULL when the message has msg_id
    WHERE rn > 1
    UNION ALL
    SELECT sid, seq FROM (
      SELECT sid, (fidx::BIGINT << 40) + rowid AS seq,
             row_number() OVER (PARTITION BY mk ORDER BY (fidx::BIGINT << 40) + rowid) AS rn
      FROM m0 WHERE mk IS NOT NULL)
    WHERE rn > 1""", "duplicates")
    ndup = con.execute("SELECT count(*) FROM dups").fetchone()[0]
    if ndup:
        log(f"{ndup} duplicate messages")
        con.execute("DELETE FROM mw WHERE sid IN (SELECT sid FROM dups)")
        stream_window("WHERE sid IN (SELECT sid FROM dups) AND (fidx::BIGINT << 40) + rowid "
                      "NOT IN (SELECT seq FROM dups)", "INSERT INTO mw")
    con.execute("DROP TABLE m0")

    # rounds: kind 1 human-answered, 2 bot-answered, 9 transferred, NULL unanswered.
    # A round belongs to the day it opened; bday_hi is the last day of its buyer messages (the
    # round is "touched" by each day with one of them). wait: wall-clock wait; resp: response
    # time on the service clock (both only for answered rounds). open_prev: the time of the
    # stream's message before the round's opening buyer message (NULL: the stream's first).
    x(f"""
    CREATE TEMP TABLE rounds AS
    SELECT sid, aid, kb, open_ts, c_ts, kind, open_ts // {DAY} AS open_day, open_tod, open_prev,
           bday_hi > open_ts // {DAY} AS multi_day,
           CASE WHEN kind IN (1, 2) THEN c_ts - open_ts END AS wait,
           CASE WHEN kind IN (1, 2) THEN {svc('c_ts')} - {svc('open_ts')} END AS resp
    FROM (
      SELECT sid, any_value(aid) AS aid, kb, min(ts) FILTER (s = 0) AS open_ts,
             arg_min(prev_ts, (ts, seq)) FILTER (s = 0) AS open_prev,
             min(ts) FILTER (s = 0) % {DAY} AS open_tod,
             max(day) FILTER (s = 0) AS bday_hi,
             min(ts) FILTER (s <> 0) AS c_ts,
             min(CASE WHEN s = 0 THEN NULL WHEN tr THEN 9 ELSE s END) AS kind
      FROM mw WHERE s IN (0, 1, 2) OR tr
      GROUP BY sid, kb HAVING count(*) FILTER (s = 0) > 0
    )""", "rounds")
    # rounds touched by a day other than their own (buyer messages after midnight)
    x(f"""
    CREATE TEMP TABLE touched_later AS
    SELECT DISTINCT r.sid, m.day, r.kind, r.c_ts
    FROM rounds r JOIN mw m ON m.sid = r.sid AND m.kb = r.kb AND m.s = 0
    WHERE r.multi_day AND m.day > r.open_day""", "rounds across midnight")

    # -- receptions (§2) ----------------------------------------------------------------------
    # bought_before: the buyer's latest order placed before the first buyer time (an order at
    # exactly that time is not before) lies on day d or one of the after_sale_days before it.
    H8, H23 = 8 * 3600 * US, 23 * 3600 * US
    TB = 600 * US
    x(f"""
    CREATE TEMP TABLE rec AS
    WITH base AS (
      SELECT sid, day, any_value(aid) AS aid, any_value(bk) AS bk,
             count(*) FILTER (s = 0) AS n_buyer, count(*) FILTER (s = 1) AS n_agent,
             max(ts) - min(ts) AS duration, min(ts) FILTER (s = 0) AS first_buyer
      FROM mw GROUP BY sid, day
    ), rday AS (  -- touched rounds (all rows) and rounds opened on the day (own)
      SELECT sid, day,
             bool_or(kind IN (1, 2)) AS served,
             bool_or(kind IS NOT NULL) AS replied,
             arg_min(CASE WHEN kind IN (1, 2) THEN resp ELSE -1 END, kb)
               FILTER (own) AS first_resp,
             count(*) FILTER (own AND kind IN (1, 2) AND resp > {SLOW}) AS n_slow,
             count(*) FILTER (own AND kind IS DISTINCT FROM 9) AS n_rounds,
             sum(resp) FILTER (own AND kind IN (1, 2)) AS sum_resp,
             count(*) FILTER (own AND kind IN (1, 2)) AS n_resp,
             count(*) FILTER (own AND kind IS DISTINCT FROM 9
                              AND open_tod >= {H8}) AS n3_den,
             count(*) FILTER (own AND kind IN (1, 2) AND open_tod >= {H8}
                              AND wait <= {180 * US}) AS n3_num,
             sum(CASE WHEN kind IN (1, 2) THEN least(wait, {TB}) ELSE {TB} END)
               FILTER (own AND open_tod >= {H8} AND open_tod < {H23}) AS tb_sum,
             count(*) FILTER (own AND open_tod >= {H8} AND open_tod < {H23}) AS tb_n
      FROM (
        SELECT sid, open_day AS day, kind, resp, wait, open_tod, kb, true AS own FROM rounds
        UNION ALL
        SELECT sid, day, kind, NULL, NULL, NULL, NULL, false FROM touched_later
      )
      GROUP BY sid, day
    ), bb AS (
      SELECT b.sid, b.day, o.created // {DAY} >= b.day - {ASD} AS bought_before
      FROM (SELECT sid, day, bk, first_buyer FROM base WHERE first_buyer IS NOT NULL) b
      ASOF JOIN (SELECT bk, created FROM orders WHERE created IS NOT NULL) o
        ON o.bk = b.bk AND b.first_buyer > o.created
    )
    SELECT b.*, n_buyer > 0 AS consulted,
           coalesce(t.served, false) AS served,
           n_buyer > 0 AND NOT coalesce(t.replied, false) AS unreplied,
           n_buyer > 0 AND coalesce(bb.bought_before, false) AS bought_before,
           nullif(t.first_resp, -1) AS first_resp,
           coalesce(t.n_slow, 0) >= {SLOWN} AS slow,
           coalesce(t.n_rounds, 0) AS n_rounds, coalesce(t.sum_resp, 0) AS sum_resp,
           coalesce(t.n_resp, 0) AS n_resp, coalesce(t.n3_den, 0) AS n3_den,
           coalesce(t.n3_num, 0) AS n3_num, coalesce(t.tb_sum, 0) AS tb_sum,
           coalesce(t.tb_n, 0) AS tb_n
    FROM base b
    LEFT JOIN rday t USING (sid, day)
    LEFT JOIN bb USING (sid, day)
    """, "receptions")

    # -- attribution (§3): last touch ---------------------------------------------------------
    # The times an order's last touch is looked for before: its creation (by_pay = 0) and, if
    # paid, its payment (by_pay = 1). The `attribution` setting picks among the two results:
    # order = the creation's; payment = the payment's for paid orders, the creation's for
    # unpaid ones; order_first = the creation's where there is one, else the payment's.
    mode = st["attribution"]
    keep = {
        "order": "w.by_pay = 0",
        "payment": "(w.by_pay = 1 OR o.paid IS NULL)",
        "order_first": "TRUE",
    }[mode]
    x(f"""
    CREATE TEMP TABLE attr AS
    WITH tr AS (  -- answered touched rounds of buyers who ordered, with buyer and account
      SELECT t.sid, t.day, t.c_ts, r.bk, r.aid
      FROM (SELECT sid, open_day AS day, c_ts FROM rounds WHERE kind IN (1, 2)
            UNION ALL
            SELECT sid, day, c_ts FROM touched_later WHERE kind IN (1, 2)) t
      JOIN rec r USING (sid, day)
      WHERE r.bk IN (SELECT bk FROM orders)
    ), pts AS (
      SELECT store, order_id, bk, 0 AS by_pay, created AS t FROM orders
      UNION ALL
      SELECT store, order_id, bk, 1 AS by_pay, paid AS t FROM orders WHERE paid IS NOT NULL
    ), cand AS (
      SELECT p.store, p.order_id, p.by_pay, tr.sid, tr.day, tr.aid, max(tr.c_ts) AS best
      FROM (SELECT *, unnest(range(t // {DAY} - {W - 1}, t // {DAY} + 1)) AS rday FROM pts) p
      JOIN tr ON tr.bk = p.bk AND tr.day = p.rday AND tr.c_ts <= p.t
      GROUP BY p.store, p.order_id, p.by_pay, tr.sid, tr.day, tr.aid
    ), win AS (
      SELECT c.* FROM cand c JOIN accts a ON a.aid = c.aid
      QUALIFY row_number() OVER (PARTITION BY c.store, c.order_id, c.by_pay
                                 ORDER BY c.best DESC, c.day DESC, a.account ASC) = 1
    )
    SELECT w.store, w.order_id, w.sid, w.day, o.paid IS NOT NULL AS is_paid, o.cents, o.items
    FROM win w JOIN orders o ON o.store = w.store AND o.order_id = w.order_id
    WHERE {keep}
    QUALIFY row_number() OVER (PARTITION BY w.store, w.order_id ORDER BY w.by_pay) = 1
    """, "attribution")

    # -- reminders (§4) -----------------------------------------------------------------------
    x(f"""
    CREATE TEMP TABLE rem AS
    SELECT m.aid, m.day, o.paid IS NOT NULL AS is_paid, o.cents
    FROM (SELECT *, unnest(range(day, (created + {REM}) // {DAY} + 1)) AS mday FROM orders) o
    JOIN mw m
      ON m.bk = o.bk AND m.day = o.mday AND m.s = 1
     AND m.ts > o.created AND m.ts <= o.created + {REM}
     AND (o.paid IS NULL OR m.ts < o.paid) AND (o.closed IS NULL OR m.ts < o.closed)
    JOIN accts a ON a.aid = m.aid
    QUALIFY row_number() OVER (PARTITION BY o.store, o.order_id ORDER BY m.ts, a.account) = 1
    """, "reminders")

    # -- period -------------------------------------------------------------------------------
    if p_from is None or p_to is None:
        lo, hi = con.execute("SELECT min(day), max(day) FROM mw").fetchone()
        p_from = lo if p_from is None else p_from
        p_to = hi if p_to is None else p_to
    if p_from is None:
        p_from, p_to = 0, -1
    P = f"BETWEEN {p_from} AND {p_to}"

    # -- platform profiles (metrics.md, "Platform profiles") ----------------------------------
    # Wall clock and fixed windows by the time of day a round opened (start in, end out).
    # A round needs a person unless it was transferred (9) or answered by a bot (2): an
    # agent-answered (1) or unanswered (NULL) round needs one, and only an agent answers it.
    # A session starts at a stream's first round and at every round whose opening buyer
    # message comes >= 10 min after the stream's previous message (any sender); it runs to the
    # next start, across midnight too, and belongs to the day (and window) of its first round.
    #   pdd: per reception, the first round opened that day 08-23 that needs a person;
    #        agent-answered within 180 s / 30 s.
    #   jd:  per session whose first round opened 09-23 and needs a person; that round
    #        agent-answered within 30 s.
    #   dy:  per session with a round that needs a person (started 08-23, or any time); every
    #        such round of the session agent-answered within 180 s.
    # plat has one row per counted item: (aid, day, figure, ok).
    H9 = 9 * 3600 * US
    SESSION_GAP = 600 * US
    x(f"""
    CREATE TEMP TABLE plat AS
    WITH r AS (
      SELECT sid, aid, kb, open_day, open_tod,
             kind IS NULL OR kind = 1 AS needs,
             coalesce(kind = 1 AND wait <= {180 * US}, false) AS ok180,
             coalesce(kind = 1 AND wait <= {30 * US}, false) AS ok30,
             (open_prev IS NULL OR open_ts - open_prev >= {SESSION_GAP})::INT AS starts
      FROM rounds
    ), rs AS (
      SELECT *, sum(starts) OVER (PARTITION BY sid ORDER BY kb
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sess
      FROM r
    ), pdd AS (  -- per reception: the day's first round opened 08-23 that needs a person
      SELECT aid, open_day AS day, ok180, ok30 FROM rs
      WHERE needs AND open_tod >= {H8} AND open_tod < {H23}
      QUALIFY row_number() OVER (PARTITION BY sid, open_day ORDER BY kb) = 1
    ), sess AS (
      SELECT sid, sess, any_value(aid) AS aid,
             arg_min(open_day, kb) AS day, arg_min(open_tod, kb) AS tod,
             arg_min(needs, kb) AS first_needs, arg_min(ok30, kb) AS first_ok30,
             bool_or(needs) AS any_needs, bool_and(ok180) FILTER (needs) AS all_ok180
      FROM rs GROUP BY sid, sess
    )
    SELECT aid, day, 'pdd3' AS fig, ok180 AS ok FROM pdd
    UNION ALL
    SELECT aid, day, 'pdd30', ok30 FROM pdd
    UNION ALL
    SELECT aid, day, 'jd30', first_ok30 FROM sess
    WHERE first_needs AND tod >= {H9} AND tod < {H23}
    UNION ALL
    SELECT aid, day, 'dy3', all_ok180 FROM sess
    WHERE any_needs AND tod >= {H8} AND tod < {H23}
    UNION ALL
    SELECT aid, day, 'dy3all', all_ok180 FROM sess WHERE any_needs
    """, "platform profiles")
    PLAT = (("pdd_3min_rate", "pdd3"), ("pdd_30s_rate", "pdd30"), ("jd_30s_rate", "jd30"),
            ("dy_3min_rate", "dy3"), ("dy_3min_rate_all_day", "dy3all"))

    def plat_rates(by: str) -> dict:
        """{(store, account) or (store,): {figure: rate or None}} over the period (counted
        items in time / counted items; by is "store, account" or "store")."""
        n = by.count(",") + 1
        cnt: dict[tuple, dict[str, tuple[int, int]]] = {}
        for g in con.execute(f"""
        SELECT {by}, fig, count(*), count(*) FILTER (ok)
        FROM plat JOIN accts USING (aid) WHERE day {P} GROUP BY ALL""").fetchall():
            cnt.setdefault(tuple(g[:n]), {})[g[n]] = (int(g[n + 1]), int(g[n + 2]))
        return {k: {name: (c[f][1] / c[f][0] if f in c else None) for name, f in PLAT}
                for k, c in cnt.items()}

    # -- per reception in the period, with its attributed orders and its kind -----------------
    # after-sale (§2): consulted, bought before, and no order attributed to the reception.
    x(f"""
    CREATE TEMP TABLE recp AS
    WITH ro AS (
      SELECT sid, day, count(*) AS n_orders,
             count(*) FILTER (is_paid) AS n_paid, sum(cents) FILTER (is_paid) AS cents,
             sum(items) FILTER (is_paid) AS items
      FROM attr WHERE day {P} GROUP BY sid, day
    )
    SELECT rec.*, a.store, coalesce(ro.n_orders, 0) AS n_orders,
           coalesce(ro.n_paid, 0) AS n_paid, coalesce(ro.cents, 0) AS cents,
           coalesce(ro.items, 0) AS items,
           consulted AND bought_before AND ro.n_orders IS NULL AS after_sale
    FROM rec JOIN accts a USING (aid) LEFT JOIN ro USING (sid, day)
    WHERE rec.day {P}""", "receptions of the period")

    # -- sums per account, and per store (every account, bots included) -----------------------
    SUMS = """
        count(*) FILTER (consulted) AS consulted,
        count(*) FILTER (served) AS served,
        count(*) FILTER (unreplied) AS unreplied,
        count(*) FILTER (consulted AND NOT after_sale) AS inquiries,
        count(*) FILTER (consulted AND NOT after_sale AND n_orders > 0) AS ordered,
        count(*) FILTER (consulted AND NOT after_sale AND n_paid > 0) AS paid,
        count(*) FILTER (after_sale) AS after_sales,
        sum(cents) AS sales_cents,
        sum(n_paid) AS paid_orders,
        sum(items) AS items,
        count(*) FILTER (n_paid > 0) AS n_buying,
        sum(first_resp) AS sum_first, count(first_resp) AS n_first,
        sum(sum_resp) AS sum_resp, sum(n_resp) AS n_resp,
        sum(tb_sum) AS tb_sum, sum(tb_n) AS tb_n,
        count(*) FILTER (slow) AS slow,
        sum(n_rounds) AS rounds,
        sum(n3_num) AS n3_num, sum(n3_den) AS n3_den,
        sum(n_agent) AS n_agent, sum(n_buyer) AS n_buyer,
        sum(duration) FILTER (served) AS sum_duration"""
    # nearest-rank percentiles of the first response times: the value at rank ceil(p·n) of
    # the n sorted values (integer arithmetic: ceil(n/2) = (n+1)//2, ceil(9n/10) = (9n+9)//10)
    PCT = """
        SELECT {key}, max(first_resp) FILTER (rn = (n + 1) // 2) AS p50,
               max(first_resp) FILTER (rn = (9 * n + 9) // 10) AS p90
        FROM (SELECT {key}, first_resp,
                     row_number() OVER (PARTITION BY {key} ORDER BY first_resp) AS rn,
                     count(*) OVER (PARTITION BY {key}) AS n
              FROM recp WHERE first_resp IS NOT NULL)
        GROUP BY {key}"""
    cols = ("consulted, served, unreplied, inquiries, ordered, paid, after_sales, sales_cents, "
            "paid_orders, items, n_buying, sum_first, n_first, sum_resp, n_resp, tb_sum, tb_n, "
            "slow, rounds, n3_num, n3_den, n_agent, n_buyer, sum_duration, p50, p90, reminded, "
            "rem_ok, rem_cents, ratings, good, refunds, sum_took, n_took")
    rows = con.execute(f"""
    WITH r AS (SELECT aid, {SUMS} FROM recp GROUP BY aid
    ), pc AS ({PCT.format(key='aid')}
    ), rm AS (
      SELECT aid, count(*) AS reminded, count(*) FILTER (is_paid) AS rem_ok,
             sum(cents) FILTER (is_paid) AS rem_cents
      FROM rem WHERE day {P} GROUP BY aid
    ), rt AS (
      SELECT aid, count(*) AS ratings, count(*) FILTER (score >= 4) AS good
      FROM ratings WHERE day {P} GROUP BY aid
    ), rf AS (
      SELECT aid, count(*) AS refunds, sum(took) AS sum_took, count(took) AS n_took
      FROM refunds WHERE day {P} AND account IS NOT NULL GROUP BY aid
    )
    SELECT a.store, a.account, {cols}
    FROM accts a
    LEFT JOIN r USING (aid) LEFT JOIN pc USING (aid) LEFT JOIN rm USING (aid)
    LEFT JOIN rt USING (aid) LEFT JOIN rf USING (aid)
    ORDER BY a.store, a.account""").fetchall()
    log("account sums")
    # store: the same sums over every reception of the store; reminders, ratings and refunds
    # summed over the accounts; buyers = distinct consulted buyer-days; total/silent = the
    # paid orders placed on the period's days, and those of them attributed to no reception.
    srows = con.execute(f"""
    WITH st AS (SELECT DISTINCT store FROM accts
    ), r AS (SELECT store, {SUMS},
                    count(DISTINCT (bk, day)) FILTER (consulted) AS buyers
             FROM recp GROUP BY store
    ), pc AS ({PCT.format(key='store')}
    ), rm AS (
      SELECT a.store, count(*) AS reminded, count(*) FILTER (is_paid) AS rem_ok,
             sum(cents) FILTER (is_paid) AS rem_cents
      FROM rem JOIN accts a USING (aid) WHERE day {P} GROUP BY a.store
    ), rt AS (
      SELECT store, count(*) AS ratings, count(*) FILTER (score >= 4) AS good
      FROM ratings WHERE day {P} GROUP BY store
    ), rf AS (
      SELECT store, count(*) AS refunds, sum(took) AS sum_took, count(took) AS n_took
      FROM refunds WHERE day {P} AND account IS NOT NULL GROUP BY store
    ), tot AS (
      SELECT o.store, count(*) AS total_orders, sum(o.cents) AS total_cents,
             count(*) FILTER (a.order_id IS NULL) AS silent_orders,
             sum(o.cents) FILTER (a.order_id IS NULL) AS silent_cents
      FROM orders o LEFT JOIN attr a USING (store, order_id)
      WHERE o.paid IS NOT NULL AND o.day {P} GROUP BY o.store
    )
    SELECT st.store, NULL AS account, {cols}, buyers, total_orders, total_cents,
           silent_orders, silent_cents
    FROM st
    LEFT JOIN r USING (store) LEFT JOIN pc USING (store) LEFT JOIN rm USING (store)
    LEFT JOIN rt USING (store) LEFT JOIN rf USING (store) LEFT JOIN tot USING (store)
    ORDER BY st.store""").fetchall()
    log("store sums")

    def div(a, b):
        return None if not b else a / b

    def figures(row) -> dict:
        (store_, account, consulted, served, unreplied, inquiries, ordered, paid, after_sales,
         sales_cents, paid_orders, items, n_buying, sum_first, n_first, sum_resp, n_resp,
         tb_sum, tb_n, slow, rounds, n3_num, n3_den, n_agent, n_buyer, sum_duration, p50, p90,
         reminded, rem_ok, rem_cents, ratings, good, refunds, sum_took,
         n_took) = [v if isinstance(v, str) or v is None else int(v) for v in row[:36]]
        z = lambda v: v or 0  # noqa: E731
        sales = z(sales_cents) / 100
        out = {"store": store_}
        if account is not None:
            out["account"] = account
        out.update({
            "consulted": z(consulted),
            "served": z(served),
            "unreplied": z(unreplied),
            "reply_rate": div(z(consulted) - z(unreplied), consulted),
            "inquiries": z(inquiries),
            "ordered": z(ordered),
            "paid": z(paid),
            "inquiry_conversion": div(z(paid), inquiries),
            "order_conversion": div(z(ordered), inquiries),
            "payment_rate": div(z(paid), ordered),
            "sales": sales,
            "paid_orders": z(paid_orders),
            "items": z(items),
            "avg_order_value": div(sales, n_buying),
            "after_sales": z(after_sales),
            "avg_first_response_secs": div(z(sum_first) / US, n_first),
            "first_response_p50_secs": None if p50 is None else p50 / US,
            "first_response_p90_secs": None if p90 is None else p90 / US,
            "avg_response_secs": div(z(sum_resp) / US, n_resp),
            "tb_avg_response_secs": div(z(tb_sum) / US, tb_n),
            "slow": z(slow),
            "rounds": z(rounds),
            "answered_within_3min_rate": div(z(n3_num), n3_den),
            "answer_question_ratio": div(z(n_agent), n_buyer),
            "avg_duration_secs": div(z(sum_duration) / US, served),
            "reminded_orders": z(reminded),
            "reminder_success": z(rem_ok),
            "reminder_sales": z(rem_cents) / 100,
            "ratings": z(ratings),
            "satisfaction_rate": div(z(good), ratings),
            "refunds": z(refunds),
            "avg_refund_secs": div(z(sum_took) / US, n_took),
        })
        return out

    none = {name: None for name, _ in PLAT}
    pa = plat_rates("store, account")
    ps = plat_rates("store")
    accounts = []
    for r in rows:
        f = figures(r)
        f.update(pa.get((r[0], r[1]), none))
        accounts.append(f)
    stores = []
    for r in srows:
        f = figures(r)
        buyers, total_orders, total_cents, silent_orders, silent_cents = [
            int(v or 0) for v in r[36:]]
        f.update({"buyers": buyers, "total_orders": total_orders,
                  "total_sales": total_cents / 100, "silent_orders": silent_orders,
                  "silent_sales": silent_cents / 100})
        f.update(ps.get((r[0],), none))
        stores.append(f)
    return {"accounts": accounts, "stores": stores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", default="default",
                    help="store of rows without a store column (default: default)")
    ap.add_argument("--config", help="TOML file with a [metrics] section")
    ap.add_argument("--from", dest="p_from", help="first day of the period, YYYY-MM-DD")
    ap.add_argument("--to", dest="p_to", help="last day of the period, YYYY-MM-DD")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 4GB")
    ap.add_argument("--output", "-o", help="write the JSON here instead of stdout")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    st = load_settings(a.config, a.store)
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {a.threads}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    if a.memory_limit:
        con.execute(f"SET memory_limit = {q(a.memory_limit)}")
    with tempfile.TemporaryDirectory(prefix="kefu-duckdb-") as tmp:
        loader = Loader(con, a.store, st["offset_us"], tmp)
        try:
            for i, p in enumerate(a.files):
                loader.add(i, p)
            loader.load()
        except duckdb.Error as e:
            sys.exit(f"duckdb_figures: {str(e).splitlines()[0]}")
        try:
            figs = build(con, st, a.store,
                         day_number(a.p_from) if a.p_from else None,
                         day_number(a.p_to) if a.p_to else None)
        except duckdb.Error as e:
            sys.exit(f"duckdb_figures: {str(e).splitlines()[0]}")
    text = json.dumps(figs, ensure_ascii=False, indent=1)
    if a.output:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    log("done")


if __name__ == "__main__":
    main()
