"""Writes pdd_fake.xlsx: a 拼多多 客服绩效 download as the platform sends it — named .xlsx but an
Excel 97-2003 (xls, BIFF8) binary inside. kefu's tests read it (crates/kefu-import/tests/platform.rs).

Run: pip install xlwt && python3 make_pdd_fake_xlsx.py
"""
import xlwt

HEADER = ["客服账号", "客服服务分", "咨询人数", "询单人数", "最终成团人数", "询单转化率",
          "客服销售额(元)", "去退销售额(元)", "需要人工回复的咨询人数", "人工接待人数",
          "3分钟未回复人数", "3分钟人工回复率(8-23点)", "30秒应答率(8-23点)", "平均人工响应时长",
          "评分≤3订单数", "纠纷退款数", "投诉数"]
ROWS = [
    ["晨光拼多多:小美", 4.8, 120, 80, 30, "37.5%", "15230.5", "14000.25", 110, 100, 2, "98.5%", "90%", 26.0, 1, 0, 0],
    ["晨光拼多多:阿强", 4.5, 60, 40, 10, "25%", "3,000", "2,800", 55, 50, 5, "90%", "80.5%", "41", 0, 1, "-"],
    ["总计", "", 180, 120, 40, "33.33%", "18230.5", "16800.25", 165, 150, 7, "", "", "", 1, 1, 0],
    ["平均", "", 90, 60, 20, "", "9115.25", "8400.13", 82.5, 75, 3.5, "", "", "", 0.5, 0.5, 0],
]

wb = xlwt.Workbook(encoding="utf-8")
ws = wb.add_sheet("Sheet0")
for j, h in enumerate(HEADER):
    ws.write(0, j, h)
for i, row in enumerate(ROWS, start=1):
    for j, v in enumerate(row):
        ws.write(i, j, v)
wb.save("pdd_fake.xlsx")
