//! The `rainbownet backup …` subcommands and what each prints.

use std::path::PathBuf;

use clap::Subcommand;

use super::BackupError;

#[derive(Debug, PartialEq, Subcommand)]
pub enum Backup {
    /// Make a key for backups: an age X25519 identity in --out (0600), and print its public
    /// key (age1…) to give `backup create --recipient`. Keep the file apart from the server
    /// and its backups.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Take a consistent snapshot of every database under --data, the token seed and the
    /// data key, while `serve` goes on, with a manifest (counts, SHA-256 of each part),
    /// encrypted with age to every --recipient.
    Create {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// The backup file to write (replaced only once the new one is complete).
        #[arg(long)]
        to: PathBuf,
        /// A public key (age1…) that may open the backup; repeat for several.
        #[arg(long = "recipient")]
        recipients: Vec<String>,
        /// Write the backup unencrypted (patients' records in the clear: only for a disk
        /// that is encrypted itself).
        #[arg(long)]
        plaintext: bool,
    },
    /// Open a backup in a private temporary place and check it: the manifest, each part's
    /// SHA-256, `integrity_check` and `foreign_key_check`, the row counts. Exits non-zero
    /// on any fault.
    Verify {
        file: PathBuf,
        /// The key file from `backup keygen` (not needed for a --plaintext backup).
        #[arg(long)]
        identity: Option<PathBuf>,
    },
    /// Verify a backup, then make it the data directory --data (and its data key beside
    /// it) in one rename; recorded as `system.restore` in the restored audit log.
    Restore {
        file: PathBuf,
        #[arg(long)]
        identity: Option<PathBuf>,
        #[arg(long)]
        data: PathBuf,
        /// Replace a --data that is not empty (and a data key that differs).
        #[arg(long)]
        force: bool,
    },
    /// Write a town as SQL for D1 (a consistent snapshot; `serve` goes on): --out gets
    /// public.sql, care.sql and disaster.sql for `wrangler d1 execute --file` after `wrangler d1
    /// migrations apply`, auth-kv.json for `wrangler kv bulk put --binding AUTH_KV`, and
    /// secrets.json (token seed, data key) for `wrangler secret bulk`. Patients' records in
    /// the clear: keep --out private and remove it once loaded.
    ExportSql {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A new or empty directory (made 0700, every file 0600).
        #[arg(long)]
        out: PathBuf,
    },
    /// Make a data directory from `wrangler d1 export` files: --from holds public.sql, care.sql
    /// and disaster.sql (each exported with its schema; public.sql with --table for each table
    /// but the full-text ones, which D1 can not export), and where present auth-kv.json and
    /// secrets.json (without the data key, no TOTP seed opens: every account enrols again).
    ImportSql {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        data: PathBuf,
        /// Replace a --data that is not empty (and a data key that differs).
        #[arg(long)]
        force: bool,
    },
}

pub fn run(command: Backup) -> Result<(), BackupError> {
    match command {
        Backup::Keygen { out } => {
            let recipient = super::keygen(&out)?;
            println!("{recipient}");
            eprintln!(
                "wrote {}: keep it apart from the server and its backups; give the line above to `rainbownet backup create --recipient`",
                out.display()
            );
        }
        Backup::Create {
            data,
            to,
            recipients,
            plaintext,
        } => {
            let created = super::create(&data, &to, &recipients, plaintext)?;
            println!(
                "wrote {} ({} bytes, taken {}{})",
                to.display(),
                created.bytes,
                created.manifest.created_at,
                if plaintext && recipients.is_empty() {
                    ", NOT encrypted"
                } else {
                    ""
                }
            );
            for line in created.manifest.summary() {
                println!("  {line}");
            }
            if let Some(e) = created.recorded {
                eprintln!("warning: the admin page will not show this backup: {e}");
            }
        }
        Backup::Verify { file, identity } => {
            let manifest = super::verify(&file, identity.as_deref())?;
            println!(
                "ok: {} taken {} by rainbownet {}",
                file.display(),
                manifest.created_at,
                manifest.host_version
            );
            for line in manifest.summary() {
                println!("  {line}");
            }
        }
        Backup::Restore {
            file,
            identity,
            data,
            force,
        } => {
            let manifest = super::restore(&file, identity.as_deref(), &data, force)?;
            println!(
                "restored {} (taken {}) into {}",
                file.display(),
                manifest.created_at,
                data.display()
            );
            for line in manifest.summary() {
                println!("  {line}");
            }
        }
        Backup::ExportSql { data, out } => {
            let exported = super::export_sql::export(&data, &out)?;
            for (file, rows) in &exported.files {
                println!("wrote {} ({rows} rows)", file.display());
            }
            println!(
                "wrote {} ({} entries) and {}",
                out.join(super::export_sql::KV_FILE).display(),
                exported.kv_entries,
                out.join(super::export_sql::SECRETS_FILE).display()
            );
            eprintln!(
                "patients' records in the clear: load them (docs/operations.md, \"Moving a town\"), then remove {}",
                out.display()
            );
        }
        Backup::ImportSql { from, data, force } => {
            let dumps = super::import_sql::Dumps::from_dir(&from);
            let imported = super::import_sql::import(&dumps, &data, force)?;
            for (db, rows) in &imported.rows {
                println!("imported {db}: {rows} rows");
            }
            println!(
                "auth KV: {} entries; data directory {}{}",
                imported.kv_entries,
                data.display(),
                if dumps.secrets.is_none() {
                    " (no secrets.json: a new token seed and data key; TOTP seeds sealed under the old key do not open)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}
