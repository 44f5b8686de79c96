//! `GET /api/v1/openapi.json`: the API described for tools (OpenAPI 3.1), written from the
//! same figure list the API answers with, so the two cannot drift apart; the router tests
//! check every key of real answers against the schemas here.

use axum::Json;
use kefu_core::figures::{ACCOUNT_FIGURES, STORE_FIGURES, Unit, Value};
use serde_json::{Map, Value as J, json};

use crate::auth::CurrentUser;
use crate::limits::{API_MAX_ROWS, PAGE_ROWS};
use crate::routes::Routes;
use crate::ui::links::{RESPONSE_BINS, bin_label};

pub async fn document(_user: CurrentUser) -> Json<J> {
    Json(openapi())
}

/// An object schema whose properties all appear in every answer.
fn object(properties: J) -> J {
    let required: Vec<J> = properties
        .as_object()
        .map(|m| m.keys().map(|k| J::from(k.as_str())).collect())
        .unwrap_or_default();
    json!({"type": "object", "properties": properties, "required": required})
}

fn query(name: &str, schema: J, what: &str) -> J {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": what})
}

fn day(name: &str, what: &str) -> J {
    query(name, json!({"type": "string", "format": "date"}), what)
}

fn errors(mut responses: Map<String, J>) -> J {
    for code in ["400", "401", "404"] {
        responses.insert(code.into(), json!({"$ref": "#/components/responses/Error"}));
    }
    J::Object(responses)
}

/// [`errors`] of an answer that analyses raw events: it can also be 503, busy.
fn heavy_errors(responses: Map<String, J>) -> J {
    let mut all = errors(responses);
    if let J::Object(m) = &mut all {
        m.insert(
            "503".into(),
            json!({
                "description": "busy (code `busy`): too many requests that analyse raw events at once; retry after the Retry-After header's seconds",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            }),
        );
    }
    all
}

