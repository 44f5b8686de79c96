//! The reading pre-pass: a message text as the rules read it, with a map back to the original.
//!
//! People write around keyword filters and type in many forms: full-width letters (加ｖ, ＶＸ),
//! traditional characters (隨便你, 急什麼), separators or emoji between characters (随 便 你,
//! 随-便-你, 听😤不懂吗, 加 V 信), numbers in words or circles (一三八…, ①③⑧…). Rules match on the
//! normalised text, and every match is mapped back to the bytes of the original, so a
//! highlight lands on what the agent wrote.
//!
//! What the pass does, character by character (see `docs/qa.md`, "Reading the text"):
//!
//! 1. **Compatibility forms** (the part of Unicode NFKC chat text uses): full-width ASCII
//!    (U+FF01–FF5E) to ASCII, the ideographic space to a space, circled, parenthesised and
//!    dotted digits (①, ⑴, ⒈, ❶, ➀, ➊) to digits; ASCII letters to lower case.
//! 2. **Traditional → simplified** for the characters of a compact table ([`TRADITIONAL`]),
//!    and 甚麼 to 什么.
//! 3. **Separators dropped between words**: a run of spaces, `- _ . · * ~ / \ | ^ =`, emoji
//!    and invisible joiners is dropped when the characters on both sides are word characters
//!    (CJK, ASCII letters or digits) and at least one is CJK or both are digits: 随 便 你 →
//!    随便你, 加 V 信 → 加v信, 138.1234.5678 → 13812345678. Clause punctuation (，。！？；) and
//!    line breaks stay: they bound negations. Hearts (❤️, ♥) read as 心, the pun in 微❤️.
//!    Stars (⭐, ★) are kept: five of them are a rating invitation.
//! 4. **Numbers in words**: a run of at least seven of 〇零一二三四五六七八九幺 and digits, with
//!    at least one numeral, becomes digits (一三八一二三四五六七八, 138 一二三四 5678 →
//!    13812345678); shorter runs stay words (查一下, 五星).

use std::sync::OnceLock;

/// A normalised text and, for each of its bytes, the original bytes it came from.
#[derive(Debug, Default, Clone)]
pub(crate) struct Normalized {
    pub text: String,
    /// Per byte of `text`: where its source character starts in the original.
    starts: Vec<u32>,
    /// Per byte of `text`: where its source character ends in the original.
    ends: Vec<u32>,
    /// Separators waiting for the next word character: (normalised char, start, end).
    pending: Vec<(char, u32, u32)>,
}

/// How a character takes part in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Letter,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if c.is_ascii_digit() {
        Class::Digit
    } else if c.is_ascii_alphabetic() {
        Class::Letter
    } else if is_cjk(c) {
        Class::Cjk
    } else {
        Class::Other
    }
}

/// A CJK ideograph (the unified blocks and compatibility ideographs).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

/// Clause punctuation and line breaks: where a negation's reach ends.
pub(crate) fn is_clause_break(c: char) -> bool {
    matches!(c, ',' | '.' | '!' | '?' | ';' | '\n' | '。' | '…' | '｡')
}

/// Personal pronouns: they do not widen the gap between a negation and what it negates
/// (我没说你急什么 reads as 没说急什么).
pub(crate) fn is_pronoun(c: char) -> bool {
    matches!(
        c,
        '你' | '您' | '我' | '他' | '她' | '它' | '们' | '咱' | '俺'
    )
}

/// A character as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Folded {
    Char(char),
    /// Dropped between two words, kept as itself elsewhere.
    Sep(char),
    /// Invisible: variation selectors, joiners, skin tones.
    Drop,
}

/// Emoji, pictographs and the invisible characters that join or vary them.
fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2B00}'..='\u{2BFF}')
}

/// Characters that only modify the one before them.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{FE00}'..='\u{FE0F}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'
        | '\u{20E3}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}')
}

