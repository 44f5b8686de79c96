//! `kefu qa`: automatic quality rules — check a rule file, run the rules over a store and
//! print hits per 100 receptions, or try them on a hand-written chat.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use kefu_core::model::NameId;
use kefu_core::settings::MetricSettings;
use kefu_core::text::csv_text;
use kefu_qa::rules::{HitCount, HitRow, HitTable, RuleSet, StoreContext, parse_chat, per_100};
use kefu_report::{Lang, aligned};
use kefu_store::Db;

use crate::said::{ctx, said};
use crate::{open_existing, parse_day, spinner};

#[derive(Subcommand)]
pub enum QaCommand {
    /// 检查规则文件 / check a rule file: every mistake with its line and field
    Check {
        /// the rule set (TOML)
        rules: PathBuf,
    },
    /// 运行自动质检并保存命中 / evaluate the rules on every reception, store the hits, print
    /// hits per 100 receptions by rule and account
    Run {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// only this store (default: every store)
        #[arg(long)]
        store: Option<String>,
        /// first day, YYYY-MM-DD (default: the store's first day)
        #[arg(long)]
        from: Option<String>,
        /// last day, YYYY-MM-DD (default: the store's last day)
        #[arg(long)]
        to: Option<String>,
        /// rule set (TOML); default: the store's saved rule set, else the shipped one
        #[arg(long)]
        rules: Option<PathBuf>,
        /// 输出格式 / output format
        #[arg(long, value_enum, default_value = "table")]
        format: QaFormat,
    },
    /// 用一段聊天试规则 / which rules fire on a chat file (`buyer 10:00:01 在吗` a line)
    Test {
        /// rule set (TOML); default: the shipped one
        #[arg(long)]
        rules: Option<PathBuf>,
        /// the chat file
        chat: PathBuf,
    },
    /// 用标注聊天衡量规则 / precision and recall of the rules on labelled chats (every *.toml
    /// under DIR, see docs/qa.md)
    Eval {
        /// directory of labelled chats, read recursively (or one labelled file)
        dir: PathBuf,
        /// rule set (TOML); default: the shipped one
        #[arg(long)]
        rules: Option<PathBuf>,
        /// 输出格式 / output format
        #[arg(long, value_enum, default_value = "table")]
        format: crate::qa_eval::EvalFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum QaFormat {
    Table,
    Json,
    Csv,
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(ctx!("读取 {}", "reading {}", path.display()))
}

fn load_rules(path: &Path, lang: Lang) -> Result<RuleSet> {
    let text = read(path)?;
    RuleSet::parse(&text).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("  {}", e.describe(lang == Lang::En)))
            .collect();
        anyhow::anyhow!("rule file {}:\n{}", path.display(), lines.join("\n"))
    })
}

