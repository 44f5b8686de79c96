use super::*;
use crate::{SHIPPED, parse};

const PLATFORM_PLAN: &str = include_str!("../../../testdata/platform/plan-pdd.toml");
const RECOVERY_PLAN: &str = include_str!("../../../testdata/worklists/plan-recovery.toml");

fn plans() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&str, &str)> = SHIPPED.to_vec();
    all.push(("plan-pdd.toml", PLATFORM_PLAN));
    all.push(("plan-recovery.toml", RECOVERY_PLAN));
    all
}

#[test]
fn every_shipped_plan_round_trips_through_the_form() {
    for (name, text) in plans() {
        let form = PlanForm::from_toml(text).unwrap_or_else(|e| panic!("{name}: {}", e.en()));
        // What a browser posts is read back into the same form …
        assert_eq!(PlanForm::from_pairs(&form.to_pairs()), form, "{name}");
        // … and the TOML written from it is the same plan.
        let (written, plan) = form.check().unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            format!("{plan:?}"),
            format!("{:?}", parse(text).unwrap()),
            "{name}:\n{written}"
        );
        // Writing the written text again changes nothing.
        let again = PlanForm::from_toml(&written).unwrap();
        assert_eq!(again, form, "{name}");
    }
}

#[test]
fn the_presale_form_holds_what_the_file_says() {
    let f = PlanForm::from_toml(SHIPPED[0].1).unwrap();
    assert_eq!(f.id, "presale");
    assert_eq!(f.qa_min_reviews, "3");
    assert_eq!(f.role, "presale");
    let conv = &f.kpis[0];
    assert_eq!(conv.figure, "inquiry_conversion");
    assert_eq!(conv.weight, "40");
    assert_eq!(conv.rule, "bands");
    assert_eq!(conv.bands_dir, "min");
    assert_eq!(
        conv.bands[1],
        BandRow {
            threshold: "40%".into(),
            score: "80".into()
        }
    );
    assert_eq!(f.kpis[2].otherwise, "40");
    assert_eq!(f.kpis[1].rule, "linear");
    assert_eq!(f.kpis[1].floor, "180");
    assert_eq!(f.kpis[3].rank_scores, "100 95 90 85 80");
    assert_eq!(f.kpis[4].source, "manual");
    assert_eq!(f.kpis[4].rule, "direct");
    assert_eq!(f.gates[0].condition, "below");
    assert_eq!(f.gates[0].scale_pay, "50%");
    assert_eq!(f.gates[1].action, "zero_kpi");
    assert_eq!(f.gates[1].zero_kpi, "response");
    assert_eq!(f.pay[0].mode, "marginal");
    assert_eq!(f.pay[0].tiers[2].rate, "1%");
    assert_eq!(f.pay[1].amounts, "800 500 300");
    assert_eq!(f.grades.len(), 4);
}

fn presale() -> PlanForm {
    PlanForm::from_toml(SHIPPED[0].1).unwrap()
}

fn errors_of(f: &PlanForm) -> Vec<FieldError> {
    f.check().map(|_| ()).unwrap_err()
}

#[test]
fn overlapping_bands_are_refused_on_the_band_in_both_languages() {
    let mut f = presale();
    f.kpis[0].bands[1].threshold = "50%".into();
    let e = errors_of(&f);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].field, "f.kpi.0.band.1.threshold");
    assert_eq!(
        e[0].message_zh,
        "区间重叠：下限 50% 必须严格低于上一区间的 45%（最好的区间在前）"
    );
    assert!(
        e[0].message.starts_with("bands overlap"),
        "{}",
        e[0].message
    );
}

#[test]
fn each_mistake_is_placed_on_its_control() {
    let mut f = presale();
    f.settlement_day = "40".into();
    f.kpis[2].weight = "abc".into();
    f.pay[0].tiers[1].rate = "0.8".into();
    f.grades[1].min_score = "300".into();
    let e = errors_of(&f);
    let on = |name: &str| {
        e.iter()
            .find(|x| x.field == name)
            .unwrap_or_else(|| panic!("nothing on {name}: {e:?}"))
    };
    assert!(on("f.settlement_day").message_zh.contains("1 到 31"));
    assert!(
        on("f.kpi.2.weight").message_zh.contains("不是数字"),
        "{e:?}"
    );
    assert!(
        on("f.pay.0.tier.1.rate").message_zh.contains("有歧义"),
        "{e:?}"
    );
    assert!(
        on("f.grade.1.min_score").message_zh.contains("0 到 200"),
        "{e:?}"
    );
    assert_eq!(e.len(), 4, "{e:?}");
    for x in &e {
        assert!(kefu_core::localized::has_chinese(&x.message_zh), "{x:?}");
    }
}

#[test]
fn weights_that_do_not_add_up_are_said_on_the_first_weight() {
    let mut f = presale();
    f.kpis[0].weight = "45".into();
    let e = errors_of(&f);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].field, "f.kpi.0.weight");
    assert!(e[0].message_zh.starts_with("权重合计为 105%"), "{e:?}");
}

#[test]
fn empty_required_fields_are_said_before_reading() {
    let mut f = presale();
    f.kpis[0].bands[0].score = String::new();
    f.gates[0].threshold = " ".into();
    let e = errors_of(&f);
    assert_eq!(
        e.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(),
        ["f.kpi.0.band.0.score", "f.gate.0.threshold"]
    );
    assert!(
        e.iter()
            .all(|x| x.message_zh == "必填" && x.message == "required")
    );
    // A row left blank is no row.
    let mut f = presale();
    f.kpis[0].bands.push(BandRow::default());
    assert!(f.check().is_ok());
}

#[test]
fn rows_are_added_and_removed() {
    let mut f = presale();
    f.apply("add:kpi.0.band");
    assert_eq!(f.kpis[0].bands.len(), 4);
    f.apply("remove:kpi.0.band.0");
    assert_eq!(f.kpis[0].bands[0].threshold, "40%");
    f.apply("remove:pay.0.tier.9");
    assert_eq!(f.pay[0].tiers.len(), 3);
    f.apply("add:gate");
    assert_eq!(f.gates.len(), 3);
    f.apply("remove:grade.3");
    assert_eq!(f.grades.len(), 3);
    f.apply("nonsense");
    f.apply("remove:kpi.x");
    assert_eq!(f.kpis.len(), 5);
}

#[test]
fn fields_the_form_cannot_hold_are_named() {
    let text = SHIPPED[0]
        .1
        .replacen("weight = 40", "weight = 40\nwieght = 1", 1);
    match PlanForm::from_toml(&text) {
        Err(FormReadError::Unknown(f)) => assert_eq!(f, ["kpi[1].wieght"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        PlanForm::from_toml("id = "),
        Err(FormReadError::Plan(_))
    ));
}

#[test]
fn quotes_and_odd_text_stay_inside_their_string() {
    let mut f = presale();
    f.name = "a \"quoted\" \\ name\n".into();
    f.kpis[0].weight = "40\nid = \"x\"".into();
    let e = errors_of(&f);
    assert_eq!(e[0].field, "f.kpi.0.weight", "{e:?}");
    f.kpis[0].weight = "40".into();
    let (_, plan) = f.check().unwrap();
    assert_eq!(plan.name, "a \"quoted\" \\ name");
    assert_eq!(plan.id, "presale");
}
