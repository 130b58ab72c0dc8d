//! `rainbownet backup`: a town's data back after a lost disk. `create` takes one consistent
//! snapshot of a data directory (a running host goes on serving) with a manifest, in a tar
//! archive encrypted with age to the recipients given; `verify` decrypts it to a private
//! temporary place and checks every part; `restore` verifies, then puts the data in place
//! in one rename, so a failure leaves nothing behind, and records `system.restore` in the
//! restored audit log.

mod archive;
pub mod command;
pub mod export_sql;
pub mod import_sql;
mod manifest;
mod snapshot;
mod tables;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use manifest::Manifest;

/// Each failure says what happened and what to do, in one line.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "{0}: not a RainbowNet data directory ({1} is missing): give the --data of `rainbownet serve`"
    )]
    NotData(PathBuf, PathBuf),
    #[error(
        "no recipient: give --recipient age1… (from `rainbownet backup keygen`), or --plaintext to write an unencrypted backup"
    )]
    NoRecipient,
    #[error("{0}: not an age recipient (age1…): copy the line `rainbownet backup keygen` printed")]
    BadRecipient(String),
    #[error(
        "{0}: no age identity (AGE-SECRET-KEY-1…) in it: give the file `rainbownet backup keygen --out` wrote"
    )]
    BadIdentity(PathBuf),
    #[error("the backup is encrypted: give --identity with the key it was made for")]
    IdentityNeeded,
    #[error("the identity does not open this backup: it was made for another key")]
    WrongIdentity,
    #[error("the backup is damaged ({0}): use another copy; this one can not be trusted")]
    Damaged(String),
    #[error("backup format {0} is not one this rainbownet reads ({f}): restore with the version that made it", f = manifest::FORMAT)]
    Format(u32),
    #[error(
        "{0} is not empty: restore into a new directory, or add --force to replace what is there"
    )]
    NotEmpty(PathBuf),
    #[error(
        "{0} exists and differs from the backup's key: move it away, or add --force to replace it"
    )]
    KeyExists(PathBuf),
    #[error("{0} is not empty: give a new directory to export into")]
    ExportExists(PathBuf),
    #[error("{0}: can not be moved as SQL: this schema is not one export-sql knows how to carry")]
    Unmovable(String),
    #[error(
        "{0}: not a `wrangler d1 export` this rainbownet can read ({1}): export again with the schema (without --no-schema)"
    )]
    Dump(PathBuf, String),
    #[error(
        "{0}: made by a newer RainbowNet ({1} is unknown here): import it with that version, or upgrade this one"
    )]
    Newer(PathBuf, String),
    #[error("{0}: not the JSON `backup export-sql` writes ({1})")]
    Json(PathBuf, String),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("SQLite: {0}: is the data directory readable, and the disk not full?")]
    Sqlite(#[from] rusqlite::Error),
}

impl BackupError {
    pub fn io(path: &Path, e: std::io::Error) -> BackupError {
        BackupError::Io(path.to_path_buf(), e)
    }
}

/// `backup keygen`: a new age X25519 identity in `out` (0600, refused if it exists); the
/// recipient to give `backup create` is returned.
pub fn keygen(out: &Path) -> Result<String, BackupError> {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(out).map_err(|e| BackupError::io(out, e))?;
    let text = format!(
        "# RainbowNet backup key: keep it apart from the backups and the server.\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    );
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| BackupError::io(out, e))?;
    Ok(recipient)
}

/// What `backup create` wrote.
pub struct Created {
    pub manifest: Manifest,
    pub bytes: u64,
    /// Why the running host could not be told of this backup (the backup itself stands).
    pub recorded: Option<BackupError>,
}

/// `backup create`: a snapshot of `data` in `to`, encrypted to `recipients` unless
/// `plaintext`. Written beside `to` and renamed into place once complete.
pub fn create(
    data: &Path,
    to: &Path,
    recipients: &[String],
    plaintext: bool,
) -> Result<Created, BackupError> {
    let recipients = recipients
        .iter()
        .map(|r| {
            r.trim()
                .parse::<age::x25519::Recipient>()
                .map_err(|_| BackupError::BadRecipient(r.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if recipients.is_empty() && !plaintext {
        return Err(BackupError::NoRecipient);
    }
    let staging = tempfile::tempdir().map_err(|e| BackupError::io(Path::new("temp dir"), e))?;
    let mut parts = snapshot::databases(data, staging.path())?;
    parts.extend(archive::stage_secrets(data, staging.path())?);
    let manifest = archive::manifest_of(staging.path(), &parts)?;
    let bytes = archive::write(&manifest, &parts, to, &recipients)?;
    let last = rainbownet_core::operations::LastBackup {
        at: manifest.created_at.clone(),
        file: to.display().to_string(),
        bytes,
        encrypted: !recipients.is_empty(),
    };
    let recorded = archive::record_last_backup(data, &last).err();
    Ok(Created {
        manifest,
        bytes,
        recorded,
    })
}

/// `backup verify`: the backup opened in a private temporary place and checked; its
/// manifest when every check passes.
pub fn verify(file: &Path, identity: Option<&Path>) -> Result<Manifest, BackupError> {
    let staging = tempfile::tempdir().map_err(|e| BackupError::io(Path::new("temp dir"), e))?;
    archive::open(file, identity, staging.path())
}

/// `backup restore`: `file` verified, then put in place as `data` (and its data key beside
/// it) in one rename. A `data` that holds anything is refused unless `force`.
pub fn restore(
    file: &Path,
    identity: Option<&Path>,
    data: &Path,
    force: bool,
) -> Result<Manifest, BackupError> {
    let staging = staging_beside(data, force, ".rainbownet-restore-")?;
    let manifest = archive::open(file, identity, staging.path())?;
    let absent = !data.exists();
    let placed = archive::take_key(staging.path(), data, force).and_then(|key| {
        archive::record_restore(staging.path(), file, &manifest)?;
        archive::put_in_place(staging, data, key)
    });
    leave_nothing(absent, data, placed)?;
    Ok(manifest)
}

/// A private directory beside `data` for what will become it (so that the last step is a
/// rename on one file system); a `data` that holds anything is refused unless `force`.
pub(crate) fn staging_beside(
    data: &Path,
    force: bool,
    prefix: &str,
) -> Result<tempfile::TempDir, BackupError> {
    let occupied = std::fs::read_dir(data)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if occupied && !force {
        return Err(BackupError::NotEmpty(data.to_path_buf()));
    }
    let parent = match data.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&parent)
        .map_err(|e| BackupError::io(&parent, e))?;
    crate::store::private::directory(staging.path())
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    Ok(staging)
}

/// `take_key` makes `data` so that the key's place can be named; a failure after it must
/// not leave that empty directory behind (`remove_dir` removes only an empty one).
pub(crate) fn leave_nothing<T>(
    absent: bool,
    data: &Path,
    result: Result<T, BackupError>,
) -> Result<T, BackupError> {
    if result.is_err() && absent {
        let _ = std::fs::remove_dir(data);
    }
    result
}
