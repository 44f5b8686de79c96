//! Quality inspection in the JSON API: `/api/v1/qa/hits`, `/api/v1/qa/summary` and
//! `/api/v1/qa/reviews`. Each answers what its page shows, from the page's own loader
//! ([`qa_rules::load_hits`], [`qa_reviews::load_summary`], [`qa_reviews::load_reviews`]), so
//! the numbers and the rows a user may see are the page's by construction.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use kefu_qa::review;
use kefu_qa::rules::{HitRow, per_100};
use kefu_store::{Db, User};
use serde_json::{Map, Value, json};

use crate::access::Rows;
use crate::auth::CurrentUser;
use crate::qa_reviews::{self, QaQuery, SummaryItem};
use crate::qa_rules::{self, By, HitsData, QaParams};
use crate::routes::Routes;
use crate::{ApiError, AppState, WebError};

/// What each endpoint here does first: read the query (a malformed one is a 400) and run the
/// page's loader as the signed-in user on the database thread.
async fn page_data<Q, T, F>(
    state: &AppState,
    user: &CurrentUser,
    query: Result<Query<Q>, QueryRejection>,
    load: F,
) -> Result<T, ApiError>
where
    Q: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&Db, &User, Q) -> Result<T, WebError> + Send + 'static,
{
    let Query(q) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let u = user.session.user.clone();
    Ok(state.db(move |db| load(db, &u, q)).await?)
}

/// One row of hits: receptions, score, and per rule the receptions hit and hits per 100
/// receptions (`null` without receptions).
fn hit_row(rules: &[String], row: &HitRow) -> Value {
    let mut hits = Map::new();
    let mut rates = Map::new();
    for (id, n) in rules.iter().zip(&row.hits) {
        hits.insert(id.clone(), json!(n));
        rates.insert(id.clone(), json!(per_100(*n, row.receptions)));
    }
    json!({
        "key": row.key,
        "receptions": row.receptions,
        "score": row.score,
        "hits": hits,
        "per_100": rates,
    })
}

fn hits_json(d: &HitsData) -> Value {
    let rules = &d.table.rules;
    let defs: Vec<Value> = rules
        .iter()
        .filter_map(|id| d.rules.set.rules().iter().find(|r| &r.id == id))
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "name_en": r.name_en,
                "category": r.category.as_str(),
                "severity": r.severity.as_str(),
                "score": r.score,
            })
        })
        .collect();
    let whole_store = d.allowed.rows == Rows::All;
    let (prev_from, prev_to, prev) = &d.previous;
    let mut previous = hit_row(rules, prev);
    if let Some(p) = previous.as_object_mut() {
        p.remove("key");
        p.insert("from".into(), json!(prev_from.to_string()));
        p.insert("to".into(), json!(prev_to.to_string()));
    }
    let flagged = d.listed.as_ref().map(|listed| {
        listed
            .iter()
            .map(|l| {
                json!({
                    "day": l.day.to_string(),
                    "account": l.account,
                    "buyer": l.buyer,
                    "score": l.score,
                    "rules_hit": l.rules,
                })
            })
            .collect::<Vec<_>>()
    });
    json!({
        "store": d.allowed.store.name,
        "period": if d.month { "month" } else { "week" },
        "from": d.from.to_string(),
        "to": d.to.to_string(),
        "by": match d.by {
            By::Account => "account",
            By::Group => "group",
            By::Store => "store",
        },
        "rules_version": d.rules.version,
        "ran": d.ran,
        "rules": defs,
        "rows": d.table.rows.iter().map(|r| hit_row(rules, r)).collect::<Vec<_>>(),
        // The whole store only for those who see all of it: an agent's total would be theirs.
        "total": (whole_store && d.ran).then(|| hit_row(rules, &d.table.total(""))),
        "previous": previous,
        "flagged": flagged,
    })
}

