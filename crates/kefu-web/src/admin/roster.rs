//! The roster page: a store's chat accounts with display name, group, role and bot flag,
//! editable by admins and the store's supervisors.
//!
//! Nothing stored is derived from the roster: reports read it as they build their rows
//! (groups for `by=group`, bots apart from people), so a change shows on the next page
//! without recomputation.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kefu_core::model::Role;
use kefu_core::time::Day;
use kefu_store::{AccountEdit, AccountInfo, Db, StoreInfo};
use serde::Deserialize;

use crate::access;
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::ui::frame::th;
use crate::ui::frame::{Notice, StoreQuery, error_page, frame, store_switcher};
use crate::ui::html::{Markup, Strict, html, url};
use crate::{AppState, WebError};

/// Longest display name or group name accepted.
const MAX_TEXT: usize = 64;

#[derive(Deserialize)]
pub struct RosterForm {
    #[serde(default)]
    store: String,
    /// `name.{id}`, `group.{id}`, `role.{id}`, `bot.{id}` per account.
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

fn load(
    db: &Db,
    user: &kefu_store::User,
    store: Option<&str>,
) -> Result<(Vec<StoreInfo>, StoreInfo, Vec<AccountInfo>), WebError> {
    let stores = access::settings_stores(db, user)?;
    let store = access::settings_store(&stores, store)?;
    let accounts = db.accounts(store.id)?;
    Ok((stores, store, accounts))
}

fn role_options(lang: Lang, now: Option<Role>) -> Markup {
    let roles = [
        (None, lang.t("（无）", "(none)")),
        (Some(Role::Presale), lang.s(S::Presale)),
        (Some(Role::Aftersale), lang.s(S::Aftersale)),
        (Some(Role::Bot), lang.s(S::Bot)),
    ];
    html! {
        @for (r, label) in roles {
            option value=(r.map_or("", |r| r.as_str())) selected[r == now] { (label) }
        }
    }
}

fn render(
    lang: Lang,
    user: &CurrentUser,
    stores: &[StoreInfo],
    store: &StoreInfo,
    accounts: &[AccountInfo],
    notice: Notice,
) -> Markup {
    let switcher = store_switcher(lang, "/settings/roster", stores, store);
    let head = th(
        lang,
        &[
            S::Account,
            S::DisplayName,
            S::Group,
            S::Role,
            S::Bot,
            S::Joined,
            S::Left,
        ],
    );
    let day = |d: Option<Day>| d.map_or_else(String::new, |d| d.to_string());
    let said = |name: &str, what: S| format!("{name} {}", lang.s(what));
    html! {
        p {
            (lang.t(
                "分组、角色和机器人标记在报表读取时使用（按组汇总、机器人与人工分开），保存后立即生效，无需重新计算。入职和离职日期决定客服属于哪些月份的绩效（见 docs/plans.md）。再次导入花名册文件会覆盖姓名、分组、角色和日期；发送机器人消息的账号在导入时会再次标记为机器人。",
                "Groups, roles and the bot flag are read as reports are built (sums by group, bots apart from people), so a change shows at once, without recomputation. Joining and leaving dates decide the months whose performance plans an agent is in (see docs/plans.md). Importing a roster file again replaces display names, groups, roles and dates; an account that sends bot messages is marked a bot again by the import that brings them.",
            ))
        }
        (switcher)
        (notice)
        h2 { (store.name) }
        form method="post" action={ "/settings/roster?lang=" (lang.code()) } {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="store" value=(store.name);
            div.wrap {
                table {
                    thead {
                        tr {
                            (head)
                            th { (lang.t("工号", "Employee no.")) }
                            th { (lang.t("部门", "Department")) }
                        }
                    }
                    tbody {
                        @for a in accounts {
                            @let id = a.id;
                            tr {
                                td { (a.name) }
                                td {
                                    input name={ "name." (id) } value=(Strict(a.display_name.as_deref().unwrap_or("")))
                                        maxlength=(MAX_TEXT) aria-label=(said(&a.name, S::DisplayName));
                                }
                                td {
                                    input name={ "group." (id) } value=(Strict(a.group.as_deref().unwrap_or("")))
                                        maxlength=(MAX_TEXT) aria-label=(said(&a.name, S::Group));
                                }
                                td {
                                    select name={ "role." (id) } aria-label=(said(&a.name, S::Role)) {
                                        (role_options(lang, a.role))
                                    }
                                }
                                td {
                                    input type="checkbox" name={ "bot." (id) } value="1" checked[a.is_bot]
                                        aria-label=(said(&a.name, S::Bot));
                                }
                                td {
                                    input type="date" name={ "joined." (id) } value=(day(a.joined))
                                        aria-label=(said(&a.name, S::Joined));
                                }
                                td {
                                    input type="date" name={ "left." (id) } value=(day(a.left))
                                        aria-label=(said(&a.name, S::Left));
                                }
                                td {
                                    input name={ "employee_no." (id) } value=(Strict(a.employee_no.as_deref().unwrap_or("")))
                                        maxlength=(MAX_TEXT) size="8"
                                        aria-label={ (a.name) " " (lang.t("工号", "employee no.")) };
                                }
                                td {
                                    input name={ "department." (id) } value=(Strict(a.department.as_deref().unwrap_or("")))
                                        maxlength=(MAX_TEXT)
                                        aria-label={ (a.name) " " (lang.t("部门", "department")) };
                                }
                            }
                        }
                    }
                }
            }
            p { button type="submit" { (lang.t("保存花名册", "Save the roster")) } }
        }
    }
}

fn here(store: &StoreInfo) -> String {
    format!("/settings/roster?store={}", url(&store.name))
}

/// `GET /settings/roster?store=…`
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    match state.db(move |db| load(db, &u, q.store.as_deref())).await {
        Ok((stores, store, accounts)) => {
            let body = render(lang, &user, &stores, &store, &accounts, Notice::Nothing);
            frame(lang, &user, StatusCode::OK, S::Roster, &here(&store), body)
        }
        Err(e) => error_page(lang, &user, e),
    }
}

