//! The Chinese texts of the store's errors (the English ones are their `Display`). SQLite's
//! own words stay English after a Chinese lead.

use kefu_core::localized::Localized;

use crate::StoreError;
use crate::chunk::ChunkError;
use crate::users::{MAX_API_TOKENS, MAX_PASSWORD_BYTES, UserError};

impl Localized for ChunkError {
    fn zh(&self) -> String {
        format!("{} 的消息数据块在第 {} 字节处损坏", self.day, self.at)
    }
}

impl Localized for StoreError {
    fn zh(&self) -> String {
        match self {
            StoreError::Open { path, source } => format!("数据库 {path}：无法打开（{source}）"),
            StoreError::Sql(e) => format!("数据库错误：{e}"),
            StoreError::Chunk(e) => format!("数据库：{}", e.zh()),
            StoreError::Names(store) => format!("数据库：店铺 {store} 的名称数据已损坏"),
            StoreError::LiveTail(id) => format!("实时数据文件：待合并的第 {id} 批已损坏"),
            StoreError::Counters(store) => {
                format!("店铺 {store} 保存的首次响应时间已损坏；请运行 `kefu recompute`")
            }
            StoreError::TooNew { found, supported } => {
                format!("数据库结构版本 {found} 比本版 kefu 支持的（{supported}）新；请升级 kefu")
            }
            StoreError::UnknownStore(name) => format!("数据库中没有名为 `{name}` 的店铺"),
            StoreError::SavedSettings { store, message } => {
                format!("数据库：店铺 `{store}` 保存的设置无效：{message}")
            }
            StoreError::SavedScorecard { id, message } => {
                format!("数据库：保存的评分表 {id} 无效：{message}")
            }
            StoreError::SavedRules {
                store_id,
                version,
                message,
            } => format!("数据库：店铺 {store_id} 保存的质检规则 v{version} 无效：{message}"),
        }
    }
}

impl Localized for UserError {
    fn zh(&self) -> String {
        match self {
            UserError::Store(e) => e.zh(),
            UserError::NameTaken(name) => format!("已有名为 `{name}` 的用户"),
            UserError::BadName => {
                "用户名为 1 到 64 个字符，不含控制字符，首尾不能有空格".to_string()
            }
            UserError::BadPassword => format!("密码为 8 到 {MAX_PASSWORD_BYTES} 字节"),
            UserError::Hash(e) => format!("密码哈希失败：{e}"),
            UserError::LastAdmin => "必须始终有一位管理员：这是最后一位".to_string(),
            UserError::NoSuchUser(id) => format!("没有 id 为 {id} 的用户"),
            UserError::TooManyTokens => {
                format!("每位用户最多持有 {MAX_API_TOKENS} 个 API 令牌：请先撤销一个")
            }
            UserError::TooManyIngestTokens => format!(
                "每个店铺最多持有 {} 个接入令牌：请先撤销一个",
                crate::ingest::MAX_INGEST_TOKENS
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use kefu_core::localized::has_chinese;
    use kefu_core::time::Day;

    use super::*;

    #[test]
    fn every_store_error_reads_in_both_languages() {
        let chunk = || ChunkError {
            day: Day::from_ymd(2026, 11, 11).unwrap(),
            at: 7,
        };
        let stores = vec![
            StoreError::Open {
                path: "k.db".into(),
                source: rusqlite::Error::InvalidQuery,
            },
            StoreError::Sql(rusqlite::Error::InvalidQuery),
            StoreError::Chunk(chunk()),
            StoreError::Names(1),
            StoreError::LiveTail(1),
            StoreError::Counters(1),
            StoreError::TooNew {
                found: 9,
                supported: 8,
            },
            StoreError::UnknownStore("x".into()),
            StoreError::SavedSettings {
                store: "x".into(),
                message: "m".into(),
            },
            StoreError::SavedScorecard {
                id: 1,
                message: "m".into(),
            },
            StoreError::SavedRules {
                store_id: 1,
                version: 2,
                message: "m".into(),
            },
        ];
        let mut all: Vec<Box<dyn Localized>> = vec![Box::new(chunk())];
        all.extend(
            stores
                .into_iter()
                .map(|e| Box::new(e) as Box<dyn Localized>),
        );
        let users = [
            UserError::Store(StoreError::Names(1)),
            UserError::NameTaken("a".into()),
            UserError::BadName,
            UserError::BadPassword,
            UserError::Hash("h".into()),
            UserError::LastAdmin,
            UserError::NoSuchUser(3),
            UserError::TooManyTokens,
            UserError::TooManyIngestTokens,
        ];
        all.extend(users.into_iter().map(|e| Box::new(e) as Box<dyn Localized>));
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty(), "{}", e.en());
        }
        assert_eq!(
            StoreError::UnknownStore("晨光".into()).zh(),
            "数据库中没有名为 `晨光` 的店铺"
        );
    }
}
