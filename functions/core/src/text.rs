//! Japanese text folding for search: NFKC (full/half width, so ﾀｲｿｳ is タイソウ and ＡＢＣ
//! is ABC), katakana to hiragana (so たいそう finds タイソウ), lower case, single spaces.
//! Stored text and queries are folded the same way, so matching is plain comparison.

use unicode_normalization::UnicodeNormalization;

pub fn fold(s: &str) -> String {
    // Most text (names already in full-width kana and ASCII digits) is NFKC as it stands:
    // the quick check spares the decomposition, which was most of ranking 5,000 names.
    if unicode_normalization::is_nfkc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        fold_normalized(s.len(), s.chars())
    } else {
        fold_normalized(s.len(), s.nfkc())
    }
}

fn fold_normalized(len: usize, chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(len);
    let mut space = false;
    for c in chars {
        // Control characters (a NUL in a query string) separate words like spaces do; kept,
        // a NUL would end the pattern early in SQLite's full-text index.
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            // Katakana ァ..ヶ map onto hiragana ぁ..ゖ, 0x60 code points lower.
            'ァ'..='ヶ' => out.push(char::from_u32(c as u32 - 0x60).unwrap_or(c)),
            'ヽ' => out.push('ゝ'),
            'ヾ' => out.push('ゞ'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            // Kana and kanji have no case: the table lookup of `to_lowercase` for each was
            // half of folding a Japanese name.
            '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' => out.push(c),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// NFKC only (full-width ＡＢ１２ to AB12), trimmed: for codes and numbers people type,
/// whose case matters.
pub fn nfkc(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_owned()
}

/// Each distinct pair of neighbouring characters of folded `text`, within words, joined by
/// spaces: the tokens of the two-character index (`resources_bigrams`; the migration fills
/// old rows by the same rule).
pub fn bigrams(text: &str) -> String {
    let mut seen: Vec<[char; 2]> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for pair in chars.windows(2) {
        let pair = [pair[0], pair[1]];
        if pair.iter().all(|c| *c != ' ') && !seen.contains(&pair) {
            seen.push(pair);
        }
    }
    seen.iter()
        .map(|p| p.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the two-character index can answer `term`: two characters that its tokenizer
/// keeps whole (letters and digits of any script).
pub fn is_bigram(term: &str) -> bool {
    term.chars().count() == 2 && term.chars().all(char::is_alphanumeric)
}

/// A LIKE pattern matching `term` anywhere, with `\` as the escape character.
pub fn like_contains(term: &str) -> String {
    let mut pattern = String::from("%");
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An FTS5 query that matches `term` as one phrase, whatever characters it holds.
pub fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass through).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_without_case_are_kept_as_lowercasing_would_keep_them() {
        for code in 0..0x3_0000u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if c.is_whitespace()
                || c.is_control()
                || ('ァ'..='ヶ').contains(&c)
                || "ヽヾ".contains(c)
            {
                continue;
            }
            let mut expected = String::new();
            expected.extend(c.to_lowercase());
            assert_eq!(fold_normalized(4, std::iter::once(c)), expected, "{c:?}");
        }
    }

    #[test]
    fn the_quick_path_folds_as_full_normalization_does() {
        for text in [
            "ふれあいサロン12345",
            "ﾀｲｿｳ教室",
            "ＡＢＣ　サロン１２３",
            "ガ ｶﾞ か\u{3099}",
            "㈱ひまわり ①番 ㍻",
            "Ｍｉｘｅｄ Case ÅΩ",
        ] {
            assert_eq!(
                fold(text),
                fold_normalized(text.len(), text.nfkc()),
                "{text}"
            );
        }
        assert_eq!(fold("ｶﾞｲﾄﾞ ＡＢ"), "がいど ab");
    }

    #[test]
    fn control_characters_separate_words() {
        assert_eq!(fold("\0abc"), "abc");
        assert_eq!(fold("体操\0教室\u{7}"), "体操 教室");
    }

    #[test]
    fn folds_kana_width_and_case() {
        assert_eq!(fold("タイソウ教室"), "たいそう教室");
        assert_eq!(fold("ﾀｲｿｳｷｮｳｼﾂ"), "たいそうきょうしつ");
        assert_eq!(fold("ガッコウ"), fold("ｶﾞｯｺｳ"));
        assert_eq!(fold("ＡＢＣ　Ｓａｌｏｎ  1"), "abc salon 1");
        assert_eq!(fold("  いきいき\tサロン "), "いきいき さろん");
    }

    #[test]
    fn bigrams_are_distinct_pairs_within_words() {
        assert_eq!(
            bigrams("いきいき体操 清須市"),
            "いき きい き体 体操 清須 須市"
        );
        assert_eq!(bigrams("a"), "");
        assert!(is_bigram("体操") && is_bigram("ab") && !is_bigram("・体") && !is_bigram("体"));
    }

    #[test]
    fn like_and_fts_quote_their_input() {
        assert_eq!(like_contains("10%_\\"), "%10\\%\\_\\\\%");
        assert_eq!(fts_phrase("a\"b OR c"), "\"a\"\"b OR c\"");
    }
}