/// Why an entry of the form was refused: the account and what was wrong.
#[derive(Debug, PartialEq, Eq)]
struct Refused {
    account: String,
    field: &'static str,
}

/// The edits the form asks for (accounts it leaves out keep their entry), or the first
/// refused value.
fn edits(
    accounts: &[AccountInfo],
    fields: &HashMap<String, String>,
) -> Result<Vec<(AccountInfo, AccountEdit)>, Refused> {
    let mut out = Vec::new();
    for a in accounts {
        let field = |f: &str| fields.get(&format!("{f}.{}", a.id));
        let Some(display) = field("name") else {
            continue;
        };
        let refuse = |field| Refused {
            account: a.name.clone(),
            field,
        };
        let text = |v: Option<&String>, name| {
            let v = v.map_or("", |v| v.trim());
            if v.chars().count() > MAX_TEXT || v.chars().any(char::is_control) {
                return Err(refuse(name));
            }
            Ok((!v.is_empty()).then(|| v.to_string()))
        };
        let role = match field("role").map_or("", |r| r.trim()) {
            "" => None,
            r => Some(Role::parse(r).ok_or_else(|| refuse("role"))?),
        };
        // A form without the date fields (an older page) keeps the stored dates.
        let day = |name: &'static str, now: Option<Day>| match field(name).map(|v| v.trim()) {
            None => Ok(now),
            Some("") => Ok(None),
            Some(v) => Day::parse(v).map(Some).ok_or_else(|| refuse(name)),
        };
        let (joined, left) = (day("joined", a.joined)?, day("left", a.left)?);
        if let (Some(j), Some(l)) = (joined, left)
            && l < j
        {
            return Err(refuse("left"));
        }
        // As the dates: a form without these fields keeps what is stored.
        let kept = |name: &'static str, now: &Option<String>| match field(name) {
            None => Ok(now.clone()),
            v => text(v, name),
        };
        let edit = AccountEdit {
            display_name: text(Some(display), "name")?,
            group: text(field("group"), "group")?,
            role,
            is_bot: field("bot").is_some_and(|b| b == "1" || b == "on"),
            joined,
            left,
            employee_no: kept("employee_no", &a.employee_no)?,
            department: kept("department", &a.department)?,
        };
        let now = AccountEdit {
            display_name: a.display_name.clone(),
            group: a.group.clone(),
            role: a.role,
            is_bot: a.is_bot,
            joined: a.joined,
            left: a.left,
            employee_no: a.employee_no.clone(),
            department: a.department.clone(),
        };
        if edit != now {
            out.push((a.clone(), edit));
        }
    }
    Ok(out)
}

/// `name: 售前一组→售后组` for each changed part, for the audit log.
fn described(a: &AccountInfo, e: &AccountEdit) -> String {
    let show = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut parts = Vec::new();
    if a.display_name != e.display_name {
        parts.push(format!(
            "name {}→{}",
            show(&a.display_name),
            show(&e.display_name)
        ));
    }
    if a.group != e.group {
        parts.push(format!("group {}→{}", show(&a.group), show(&e.group)));
    }
    if a.role != e.role {
        let r = |r: Option<Role>| r.map_or("", Role::as_str);
        parts.push(format!("role {}→{}", r(a.role), r(e.role)));
    }
    if a.is_bot != e.is_bot {
        parts.push(format!("bot {}→{}", a.is_bot, e.is_bot));
    }
    let day = |d: Option<Day>| d.map_or_else(String::new, |d| d.to_string());
    if a.joined != e.joined {
        parts.push(format!("joined {}→{}", day(a.joined), day(e.joined)));
    }
    if a.left != e.left {
        parts.push(format!("left {}→{}", day(a.left), day(e.left)));
    }
    if a.employee_no != e.employee_no {
        parts.push(format!(
            "employee_no {}→{}",
            show(&a.employee_no),
            show(&e.employee_no)
        ));
    }
    if a.department != e.department {
        parts.push(format!(
            "department {}→{}",
            show(&a.department),
            show(&e.department)
        ));
    }
    format!("{}: {}", a.name, parts.join(", "))
}

