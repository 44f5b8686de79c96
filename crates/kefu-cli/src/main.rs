//! `kefu`: the command line. Thin: argument parsing and wiring of the importer, the store and
//! the engine.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod explain;
mod ingest_token;
mod plan;
mod qa;
mod qa_eval;
mod said;
mod worklist;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kefu_core::localized::Localized;
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_import::{Encoding, ImportError, ImportOptions};
use kefu_store::Db;

use kefu_report::{self as report, By, Format, Lang};
use said::{ctx, said};

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "kefu 客服绩效：从聊天记录和订单算出精确的客服指标 / exact customer-service KPIs from chat logs and orders"
)]
struct Cli {
    /// 界面语言 / language of messages and table headers (default: from the locale, else Chinese)
    #[arg(long, global = true, value_enum)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 导入聊天记录、订单、退款、评价、花名册 / import chat logs, orders, refunds, ratings, roster
    ///
    /// Files are CSV (UTF-8, UTF-8 with BOM or GBK/GB18030), JSON Lines or .xlsx in the
    /// canonical formats, a Taobao/Tmall 订单报表 or 退款报表, a 京东/拼多多/抖店 订单导出, 京东 咚咚
    /// chat rows (JSON), or a platform report; the kind is recognised from the header. A chat
    /// pasted from a chat window is read with --kind transcript.
    /// A directory stands for the data files in it (.csv, .jsonl, .ndjson, .json, .xlsx, .xls);
    /// with --kind transcript for its .txt files only (without it, .txt files in a directory
    /// are not read). A file with bad rows is rejected whole unless --skip-bad is given.
    /// Re-importing the same data changes nothing.
    Import {
        /// database file (created if missing)
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// store of rows without a `store` column
        #[arg(long)]
        store: Option<String>,
        /// import good rows and write bad ones to a rejects CSV
        #[arg(long)]
        skip_bad: bool,
        /// where to write rejected rows (default: <db>.rejects.csv)
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// force the text encoding of CSV files: utf-8 or gbk (default: detected)
        #[arg(long)]
        encoding: Option<Encoding>,
        /// settings file (TOML): metric settings and time zones, as the base — settings saved
        /// for a store in the web app take its place for that store (default base: the spec's)
        #[arg(long)]
        config: Option<PathBuf>,
        /// 文件类型（默认从表头识别）/ the kind of every file, when the header does not tell:
        /// transcript (a chat pasted from a chat window: only read when named), messages,
        /// orders, refunds, ratings, agents, taobao_orders, taobao_refunds, jd_orders,
        /// pdd_orders, douyin_orders, jd_chats, or a platform report: sycm_consult,
        /// sycm_inquiry, sycm_price, sycm_rating, sycm_agent, qianniu_agent, pdd_agent,
        /// pdd_shop, douyin_agent, douyin_performance, kuaishou_assessment, jd_agent, chitu
        #[arg(long)]
        kind: Option<kefu_import::ImportKind>,
        /// 客服账号 / a pasted chat's agent account(s) (--kind transcript), repeatable or
        /// comma-separated; default: told by their names (店铺:子账号, 客服…)
        #[arg(long, value_delimiter = ',')]
        agent: Vec<String>,
        /// 报表统计的第一天 / first day a platform report covers, when it does not say (拼多多
        /// 客服绩效), YYYY-MM-DD; for --kind transcript: the day of times given without a date
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// 报表统计的最后一天（含）/ last day (included) a platform report covers, YYYY-MM-DD
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// 平台 / the platform of 生意参谋 and 千牛 reports: taobao (default) or tmall
        #[arg(long, value_parser = parse_platform)]
        platform: Option<kefu_core::platform::Platform>,
        /// files or directories to import (a directory: its data files; with --kind transcript
        /// its .txt files)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// 报表：按客服、组、店铺或日期汇总 / figures by account, group, store or day
    Report {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// first day, YYYY-MM-DD
        #[arg(long)]
        from: String,
        /// last day (included), YYYY-MM-DD
        #[arg(long)]
        to: String,
        /// 按什么汇总 / one row per account, group, store or day
        #[arg(long, value_enum, default_value = "account")]
        by: By,
        /// only this store
        #[arg(long)]
        store: Option<String>,
        /// settings file (TOML) for this report only: its figures are computed for the asked
        /// days and never stored (default: the settings in force — those saved in the web app,
        /// else the defaults — with stored figures recomputed first when they differ)
        #[arg(long)]
        config: Option<PathBuf>,
        /// 输出格式 / output format: aligned table, JSON array of rows, CSV or Excel
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// write to this file instead of standard output (required for xlsx)
        #[arg(long)]
        output: Option<PathBuf>,
        /// only these figures, comma-separated keys (e.g. consulted,inquiry_conversion,sales);
        /// default: every figure
        #[arg(long)]
        figures: Option<String>,
        /// 数据来源 / kefu's own figures, or the platforms' reports as imported (by account
        /// only; counts and money add up over the days, rates only where one report covers
        /// the whole range)
        #[arg(long, value_enum, default_value = "kefu")]
        source: Source,
    },
    /// 核对：kefu 的指标与平台报表中同义的数据 / reconcile kefu's figures with the platform
    /// reports' figures that mean the same thing
    ///
    /// Per report account and the period each report covers (a daily report: per day, within
    /// --from..--to): kefu's figure over the same days, the platform's, the difference (kefu −
    /// platform) and the known reason where the definitions differ (docs/metrics.md).
    Reconcile {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// 店铺 / the store
        #[arg(long)]
        store: String,
        /// first day, YYYY-MM-DD
        #[arg(long)]
        from: String,
        /// last day (included), YYYY-MM-DD
        #[arg(long)]
        to: String,
        /// 输出格式 / output format: aligned table or JSON (csv and xlsx are refused)
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// 明细：某客服某天的接待、轮次和订单归属 / the receptions, rounds and orders behind a day's figures
    Explain {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// 客服账号 / the chat account, e.g. 晨光旗舰店:小美
        #[arg(long)]
        account: String,
        /// YYYY-MM-DD
        #[arg(long)]
        day: String,
        /// only this buyer
        #[arg(long)]
        buyer: Option<String>,
        /// the store, when several stores have the account
        #[arg(long)]
        store: Option<String>,
        /// settings file (TOML) for this explanation (default: the settings in force — those
        /// saved in the web app, else the defaults)
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// 重新计算全部指标（如修改设置后）/ recompute every figure from the stored events
    Recompute {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        store: Option<String>,
        /// settings file (TOML) as the base — settings saved for a store in the web app take
        /// its place for that store (default base: the spec's)
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// 启动网页版 / serve the web app (dashboard, ranking, JSON API) on this machine
    ///
    /// Logs go to standard error, one line per request (id, method, route, status,
    /// latency). Which ones: KEFU_LOG, else RUST_LOG, as `LEVEL` or `TARGET=LEVEL` pairs
    /// separated by commas (e.g. `info`, `warn,kefu_web=debug`); default `info`. SIGTERM or
    /// Ctrl-C stops accepting connections and lets the requests in flight (imports included)
    /// finish within --shutdown-grace, then the server exits 0. See docs/deployment.md.
    Serve {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// settings file (TOML): the base; per-store settings saved in the web app take its
        /// place for their stores
        #[arg(long)]
        config: Option<PathBuf>,
        /// address of a reverse proxy whose forwarding headers are believed (repeatable; see
        /// docs/deployment.md)
        #[arg(long = "trusted-proxy")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// header in which a trusted proxy gives the client's address
        #[arg(long, default_value = "X-Forwarded-For")]
        client_ip_header: String,
        /// Secure flag on cookies: auto (when a trusted proxy reports HTTPS), always, never
        #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
        secure_cookies: String,
        /// 日志格式 / log lines as text, or as JSON objects (one per line) for log collectors
        #[arg(long, value_enum, default_value = "text")]
        log_format: LogFormat,
        /// seconds a request may take before it is answered 503 (imports and rule runs are
        /// exempt: they run to their end)
        #[arg(long, default_value_t = kefu_web::ops::REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
        request_timeout: u64,
        /// seconds the requests in flight are waited for after SIGTERM or Ctrl-C
        #[arg(long, default_value_t = kefu_web::ops::SHUTDOWN_GRACE.as_secs())]
        shutdown_grace: u64,
    },
    /// 用户管理 / web users: add one (the password is read from standard input)
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 生成演示店铺数据并导入 / generate a demo store, import it and print the ranking
    ///
    /// With --write-files DIR the canonical files are written to DIR; they are imported only
    /// when --db is given too.
    Demo(DemoArgs),
    /// 工作清单：询单流失、下单未付款、预售尾款、待处理退款，及由此挽回的销售 / worklists: lost
    /// inquiries, unpaid orders, presale balances due, refunds waiting; and the sales recovered
    ///
    /// The lists are refreshed by every import (and here, when older than the last import).
    /// Rules: docs/metrics.md, "Worklists and recovered sales".
    Worklist(worklist::WorklistArgs),
    /// 实时接入令牌 / ingest tokens of a store for live events (POST /api/v1/events)
    IngestToken {
        #[command(subcommand)]
        command: ingest_token::IngestTokenCommand,
    },
    /// 绩效方案与提成 / performance plans: check, store versions, import scores, compute pay
    Plan {
        #[command(subcommand)]
        command: plan::PlanCommand,
    },
    /// 自动质检 / automatic quality rules: check a rule file, run the rules, try them on a chat
    Qa {
        #[command(subcommand)]
        command: qa::QaCommand,
    },
    /// 导入模板：带中文表头和示例行的 CSV / a file to fill in: the Chinese header and example rows
    ///
    /// UTF-8 with a byte-order mark, so that Excel shows the Chinese right; the example rows
    /// import as they are (store 示例店铺). Kinds: messages, orders, refunds, ratings, agents.
    Template {
        /// messages | orders | refunds | ratings | agents
        kind: String,
        /// write here instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Where a report's figures come from.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Source {
    /// kefu's figures, computed from the raw events
    Kefu,
    /// the platforms' own reports, as imported
    Platform,
}

fn parse_platform(s: &str) -> std::result::Result<kefu_core::platform::Platform, String> {
    kefu_core::platform::Platform::parse(s).ok_or_else(|| {
        let known: Vec<&str> = kefu_core::platform::Platform::ALL
            .iter()
            .map(|p| p.as_str())
            .collect();
        format!(
            "未知平台 `{s}`，应为 {0} / unknown platform `{s}`: expected {0}",
            known.join(", ")
        )
    })
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct DemoArgs {
    /// database file (default: kefu-demo.db)
    #[arg(long)]
    db: Option<PathBuf>,
    /// number of days, from --start (双十一 falls inside from 11 days on)
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// 第一天 / first day of the period
    #[arg(long, default_value = "2026-11-01")]
    start: String,
    /// 只写出从这天起的数据 / write only the days from this one (within the period; the data
    /// is what the whole period gives for these days, so consecutive windows continue one store)
    #[arg(long)]
    only_from: Option<String>,
    /// 只写出到这天为止的数据 / write only the days up to this one (see --only-from)
    #[arg(long)]
    only_to: Option<String>,
    /// number of human agents
    #[arg(long, default_value_t = 20)]
    agents: u32,
    /// random seed: the same seed gives the same store
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// scale arrivals to about this many messages
    #[arg(long)]
    messages: Option<u64>,
    /// write the generated canonical files to this directory
    #[arg(long)]
    write_files: Option<PathBuf>,
    /// then serve the web app on 127.0.0.1:8080 (creates the user `admin` with a printed
    /// password when the database has no user)
    #[arg(long)]
    serve: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// add a user; the password comes from standard input (a prompt when it is a terminal)
    Add {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// admin (everything), supervisor (assigned stores), qa, agent (own figures only)
        #[arg(long)]
        role: String,
        /// for a supervisor or qa: a store they may see (repeatable)
        #[arg(long = "store")]
        stores: Vec<String>,
        /// for an agent: their chat account, as STORE/ACCOUNT or ACCOUNT (repeatable)
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// the login name
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::detect(cli.lang);
    let logging = match &cli.command {
        Command::Serve { log_format, .. } => init_logging(*log_format, tracing::Level::INFO),
        Command::Demo(DemoArgs { serve: true, .. }) => {
            init_logging(LogFormat::Text, tracing::Level::INFO)
        }
        _ => init_logging(LogFormat::Text, tracing::Level::WARN),
    };
    if let Err(e) = logging {
        eprintln!("{}: {e:#}", lang.t("错误", "error"));
        return ExitCode::FAILURE;
    }
    match run(cli.command, lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote values from the data (a bad row's name): no escape sequence of
            // theirs may reach the terminal.
            let e = in_language(&e, lang);
            eprintln!(
                "{}: {}",
                lang.t("错误", "error"),
                kefu_core::text::terminal_lines(&e)
            );
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes as `{:#}` writes them, each cause that is said in both languages
/// (the libraries' errors, [`said::Said`]) in `lang`.
fn in_language(e: &anyhow::Error, lang: Lang) -> String {
    // A context is reached only through the error itself, not through its chain.
    let outer = e
        .downcast_ref::<said::Said>()
        .filter(|s| s.en == e.to_string());
    e.chain()
        .enumerate()
        .map(|(i, cause)| {
            let said = outer.filter(|_| i == 0).map(|s| s as &dyn Localized);
            match said.or_else(|| localized(cause)) {
                Some(m) => lang.msg(m),
                None => cause.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// The errors of the libraries that have a Chinese text.
fn localized<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a dyn Localized> {
    macro_rules! first_of {
        ($($t:ty),* $(,)?) => {
            $(if let Some(m) = e.downcast_ref::<$t>() {
                return Some(m);
            })*
        };
    }
    first_of!(
        said::Said,
        ImportError,
        kefu_app::import::ImportFailure,
        kefu_store::StoreError,
        kefu_store::UserError,
        kefu_store::chunk::ChunkError,
        kefu_app::plans::PlanRunError,
        kefu_app::worklists::WorkError,
        kefu_core::settings::ConfigError,
        kefu_core::money::MoneyError,
        kefu_core::time::TimeError,
        kefu_plan::PlanError,
        kefu_plan::EvalError,
        kefu_plan::Overflow,
        kefu_plan::decimal::DecimalError,
        kefu_qa::rules::RuleError,
        kefu_qa::rules::ChatError,
        kefu_qa::review::ScorecardError,
        kefu_qa::review::AnswerError,
        report::ReportError,
    );
    None
}

/// Logs of the libraries (through `tracing`) on standard error, filtered by `KEFU_LOG`, else
/// `RUST_LOG`, else `default` and above.
fn init_logging(format: LogFormat, default: tracing::Level) -> Result<()> {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let (var, given) = match std::env::var("KEFU_LOG") {
        Ok(v) => ("KEFU_LOG", Ok(v)),
        Err(_) => ("RUST_LOG", std::env::var("RUST_LOG")),
    };
    let filter = match given {
        Ok(v) if !v.trim().is_empty() => v.parse::<Targets>().with_context(|| {
            format!(
                "{var}=`{v}`: 日志过滤应为 LEVEL 或 TARGET=LEVEL，以逗号分隔 / expected LEVEL or \
                 TARGET=LEVEL pairs separated by commas, e.g. `info,kefu_web=debug`"
            )
        })?,
        _ => Targets::new().with_default(default),
    };
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    let installed = match format {
        LogFormat::Text => registry
            .with(fmt.with_ansi(std::io::stderr().is_terminal()))
            .try_init(),
        // The request's span (id, method, route) in every line of it, not the list of spans.
        LogFormat::Json => registry
            .with(fmt.json().with_current_span(true).with_span_list(false))
            .try_init(),
    };
    installed.with_context(ctx!("日志初始化", "logging"))
}

/// The settings in force for a command that writes figures (import, recompute): the
/// per-store settings saved from the web app, over the `--config` file (or the defaults) as
/// the base — the same rule as the server's (`kefu_app::settings`).
fn settings_for(path: Option<&Path>, db: &Path) -> Result<Config> {
    let base = load_config(path)?;
    if !db.exists() {
        return Ok(base);
    }
    Ok(kefu_app::settings::in_force(&Db::open(db)?, &base)?)
}

/// The ad-hoc settings of a reading command (`report`, `plan run`): the `--config` file when
/// given. Its figures are computed for the asked days and never stored.
fn adhoc_config(path: Option<&Path>) -> Result<Option<Config>> {
    path.map(|p| load_config(Some(p))).transpose()
}

fn load_config(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path).with_context(ctx!(
        "读取 {}",
        "reading {}",
        path.display()
    ))?;
    Config::parse(&text).with_context(ctx!("设置文件 {}", "settings file {}", path.display()))
}

/// `--from` and `--to` as days, `--to` not before `--from`.
fn parse_range(from: &str, to: &str) -> Result<(Day, Day)> {
    let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
    if to < from {
        return Err(said!(
            "--to {to} 早于 --from {from}",
            "--to {to} is before --from {from}"
        ));
    }
    Ok((from, to))
}

fn parse_day(s: &str, flag: &str) -> Result<Day> {
    Day::parse(s).with_context(ctx!(
        "--{flag} `{s}`：日期应如 2026-11-11",
        "--{flag} `{s}`: expected a day like 2026-11-11"
    ))
}

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (`c_src/mimalloc/v3/include/
/// mimalloc.h` of libmimalloc-sys 0.1.49, the version Cargo.lock pins): the milliseconds
/// freed memory waits before it goes back to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Batch work (imports, recomputation) frees a file's parsed rows on one thread and then
/// allocates the engine's on others; with mimalloc's default 10 ms delay the freed pages are
/// still held when the engine peaks, and the two add up (a 2M-row workbook: 862 MB instead of
/// 433 MB). Returning them at once costs the import nothing measurable. The server keeps the
/// default: its pages allocate and free all the time, and purging at once made the ranking
/// 40 % slower.
fn release_freed_memory_at_once() {
    set_purge_delay(0);
}

/// Sets how many milliseconds freed memory waits before it goes back to the system, unless
/// the allocator's own variable is set (it wins).
fn set_purge_delay(ms: std::ffi::c_long) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets an integer option of the allocator linked into this binary; any value is
    // valid for this option (0 = purge at once).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
}

/// While an import reads its files, freed memory waits a second: each batch of half a million
/// messages is freed and the next one filled right after, and memory returned at once came
/// back as fresh pages — 4.4 million page faults and a quarter of the CPU of reading a
/// shuffled 10M-message file. Reading peaks well under the recomputation that follows
/// (docs/benchmark.md, eighth round), so the memory kept costs the peak nothing; before
/// the recomputation all of it is returned.
fn import_memory_phases() {
    kefu_app::import::set_memory_phases(kefu_app::import::MemoryPhases {
        reading: || set_purge_delay(1000),
        computing: || {
            release_freed_memory_at_once();
            // SAFETY: asks the allocator linked into this binary to return what it holds
            // freed; callable from any thread at any time.
            unsafe { libmimalloc_sys::mi_collect(true) };
        },
    });
}

fn run(cmd: Command, lang: Lang) -> Result<()> {
    if matches!(
        cmd,
        Command::Import { .. } | Command::Recompute { .. } | Command::Demo(_)
    ) {
        release_freed_memory_at_once();
        import_memory_phases();
    }
    match cmd {
        Command::Import {
            db,
            store,
            skip_bad,
            rejects,
            encoding,
            config,
            kind,
            agent,
            from,
            to,
            platform,
            files,
        } => {
            let period = match (from, to) {
                (Some(from), Some(to)) => {
                    let (from, to) = (parse_day(&from, "from")?, parse_day(&to, "to")?);
                    if to < from {
                        return Err(said!(
                            "--to {to} 早于 --from {from}",
                            "--to {to} is before --from {from}"
                        ));
                    }
                    Some((from, to))
                }
                _ => None,
            };
            let (file_kind, report_kind) = match kind {
                Some(kefu_import::ImportKind::File(k)) => (Some(k), None),
                Some(kefu_import::ImportKind::Report(k)) => (None, Some(k)),
                None => (None, None),
            };
            let reports = kefu_import::ReportOptions {
                kind: report_kind,
                period,
                platform,
            };
            let config = settings_for(config.as_deref(), &db)?;
            let rejects = rejects.unwrap_or_else(|| with_suffix(&db, ".rejects.csv"));
            let opts = ImportOptions {
                default_store: store,
                encoding,
                config: &config,
                skip_bad,
                kind: file_kind,
                agents: agent
                    .into_iter()
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect(),
                day: period.map(|(from, _)| from),
                spares: None,
            };
            import(&db, &files, &opts, &reports, &rejects, lang)
        }
        Command::Report {
            db,
            from,
            to,
            by,
            store,
            config,
            format,
            output,
            figures,
            source,
        } => {
            let (from, to) = parse_range(&from, &to)?;
            if source == Source::Platform {
                if by != By::Account || figures.is_some() {
                    return Err(said!(
                        "--source platform 只支持 --by account，且不接受 --figures（平台报表的列名各不相同）",
                        "--source platform reports --by account only, without --figures (each platform names its columns its own way)"
                    ));
                }
                let db = open_existing(&db)?;
                let stored = db.platform_figures(store.as_deref(), from, to)?;
                let rows = report::platform::rows(&stored, from, to);
                return write_platform_report(&rows, format, output.as_deref(), lang);
            }
            let adhoc = adhoc_config(config.as_deref())?;
            let mut db = open_existing(&db)?;
            let mut report = kefu_app::settings::read_figures(
                &mut db,
                &Config::default(),
                adhoc.as_ref(),
                store.as_deref(),
                (from, to),
                |db| report::build(db, by, from, to, store.as_deref()),
            )??;
            if let Some(keys) = &figures {
                report.only = report::pick_figures(keys)?;
            }
            write_report(&report, format, output.as_deref(), lang)
        }
        Command::Reconcile {
            db,
            store,
            from,
            to,
            format,
        } => {
            let (from, to) = parse_range(&from, &to)?;
            let db = open_existing(&db)?;
            let rows = report::reconcile::reconcile(&db, &store, from, to)?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report::reconcile::to_json(&rows))?
                ),
                Format::Table => print!("{}", report::reconcile::to_table(&rows, lang)),
                Format::Csv | Format::Xlsx => {
                    return Err(said!(
                        "kefu reconcile 只输出 table 或 json",
                        "kefu reconcile writes table or json only"
                    ));
                }
            }
            Ok(())
        }
        Command::Explain {
            db,
            account,
            day,
            buyer,
            store,
            config,
        } => {
            let day = parse_day(&day, "day")?;
            let config = match adhoc_config(config.as_deref())? {
                Some(adhoc) => adhoc,
                None => settings_for(None, &db)?,
            };
            let db = open_existing(&db)?;
            let q = explain::Query {
                store: store.as_deref(),
                account: &account,
                day,
                buyer: buyer.as_deref(),
            };
            let text = explain::explain(&db, &q, &config, lang)?;
            print!("{}", kefu_core::text::terminal_lines(&text));
            Ok(())
        }
        Command::Worklist(args) => worklist::run(args, lang),
        Command::IngestToken { command } => ingest_token::run(command, lang),
        Command::Recompute { db, store, config } => {
            let config = settings_for(config.as_deref(), &db)?;
            let mut db = open_existing(&db)?;
            let spinner = spinner(lang.t("重新计算", "recomputing"));
            let days = db.recompute(&config, store.as_deref())?;
            spinner.finish_and_clear();
            eprintln!(
                "{} {days} {}",
                lang.t("已重新计算", "recomputed"),
                lang.t("个店铺日", "store-days")
            );
            Ok(())
        }
        Command::Demo(args) => demo(args, lang),
        Command::Plan { command } => plan::run(command, lang),
        Command::Qa { command } => qa::run(command, lang),
        Command::Template { kind, output } => template(&kind, output.as_deref()),
        Command::Serve {
            db,
            addr,
            config,
            trusted_proxies,
            client_ip_header,
            secure_cookies,
            log_format: _,
            request_timeout,
            shutdown_grace,
        } => {
            let config = load_config(config.as_deref())?;
            open_existing(&db)?;
            // scripts/bench_web.sh: what exact percentiles cost, on the same build
            if std::env::var_os("KEFU_BENCH_NO_PERCENTILES").is_some_and(|v| v == "1") {
                eprintln!(
                    "KEFU_BENCH_NO_PERCENTILES=1: 不读取首次响应时间，P50/P90 为空（仅供基准测试）/ first response times are not read, p50/p90 are empty (benchmarks only)"
                );
                kefu_store::skip_first_responses_for_benchmarks(true);
            }
            let web = kefu_web::WebSettings {
                trusted_proxies,
                client_ip_header,
                // (clap allows only the three values parse reads)
                secure_cookies: kefu_web::SecureCookies::parse(&secure_cookies).unwrap_or_default(),
                request_timeout: std::time::Duration::from_secs(request_timeout),
                shutdown_grace: std::time::Duration::from_secs(shutdown_grace),
            };
            serve(&db, addr, config, web, lang)
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    role,
                    stores,
                    accounts,
                    name,
                },
        } => user_add(&db, &role, &stores, &accounts, &name, lang),
    }
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn open_existing(path: &Path) -> Result<Db> {
    if !path.exists() {
        let path = path.display();
        return Err(said!(
            "数据库 {path} 不存在（用 `kefu import` 创建）",
            "database {path} does not exist (create it with `kefu import`)"
        ));
    }
    Ok(Db::open(path)?)
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    if std::io::stderr().is_terminal() {
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    pb
}

/// Expands directories into the data files they hold, sorted by name.
/// The files to import: each file named, and for each directory the files in it that the
/// import reads — its `.txt` files when they are pasted chats (`--kind transcript`), else its
/// data files (`.csv`, `.jsonl`, `.ndjson`, `.json`, `.xlsx`, `.xls`), sorted by name.
fn expand(files: &[PathBuf], transcripts: bool) -> Result<Vec<PathBuf>> {
    let wanted = |ext: &str| {
        let ext = ext.to_ascii_lowercase();
        if transcripts {
            ext == "txt"
        } else {
            matches!(
                ext.as_str(),
                "csv" | "jsonl" | "ndjson" | "json" | "xlsx" | "xls"
            )
        }
    };
    let mut out = Vec::new();
    for f in files {
        if f.is_dir() {
            let mut inner: Vec<PathBuf> = std::fs::read_dir(f)
                .with_context(ctx!("读取目录 {}", "reading directory {}", f.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(wanted))
                .collect();
            inner.sort();
            out.extend(inner);
        } else {
            out.push(f.clone());
        }
    }
    Ok(out)
}

fn import(
    db_path: &Path,
    files: &[PathBuf],
    opts: &ImportOptions,
    reports: &kefu_import::ReportOptions,
    rejects: &Path,
    lang: Lang,
) -> Result<()> {
    let files = expand(files, opts.kind == Some(kefu_import::FileKind::Transcript))?;
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .collect();
    let total: u64 = sizes.iter().sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(lang.t("导入", "importing").to_string());
    let mut db = Db::open(db_path)?;
    // The command line imports into any store (it has the file system anyway).
    let progress = |done| {
        bar.set_position(done);
        if done >= total {
            bar.set_message(lang.t("计算指标", "computing figures").to_string());
        }
    };
    let imported =
        kefu_app::import::import_files_with(&mut db, &files, opts, reports, &|_| true, &progress);
    let kefu_app::import::Imported {
        files: done,
        summary,
        worklists,
    } = match imported {
        Ok(done) => done,
        Err(kefu_app::import::ImportFailure::Read(e @ ImportError::BadRows { .. })) => bail!(
            "{}\n{}",
            lang.msg(&e),
            lang.t(
                "没有导入任何数据（用 --skip-bad 只导入正确的行）",
                "nothing was imported (use --skip-bad to import the good rows)"
            )
        ),
        Err(e) => return Err(e.into()),
    };
    bar.finish_and_clear();
    for f in &done {
        for w in &f.warnings {
            eprintln!(
                "{}: {}: {}",
                lang.t("警告", "warning"),
                f.path.display(),
                kefu_core::text::terminal_text(&lang.msg(w))
            );
        }
    }
    for line in report::refund_warning_lines(&summary.refund_warnings, lang, 20) {
        eprintln!("{}: {line}", lang.t("警告", "warning"));
    }
    let rejected: usize = done.iter().map(|f| f.rejected.len()).sum();
    if rejected > 0 {
        kefu_import::write_rejects(&done, rejects).with_context(ctx!(
            "写入 {}",
            "writing {}",
            rejects.display()
        ))?;
    }
    let mut out = std::io::stdout().lock();
    for f in done.iter().filter(|_| done.len() <= 12) {
        writeln!(
            out,
            "{}  {}  {} {}  {} {}",
            f.path.display(),
            f.kind_name(),
            f.rows,
            lang.t("行", "rows"),
            f.rejected.len(),
            lang.t("行被拒绝", "rejected")
        )?;
    }
    writeln!(
        out,
        "{}: {} {} ({} {}), {} {}, {} {}, {} {}, {} {}; {} {} {}",
        lang.t("导入完成", "imported"),
        summary.messages_added,
        lang.t("条新消息", "new messages"),
        summary.messages_duplicate,
        lang.t("条重复已跳过", "duplicates skipped"),
        summary.orders,
        lang.t("订单", "orders"),
        summary.refunds,
        lang.t("退款", "refunds"),
        summary.ratings_added,
        lang.t("评价", "ratings"),
        summary.agents,
        lang.t("花名册行", "roster rows"),
        lang.t("重新计算了", "recomputed"),
        summary.days_recomputed,
        lang.t("个店铺日", "store-days"),
    )?;
    let platform = summary.platform_added + summary.platform_changed + summary.platform_unchanged;
    if platform > 0 {
        writeln!(
            out,
            "{}: {} {}, {} {}, {} {}",
            lang.t("平台报表指标", "platform figures"),
            summary.platform_added,
            lang.t("新增", "new"),
            summary.platform_changed,
            lang.t("更新", "changed"),
            summary.platform_unchanged,
            lang.t("未变", "unchanged"),
        )?;
    }
    if rejected > 0 {
        writeln!(
            out,
            "{} {rejected} {}: {}",
            lang.t("有", "wrote"),
            lang.t("行被拒绝，已写入", "rejected rows to"),
            rejects.display()
        )?;
    }
    match &worklists {
        Ok(lists) => {
            let (items, new) = lists
                .iter()
                .fold((0, 0), |(i, n), r| (i + r.items, n + r.new));
            if items > 0 {
                writeln!(
                    out,
                    "{}: {items} {} ({new} {})",
                    lang.t("工作清单已更新", "worklists refreshed"),
                    lang.t("项", "items"),
                    lang.t("项新出现", "new")
                )?;
            }
        }
        Err(e) => eprintln!(
            "{}: {}: {}",
            lang.t("警告", "warning"),
            lang.t(
                "导入已完成，但工作清单未能更新（下次查看时会重算）",
                "the import is done, but the worklists were not refreshed (they are on the next read)"
            ),
            lang.msg(e)
        ),
    }
    // Stores that use automatic rules had them re-run inside the import's transaction.
    let rerun = summary.rules_days;
    if rerun > 0 {
        writeln!(
            out,
            "{} {rerun} {}",
            lang.t("质检规则已更新", "rules re-run over"),
            lang.t("天", "days")
        )?;
    }
    if summary.auto_reviews > 0 {
        writeln!(
            out,
            "{} {}",
            lang.t("自动开启复检任务", "review tasks opened automatically:"),
            summary.auto_reviews
        )?;
    }
    Ok(())
}

fn write_report(
    report: &report::Report,
    format: Format,
    output: Option<&Path>,
    lang: Lang,
) -> Result<()> {
    write_formatted(
        format,
        output,
        || Ok(report::to_xlsx(report, lang)?),
        |sink| {
            match format {
                Format::Json => {
                    serde_json::to_writer_pretty(&mut *sink, &report::to_json(report))?;
                    writeln!(sink)?;
                }
                Format::Csv => report::write_csv(report, sink)?,
                _ => sink.write_all(report::to_table(report, lang).as_bytes())?,
            }
            Ok(())
        },
    )
}

/// Writes a report in `format` to `output` (standard output without one): Excel through
/// `xlsx` (which needs a file), every other format through `text`.
fn write_formatted(
    format: Format,
    output: Option<&Path>,
    xlsx: impl FnOnce() -> Result<Vec<u8>>,
    text: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match (format, output) {
        (Format::Xlsx, None) => Err(said!(
            "--format xlsx 需要 --output 文件.xlsx",
            "--format xlsx needs --output FILE.xlsx"
        )),
        (Format::Xlsx, Some(path)) => std::fs::write(path, xlsx()?).with_context(ctx!(
            "写入 {}",
            "writing {}",
            path.display()
        )),
        (_, output) => {
            let mut sink = output_sink(output)?;
            text(&mut *sink)?;
            sink.flush()?;
            Ok(())
        }
    }
}

/// Where a command's text output goes: the `--output` file, else standard output (buffered:
/// callers flush).
pub(crate) fn output_sink(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(ctx!(
                "创建 {}",
                "creating {}",
                path.display()
            ))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Writes the rows of `kefu report --source platform`.
fn write_platform_report(
    rows: &[report::platform::PlatformRow],
    format: Format,
    output: Option<&Path>,
    lang: Lang,
) -> Result<()> {
    write_formatted(
        format,
        output,
        || Ok(report::platform::to_xlsx(rows, lang)?),
        |sink| {
            match format {
                Format::Json => {
                    serde_json::to_writer_pretty(&mut *sink, &report::platform::to_json(rows))?;
                    writeln!(sink)?;
                }
                Format::Csv => report::platform::write_csv(rows, sink)?,
                _ => sink.write_all(report::platform::to_table(rows, lang).as_bytes())?,
            }
            Ok(())
        },
    )
}

fn demo(args: DemoArgs, lang: Lang) -> Result<()> {
    let DemoArgs {
        db,
        days,
        start,
        only_from,
        only_to,
        agents,
        seed,
        messages,
        write_files,
        serve: serve_after,
    } = args;
    let mut cfg = kefu_demo::DemoConfig {
        start: parse_day(&start, "start")?.ymd(),
        days,
        agents,
        seed,
        messages_target: messages,
        ..Default::default()
    };
    if only_from.is_some() || only_to.is_some() {
        let index = |date: Option<String>, flag: &str, default: u32| -> Result<u32> {
            let Some(date) = date else {
                return Ok(default);
            };
            kefu_demo::day_index(&cfg, parse_day(&date, flag)?.ymd()).with_context(|| {
                format!("--{flag} {date}: 不在 {start} 起的 {days} 天内 / not within the {days} days from {start}")
            })
        };
        let first = index(only_from, "only-from", 0)?;
        let last = index(only_to, "only-to", days.saturating_sub(1))?;
        if first > last {
            bail!("--only-from > --only-to: 期间为空 / empty window");
        }
        cfg.only_days = Some((first, last));
    }
    let import_to = match (&write_files, db) {
        (Some(_), None) => None,
        (_, db) => Some(db.unwrap_or_else(|| PathBuf::from("kefu-demo.db"))),
    };
    let tmp;
    let dir = match &write_files {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(ctx!("创建 {}", "creating {}", d.display()))?;
            d.clone()
        }
        None => {
            tmp = std::env::temp_dir().join(format!("kefu-demo-{}-{seed}", std::process::id()));
            std::fs::create_dir_all(&tmp)?;
            tmp.clone()
        }
    };
    let bar = ProgressBar::new(days as u64);
    bar.set_message(lang.t("生成演示数据", "generating demo data").to_string());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = kefu_demo::write_files(&cfg, &dir, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .with_context(ctx!(
        "写入演示文件到 {}",
        "writing demo files to {}",
        dir.display()
    ))?;
    bar.finish_and_clear();
    eprintln!(
        "{}: {} {}, {} {}, {} {} ({} – {})",
        lang.t("演示店铺", "demo store"),
        summary.messages,
        lang.t("条消息", "messages"),
        summary.orders,
        lang.t("个订单", "orders"),
        summary.agents,
        lang.t("名客服", "agents"),
        summary.first_day,
        summary.last_day
    );
    let Some(db_path) = import_to else {
        eprintln!(
            "{} {}",
            lang.t("文件已写入", "files written to"),
            dir.display()
        );
        return Ok(());
    };
    let config = Config::default();
    if db_path.exists() {
        std::fs::remove_file(&db_path).with_context(ctx!(
            "替换 {}",
            "replacing {}",
            db_path.display()
        ))?;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(&db_path, suffix));
        }
    }
    import(
        &db_path,
        &summary.files,
        &ImportOptions::new(&config),
        &kefu_import::ReportOptions::default(),
        &with_suffix(&db_path, ".rejects.csv"),
        lang,
    )?;
    if write_files.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut db = Db::open(&db_path)?;
    let (from, to) = (
        parse_day(&summary.first_day, "from")?,
        parse_day(&summary.last_day, "to")?,
    );
    let stores: Vec<i64> = db.stores()?.iter().map(|s| s.id).collect();
    plan::save_shipped(&mut db, kefu_plan::Month::of(from), &stores)?;
    let mut rep = report::build(&db, By::Account, from, to, None)?;
    let sales =
        |r: &report::Row| std::cmp::Reverse(r.counters.get(kefu_core::figures::C::sales_cents));
    rep.rows.sort_by_key(|r| (r.is_bot, sales(r)));
    rep.only = report::pick_figures(
        "consulted,inquiries,inquiry_conversion,sales,avg_first_response_secs,avg_response_secs,slow,reply_rate,satisfaction_rate",
    )?;
    println!(
        "\n{} {} – {}\n",
        lang.t("客服排名（按客服销售额）", "Agent ranking (by agent sales)"),
        from,
        to
    );
    print!("{}", report::to_table(&rep, lang));
    let top = rep
        .rows
        .first()
        .and_then(|r| r.key.clone())
        .unwrap_or_else(|| "ACCOUNT".into());
    let db = db_path.display();
    println!(
        "\n{}:\n  kefu report --db {db} --from {from} --to {to} --by account     # {}\n  kefu report --db {db} --from {from} --to {to} --by group\n  kefu explain --db {db} --account {top} --day {to}\n  kefu plan run --db {db} --month {}     # {}",
        lang.t("接着试试", "Next, try"),
        lang.t("全部指标", "every figure"),
        kefu_plan::Month::of(to),
        lang.t("绩效、梯队与提成", "scores, grades and pay"),
    );
    if serve_after {
        let db_path = PathBuf::from(db.to_string());
        let store = Db::open(&db_path)?;
        if store.user("admin")?.is_none() {
            let password = kefu_store::random_token()[..16].to_string();
            store.create_user("admin", kefu_store::UserRole::Admin, &password)?;
            println!(
                "\n{}: admin / {password}",
                lang.t("首个登录账号", "First login")
            );
        }
        drop(store);
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], 8080).into();
        serve(
            &db_path,
            addr,
            Config::default(),
            kefu_web::WebSettings::default(),
            lang,
        )?;
    }
    Ok(())
}

fn serve(
    db: &Path,
    addr: std::net::SocketAddr,
    config: Config,
    web: kefu_web::WebSettings,
    lang: Lang,
) -> Result<()> {
    println!(
        "\n{}: http://{addr}/  ({})",
        lang.t("网页版已启动", "Web app running"),
        lang.t(
            "Ctrl-C 停止，进行中的请求会先完成",
            "Ctrl-C stops it after the requests in flight"
        )
    );
    kefu_web::serve_blocking(db.to_path_buf(), addr, config, web)?;
    Ok(())
}

/// Adds a web user; the password comes from standard input, hidden when it is a terminal.
fn user_add(
    db: &Path,
    role: &str,
    stores: &[String],
    accounts: &[String],
    name: &str,
    lang: Lang,
) -> Result<()> {
    let role = kefu_store::UserRole::parse(role).with_context(ctx!(
        "--role `{role}`：应为 admin、supervisor、qa 或 agent",
        "--role `{role}`: expected admin, supervisor, qa or agent"
    ))?;
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(lang.t("密码: ", "Password: "))?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    let store = Db::open(db)?;
    let user = store.create_user(name, role, &password)?;
    for s in stores {
        store.assign_store(&user, store.store(s)?.id)?;
    }
    for a in accounts {
        let (store_name, account) = match a.split_once('/') {
            Some((s, acc)) => (Some(s), acc),
            None => (None, a.as_str()),
        };
        let candidates = match store_name {
            Some(s) => vec![store.store(s)?],
            None => store.stores()?,
        };
        let mut linked = false;
        for s in candidates {
            if let Some(info) = store
                .accounts(s.id)?
                .into_iter()
                .find(|x| x.name == account)
            {
                store.link_account(&user, s.id, info.id)?;
                linked = true;
            }
        }
        if !linked {
            return Err(said!(
                "--account `{a}`：没有店铺有这个客服账号",
                "--account `{a}`: no store has this chat account"
            ));
        }
    }
    store.audit(None, "user.add", &format!("{name} ({})", role.as_str()))?;
    println!(
        "{} {name} ({})",
        lang.t("已添加用户", "added user"),
        role.as_str()
    );
    Ok(())
}

/// `kefu template KIND`: the import template of a canonical kind.
fn template(kind: &str, output: Option<&Path>) -> Result<()> {
    let kinds = kefu_import::templates::TEMPLATE_KINDS;
    let Some(csv) = kinds
        .iter()
        .find(|k| k.as_str() == kind.trim())
        .and_then(|k| kefu_import::templates::template_csv(*k))
    else {
        let known: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        return Err(said!(
            "没有 `{kind}` 这种模板；可选：{}",
            "no template of kind `{kind}`; the kinds: {}",
            known.join(", ")
        ));
    };
    match output {
        Some(path) => {
            std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            std::io::stdout().write_all(csv.as_bytes())?;
            Ok(())
        }
    }
}
