//! Metric settings and the TOML configuration file that sets them, globally or per store.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::platform::Platform;
use crate::time::{Day, HOUR_MS, Millis, UtcOffset, time_of_day};

/// The settings of `metrics.md`, with the spec's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricSettings {
    pub slow_response_secs: i64,
    pub slow_response_rounds: u32,
    pub conversion_window_days: u32,
    pub service_hours: ServiceHours,
    pub reminder_window_hours: i64,
    /// v2: a buyer who ordered within this many days before a reception and does not buy
    /// again from it is after-sale (§2).
    pub after_sale_days: u32,
    /// Which time of an order its last touch is looked for before (§3, 业绩判定规则).
    pub attribution: Attribution,
    /// The marketplace the store sells on: which platform service figures its pages show
    /// (`Platform::service_figures`). Every profile's figures are computed for every store,
    /// so this changes no stored figure and is not part of the fingerprint.
    pub platform: Platform,
}

/// The attribution modes of §3: which time of an order the last touch must come at or before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Attribution {
    /// The order's creation (下单时间): the default.
    #[default]
    Order,
    /// The payment time for a paid order (付款时间); an unpaid order as in `Order`.
    Payment,
    /// The `Order` result where one exists, else the `Payment` result.
    OrderFirst,
}

impl Attribution {
    pub const ALL: [Attribution; 3] = [
        Attribution::Order,
        Attribution::Payment,
        Attribution::OrderFirst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::Order => "order",
            Attribution::Payment => "payment",
            Attribution::OrderFirst => "order_first",
        }
    }

    pub fn parse(s: &str) -> Option<Attribution> {
        Attribution::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
    }
}

impl fmt::Display for Attribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Default for MetricSettings {
    fn default() -> Self {
        MetricSettings {
            slow_response_secs: 120,
            slow_response_rounds: 1,
            conversion_window_days: 1,
            service_hours: ServiceHours::default_v2(),
            reminder_window_hours: 72,
            after_sale_days: 21,
            attribution: Attribution::Order,
            platform: Platform::Taobao,
        }
    }
}

impl MetricSettings {
    /// A canonical text of the settings: facts computed under one fingerprint are reused only
    /// while the fingerprint stays the same.
    /// The attribution mode is appended only when it is not the default, so that the figures
    /// stored before the setting existed stay valid.
    pub fn fingerprint(&self) -> String {
        let mut text = format!(
            "spec=v2;slow_response_secs={};slow_response_rounds={};conversion_window_days={};service_hours={};reminder_window_hours={};after_sale_days={}",
            self.slow_response_secs,
            self.slow_response_rounds,
            self.conversion_window_days,
            self.service_hours,
            self.reminder_window_hours,
            self.after_sale_days
        );
        if self.attribution != Attribution::Order {
            text.push_str(";attribution=");
            text.push_str(self.attribution.as_str());
        }
        text
    }

    /// The keys of the settings, in the order forms and files show them.
    pub const KEYS: [&'static str; 8] = [
        "slow_response_secs",
        "slow_response_rounds",
        "conversion_window_days",
        "service_hours",
        "reminder_window_hours",
        "after_sale_days",
        "attribution",
        "platform",
    ];

