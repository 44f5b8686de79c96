//! Products and message texts.
//!
//! Buyer questions come with a matching answer for a person and for the bot,
//! so that a conversation reads naturally when a supervisor opens it.

use crate::out::csv_field;
use crate::rng::Rng;

pub(crate) struct Product {
    pub(crate) name: &'static str,
    pub(crate) cents: u64,
    /// Popularity weight.
    pub(crate) weight: f64,
}

/// A small home-appliance catalogue, 29.90 … 4999.00 yuan.
pub(crate) const PRODUCTS: &[Product] = &[
    Product {
        name: "滤芯套装",
        cents: 2_990,
        weight: 10.0,
    },
    Product {
        name: "保温杯",
        cents: 4_990,
        weight: 8.0,
    },
    Product {
        name: "电热水壶",
        cents: 8_990,
        weight: 8.0,
    },
    Product {
        name: "加湿器",
        cents: 15_900,
        weight: 6.0,
    },
    Product {
        name: "吹风机",
        cents: 25_900,
        weight: 6.0,
    },
    Product {
        name: "空气炸锅",
        cents: 29_900,
        weight: 8.0,
    },
    Product {
        name: "电饭煲",
        cents: 39_900,
        weight: 6.0,
    },
    Product {
        name: "破壁机",
        cents: 59_900,
        weight: 4.0,
    },
    Product {
        name: "扫地机器人",
        cents: 199_900,
        weight: 3.0,
    },
    Product {
        name: "净水器",
        cents: 249_900,
        weight: 2.0,
    },
    Product {
        name: "变频空调",
        cents: 399_900,
        weight: 3.0,
    },
    Product {
        name: "洗碗机",
        cents: 499_900,
        weight: 2.0,
    },
];

/// Text categories picked at random.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum Cat {
    BuyerOpen,
    BuyerGeneralQ,
    BuyerBargain,
    BuyerAck,
    BuyerHuman,
    BuyerAfter,
    BuyerRefund,
    BuyerReminderReply,
    BuyerFollow,
    AgentAnswer,
    AgentBargain,
    AgentAfter,
    AgentRefund,
    AgentAck,
    AgentWait,
    AgentExtra,
    AgentMore,
    AgentReminder,
    AgentReminderAck,
    AgentNight,
    AutoGreet,
    AutoAway,
    AutoBusy,
    BotAnswer,
    BotAfter,
    BotMore,
    BotOffHours,
}

const NCAT: usize = Cat::BotOffHours as usize + 1;

