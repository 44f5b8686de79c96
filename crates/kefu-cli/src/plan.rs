//! `kefu plan`: performance plans — check a plan file, store versions, import hand-entered
//! scores, and compute a month's scores, grades, rankings and pay.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kefu_core::settings::Config;
use kefu_plan::{Month, Plan, PlanResult};
use kefu_report::plans as render;
use kefu_report::{Format, Lang};
use kefu_store::Db;
use kefu_store::plans::{PlanScore, SALES_TARGET_ITEM};

use crate::said::{Said, ctx, said};
use crate::{adhoc_config, open_existing};

#[derive(Subcommand)]
pub enum PlanCommand {
    /// 检查绩效方案文件 / check plan files: every mistake with its line and field
    Check {
        /// plan files (TOML)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// 计算绩效、梯队、排名和提成 / compute a month's scores, grades, ranking and pay
    Run {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// YYYY-MM
        #[arg(long)]
        month: String,
        /// the store (needed when the database holds several)
        #[arg(long)]
        store: Option<String>,
        /// use this plan file instead of the stored versions
        #[arg(long)]
        plan: Option<PathBuf>,
        /// only the stored plan with this id
        #[arg(long)]
        id: Option<String>,
        /// print this agent's payslip (account, or the name after `store:`)
        #[arg(long)]
        account: Option<String>,
        /// 输出格式 / table (ranking or payslip), JSON (everything), CSV or xlsx (payroll sheet)
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// write to this file instead of standard output (required for xlsx)
        #[arg(long)]
        output: Option<PathBuf>,
        /// settings file (TOML) for this run only: figures computed for the month (and the
        /// one before, for grades) and never stored (default: the settings in force)
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// 保存方案版本 / store a plan as the version in force from a month on
    Save {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// first month the version applies to, YYYY-MM
        #[arg(long)]
        from: String,
        /// a store the plan runs in (repeat for several); default: the plan's stores so far,
        /// or the database's only store
        #[arg(long = "store")]
        stores: Vec<String>,
        /// the plan file (TOML)
        file: PathBuf,
    },
    /// 列出已保存的方案版本 / list the stored plan versions
    List {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
    },
    /// 导入手工分数 / import hand-entered scores: CSV `account,item,value`
    ///
    /// item is a manual item of the plan (e.g. attitude), qa_score (0–100), or sales_target
    /// (the agent's monthly target in yuan).
    Scores {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// YYYY-MM
        #[arg(long)]
        month: String,
        /// the stored plan's id
        #[arg(long)]
        id: String,
        /// the store (needed when the database holds several)
        #[arg(long)]
        store: Option<String>,
        /// the CSV file
        file: PathBuf,
    },
}

/// Stores the shipped plans as in force from `from` in `stores` (the demo does, so that its
/// month has plans to run).
pub fn save_shipped(db: &mut Db, from: Month, stores: &[i64]) -> Result<()> {
    for (name, text) in kefu_plan::SHIPPED {
        let plan = kefu_plan::parse(text).map_err(|e| anyhow::anyhow!("plans/{name}:{e}"))?;
        db.save_plan_version(&plan.id, from, text, None, stores)?;
    }
    Ok(())
}

/// The stores a saved plan runs in: those named, else the plan's stores so far, else the
/// database's only store.
fn plan_stores(db: &Db, plan_id: &str, names: &[String]) -> Result<Vec<i64>> {
    if !names.is_empty() {
        return names
            .iter()
            .map(|n| {
                Ok(db
                    .store(n)
                    .with_context(ctx!("--store `{n}`", "--store `{n}`"))?
                    .id)
            })
            .collect();
    }
    let current = db.plan_stores(plan_id)?;
    if !current.is_empty() {
        return Ok(current);
    }
    Ok(vec![store_id(db, None).with_context(ctx!(
        "请用 --store 指定方案适用的店铺（方案只在其店铺中生效）",
        "name the stores the plan runs in with --store (a plan runs only in its stores)",
    ))?])
}

fn parse_month(s: &str) -> Result<Month> {
    Month::parse(s).with_context(ctx!(
        "--month `{s}`：月份应如 2026-11",
        "--month `{s}`: expected a month like 2026-11"
    ))
}

/// Reads and validates a plan file; errors name the file, line and field.
pub fn read_plan(path: &Path) -> Result<(Plan, String)> {
    let text = std::fs::read_to_string(path).with_context(ctx!(
        "读取 {}",
        "reading {}",
        path.display()
    ))?;
    let plan = kefu_plan::parse(&text).map_err(|e| {
        let at = path.display();
        anyhow::Error::new(Said::new(
            format!("{at}:{}", kefu_core::localized::Localized::zh(&e)),
            format!("{at}:{e}"),
        ))
    })?;
    Ok((plan, text))
}

/// Store ids as their names, comma-separated (`–` for none).
fn store_names(db: &Db, ids: &[i64]) -> Result<String> {
    let names: Vec<String> = db
        .stores()?
        .into_iter()
        .filter(|s| ids.contains(&s.id))
        .map(|s| s.name)
        .collect();
    Ok(if names.is_empty() {
        "–".into()
    } else {
        names.join(", ")
    })
}

fn store_id(db: &Db, store: Option<&str>) -> Result<i64> {
    if let Some(name) = store {
        return Ok(db.store(name)?.id);
    }
    match db.stores()?.as_slice() {
        [one] => Ok(one.id),
        [] => Err(said!(
            "数据库中还没有店铺",
            "the database holds no store yet"
        )),
        many => {
            let names = many
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            Err(said!(
                "数据库中有多个店铺（{names}）；请用 --store 选择一个",
                "the database holds several stores ({names}); choose one with --store"
            ))
        }
    }
}

pub fn run(cmd: PlanCommand, lang: Lang) -> Result<()> {
    match cmd {
        PlanCommand::Check { files } => {
            let (mut failed, mut mistakes) = (0, 0);
            for f in &files {
                let checked = std::fs::read_to_string(f)
                    .with_context(ctx!("读取 {}", "reading {}", f.display()))
                    .map(|text| kefu_plan::parse_all(&text));
                match checked {
                    Ok(Ok(plan)) => println!(
                        "{}: {} `{}` ({}): {} {}, {} {}, {} {}",
                        f.display(),
                        lang.t("有效", "ok"),
                        plan.id,
                        plan.name,
                        plan.kpis.len(),
                        lang.t("项指标", "KPIs"),
                        plan.pay.len(),
                        lang.t("项薪酬", "pay components"),
                        plan.grades.len(),
                        lang.t("个梯队", "grades"),
                    ),
                    Ok(Err(errors)) => {
                        for e in &errors {
                            match lang {
                                Lang::Zh => eprintln!("错误: {}：{}", f.display(), lang.msg(e)),
                                Lang::En => eprintln!("error: {}:{e}", f.display()),
                            }
                        }
                        failed += 1;
                        mistakes += errors.len();
                    }
                    Err(e) => {
                        eprintln!("{}: {e:#}", lang.t("错误", "error"));
                        failed += 1;
                        mistakes += 1;
                    }
                }
            }
            if failed > 0 {
                bail!(
                    "{failed} {} ({mistakes} {})",
                    lang.t("个方案文件无效", "plan file(s) are invalid"),
                    lang.t("处错误", "mistakes"),
                );
            }
            Ok(())
        }
        PlanCommand::Save {
            db,
            from,
            stores,
            file,
        } => {
            let from = parse_month(&from)?;
            let (plan, text) = read_plan(&file)?;
            let mut db = Db::open(&db)?;
            let stores = plan_stores(&db, &plan.id, &stores)?;
            let id = db.save_plan_version(&plan.id, from, &text, None, &stores)?;
            println!(
                "{} `{}` {} {from} ({} {id}; {}: {})",
                lang.t("已保存方案", "saved plan"),
                plan.id,
                lang.t("生效月份", "in force from"),
                lang.t("版本", "version"),
                lang.t("店铺", "stores"),
                store_names(&db, &stores)?,
            );
            Ok(())
        }
        PlanCommand::List { db } => {
            let db = open_existing(&db)?;
            for v in db.plan_versions()? {
                let name = kefu_plan::parse(&v.toml).map_or_else(|_| "?".into(), |p| p.name);
                println!(
                    "{}\t{}\t{} {}\t{} {}\t{} {}",
                    v.plan_id,
                    name,
                    lang.t("生效", "from"),
                    v.valid_from,
                    lang.t("版本", "version"),
                    v.id,
                    lang.t("店铺", "stores"),
                    store_names(&db, &v.stores)?,
                );
            }
            Ok(())
        }
        PlanCommand::Scores {
            db,
            month,
            id,
            store,
            file,
        } => import_scores(&db, &month, &id, store.as_deref(), &file, lang),
        PlanCommand::Run {
            db,
            month,
            store,
            plan,
            id,
            account,
            format,
            output,
            config,
        } => {
            let month = parse_month(&month)?;
            let adhoc = adhoc_config(config.as_deref())?;
            let mut db = open_existing(&db)?;
            let store_id = store_id(&db, store.as_deref())?;
            let results = kefu_app::settings::read_figures(
                &mut db,
                &Config::default(),
                adhoc.as_ref(),
                store.as_deref(),
                // the previous month too: its grades carry into this one
                (month.prev().first_day(), month.last_day()),
                |db| run_plans(db, store_id, month, plan.as_deref(), id.as_deref()),
            )??;
            if let Some(line) = render::unpaid_line(&results, lang) {
                eprintln!("{}: {line}", lang.t("警告", "warning"));
            }
            for r in &results {
                for line in render::columns_without_data_lines(r, lang) {
                    eprintln!("{}: {} — {line}", lang.t("警告", "warning"), r.plan_id);
                }
            }
            if results.iter().any(|r| r.empty_month) {
                eprintln!(
                    "{}: {month} {}",
                    lang.t("警告", "warning"),
                    lang.t(
                        "该店铺没有任何数据：没有人排名，也没有浮动薪酬（只有固定部分）；是否漏导入了数据？",
                        "has no data at all in this store: nobody is ranked and no variable pay is paid (fixed pay only); was an import missed?"
                    )
                );
            }
            write_results(
                &results,
                account.as_deref(),
                format,
                output.as_deref(),
                lang,
            )
        }
    }
}

/// Evaluates the plan file, or every stored plan in force for the month (only `id` if
/// given); movement compares with the previous month under the version in force then.
pub fn run_plans(
    db: &Db,
    store_id: i64,
    month: Month,
    file: Option<&Path>,
    id: Option<&str>,
) -> Result<Vec<PlanResult>> {
    if let Some(path) = file {
        let (plan, _) = read_plan(path)?;
        return Ok(vec![
            kefu_app::plans::run_plan(db, store_id, &plan, Some(&plan), month)?.0,
        ]);
    }
    let results = kefu_app::plans::run_stored_plans(db, store_id, month, id)?;
    if results.is_empty() {
        let id = id.map_or(String::new(), |id| format!(" `{id}`"));
        return Err(said!(
            "本店铺 {month} 没有生效的已保存方案{id}：用 `kefu plan save --from {month}` 保存一个，或用 --plan 文件",
            "no stored plan{id} is in force for {month} in this store: store one with `kefu plan save --from {month}` or give --plan FILE"
        ));
    }
    Ok(results)
}

fn write_results(
    results: &[PlanResult],
    account: Option<&str>,
    format: Format,
    output: Option<&Path>,
    lang: Lang,
) -> Result<()> {
    if let (Format::Xlsx, Some(path)) = (format, output) {
        let bytes = render::payroll_xlsx(results, lang)?;
        return std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()));
    }
    let mut sink: Box<dyn Write> = match (format, output) {
        (Format::Xlsx, None) => {
            return Err(said!(
                "--format xlsx 需要 --output 文件.xlsx",
                "--format xlsx needs --output FILE.xlsx"
            ));
        }
        // Buffered: a month's JSON holds every order, written in small pieces.
        (_, output) => crate::output_sink(output)?,
    };
    match (format, account) {
        (Format::Table | Format::Json, Some(account)) => {
            let found = results.iter().find_map(|r| {
                r.payslips
                    .iter()
                    .find(|p| {
                        p.account == account
                            || p.account.rsplit(':').next() == Some(account)
                            || render::agent_name(p) == account
                    })
                    .map(|p| (r, p))
            });
            let Some((r, p)) = found else {
                return Err(said!(
                    "`{account}` 不在本月方案的客服之中",
                    "`{account}` is not among the agents of the plan(s) for this month"
                ));
            };
            if format == Format::Json {
                serde_json::to_writer_pretty(&mut sink, p)?;
                writeln!(sink)?;
            } else {
                sink.write_all(render::payslip_text(r, p, lang).as_bytes())?;
            }
        }
        (Format::Json, None) => {
            serde_json::to_writer_pretty(&mut sink, results)?;
            writeln!(sink)?;
        }
        (Format::Table, None) => {
            for (i, r) in results.iter().enumerate() {
                if i > 0 {
                    writeln!(sink)?;
                }
                sink.write_all(render::ranking_table(r, lang).as_bytes())?;
            }
            let combined = render::combined_pay_lines(results, lang);
            if !combined.is_empty() {
                writeln!(
                    sink,
                    "\n{}",
                    lang.t(
                        "按人合计（一人多张工资条）",
                        "Per person (people with more than one payslip)"
                    )
                )?;
                for line in combined {
                    writeln!(sink, "  {line}")?;
                }
            }
        }
        (Format::Csv | Format::Xlsx, _) => render::write_payroll_csv(results, lang, &mut sink)?,
    }
    sink.flush()?;
    Ok(())
}

