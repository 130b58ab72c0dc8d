//! Files on a patient's timeline: images and PDFs, at most 5 MiB, whose bytes must be
//! what their declared type says (a renamed executable is refused). Uploaded first, then
//! named by a post; read back only by the care team, and every upload and read audited.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::family_caller::Reader;
use super::patients::Member;
use crate::auth::keys::to_hex;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, StoreError};

pub const MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Serialize, Clone)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
}

impl Attachment {
    pub fn from_row(row: &Row<'_>) -> Result<Attachment, StoreError> {
        Ok(Attachment {
            id: row.text("id")?.to_owned(),
            name: row.text("name")?.to_owned(),
            content_type: row.text("content_type")?.to_owned(),
            size: row.int("size")?,
            sha256: row.text("sha256")?.to_owned(),
            created_at: row.text("created_at")?.to_owned(),
        })
    }
}

pub const COLUMNS: &str = "id, post_id, name, content_type, size, sha256, created_at";

/// The type the bytes themselves announce (magic numbers), if it is one we take.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file name fit to show and to put in a header: no path, no control characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".into()
    } else {
        cleaned
    }
}

/// Stores an uploaded file for the patient; a post names it afterwards.
pub async fn upload(
    env: &Env,
    req: &Request,
    member: &Member,
    name: &str,
    declared_type: &str,
    bytes: &[u8],
) -> Result<Attachment, Error> {
    let declared = declared_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut errors = Vec::new();
    if bytes.is_empty() || bytes.len() > MAX_BYTES {
        errors.push(FieldError::new(
            "file",
            "1 byte to 5 MiB",
            "ファイルは5MiBまでです",
        ));
    }
    match sniff(bytes) {
        Some(actual) if actual == declared => {}
        Some(actual) => errors.push(FieldError::new(
            "file",
            format!("the file is {actual}, not {declared}"),
            format!("ファイルの中身（{actual}）が種類（{declared}）と一致しません"),
        )),
        None => errors.push(FieldError::new(
            "file",
            "only PNG, JPEG, WebP images and PDF files",
            "画像（PNG・JPEG・WebP）とPDFのみ添付できます",
        )),
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = env.new_id();
    let attachment = Attachment {
        id: id.clone(),
        name: clean_name(name),
        content_type: declared,
        size: bytes.len() as i64,
        sha256: to_hex(&Sha256::digest(bytes)),
        created_at: crate::time::iso8601(env.clock.now_millis()),
    };
    let mut statements = vec![crate::ports::Statement::new(
        "INSERT INTO attachments (id, patient_id, name, content_type, size, sha256, uploaded_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        vec![
            id.clone().into(),
            member.patient.clone().into(),
            attachment.name.clone().into(),
            attachment.content_type.clone().into(),
            attachment.size.into(),
            attachment.sha256.clone().into(),
            member.caller.sub.clone().into(),
            attachment.created_at.clone().into(),
        ],
    )];
    statements.extend(crate::blob::put(&id, bytes));
    statements.push(member.audited(env, req, "attachment.upload"));
    env.sql(Database::Care).await?.batch(&statements).await?;
    Ok(attachment)
}

/// The file and its bytes, if it belongs to the member's patient.
pub async fn download(
    env: &Env,
    req: &Request,
    by: &Reader,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>), Error> {
    // The family reaches only the files of posts the team shared with them.
    let shared_only = match by {
        Reader::Team(_) => 0,
        Reader::Family(_) => 1,
    };
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT {COLUMNS} FROM attachments WHERE id = ?1 AND patient_id = ?2 \
                 AND (?3 = 0 OR post_id IN (SELECT id FROM posts WHERE share_with_family = 1))"
            ),
            &[
                attachment_id.into(),
                by.patient().into(),
                i64::from(shared_only).into(),
            ],
        )
        .await?;
    let attachment = Attachment::from_row(&rows.first().ok_or(Error::NotFound)?)?;
    let bytes = crate::blob::get(sql.as_ref(), attachment_id)
        .await?
        .ok_or_else(|| Error::Internal(format!("attachment {attachment_id} has no bytes")))?;
    by.record(env, req, "attachment.read").await?;
    Ok((attachment, bytes))
}

/// The response for a stored file: its own type (checked at upload), never cached by
/// anyone, and a PDF downloaded rather than opened inside our origin.
pub fn response(attachment: &Attachment, bytes: Vec<u8>) -> crate::http::Response {
    use ::http::{HeaderValue, header};
    let mut response = crate::http::Response::new(bytes);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&attachment.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    let disposition = if attachment.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    // RFC 8187: the name as UTF-8, percent-encoded but for the unreserved characters.
    let encoded: String = attachment
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"file\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_decide_the_type() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"MZ\x90\0"), None);
    }

    #[test]
    fn names_lose_paths_and_controls() {
        assert_eq!(clean_name("C:\\Users\\x\\写真 1.png"), "写真 1.png");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_name(""), "file");
    }
}
