#!/usr/bin/env python3
"""A message CSV of hostile rows, to show that two builds of the reader hand on the same batches
and rejects (`READ_ONLY_DIGEST=1` of `crates/kefu-import/examples/read_only.rs`).

    python3 scripts/gen_hostile_messages.py OUT.csv BYTES SEED (q|n) (bom|nobom) [gb18030]

`q`: some texts quoted (with commas, quotes and line breaks), so a large file is streamed by
one reader; `n`: no quote anywhere, so a file above 256 MB is read in ranges. Rows carry white
space at both ends of names (also U+3000, U+00A0, U+0085, U+2003), C0/C1 controls and `·` in
buyers, over-long names, unknown senders, bad times, rows of 5 of 8 fields, blank lines, CRLF.
`gb18030` writes the same text in GB18030 (read whole, decoded). The same seed gives the same file.
"""
import random
import sys

out, target, seed, quotes, bom = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "q", sys.argv[5] == "bom"
encoding = sys.argv[6] if len(sys.argv) > 6 else "utf-8"
random.seed(seed)
ws = [" ", "\t", "\u3000", "\u00a0", "\u2003", "\u0085", "", "", "", "", "", ""]
ctl = ["\x01", "\x7f", "\u0085", "\u0090", "·", "°"] + [""] * 9
buyers = (["云朵棉花糖%d" % i for i in range(3000)] + ["tb%09d" % i for i in range(3000)]
          + ["买家·%d" % i for i in range(50)])
accounts = ["晨光旗舰店:安安", "晨光旗舰店:琪琪", "店小蜜", "晨光旗舰店:大涛 ", " 晨光旗舰店:老华"]
senders = ["buyer", "agent", "bot", "买家", "客服", " auto", "system ", "nobody", ""]
texts = ["包邮吗", "亲，现在下单还有赠品哦", "说明书\t找不到了", "", "a" * 200, "°C", "你好" * 3]


def w():
    return random.choice(ws)


def maybe_quote(s):
    if quotes and (random.random() < 0.05 or '"' in s or "," in s or "\n" in s):
        return '"' + s.replace('"', '""') + '"'
    return s


rows = []
size = 0
n = 0
mode = "w"


def flush():
    global rows, mode
    with open(out, mode, encoding=encoding, newline="") as f:
        f.write("".join(rows))
    rows, mode = [], "a"


rows.append("\ufeff" if bom and encoding == "utf-8" else "")
rows.append("time,buyer,account,sender,text,msg_id,transfer_to,store\n")
while size < target:
    n += 1
    r = random.random()
    t = "2026-11-%02d %02d:%02d:%02d" % (random.randint(1, 30), random.randint(0, 23),
                                         random.randint(0, 59), random.randint(0, 59))
    if r < 0.003:
        t = "yesterday"
    if r > 0.997:
        t = random.choice(["2026/11/3 9:05", "2026-11-03T09:00:00+08:00", " 2026-11-03 09:00:00 "])
    buyer = w() + random.choice(buyers) + random.choice(ctl if random.random() < 0.01 else [""]) + w()
    text = random.choice(texts)
    if quotes and random.random() < 0.02:
        text = 'he said "hi", then\nleft'
    sender = random.choice(senders) if random.random() < 0.01 else random.choice(senders[:2])
    fields = [t, buyer, w() + random.choice(accounts), sender, maybe_quote(text),
              "m%d" % n if random.random() < 0.9 else "",
              "晨光旗舰店:琪琪" if random.random() < 0.01 else "",
              "晨光旗舰店" if random.random() < 0.95 else ""]
    if random.random() < 0.002:
        fields = fields[:5]
    if random.random() < 0.001:
        fields[1] = "x" * 200
    line = ",".join(fields) + random.choice(["\n"] * 8 + ["\r\n", "\n\n"])
    rows.append(line)
    size += len(line.encode())
    if len(rows) >= 100000:
        flush()
flush()