/// `POST /settings/roster`
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StoreQuery>,
    Form(form): Form<RosterForm>,
) -> Response {
    let lang = i18n::pick(q.lang.as_deref(), &headers);
    let u = user.session.user.clone();
    let done = state
        .db(move |db| {
            let (stores, store, accounts) = load(db, &u, Some(&form.store))?;
            let outcome = match edits(&accounts, &form.fields) {
                Ok(edits) => {
                    let by_id: Vec<_> = edits.iter().map(|(a, e)| (a.id, e.clone())).collect();
                    db.edit_accounts(store.id, &by_id)?;
                    if !edits.is_empty() {
                        let detail: Vec<String> =
                            edits.iter().map(|(a, e)| described(a, e)).collect();
                        db.audit(
                            Some(&u),
                            "roster.save",
                            &format!("store={} {}", store.name, detail.join("; ")),
                        )?;
                    }
                    Ok(edits.len())
                }
                Err(refused) => Err(refused),
            };
            let accounts = db.accounts(store.id)?;
            Ok((stores, store, accounts, outcome))
        })
        .await;
    match done {
        Ok((stores, store, accounts, outcome)) => {
            let (status, said) = match outcome {
                Ok(n) => (
                    StatusCode::OK,
                    format!(
                        "{} {n}",
                        lang.t("已保存，修改的账号数：", "Saved; accounts changed:")
                    ),
                ),
                Err(r) => {
                    let what = match r.field {
                        "role" => lang.t("角色无效", "not a known role"),
                        "joined" | "left" => lang.t(
                            "日期格式为 2026-11-01，离职日期不早于入职日期",
                            "dates are written 2026-11-01, and leaving is not before joining",
                        ),
                        _ => lang.t(
                            "姓名、分组、工号和部门最多 64 个字符，且不能含控制字符",
                            "names, groups, employee numbers and departments are at most 64 characters, without control characters",
                        ),
                    };
                    (
                        StatusCode::BAD_REQUEST,
                        format!(
                            "{}{}：{what}",
                            lang.t("未保存。", "Nothing saved. "),
                            r.account
                        ),
                    )
                }
            };
            let notice = if status == StatusCode::OK {
                Notice::Saved(&said)
            } else {
                Notice::Refused(&said)
            };
            let body = render(lang, &user, &stores, &store, &accounts, notice);
            frame(lang, &user, status, S::Roster, &here(&store), body)
        }
        Err(e) => error_page(lang, &user, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: u32, name: &str, group: Option<&str>) -> AccountInfo {
        AccountInfo {
            id,
            name: name.into(),
            display_name: Some("小美".into()),
            group: group.map(str::to_string),
            role: Some(Role::Presale),
            in_roster: true,
            is_bot: false,
            joined: None,
            left: None,
            employee_no: None,
            department: None,
        }
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_changed_accounts_are_edited() {
        let accounts = [
            account(3, "店:小美", Some("一组")),
            account(5, "店:阿强", None),
        ];
        let f = form(&[
            ("name.3", "小美"),
            ("group.3", " 二组 "),
            ("role.3", "presale"),
            ("name.5", "小美"),
            ("role.5", "presale"),
        ]);
        let out = edits(&accounts, &f).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0.id, 3);
        assert_eq!(out[0].1.group.as_deref(), Some("二组"));
        assert_eq!(described(&out[0].0, &out[0].1), "店:小美: group 一组→二组");
        // an account the form leaves out is kept as it is
        assert!(edits(&accounts, &form(&[])).unwrap().is_empty());
        let bot = edits(&accounts, &form(&[("name.5", "小美"), ("bot.5", "1")])).unwrap();
        assert_eq!(
            described(&bot[0].0, &bot[0].1),
            "店:阿强: role presale→, bot false→true"
        );
    }

    #[test]
    fn bad_values_are_refused_by_account_and_field() {
        let accounts = [account(3, "店:小美", None)];
        assert_eq!(
            edits(&accounts, &form(&[("name.3", "x"), ("role.3", "boss")])).unwrap_err(),
            Refused {
                account: "店:小美".into(),
                field: "role"
            }
        );
        let long = "长".repeat(65);
        assert_eq!(
            edits(&accounts, &form(&[("name.3", "x"), ("group.3", &long)]))
                .unwrap_err()
                .field,
            "group"
        );
    }
}