fn fold(c: char) -> Folded {
    let c = match c {
        // Full-width ASCII (NFKC).
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '〜' => '~',
        // The emoji plus is 加 (➕我v = 加我v).
        '➕' => '加',
        // Circled, parenthesised, dotted and negative circled digits (NFKC or look-alikes).
        '⓪' | '⓿' => '0',
        '①'..='⑨' => digit_char(c as u32 - '①' as u32 + 1),
        '⑴'..='⑼' => digit_char(c as u32 - '⑴' as u32 + 1),
        '⒈'..='⒐' => digit_char(c as u32 - '⒈' as u32 + 1),
        '❶'..='❾' => digit_char(c as u32 - '❶' as u32 + 1),
        '➀'..='➈' => digit_char(c as u32 - '➀' as u32 + 1),
        '➊'..='➒' => digit_char(c as u32 - '➊' as u32 + 1),
        // A green circle or square is the green of WeChat's bubble (🟢泡泡 = 绿泡泡).
        '🟢' | '🟩' => '绿',
        // Hearts read as 心 (微❤️ = 微信).
        '❤' | '♥' | '♡' | '💗' | '💓' | '💕' | '💖' | '💘' | '💝' | '💞' | '🧡' | '💛' | '💚'
        | '💙' | '💜' | '🖤' | '🤍' | '🤎' => '心',
        _ => c,
    };
    let c = c.to_ascii_lowercase();
    match c {
        // Stars stay: ⭐⭐⭐⭐⭐ is a rating invitation.
        '⭐' | '★' | '☆' | '🌟' => Folded::Char(c),
        '\n' => Folded::Char(c),
        _ if is_invisible(c) => Folded::Drop,
        _ if c.is_whitespace() => Folded::Sep(' '),
        '-' | '_' | '.' | '·' | '•' | '*' | '~' | '/' | '\\' | '|' | '^' | '=' | '−' | '—'
        | '–' | '‐' => Folded::Sep(c),
        _ if is_emoji(c) => Folded::Sep(c),
        _ if is_cjk(c) => Folded::Char(simplified(c)),
        _ => Folded::Char(c),
    }
}

/// Whether a `+` between `before` (the last character read) and `rest` (the text after it)
/// means 加: it stands before a letter or a CJK character and not after a letter or digit.
fn plus_adds(before: Option<char>, rest: &str) -> bool {
    let next = rest.chars().map(fold).find(|f| *f != Folded::Drop);
    let word_next =
        matches!(next, Some(Folded::Char(n)) if matches!(class(n), Class::Letter | Class::Cjk));
    word_next && !before.is_some_and(|b| b.is_ascii_alphanumeric())
}

/// Whether the letter just read is not followed by another letter (`rest` is the text after
/// it): with [`Normalized::single_letter_before`], letters spelled out one by one (W X, Q Q,
/// V.X) join into a word, while words (thank you) stay apart.
fn single_letter_after(rest: &str) -> bool {
    !rest
        .chars()
        .map(fold)
        .find(|f| *f != Folded::Drop)
        .is_some_and(|f| matches!(f, Folded::Char(n) if n.is_ascii_alphabetic()))
}

/// Emoji that chat uses for a word of two characters: the penguin is QQ's mascot (加🐧 =
/// 加企鹅), a green circle the green bubble of WeChat (🟢泡泡 = 绿泡泡 needs only one; see
/// [`fold`]).
fn emoji_word(c: char) -> Option<[char; 2]> {
    match c {
        '🐧' => Some(['企', '鹅']),
        _ => None,
    }
}

fn digit_char(n: u32) -> char {
    char::from_digit(n, 10).unwrap_or('0')
}