pub fn run(cmd: QaCommand, lang: Lang) -> Result<()> {
    match cmd {
        QaCommand::Check { rules } => {
            let set = load_rules(&rules, lang)?;
            let enabled = set.rules().iter().filter(|r| r.enabled).count();
            println!(
                "{}: {} {}, {} {}",
                lang.t("规则文件正确", "rule file is valid"),
                set.rules().len(),
                lang.t("条规则", "rules"),
                enabled,
                lang.t("条启用", "enabled"),
            );
            Ok(())
        }
        QaCommand::Test { rules, chat } => {
            let set = match rules {
                Some(p) => load_rules(&p, lang)?,
                None => RuleSet::default_rules(),
            };
            let text = read(&chat)?;
            // The spec's defaults, as a store without settings: its reminder window and the
            // service hours its waits are timed on.
            let defaults = MetricSettings::default();
            let parsed = parse_chat(&text, defaults.reminder_window_hours).map_err(|e| {
                anyhow::anyhow!("{}: {}", chat.display(), e.describe(lang == Lang::En))
            })?;
            let context = StoreContext {
                known_texts: &[],
                service_hours: Some(&defaults.service_hours),
            };
            print!("{}", test_report(&set, &parsed, context, lang));
            Ok(())
        }
        QaCommand::Eval { dir, rules, format } => {
            let set = match rules {
                Some(p) => load_rules(&p, lang)?,
                None => RuleSet::default_rules(),
            };
            let (acc, files) = crate::qa_eval::measure(&dir, &set)?;
            match format {
                crate::qa_eval::EvalFormat::Table => {
                    print!("{}", crate::qa_eval::to_table(&acc, files, &set, lang))
                }
                crate::qa_eval::EvalFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&crate::qa_eval::to_json(&acc, files))?
                ),
            }
            Ok(())
        }
        QaCommand::Run {
            db,
            store,
            from,
            to,
            rules,
            format,
        } => {
            let db = open_existing(&db)?;
            let file_rules = rules.as_deref().map(|p| load_rules(p, lang)).transpose()?;
            let stores = match &store {
                Some(name) => vec![db.store(name)?],
                None => db.stores()?,
            };
            let mut out = std::io::stdout().lock();
            let mut json = Vec::new();
            let mut csv = csv::Writer::from_writer(Vec::new());
            if matches!(format, QaFormat::Csv) {
                csv.write_record([
                    "store",
                    "account",
                    "rule",
                    "receptions",
                    "hits",
                    "per_100",
                    "score",
                ])?;
            }
            for s in stores {
                let Some((first, last)) = db.day_span(s.id)? else {
                    continue;
                };
                let from = from
                    .as_deref()
                    .map(|d| parse_day(d, "from"))
                    .transpose()?
                    .unwrap_or(first);
                let to = to
                    .as_deref()
                    .map(|d| parse_day(d, "to"))
                    .transpose()?
                    .unwrap_or(last);
                if from > to {
                    return Err(said!(
                        "--from {from} 晚于 --to {to}",
                        "--from {from} is after --to {to}"
                    ));
                }
                let in_force;
                let (set, version) = match &file_rules {
                    Some(set) => (set, None),
                    None => {
                        in_force = db.qa_rules_in_force(s.id).with_context(ctx!(
                            "{} 的质检规则",
                            "rule set of {}",
                            s.name
                        ))?;
                        (&in_force.set, in_force.version)
                    }
                };
                let pb = spinner(lang.t("自动质检", "checking receptions"));
                let started = std::time::Instant::now();
                let summary = db.qa_run(s.id, from, to, set, version)?;
                pb.finish_and_clear();
                eprintln!(
                    "{}: {} {}, {} {}, {} {}, {} {} ({:.1} s)",
                    s.name,
                    summary.days,
                    lang.t("天", "days"),
                    summary.receptions,
                    lang.t("个接待", "receptions"),
                    summary.flagged,
                    lang.t("个被标记", "flagged"),
                    summary.hits,
                    lang.t("次命中", "hits"),
                    started.elapsed().as_secs_f64(),
                );
                if summary.auto_reviews > 0 {
                    eprintln!(
                        "{}: {} {}",
                        s.name,
                        lang.t("自动开启复检任务", "review tasks opened automatically:"),
                        summary.auto_reviews
                    );
                }
                let table = hit_table(&db, s.id, from, to, set)?;
                match format {
                    QaFormat::Table => {
                        write!(out, "{}", to_table(&s.name, from, to, set, &table, lang))?
                    }
                    QaFormat::Json => json.push(to_json(&s.name, from, to, set, version, &table)),
                    QaFormat::Csv => write_csv(&mut csv, &s.name, &table)?,
                }
            }
            match format {
                QaFormat::Table => {}
                QaFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?,
                QaFormat::Csv => out.write_all(&csv.into_inner()?)?,
            }
            Ok(())
        }
    }
}

/// Accounts × enabled rules over a range, from the stored hits.
fn hit_table(
    db: &Db,
    store_id: i64,
    from: kefu_core::time::Day,
    to: kefu_core::time::Day,
    set: &RuleSet,
) -> Result<HitTable> {
    let names = db.names(store_id)?;
    let name = |id: NameId| names.name(id).to_string();
    let receptions: Vec<(String, u64)> = db
        .qa_receptions(store_id, from, to)?
        .into_iter()
        .map(|(a, n)| (name(a), n))
        .collect();
    let counts: Vec<HitCount> = db
        .qa_hit_counts(store_id, from, to)?
        .into_iter()
        .map(|c| HitCount {
            key: name(c.account),
            rule: c.rule,
            hits: c.hits,
            score: c.score,
        })
        .collect();
    let rules = set
        .rules()
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.id.clone())
        .collect();
    Ok(HitTable::build(rules, &receptions, &counts))
}

fn rate(hits: u64, receptions: u64) -> String {
    per_100(hits, receptions).map_or(String::new(), |x| format!("{x:.2}"))
}

fn to_table(
    store: &str,
    from: kefu_core::time::Day,
    to: kefu_core::time::Day,
    set: &RuleSet,
    t: &HitTable,
    lang: Lang,
) -> String {
    let en = lang == Lang::En;
    let total = t.total(store);
    let mut out = format!(
        "{store} {from} … {to}: {} {}\n\n",
        total.receptions,
        lang.t("个接待", "receptions")
    );
    let mut rows = vec![vec![
        lang.t("规则", "rule").to_string(),
        "id".to_string(),
        lang.t("命中接待", "hits").to_string(),
        lang.t("每百接待", "per 100").to_string(),
        lang.t("分值", "score").to_string(),
    ]];
    for (i, id) in t.rules.iter().enumerate() {
        let Some(r) = set.rules().iter().find(|r| &r.id == id) else {
            continue;
        };
        rows.push(vec![
            r.title(en).to_string(),
            id.clone(),
            total.hits[i].to_string(),
            rate(total.hits[i], total.receptions),
            r.score.to_string(),
        ]);
    }
    out.push_str(&aligned(&rows, 2));
    out.push('\n');
    let mut head = vec![
        lang.t("客服", "account").to_string(),
        lang.t("接待", "receptions").to_string(),
        lang.t("得分", "score").to_string(),
    ];
    head.extend(t.rules.iter().cloned());
    let mut rows = vec![head];
    let row = |r: &HitRow| {
        let mut cells = vec![r.key.clone(), r.receptions.to_string(), r.score.to_string()];
        cells.extend(r.hits.iter().map(|&h| rate(h, r.receptions)));
        cells
    };
    rows.extend(t.rows.iter().map(row));
    out.push_str(lang.t(
        "每百接待命中次数（按客服）:\n",
        "hits per 100 receptions by account:\n",
    ));
    out.push_str(&aligned(&rows, 1));
    if t.rows.is_empty() {
        out.push_str(lang.t("（该时间段没有数据）\n", "(no data in this period)\n"));
    }
    out
}