fn ok(description: &str, schema: J) -> Map<String, J> {
    let mut m = Map::new();
    m.insert(
        "200".into(),
        json!({"description": description, "content": {"application/json": {"schema": schema}}}),
    );
    m
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> J {
    let mut figures = Map::new();
    for f in ACCOUNT_FIGURES.iter().chain(STORE_FIGURES) {
        let unit = match f.unit {
            Unit::Count => "",
            Unit::Yuan => "yuan",
            Unit::Percent => "a fraction (0.5 = 50%)",
            Unit::Seconds => "seconds",
            Unit::Ratio => "a ratio",
        };
        let kind = match f.value(&Default::default()) {
            Value::Count(_) => json!({"type": "integer"}),
            Value::Money(_) => json!({"type": "number", "description": unit}),
            Value::Ratio(_) => json!({
                "type": ["number", "null"],
                "description": format!("{unit}; null when undefined"),
            }),
        };
        let mut schema = kind;
        schema["title"] = json!(format!("{} / {}", f.zh, f.en));
        figures.insert(f.key.to_string(), schema);
    }
    figures.insert("store".into(), json!({"type": "string"}));
    figures.insert(
        "account".into(),
        json!({"type": "string", "description": "with by=account"}),
    );
    figures.insert(
        "group".into(),
        json!({"type": ["string", "null"], "description": "with by=group"}),
    );
    figures.insert(
        "day".into(),
        json!({"type": "string", "format": "date", "description": "with by=day"}),
    );
    let keys: Vec<&str> = ACCOUNT_FIGURES
        .iter()
        .chain(STORE_FIGURES)
        .map(|f| f.key)
        .collect();
    let store = query(
        "store",
        json!({"type": "string"}),
        "only this store (default: the first the user may see)",
    );
    let (from, to) = (
        day("from", "first day (default: the last 7 days with data)"),
        day("to", "last day, included"),
    );
    let text = json!({"type": "string"});
    let time =
        json!({"type": "string", "description": "store-local time, YYYY-MM-DD HH:MM:SS[.mmm]"});
    let opt_time = json!({"type": ["string", "null"], "description": "store-local time"});
    let secs = json!({"type": ["number", "null"], "description": "seconds; null when undefined"});
    let yuan = json!({"type": "number", "description": "yuan"});
    let int = json!({"type": "integer"});
    let flag = json!({"type": "boolean"});
    let date = json!({"type": "string", "format": "date"});
    let outcome = json!({"type": "object", "properties": {
        "kind": {"type": "string", "enum": ["agent_answered", "bot_answered", "transferred", "unanswered"]},
        "at": time, "to": text
    }, "required": ["kind"]});
    let attribution = json!({"type": "object", "description": "the reception the order went to (last touch), or silent", "properties": {
        "kind": {"type": "string", "enum": ["attributed", "silent"]},
        "account": {"type": ["string", "null"], "description": "null: a colleague whose name the store does not show to agents"},
        "day": date, "answer_at": time,
        "inquiry": {"type": "boolean", "description": "the winning reception is an inquiry (else the order counts in sales only)"}
    }, "required": ["kind"]});
    let reception = object(json!({
        "account": text, "buyer": text, "day": date, "first_time": time,
        "consulted": flag, "served": flag, "unreplied": flag, "inquiry": flag, "after_sale": flag, "slow": flag,
        "first_response_secs": secs, "duration_secs": secs,
        "buyer_msgs": int, "agent_msgs": int, "rounds": int,
        "attributed_orders": int, "attributed_paid": int, "sales": yuan
    }));
    let round = object(json!({
        "account": text, "buyer": text, "day": date, "open": time, "outcome": outcome,
        "response_secs": secs, "wait_secs": secs, "within_3min": flag
    }));
    let order = object(json!({
        "order_id": text, "buyer": text, "created_at": time, "paid_at": opt_time,
        "amount": yuan, "items": int, "attribution": attribution
    }));
    let reminder = object(json!({
        "order_id": text, "account": text, "buyer": text, "created_at": time,
        "reminded_at": time, "paid": flag, "amount": yuan
    }));
    let rating = object(json!({
        "account": text, "buyer": text, "time": time, "score": int, "satisfied": flag
    }));
    let refund = object(json!({
        "refund_id": text, "order_id": text, "account": text, "buyer": text,
        "requested_at": time, "finished_at": opt_time, "amount": yuan,
        "status": {"type": "string", "enum": ["success", "closed", "pending"]},
        "refund_secs": secs
    }));
    let listing = object(json!({
        "store": text,
        "account": {"type": ["string", "null"], "description": "with account="},
        "group": {"type": ["string", "null"], "description": "with group= (null: the whole store, or ungrouped=1)"},
        "from": date, "to": date,
        "figure": {"type": "string", "enum": keys},
        "value": {"type": ["number", "null"], "description": "the figure's value from the stored counters (as /api/v1/report gives it); null when undefined or for a histogram bin"},
        "kind": {"type": "string", "enum": ["receptions", "rounds", "orders", "reminders", "ratings", "refunds"]},
        "total": {"type": "integer", "description": "items in the whole list (every page)"},
        "amount": {"type": ["number", "null"], "description": "sum of the amounts of the whole list (orders, reminders, refunds), yuan"},
        "page": int, "per_page": int,
        "items": {"type": "array", "items": {"oneOf": [
            {"$ref": "#/components/schemas/Reception"},
            {"$ref": "#/components/schemas/Round"},
            {"$ref": "#/components/schemas/Order"},
            {"$ref": "#/components/schemas/Reminder"},
            {"$ref": "#/components/schemas/Rating"},
            {"$ref": "#/components/schemas/Refund"}
        ]}}
    }));
    let message = object(json!({
        "time": time,
        "sender": {"type": "string", "enum": ["buyer", "agent", "bot", "auto", "system"], "description": "auto and system messages never answer a round"},
        "text": text,
        "transfer_to": {"type": ["string", "null"], "description": "the account a system message hands the conversation to"},
        "mark": {"type": ["object", "null"], "description": "{\"opens\": n} or {\"answers\": n, \"response_secs\": s}; rounds numbered from 1"}
    }));
    let transcript_round = object(json!({
        "round": int, "open": time, "outcome": outcome, "response_secs": secs, "wait_secs": secs
    }));
    let transcript_order = object(json!({
        "order_id": text, "created_at": time, "paid_at": opt_time, "amount": yuan,
        "before_question": {"type": "boolean", "description": "placed on the day before the buyer's first message: the reception is no inquiry"},
        "attribution": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["here", "elsewhere", "silent"]},
            "answer_at": time,
            "account": {"type": ["string", "null"], "description": "null: a colleague whose name the store does not show to agents"},
            "day": date,
            "own_last_answer": opt_time
        }, "required": ["kind"]}
    }));
    let transcript = object(json!({
        "store": text, "account": text, "buyer": text, "day": date,
        "consulted": flag, "served": flag, "unreplied": flag, "inquiry": flag, "after_sale": flag, "slow": flag,
        "first_response_secs": secs, "duration_secs": secs,
        "buyer_msgs": int, "agent_msgs": int, "bot_msgs": int, "auto_msgs": int,
        "sales": yuan,
        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
        "rounds": {"type": "array", "items": {"$ref": "#/components/schemas/TranscriptRound"}},
        "orders": {"type": "array", "items": {"$ref": "#/components/schemas/TranscriptOrder"}}
    }));
    let bins: Vec<String> = RESPONSE_BINS
        .iter()
        .enumerate()
        .map(|(i, &bin)| format!("{i}: {}", bin_label(bin)))
        .collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "kefu API",
            "version": "1",
            "description": "Figures of kefu (客服绩效) and the items behind them. Every request needs a personal API token (`Authorization: Bearer kefu_…`, made at /settings/tokens) or a session cookie (log in at /login). A user sees only their stores (supervisor, qa) or their own chat accounts (agent); anything else is answered as not found. Figures are defined in docs/metrics.md; they equal `kefu report --format json` for the same filters. Errors are `{\"error\": {\"code\", \"message\"}}` with a stable code."
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/v1/report": {"get": {
                "summary": "Figures by account, group, store or day",
                "parameters": [
                    query("by", json!({"type": "string", "enum": ["account", "group", "store", "day"], "default": "account"}), "rows by"),
                    from, to,
                    query("store", json!({"type": "string"}), "only this store")
                ],
                "responses": errors(ok("one object per row", json!({"type": "array", "items": {"$ref": "#/components/schemas/Row"}})))
            }},
            "/api/v1/list": {"get": {
                "summary": "The items behind a figure (the receptions, rounds, orders, reminders, ratings or refunds it counts), a page at a time",
                "description": "The filters of the /list page. A rate or an average lists the items of its denominator (reply_rate: the consulted receptions; avg_response_secs: the rounds it averages; avg_order_value: the paid attributed orders), so the figure can be recomputed from the items. Store-level figures (total_*, silent_*) are for users who see the whole store.",
                "parameters": [
                    store.clone(),
                    query("account", json!({"type": "string"}), "one chat account"),
                    query("group", json!({"type": "string"}), "one roster group (people only)"),
                    query("ungrouped", json!({"type": "string", "enum": ["1"]}), "the people without a group"),
                    from.clone(), to.clone(),
                    day("day", "one day (instead of from/to)"),
                    query("figure", json!({"type": "string", "enum": keys}), "the figure; required unless hour or bucket is given"),
                    query("hour", json!({"type": "integer", "minimum": 0, "maximum": 23}), "consulted receptions whose buyer first wrote in this hour (figure consulted)"),
                    query("bucket", json!({"type": "integer", "minimum": 0, "maximum": RESPONSE_BINS.len() - 1}), &format!("rounds of one bin of the response-time histogram (figure avg_response_secs): {}", bins.join(", "))),
                    query("page", json!({"type": "integer", "minimum": 1, "default": 1}), "1-based page"),
                    query("per_page", json!({"type": "integer", "minimum": 1, "maximum": API_MAX_ROWS, "default": PAGE_ROWS}), "items per page")
                ],
                "responses": heavy_errors(ok("one page of the items", json!({"$ref": "#/components/schemas/Listing"})))
            }},
            "/api/v1/transcript": {"get": {
                "summary": "One reception: its flags, the day's messages with rounds marked, the rounds, and the buyer's orders with the reason they were or were not attributed",
                "parameters": [
                    store,
                    {"name": "account", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "buyer", "in": "query", "required": true, "schema": {"type": "string"}},
                    {"name": "day", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}
                ],
                "responses": heavy_errors(ok("the reception", json!({"$ref": "#/components/schemas/Transcript"})))
            }},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1"}, "401": {"$ref": "#/components/responses/Error"}}
            }}
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a personal API token (`kefu_…`) from /settings/tokens"},
                "session": {"type": "apiKey", "in": "cookie", "name": "kefu_session", "description": "the session of a logged-in browser"}
            },
            "schemas": {
                "Row": {"type": "object", "properties": figures},
                "Listing": listing,
                "Reception": reception,
                "Round": round,
                "Order": order,
                "Reminder": reminder,
                "Rating": rating,
                "Refund": refund,
                "Transcript": transcript,
                "Message": message,
                "TranscriptRound": transcript_round,
                "TranscriptOrder": transcript_order,
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string", "enum": ["bad_request", "unauthenticated", "forbidden", "not_found", "internal"]},
                    "message": {"type": "string"}
                }}}}
            },
            "responses": {"Error": {"description": "an error with a stable code", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        }
    });
    add_modules(&mut doc);
    doc
}

