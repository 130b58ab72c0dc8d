//! The backup file: a tar archive (the manifest first, then each part) encrypted with age,
//! or plain tar with `--plaintext`. Reading it takes only the names a backup holds, each
//! into a private directory, and checks them all before anything is used.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::BackupError;
use super::manifest::{self, Manifest, Part};
use super::snapshot::DATABASES;

pub(super) const SEED_FILE: &str = "token-seed.hex";
pub(super) const KEY_FILE: &str = "data.key";
const AGE_MAGIC: &[u8] = b"age-encryption.org/";

pub(super) fn private_file(path: &Path) -> Result<File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| BackupError::io(path, e))
}

/// The secrets a data directory needs besides its databases: the token seed kept in it and
/// the data key that seals second factors (kept beside it, or given by the environment).
pub fn stage_secrets(data: &Path, into: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let mut staged = Vec::new();
    let seed = data.join(SEED_FILE);
    if seed.is_file() {
        let target = into.join(SEED_FILE);
        let text = std::fs::read(&seed).map_err(|e| BackupError::io(&seed, e))?;
        private_file(&target)?
            .write_all(&text)
            .map_err(|e| BackupError::io(&target, e))?;
        staged.push(target);
    }
    let key = std::env::var(rainbownet_core::auth::sealed::DATA_KEY)
        .ok()
        .filter(|k| !k.trim().is_empty());
    let key = match key {
        Some(key) => Some(key),
        None => {
            let path = crate::store::private::data_key_path(data)
                .map_err(|e| BackupError::Damaged(e.to_string()))?;
            std::fs::read_to_string(&path).ok()
        }
    };
    if let Some(key) = key {
        let target = into.join(KEY_FILE);
        private_file(&target)?
            .write_all(key.trim().as_bytes())
            .map_err(|e| BackupError::io(&target, e))?;
        staged.push(target);
    }
    Ok(staged)
}

/// The manifest of the staged parts.
pub fn manifest_of(dir: &Path, parts: &[PathBuf]) -> Result<Manifest, BackupError> {
    let mut listed = Vec::new();
    for path in parts {
        let (bytes, sha256) = manifest::sha256_of(path)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        listed.push(Part {
            name,
            bytes,
            sha256,
        });
    }
    let mut databases = std::collections::BTreeMap::new();
    for name in DATABASES {
        databases.insert(
            name.to_owned(),
            manifest::facts(&dir.join(format!("{name}.sqlite")))?,
        );
    }
    Ok(Manifest {
        format: manifest::FORMAT,
        created_at: rainbownet_core::time::iso8601(crate::system::SystemClock::millis()),
        host_version: env!("CARGO_PKG_VERSION").to_owned(),
        parts: listed,
        databases,
    })
}

fn tar_into<W: Write>(out: W, manifest: &Manifest, parts: &[PathBuf]) -> std::io::Result<W> {
    let mut tar = tar::Builder::new(out);
    let json = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, manifest::FILE_NAME, json.as_slice())?;
    for part in parts {
        let name = part.file_name().unwrap_or_default();
        tar.append_path_with_name(part, name)?;
    }
    tar.into_inner()
}

/// Writes the archive to `to` (0600), encrypted to `recipients` when there are any: first
/// beside it, renamed once complete and on disk. Returns its size.
pub fn write(
    manifest: &Manifest,
    parts: &[PathBuf],
    to: &Path,
    recipients: &[age::x25519::Recipient],
) -> Result<u64, BackupError> {
    let partial = to.with_extension("partial");
    let io = |e| BackupError::io(&partial, e);
    let file = private_file(&partial)?;
    let file = if recipients.is_empty() {
        tar_into(file, manifest, parts).map_err(io)?
    } else {
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| BackupError::Damaged(e.to_string()))?;
        let sealed = encryptor.wrap_output(file).map_err(io)?;
        tar_into(sealed, manifest, parts)
            .and_then(|w| w.finish())
            .map_err(io)?
    };
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    drop(file);
    std::fs::rename(&partial, to).map_err(|e| BackupError::io(to, e))?;
    Ok(bytes)
}

fn identity_from(path: &Path) -> Result<age::x25519::Identity, BackupError> {
    let text = std::fs::read_to_string(path).map_err(|e| BackupError::io(path, e))?;
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| BackupError::BadIdentity(path.to_path_buf()))
}

/// Opens `file` into `into` and checks it; the manifest when every check passes.
pub fn open(file: &Path, identity: Option<&Path>, into: &Path) -> Result<Manifest, BackupError> {
    let mut input = BufReader::new(File::open(file).map_err(|e| BackupError::io(file, e))?);
    let mut head = [0u8; 32];
    let n = input
        .get_mut()
        .read(&mut head)
        .map_err(|e| BackupError::io(file, e))?;
    let encrypted = head[..n].starts_with(AGE_MAGIC);
    let input = BufReader::new(File::open(file).map_err(|e| BackupError::io(file, e))?);
    let reader: Box<dyn Read> = if encrypted {
        let identity = identity_from(identity.ok_or(BackupError::IdentityNeeded)?)?;
        let decryptor = age::Decryptor::new_buffered(input)
            .map_err(|e| BackupError::Damaged(format!("age header: {e}")))?;
        let stream = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => BackupError::WrongIdentity,
                other => BackupError::Damaged(other.to_string()),
            })?;
        Box::new(stream)
    } else {
        Box::new(input)
    };
    unpack(reader, into)?;
    let path = into.join(manifest::FILE_NAME);
    let text = std::fs::read(&path).map_err(|_| BackupError::Damaged("no manifest.json".into()))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Damaged(format!("manifest.json: {e}")))?;
    manifest.check(into)?;
    std::fs::remove_file(&path).map_err(|e| BackupError::io(&path, e))?;
    Ok(manifest)
}