fn to_json(
    store: &str,
    from: kefu_core::time::Day,
    to: kefu_core::time::Day,
    set: &RuleSet,
    version: Option<i64>,
    t: &HitTable,
) -> serde_json::Value {
    use serde_json::json;
    let total = t.total(store);
    let rules: Vec<_> = t
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let r = set.rules().iter().find(|r| &r.id == id)?;
            Some(json!({
                "id": id, "name": r.name, "name_en": r.name_en, "category": r.category.as_str(),
                "severity": r.severity.as_str(), "score": r.score,
                "hits": total.hits[i], "per_100": per_100(total.hits[i], total.receptions),
            }))
        })
        .collect();
    let accounts: Vec<_> = t
        .rows
        .iter()
        .map(|r| {
            let hits: serde_json::Map<String, serde_json::Value> =
                t.rules.iter().zip(&r.hits).map(|(id, &h)| (id.clone(), json!(h))).collect();
            let rates: serde_json::Map<String, serde_json::Value> = t
                .rules
                .iter()
                .zip(&r.hits)
                .map(|(id, &h)| (id.clone(), json!(per_100(h, r.receptions))))
                .collect();
            json!({"account": r.key, "receptions": r.receptions, "score": r.score, "hits": hits, "per_100": rates})
        })
        .collect();
    json!({
        "store": store, "from": from.to_string(), "to": to.to_string(), "rules_version": version,
        "receptions": total.receptions, "score": total.score, "rules": rules, "accounts": accounts,
    })
}

fn write_csv(w: &mut csv::Writer<Vec<u8>>, store: &str, t: &HitTable) -> Result<()> {
    let total = t.total("");
    for r in std::iter::once(&total).chain(&t.rows) {
        for (id, &h) in t.rules.iter().zip(&r.hits) {
            w.write_record([
                csv_text(store).as_ref(),
                csv_text(&r.key).as_ref(),
                id,
                &r.receptions.to_string(),
                &h.to_string(),
                &per_100(h, r.receptions).map_or(String::new(), |x| x.to_string()),
                &r.score.to_string(),
            ])?;
        }
    }
    Ok(())
}

/// The fired rules of a hand-written chat, then the chat with the triggering messages marked
/// (`>`) and the matched text in 【】.
fn test_report(
    set: &RuleSet,
    chat: &kefu_qa::rules::ParsedChat,
    context: StoreContext<'_>,
    lang: Lang,
) -> String {
    let en = lang == Lang::En;
    let hits = chat.evaluate_with(set, context);
    let mut out = String::new();
    if hits.is_empty() {
        out.push_str(lang.t("没有规则命中\n", "no rule fired\n"));
    }
    let mut rows = Vec::new();
    for h in &hits {
        let r = &set.rules()[h.rule];
        let (zh, en_name) = r.severity.names();
        rows.push(vec![
            r.id.clone(),
            r.title(en).to_string(),
            lang.t(zh, en_name).to_string(),
            r.score.to_string(),
            format!("×{}", h.count),
            h.messages
                .iter()
                .map(|m| format!("#{}", m + 1))
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    out.push_str(&aligned(&rows, 3));
    out.push('\n');
    for (i, m) in chat.messages.iter().enumerate() {
        let flagged = hits.iter().any(|h| h.messages.contains(&(i as u32)));
        let mut spans: Vec<(usize, usize)> = hits
            .iter()
            .flat_map(|h| &h.spans)
            .filter(|s| s.message == i as u32)
            .map(|s| (s.start as usize, s.end as usize))
            .collect();
        spans.sort_unstable();
        let mut text = String::new();
        let mut at = 0;
        for (s, e) in spans {
            if s < at {
                continue; // overlapping matches are marked once
            }
            text.push_str(m.text.get(at..s).unwrap_or(""));
            text.push('【');
            text.push_str(m.text.get(s..e).unwrap_or(""));
            text.push('】');
            at = e;
        }
        text.push_str(m.text.get(at..).unwrap_or(""));
        let clock = kefu_core::time::format_time(m.time);
        out.push_str(&format!(
            "{} #{:<3} {} {:<6} {}\n",
            if flagged { ">" } else { " " },
            i + 1,
            clock.get(11..).unwrap_or(&clock),
            m.sender.as_str(),
            text
        ));
    }
    out
}
