//! The agent roster: names, groups, shifts, speed and skill.

use std::collections::HashSet;

use crate::rng::Rng;

/// The chatbot account (阿里店小蜜).
pub(crate) const BOT_ACCOUNT: &str = "店小蜜";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Presale,
    Aftersale,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shift {
    /// 早班 08:00–16:00.
    Early,
    /// 晚班 16:00–24:00 (and 00:00–02:00 on the promotion day).
    Late,
}

#[derive(Clone, Debug)]
pub(crate) struct Agent {
    pub(crate) name: String,
    pub(crate) group: &'static str,
    pub(crate) role: Role,
    pub(crate) shift: Shift,
    /// Median response time in seconds on a normal day.
    pub(crate) median_rt: f64,
    /// Conversion multiplier (about 0.7 … 1.3).
    pub(crate) skill: f64,
    /// Share of the incoming conversations the agent takes (routing weight).
    pub(crate) weight: f64,
}

pub(crate) const GROUP_PRE1: &str = "售前一组";
pub(crate) const GROUP_PRE2: &str = "售前二组";
pub(crate) const GROUP_AFTER: &str = "售后组";
pub(crate) const GROUP_BOT: &str = "智能客服";

/// Well-known agent nicknames first, in this order.
const BASE_NAMES: &[&str] = &[
    "小美", "阿强", "七七", "老王", "小雨", "糖糖", "阿杰", "晴晴", "小鱼", "木子", "安安", "果果",
    "小白", "大熊", "阿紫", "橙子", "米粒", "豆豆", "小北", "阿鹏", "甜甜", "小柒", "可可", "阿飞",
    "丁丁", "小蕾", "乐乐", "阿珍", "朵朵", "小林", "花花", "阿May", "小K", "圆圆", "阿宝", "小新",
];

const PREFIXES: &[&str] = &["小", "阿", "大", "老"];

const CHARS: &[&str] = &[
    "琳", "峰", "敏", "华", "慧", "静", "勇", "丽", "军", "萍", "燕", "涛", "婷", "磊", "霞", "斌",
    "娟", "超", "芳", "宇", "晨", "曦", "月", "星", "青", "蓝", "宁", "欣", "悦", "辰", "瑶", "琪",
    "雪", "云", "菲", "彤", "楠", "凯", "浩", "莉", "薇", "倩", "颖", "洁", "梅", "兰", "竹", "菊",
    "桃", "杏", "柚", "桔", "茶", "蜜", "糖", "诺", "贝", "乔", "睿", "可",
];

/// `n` distinct display names, deterministic (independent of the seed).
pub(crate) fn names(n: usize) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut push = |s: String, out: &mut Vec<String>| {
        if out.len() < n && seen.insert(s.clone()) {
            out.push(s);
        }
    };
    for b in BASE_NAMES {
        push((*b).to_string(), &mut out);
    }
    // Doubled characters (婷婷) and prefixed ones (小琳, 阿峰 …), interleaved.
    for c in CHARS {
        push(format!("{c}{c}"), &mut out);
        for p in PREFIXES {
            push(format!("{p}{c}"), &mut out);
        }
    }
    // Two-character given names (琳峰 …) for very large rosters.
    'outer: for a in CHARS {
        for b in CHARS {
            if out.len() >= n {
                break 'outer;
            }
            if a != b {
                push(format!("{a}{b}"), &mut out);
            }
        }
    }
    let mut k = 1;
    while out.len() < n {
        push(format!("客服{k:03}"), &mut out);
        k += 1;
    }
    out
}

/// Build the roster of `n` people. About 70 % presale (two groups), the rest
/// after-sale; shifts alternate within each group.
pub(crate) fn roster(n: u32, rng: &mut Rng) -> Vec<Agent> {
    let n = n as usize;
    let names = names(n);
    let n_after = if n >= 2 {
        ((n as f64) * 0.3).round().max(1.0) as usize
    } else {
        0
    };
    let n_pre = n - n_after;
    let mut agents = Vec::with_capacity(n);
    let mut idx_in_group = [0usize; 3];
    for (i, name) in names.into_iter().enumerate() {
        let (group, role, g) = if i < n_pre {
            if i % 2 == 0 {
                (GROUP_PRE1, Role::Presale, 0)
            } else {
                (GROUP_PRE2, Role::Presale, 1)
            }
        } else {
            (GROUP_AFTER, Role::Aftersale, 2)
        };
        let shift = if idx_in_group[g] % 2 == 0 {
            Shift::Early
        } else {
            Shift::Late
        };
        idx_in_group[g] += 1;
        // Speed: log-uniform median 15 s … 150 s.
        let u = rng.f64();
        let median_rt = 15.0 * crate::rng::exp(u * std::f64::consts::LN_10);
        // Skill: fast agents tend to sell better, with individual noise.
        let noise = rng.f64();
        let skill = 1.3 - 0.6 * (0.6 * u + 0.4 * noise);
        let weight = 0.7 + 0.6 * rng.f64();
        agents.push(Agent {
            name,
            group,
            role,
            shift,
            median_rt,
            skill,
            weight,
        });
    }
    agents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_stable() {
        for n in [0, 1, 20, 300, 2000, 5000] {
            let v = names(n);
            assert_eq!(v.len(), n);
            let set: HashSet<&String> = v.iter().collect();
            assert_eq!(set.len(), n);
            assert!(v.iter().all(|s| !s.contains([',', '"', ':'])));
        }
        let v = names(4);
        assert_eq!(v, ["小美", "阿强", "七七", "老王"]);
        // 300 names need no numbered fallback.
        assert!(names(300).iter().all(|s| !s.starts_with("客服")));
    }

    #[test]
    fn groups_and_shifts() {
        let mut rng = Rng::new(1);
        let r = roster(20, &mut rng);
        let pre = r.iter().filter(|a| a.role == Role::Presale).count();
        assert_eq!(pre, 14);
        assert!(
            r.iter()
                .any(|a| a.group == GROUP_PRE1 && a.shift == Shift::Late)
        );
        assert!(
            r.iter()
                .any(|a| a.group == GROUP_AFTER && a.shift == Shift::Early)
        );
        assert!(r.iter().all(|a| (15.0..=150.0).contains(&a.median_rt)));
        let one = roster(1, &mut rng);
        assert_eq!(one[0].role, Role::Presale);
    }
}