/// Traditional characters and their simplified forms, pairwise: the characters of complaints,
/// forbidden phrases, contact and payment words and common chat, not a dictionary. A
/// character missing here is read as written.
pub(crate) const TRADITIONAL: [&str; 2] = [
    "隨說聽麼麽嗎幾讓買賣價評訴騙氣態務舉報滾號碼電話轉帳賬銀寶們沒辦煩愛請詢問題謝歡興為見還東給個滿對馬實結剛過複開發貨錢鏈聯繫係絡綠鵝飛這裡裏時間後來會與專線單購歸換點擊讚親稱許臺幫應該處條無須於從啟關頁鐘紅藍顏樣隻幣塊萬億兩參數錯誤標準壞損質經驗寫學習邊頭腦懶廢閉衝動錄讀識認證証據備註冊圖優櫃庫區長門鬧傳車輛運費郵遞賠償議決難總統訂詳細聲噁惡罵髒豬騷擾詐違規權護額餘預約託達遲響講語陣隊齊極盡貴劃網絲視頻試確師員術類機筆紙裝蓋舊鮮麵飯湯燙熱涼鬆緊寬輕靜亂穩險顧戶歲僅儘譜誠懇謹禮節緒憤瘋惱擔憂慮願壓戰爭鬥雙擇選揀刪歷紀談詞夠罷嚇驚喚喲嗚嘍嘩頂慶賀獎勵淨潔衛溫濕燈爐鍋壺濾爾鎖鑰鋼鐵鋁膠陽陰風雲霧異狀況檢測調補論審屬誰噠餵訊贈鋪舖離閒閑聞闊陸際廠廣產業絕壇檔擋黨當嘗賞貸貼賺貿資財負責賤賊記訪設計討厭誇課諒謊謀謎譯變體圍國園團圓層屆張強彈徑復徵懷憑戲掃掛擁攝擺攤敗敵斷晝顯曬書構槍樂樓樞殘殺殼滅漢滬濟灣災烏煙爛牽犧獨獲現環瑪畫療盤睜矯礎禍種積穀窮窩競範簡簽糧糾級紛組終綁維綜編緣練績織繳續罰羅聖職肅脫腳膚臉艙藝藥蘭蘇蟲螢製襪覺覽觀觸詩誌賴贏趕趙跡踐蹤躍軍軟較載輔輸轟辭農遠適遺鄉醫釋針鈕錶鏡閃闆闖階隱雜雞靈韓順領飄飲飽餅館驅騎髮魚鳥鹽麥黃齒齡龍囉帐輪軸廚櫥鏟籃簍彎紐釦顆襯褲帶遊嬰兒寵飼妝貝滌綿絨繩鈴摺疊燒攜蘋誒纖偽",
    "随说听么么吗几让买卖价评诉骗气态务举报滚号码电话转账账银宝们没办烦爱请询问题谢欢兴为见还东给个满对马实结刚过复开发货钱链联系系络绿鹅飞这里里时间后来会与专线单购归换点击赞亲称许台帮应该处条无须于从启关页钟红蓝颜样只币块万亿两参数错误标准坏损质经验写学习边头脑懒废闭冲动录读识认证证据备注册图优柜库区长门闹传车辆运费邮递赔偿议决难总统订详细声恶恶骂脏猪骚扰诈违规权护额余预约托达迟响讲语阵队齐极尽贵划网丝视频试确师员术类机笔纸装盖旧鲜面饭汤烫热凉松紧宽轻静乱稳险顾户岁仅尽谱诚恳谨礼节绪愤疯恼担忧虑愿压战争斗双择选拣删历纪谈词够罢吓惊唤哟呜喽哗顶庆贺奖励净洁卫温湿灯炉锅壶滤尔锁钥钢铁铝胶阳阴风云雾异状况检测调补论审属谁哒喂讯赠铺铺离闲闲闻阔陆际厂广产业绝坛档挡党当尝赏贷贴赚贸资财负责贱贼记访设计讨厌夸课谅谎谋谜译变体围国园团圆层届张强弹径复征怀凭戏扫挂拥摄摆摊败敌断昼显晒书构枪乐楼枢残杀壳灭汉沪济湾灾乌烟烂牵牺独获现环玛画疗盘睁矫础祸种积谷穷窝竞范简签粮纠级纷组终绑维综编缘练绩织缴续罚罗圣职肃脱脚肤脸舱艺药兰苏虫萤制袜觉览观触诗志赖赢赶赵迹践踪跃军软较载辅输轰辞农远适遗乡医释针钮表镜闪板闯阶隐杂鸡灵韩顺领飘饮饱饼馆驱骑发鱼鸟盐麦黄齿龄龙啰账轮轴厨橱铲篮篓弯纽扣颗衬裤带游婴儿宠饲妆贝涤绵绒绳铃折叠烧携苹诶纤伪",
];