/// Inserts `entries` into the object at `doc[key]`.
fn extend(doc: &mut J, key: &str, entries: J) {
    if let (Some(target), J::Object(entries)) = (doc[key].as_object_mut(), entries) {
        target.extend(entries);
    }
}

/// The endpoints of performance plans and quality inspection, with their schemas.
fn add_modules(doc: &mut J) {
    let text = json!({"type": "string"});
    let opt_text = json!({"type": ["string", "null"]});
    let int = json!({"type": "integer"});
    let date = json!({"type": "string", "format": "date"});
    let cents = json!({"type": "integer", "description": "cents"});
    let store = query(
        "store",
        json!({"type": "string"}),
        "only this store (default: the first the user may see)",
    );
    let counts = json!({"type": "object", "additionalProperties": {"type": "integer"}, "description": "per rule id: the receptions it hit"});
    let rates = json!({"type": "object", "additionalProperties": {"type": ["number", "null"]}, "description": "per rule id: hits per 100 receptions; null without receptions"});
    let hit_row = object(json!({
        "key": {"type": "string", "description": "the account, the group (\"\": people without a group) or the store"},
        "receptions": {"type": "integer", "description": "receptions evaluated: the denominator"},
        "score": {"type": "integer", "description": "sum of the scores of the hits"},
        "hits": counts, "per_100": rates
    }));
    let previous = object(json!({
        "from": date, "to": date, "receptions": int, "score": int,
        "hits": counts, "per_100": rates
    }));
    let rule = object(json!({
        "id": text, "name": text, "name_en": text,
        "category": {"type": "string", "enum": ["taboo", "risk", "etiquette", "responsiveness", "follow_up", "sentiment", "sales"]},
        "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
        "score": {"type": "integer", "description": "negative: a deduction; positive: a bonus"}
    }));
    let flagged = object(json!({
        "day": date, "account": text, "buyer": text,
        "score": {"type": "integer", "description": "the reception's score (sum of its hits' scores)"},
        "rules_hit": int
    }));
    let qa_hits = object(json!({
        "store": text,
        "period": {"type": "string", "enum": ["week", "month"]},
        "from": date, "to": date,
        "by": {"type": "string", "enum": ["account", "group", "store"], "description": "agents always get account"},
        "rules_version": {"type": ["integer", "null"], "description": "the store's saved rule set in force; null: the shipped one"},
        "ran": {"type": "boolean", "description": "whether rules have been run over the period"},
        "rules": {"type": "array", "items": {"$ref": "#/components/schemas/QaRule"}, "description": "the enabled rules, in the order of the hit maps"},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/QaHitRow"}},
        "total": {"oneOf": [{"$ref": "#/components/schemas/QaHitRow"}, {"type": "null"}], "description": "the whole store; null for agents and before a run"},
        "previous": {"$ref": "#/components/schemas/QaHitPrevious"},
        "flagged": {"type": ["array", "null"], "items": {"$ref": "#/components/schemas/QaFlagged"}, "description": "with rule=: the receptions behind the figure (at most 500), lowest score first"}
    }));
    let item = object(json!({
        "id": text, "name": text, "name_en": text,
        "mean": {"type": "number", "description": "0…1 over the row's reviews in the period"}
    }));
    let score = json!({"type": ["number", "null"], "description": "percent; null without reviews"});
    let summary_row = object(json!({
        "key": {"type": "string", "description": "the account, the group (\"\": people without a group) or the store"},
        "reviews": {"type": "integer", "description": "scored reviews in the period"},
        "score": score,
        "weakest": {"type": "array", "items": {"$ref": "#/components/schemas/QaItemMean"}},
        "strongest": {"type": "array", "items": {"$ref": "#/components/schemas/QaItemMean"}},
        "trend": {"type": "array", "items": object(json!({"from": date, "to": date, "score": score})), "description": "the previous periods, oldest first"}
    }));
    let workload = object(json!({"reviewer": text, "goal": int, "assigned": int, "done": int}));
    let qa_summary = object(json!({
        "store": text,
        "period": {"type": "string", "enum": ["week", "month"]},
        "from": date, "to": date,
        "by": {"type": "string", "enum": ["agent", "group", "store"], "description": "agents always get agent"},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/QaSummaryRow"}},
        "workload": {"type": ["array", "null"], "items": {"$ref": "#/components/schemas/QaWorkload"}, "description": "reviewers against their goals; null for agents"}
    }));
    let appeal = object(json!({
        "status": {"type": "string", "enum": ["open", "accepted", "rejected"]},
        "reason": text, "appellant": opt_text, "decided_by": opt_text, "comment": opt_text,
        "new_score": {"type": ["number", "null"], "description": "the corrected score of an accepted appeal"}
    }));
    let review = object(json!({
        "id": int, "assignment_id": int,
        "kind": {"type": "string", "enum": ["weakness", "strength"]},
        "day": date, "account": text, "buyer": text, "reviewer": opt_text,
        "score": {"type": ["number", "null"], "description": "percent"},
        "counted_score": {"type": ["number", "null"], "description": "the score that counts: an accepted appeal's, else the review's"},
        "failed_critical": {"type": "array", "items": text, "description": "critical items failed (the score is then 0)"},
        "answers": {"type": "object", "additionalProperties": object(json!({
            "answer": {"type": "string", "description": "na, yes, no or a number"},
            "value": {"type": ["number", "null"], "description": "0…1; null when not applicable"}
        })), "description": "per scorecard item id"},
        "note": text, "training_topic": opt_text,
        "tags": {"type": "array", "items": text},
        "appeal": {"oneOf": [{"$ref": "#/components/schemas/QaAppeal"}, {"type": "null"}]}
    }));
    let qa_reviews = object(json!({
        "store": text,
        "reviews": {"type": "array", "items": {"$ref": "#/components/schemas/QaReview"}}
    }));
    let kpi = object(json!({
        "key": text, "name": text, "name_en": text,
        "figure": {"type": ["string", "null"], "description": "the figure behind the value, for /api/v1/list"},
        "value": {"type": ["number", "null"]}, "value_text": text,
        "rule": {"type": "string", "description": "how the value became the score, numbers filled in"},
        "score": {"type": "integer", "description": "hundredths of a point, after gates"},
        "weight_bp": {"type": "integer", "description": "hundredths of a percent"},
        "points": {"type": "integer", "description": "score × weight, hundredths of a point"},
        "zeroed_by": {"type": ["string", "null"], "description": "the gate that set the score to 0"}
    }));
    let gate = object(json!({
        "name": text, "condition": text, "value_text": text, "fired": {"type": "boolean"},
        "effect": text, "effect_en": text
    }));
    let pay = object(json!({
        "key": text, "name": text, "name_en": text, "kind": text,
        "formula": {"type": "string", "description": "the formula with the numbers filled in, ending in `= amount`"},
        "amount_cents": cents
    }));
    let sales = object(json!({
        "orders": {"type": "array", "items": object(json!({"order_id": text, "paid_at": text, "amount_cents": cents, "refunded_cents": cents}))},
        "gross_cents": cents, "refunded_cents": cents,
        "late_refunds": {"type": "array", "items": object(json!({"order_id": text, "paid_at": text, "finished_at": text,
            "amount_cents": {"type": "integer", "description": "deducted, cents: the refund capped at what was left of its order"},
            "refund_cents": {"type": "integer", "description": "the refund as recorded, cents"}}))},
        "late_refunds_cents": cents,
        "net_cents": {"type": "integer", "description": "gross − refunded − late refunds, cents; may be negative"}
    }));
    let payslip = object(json!({
        "account": text, "display_name": opt_text,
        "rank": {"type": ["integer", "null"], "description": "competition ranking: ties share a rank; null: no activity in the month, not ranked"},
        "active": {"type": "boolean", "description": "had receptions, messages or paid orders in the month"},
        "grade": opt_text, "previous_grade": opt_text,
        "movement": {"type": "string", "enum": ["up", "down", "same", "new", "out"]},
        "total_score": {"type": "integer", "description": "hundredths of a point"},
        "kpis": {"type": "array", "items": {"$ref": "#/components/schemas/KpiLine"}},
        "gates": {"type": "array", "items": {"$ref": "#/components/schemas/GateLine"}},
        "sales": {"$ref": "#/components/schemas/SalesBase"},
        "pay": {"type": "array", "items": {"$ref": "#/components/schemas/PayLine"}},
        "total_cents": cents
    }));
    let plan_result = object(json!({
        "plan_id": text, "plan_name": text,
        "month": {"type": "string", "description": "YYYY-MM"},
        "settlement_end": {"type": "string", "description": "refunds finished before this store-local moment count against the month"},
        "headcount": {"type": ["integer", "null"], "description": "the agents active in the month (all, when the plan pays inactive agents); null for agents of a store that does not show them its totals"},
        "store_sales_cents": {"type": ["integer", "null"], "description": "cents; null as headcount"},
        "empty_month": {"type": "boolean", "description": "the store has no data at all in the month"},
        "paid_by_other_plan": {"type": "array", "description": "agents this plan also matches who are paid by another plan in force (one plan pays each person)",
            "items": object(json!({"account": text, "plan_id": text}))},
        "unpaid_with_sales": {"type": "array", "description": "the store's accounts with sales in the month that no plan in force pays",
            "items": object(json!({"account": text, "in_roster": {"type": "boolean"}, "sales_cents": cents}))},
        "payslips": {"type": "array", "items": {"$ref": "#/components/schemas/Payslip"}, "description": "best first; an agent gets their own only"}
    }));
    let period = query(
        "period",
        json!({"type": "string", "enum": ["week", "month"]}),
        "the period kind (default: month for hits, the store's choice for summaries)",
    );
    extend(
        doc,
        "paths",
        json!({
            "/api/v1/plans/run": {"get": {
                "summary": "Run the plans in force for a month: every payslip the user may see (an agent their own), with KPI, gate and pay lines and their formulas",
                "parameters": [
                    store.clone(),
                    query("month", json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}), "YYYY-MM (default: the month of the last day with data)"),
                    query("plan", json!({"type": "string"}), "only this plan id")
                ],
                "responses": errors(ok("one result per plan", json!({"type": "array", "items": {"$ref": "#/components/schemas/PlanResult"}})))
            }},
            "/api/v1/qa/hits": {"get": {
                "summary": "Automatic QA rules: hits per 100 receptions by rule × account, group or store over a week or a month (what /qa/hits shows)",
                "description": "Hits per 100 receptions = 100 × receptions the rule hit ÷ receptions evaluated, both summed over the rows' days and accounts (docs/qa.md). Agents get their own accounts only, by account, without the store's total.",
                "parameters": [
                    store.clone(), period.clone(),
                    day("date", "a day in the period (default: the last day with data)"),
                    query("by", json!({"type": "string", "enum": ["account", "group", "store"], "default": "account"}), "rows by"),
                    query("rule", json!({"type": "string"}), "list the receptions this rule flagged (flagged)"),
                    query("account", json!({"type": "string"}), "with rule: only this account or group")
                ],
                "responses": errors(ok("the table", json!({"$ref": "#/components/schemas/QaHits"})))
            }},
            "/api/v1/qa/summary": {"get": {
                "summary": "Manual reviews: QA score per agent, group or store, the weakest and strongest items, the trend and the reviewers' workload (what /qa/summary shows)",
                "description": "The QA score is the mean of the counted review scores of the period (an accepted appeal's corrected score replaces the review's); calibration reviews do not count. Agents get their own accounts only.",
                "parameters": [
                    store.clone(), period,
                    day("day", "a day in the period (default: the last day with data)"),
                    query("by", json!({"type": "string", "enum": ["agent", "group", "store"], "default": "agent"}), "rows by")
                ],
                "responses": errors(ok("the summary", json!({"$ref": "#/components/schemas/QaSummary"})))
            }},
            "/api/v1/qa/reviews": {"get": {
                "summary": "Manual reviews with their answers and appeals (what /qa/reviews shows): an agent the reviews of their own chats and those they wrote; leads and QA every review of their stores",
                "parameters": [store],
                "responses": errors(ok("the reviews, newest first", json!({"$ref": "#/components/schemas/QaReviews"})))
            }}
        }),
    );
    let mut schemas = Map::new();
    for (name, schema) in [
        ("PlanResult", plan_result),
        ("Payslip", payslip),
        ("KpiLine", kpi),
        ("GateLine", gate),
        ("PayLine", pay),
        ("SalesBase", sales),
        ("QaHits", qa_hits),
        ("QaRule", rule),
        ("QaHitRow", hit_row),
        ("QaHitPrevious", previous),
        ("QaFlagged", flagged),
        ("QaSummary", qa_summary),
        ("QaSummaryRow", summary_row),
        ("QaItemMean", item),
        ("QaWorkload", workload),
        ("QaReviews", qa_reviews),
        ("QaReview", review),
        ("QaAppeal", appeal),
    ] {
        schemas.insert(name.into(), schema);
    }
    if let Some(target) = doc["components"]["schemas"].as_object_mut() {
        target.extend(schemas);
    }
}

/// The API's own description.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/openapi.json", document)
}