/// Plain categories (no pairing).
const TEXTS: &[(Cat, &[&str])] = &[
    (
        Cat::BuyerAck,
        &[
            "好的",
            "好的谢谢",
            "嗯嗯",
            "那我拍了",
            "知道了",
            "行吧",
            "OK",
            "谢谢亲",
            "我再考虑一下",
            "好的我看看",
        ],
    ),
    (
        Cat::BuyerHuman,
        &["转人工", "人工客服", "我要找人工", "人工", "找个真人"],
    ),
    (
        Cat::BuyerReminderReply,
        &[
            "好的 马上付",
            "刚才在忙 现在付",
            "稍等一下",
            "等发工资再付",
            "好的",
        ],
    ),
    (
        Cat::BuyerFollow,
        &["还在吗", "？？", "人呢", "回复一下呀", "等好久了"],
    ),
    (
        Cat::AgentAck,
        &[
            "不客气，有需要随时找我哦",
            "好的亲，祝您生活愉快",
            "亲，有问题随时联系我们",
            "感谢亲的支持，期待再次光临",
            "好的亲，考虑好了随时来找我",
        ],
    ),
    (
        Cat::AgentWait,
        &[
            "亲，这边帮您查询一下，请稍等",
            "好的，马上为您核实",
            "亲，稍等哈，我看一下",
        ],
    ),
    (
        Cat::AgentExtra,
        &[
            "亲，现在下单还有赠品哦",
            "亲，还有其他问题可以随时问我哦",
            "亲，喜欢的话可以先加入购物车哦",
            "亲，收藏店铺还能领5元无门槛券",
            "亲，今天付款今天发货的",
        ],
    ),
    (
        Cat::AgentMore,
        &[
            "亲，还有其他问题可以随时问我哦",
            "亲，有任何问题随时联系我们",
            "亲，还有什么可以帮您的吗",
        ],
    ),
    (
        Cat::AgentReminder,
        &[
            "亲，您的订单还没付款哦，库存有限，尽快付款哦",
            "亲，看到您拍下了还没付款，有什么问题可以随时问我哦",
            "亲，活动马上结束了，付款后我们会尽快为您发货",
            "亲，您拍下的宝贝还在等您付款呢，今天付款今天发货哦",
        ],
    ),
    (
        Cat::AgentReminderAck,
        &[
            "好的亲，付款后尽快为您安排发货",
            "好的，收到付款马上给您发货哦",
            "好嘞，不着急的亲",
        ],
    ),
    (
        Cat::AgentNight,
        &[
            "亲，早上好，看到您的留言了，现在为您解答",
            "亲，抱歉久等了，现在为您服务",
        ],
    ),
    (
        Cat::AutoGreet,
        &[
            "您好，欢迎光临{store}，很高兴为您服务！",
            "亲，欢迎光临{store}，请问有什么可以帮您？",
        ],
    ),
    (
        Cat::AutoAway,
        &["亲，现在是非工作时间，客服上班后会第一时间回复您哦（工作时间8:00-24:00）"],
    ),
    (
        Cat::AutoBusy,
        &["亲，现在咨询的人较多，请稍等，客服马上为您服务"],
    ),
    (
        Cat::BotMore,
        &["请问还有什么可以帮您？", "亲，还有其他问题吗？"],
    ),
    (
        Cat::BotOffHours,
        &["亲，人工客服工作时间为8:00-24:00，您可以先留言，上班后第一时间回复您"],
    ),
];

