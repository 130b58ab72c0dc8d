//! The `rainbownet` command line.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use rainbownet_core::demo;
use rainbownet_core::ports::Database;

use crate::manifest::Manifest;
use crate::server::{self, Host};
use crate::store::DataDir;

/// The command line, with `--help` for every command.
#[derive(Debug, Parser)]
#[command(
    name = "rainbownet",
    version,
    about = "RainbowNet — regional medical, care and welfare collaboration (地域包括ケア)",
    after_help = "Environment: RAINBOWNET_ADMIN_TOKEN (bootstrap administrator token), \
                  RAINBOWNET_DATA_KEY or RAINBOWNET_DATA_KEY_FILE (the key that seals TOTP seeds), \
                  RAINBOWNET_JWT_SEED, RAINBOWNET_PUBLIC_ORIGIN; see docs/operations.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, PartialEq, Subcommand)]
pub enum Command {
    /// Serve every function and the web client on one port, over embedded SQLite under
    /// --data (created on first start).
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Load the demo region (清須市, 北名古屋市, 豊山町); loading it again changes nothing.
        #[arg(long)]
        demo: bool,
    },
    /// Import a file: open-data resources, the disaster register, or patients.
    #[command(subcommand)]
    Import(Import),
    /// Professionals' accounts.
    #[command(subcommand)]
    User(User),
    /// Keys of this deployment.
    #[command(subcommand)]
    Keys(Keys),
    /// The municipalities of this network (a town must be one before its data is imported).
    #[command(subcommand)]
    Municipality(Municipality),
    /// Backups: a key, a snapshot while serving, a check, a restore.
    #[command(subcommand)]
    Backup(crate::backup::command::Backup),
    /// Create or upgrade the databases under --data, then exit.
    Migrate {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// Print the demo data of one database as SQL, for `wrangler d1 execute --file`.
    DemoSql {
        /// public, care or disaster.
        #[arg(value_parser = database)]
        db: Database,
    },
    /// Print the routes and store grants read from spin.toml.
    Routes,
}

#[derive(Debug, PartialEq, Subcommand)]
pub enum Import {
    /// A standard open-data CSV, v1 or v2 (介護サービス事業所一覧, 医療機関一覧, 公衆トイレ一覧,
    /// AED設置箇所一覧, 指定緊急避難場所一覧, 公共施設一覧, 子育て施設一覧), UTF-8, Shift_JIS or
    /// UTF-16. The dataset is recognised by its columns, which the report names. Bad rows are
    /// reported by line; importing the same file again changes nothing.
    Resources {
        /// The 5-digit code of the town the file is about.
        #[arg(long)]
        municipality: String,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        file: PathBuf,
    },
    /// Open Referral HSDS 3.0 services (JSON: a `/services` page with `contents`, a list of
    /// services, or one): each service's category from its attributes' taxonomy codes,
    /// hazards, schedules, position and phone. Importing the same file again changes nothing.
    Hsds {
        /// The 5-digit code of the town the services are in.
        #[arg(long)]
        municipality: String,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        file: PathBuf,
    },
    /// The register of people who need help in an evacuation (避難行動要支援者名簿), CSV in
    /// UTF-8 or Shift_JIS. Bad rows are reported by line; a re-run changes nothing.
    Register {
        #[arg(long)]
        municipality: String,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        file: PathBuf,
    },
    /// Patients from the town's export of care-certification applications with the consent
    /// box. Rows with consent register the patient with a care team led by --as; rows
    /// without are counted and skipped; a re-run changes nothing. Audited as --as.
    Patients {
        #[arg(long)]
        municipality: String,
        /// The staff member (municipal staff of that town) who opens each care team.
        #[arg(long = "as", value_name = "EMAIL")]
        on_behalf_of: String,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        file: PathBuf,
    },
}

#[derive(Debug, PartialEq, Subcommand)]
pub enum User {
    /// Register a professional (the first administrator, say). The password is read from
    /// standard input; the TOTP enrolment URI is printed for the authenticator app.
    Add(NewUser),
}

