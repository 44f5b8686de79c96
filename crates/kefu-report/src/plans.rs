//! Plan results as people and payroll clerks read them: the team ranking, one agent's
//! payslip, and the payroll sheet (CSV, xlsx). The command line and the web app both use
//! these, so every screen and export shows the same amounts.

use std::io::Write;

use kefu_core::money::{format_yuan, yuan_f64};
use kefu_core::text::csv_text;
use kefu_plan::{Explained, Movement, Payslip, PlanResult, score_text, weight_text};

use crate::{Lang, Result, aligned};

pub fn movement_text(m: Movement, lang: Lang) -> &'static str {
    match m {
        Movement::Up => lang.t("升级", "up"),
        Movement::Down => lang.t("降级", "down"),
        Movement::Same => lang.t("持平", "same"),
        Movement::New => lang.t("新进", "new"),
        Movement::Out => lang.t("未定级", "no grade"),
    }
}

/// The name an agent goes by: the display name, else the account without the store prefix.
pub fn agent_name(p: &Payslip) -> &str {
    p.display_name
        .as_deref()
        .unwrap_or_else(|| p.account.rsplit(':').next().unwrap_or(&p.account))
}

/// Column names of the team ranking, on the command line and the web page alike: the pay
/// components are those of the plan (every payslip of a result has the same ones).
pub fn ranking_headers(r: &PlanResult, lang: Lang) -> Vec<String> {
    let mut head = vec![
        lang.t("排名", "Rank").to_string(),
        lang.t("客服账号", "Account").to_string(),
        lang.t("梯队", "Grade").to_string(),
        lang.t("变动", "Movement").to_string(),
        lang.t("绩效分", "Score").to_string(),
    ];
    if has_gates(std::slice::from_ref(r)) {
        head.push(gates_header(lang));
    }
    head.push(lang.t("提成销售额", "Net sales").to_string());
    if let Some(first) = r.payslips.first() {
        head.extend(
            first
                .pay
                .iter()
                .map(|l| lang.t(&l.name, &l.name_en).to_string()),
        );
    }
    head.push(lang.t("合计", "Total").to_string());
    head
}

/// Whether a plan of `results` has gates (their payslips then carry a gate column).
pub fn has_gates(results: &[PlanResult]) -> bool {
    results
        .iter()
        .any(|r| r.payslips.iter().any(|p| !p.gates.is_empty()))
}

fn gates_header(lang: Lang) -> String {
    lang.t("触发门槛", "Gates applied").to_string()
}

/// The gates that applied to an agent, each with what it did (`–` for none): the reason a
/// payslip is lower than its score suggests, on the ranking and the payroll sheet.
pub fn gates_text(p: &Payslip, lang: Lang) -> String {
    let fired: Vec<String> = p
        .gates
        .iter()
        .filter(|g| g.fired)
        .map(|g| {
            format!(
                "{}{}{}{}",
                g.name,
                lang.t("（", " ("),
                lang.t(&g.effect, &g.effect_en),
                lang.t("）", ")")
            )
        })
        .collect();
    if fired.is_empty() {
        "–".into()
    } else {
        fired.join(lang.t("；", "; "))
    }
}

/// The sums of a ranking's money columns: net sales, each pay component, the total.
pub struct RankingTotals {
    pub net_sales_cents: i64,
    pub pay_cents: Vec<i64>,
    pub total_cents: i64,
}

pub fn ranking_totals(r: &PlanResult) -> RankingTotals {
    let components = r.payslips.first().map_or(0, |p| p.pay.len());
    let mut totals = RankingTotals {
        net_sales_cents: 0,
        pay_cents: vec![0; components],
        total_cents: 0,
    };
    for p in &r.payslips {
        totals.net_sales_cents += p.sales.net_cents;
        for (sum, l) in totals.pay_cents.iter_mut().zip(&p.pay) {
            *sum += l.amount_cents;
        }
        totals.total_cents += p.total_cents;
    }
    totals
}

/// One person's pay over every plan of a month: a person with two chat accounts (or paid
/// under two plans) gets one line with one total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonPay {
    /// The roster name, else the account.
    pub name: String,
    /// `plan: account` of each payslip.
    pub payslips: Vec<(String, String)>,
    pub total_cents: i64,
}

