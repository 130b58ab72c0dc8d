//! What the results and the resource pages both say about evacuation sites and shelters.

use crate::resources::Resource;

/// What residents call 避難所 is two things; a page about either says which is which.
pub(super) const EVACUATION_NOTE: &str = "<aside class=\"note\" role=\"note\"><p><strong>避難場所と避難所のちがい</strong>：\
<strong>指定緊急避難場所</strong>は、命を守るためにまず逃げる場所で、災害の種類（洪水・地震など）ごとに指定されています。\
<strong>指定避難所</strong>は、家に戻れないときに一定期間過ごす場所です。\
逃げるときは、いま起きている災害に「対応」している避難場所を選んでください。</p></aside>\n";

/// 「対応する災害：洪水・地震（指定避難所を兼ねる）」 for evacuation sites and shelters.
pub(super) fn designation_line(r: &Resource) -> Option<String> {
    let f = &r.fields;
    match f.category.as_str() {
        "disaster.evacuation_site" => {
            let hazards = if f.hazards.is_empty() {
                "指定なし".to_owned()
            } else {
                f.hazards.label_ja()
            };
            let shelter = if f.shelter == Some(true) {
                "（指定避難所を兼ねる）"
            } else {
                ""
            };
            Some(format!("対応する災害：{hazards}{shelter}"))
        }
        "disaster.shelter" => Some("指定避難所（滞在する場所）".into()),
        _ => None,
    }
}
