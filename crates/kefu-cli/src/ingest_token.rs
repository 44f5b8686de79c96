//! `kefu ingest-token`: a store's ingest tokens for live ingest (`POST /api/v1/events`,
//! docs/formats.md "Live events"): create (shown once), list, revoke.

use std::path::PathBuf;

use anyhow::Result;
use kefu_report::Lang;

use crate::said::said;

#[derive(clap::Subcommand)]
pub enum IngestTokenCommand {
    /// 新建接入令牌（只显示一次）/ create a token (shown once); the store is created when new
    Create {
        /// 数据库文件 / database file
        #[arg(long)]
        db: PathBuf,
        /// 店铺 / the store the token writes to
        #[arg(long)]
        store: String,
        /// 用途说明 / what it is for (the chat tool, the RPA job)
        #[arg(long, default_value = "")]
        label: String,
    },
    /// 列出店铺的接入令牌 / list the store's tokens (never their secrets)
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        store: String,
    },
    /// 撤销接入令牌 / revoke a token by its key (the 16 hex digits after kefu_ingest_)
    Revoke {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        store: String,
        key: String,
    },
}

pub fn run(command: IngestTokenCommand, lang: Lang) -> Result<()> {
    match command {
        IngestTokenCommand::Create { db, store, label } => {
            let db = crate::open_existing(&db)?;
            let s = db.ensure_store_named(&store)?;
            let token = db.create_ingest_token(s.id, &label, Some("cli"))?;
            eprintln!(
                "{}",
                lang.t(
                    "接入令牌（只显示这一次，请妥善保存）：",
                    "ingest token (shown this once; keep it safe):"
                )
            );
            println!("{token}");
            Ok(())
        }
        IngestTokenCommand::List { db, store } => {
            let db = crate::open_existing(&db)?;
            let s = db.store(&store)?;
            for t in db.ingest_tokens(s.id)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    t.key,
                    kefu_core::text::terminal_text(&t.label),
                    t.created_at,
                    t.last_used_at
                        .map_or_else(|| "-".to_string(), |t| t.to_string())
                );
            }
            Ok(())
        }
        IngestTokenCommand::Revoke { db, store, key } => {
            let db = crate::open_existing(&db)?;
            let s = db.store(&store)?;
            if !db.revoke_ingest_token(s.id, &key)? {
                return Err(said!(
                    "店铺 {store} 没有键为 {key} 的接入令牌",
                    "store {store} has no ingest token with key {key}"
                ));
            }
            eprintln!("{}", lang.t("已撤销", "revoked"));
            Ok(())
        }
    }
}