/// The table as sorted pairs, and two bitmaps of the basic CJK block: the traditional
/// characters (a fast "not in it"), and the characters the pre-pass cannot copy as they are
/// (traditional, numerals, 么 of 甚麼) for [`plain`].
struct Table {
    pairs: Vec<(char, char)>,
    bits: Vec<u64>,
    special: Vec<u64>,
}

const BLOCK: u32 = 0x4E00;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut pairs: Vec<(char, char)> = TRADITIONAL[0]
            .chars()
            .zip(TRADITIONAL[1].chars())
            .filter(|(t, s)| t != s)
            .collect();
        pairs.sort_unstable();
        pairs.dedup_by_key(|p| p.0);
        let set = |bits: &mut Vec<u64>, c: char| {
            let i = (c as u32).saturating_sub(BLOCK);
            if let Some(w) = bits.get_mut((i / 64) as usize) {
                *w |= 1 << (i % 64);
            }
        };
        let mut bits = vec![0u64; ((0xA000 - BLOCK) / 64 + 1) as usize];
        for &(t, _) in &pairs {
            set(&mut bits, t);
        }
        let mut special = bits.clone();
        for c in (BLOCK..0xA000).filter_map(char::from_u32) {
            if numeral(c).is_some() || c == '么' {
                set(&mut special, c);
            }
        }
        Table {
            pairs,
            bits,
            special,
        }
    })
}