#[derive(Debug, PartialEq, clap::Args)]
pub struct NewUser {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// physician, nurse, pharmacist, dentist, care_manager, care_worker, therapist,
    /// social_worker or municipal_staff.
    #[arg(long)]
    pub profession: String,
    /// One or more of professional, org_admin, municipal_staff, disaster_hq, sysadmin.
    #[arg(long = "role", value_delimiter = ',', required = true)]
    pub roles: Vec<String>,
    /// The organization's name; made if it is new.
    #[arg(long)]
    pub organization: String,
    /// clinic, hospital, visiting_nurse_station, pharmacy, dental_clinic,
    /// care_management_office, care_service, municipality or support_centre.
    #[arg(long)]
    pub organization_kind: String,
    #[arg(long)]
    pub municipality: String,
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
}

#[derive(Debug, PartialEq, Subcommand)]
pub enum Municipality {
    /// Add a municipality (or replace its name and position): its 5-digit code
    /// (全国地方公共団体コード without the check digit) and name.
    Add {
        code: String,
        name: String,
        /// The name in kana (きよすし).
        #[arg(long)]
        kana: String,
        /// The name in English (Kiyosu).
        #[arg(long)]
        name_en: String,
        /// The prefecture (愛知県).
        #[arg(long)]
        prefecture: String,
        /// Latitude of the town hall (or the town's centre).
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        #[arg(long, allow_negative_numbers = true)]
        lng: f64,
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// List the municipalities of this network.
    List {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Debug, PartialEq, Subcommand)]
pub enum Keys {
    /// Print the public key that verifies access tokens (of RAINBOWNET_JWT_SEED when set,
    /// else of the seed under --data), for RAINBOWNET_JWT_PUBLIC_KEY on the other functions.
    Public {
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

fn database(label: &str) -> Result<Database, String> {
    Database::from_label(label)
        .ok_or_else(|| format!("unknown database {label}: use public, care or disaster"))
}

pub fn run(command: Command) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match command {
        Command::Routes => {
            let manifest = Manifest::parse(crate::embedded::SPIN_TOML)?;
            for route in &manifest.routes {
                println!("{:<32} {}", route.pattern, route.component);
            }
            for (component, grants) in &manifest.grants {
                println!("{component}: sql {:?}, kv {:?}", grants.sql, grants.kv);
            }
        }
        Command::DemoSql { db } => print!("{}", demo::script(db)),
        Command::Keys(Keys::Public { data }) => {
            // A seed given in the environment needs no data directory: deriving its public
            // key must not create one (and a data key beside it) where the command runs.
            if let Ok(seed) = std::env::var(rainbownet_core::settings::JWT_SEED.name) {
                use rainbownet_core::auth::{keys, token};
                let seed = keys::from_hex(seed.trim())
                    .ok_or("RAINBOWNET_JWT_SEED must be 64 hex characters")?;
                println!("{}", keys::to_hex(&token::public_key(&seed)));
                return Ok(());
            }
            let data_dir = DataDir::open(&data)?;
            let key = data_dir
                .config_defaults
                .iter()
                .find(|(k, _)| *k == rainbownet_core::auth::keys::PUBLIC_KEY_KEY)
                .map(|(_, v)| v.clone())
                .ok_or("no token key")?;
            println!("{key}");
        }
        Command::User(User::Add(user)) => add_user(user)?,
        Command::Municipality(Municipality::Add {
            code,
            name,
            kana,
            name_en,
            prefecture,
            lat,
            lng,
            data,
        }) => {
            use rainbownet_core::public::municipalities::{MunicipalityInput, upsert};
            let env = function_env(&data, crate::functions::Component::Portal)?;
            let input = MunicipalityInput {
                name,
                name_kana: kana,
                name_en,
                prefecture,
                lat,
                lng,
            };
            let (town, created) =
                pollster::block_on(upsert(&env, &code, input)).map_err(describe)?;
            // A running host's pages name the town: they are made again.
            pollster::block_on(rainbownet_portal::invalidate_pages(&env));
            let what = if created { "added" } else { "updated" };
            println!("{what} {} {} ({})", town.code, town.name, town.prefecture);
        }
        Command::Municipality(Municipality::List { data }) => {
            let env = function_env(&data, crate::functions::Component::Portal)?;
            let towns = pollster::block_on(rainbownet_core::public::municipalities::list(&env))
                .map_err(describe)?;
            for town in towns {
                println!(
                    "{}  {}（{}） {}  {:.4}, {:.4}",
                    town.code, town.name, town.name_kana, town.prefecture, town.lat, town.lng
                );
            }
        }
        Command::Import(
            Import::Resources {
                data,
                municipality,
                file,
            }
            | Import::Hsds {
                data,
                municipality,
                file,
            },
        ) => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let env = function_env(&data, crate::functions::Component::Portal)?;
            let mut progress = |done: usize, total: usize| {
                let width = 30;
                let filled = (done * width)
                    .checked_div(total)
                    .unwrap_or(width)
                    .min(width);
                eprint!(
                    "\r[{}{}] {done}/{total}",
                    "#".repeat(filled),
                    " ".repeat(width - filled)
                );
            };
            let report = pollster::block_on(rainbownet_core::resources::import::import(
                &env,
                &municipality,
                &bytes,
                &mut progress,
            ));
            eprintln!();
            // A running host beside this command makes its pages and searches again when a
            // place changed (they showed the old places for up to a day).
            if report.as_ref().is_ok_and(|r| r.imported + r.updated > 0) {
                pollster::block_on(rainbownet_portal::invalidate_pages(&env));
            }
            let report = report.map_err(describe)?;
            println!("{} ({})", report.dataset_label, file.display());
            if !report.detected_by.is_empty() {
                println!(
                    "  recognised by the columns / 判定に使った列: {}",
                    report.detected_by.join(", ")
                );
            }
            for error in &report.errors {
                println!(
                    "  line {}: {} / {}",
                    error.line, error.reason, error.reason_ja
                );
            }
            for warning in &report.warnings {
                println!(
                    "  line {} (imported): {} / {}",
                    warning.line, warning.reason, warning.reason_ja
                );
            }
            println!("{}", report.summary());
        }
        Command::Import(Import::Patients {
            data,
            municipality,
            file,
            on_behalf_of,
        }) => import_patients(&data, &municipality, &file, &on_behalf_of)?,
        Command::Import(Import::Register {
            data,
            municipality,
            file,
        }) => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let env = function_env(&data, crate::functions::Component::Disaster)?;
            let report = pollster::block_on(rainbownet_core::disaster::register::import(
                &env,
                None,
                "cli",
                &municipality,
                &bytes,
            ))
            .map_err(describe)?;
            print_report(&report.errors, &report.summary(), &file);
        }
        Command::Backup(backup) => crate::backup::command::run(backup)?,
        Command::Migrate { data } => {
            DataDir::open(&data)?;
            println!("databases under {} are up to date", data.display());
        }
        Command::Serve { addr, data, demo } => {
            let data_dir = Arc::new(DataDir::open(&data)?);
            if demo {
                load_demo(&data_dir)?;
            }
            let host = Arc::new(Host::new(
                Manifest::parse(crate::embedded::SPIN_TOML)?,
                data_dir,
            )?);
            server::serve(host, &addr, |bound| {
                println!(
                    "RainbowNet listening on http://{bound} (data: {})",
                    data.display()
                );
            })?;
            println!("RainbowNet stopped");
        }
    }
    Ok(())
}