/// Pay per person across `results`, in order of first appearance. People are told apart by
/// their roster name (`display_name`); an account without one is its own person.
pub fn pay_by_person(results: &[PlanResult]) -> Vec<PersonPay> {
    let mut people: Vec<PersonPay> = Vec::new();
    for r in results {
        for p in &r.payslips {
            let name = p.display_name.clone().unwrap_or_else(|| p.account.clone());
            let entry = match people.iter().position(|x| x.name == name) {
                Some(i) => &mut people[i],
                None => {
                    people.push(PersonPay {
                        name,
                        payslips: Vec::new(),
                        total_cents: 0,
                    });
                    people.last_mut().expect("just pushed")
                }
            };
            entry
                .payslips
                .push((r.plan_name.clone(), p.account.clone()));
            entry.total_cents += p.total_cents;
        }
    }
    people
}

/// The people paid by more than one payslip, one line each with the parts and the total;
/// empty when everyone has one payslip.
pub fn combined_pay_lines(results: &[PlanResult], lang: Lang) -> Vec<String> {
    pay_by_person(results)
        .into_iter()
        .filter(|p| p.payslips.len() > 1)
        .map(|p| {
            let parts: Vec<String> = p
                .payslips
                .iter()
                .map(|(plan, account)| format!("{plan}: {account}"))
                .collect();
            format!(
                "{} — {} {} ({})",
                p.name,
                lang.t("合计应发", "total pay"),
                format_yuan(p.total_cents),
                parts.join(", ")
            )
        })
        .collect()
}

