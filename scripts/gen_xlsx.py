#!/usr/bin/env python3
"""Writes the workbooks of the xlsx memory benchmark (docs/benchmark.md, issue 10 item 1).

    python3 scripts/gen_xlsx.py huge  OUT.xlsx        # a header, one row, a cell at XFD1048576
    python3 scripts/gen_xlsx.py rows  OUT.xlsx [N [DAYS]]
        # N message rows (default 2,000,000) over DAYS days from 2026-11-01 (default 30)

The sheet XML is written by hand with the standard library: Excel and rust_xlsxwriter stop at
1,048,576 rows, and the point of the second file is a sheet larger than that. Strings go into
the shared-string table as Excel writes them; times are date cells (built-in format 22).
"""
import sys
import zipfile

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/><sheetData>"""
SHEET_TAIL = "</sheetData></worksheet>"

HEADER = ["time", "buyer", "account", "sender", "text", "msg_id", "store"]
TEXTS = ["有货吗", "亲，有的", "今天下单明天发", "马上为您查询", "好的谢谢", "在吗？能便宜点吗"]
SENDERS = ["buyer", "agent", "bot", "auto", "buyer", "agent"]
COLS = "ABCDEFG"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Strings:
    def __init__(self):
        self.index = {}
        self.order = []

    def __call__(self, s):
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.order)
            self.order.append(s)
        return i

    def xml(self):
        yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        yield '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (
            len(self.order), len(self.order))
        for s in self.order:
            yield "<si><t>%s</t></si>" % esc(s)
        yield "</sst>"


def row_xml(r, cells):
    out = ['<row r="%d">' % r]
    for col, (kind, v) in cells:
        ref = "%s%d" % (col, r)
        if kind == "s":
            out.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, v))
        elif kind == "d":
            out.append('<c r="%s" s="1"><v>%r</v></c>' % (ref, v))
    out.append("</row>")
    return "".join(out)


def write(path, rows_iter, dim, strings):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/styles.xml", STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(SHEET_HEAD.format(dim=dim).encode())
            buf = []
            for x in rows_iter:
                buf.append(x)
                if len(buf) >= 10000:
                    f.write("".join(buf).encode())
                    buf = []
            f.write("".join(buf).encode())
            f.write(SHEET_TAIL.encode())
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            for part in strings.xml():
                f.write(part.encode())


def header_row(strings):
    return row_xml(1, [(COLS[i], ("s", strings(h))) for i, h in enumerate(HEADER)])


def huge(path):
    s = Strings()
    rows = [
        header_row(s),
        row_xml(2, [(COLS[i], ("s", s(v))) for i, v in
                    enumerate(["2026-11-11 09:00:00", "tb_1", "晨光旗舰店:客服1", "buyer", "在吗", "m1", "晨光旗舰店"])]),
        '<row r="1048576"><c r="XFD1048576" t="s"><v>%d</v></c></row>' % s("x"),
    ]
    write(path, iter(rows), "A1:XFD1048576", s)


def many(path, n, days):
    s = Strings()
    # 2026-11-01 00:00:00 as an Excel serial date.
    day = 46327.0

    def rows():
        yield header_row(s)
        for i in range(n):
            sec = i * 86400 * days // n
            yield row_xml(i + 2, [
                ("A", ("d", day + sec / 86400.0)),
                ("B", ("s", s("tb_%07d" % (i // 7)))),
                ("C", ("s", s("晨光旗舰店:客服%d" % (i % 12)))),
                ("D", ("s", s(SENDERS[i % len(SENDERS)]))),
                ("E", ("s", s(TEXTS[i % len(TEXTS)]))),
                ("F", ("s", s("m20261111-%08d" % i))),
                ("G", ("s", s("晨光旗舰店"))),
            ])

    write(path, rows(), "A1:G%d" % (n + 1), s)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("huge", "rows"):
        sys.exit(__doc__)
    if sys.argv[1] == "huge":
        huge(sys.argv[2])
    else:
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 2_000_000
        days = int(sys.argv[4]) if len(sys.argv) > 4 else 30
        many(sys.argv[2], n, days)