    /// The text value of a setting, as a form or a file writes it.
    pub fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "slow_response_secs" => self.slow_response_secs.to_string(),
            "slow_response_rounds" => self.slow_response_rounds.to_string(),
            "conversion_window_days" => self.conversion_window_days.to_string(),
            "service_hours" => self.service_hours.to_string(),
            "reminder_window_hours" => self.reminder_window_hours.to_string(),
            "after_sale_days" => self.after_sale_days.to_string(),
            "attribution" => self.attribution.to_string(),
            "platform" => self.platform.as_str().to_string(),
            _ => return None,
        })
    }

    /// Sets one setting from its text (a form field), with the same checks as the file.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let value = value.trim();
        let number = || {
            value.parse::<i64>().map_err(|_| ConfigError::Invalid {
                key: key.into(),
                expected: Expected::WholeNumber,
            })
        };
        let mut o = MetricOverrides::default();
        match key {
            "slow_response_secs" => o.slow_response_secs = Some(number()?),
            "slow_response_rounds" => o.slow_response_rounds = Some(number()?),
            "conversion_window_days" => o.conversion_window_days = Some(number()?),
            "service_hours" => o.service_hours = Some(value.to_string()),
            "reminder_window_hours" => o.reminder_window_hours = Some(number()?),
            "after_sale_days" => o.after_sale_days = Some(number()?),
            "attribution" => o.attribution = Some(value.to_string()),
            "platform" => o.platform = Some(value.to_string()),
            _ => {
                return Err(ConfigError::Invalid {
                    key: key.into(),
                    expected: Expected::OneOf(Self::KEYS.join(", ")),
                });
            }
        }
        self.apply(&o)
    }

    /// The settings as the lines of a `[metrics]` section (every key, so the text stands on
    /// its own whatever the defaults become).
    pub fn to_toml(&self) -> String {
        Self::KEYS
            .iter()
            .map(|k| match (*k, self.get(k)) {
                ("service_hours" | "attribution" | "platform", Some(v)) => {
                    format!("{k} = \"{v}\"\n")
                }
                (_, Some(v)) => format!("{k} = {v}\n"),
                (_, None) => String::new(),
            })
            .collect()
    }

    /// Settings from the lines of a `[metrics]` section; keys left out keep the defaults.
    pub fn from_toml(text: &str) -> Result<MetricSettings, ConfigError> {
        let o: MetricOverrides =
            toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        let mut m = MetricSettings::default();
        m.apply(&o)?;
        Ok(m)
    }

    fn apply(&mut self, o: &MetricOverrides) -> Result<(), ConfigError> {
        if let Some(v) = o.slow_response_secs {
            self.slow_response_secs = bounded("slow_response_secs", v, MAX_SLOW_RESPONSE_SECS)?;
        }
        if let Some(v) = o.slow_response_rounds {
            self.slow_response_rounds = positive("slow_response_rounds", v)?;
        }
        if let Some(v) = o.conversion_window_days {
            self.conversion_window_days = positive("conversion_window_days", v)?;
        }
        if let Some(v) = &o.service_hours {
            self.service_hours = ServiceHours::parse(v).ok_or_else(|| ConfigError::Invalid {
                key: "service_hours".into(),
                expected: Expected::ServiceHours,
            })?;
        }
        if let Some(v) = o.reminder_window_hours {
            self.reminder_window_hours =
                bounded("reminder_window_hours", v, MAX_REMINDER_WINDOW_HOURS)?;
        }
        if let Some(v) = o.after_sale_days {
            self.after_sale_days = bounded("after_sale_days", v, MAX_AFTER_SALE_DAYS)? as u32;
        }
        if let Some(v) = &o.attribution {
            self.attribution = Attribution::parse(v).ok_or_else(|| ConfigError::Invalid {
                key: "attribution".into(),
                expected: Expected::OneOf(Attribution::ALL.map(Attribution::as_str).join(", ")),
            })?;
        }
        if let Some(v) = &o.platform {
            self.platform = Platform::PROFILES
                .into_iter()
                .find(|p| p.as_str() == v.trim())
                .ok_or_else(|| ConfigError::Invalid {
                    key: "platform".into(),
                    expected: Expected::OneOf(Platform::PROFILES.map(Platform::as_str).join(", ")),
                })?;
        }
        Ok(())
    }

    /// How many days before and after a changed day can see their figures change through
    /// messages: rounds spill over midnight, attribution looks `conversion_window_days` back
    /// and reminders `reminder_window_hours` forward.
    pub fn reach_days(&self) -> i32 {
        let reminder_days = (self.reminder_window_hours + 23) / 24;
        (self.conversion_window_days as i64)
            .max(reminder_days)
            .max(1) as i32
            + 1
    }

    /// How many days after a changed day an order can change figures: it makes the buyer's
    /// receptions of the next `after_sale_days` days after-sale (v2). Looking back, only
    /// orders are needed that far, never messages.
    pub fn order_reach_days(&self) -> i32 {
        self.reach_days().max(self.after_sale_days as i32 + 1)
    }
}

/// A day: a reply later than that is slow under any sensible threshold, and the bound keeps
/// the engine's millisecond arithmetic far from overflow.
pub const MAX_SLOW_RESPONSE_SECS: i64 = 86_400;
/// A year of hours, for the same reasons.
pub const MAX_REMINDER_WINDOW_HOURS: i64 = 366 * 24;
/// A year: what a store can mean by "bought recently".
pub const MAX_AFTER_SALE_DAYS: i64 = 366;

