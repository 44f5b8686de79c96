//! Labelled examples of what a column counts and which report a header is.
//!
//! `TUNED` are the headers of `domain.md` §8 and §3.8 that the rules of [`super::values::kind_of`]
//! and [`super::detect`] were written from. `HELD_OUT` were labelled by meaning before the rules
//! ever saw them, and are never used to change the rules: they measure them. Held out are the
//! column names of three real 赤兔 custom reports (人均日接入, 每周店铺个人数据, 客服数据23年新,
//! as a public collector maps them: github.com/Kon-Kwok/Tourism_Xiangwang,
//! `bin/prepare_shop_kpi_api_to_json.py`) and 生意参谋's 客服绩效 figures (`domain.md` §2.2).

use kefu_core::platform::FigureKind::{self, *};

use super::values::{kind_of, norm};
use super::{PlatformKind, detect};

type Labels = &'static [(&'static str, Option<FigureKind>)];

const TUNED: Labels = &[
    ("咨询人数", Some(Count)),
    ("未回复人数", Some(Count)),
    ("有效接待人数", Some(Count)),
    ("平均响应时长", Some(Duration)),
    ("3分钟人工响应率", Some(Rate)),
    ("咨询客服人次", Some(Count)),
    ("旺旺回复率", Some(Rate)),
    ("首次响应时长", Some(Duration)),
    ("慢响应人数", Some(Count)),
    ("买家消息条数", Some(Count)),
    ("答问比", Some(Average)),
    ("客服字数", Some(Count)),
    ("平均接待时长", Some(Duration)),
    ("当日付款金额", Some(Money)),
    ("询单最终付款转化率", Some(Rate)),
    ("销售额", Some(Money)),
    ("销售量", Some(Count)),
    ("客单价", Some(Average)),
    ("客件数", Some(Average)),
    ("件均价", Some(Average)),
    ("净销售额", Some(Money)),
    ("人工接待会话量", Some(Count)),
    ("满意评价量", Some(Count)),
    ("客服服务分", Some(Average)),
    ("客服销售额(元)", Some(Money)),
    ("3分钟人工回复率(8-23点)", Some(Rate)),
    ("平均人工响应时长", Some(Duration)),
    ("评分≤3订单数", Some(Count)),
    ("客服可提升销售额", Some(Money)),
    ("客服询单支付额", Some(Money)),
    ("工作时间平响时长", Some(Duration)),
    ("全天首响时长", Some(Duration)),
    ("客服在线天数", Some(Count)),
    ("退款后销售额", Some(Money)),
    ("三分钟回复率（人维度）", Some(Rate)),
    ("人工平均回复时长", Some(Duration)),
    ("询单客单价", Some(Average)),
    ("促成下单商品金额", Some(Money)),
    ("平均响应时长（新）", Some(Duration)),
    ("30s应答率", Some(Rate)),
    ("好评量", Some(Count)),
    ("询单->最终付款人数", Some(Count)),
    ("邮费总额", Some(Money)),
    ("手工折扣率", Some(Rate)),
    ("平均接待时长(秒)", Some(Duration)),
    ("静默下单本人落实付款-金额", Some(Money)),
    ("客单价修", Some(Average)),
    ("询单人数延", Some(Count)),
    ("平均响应(秒)", Some(Duration)),
    ("成交笔数", Some(Count)),
    ("完成退款金额", Some(Money)),
    ("很满意", Some(Count)),
    ("最大同时聊天数", Some(Average)),
    ("客服账号", None),
    ("旺旺昵称", None),
];

const HELD_OUT: Labels = &[
    // 赤兔 人均日接入
    ("客服昵称", None),
    ("接待人数", Some(Count)),
    ("平均响应(秒)", Some(Duration)),
    ("回复率", Some(Rate)),
    ("询单->最终付款转化率", Some(Rate)),
    ("上班天数", Some(Count)),
    ("服务满意度评价参与率", Some(Rate)),
    ("客户满意率", Some(Rate)),
    ("服务满意度评价很满意", Some(Count)),
    ("服务满意度评价满意", Some(Count)),
    ("服务满意度评价一般", Some(Count)),
    ("服务满意度评价不满", Some(Count)),
    ("服务满意度评价很不满", Some(Count)),
    // 赤兔 每周店铺个人数据
    ("聊天人数(原咨询人数)", Some(Count)),
    ("询单人数", Some(Count)),
    ("销售人数", Some(Count)),
    ("销售订单数", Some(Count)),
    // 赤兔 客服数据23年新
    ("直接接入人数", Some(Count)),
    ("转发接入人数", Some(Count)),
    ("转出人数", Some(Count)),
    ("总消息数", Some(Count)),
    ("买家消息数", Some(Count)),
    ("客服消息数", Some(Count)),
    ("最大同时聊天数", Some(Average)),
    ("慢接待人数", Some(Count)),
    ("长接待人数", Some(Count)),
    ("首次响应(秒)", Some(Duration)),
    // 生意参谋 客服绩效 (§2.2)
    ("询单转化率", Some(Rate)),
    ("客服下单金额", Some(Money)),
    ("下单转化率", Some(Rate)),
    ("消息数", Some(Count)),
    ("问答比", Some(Average)),
    ("首次响应时长", Some(Duration)),
];

/// Headers of real reports and the kind each is (held out: the three 赤兔 reports).
const HELD_OUT_HEADERS: &[(&str, PlatformKind)] = &[
    (
        "客服昵称,接待人数,平均响应(秒),回复率,询单->最终付款转化率,上班天数,服务满意度评价参与率,客户满意率",
        PlatformKind::Chitu,
    ),
    (
        "客服昵称,聊天人数(原咨询人数),接待人数,询单人数,销售额,销售量,销售人数,销售订单数",
        PlatformKind::Chitu,
    ),
    (
        "客服昵称,聊天人数(原咨询人数),接待人数,直接接入人数,转发接入人数,转出人数,总消息数,买家消息数,\
         客服消息数,答问比,客服字数,最大同时聊天数,未回复人数,回复率,慢接待人数,长接待人数,首次响应(秒),\
         平均响应(秒),平均接待时长",
        PlatformKind::Chitu,
    ),
];

fn wrong(labels: Labels) -> Vec<String> {
    labels
        .iter()
        .filter(|(name, want)| kind_of(&norm(name)) != *want)
        .map(|(name, want)| format!("{name}: {:?}, labelled {want:?}", kind_of(&norm(name))))
        .collect()
}

#[test]
fn tuned_examples() {
    let wrong = wrong(TUNED);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn held_out_examples() {
    let wrong = wrong(HELD_OUT);
    println!(
        "held out: {} of {} column names classified as labelled",
        HELD_OUT.len() - wrong.len(),
        HELD_OUT.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    for (header, kind) in HELD_OUT_HEADERS {
        let h: Vec<String> = header.split(',').map(norm).collect();
        assert_eq!(detect(&h), Some(*kind), "{header}");
    }
}