/// Only the names a backup holds, as plain files, into `into`; anything else is damage.
fn unpack(reader: impl Read, into: &Path) -> Result<(), BackupError> {
    let allowed: Vec<String> = DATABASES
        .iter()
        .map(|d| format!("{d}.sqlite"))
        .chain([manifest::FILE_NAME, SEED_FILE, KEY_FILE].map(str::to_owned))
        .collect();
    let damaged = |e: std::io::Error| BackupError::Damaged(e.to_string());
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        if !allowed.contains(&name) || entry.header().entry_type() != tar::EntryType::Regular {
            return Err(BackupError::Damaged(format!("unexpected entry {name}")));
        }
        let target = into.join(&name);
        let mut out = private_file(&target)?;
        std::io::copy(&mut entry, &mut out).map_err(damaged)?;
        out.sync_all().map_err(|e| BackupError::io(&target, e))?;
    }
    Ok(())
}

/// The data key a restore puts beside `data`: taken out of the staged directory, refused
/// where another key is already in the way (unless `force`). `data` is created if needed,
/// for the key's place is named after it.
pub fn take_key(
    staged: &Path,
    data: &Path,
    force: bool,
) -> Result<Option<(PathBuf, String)>, BackupError> {
    let staged_key = staged.join(KEY_FILE);
    let Ok(key) = std::fs::read_to_string(&staged_key) else {
        return Ok(None);
    };
    std::fs::remove_file(&staged_key).map_err(|e| BackupError::io(&staged_key, e))?;
    crate::store::private::directory(data).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let path = crate::store::private::data_key_path(data)
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim() != key.trim()
        && !force
    {
        return Err(BackupError::KeyExists(path));
    }
    Ok(Some((path, key)))
}

/// `system.restore` in the restored care audit log: which file, taken when.
pub fn record_restore(staged: &Path, file: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let conn = rusqlite::Connection::open(staged.join("care.sqlite"))?;
    let millis = crate::system::SystemClock::millis();
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let random = random
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let id = ulid::Ulid::from_parts(u64::try_from(millis).unwrap_or(0), random).to_string();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, target, address, outcome, request_id) \
         VALUES (?1, ?2, 'cli', 'system.restore', ?3, NULL, 'allowed', NULL)",
        (
            &id,
            rainbownet_core::time::iso8601(millis),
            format!("{name} taken {}", manifest.created_at),
        ),
    )?;
    Ok(())
}

/// The staged directory becomes `data` (what was there moved aside and removed once the
/// new one is in place), and the key its file.
pub fn put_in_place(
    staged: tempfile::TempDir,
    data: &Path,
    key: Option<(PathBuf, String)>,
) -> Result<(), BackupError> {
    let key = match key {
        Some((path, text)) => {
            let partial = path.with_extension("key.partial");
            let mut file = private_file(&partial)?;
            file.write_all(text.trim().as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| BackupError::io(&partial, e))?;
            Some((partial, path))
        }
        None => None,
    };
    let aside = data.with_extension(format!("replaced-{}", std::process::id()));
    let had = data.exists();
    if had {
        std::fs::rename(data, &aside).map_err(|e| BackupError::io(data, e))?;
    }
    let staged = staged.keep();
    std::fs::rename(&staged, data).map_err(|e| BackupError::io(data, e))?;
    if let Some((partial, path)) = key {
        std::fs::rename(&partial, &path).map_err(|e| BackupError::io(&path, e))?;
    }
    if had {
        std::fs::remove_dir_all(&aside).map_err(|e| BackupError::io(&aside, e))?;
    }
    Ok(())
}

/// Tells the host serving `data` of the backup just written (the admin page shows it), in
/// the `auth` KV store it reads.
pub fn record_last_backup(
    data: &Path,
    last: &rainbownet_core::operations::LastBackup,
) -> Result<(), BackupError> {
    let conn = rusqlite::Connection::open(data.join("kv.sqlite"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let value = serde_json::to_vec(last).map_err(|e| BackupError::Damaged(e.to_string()))?;
    conn.execute(
        "INSERT INTO kv (store, key, value, expires_at) VALUES (?1, ?2, ?3, NULL) \
         ON CONFLICT (store, key) DO UPDATE SET value = excluded.value, expires_at = NULL",
        (
            rainbownet_core::ports::KvStore::Auth.label(),
            rainbownet_core::operations::LAST_BACKUP_KEY,
            value,
        ),
    )?;
    Ok(())
}