fn bounded(key: &str, v: i64, max: i64) -> Result<i64, ConfigError> {
    if !(0..=max).contains(&v) {
        return Err(ConfigError::Invalid {
            key: key.into(),
            expected: Expected::Range { min: 0, max },
        });
    }
    Ok(v)
}

fn positive(key: &str, v: i64) -> Result<u32, ConfigError> {
    if !(1..=366).contains(&v) {
        return Err(ConfigError::Invalid {
            key: key.into(),
            expected: Expected::Range { min: 1, max: 366 },
        });
    }
    Ok(v as u32)
}

/// Windows of the day, each `[start, end)` in milliseconds since midnight, sorted and
/// disjoint (overlapping or touching windows are merged when parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHours(Vec<(i64, i64)>);

impl ServiceHours {
    pub fn all_day() -> Self {
        ServiceHours(vec![(0, 24 * HOUR_MS)])
    }

    /// The spec's default (v2): 08:00-24:00.
    pub fn default_v2() -> Self {
        ServiceHours(vec![(8 * HOUR_MS, 24 * HOUR_MS)])
    }

    /// Milliseconds of service time in one whole day.
    fn per_day(&self) -> i64 {
        self.0.iter().map(|&(a, b)| b - a).sum()
    }

    /// Service milliseconds from the start of `t`'s day to `t`.
    fn within_day(&self, t: Millis) -> i64 {
        let tod = time_of_day(t);
        self.0.iter().map(|&(a, b)| (tod.min(b) - a).max(0)).sum()
    }

    /// The service clock (§1, v2): the milliseconds of `[from, to)` that lie inside the
    /// windows; 0 when `to` is not after `from`.
    pub fn service_ms(&self, from: Millis, to: Millis) -> i64 {
        if to <= from {
            return 0;
        }
        let clock = |t: Millis| Day::of(t).0 as i64 * self.per_day() + self.within_day(t);
        clock(to) - clock(from)
    }

    /// `08:00-24:00`, `22:00-02:00` (across midnight) or several joined by commas.
    pub fn parse(s: &str) -> Option<ServiceHours> {
        let mut windows = Vec::new();
        for part in s.split(',') {
            let (a, b) = part.trim().split_once('-')?;
            let (a, b) = (clock(a)?, clock(b)?);
            if a < b {
                windows.push((a, b));
            } else {
                // An end not after the start crosses midnight (§1); equal ends are the whole
                // day.
                if a < 24 * HOUR_MS {
                    windows.push((a, 24 * HOUR_MS));
                }
                if b > 0 {
                    windows.push((0, b));
                }
            }
        }
        windows.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(windows.len());
        for (a, b) in windows {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        (!merged.is_empty()).then_some(ServiceHours(merged))
    }

    pub fn contains(&self, t: Millis) -> bool {
        let tod = time_of_day(t);
        self.0.iter().any(|&(a, b)| a <= tod && tod < b)
    }

    /// The window `t` falls in, as times of `t`'s day: `[start, end)`.
    fn window_at(&self, t: Millis) -> Option<(Millis, Millis)> {
        let tod = time_of_day(t);
        let midnight = t - tod;
        self.0
            .iter()
            .find(|&&(a, b)| a <= tod && tod < b)
            .map(|&(a, b)| (midnight + a, midnight + b))
    }

    /// The first moment at or after `t` outside every window: `t` itself, or the end of the
    /// window it falls in — continued into the next day's first window when that one starts
    /// at midnight (a window across midnight is two, merged only here). `None` when the
    /// windows cover the whole day.
    pub fn first_outside_from(&self, t: Millis) -> Option<Millis> {
        let Some((_, end)) = self.window_at(t) else {
            return Some(t);
        };
        // Windows are merged: an end is outside unless it is midnight and the next day's
        // first window starts there; a day has one such turn at most.
        match self.window_at(end) {
            None => Some(end),
            Some((_, next)) => (!self.contains(next)).then_some(next),
        }
    }

    /// The last whole minute at or before `t` outside every window (`t` itself when it is
    /// outside): the minute before the start of the window `t` falls in, or before the
    /// previous day's last window when this one starts at midnight. `None` when the windows
    /// cover the whole day.
    pub fn last_minute_outside_to(&self, t: Millis) -> Option<Millis> {
        let Some((start, _)) = self.window_at(t) else {
            return Some(t);
        };
        let before = start - 60_000;
        match self.window_at(before) {
            None => Some(before),
            Some((start, _)) => Some(start - 60_000).filter(|&m| !self.contains(m)),
        }
    }
}

impl fmt::Display for ServiceHours {
    /// Windows in order of the day; one that crosses midnight is written as one
    /// (`22:00-02:00`, last), as people write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut windows = self.0.clone();
        let day = 24 * HOUR_MS;
        if windows.len() >= 2 && windows[0].0 == 0 && windows[windows.len() - 1].1 == day {
            let morning = windows.remove(0);
            if let Some(last) = windows.last_mut() {
                last.1 = morning.1;
            }
        }
        for (i, (a, b)) in windows.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(
                f,
                "{:02}:{:02}-{:02}:{:02}",
                a / HOUR_MS,
                a / 60_000 % 60,
                b / HOUR_MS,
                b / 60_000 % 60
            )?;
        }
        Ok(())
    }
}