/// `GET /api/v1/qa/hits?store=&period=week|month&date=&by=account|group|store[&rule=&account=]`:
/// what `/qa/hits` shows.
pub async fn hits(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<QaParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let data = page_data(&state, &user, query, |db, u, q| {
        qa_rules::load_hits(db, u, &q)
    })
    .await?;
    Ok(Json(hits_json(&data)))
}

fn items_json(items: &[SummaryItem]) -> Vec<Value> {
    items
        .iter()
        .map(|i| json!({"id": i.id, "name": i.name, "name_en": i.name_en, "mean": i.mean}))
        .collect()
}

/// `GET /api/v1/qa/summary?store=&by=agent|group|store&period=week|month&day=`: what
/// `/qa/summary` shows.
pub async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<QaQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = page_data(&state, &user, query, |db, u, q| {
        qa_reviews::load_summary(db, u, &q)
    })
    .await?;
    let rows: Vec<Value> = p
        .rows
        .iter()
        .map(|r| {
            json!({
                "key": r.label,
                "reviews": r.reviews,
                "score": r.score,
                "weakest": items_json(&r.weak),
                "strongest": items_json(&r.strong),
                "trend": r.trend.iter().map(|(period, score)| json!({
                    "from": period.from.to_string(),
                    "to": period.to.to_string(),
                    "score": score,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let workload = p.workload.as_ref().map(|w| {
        w.iter()
            .map(|w| {
                json!({
                    "reviewer": w.reviewer,
                    "goal": w.goal,
                    "assigned": w.assigned,
                    "done": w.done,
                })
            })
            .collect::<Vec<_>>()
    });
    Ok(Json(json!({
        "store": p.store.store.name,
        "period": p.kind.as_str(),
        "from": p.period.from.to_string(),
        "to": p.period.to.to_string(),
        "by": p.by,
        "rows": rows,
        "workload": workload,
    })))
}

/// `GET /api/v1/qa/reviews?store=`: the reviews `/qa/reviews` shows (an agent their own, and
/// those they wrote; leads and QA their stores'), with answers and appeals.
pub async fn reviews(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<QaQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = page_data(&state, &user, query, |db, u, q| {
        qa_reviews::load_reviews(db, u, q.store.as_deref())
    })
    .await?;
    let reviews: Vec<Value> = p
        .reviews
        .iter()
        .map(|(r, card)| {
            let answers: Map<String, Value> = card
                .as_ref()
                .and_then(|c| Some((c, review::decode_answers(c, &r.answers).ok()?)))
                .map(|(c, answers)| {
                    c.items()
                        .filter_map(|i| {
                            let a = answers.get(&i.id)?;
                            Some((
                                i.id.clone(),
                                json!({"answer": a.encode(), "value": a.value(i.scale)}),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let appeal = r.appeal.as_ref().map(|a| {
                json!({
                    "status": a.status.as_str(),
                    "reason": a.reason,
                    "appellant": a.appellant,
                    "decided_by": a.decided_by,
                    "comment": a.comment,
                    "new_score": a.new_score,
                })
            });
            let split = |s: &str| -> Vec<String> {
                s.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            json!({
                "id": r.id,
                "assignment_id": r.assignment_id,
                "kind": r.kind.as_str(),
                "day": r.reception.day.to_string(),
                "account": p.names.name(r.reception.account),
                "buyer": p.names.name(r.reception.buyer),
                "reviewer": r.reviewer,
                "score": r.score,
                "counted_score": r.counted_score(),
                "failed_critical": split(&r.failed_critical),
                "answers": answers,
                "note": r.note,
                "training_topic": r.training_topic,
                "tags": split(&r.tags),
                "appeal": appeal,
            })
        })
        .collect();
    Ok(Json(json!({
        "store": p.store.store.name,
        "reviews": reviews,
    })))
}

/// The QA API: hits, summary and reviews.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/qa/hits", hits)
        .get("/api/v1/qa/summary", summary)
        .get("/api/v1/qa/reviews", reviews)
}