/// The team ranking with grades, movement, score, commissionable sales and pay.
pub fn ranking_table(r: &PlanResult, lang: Lang) -> String {
    let mut out = format!(
        "{} {} — {} {}（{} {}）\n\n",
        r.plan_name,
        r.month,
        lang.t("人数", "agents"),
        r.headcount,
        lang.t("结算截止", "settled before"),
        r.settlement_end
    );
    let mut rows = vec![ranking_headers(r, lang)];
    let gates = has_gates(std::slice::from_ref(r));
    for p in &r.payslips {
        let mut row = vec![
            rank_text(p),
            p.account.clone(),
            p.grade.clone().unwrap_or_else(|| "–".into()),
            movement_text(p.movement, lang).to_string(),
            score_text(p.total_score),
        ];
        if gates {
            row.push(gates_text(p, lang));
        }
        row.push(format_yuan(p.sales.net_cents));
        row.extend(p.pay.iter().map(|l| format_yuan(l.amount_cents)));
        row.push(format_yuan(p.total_cents));
        rows.push(row);
    }
    if r.payslips.len() > 1 {
        let totals = ranking_totals(r);
        let mut row = vec![
            lang.t("合计", "Total").to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
        if gates {
            row.push(String::new());
        }
        row.push(format_yuan(totals.net_sales_cents));
        row.extend(totals.pay_cents.iter().map(|c| format_yuan(*c)));
        row.push(format_yuan(totals.total_cents));
        rows.push(row);
    }
    out.push_str(&aligned(&rows, 4));
    if r.payslips.is_empty() {
        out.push_str(lang.t(
            "（该月没有适用此方案的客服）\n",
            "(no agent this plan applies to in this month)\n",
        ));
    }
    for line in paid_elsewhere_lines(r, lang) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The accounts with sales in the month that no plan pays, as one line (none when there are
/// none); the same for every plan of a run, so shown once.
pub fn unpaid_line(results: &[PlanResult], lang: Lang) -> Option<String> {
    let unpaid = &results.first()?.unpaid_with_sales;
    if unpaid.is_empty() {
        return None;
    }
    let listed: Vec<String> = unpaid
        .iter()
        .map(|u| {
            format!(
                "{} ({} {}{})",
                u.account,
                lang.t("销售额", "sales"),
                format_yuan(u.sales_cents),
                if u.in_roster {
                    ""
                } else {
                    lang.t("，不在花名册", ", not in the roster")
                }
            )
        })
        .collect();
    Some(format!(
        "{}: {}",
        lang.t(
            "这些有销售额的账号不在任何方案中（不计薪；加入花名册并设置角色或组别）",
            "these accounts with sales are in no plan (nobody pays them; add them to the roster with a role or group)"
        ),
        listed.join(", ")
    ))
}

/// The platform columns the plan reads that no agent has a figure for in the month, one line
/// per column with the columns of that platform that do exist (a typo shows at once).
pub fn columns_without_data_lines(r: &PlanResult, lang: Lang) -> Vec<String> {
    r.columns_without_data
        .iter()
        .map(|c| {
            let platform = kefu_core::platform::Platform::parse(&c.platform)
                .map_or(c.platform.as_str(), |p| p.name(lang == Lang::Zh));
            let present = if c.present.is_empty() {
                lang.t("该平台没有任何列", "no column of that platform at all")
                    .to_string()
            } else {
                c.present.join(lang.t("、", ", "))
            };
            format!(
                "{} {platform}「{}」{}{present}",
                lang.t("本月没有客服有平台报表列", "No agent has a figure this month in the platform column"),
                c.column,
                lang.t(
                    "的数据，所有人按缺失计分（列名是否写错？报表是否导入？）。已有的列：",
                    ": everyone scores the KPI's missing score (is the column misspelt, or the report not imported?). Columns present: "
                ),
            )
        })
        .collect()
}

/// The agents a plan matches who are paid by another plan, one line per paying plan.
pub fn paid_elsewhere_lines(r: &PlanResult, lang: Lang) -> Vec<String> {
    let mut by_plan: Vec<(&str, Vec<&str>)> = Vec::new();
    for e in &r.paid_by_other_plan {
        match by_plan.iter_mut().find(|(p, _)| *p == e.plan_id) {
            Some((_, accounts)) => accounts.push(&e.account),
            None => by_plan.push((&e.plan_id, vec![&e.account])),
        }
    }
    by_plan
        .into_iter()
        .map(|(plan, accounts)| {
            format!(
                "{} `{plan}` {}: {}",
                lang.t("也符合本方案、但由方案", "also matched, but paid by plan"),
                lang.t(
                    "计薪（一人只按一个方案计薪）",
                    "(one plan pays each person)"
                ),
                accounts.join(", ")
            )
        })
        .collect()
}

/// One agent's payslip: every KPI with value, rule, score and weight; gates; the sales base
/// with refunds and clawbacks by order; every pay component with its formula.
pub fn payslip_text(r: &PlanResult, p: &Payslip, lang: Lang) -> String {
    let mut out = format!(
        "{} — {} {}\n{} {}  {} {}  {} {} ({} {})  {} {}\n\n",
        r.plan_name,
        p.account,
        r.month,
        lang.t("排名", "rank"),
        rank_text(p),
        lang.t("梯队", "grade"),
        p.grade.as_deref().unwrap_or("–"),
        lang.t("变动", "movement"),
        movement_text(p.movement, lang),
        lang.t("上月", "last month"),
        p.previous_grade.as_deref().unwrap_or("–"),
        lang.t("绩效分", "score"),
        score_text(p.total_score),
    );
    let mut rows = vec![vec![
        lang.t("指标", "KPI").to_string(),
        lang.t("数值", "Value").to_string(),
        lang.t("规则", "Rule").to_string(),
        lang.t("得分", "Score").to_string(),
        lang.t("权重", "Weight").to_string(),
        lang.t("加权分", "Points").to_string(),
    ]];
    for k in &p.kpis {
        let mut rule = k.rule.clone();
        if let Some(g) = &k.zeroed_by {
            rule.push_str(&format!(" [{} → 0]", g));
        }
        rows.push(vec![
            lang.t(&k.name, &k.name_en).to_string(),
            k.value_explained(lang == Lang::En),
            rule,
            score_text(k.score),
            weight_text(k.weight_bp),
            score_text(k.points),
        ]);
    }
    rows.push(vec![
        lang.t("合计", "Total").to_string(),
        String::new(),
        String::new(),
        String::new(),
        "100%".into(),
        score_text(p.total_score),
    ]);
    out.push_str(&aligned(&rows, 3));
    if !p.gates.is_empty() {
        out.push_str(&format!("\n{}\n", lang.t("门槛", "Gates")));
        for g in &p.gates {
            out.push_str(&format!(
                "  {}: {} ({} {}) → {}{}\n",
                g.name,
                lang.t(&g.condition_zh, &g.condition_en),
                lang.t("实际", "actual"),
                g.value_explained(lang == Lang::En),
                if g.fired {
                    lang.t("触发：", "applied: ")
                } else {
                    lang.t("未触发", "not applied")
                },
                if g.fired {
                    lang.t(&g.effect, &g.effect_en)
                } else {
                    ""
                },
            ));
        }
    }
    let s = &p.sales;
    out.push_str(&format!(
        "\n{}\n  {} {} ({} {})\n  − {} {}\n  − {} {}\n  = {} {}\n",
        lang.t("提成销售额", "Commissionable sales"),
        lang.t("本月付款订单", "orders paid this month"),
        format_yuan(s.gross_cents),
        s.orders.len(),
        lang.t("单", "orders"),
        lang.t("结算日前完成的退款", "refunds finished by settlement"),
        format_yuan(s.refunded_cents),
        lang.t(
            "往月订单结算后退款（扣回）",
            "refunds of earlier months after their settlement (clawback)"
        ),
        format_yuan(s.late_refunds_cents),
        lang.t("提成基数", "base"),
        format_yuan(s.net_cents),
    ));
    for l in &s.late_refunds {
        out.push_str(&format!(
            "    {} {}  {} {}  {} {}  −{}\n",
            lang.t("订单", "order"),
            l.order_id,
            lang.t("付款", "paid"),
            l.paid_at,
            lang.t("退款完成", "refunded"),
            l.finished_at,
            format_yuan(l.amount_cents)
        ));
    }
    for o in s.orders.iter().filter(|o| o.refunded_cents > 0) {
        out.push_str(&format!(
            "    {} {}  {} {}  {}  {} −{}\n",
            lang.t("订单", "order"),
            o.order_id,
            lang.t("付款", "paid"),
            o.paid_at,
            format_yuan(o.amount_cents),
            lang.t("退款", "refund"),
            format_yuan(o.refunded_cents)
        ));
    }
    out.push_str(&format!("\n{}\n", lang.t("应发", "Pay")));
    let mut rows = Vec::new();
    for l in &p.pay {
        rows.push(vec![
            lang.t(&l.name, &l.name_en).to_string(),
            l.formula.clone(),
            format_yuan(l.amount_cents),
        ]);
    }
    rows.push(vec![
        lang.t("合计", "Total").to_string(),
        String::new(),
        format_yuan(p.total_cents),
    ]);
    out.push_str(&aligned(&rows, 2));
    out
}

/// The pay components of all results, by name, in order of first appearance: the payroll
/// sheet's amount columns.
fn pay_columns(results: &[PlanResult], lang: Lang) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in results {
        if let Some(p) = r.payslips.first() {
            for l in &p.pay {
                let name = lang.t(&l.name, &l.name_en);
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

/// The roster's 工号, group and 部门 of a payslip, in the payroll sheet's order.
fn payroll_ids(p: &Payslip) -> [&Option<String>; 3] {
    [&p.employee_no, &p.group, &p.department]
}

/// Which of 工号, group and 部门 any payslip of `results` has (a sheet shows those columns
/// only), with their names.
fn payroll_ids_present(results: &[PlanResult]) -> [(bool, &'static str, &'static str); 3] {
    let any = |i: usize| {
        results
            .iter()
            .flat_map(|r| &r.payslips)
            .any(|p| payroll_ids(p)[i].is_some())
    };
    [
        (any(0), "工号", "Employee no."),
        (any(1), "分组", "Group"),
        (any(2), "部门", "Department"),
    ]
}

/// Column names of the payroll sheet.
pub fn payroll_headers(results: &[PlanResult], lang: Lang) -> Vec<String> {
    let mut h: Vec<String> = [
        lang.t("月份", "Month"),
        lang.t("方案", "Plan"),
        lang.t("客服账号", "Account"),
        lang.t("姓名", "Name"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (present, zh, en) in payroll_ids_present(results) {
        if present {
            h.push(lang.t(zh, en).to_string());
        }
    }
    h.extend(
        [
            lang.t("排名", "Rank"),
            lang.t("梯队", "Grade"),
            lang.t("上月梯队", "Previous grade"),
            lang.t("变动", "Movement"),
            lang.t("绩效分", "Score"),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    if has_gates(results) {
        h.push(gates_header(lang));
    }
    h.extend(
        [
            lang.t("付款销售额", "Gross sales"),
            lang.t("结算前退款", "Refunds"),
            lang.t("扣回", "Clawback"),
            lang.t("提成销售额", "Net sales"),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h.extend(pay_columns(results, lang));
    h.push(lang.t("应发合计", "Total pay").to_string());
    h
}

enum Cell {
    Text(String),
    Int(i64),
    Score(i64),
    Money(i64),
    Empty,
}

fn payroll_rows(results: &[PlanResult], lang: Lang) -> Vec<Vec<Cell>> {
    let columns = pay_columns(results, lang);
    let gates = has_gates(results);
    let ids = payroll_ids_present(results);
    let mut rows = Vec::new();
    for r in results {
        for p in &r.payslips {
            let mut row = vec![
                Cell::Text(r.month.clone()),
                Cell::Text(r.plan_name.clone()),
                Cell::Text(p.account.clone()),
                Cell::Text(agent_name(p).to_string()),
            ];
            for ((present, _, _), value) in ids.iter().zip(payroll_ids(p)) {
                if *present {
                    row.push(value.clone().map_or(Cell::Empty, Cell::Text));
                }
            }
            row.extend([
                p.rank.map_or(Cell::Empty, |r| Cell::Int(r as i64)),
                p.grade.clone().map_or(Cell::Empty, Cell::Text),
                p.previous_grade.clone().map_or(Cell::Empty, Cell::Text),
                Cell::Text(movement_text(p.movement, lang).to_string()),
                Cell::Score(p.total_score),
            ]);
            if gates {
                row.push(Cell::Text(gates_text(p, lang)));
            }
            row.extend([
                Cell::Money(p.sales.gross_cents),
                Cell::Money(p.sales.refunded_cents),
                Cell::Money(p.sales.late_refunds_cents),
                Cell::Money(p.sales.net_cents),
            ]);
            for name in &columns {
                row.push(
                    p.pay
                        .iter()
                        .find(|l| lang.t(&l.name, &l.name_en) == name)
                        .map_or(Cell::Empty, |l| Cell::Money(l.amount_cents)),
                );
            }
            row.push(Cell::Money(p.total_cents));
            rows.push(row);
        }
    }
    rows
}

/// The payroll sheet as CSV: one row per agent, amounts in yuan with two decimals.
pub fn write_payroll_csv(results: &[PlanResult], lang: Lang, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(payroll_headers(results, lang))?;
    for row in payroll_rows(results, lang) {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(s) => csv_text(s).into_owned(),
            Cell::Int(n) => n.to_string(),
            Cell::Score(h) => score_text(*h),
            Cell::Money(c) => format_yuan(*c),
            Cell::Empty => String::new(),
        }))?;
    }
    w.flush()?;
    Ok(())
}

/// The payroll workbook: the sheet a payroll clerk expects (one row per agent), and the
/// clawed-back refunds by order on a second sheet.
pub fn payroll_xlsx(results: &[PlanResult], lang: Lang) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let money = XFormat::new().set_num_format("#,##0.00");
    let score = XFormat::new().set_num_format("0.00");
    let ws = wb.add_worksheet();
    ws.set_name(lang.t("工资表", "Payroll"))?;
    for (i, h) in payroll_headers(results, lang).iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &bold)?;
    }
    let rows = payroll_rows(results, lang);
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s)?,
                Cell::Int(n) => ws.write_number(r, c, *n as f64)?,
                Cell::Score(h) => ws.write_number_with_format(r, c, *h as f64 / 100.0, &score)?,
                Cell::Money(m) => ws.write_number_with_format(r, c, yuan_f64(*m), &money)?,
                Cell::Empty => ws,
            };
        }
    }
    // A totals row under the money columns, as a clerk adds before paying out.
    if rows.len() > 1 {
        let r = rows.len() as u32 + 1;
        ws.write_string_with_format(r, 0, lang.t("合计", "Total"), &bold)?;
        let width = rows.first().map_or(0, Vec::len);
        for c in 0..width {
            let money_column = rows
                .iter()
                .any(|row| matches!(row.get(c), Some(Cell::Money(_))));
            if money_column {
                let sum: i64 = rows
                    .iter()
                    .filter_map(|row| match row.get(c) {
                        Some(Cell::Money(m)) => Some(*m),
                        _ => None,
                    })
                    .sum();
                ws.write_number_with_format(r, c as u16, yuan_f64(sum), &money.clone().set_bold())?;
            }
        }
    }
    ws.set_freeze_panes(1, 3)?;
    // One line per person: a person with two accounts or two plans is paid one total.
    let ws = wb.add_worksheet();
    ws.set_name(lang.t("按人合计", "Per person"))?;
    for (i, h) in [
        lang.t("姓名", "Name"),
        lang.t("工资条", "Payslips"),
        lang.t("应发合计", "Total pay"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (i, person) in pay_by_person(results).iter().enumerate() {
        let r = i as u32 + 1;
        let parts: Vec<String> = person
            .payslips
            .iter()
            .map(|(plan, account)| format!("{plan}: {account}"))
            .collect();
        ws.write_string(r, 0, &person.name)?;
        ws.write_string(r, 1, parts.join(", "))?;
        ws.write_number_with_format(r, 2, yuan_f64(person.total_cents), &money)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(lang.t("退款扣回明细", "Clawback"))?;
    let head = [
        lang.t("月份", "Month"),
        lang.t("客服账号", "Account"),
        lang.t("订单号", "Order"),
        lang.t("付款时间", "Paid at"),
        lang.t("退款完成时间", "Refund finished at"),
        lang.t("扣回金额", "Amount"),
    ];
    for (i, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    let mut r = 1u32;
    for res in results {
        for p in &res.payslips {
            for l in &p.sales.late_refunds {
                ws.write_string(r, 0, &res.month)?;
                ws.write_string(r, 1, &p.account)?;
                ws.write_string(r, 2, &l.order_id)?;
                ws.write_string(r, 3, &l.paid_at)?;
                ws.write_string(r, 4, &l.finished_at)?;
                ws.write_number_with_format(r, 5, yuan_f64(l.amount_cents), &money)?;
                r += 1;
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// The rank as shown: `–` for an agent without activity in the month (not ranked).
pub fn rank_text(p: &Payslip) -> String {
    p.rank.map_or_else(|| "–".into(), |r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::figures::{C, Counters};
    use kefu_plan::{AgentInput, Month, PaidOrder, PlanInput};

    fn result() -> PlanResult {
        let plan = kefu_plan::parse(
            r#"id = "t"
name = "方案"
[[kpi]]
figure = "inquiry_conversion"
weight = 100
bands = [{ min = "50%", score = 100 }]
else = 60
[[pay]]
key = "c"
name = "提成"
tiered = { tiers = [{ from = 0, rate = "1%" }] }
[[grade]]
name = "A"
min_score = 90
[[grade]]
name = "B"
min_score = 0
"#,
        )
        .unwrap();
        let agent = |name: &str, paid: i64, amount: i64| {
            let mut c = Counters::default();
            c.add(C::inquiries, 10);
            c.add(C::paid, paid);
            AgentInput {
                account: format!("店:{name}"),
                counters: c,
                orders: vec![PaidOrder {
                    order_id: format!("O-{name}"),
                    paid_at: Month::parse("2026-11").unwrap().first_day().start(),
                    amount_cents: amount,
                    refunds: vec![],
                }],
                previous_grade: Some("B".into()),
                ..Default::default()
            }
        };
        let input = PlanInput {
            store: Counters::default(),
            agents: vec![agent("乙", 3, 10_000), agent("甲", 6, 123_456)],
        };
        kefu_plan::evaluate(&plan, Month::parse("2026-11").unwrap(), &input).unwrap()
    }

    #[test]
    fn ranking_and_payroll_show_the_same_amounts() {
        let r = result();
        let table = ranking_table(&r, Lang::Zh);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "方案 2026-11 — 人数 2（结算截止 2026-12-06 00:00:00）"
        );
        assert!(lines[3].starts_with("1     店:甲"), "{table}");
        assert!(lines[3].contains("升级"), "{table}");
        // 1234.56 × 1% = 12.3456 → 12.35
        assert!(lines[3].ends_with("1234.56  12.35  12.35"), "{table}");
        let mut csv = Vec::new();
        write_payroll_csv(std::slice::from_ref(&r), Lang::En, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(
            rows[1],
            "2026-11,方案,店:甲,甲,1,A,B,up,100,1234.56,0.00,0.00,1234.56,12.35,12.35"
        );
        assert_eq!(
            rows[2],
            "2026-11,方案,店:乙,乙,2,B,B,same,60,100.00,0.00,0.00,100.00,1.00,1.00"
        );
        let slip = payslip_text(&r, &r.payslips[0], Lang::En);
        assert!(slip.contains("1234.56 × 1% = 12.35"), "{slip}");
        assert!(slip.contains("≥ 50% → 100"), "{slip}");
        assert!(payroll_xlsx(&[r], Lang::Zh).unwrap().len() > 1000);
    }

    /// The ranking ends in a totals row; a person with payslips under two plans gets one
    /// line with both and one total (12.35 + 1.00 + 12.35 …, by hand below).
    #[test]
    fn totals_and_pay_per_person() {
        let r = result();
        let table = ranking_table(&r, Lang::En);
        let last = table.lines().rfind(|l| !l.trim().is_empty()).unwrap();
        // Net sales 1234.56 + 100.00; commission 12.35 + 1.00.
        assert!(last.starts_with("Total"), "{table}");
        assert!(last.ends_with("1334.56  13.35  13.35"), "{table}");
        let sums = ranking_totals(&r);
        assert_eq!((sums.net_sales_cents, sums.total_cents), (133_456, 1_335));
        assert_eq!(sums.pay_cents, vec![1_335]);

        // 甲 also paid under a second plan: one person, two payslips.
        let mut other = result();
        other.plan_name = "售后方案".into();
        other.payslips.retain(|p| p.account == "店:甲");
        for p in &mut other.payslips {
            p.display_name = None;
        }
        let mut first = result();
        for p in &mut first.payslips {
            p.display_name = None;
        }
        let people = pay_by_person(&[first.clone(), other.clone()]);
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].name, "店:甲");
        assert_eq!(people[0].total_cents, 1_235 * 2);
        assert_eq!(
            people[0].payslips,
            vec![
                ("方案".to_string(), "店:甲".to_string()),
                ("售后方案".to_string(), "店:甲".to_string())
            ]
        );
        let lines = combined_pay_lines(&[first, other], Lang::En);
        assert_eq!(
            lines,
            vec!["店:甲 — total pay 24.70 (方案: 店:甲, 售后方案: 店:甲)".to_string()]
        );
        // Without a gate in the plan there is no gate column.
        assert!(!has_gates(std::slice::from_ref(&r)));
        assert!(!ranking_headers(&r, Lang::Zh).contains(&"触发门槛".to_string()));
    }

    /// A plan with a gate: the ranking and the payroll sheet say which gate applied to whom.
    #[test]
    fn the_gate_column_names_what_applied() {
        let mut r = result();
        let gate = |fired: bool| kefu_plan::GateLine {
            name: "质检".into(),
            condition: "qa_score < 60".into(),
            condition_zh: "质检得分 < 60".into(),
            condition_en: "QA score < 60".into(),
            value_text: "50.00".into(),
            computed_zh: None,
            computed_en: None,
            fired,
            effect: "应发 × 50%（固定部分除外）".into(),
            effect_en: "pay × 50% (fixed pay excepted)".into(),
        };
        r.payslips[0].gates = vec![gate(false)];
        r.payslips[1].gates = vec![gate(true)];
        assert!(has_gates(std::slice::from_ref(&r)));
        assert_eq!(gates_text(&r.payslips[0], Lang::Zh), "–");
        assert_eq!(
            gates_text(&r.payslips[1], Lang::En),
            "质检 (pay × 50% (fixed pay excepted))"
        );
        let mut csv = Vec::new();
        write_payroll_csv(std::slice::from_ref(&r), Lang::Zh, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert!(rows[0].contains("绩效分,触发门槛,付款销售额"), "{csv}");
        assert!(
            rows[2].contains(",60,质检（应发 × 50%（固定部分除外））,100.00,"),
            "{csv}"
        );
        let table = ranking_table(&r, Lang::Zh);
        assert!(
            table.contains("触发门槛") && table.contains("质检（应发 × 50%"),
            "{table}"
        );
    }
}