fn import_scores(
    db_path: &Path,
    month: &str,
    plan_id: &str,
    store: Option<&str>,
    file: &Path,
    lang: Lang,
) -> Result<()> {
    let month = parse_month(month)?;
    let mut db = open_existing(db_path)?;
    let store_id = store_id(&db, store)?;
    let Some((_, plan)) = kefu_app::plans::stored_plan(&db, store_id, plan_id, month)? else {
        return Err(said!(
            "本店铺 {month} 没有生效的已保存方案 `{plan_id}`",
            "no stored plan `{plan_id}` is in force for {month} in this store"
        ));
    };
    let accounts = db.accounts(store_id)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .with_context(ctx!("读取 {}", "reading {}", file.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .with_context(ctx!(
                "{}：表头需要 `{name}` 列",
                "{}: the header needs an `{name}` column",
                file.display()
            ))
    };
    let (c_account, c_item, c_value) = (col("account")?, col("item")?, col("value")?);
    let mut scores = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record?;
        let at = |c: usize| record.get(c).unwrap_or("");
        let (account, item, value) = (at(c_account), at(c_item), at(c_value));
        let where_ = || format!("{}:{line}", file.display());
        let Some(acc) = accounts.iter().find(|a| {
            a.name == account
                || a.name.rsplit(':').next() == Some(account)
                || a.display_name.as_deref() == Some(account)
        }) else {
            return Err(said!(
                "{}，account：店铺中没有账号 `{account}`",
                "{}, account: no account `{account}` in the store",
                where_()
            ));
        };
        let is_manual = plan.manual.iter().any(|m| m.key == item);
        let value = if item == SALES_TARGET_ITEM {
            kefu_core::money::parse_yuan(value)
                .ok()
                .filter(|c| *c >= 0)
                .with_context(ctx!(
                    "{}，value：`{value}` 不是以元为单位的金额",
                    "{}, value: `{value}` is not an amount in yuan",
                    where_()
                ))?
        } else if is_manual || item == kefu_plan::QA_SCORE {
            kefu_plan::parse_score(value).with_context(ctx!(
                "{}，value：`{value}` 不是 0 到 100 的分数（最多两位小数）",
                "{}, value: `{value}` is not a score from 0 to 100 (at most 2 decimals)",
                where_()
            ))?
        } else {
            let items = plan
                .manual
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(said!(
                "{}，item：`{item}` 不是方案 `{plan_id}` 的手工项（{items}）、qa_score 或 sales_target",
                "{}, item: `{item}` is not a manual item of plan `{plan_id}` ({items}), qa_score or sales_target",
                where_()
            ));
        };
        scores.push(PlanScore {
            account_id: acc.id,
            item: item.to_string(),
            value,
        });
    }
    db.set_plan_scores(store_id, month, plan_id, &scores)?;
    println!(
        "{} {} {}",
        lang.t("已导入", "imported"),
        scores.len(),
        lang.t("条分数", "scores")
    );
    Ok(())
}