/// (question, a person's answer, the bot's answer); grouped as
/// (question category, answer category, bot category).
type Qa = (&'static str, &'static str, &'static str);
/// A paired list with the categories of its questions, answers, bot answers.
type Paired = (&'static [Qa], Option<Cat>, Option<Cat>, Option<Cat>);

const OPENERS: &[Qa] = &[
    (
        "在吗",
        "在的亲，请问有什么可以帮您？",
        "亲，我是智能客服店小蜜，有什么可以帮您？",
    ),
    (
        "你好",
        "您好，请问有什么可以帮您？",
        "您好，我是智能客服店小蜜，请问您想咨询什么？",
    ),
    (
        "亲 在不在",
        "在的呢亲",
        "亲，我是智能客服店小蜜，有什么可以帮您？",
    ),
    (
        "有人吗",
        "在的亲，请问有什么可以帮您？",
        "亲，我是智能客服店小蜜，有什么可以帮您？",
    ),
    (
        "客服在吗",
        "在的亲，您请说",
        "您好，我是智能客服店小蜜，请问您想咨询什么？",
    ),
    (
        "hello",
        "您好，很高兴为您服务",
        "您好，我是智能客服店小蜜，请问您想咨询什么？",
    ),
];

const GENERAL: &[Qa] = &[
    (
        "包邮吗",
        "亲，全国包邮的呢",
        "亲，本店默认包邮，偏远地区除外",
    ),
    (
        "可以开发票吗",
        "亲，可以开发票的，下单后在订单详情里申请就可以",
        "亲，关于发票：下单后可在订单详情中申请开票",
    ),
    (
        "今天下单什么时候发货",
        "亲，下午4点前付款当天发货哦",
        "亲，付款后48小时内发货哦",
    ),
    (
        "发什么快递",
        "亲，默认发顺丰，偏远地区发中通哦",
        "亲，本店默认顺丰快递",
    ),
    (
        "有赠品吗",
        "亲，现在下单送价值59元的赠品一份",
        "亲，活动期间下单有赠品，详见商品页面",
    ),
    (
        "支持七天无理由吗",
        "亲，支持七天无理由退换的，放心购买",
        "亲，支持七天无理由退换货",
    ),
    (
        "能送货上门吗",
        "亲，大件商品支持送货上门和免费安装",
        "亲，大件商品送货上门，小件快递到家",
    ),
    (
        "可以用花呗分期吗",
        "亲，支持花呗分期，3期免息哦",
        "亲，支持花呗分期付款",
    ),
    (
        "是正品吗",
        "亲，官方旗舰店正品保障，假一赔十",
        "亲，本店为官方旗舰店，正品保障",
    ),
    (
        "用券之后多少钱",
        "亲，领券后到手价更优惠，券在商品页面领取",
        "亲，优惠券可在商品页面领取，下单时自动抵扣",
    ),
    (
        "活动什么时候结束",
        "亲，活动到本月15号结束，早买早享受哦",
        "亲，活动详情请点击下方链接查看哦",
    ),
    (
        "会员有额外优惠吗",
        "亲，入会可以领10元会员券哦",
        "亲，加入店铺会员可领取专属优惠券",
    ),
];

const BARGAIN: &[Qa] = &[
    (
        "能便宜点吗",
        "亲，已经是活动最低价了呢，叠加店铺券更划算",
        "亲，优惠券可在商品页面领取，下单时自动抵扣",
    ),
    (
        "还有优惠券吗",
        "亲，关注店铺还能领5元无门槛券哦",
        "亲，优惠券可在商品页面领取，下单时自动抵扣",
    ),
    (
        "别家比你们便宜啊",
        "亲，我们是官方正品，还有三年保修哦",
        "亲，本店为官方旗舰店，正品保障",
    ),
    (
        "买两个能再优惠吗",
        "亲，两件可以再减20元的",
        "亲，多件优惠请查看商品页面的活动说明",
    ),
    (
        "双十一是不是更便宜",
        "亲，现在下单享价保，买贵退差价哦",
        "亲，本店支持价保，详见活动页面",
    ),
    (
        "能保价吗",
        "亲，支持30天价保的，放心买",
        "亲，本店支持价保，详见活动页面",
    ),
];

const AFTER: &[Qa] = &[
    (
        "我的订单什么时候发货",
        "亲，您的订单今天会发出，请耐心等待",
        "亲，仓库正在加急处理，48小时内发出",
    ),
    (
        "快递到哪了",
        "亲，您的快递已经在路上了，预计明天送达",
        "亲，您的订单已发货，点击查看物流详情",
    ),
    (
        "怎么还没发货",
        "亲，已经为您催促仓库了，今天会发出的",
        "亲，仓库正在加急处理，48小时内发出",
    ),
    (
        "物流一直没更新",
        "亲，这边帮您联系快递核实一下，有结果马上告诉您",
        "亲，您的订单已发货，点击查看物流详情",
    ),
    (
        "安装怎么预约",
        "亲，安装可以在订单页面预约，师傅会提前联系您",
        "亲，安装服务可在订单页面一键预约",
    ),
    (
        "发票怎么开",
        "亲，发票会在发货后三个工作日内开具",
        "亲，关于发票：下单后可在订单详情中申请开票",
    ),
    (
        "能改一下收货地址吗",
        "亲，地址已经帮您修改好了",
        "亲，未发货的订单可在订单详情中修改地址",
    ),
    (
        "能帮我催一下快递吗",
        "亲，已经帮您催了，请耐心等待哦",
        "亲，已为您提交催件申请",
    ),
    (
        "收到的东西有点问题",
        "亲，给您带来不便非常抱歉，麻烦拍张照片给我看下",
        "亲，商品问题可申请售后，客服会尽快为您处理",
    ),
    (
        "说明书找不到了 怎么用",
        "亲，说明书电子版已发给您，请查收",
        "亲，电子版说明书可在商品详情页下载",
    ),
];

const REFUND: &[Qa] = &[
    (
        "我申请退款了 麻烦处理一下",
        "好的亲，已经为您处理退款了",
        "亲，退款进度可在订单详情中查看",
    ),
    (
        "拍错了 申请退款",
        "亲，退款申请已同意，原路返回1-3个工作日到账",
        "亲，未发货的订单可直接申请退款",
    ),
    (
        "不想要了 可以退吗",
        "亲，可以的，未发货的订单直接申请退款就可以",
        "亲，未发货的订单可直接申请退款",
    ),
    (
        "退款什么时候到账",
        "亲，退款原路返回，1-3个工作日到账",
        "亲，退款进度可在订单详情中查看",
    ),
    (
        "东西坏了 要退货",
        "亲，非常抱歉，退货地址已发送，寄回后为您退款",
        "亲，商品问题可申请售后，客服会尽快为您处理",
    ),
    (
        "少发了一件 怎么处理",
        "亲，已为您补发，给您带来不便非常抱歉",
        "亲，商品问题可申请售后，客服会尽快为您处理",
    ),
];

/// Product questions: `{p}` = product name, `{price}` = its price.
const PRODUCT_QA: &[(&str, &str)] = &[
    ("这款{p}有现货吗", "亲，{p}有现货的，今天下单今天发货哦"),
    ("{p}什么时候能发货", "亲，{p}付款后24小时内发货"),
    ("{p}保修多久", "亲，{p}保修三年，全国联保的哦"),
    ("{p}和上一代有什么区别", "亲，新款{p}噪音更小更省电"),
    ("{p}现在多少钱", "亲，{p}现在{price}元，领券还能再减哦"),
    ("{p}有几种颜色", "亲，{p}有白色和灰色两种颜色"),
    ("{p}适合几个人用", "亲，{p}三到五口之家都适用的"),
    ("{p}噪音大吗", "亲，{p}采用静音设计，晚上用也不吵"),
    ("{p}是今年的新款吗", "亲，这款{p}是今年的新款哦"),
    ("{p}送货上门吗", "亲，{p}支持送货上门的"),
];
const BOT_PRODUCT_ANSWER: &str = "亲，我是智能客服店小蜜，{p}的详细参数请查看商品详情页哦";

const NONE: u32 = u32::MAX;

/// All texts, CSV-escaped, addressed by `u32` ids.
pub(crate) struct Texts {
    pub(crate) strings: Vec<String>,
    ranges: [(u32, u32); NCAT],
    product_q: Vec<(u32, u32)>,
    /// A person's answer to a buyer text (NONE if none).
    answer: Vec<u32>,
    /// The bot's answer to a buyer text (NONE if none).
    bot_answer: Vec<u32>,
    /// `system` transfer notice per human agent (index = agent index).
    pub(crate) transfer: Vec<u32>,
}

fn yuan(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

impl Texts {
    pub(crate) fn new(store: &str, agent_names: &[String]) -> Texts {
        let mut t = Texts {
            strings: Vec::new(),
            ranges: [(0, 0); NCAT],
            product_q: Vec::with_capacity(PRODUCTS.len()),
            answer: Vec::new(),
            bot_answer: Vec::new(),
            transfer: Vec::with_capacity(agent_names.len()),
        };
        for (cat, list) in TEXTS {
            let start = t.len();
            for s in *list {
                t.add(&s.replace("{store}", store));
            }
            t.ranges[*cat as usize] = (start, t.len());
        }
        // Paired lists: questions in one range, the answers of people and of
        // the bot each in their own range (used as fallbacks).
        let paired: [Paired; 5] = [
            (OPENERS, Some(Cat::BuyerOpen), None, None),
            (
                GENERAL,
                Some(Cat::BuyerGeneralQ),
                Some(Cat::AgentAnswer),
                Some(Cat::BotAnswer),
            ),
            (
                BARGAIN,
                Some(Cat::BuyerBargain),
                Some(Cat::AgentBargain),
                None,
            ),
            (
                AFTER,
                Some(Cat::BuyerAfter),
                Some(Cat::AgentAfter),
                Some(Cat::BotAfter),
            ),
            (REFUND, Some(Cat::BuyerRefund), Some(Cat::AgentRefund), None),
        ];
        for (list, q_cat, a_cat, b_cat) in paired {
            let q_start = t.len();
            for (q, _, _) in list {
                t.add(q);
            }
            let a_start = t.len();
            for (_, a, _) in list {
                t.add(a);
            }
            let b_start = t.len();
            for (_, _, b) in list {
                t.add(b);
            }
            let n = list.len() as u32;
            for i in 0..n {
                t.answer[(q_start + i) as usize] = a_start + i;
                t.bot_answer[(q_start + i) as usize] = b_start + i;
            }
            for (cat, start) in [(q_cat, q_start), (a_cat, a_start), (b_cat, b_start)] {
                if let Some(cat) = cat {
                    t.ranges[cat as usize] = (start, start + n);
                }
            }
        }
        for p in PRODUCTS {
            let fill = |s: &str| s.replace("{p}", p.name).replace("{price}", &yuan(p.cents));
            let bot = t.add(&fill(BOT_PRODUCT_ANSWER));
            let q_start = t.len();
            for (q, _) in PRODUCT_QA {
                t.add(&fill(q));
            }
            for (i, (_, a)) in PRODUCT_QA.iter().enumerate() {
                let a = t.add(&fill(a));
                t.answer[q_start as usize + i] = a;
                t.bot_answer[q_start as usize + i] = bot;
            }
            t.product_q
                .push((q_start, q_start + PRODUCT_QA.len() as u32));
        }
        for name in agent_names {
            let id = t.add(&format!("买家已转接给人工客服{name}"));
            t.transfer.push(id);
        }
        debug_assert!(t.ranges.iter().all(|(a, b)| a < b));
        t
    }

    fn len(&self) -> u32 {
        self.strings.len() as u32
    }

    fn add(&mut self, s: &str) -> u32 {
        self.strings.push(csv_field(s));
        self.answer.push(NONE);
        self.bot_answer.push(NONE);
        self.len() - 1
    }

    #[inline]
    pub(crate) fn pick(&self, rng: &mut Rng, cat: Cat) -> u32 {
        let (a, b) = self.ranges[cat as usize];
        a + rng.below(b - a)
    }

    #[inline]
    pub(crate) fn product_question(&self, rng: &mut Rng, product: usize) -> u32 {
        let (a, b) = self.product_q[product];
        a + rng.below(b - a)
    }

    /// A person's answer to the buyer text `q`, if it has a matching one.
    #[inline]
    pub(crate) fn answer(&self, q: u32) -> Option<u32> {
        self.answer.get(q as usize).copied().filter(|&a| a != NONE)
    }

    /// The bot's answer to the buyer text `q`, if it has a matching one.
    #[inline]
    pub(crate) fn bot_answer(&self, q: u32) -> Option<u32> {
        self.bot_answer
            .get(q as usize)
            .copied()
            .filter(|&a| a != NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_texts_and_questions_have_answers() {
        let t = Texts::new("晨光旗舰店", &["小美".to_string()]);
        let mut rng = Rng::new(3);
        for c in 0..NCAT {
            let (a, b) = t.ranges[c];
            assert!(a < b, "category {c} is empty");
        }
        for cat in [
            Cat::BuyerOpen,
            Cat::BuyerGeneralQ,
            Cat::BuyerBargain,
            Cat::BuyerAfter,
            Cat::BuyerRefund,
        ] {
            for _ in 0..20 {
                let q = t.pick(&mut rng, cat);
                assert!(t.answer(q).is_some() && t.bot_answer(q).is_some());
            }
        }
        let q = t.product_question(&mut rng, 10);
        assert!(t.strings[q as usize].contains("变频空调"));
        let price_q = t.product_q[10].0 + 4;
        assert_eq!(
            t.strings[t.answer(price_q).unwrap() as usize],
            "亲，变频空调现在3999.00元，领券还能再减哦"
        );
        assert!(t.answer(t.pick(&mut rng, Cat::BuyerAck)).is_none());
        // No text needs CSV quoting with a plain store name.
        assert!(t.strings.iter().all(|s| !s.contains([',', '"', '\n'])));
        let quoted = Texts::new("A,B", &[]);
        assert!(quoted.strings.iter().any(|s| s.starts_with('"')));
    }
}
