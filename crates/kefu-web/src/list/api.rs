use super::*;

pub(super) fn secs(ms: Option<i64>) -> Json {
    ms.map_or(Json::Null, |ms| json!(ms as f64 / 1000.0))
}

pub(super) fn yuan(cents: i64) -> Json {
    json!(yuan_f64(cents))
}

pub(super) fn winner_json(w: &Option<Winner>) -> Json {
    match w {
        Some(w) => json!({
            "kind": "attributed",
            "account": credited_json(&w.account),
            "day": w.day.to_string(),
            "answer_at": millis(w.answer),
            "inquiry": w.inquiry,
        }),
        None => json!({"kind": "silent"}),
    }
}

pub(super) fn items_json(items: &Items) -> Json {
    let list: Vec<Json> = match items {
        Items::Receptions(v) => v
            .iter()
            .map(|r| {
                json!({
                    "account": r.account, "buyer": r.buyer, "day": r.day.to_string(),
                    "first_time": millis(r.first_time),
                    "consulted": r.consulted, "served": r.served, "unreplied": r.unreplied,
                    "inquiry": r.inquiry, "after_sale": r.after_sale, "slow": r.slow,
                    "first_response_secs": secs(r.first_response_ms),
                    "duration_secs": secs(Some(r.duration_ms)),
                    "buyer_msgs": r.buyer_msgs, "agent_msgs": r.agent_msgs,
                    "rounds": r.rounds,
                    "attributed_orders": r.attributed_orders,
                    "attributed_paid": r.attributed_paid,
                    "sales": yuan(r.sales_cents),
                })
            })
            .collect(),
        Items::Rounds(v) => v
            .iter()
            .map(|r| {
                json!({
                    "account": r.account, "buyer": r.buyer, "day": r.day.to_string(),
                    "open": millis(r.round.open),
                    "outcome": outcome_json(&r.round.outcome),
                    "response_secs": secs(r.round.response_ms()),
                    "wait_secs": secs(r.round.wait_ms()),
                    "within_3min": r.within_3min,
                })
            })
            .collect(),
        Items::Orders(v) => v
            .iter()
            .map(|o| {
                json!({
                    "order_id": o.order_id, "buyer": o.buyer,
                    "created_at": millis(o.created_at),
                    "paid_at": o.paid_at.map_or(Json::Null, millis),
                    "amount": yuan(o.amount), "items": o.items,
                    "attribution": winner_json(&o.winner),
                })
            })
            .collect(),
        Items::Reminders(v) => v
            .iter()
            .map(|o| {
                json!({
                    "order_id": o.order_id, "account": o.account, "buyer": o.buyer,
                    "created_at": millis(o.created_at),
                    "reminded_at": millis(o.reminded_at),
                    "paid": o.paid, "amount": yuan(o.amount),
                })
            })
            .collect(),
        Items::Ratings(v) => v
            .iter()
            .map(|r| {
                json!({
                    "account": r.account, "buyer": r.buyer, "time": millis(r.time),
                    "score": r.score, "satisfied": r.satisfied,
                })
            })
            .collect(),
        Items::Refunds(v) => v
            .iter()
            .map(|r| {
                json!({
                    "refund_id": r.refund_id, "order_id": r.order_id,
                    "account": r.account, "buyer": r.buyer,
                    "requested_at": millis(r.requested_at),
                    "finished_at": r.finished_at.map_or(Json::Null, millis),
                    "amount": yuan(r.amount), "status": r.status,
                    "refund_secs": secs(r.finished_at.map(|f| f - r.requested_at)),
                })
            })
            .collect(),
    };
    Json::Array(list)
}

/// The name of an item kind in the API.
pub fn kind_name(kind: explain::ItemKind) -> &'static str {
    use explain::ItemKind as K;
    match kind {
        K::Receptions => "receptions",
        K::Rounds => "rounds",
        K::Orders => "orders",
        K::Reminders => "reminders",
        K::Ratings => "ratings",
        K::Refunds => "refunds",
    }
}

/// `GET /api/v1/list`: the items behind a figure, with the page's filters, as JSON.
pub async fn api_list(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<axum::Json<Json>, ApiError> {
    let Query(p) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let req = parse_request(&p, API_MAX_ROWS)?;
    let u = user.session.user.clone();
    let config = state.config.clone();
    let (figure, page_no, per_page) = (req.figure, req.page, req.per_page);
    let offset = (page_no - 1).saturating_mul(per_page);
    let l = state
        .heavy(u.id, move |db| {
            let settings = |name: &str| config.store(name).metrics.clone();
            load(db, settings, &u, &p, &req, offset, per_page)
        })
        .await?;
    let value = l.value.map_or(Json::Null, value_json);
    Ok(axum::Json(json!({
        "store": l.store.store.name,
        "account": match &l.who { Whose::Account(a) => Json::from(a.as_str()), _ => Json::Null },
        "group": match &l.who { Whose::Group(_) => l.who.name().map_or(Json::Null, Json::from), _ => Json::Null },
        "from": l.from.to_string(),
        "to": l.to.to_string(),
        "figure": figure.key,
        "value": value,
        "kind": kind_name(l.listing.kind),
        "total": l.listing.total,
        "amount": match l.listing.kind {
            explain::ItemKind::Orders | explain::ItemKind::Reminders | explain::ItemKind::Refunds => yuan(l.listing.amount_cents),
            _ => Json::Null,
        },
        "page": page_no,
        "per_page": per_page,
        "items": items_json(&l.listing.items),
    })))
}

/// A figure's value as the API writes it (yuan for money, `null` when undefined).
pub fn value_json(v: Value) -> Json {
    match v {
        Value::Count(n) => json!(n),
        Value::Money(c) => yuan(c),
        Value::Ratio(r) => r.map_or(Json::Null, |x| json!(x)),
    }
}
