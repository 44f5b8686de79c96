//! Scorecards as a form: each card, section and item a row of labelled controls. As with
//! plans, the form is checked by writing its TOML and reading that with
//! [`parse_scorecards`], so the form and the text refuse the same files with the same
//! messages; the error is then placed on the control its line came from.

use std::collections::BTreeMap;

use crate::review::{ReviewKind, Scale, Scorecard, ScorecardError, parse_scorecards};

/// A mistake on a control (`sc.0.sec.1.item.2.weight`), or on the whole form (empty name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScorecardFieldError {
    pub field: String,
    pub message: String,
    pub message_zh: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemForm {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// `yes_no`, `one_to_five` or `points`.
    pub scale: String,
    pub max: String,
    pub weight: String,
    pub na_allowed: bool,
    pub critical: bool,
    pub bonus: bool,
}

impl Default for ItemForm {
    fn default() -> ItemForm {
        ItemForm {
            id: String::new(),
            name: String::new(),
            name_en: String::new(),
            scale: "yes_no".into(),
            max: String::new(),
            weight: "1".into(),
            na_allowed: false,
            critical: false,
            bonus: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionForm {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub items: Vec<ItemForm>,
}

impl Default for SectionForm {
    fn default() -> SectionForm {
        SectionForm {
            id: String::new(),
            name: String::new(),
            name_en: String::new(),
            items: vec![ItemForm::default()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardForm {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// `weakness` or `strength`.
    pub kind: String,
    pub sections: Vec<SectionForm>,
}

impl Default for CardForm {
    fn default() -> CardForm {
        CardForm {
            id: String::new(),
            name: String::new(),
            name_en: String::new(),
            kind: "weakness".into(),
            sections: vec![SectionForm::default()],
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScorecardsForm {
    pub cards: Vec<CardForm>,
}

/// A weight as people write it: `2`, `1.5`.
fn weight_text(w: f64) -> String {
    let s = format!("{w}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

fn quote(s: &str) -> String {
    toml::Value::String(s.trim().to_string()).to_string()
}

impl ScorecardsForm {
    /// The form of a scorecard file; a file that does not read is refused as it is.
    pub fn from_toml(text: &str) -> Result<ScorecardsForm, ScorecardError> {
        Ok(ScorecardsForm::from_cards(&parse_scorecards(text)?))
    }

    pub fn from_cards(cards: &[Scorecard]) -> ScorecardsForm {
        let cards = cards
            .iter()
            .map(|c| CardForm {
                id: c.id.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                kind: c.kind.as_str().into(),
                sections: c
                    .sections
                    .iter()
                    .map(|s| SectionForm {
                        id: s.id.clone(),
                        name: s.name.clone(),
                        name_en: s.name_en.clone(),
                        items: s
                            .items
                            .iter()
                            .map(|i| {
                                let (scale, max) = match i.scale {
                                    Scale::YesNo => ("yes_no", String::new()),
                                    Scale::OneToFive => ("one_to_five", String::new()),
                                    Scale::Points { max } => ("points", max.to_string()),
                                };
                                ItemForm {
                                    id: i.id.clone(),
                                    name: i.name.clone(),
                                    name_en: i.name_en.clone(),
                                    scale: scale.into(),
                                    max,
                                    weight: weight_text(i.weight),
                                    na_allowed: i.na_allowed,
                                    critical: i.critical,
                                    bonus: i.bonus,
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        ScorecardsForm { cards }
    }

    /// The file this form stands for with the control of each line, or the controls whose
    /// text cannot be written (an empty id, a weight that is not a number).
    #[allow(clippy::type_complexity)]
    fn write(&self) -> Result<(String, Vec<(usize, String)>), Vec<ScorecardFieldError>> {
        let mut text = String::new();
        let mut places: Vec<(usize, String)> = Vec::new();
        let mut bad = Vec::new();
        let mut line = 1;
        let mut put = |text: &mut String, s: String, name: String| {
            places.push((line, name));
            text.push_str(&s);
            text.push('\n');
            line += 1;
        };
        let need = |bad: &mut Vec<ScorecardFieldError>, v: &str, name: &str| {
            if v.trim().is_empty() {
                bad.push(ScorecardFieldError {
                    field: name.to_string(),
                    message: "required".into(),
                    message_zh: "必填".into(),
                });
            }
        };
        for (c, card) in self.cards.iter().enumerate() {
            let n = |x: &str| format!("sc.{c}.{x}");
            for (v, f) in [
                (&card.id, "id"),
                (&card.name, "name"),
                (&card.name_en, "name_en"),
            ] {
                need(&mut bad, v, &n(f));
            }
            put(&mut text, "[[scorecard]]".into(), n("id"));
            put(&mut text, format!("id = {}", quote(&card.id)), n("id"));
            put(
                &mut text,
                format!("name = {}", quote(&card.name)),
                n("name"),
            );
            put(
                &mut text,
                format!("name_en = {}", quote(&card.name_en)),
                n("name_en"),
            );
            put(
                &mut text,
                format!("kind = {}", quote(&card.kind)),
                n("kind"),
            );
            for (s, sec) in card.sections.iter().enumerate() {
                let n = |x: &str| format!("sc.{c}.sec.{s}.{x}");
                for (v, f) in [
                    (&sec.id, "id"),
                    (&sec.name, "name"),
                    (&sec.name_en, "name_en"),
                ] {
                    need(&mut bad, v, &n(f));
                }
                put(&mut text, String::new(), n("id"));
                put(&mut text, "[[scorecard.section]]".into(), n("id"));
                put(&mut text, format!("id = {}", quote(&sec.id)), n("id"));
                put(&mut text, format!("name = {}", quote(&sec.name)), n("name"));
                put(
                    &mut text,
                    format!("name_en = {}", quote(&sec.name_en)),
                    n("name_en"),
                );
                for (i, item) in sec.items.iter().enumerate() {
                    let n = |x: &str| format!("sc.{c}.sec.{s}.item.{i}.{x}");
                    for (v, f) in [
                        (&item.id, "id"),
                        (&item.name, "name"),
                        (&item.name_en, "name_en"),
                    ] {
                        need(&mut bad, v, &n(f));
                    }
                    put(&mut text, String::new(), n("id"));
                    put(&mut text, "[[scorecard.section.item]]".into(), n("id"));
                    put(&mut text, format!("id = {}", quote(&item.id)), n("id"));
                    put(
                        &mut text,
                        format!("name = {}", quote(&item.name)),
                        n("name"),
                    );
                    put(
                        &mut text,
                        format!("name_en = {}", quote(&item.name_en)),
                        n("name_en"),
                    );
                    put(
                        &mut text,
                        format!("scale = {}", quote(&item.scale)),
                        n("scale"),
                    );
                    if item.scale == "points" || !item.max.trim().is_empty() {
                        match item.max.trim().parse::<i64>() {
                            Ok(m) => put(&mut text, format!("max = {m}"), n("max")),
                            Err(_) if item.scale != "points" => {}
                            Err(_) => bad.push(ScorecardFieldError {
                                field: n("max"),
                                message: "the highest points: a whole number".into(),
                                message_zh: "满分应为整数".into(),
                            }),
                        }
                    }
                    match item.weight.trim().parse::<f64>() {
                        Ok(w) if w.is_finite() => put(
                            &mut text,
                            format!("weight = {}", weight_text(w)),
                            n("weight"),
                        ),
                        _ => bad.push(ScorecardFieldError {
                            field: n("weight"),
                            message: format!("`{}` is not a number", item.weight.trim()),
                            message_zh: format!("`{}` 不是数字", item.weight.trim()),
                        }),
                    }
                    for (on, key) in [
                        (item.na_allowed, "na_allowed"),
                        (item.critical, "critical"),
                        (item.bonus, "bonus"),
                    ] {
                        if on {
                            put(&mut text, format!("{key} = true"), n(key));
                        }
                    }
                }
            }
            put(&mut text, String::new(), n("id"));
        }
        if bad.is_empty() {
            Ok((text, places))
        } else {
            Err(bad)
        }
    }

    /// The file this form stands for (shown on the TOML page).
    pub fn to_toml(&self) -> Result<String, Vec<ScorecardFieldError>> {
        self.write().map(|(text, _)| text)
    }

    /// The file and its cards, checked by the scorecard reader; else the mistakes, each on
    /// its control.
    pub fn check(&self) -> Result<(String, Vec<Scorecard>), Vec<ScorecardFieldError>> {
        let (text, places) = self.write()?;
        match parse_scorecards(&text) {
            Ok(cards) => Ok((text, cards)),
            Err(e) => {
                let field = places
                    .iter()
                    .find(|(l, _)| *l == e.line)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                // The reader names the field (`critical`) where the line's control is
                // another of the same item (a defaulted value has no line).
                let field = match field.rsplit_once('.') {
                    Some((item, _)) if item.contains(".item.") && !e.field.is_empty() => {
                        format!("{item}.{}", e.field)
                    }
                    _ => field,
                };
                Err(vec![ScorecardFieldError {
                    field,
                    message: e.message,
                    message_zh: e.message_zh,
                }])
            }
        }
    }

    /// The form from posted controls (`sc.0.id`, `sc.0.sec.1.item.2.weight`, …).
    pub fn from_pairs(pairs: &[(String, String)]) -> ScorecardsForm {
        // card → section → item → field → value; `None` for the card's or section's own.
        type Tree = BTreeMap<usize, (Vec<(String, String)>, BTreeMap<usize, Section>)>;
        type Section = (
            Vec<(String, String)>,
            BTreeMap<usize, Vec<(String, String)>>,
        );
        let mut tree: Tree = BTreeMap::new();
        for (k, v) in pairs {
            let Some(rest) = k.strip_prefix("sc.") else {
                continue;
            };
            let parts: Vec<&str> = rest.split('.').collect();
            let num = |i: usize| parts.get(i).and_then(|p| p.parse::<usize>().ok());
            let Some(c) = num(0) else { continue };
            let card = tree.entry(c).or_default();
            match (parts.get(1).copied(), num(2), parts.get(3).copied(), num(4)) {
                (Some("sec"), Some(s), Some("item"), Some(i)) if parts.len() == 6 => {
                    let sec = card.1.entry(s).or_default();
                    sec.1
                        .entry(i)
                        .or_default()
                        .push((parts[5].to_string(), v.clone()));
                }
                (Some("sec"), Some(s), Some(f), None) if parts.len() == 4 => {
                    card.1
                        .entry(s)
                        .or_default()
                        .0
                        .push((f.to_string(), v.clone()));
                }
                (Some(f), None, None, None) if parts.len() == 2 => {
                    card.0.push((f.to_string(), v.clone()));
                }
                _ => {}
            }
        }
        let get = |fields: &[(String, String)], name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let cards = tree
            .values()
            .map(|(own, sections)| CardForm {
                id: get(own, "id"),
                name: get(own, "name"),
                name_en: get(own, "name_en"),
                kind: get(own, "kind"),
                sections: sections
                    .values()
                    .map(|(own, items)| SectionForm {
                        id: get(own, "id"),
                        name: get(own, "name"),
                        name_en: get(own, "name_en"),
                        items: items
                            .values()
                            .map(|f| ItemForm {
                                id: get(f, "id"),
                                name: get(f, "name"),
                                name_en: get(f, "name_en"),
                                scale: get(f, "scale"),
                                max: get(f, "max"),
                                weight: get(f, "weight"),
                                na_allowed: !get(f, "na_allowed").is_empty(),
                                critical: !get(f, "critical").is_empty(),
                                bonus: !get(f, "bonus").is_empty(),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        ScorecardsForm { cards }
    }

    /// The controls as a browser posts them (checked boxes only).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (c, card) in self.cards.iter().enumerate() {
            for (f, v) in [
                ("id", &card.id),
                ("name", &card.name),
                ("name_en", &card.name_en),
                ("kind", &card.kind),
            ] {
                out.push((format!("sc.{c}.{f}"), v.clone()));
            }
            for (s, sec) in card.sections.iter().enumerate() {
                for (f, v) in [
                    ("id", &sec.id),
                    ("name", &sec.name),
                    ("name_en", &sec.name_en),
                ] {
                    out.push((format!("sc.{c}.sec.{s}.{f}"), v.clone()));
                }
                for (i, item) in sec.items.iter().enumerate() {
                    let p = format!("sc.{c}.sec.{s}.item.{i}.");
                    for (f, v) in [
                        ("id", &item.id),
                        ("name", &item.name),
                        ("name_en", &item.name_en),
                        ("scale", &item.scale),
                        ("max", &item.max),
                        ("weight", &item.weight),
                    ] {
                        out.push((format!("{p}{f}"), v.clone()));
                    }
                    for (on, f) in [
                        (item.na_allowed, "na_allowed"),
                        (item.critical, "critical"),
                        (item.bonus, "bonus"),
                    ] {
                        if on {
                            out.push((format!("{p}{f}"), "1".into()));
                        }
                    }
                }
            }
        }
        out
    }

    /// Adds or removes a card, section or item: `add:card`, `add:0.sec`, `add:0.1.item`,
    /// `remove:0`, `remove:0.1`, `remove:0.1.2`.
    pub fn apply(&mut self, op: &str) {
        let (verb, path) = op.split_once(':').unwrap_or((op, ""));
        let ix: Vec<Option<usize>> = path.split('.').map(|p| p.parse().ok()).collect();
        let at = |i: usize| ix.get(i).copied().flatten();
        match (verb, path) {
            ("add", "card") => self.cards.push(CardForm::default()),
            ("add", p) if p.ends_with(".sec") => {
                if let Some(card) = at(0).and_then(|c| self.cards.get_mut(c)) {
                    card.sections.push(SectionForm::default());
                }
            }
            ("add", p) if p.ends_with(".item") => {
                if let Some(sec) = at(0)
                    .and_then(|c| self.cards.get_mut(c))
                    .and_then(|card| at(1).and_then(|s| card.sections.get_mut(s)))
                {
                    sec.items.push(ItemForm::default());
                }
            }
            ("remove", _) => match (at(0), at(1), at(2), ix.len()) {
                (Some(c), _, _, 1) if c < self.cards.len() => {
                    self.cards.remove(c);
                }
                (Some(c), Some(s), _, 2) => {
                    if let Some(card) = self.cards.get_mut(c).filter(|k| s < k.sections.len()) {
                        card.sections.remove(s);
                    }
                }
                (Some(c), Some(s), Some(i), 3) => {
                    if let Some(sec) = self
                        .cards
                        .get_mut(c)
                        .and_then(|k| k.sections.get_mut(s))
                        .filter(|x| i < x.items.len())
                    {
                        sec.items.remove(i);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// The kinds with their names, for the form's choice.
pub const KINDS: [(ReviewKind, &str, &str); 2] = [
    (ReviewKind::Weakness, "劣势检验", "Weakness review"),
    (ReviewKind::Strength, "优势检验", "Strength review"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::DEFAULT_SCORECARDS;

    #[test]
    fn the_shipped_scorecards_round_trip_through_the_form() {
        let cards = parse_scorecards(DEFAULT_SCORECARDS).unwrap();
        let form = ScorecardsForm::from_toml(DEFAULT_SCORECARDS).unwrap();
        assert_eq!(ScorecardsForm::from_pairs(&form.to_pairs()), form);
        let (text, again) = form.check().unwrap();
        assert_eq!(again, cards);
        assert_eq!(ScorecardsForm::from_toml(&text).unwrap(), form);
        let accuracy = &form.cards[0].sections[1].items[0];
        assert_eq!(
            (
                accuracy.scale.as_str(),
                accuracy.max.as_str(),
                accuracy.weight.as_str()
            ),
            ("points", "10", "3")
        );
    }

    #[test]
    fn mistakes_are_placed_on_their_control_in_both_languages() {
        let base = ScorecardsForm::from_toml(DEFAULT_SCORECARDS).unwrap();
        let one = |edit: &dyn Fn(&mut ScorecardsForm)| {
            let mut f = base.clone();
            edit(&mut f);
            let e = f.check().unwrap_err();
            assert_eq!(e.len(), 1, "{e:?}");
            e.into_iter().next().unwrap()
        };
        let e = one(&|f| f.cards[0].sections[0].items[1].weight = "0".into());
        assert_eq!(e.field, "sc.0.sec.0.item.1.weight");
        assert_eq!(e.message_zh, "权重必须大于 0 且不超过 1000，不能是 0");
        let e = one(&|f| f.cards[0].sections[0].items[1].weight = "heavy".into());
        assert_eq!(
            (e.field.as_str(), e.message_zh.as_str()),
            ("sc.0.sec.0.item.1.weight", "`heavy` 不是数字")
        );
        let e = one(&|f| f.cards[0].sections[1].items[0].max = "0".into());
        assert_eq!(e.field, "sc.0.sec.1.item.0.max");
        assert_eq!(e.message_zh, "计分项的 max 应为 1 到 1000，不能是 0");
        let e = one(&|f| {
            let i = &mut f.cards[0].sections[0].items[0];
            i.critical = true;
            i.bonus = true;
        });
        assert_eq!(e.field, "sc.0.sec.0.item.0.critical");
        let e = one(&|f| f.cards[1].sections[0].items[0].id = "Bad Id".into());
        assert_eq!(e.field, "sc.1.sec.0.item.0.id");
        assert!(e.message_zh.contains("不是有效的 id"), "{e:?}");
        let e = one(&|f| f.cards[0].name = " ".into());
        assert_eq!(
            (e.field.as_str(), e.message_zh.as_str()),
            ("sc.0.name", "必填")
        );
    }

    #[test]
    fn rows_are_added_and_removed() {
        let mut f = ScorecardsForm::from_toml(DEFAULT_SCORECARDS).unwrap();
        let items = f.cards[0].sections[0].items.len();
        f.apply("add:0.0.item");
        assert_eq!(f.cards[0].sections[0].items.len(), items + 1);
        f.apply("remove:0.0.0");
        assert_eq!(f.cards[0].sections[0].items[0].id, "polite");
        let sections = f.cards[1].sections.len();
        f.apply("add:1.sec");
        f.apply("remove:1.0");
        assert_eq!(f.cards[1].sections.len(), sections);
        f.apply("add:card");
        assert_eq!(f.cards.len(), 3);
        f.apply("remove:2");
        f.apply("remove:9.9.9");
        f.apply("bogus");
        assert_eq!(f.cards.len(), 2);
    }
}