fn clock(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return None;
    }
    Some(h * HOUR_MS + m * 60_000)
}

/// `value` as a whole number from `min` to `max`, or the error that names `key`.
pub(crate) fn number_in(key: &str, value: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
    let invalid = |expected| ConfigError::Invalid {
        key: key.into(),
        expected,
    };
    let n = value
        .trim()
        .parse::<i64>()
        .map_err(|_| invalid(Expected::WholeNumber))?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(invalid(Expected::Range { min, max }))
    }
}

/// Reads `key = value` TOML lines and hands each value to `set` as text (strings as they are,
/// numbers and booleans written out); any other value is refused as not a whole number.
pub(crate) fn set_from_toml(
    text: &str,
    mut set: impl FnMut(&str, &str) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
    for (key, value) in &table {
        let text = match value {
            toml::Value::String(v) => v.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(ConfigError::Invalid {
                    key: key.clone(),
                    expected: Expected::WholeNumber,
                });
            }
        };
        set(key, &text)?;
    }
    Ok(())
}

/// Settings for one store: the metric settings and its time zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreSettings {
    pub metrics: MetricSettings,
    pub timezone: UtcOffset,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not TOML, or not the shape of a settings file: the TOML reader's words (English).
    #[error("{0}")]
    Toml(String),
    #[error("setting `{key}`: expected {expected}")]
    Invalid { key: String, expected: Expected },
}

/// What a setting's value should have been.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    WholeNumber,
    /// One of these keys, listed.
    OneOf(String),
    ServiceHours,
    Range {
        min: i64,
        max: i64,
    },
    Timezone,
    /// Two whole numbers from `min` to `max`, the first not above the second (`15-30`).
    Span {
        min: i64,
        max: i64,
    },
    /// Text without spaces or control characters, of at most 2000 bytes.
    Text,
    /// An `http://` or `https://` address.
    WebAddress,
    /// An e-mail address (`name@example.com`).
    MailAddress,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::WholeNumber => write!(f, "a whole number"),
            Expected::OneOf(keys) => write!(f, "one of {keys}"),
            Expected::ServiceHours => {
                write!(
                    f,
                    "a window like \"08:00-24:00\" (several joined by commas)"
                )
            }
            Expected::Range { min, max } => write!(f, "a number from {min} to {max}"),
            Expected::Timezone => {
                write!(
                    f,
                    "an offset like \"+08:00\" or a zone such as \"Asia/Shanghai\""
                )
            }
            Expected::Span { min, max } => write!(
                f,
                "two numbers from {min} to {max} like \"15-30\", the first not above the second"
            ),
            Expected::Text => write!(f, "text without spaces, of at most 2000 characters"),
            Expected::WebAddress => write!(f, "an address starting with https://"),
            Expected::MailAddress => write!(f, "an e-mail address like name@example.com"),
        }
    }
}

impl Expected {
    fn zh(&self) -> String {
        match self {
            Expected::WholeNumber => "整数".to_string(),
            Expected::OneOf(keys) => format!("以下之一：{keys}"),
            Expected::ServiceHours => "时间段，如 \"08:00-24:00\"（多个以逗号连接）".to_string(),
            Expected::Range { min, max } => format!("{min} 到 {max} 之间的数"),
            Expected::Timezone => "时差如 \"+08:00\" 或时区如 \"Asia/Shanghai\"".to_string(),
            Expected::Span { min, max } => {
                format!("{min} 到 {max} 之间的两个数，如 \"15-30\"，前者不大于后者")
            }
            Expected::Text => "不含空格、不超过 2000 个字符的文本".to_string(),
            Expected::WebAddress => "以 https:// 开头的地址".to_string(),
            Expected::MailAddress => "邮箱地址，如 name@example.com".to_string(),
        }
    }
}