/// Loads the demo region (idempotent: loading it again changes nothing).
pub fn load_demo(data: &DataDir) -> Result<(), rainbownet_core::ports::StoreError> {
    for db in Database::ALL {
        let statements = demo::statements(db);
        if !statements.is_empty() {
            data.database(db).batch(&statements)?;
        }
    }
    Ok(())
}

fn import_patients(
    data: &std::path::Path,
    municipality: &str,
    file: &std::path::Path,
    on_behalf_of: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let env = function_env(data, crate::functions::Component::Care)?;
    let subject = pollster::block_on(rainbownet_core::auth::enrolment::subject_by_email(
        &env,
        on_behalf_of,
    ))
    .map_err(|_| format!("no active professional {on_behalf_of}"))?;
    // The same rule as the upload page: staff of that town, or a sysadmin.
    rainbownet_core::auth::admin::Admin::Staff(subject.clone())
        .may_manage(Some(municipality))
        .map_err(|_| format!("{on_behalf_of} is not municipal staff of {municipality}"))?;
    let request = http::Request::builder()
        .header(rainbownet_core::http::CLIENT_ADDR_HEADER, "cli")
        .body(Vec::new())?;
    let report = pollster::block_on(rainbownet_core::care::import::import(
        &env,
        &request,
        &subject,
        municipality,
        &bytes,
    ))
    .map_err(describe)?;
    print_report(&report.errors, &report.summary(), file);
    Ok(())
}

