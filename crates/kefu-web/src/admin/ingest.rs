//! `/settings/ingest`: a store's ingest tokens, what its chat tool or RPA job presents to
//! `POST /api/v1/events` (docs/formats.md, "Live events"; docs/deployment.md, "Live
//! ingest"). Managers of the store (admins, its supervisors) create them (shown once) and
//! revoke them; a token writes that store's events and reads nothing.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::{self, ManagedStore};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S};
use crate::ui::format;
use crate::ui::frame::{StoreQuery, error_page, frame, store_switcher};
use crate::ui::html::{Markup, html, url};
use crate::{AppState, WebError};

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    label: String,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    store: String,
    #[serde(default)]
    key: String,
}

fn here(store: &ManagedStore, lang: Lang) -> String {
    format!(
        "/settings/ingest?store={}&lang={}",
        url(store.name()),
        lang.code()
    )
}

fn render(
    lang: Lang,
    user: &CurrentUser,
    stores: &[ManagedStore],
    store: &ManagedStore,
    list: &[kefu_store::ingest::IngestTokenInfo],
    made: Option<&str>,
    tz: kefu_core::time::UtcOffset,
) -> Markup {
    let lc = lang.code();
    let at = |secs: i64| format!("{} {}", format::time_at(secs, tz), format::zone(tz));
    let csrf = &user.session.csrf;
    html! {
        (store_switcher(lang, "/settings/ingest", stores, store))
        p { (lang.t(
            "接入令牌让聊天工具、RPA 导出任务把本店铺的消息、订单、退款、评价实时写入 kefu（POST /api/v1/events，格式见 docs/formats.md「实时事件」）。令牌只能写入本店铺，不能读取任何数据。",
            "An ingest token lets a chat tool or an RPA export write this store's messages, orders, refunds and ratings to kefu as they happen (POST /api/v1/events, format in docs/formats.md, \"Live events\"). A token writes this store only and reads nothing."
        )) }
        @if let Some(token) = made {
            div.notice role="status" {
                p { (lang.t("新令牌（只显示这一次，请立即复制保存）：", "The new token (shown this once: copy it now):")) }
                p { code #new-token { (token) } }
                p { (lang.t("示例：", "Example:")) }
                pre { "curl -X POST -H 'Authorization: Bearer " (token) "' \\\n  -H 'Content-Type: application/x-ndjson' --data-binary @events.jsonl \\\n  https://kefu.example.com/api/v1/events" }
            }
        }
        form method="post" action={ "/settings/ingest?lang=" (lc) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="store" value=(store.name());
            label { (lang.t("用途", "What it is for")) " " input type="text" name="label" maxlength="128" placeholder=(lang.t("例如：千牛 RPA", "e.g. 千牛 RPA")); }
            " " button type="submit" { (lang.t("新建接入令牌", "Create an ingest token")) }
        }
        @if list.is_empty() {
            p { (lang.t("本店铺还没有接入令牌。", "This store has no ingest token yet.")) }
        } @else {
            div.wrap { table {
                thead { tr {
                    th { (lang.t("令牌（开头部分）", "Token (its beginning)")) }
                    th { (lang.t("用途", "What it is for")) }
                    th { (lang.t("创建", "Created")) }
                    th { (lang.t("最近使用", "Last used")) }
                    th {}
                } }
                tbody { @for t in list { tr {
                    td { code { (kefu_store::ingest::INGEST_TOKEN_PREFIX) (t.key) "…" } }
                    td { (t.label) }
                    td { (at(t.created_at)) @if let Some(by) = &t.created_by { " · " (by) } }
                    td { @match t.last_used_at {
                        None => (lang.t("从未使用", "never")),
                        Some(u) => (at(u)),
                    } }
                    td { form method="post" action={ "/settings/ingest/revoke?lang=" (lc) } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="store" value=(store.name());
                        input type="hidden" name="key" value=(t.key);
                        button type="submit" { (lang.t("撤销", "Revoke")) }
                    } }
                } } }
            } }
        }
    }
}

async fn show(
    state: AppState,
    user: &CurrentUser,
    lang: Lang,
    store: Option<String>,
    label: Option<String>,
) -> Response {
    let u = user.session.user.clone();
    let shown = state
        .db(move |db| {
            let stores = access::settings_stores(db, &u)?;
            let store = access::settings_store(&stores, store.as_deref())?;
            let made = match label {
                Some(label) => {
                    let token = store.create_ingest_token(db, &label, &u.name)?;
                    db.audit(
                        Some(&u),
                        "ingest_token.add",
                        &format!("store={} key={}", store.name(), &token[12..28]),
                    )?;
                    Some(token)
                }
                None => None,
            };
            let list = store.ingest_tokens(db)?;
            Ok((stores, store, list, made))
        })
        .await;
    match shown {
        Ok((stores, store, list, made)) => {
            let tz = state.config.current().store(store.name()).timezone;
            frame(
                lang,
                user,
                StatusCode::OK,
                S::IngestTokens,
                "/settings/ingest",
                render(lang, user, &stores, &store, &list, made.as_deref(), tz),
            )
        }
        Err(e) => error_page(lang, user, e),
    }
}

/// `GET /settings/ingest`
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    show(state, &user, lang, q.store, None).await
}

/// `POST /settings/ingest`: a new token, shown once on the page answered.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
    Form(form): Form<CreateForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    show(state, &user, lang, Some(form.store), Some(form.label)).await
}

/// `POST /settings/ingest/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let key = form.key.clone();
    let done = state
        .db(move |db| {
            let stores = access::settings_stores(db, &u)?;
            let store = access::settings_store(&stores, Some(&form.store))?;
            if !store.revoke_ingest_token(db, &form.key)? {
                return Err(WebError::missing("没有这个令牌", "no such token"));
            }
            db.audit(
                Some(&u),
                "ingest_token.revoke",
                &format!("store={} key={}", store.name(), form.key),
            )?;
            Ok(store)
        })
        .await;
    match done {
        Ok(store) => {
            state.live.forget_token(&key);
            Redirect::to(&here(&store, lang)).into_response()
        }
        Err(e) => error_page(lang, &user, e),
    }
}