impl crate::localized::Localized for ConfigError {
    fn zh(&self) -> String {
        match self {
            ConfigError::Toml(m) => crate::localized::toml_message_zh(m, "设置文件"),
            ConfigError::Invalid { key, expected } => {
                format!("设置 `{key}`：应为{}", expected.zh())
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricOverrides {
    slow_response_secs: Option<i64>,
    slow_response_rounds: Option<i64>,
    conversion_window_days: Option<i64>,
    service_hours: Option<String>,
    reminder_window_hours: Option<i64>,
    after_sale_days: Option<i64>,
    attribution: Option<String>,
    platform: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    timezone: Option<String>,
    #[serde(default)]
    metrics: MetricOverrides,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    timezone: Option<String>,
    #[serde(default)]
    metrics: MetricOverrides,
    #[serde(default)]
    stores: BTreeMap<String, StoreSection>,
}

/// A parsed configuration: defaults for every store plus per-store overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub default: StoreSettings,
    pub stores: BTreeMap<String, StoreSettings>,
}

impl Config {
    /// Parses the TOML text of a configuration file (errors name the line and the key).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        let mut default = StoreSettings::default();
        if let Some(tz) = &file.timezone {
            default.timezone = parse_tz(tz)?;
        }
        default.metrics.apply(&file.metrics)?;
        let mut stores = BTreeMap::new();
        for (name, section) in &file.stores {
            let mut s = default.clone();
            if let Some(tz) = &section.timezone {
                s.timezone = parse_tz(tz)?;
            }
            s.metrics.apply(&section.metrics)?;
            stores.insert(name.clone(), s);
        }
        Ok(Config { default, stores })
    }

    pub fn store(&self, name: &str) -> &StoreSettings {
        self.stores.get(name).unwrap_or(&self.default)
    }

    /// Gives one store its own metric settings (its time zone stays as configured).
    pub fn set_store_metrics(&mut self, name: &str, metrics: MetricSettings) {
        let timezone = self.store(name).timezone;
        self.stores
            .insert(name.to_string(), StoreSettings { metrics, timezone });
    }
}

impl Config {
    /// Gives one store its own time zone (its metric settings stay).
    pub fn set_store_timezone(&mut self, name: &str, timezone: UtcOffset) {
        let metrics = self.store(name).metrics.clone();
        self.stores
            .insert(name.to_string(), StoreSettings { metrics, timezone });
    }
}

fn parse_tz(s: &str) -> Result<UtcOffset, ConfigError> {
    UtcOffset::parse(s).ok_or_else(|| ConfigError::Invalid {
        key: "timezone".into(),
        expected: Expected::Timezone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_setting() {
        // The default's fingerprint is the one stored before the setting existed.
        let d = MetricSettings::default();
        assert_eq!(
            d.fingerprint(),
            "spec=v2;slow_response_secs=120;slow_response_rounds=1;conversion_window_days=1;service_hours=08:00-24:00;reminder_window_hours=72;after_sale_days=21"
        );
        let m = MetricSettings::from_toml("attribution = \"order_first\"\n").unwrap();
        assert_eq!(m.attribution, Attribution::OrderFirst);
        assert!(m.fingerprint().ends_with(";attribution=order_first"));
        assert_eq!(MetricSettings::from_toml(&m.to_toml()).unwrap(), m);
        let mut f = MetricSettings::default();
        f.set("attribution", " payment ").unwrap();
        assert_eq!(f.get("attribution").as_deref(), Some("payment"));
        assert_ne!(f.fingerprint(), m.fingerprint());
        match f.set("attribution", "creation") {
            Err(ConfigError::Invalid { key, expected }) => {
                assert_eq!(key, "attribution");
                assert_eq!(
                    expected,
                    Expected::OneOf("order, payment, order_first".into())
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(MetricSettings::from_toml("attribution = 1\n").is_err());
    }

    #[test]
    fn platform_setting() {
        let d = MetricSettings::default();
        assert_eq!(d.platform, Platform::Taobao);
        let m = MetricSettings::from_toml("platform = \"pdd\"\n").unwrap();
        assert_eq!(m.platform, Platform::Pdd);
        // It selects what pages show, not what is computed: the fingerprint stays.
        assert_eq!(m.fingerprint(), d.fingerprint());
        assert_eq!(MetricSettings::from_toml(&m.to_toml()).unwrap(), m);
        let c = Config::parse("[stores.\"抖店\".metrics]\nplatform = \"douyin\"\n").unwrap();
        assert_eq!(c.store("抖店").metrics.platform, Platform::Douyin);
        assert_eq!(c.store("别的店").metrics.platform, Platform::Taobao);
        let mut f = MetricSettings::default();
        f.set("platform", " jd ").unwrap();
        assert_eq!(f.get("platform").as_deref(), Some("jd"));
        for bad in ["chitu", "amazon", ""] {
            let e = f.clone().set("platform", bad).unwrap_err().to_string();
            assert!(
                e.contains("platform") && e.contains("taobao, tmall, pdd, jd, douyin, kuaishou"),
                "{e}"
            );
        }
    }

    #[test]
    fn every_settings_error_reads_in_both_languages() {
        use crate::localized::{Localized, has_chinese};
        let expected = [
            Expected::WholeNumber,
            Expected::OneOf("a, b".into()),
            Expected::ServiceHours,
            Expected::Range { min: 0, max: 9 },
            Expected::Timezone,
            Expected::Span { min: 0, max: 9 },
        ];
        let mut all: Vec<Box<dyn Localized>> = vec![
            Box::new(ConfigError::Toml("bad".into())),
            Box::new(crate::money::MoneyError),
            Box::new(crate::time::TimeError),
        ];
        for e in expected {
            all.push(Box::new(ConfigError::Invalid {
                key: "k".into(),
                expected: e,
            }));
        }
        for e in &all {
            assert!(has_chinese(&e.zh()), "{}", e.zh());
            assert!(!e.en().is_empty() && !has_chinese(&e.en()), "{}", e.en());
        }
        let e = MetricSettings::default()
            .set("slow_response_secs", "x")
            .unwrap_err();
        assert_eq!(e.zh(), "设置 `slow_response_secs`：应为整数");
        assert_eq!(
            e.en(),
            "setting `slow_response_secs`: expected a whole number"
        );
    }

    #[test]
    fn config_overrides() {
        let c = Config::parse(
            r#"
            [metrics]
            slow_response_secs = 30
            [stores."格力官方旗舰店".metrics]
            service_hours = "08:00-24:00"
            "#,
        )
        .unwrap();
        assert_eq!(c.default.metrics.slow_response_secs, 30);
        let g = c.store("格力官方旗舰店");
        assert_eq!(g.metrics.slow_response_secs, 30);
        assert!(!g.metrics.service_hours.contains(7 * HOUR_MS));
        assert!(g.metrics.service_hours.contains(8 * HOUR_MS));
        // v2: the default service hours are 08:00-24:00 too
        assert!(!c.store("other").metrics.service_hours.contains(7 * HOUR_MS));
        assert_eq!(c.store("other").metrics.after_sale_days, 21);
    }

    /// The spec's examples of the service clock (§1 and §6).
    #[test]
    fn service_clock() {
        use crate::time::{UtcOffset, parse_time};
        let t = |s: &str| parse_time(s, UtcOffset::default()).unwrap();
        let h = ServiceHours::default_v2();
        let secs = |a: &str, b: &str, h: &ServiceHours| h.service_ms(t(a), t(b)) / 1000;
        assert_eq!(secs("2026-11-11 02:10:00", "2026-11-11 08:00:40", &h), 40);
        assert_eq!(secs("2026-11-10 23:59:30", "2026-11-11 08:00:10", &h), 40);
        assert_eq!(secs("2026-11-11 07:50:00", "2026-11-11 08:01:00", &h), 60);
        assert_eq!(secs("2026-11-11 09:00:00", "2026-11-11 09:01:40", &h), 100);
        // two whole days of service hours: 16 h each
        assert_eq!(
            secs("2026-11-10 08:00:00", "2026-11-12 08:00:00", &h),
            2 * 16 * 3600
        );
        let all = ServiceHours::all_day();
        assert_eq!(
            secs("2026-11-11 02:10:00", "2026-11-11 08:00:40", &all),
            21_040
        );
        // across midnight and a comma list; overlapping windows merge
        let night = ServiceHours::parse("22:00-02:00, 09:00-12:00,11:00-13:00").unwrap();
        assert_eq!(night.to_string(), "09:00-13:00,22:00-02:00");
        assert_eq!(ServiceHours::parse(&night.to_string()), Some(night.clone()));
        assert_eq!(
            secs("2026-11-10 21:00:00", "2026-11-11 10:00:00", &night),
            5 * 3600
        );
        assert_eq!(
            secs("2026-11-11 10:00:00", "2026-11-11 09:00:00", &night),
            0
        );
    }

    #[test]
    fn config_errors_are_clear() {
        let e = Config::parse("[metrics]\nslow_respons_secs = 3\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("slow_respons_secs") && e.contains("line 2"),
            "{e}"
        );
        let e = Config::parse("[metrics]\nservice_hours = \"8-9\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("service_hours"), "{e}");
        assert!(Config::parse("[metrics]\nconversion_window_days = 0\n").is_err());
    }

    #[test]
    fn fields_set_one_by_one_and_round_trip_through_toml() {
        let mut m = MetricSettings::default();
        m.set("slow_response_secs", " 45 ").unwrap();
        m.set("service_hours", "08:00-24:00").unwrap();
        m.set("conversion_window_days", "3").unwrap();
        assert_eq!(m.slow_response_secs, 45);
        assert_eq!(m.get("service_hours").as_deref(), Some("08:00-24:00"));
        let text = m.to_toml();
        assert_eq!(
            text,
            "slow_response_secs = 45\nslow_response_rounds = 1\nconversion_window_days = 3\n\
             service_hours = \"08:00-24:00\"\nreminder_window_hours = 72\nafter_sale_days = 21\n\
             attribution = \"order\"\nplatform = \"taobao\"\n"
        );
        assert_eq!(MetricSettings::from_toml(&text).unwrap(), m);
        assert_eq!(
            MetricSettings::from_toml("").unwrap(),
            MetricSettings::default()
        );
        for (key, value, said) in [
            ("slow_response_secs", "abc", "a whole number"),
            ("slow_response_secs", "-1", "from 0 to 86400"),
            ("slow_response_secs", "86401", "from 0 to 86400"),
            ("slow_response_rounds", "0", "from 1 to 366"),
            ("conversion_window_days", "367", "from 1 to 366"),
            ("service_hours", "8-9", "08:00-24:00"),
            ("reminder_window_hours", "8785", "from 0 to 8784"),
            ("after_sale_days", "367", "from 0 to 366"),
            ("nonsense", "1", "one of slow_response_secs"),
        ] {
            let e = m.clone().set(key, value).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(said), "{key}={value}: {e}");
        }
        // a refused value changes nothing
        let before = m.clone();
        assert!(m.set("slow_response_secs", "-5").is_err());
        assert_eq!(m, before);
    }

    #[test]
    fn a_store_gets_its_own_metrics_and_keeps_its_time_zone() {
        let mut c = Config::parse("[stores.\"东京店\"]\ntimezone = \"+09:00\"\n").unwrap();
        let m = MetricSettings {
            slow_response_secs: 30,
            ..MetricSettings::default()
        };
        c.set_store_metrics("东京店", m.clone());
        c.set_store_metrics("新店", m.clone());
        assert_eq!(c.store("东京店").metrics, m);
        assert_eq!(c.store("东京店").timezone.to_string(), "+09:00");
        assert_eq!(c.store("新店").timezone, c.default.timezone);
        assert_eq!(c.store("别的店").metrics, MetricSettings::default());
    }

    #[test]
    fn service_hours_wrap_midnight() {
        let h = ServiceHours::parse("22:00-02:00").unwrap();
        assert!(h.contains(23 * HOUR_MS) && h.contains(HOUR_MS) && !h.contains(3 * HOUR_MS));
        assert_eq!(h.to_string(), "22:00-02:00");
        // an end not after the start crosses midnight: equal ends are the whole day
        assert_eq!(
            ServiceHours::parse("08:00-08:00"),
            Some(ServiceHours::all_day())
        );
        assert_eq!(
            ServiceHours::parse("24:00-08:00").unwrap().to_string(),
            "00:00-08:00"
        );
        assert!(ServiceHours::parse("8-9").is_none() && ServiceHours::parse("").is_none());
    }
}
