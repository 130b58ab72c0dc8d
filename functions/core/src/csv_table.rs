//! Reading the CSV files municipalities publish: UTF-8 (with or without BOM) or
//! Shift_JIS/CP932, CRLF or LF, a header row matched after folding (full/half width), and
//! every record with the line number people see in their editor. Shared by the resource
//! and patient imports.

use serde::Serialize;

use crate::error::{Error, FieldError};

#[derive(Debug, Serialize, PartialEq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
    pub reason_ja: String,
}

/// 性別 as municipal exports write it (男/女, 1/2, M/F); blank or 不明 is unknown.
pub fn sex(text: &str) -> Option<&'static str> {
    match text.trim() {
        "女" | "女性" | "2" | "F" | "f" => Some("female"),
        "男" | "男性" | "1" | "M" | "m" => Some("male"),
        "" | "不明" | "9" => Some("unknown"),
        _ => None,
    }
}

/// A consent or yes/no box (有/無, ○/×, 1/0, はい/いいえ); blank is no.
pub fn yes_no(text: &str) -> Option<bool> {
    match crate::text::fold(text).as_str() {
        "有" | "あり" | "○" | "〇" | "1" | "同意" | "同意する" | "同意あり" | "はい" => {
            Some(true)
        }
        "無" | "なし" | "" | "0" | "×" | "同意しない" | "同意なし" | "不同意" | "いいえ" => {
            Some(false)
        }
        _ => None,
    }
}

pub fn file_error(en: &str, ja: &str) -> Error {
    Error::Validation(vec![FieldError::new("file", en, ja)])
}

/// Text of the file: UTF-16 with its BOM (Excel's 「Unicode テキスト」, as 新宿区 publishes),
/// UTF-8 (a BOM is dropped) when it is valid UTF-8, otherwise Shift_JIS as Windows writes it
/// (CP932, which is what encoding_rs's SHIFT_JIS decodes).
pub fn decode(bytes: &[u8]) -> Result<String, Error> {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(file_error(
                "the file starts as UTF-16 but is not UTF-16 text",
                "ファイルが UTF-16 として読めません",
            ));
        }
        return Ok(text.into_owned());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(file_error(
            "the file is neither UTF-8 nor Shift_JIS text",
            "ファイルの文字コードが UTF-8 でも Shift_JIS でもありません",
        ));
    }
    Ok(text.into_owned())
}

/// File line numbers (from 1) of byte offsets: the csv crate's own line count is off by one
/// for CRLF files, and people check errors against the line their editor shows.
pub struct Lines {
    text: Vec<u8>,
    newlines: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        Lines {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
            text: text.as_bytes().to_vec(),
        }
    }

    /// The line of the record that starts at `byte`. The reader may report a record as
    /// starting on the previous line's terminator (the `\n` of a CRLF), so line ends are
    /// skipped first.
    pub fn at(&self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while self
            .text
            .get(start)
            .is_some_and(|b| *b == b'\r' || *b == b'\n')
        {
            start += 1;
        }
        self.newlines.partition_point(|&nl| nl < start) as u64 + 1
    }
}

/// A whole file: folded headers, the records with their file lines, unreadable rows.
pub struct Table {
    pub headers: Vec<String>,
    pub records: Vec<(u64, csv::StringRecord)>,
    pub errors: Vec<RowError>,
}

impl Table {
    /// The first column named any of `names` (compared after folding).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| {
            let wanted = crate::text::fold(n);
            self.headers.iter().position(|h| *h == wanted)
        })
    }
}

/// Reads every record; blank rows are skipped, unreadable ones become errors.
pub fn read(bytes: &[u8]) -> Result<Table, Error> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            file_error(
                &format!("the header row can not be read: {e}"),
                "見出し行を読めません",
            )
        })?
        .iter()
        .map(crate::text::fold)
        .collect();
    let lines = Lines::new(&text);
    let mut table = Table {
        headers,
        records: Vec::new(),
        errors: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    loop {
        let line = lines.at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                table.errors.push(RowError {
                    line,
                    reason: format!("unreadable row: {e}"),
                    reason_ja: "行を読めません".into(),
                });
                continue;
            }
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(line, |p| lines.at(p.byte()));
        table.records.push((line, record.clone()));
    }
    Ok(table)
}

/// A cell as a spreadsheet will take it as text: one that begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return would be run as a formula (`=HYPERLINK(…)`, `@SUM(…)`), so
/// it gets a leading `'` (OWASP's advice). Numbers such as `-3` or `+1.5` stay numbers.
pub fn neutralize(cell: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let risky = matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let number = |c: &[u8]| {
        let digits = &c[1..];
        !digits.is_empty()
            && digits.iter().all(|b| b.is_ascii_digit() || *b == b'.')
            && digits.first().is_some_and(u8::is_ascii_digit)
            && digits.iter().filter(|b| **b == b'.').count() <= 1
    };
    if risky && !(matches!(cell.first(), Some(b'-' | b'+')) && number(cell)) {
        let mut safe = Vec::with_capacity(cell.len() + 1);
        safe.push(b'\'');
        safe.extend_from_slice(cell);
        std::borrow::Cow::Owned(safe)
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A CSV for people: UTF-8 with a BOM (so that Excel reads the Japanese) and CRLF. Every
/// cell is [`neutralize`]d, so no value from a user or a file can become a formula.
pub fn write<R, F>(header: &[&str], rows: R) -> Result<Vec<u8>, Error>
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    // Writing into memory fails only on a bug of ours, never on the client's input.
    let failed =
        |e: csv::Error| Error::Store(crate::ports::StoreError::Backend(format!("csv: {e}")));
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(header).map_err(failed)?;
        for row in rows {
            writer
                .write_record(row.iter().map(|cell| neutralize(cell.as_ref())))
                .map_err(failed)?;
        }
        writer.flush().map_err(|e| failed(e.into()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        let out = write(
            &["a", "b"],
            [
                vec!["=1+1", "+81 52-000-0000"],
                vec!["@SUM(A1)", "-3"],
                vec!["\tx", "\rx"],
                vec!["-", "+1.5"],
                vec!["普通の文字", "=HYPERLINK(\"http://evil\")"],
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[1], "'=1+1,'+81 52-000-0000");
        assert_eq!(lines[2], "'@SUM(A1),-3");
        assert_eq!(lines[3], "'\tx,\"'\rx\"");
        assert_eq!(lines[4], "'-,+1.5");
        assert_eq!(lines[5], "普通の文字,\"'=HYPERLINK(\"\"http://evil\"\")\"");
    }
}