/// An import's rejected rows by line, then its counts.
fn print_report(
    errors: &[rainbownet_core::csv_table::RowError],
    summary: &str,
    file: &std::path::Path,
) {
    for error in errors {
        println!(
            "  line {}: {} / {}",
            error.line, error.reason, error.reason_ja
        );
    }
    println!("{summary} ({})", file.display());
}

fn add_user(user: NewUser) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use rainbownet_core::auth::enrolment::{NewOrganization, NewProfessional, create_professional};
    eprintln!("password (at least 12 characters), then Enter:");
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let input = NewProfessional {
        organization: NewOrganization {
            municipality_code: user.municipality,
            kind: user.organization_kind,
            name: user.organization,
        },
        email: user.email,
        name: user.name,
        profession: user.profession,
        roles: user.roles.iter().map(|r| r.trim().to_owned()).collect(),
        password: password.trim_end_matches(['\r', '\n']).to_owned(),
    };
    let env = function_env(&user.data, crate::functions::Component::Care)?;
    // The audit record names the command line as the origin of the request.
    let request = http::Request::builder()
        .header(rainbownet_core::http::CLIENT_ADDR_HEADER, "cli")
        .body(Vec::new())?;
    let enrolment =
        pollster::block_on(create_professional(&env, &request, "cli", input)).map_err(describe)?;
    println!("registered {} ({})", enrolment.email, enrolment.id);
    println!(
        "enrol the authenticator app with this URI (or the secret {}):",
        enrolment.totp_secret
    );
    println!("{}", enrolment.otpauth_uri);
    Ok(())
}

/// The environment a function gets from the host, for a command that does its work
/// without serving: its granted stores under `data`, opened (and migrated) first.
fn function_env(
    data: &std::path::Path,
    component: crate::functions::Component,
) -> Result<rainbownet_core::Env, Box<dyn std::error::Error + Send + Sync>> {
    let data_dir = Arc::new(DataDir::open(data)?);
    let host = Host::new(Manifest::parse(crate::embedded::SPIN_TOML)?, data_dir)?;
    Ok(host.env_for(component))
}

/// An error for the terminal: one line per field for validation problems.
fn describe(err: rainbownet_core::Error) -> String {
    match err {
        rainbownet_core::Error::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {} / {}", f.pointer, f.detail, f.detail_ja))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(line: &str) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("rainbownet").chain(line.split_whitespace()))
            .map(|cli| cli.command)
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_serve_and_its_defaults() {
        assert_eq!(
            parse("serve --demo --addr 127.0.0.1:0").unwrap(),
            Command::Serve {
                addr: "127.0.0.1:0".into(),
                data: "./data".into(),
                demo: true
            }
        );
        assert_eq!(
            parse("demo-sql care").unwrap(),
            Command::DemoSql { db: Database::Care }
        );
        assert!(parse("serve --addr").is_err());
        assert!(parse("serve --nope").is_err());
        assert!(parse("demo-sql secrets").is_err());
        assert!(parse("").is_err());
        let Command::User(User::Add(user)) = parse(
            "user add --email a@b.jp --name N --profession nurse --role professional,org_admin \
             --organization O --organization-kind clinic --municipality 23233",
        )
        .unwrap() else {
            panic!("user add")
        };
        assert_eq!(user.municipality, "23233");
        assert_eq!(user.roles, ["professional", "org_admin"]);
        assert!(parse("user add --email a@b.jp").is_err());
        assert!(parse("import patients --municipality 23233 file.csv").is_err());
        assert!(matches!(
            parse("import patients --municipality 23233 --as a@b.jp file.csv").unwrap(),
            Command::Import(Import::Patients { .. })
        ));
    }
}