/// Whether a character of the basic CJK block is set in `bits`.
fn in_block(bits: &[u64], code: u32) -> bool {
    let i = code.wrapping_sub(BLOCK);
    bits.get((i / 64) as usize)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// A character the pre-pass copies as it is (ASCII letters lower-cased, full-width clause
/// punctuation as ASCII), with its class: one that [`fold`] leaves alone and that is no
/// separator, emoji, numeral, `+` or 么 (of 甚麼). Most of what chat says is CJK, letters,
/// digits and a few marks; read from a slow path, each costs a dozen range tests.
/// `None`: read it the full way.
#[inline]
fn plain(c: char, table: &Table) -> Option<(char, Class)> {
    let code = c as u32;
    if (BLOCK..0xA000).contains(&code) {
        return (!in_block(&table.special, code)).then_some((c, Class::Cjk));
    }
    Some(match c {
        'a'..='z' => (c, Class::Letter),
        'A'..='Z' => (c.to_ascii_lowercase(), Class::Letter),
        '0'..='9' => (c, Class::Digit),
        '!' | '"' | '#' | '$' | '%' | '&' | '\'' | '(' | ')' | ',' | ':' | ';' | '<' | '>'
        | '?' | '@' | '[' | ']' | '{' | '}' | '\n' | '。' | '、' | '“' | '”' | '‘' | '’' | '《'
        | '》' | '【' | '】' | '…' => (c, Class::Other),
        '，' => (',', Class::Other),
        '！' => ('!', Class::Other),
        '？' => ('?', Class::Other),
        '：' => (':', Class::Other),
        '；' => (';', Class::Other),
        '（' => ('(', Class::Other),
        '）' => (')', Class::Other),
        _ => return None,
    })
}

/// The simplified form of a CJK character (itself when the table does not know it).
fn simplified(c: char) -> char {
    let t = table();
    let code = c as u32;
    if (BLOCK..0xA000).contains(&code) && !in_block(&t.bits, code) {
        return c;
    }
    match t.pairs.binary_search_by_key(&c, |p| p.0) {
        Ok(k) => t.pairs[k].1,
        Err(_) => c,
    }
}

/// Chinese numerals, plain and financial (壹贰叁), that spell digits in phone numbers and
/// accounts.
fn numeral(c: char) -> Option<char> {
    Some(match c {
        '〇' | '零' => '0',
        '一' | '幺' | '壹' => '1',
        '二' | '贰' | '貳' => '2',
        '三' | '叁' | '叄' => '3',
        '四' | '肆' => '4',
        '五' | '伍' => '5',
        '六' | '陆' => '6',
        '七' | '柒' => '7',
        '八' | '捌' => '8',
        '九' | '玖' => '9',
        _ => return None,
    })
}

/// The shortest run of numerals read as digits.
const NUMERAL_RUN: usize = 7;

impl Normalized {
    /// The normalised form of `text`, reusing this value's buffers.
    pub fn read(&mut self, text: &str) {
        self.read_with(text, true);
    }

    /// [`Normalized::read`], with the shortcut for [`plain`] characters or without it (the
    /// tests compare the two).
    fn read_with(&mut self, text: &str, shortcut: bool) {
        self.text.clear();
        self.starts.clear();
        self.ends.clear();
        self.pending.clear();
        self.text.reserve(text.len());
        self.starts.reserve(text.len());
        self.ends.reserve(text.len());
        let table = table();
        let mut last = Class::Other;
        let mut numerals = 0usize;
        let mut has_numeral = false;
        let mut long_run = false;
        for (i, c) in text.char_indices() {
            let (start, end) = (i as u32, (i + c.len_utf8()) as u32);
            // With no separator waiting, a plain character needs no look around: what the
            // full way below does with it, in short.
            if shortcut
                && self.pending.is_empty()
                && let Some((ch, now)) = plain(c, table)
            {
                if now == Class::Digit {
                    numerals += 1;
                    long_run |= has_numeral && numerals >= NUMERAL_RUN;
                } else {
                    numerals = 0;
                    has_numeral = false;
                }
                self.push(ch, start, end);
                last = now;
                continue;
            }
            let mut folded = [Folded::Drop; 2];
            let items = match emoji_word(c) {
                Some([a, b]) => {
                    folded = [Folded::Char(a), Folded::Char(b)];
                    &folded[..]
                }
                None => {
                    folded[0] = fold(c);
                    &folded[..1]
                }
            };
            for &item in items {
                match item {
                    Folded::Drop => {}
                    Folded::Sep(s) => self.pending.push((s, start, end)),
                    Folded::Char(mut ch) => {
                        if ch == '+'
                            && plus_adds(self.text.chars().next_back(), &text[end as usize..])
                        {
                            // +v, +微信, +q: an invitation to add, not arithmetic (+86, A+B stay).
                            ch = '加';
                        }
                        let now = class(ch);
                        if !self.pending.is_empty() {
                            let joined = last != Class::Other
                                && now != Class::Other
                                && (last == Class::Cjk
                                    || now == Class::Cjk
                                    || (last == Class::Digit && now == Class::Digit)
                                    || (last == Class::Letter
                                        && now == Class::Letter
                                        && self.single_letter_before()
                                        && single_letter_after(&text[end as usize..])));
                            if !joined {
                                self.flush();
                            }
                            self.pending.clear();
                        }
                        if ch == '么' && self.text.ends_with('甚') {
                            // 甚麼 is 什么; 甚 alone (甚至) stays.
                            self.text.truncate(self.text.len() - '甚'.len_utf8());
                            self.text.push('什');
                        }
                        // A run of numerals, digits among them (138 一二三四 5678).
                        if numeral(ch).is_some() {
                            numerals += 1;
                            has_numeral = true;
                            long_run |= numerals >= NUMERAL_RUN;
                        } else if ch.is_ascii_digit() {
                            numerals += 1;
                            long_run |= has_numeral && numerals >= NUMERAL_RUN;
                        } else {
                            numerals = 0;
                            has_numeral = false;
                        }
                        if ch == '\u{0}' {
                            ch = ' ';
                        }
                        self.push(ch, start, end);
                        last = now;
                    }
                }
            }
        }
        self.flush();
        if long_run {
            self.digits_for_numerals();
        }
    }

    fn push(&mut self, c: char, start: u32, end: u32) {
        self.text.push(c);
        let n = c.len_utf8();
        self.starts.extend(std::iter::repeat_n(start, n));
        self.ends.extend(std::iter::repeat_n(end, n));
    }

    /// Whether the text read so far ends in a letter standing alone (the `w` of `w x`).
    fn single_letter_before(&self) -> bool {
        let mut back = self.text.chars().rev();
        back.next().is_some_and(|c| c.is_ascii_alphabetic())
            && !back.next().is_some_and(|c| c.is_ascii_alphabetic())
    }

    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for &(c, s, e) in &pending {
            self.push(c, s, e);
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// Rewrites runs of at least [`NUMERAL_RUN`] numerals as digits.
    fn digits_for_numerals(&mut self) {
        let old = std::mem::take(&mut self.text);
        let starts = std::mem::take(&mut self.starts);
        let ends = std::mem::take(&mut self.ends);
        let chars: Vec<(usize, char)> = old.char_indices().collect();
        let mut k = 0;
        while k < chars.len() {
            let run = chars[k..]
                .iter()
                .take_while(|(_, c)| numeral(*c).is_some() || c.is_ascii_digit())
                .count();
            let digits =
                run >= NUMERAL_RUN && chars[k..k + run].iter().any(|(_, c)| numeral(*c).is_some());
            for &(at, c) in &chars[k..k + run.max(1)] {
                let c = if digits { numeral(c).unwrap_or(c) } else { c };
                self.push(c, starts[at], ends[at]);
            }
            k += run.max(1);
        }
    }

    /// The original byte range of the normalised byte range `start..end` (non-empty, inside
    /// the text); `None` when it is not.
    pub fn original(&self, start: usize, end: usize) -> Option<(u32, u32)> {
        if start >= end {
            return None;
        }
        Some((*self.starts.get(start)?, *self.ends.get(end - 1)?))
    }
}

/// A keyword, negation or phrase as rules hold it: normalised the same way as the texts.
pub(crate) fn normalize(s: &str) -> String {
    let mut n = Normalized::default();
    n.read(s);
    n.text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn norm(s: &str) -> String {
        normalize(s)
    }

    #[test]
    fn compatibility_forms_and_case() {
        assert_eq!(norm("加ｖ信"), "加v信");
        assert_eq!(norm("ＶＸ：ａｂｃ"), "vx:abc");
        assert_eq!(norm("１３８"), "138");
        assert_eq!(norm("①③⑧"), "138");
        assert_eq!(norm("QQ号"), "qq号");
    }

    #[test]
    fn traditional_characters_read_simplified() {
        assert_eq!(norm("隨便你"), "随便你");
        assert_eq!(norm("急什麼"), "急什么");
        assert_eq!(norm("急甚麼"), "急什么");
        assert_eq!(norm("甚至"), "甚至");
        assert_eq!(norm("說了幾遍"), "说了几遍");
        assert_eq!(norm("聽不懂嗎"), "听不懂吗");
        assert_eq!(norm("滾輪"), "滚轮");
        // Every pair in the table is a real change, and no character is listed twice with two
        // different forms.
        let t = table();
        assert!(t.pairs.windows(2).all(|w| w[0].0 < w[1].0));
        let mut seen = std::collections::HashMap::new();
        for (a, b) in TRADITIONAL[0].chars().zip(TRADITIONAL[1].chars()) {
            assert_ne!(a, b, "{a}");
            assert_eq!(*seen.entry(a).or_insert(b), b, "{a}");
        }
        assert_eq!(
            TRADITIONAL[0].chars().count(),
            TRADITIONAL[1].chars().count()
        );
    }

    #[test]
    fn separators_between_words_drop() {
        assert_eq!(norm("随 便 你"), "随便你");
        assert_eq!(norm("随-便-你"), "随便你");
        assert_eq!(norm("听😤不懂吗"), "听不懂吗");
        assert_eq!(norm("加 V 信"), "加v信");
        assert_eq!(norm("138.1234.5678"), "13812345678");
        assert_eq!(norm("138　1234　5678"), "13812345678");
        assert_eq!(norm("+86 138 1234 5678"), "+8613812345678");
        assert_eq!(norm("微❤️"), "微心");
        // Between ASCII words and at the edges separators stay; clause punctuation stays.
        assert_eq!(norm("vx-5 型号"), "vx-5型号");
        assert_eq!(norm("thank you"), "thank you");
        assert_eq!(norm("好的👌"), "好的👌");
        assert_eq!(norm("不是，随便你"), "不是,随便你");
        assert_eq!(norm("好评⭐⭐⭐⭐⭐"), "好评⭐⭐⭐⭐⭐");
    }

    #[test]
    fn a_plus_before_a_word_is_jia() {
        assert_eq!(norm("+v详聊"), "加v详聊");
        assert_eq!(norm("＋微信"), "加微信");
        assert_eq!(norm("➕我v"), "加我v");
        assert_eq!(norm("有事 +q"), "有事加q");
        // Numbers and sums stay.
        assert_eq!(norm("+86 138"), "+86138");
        assert_eq!(norm("A+B套餐"), "a+b套餐");
        assert_eq!(norm("满200+送"), "满200+送");
        assert_eq!(norm("+"), "+");
    }

    #[test]
    fn numerals_in_long_runs_are_digits() {
        assert_eq!(norm("一三八一二三四五六七八"), "13812345678");
        assert_eq!(norm("幺三八 一二三四 五六七八"), "13812345678");
        assert_eq!(norm("我查一下"), "我查一下");
        assert_eq!(norm("五星好评"), "五星好评");
        assert_eq!(norm("138 一二三四 5678"), "13812345678");
        assert_eq!(norm("2024年一月"), "2024年一月");
        // Financial numerals (大写数字), simplified and traditional.
        assert_eq!(norm("壹叁捌 零零壹贰 叁肆伍陆"), "13800123456");
        assert_eq!(norm("壹叁捌零零壹貳叄肆伍陸"), "13800123456");
        assert_eq!(norm("壹佰元"), "壹佰元");
    }

    #[test]
    fn letters_spelled_one_by_one_join() {
        assert_eq!(norm("Ｗ Ｘ 搜我"), "wx搜我");
        assert_eq!(norm("加 Q Q 号"), "加qq号");
        assert_eq!(norm("V.X"), "vx");
        // Words stay apart, and a letter next to a word does not join it.
        assert_eq!(norm("thank you"), "thank you");
        assert_eq!(norm("hello kitty"), "hello kitty");
        assert_eq!(norm("a good one"), "a good one");
    }

    #[test]
    fn emoji_that_stand_for_words() {
        assert_eq!(norm("加我🐧 583920174"), "加我企鹅583920174");
        assert_eq!(norm("🟢泡泡"), "绿泡泡");
        let text = "发我🐧号";
        let mut n = Normalized::default();
        n.read(text);
        let s = n.text.find("企鹅").unwrap();
        let (a, b) = n.original(s, s + "企鹅".len()).unwrap();
        assert_eq!(&text[a as usize..b as usize], "🐧");
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let text = "亲，加 Ｖ 信聊";
        let mut n = Normalized::default();
        n.read(text);
        assert_eq!(n.text, "亲,加v信聊");
        let s = n.text.find("加v信").unwrap();
        let (a, b) = n.original(s, s + "加v信".len()).unwrap();
        assert_eq!(&text[a as usize..b as usize], "加 Ｖ 信");
        let text = "电话一三八一二三四五六七八哦";
        n.read(text);
        let s = n.text.find('1').unwrap();
        let (a, b) = n.original(s, s + 11).unwrap();
        assert_eq!(&text[a as usize..b as usize], "一三八一二三四五六七八");
        assert_eq!(n.original(3, 3), None);
        assert_eq!(n.original(0, 10_000), None);
    }

    /// Both ways of reading `text`: (text, starts, ends) with the shortcut and without.
    fn both_ways(text: &str) -> [(String, Vec<u32>, Vec<u32>); 2] {
        [true, false].map(|shortcut| {
            let mut n = Normalized::default();
            n.read_with(text, shortcut);
            (n.text, n.starts, n.ends)
        })
    }

    /// Characters of every kind the reading treats apart: plain CJK, letters and digits, and
    /// what folds, joins, drops, turns into digits or words, or looks around.
    const TRICKY: &str = "随便你您们急什么甚麼麽隨說聽嗎滾輪價錢微信心加我企鹅绿泡一二三四五六七八九〇零幺\
        壹贰貳叁叄肆伍陆陸柒捌玖佰元号码查下星好评问aAbBvVwWxXqQzZkK0123456789ＡＶｖＷ１３８０\
        ①③⑧⑨⑴⒈❶➀➊⓪⓿ +-_.·•*~/\\|^=−—–‐，。！？：；（）、“”‘’《》【】…,!?:;()'\"#$%&<>@[]{}`\
        \n\t\r　〜＋＝＿😤👌❤♥♡💗🧡🐧🟢🟩➕⭐★☆🌟🙏🏻\u{FE0F}\u{200B}\u{200D}\u{20E3}\u{0}ｶ\u{3400}\u{20000}";

    /// Pieces of text whose reading depends on what stands around them.
    const COMBINATIONS: [&str; 16] = [
        "甚么",
        "甚麼",
        "+v",
        "+86",
        "A+B",
        "W X",
        "V.X",
        "加 V 信",
        "138 一二三四 5678",
        "一三八一二三四五六七八",
        "壹叁捌零零壹貳叄肆伍陸",
        "随-便-你",
        "thank you",
        "微❤️",
        "加我🐧",
        "😤不",
    ];

    fn pieces() -> Vec<String> {
        let mut v: Vec<String> = TRICKY.chars().map(String::from).collect();
        v.extend(COMBINATIONS.iter().map(|c| c.to_string()));
        v
    }

    proptest::proptest! {
        #[test]
        fn the_shortcut_reads_as_the_full_way(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    4 => proptest::sample::select(pieces()),
                    1 => proptest::char::any().prop_map(String::from),
                ],
                0..32,
            )
        ) {
            let text = parts.concat();
            let [fast, slow] = both_ways(&text);
            proptest::prop_assert_eq!(fast, slow, "{:?}", text);
        }
    }

    #[test]
    fn the_shortcut_reads_labelled_chats_as_the_full_way() {
        // Every line of the labelled chats (real chat wording, 繁體, full-width, emoji, numbers
        // spelled out) and of the shipped rules.
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/qa-eval");
        let mut texts = vec![crate::rules::DEFAULT_RULES.to_string()];
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push(text);
                }
            }
        }
        assert!(texts.len() > 5, "the labelled chats are missing: {root}");
        let mut lines = 0;
        for line in texts.iter().flat_map(|t| t.lines()) {
            let [fast, slow] = both_ways(line);
            assert_eq!(fast, slow, "{line}");
            lines += 1;
        }
        assert!(lines > 1000, "{lines}");
    }

    #[test]
    fn odd_text_does_not_panic() {
        for t in [
            "",
            " ",
            "\u{0}",
            "😤",
            "-",
            "甚",
            "一二三四五六七八九〇一二三",
            "\u{FE0F}随",
        ] {
            let mut n = Normalized::default();
            n.read(t);
            assert_eq!(n.starts.len(), n.text.len());
        }
    }
}
