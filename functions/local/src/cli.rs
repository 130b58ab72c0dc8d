//! The `rainbownet` command line.

use std::path::PathBuf;
use std::sync::Arc;

use rainbownet_core::demo;
use rainbownet_core::ports::Database;

use crate::manifest::Manifest;
use crate::server::{self, Host};
use crate::store::DataDir;

pub const USAGE: &str = "\
RainbowNet — regional medical, care and welfare collaboration

Usage:
  rainbownet serve [--addr 127.0.0.1:8080] [--data ./data] [--demo]
      Serve every function and the web client on one port, over embedded SQLite under
      --data (created on first start). --demo loads the demo region (清須市, 北名古屋市,
      豊山町); loading it again changes nothing. Port 0 picks a free port.
  rainbownet import resources --municipality CODE [--data ./data] FILE
      Import a standard open-data CSV (介護サービス事業所一覧, 医療機関一覧, 公衆トイレ一覧,
      AED設置箇所一覧, 指定緊急避難場所一覧, 公共施設一覧), UTF-8 or Shift_JIS. Bad rows are
      reported by line; importing the same file again changes nothing.
  rainbownet import register --municipality CODE [--data ./data] FILE
      Import the register of people who need help in an evacuation (避難行動要支援者名簿),
      CSV in UTF-8 or Shift_JIS. Bad rows are reported by line; a re-run changes nothing.
  rainbownet import patients --municipality CODE --as EMAIL [--data ./data] FILE
      Register patients from the town's export of care-certification applications with the
      consent box (CSV, UTF-8 or Shift_JIS). Rows with consent register the patient and open
      a care team with the professional EMAIL (municipal staff of that town) on it; rows
      without are counted and skipped; a re-run changes nothing. Audited as EMAIL's.
  rainbownet user add --email E --name N --profession P --role R[,R…]
                      --organization NAME --organization-kind KIND --municipality CODE [--data ./data]
      Register a professional (the first administrator, say). The password is read from
      standard input; the TOTP enrolment URI is printed for the authenticator app.
  rainbownet keys public [--data ./data]
      Print the public key that verifies access tokens (of RAINBOWNET_JWT_SEED when set,
      else of the seed under --data), for RAINBOWNET_JWT_PUBLIC_KEY on the other functions.
  rainbownet migrate [--data ./data]
      Create or upgrade the databases under --data, then exit.
  rainbownet demo-sql (public|care|disaster)
      Print the demo data of one database as SQL, for `wrangler d1 execute --file`.
  rainbownet routes
      Print the routes and store grants read from spin.toml.

Environment:
  RAINBOWNET_ADMIN_TOKEN   bootstrap administrator token (at least 16 characters)
";

#[derive(Debug, PartialEq)]
pub enum Command {
    Serve {
        addr: String,
        data: PathBuf,
        demo: bool,
    },
    Migrate {
        data: PathBuf,
    },
    AddUser {
        data: PathBuf,
        fields: std::collections::BTreeMap<String, String>,
    },
    ImportRegister {
        data: PathBuf,
        municipality: String,
        file: PathBuf,
    },
    ImportPatients {
        data: PathBuf,
        municipality: String,
        file: PathBuf,
        on_behalf_of: String,
    },
    ImportResources {
        data: PathBuf,
        municipality: String,
        file: PathBuf,
    },
    DemoSql {
        db: Database,
    },
    Routes,
    PublicKey {
        data: PathBuf,
    },
    Help,
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut data = PathBuf::from("./data");
    let mut demo = false;
    let mut municipality: Option<String> = None;
    let mut on_behalf_of: Option<String> = None;
    let mut user_fields = std::collections::BTreeMap::new();
    let Some(command) = args.first() else {
        return Ok(Command::Help);
    };
    let mut rest = args[1..].iter();
    let mut positional = Vec::new();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--addr" => addr = value("--addr")?,
            "--data" => data = PathBuf::from(value("--data")?),
            "--demo" => demo = true,
            "--municipality" => municipality = Some(value("--municipality")?),
            "--as" => on_behalf_of = Some(value("--as")?),
            flag @ ("--email"
            | "--name"
            | "--profession"
            | "--role"
            | "--organization"
            | "--organization-kind") => {
                let v = value(flag)?;
                user_fields.insert(flag.trim_start_matches("--").to_owned(), v);
            }
            "-h" | "--help" => return Ok(Command::Help),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            other => positional.push(other.to_owned()),
        }
    }
    let no_positional = |c: Command| {
        if positional.is_empty() {
            Ok(c)
        } else {
            Err(format!("unexpected argument {}", positional[0]))
        }
    };
    match command.as_str() {
        "serve" => no_positional(Command::Serve { addr, data, demo }),
        "migrate" => no_positional(Command::Migrate { data }),
        "routes" => no_positional(Command::Routes),
        "keys" => match positional.as_slice() {
            [what] if what == "public" => Ok(Command::PublicKey { data }),
            _ => Err("usage: rainbownet keys public [--data DIR]".into()),
        },
        "user" => match (positional.as_slice(), municipality) {
            ([what], Some(code)) if what == "add" => {
                for needed in ["email", "name", "profession", "role", "organization", "organization-kind"] {
                    if !user_fields.contains_key(needed) {
                        return Err(format!("user add needs --{needed}"));
                    }
                }
                user_fields.insert("municipality".into(), code);
                Ok(Command::AddUser { data, fields: user_fields })
            }
            _ => Err("usage: rainbownet user add --email E --name N --profession P --role R --organization NAME --organization-kind KIND --municipality CODE".into()),
        },
        "import" => match (positional.as_slice(), municipality) {
            ([what, file], Some(municipality)) if what == "resources" => {
                Ok(Command::ImportResources {
                    data,
                    municipality,
                    file: PathBuf::from(file),
                })
            }
            ([what, file], Some(municipality)) if what == "patients" => {
                Ok(Command::ImportPatients {
                    data,
                    municipality,
                    file: PathBuf::from(file),
                    on_behalf_of: on_behalf_of
                        .ok_or("import patients needs --as EMAIL (the staff member who opens the teams)")?,
                })
            }
            ([what, file], Some(municipality)) if what == "register" => {
                Ok(Command::ImportRegister {
                    data,
                    municipality,
                    file: PathBuf::from(file),
                })
            }
            ([what, _], None) if ["resources", "register", "patients"].contains(&what.as_str()) => {
                Err(format!("import {what} needs --municipality CODE"))
            }
            _ => Err(
                "usage: rainbownet import (resources|register|patients) --municipality CODE [--as EMAIL] [--data DIR] FILE"
                    .into(),
            ),
        },
        "demo-sql" => match positional.as_slice() {
            [label] => Database::from_label(label)
                .map(|db| Command::DemoSql { db })
                .ok_or_else(|| format!("unknown database {label}: use public, care or disaster")),
            _ => Err("demo-sql takes one database: public, care or disaster".into()),
        },
        "help" | "-h" | "--help" => Ok(Command::Help),
        other => Err(format!("unknown command {other}")),
    }
}

pub fn run(command: Command) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match command {
        Command::Help => print!("{USAGE}"),
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
        Command::PublicKey { data } => {
            let data_dir = DataDir::open(&data)?;
            let key = data_dir
                .config_defaults
                .iter()
                .find(|(k, _)| *k == rainbownet_core::auth::keys::PUBLIC_KEY_KEY)
                .map(|(_, v)| v.clone())
                .ok_or("no token key")?;
            println!("{key}");
        }
        Command::AddUser { data, fields } => add_user(&data, &fields)?,
        Command::ImportResources {
            data,
            municipality,
            file,
        } => {
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
            let report = report.map_err(describe)?;
            println!("{} ({})", report.dataset_label, file.display());
            for error in &report.errors {
                println!(
                    "  line {}: {} / {}",
                    error.line, error.reason, error.reason_ja
                );
            }
            println!("{}", report.summary());
        }
        Command::ImportPatients {
            data,
            municipality,
            file,
            on_behalf_of,
        } => import_patients(&data, &municipality, &file, &on_behalf_of)?,
        Command::ImportRegister {
            data,
            municipality,
            file,
        } => {
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
    let subject = pollster::block_on(rainbownet_core::auth::login::subject_by_email(
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

fn add_user(
    data: &std::path::Path,
    fields: &std::collections::BTreeMap<String, String>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    use rainbownet_core::auth::login::{NewOrganization, NewProfessional, create_professional};
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    eprintln!("password (at least 12 characters), then Enter:");
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let input = NewProfessional {
        organization: NewOrganization {
            municipality_code: field("municipality"),
            kind: field("organization-kind"),
            name: field("organization"),
        },
        email: field("email"),
        name: field("name"),
        profession: field("profession"),
        roles: field("role")
            .split(',')
            .map(|r| r.trim().to_owned())
            .collect(),
        password: password.trim_end_matches(['\r', '\n']).to_owned(),
    };
    let env = function_env(data, crate::functions::Component::Care)?;
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

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_serve_and_its_defaults() {
        assert_eq!(
            parse(&args("serve --demo --addr 127.0.0.1:0")).unwrap(),
            Command::Serve {
                addr: "127.0.0.1:0".into(),
                data: "./data".into(),
                demo: true
            }
        );
        assert_eq!(
            parse(&args("demo-sql care")).unwrap(),
            Command::DemoSql { db: Database::Care }
        );
        assert!(parse(&args("serve --addr")).is_err());
        assert!(parse(&args("serve --nope")).is_err());
        assert!(parse(&args("demo-sql secrets")).is_err());
        assert_eq!(parse(&[]).unwrap(), Command::Help);
        let add = parse(&args(
            "user add --email a@b.jp --name N --profession nurse --role professional \
             --organization O --organization-kind clinic --municipality 23233",
        ))
        .unwrap();
        let Command::AddUser { fields, .. } = add else {
            panic!("{add:?}")
        };
        assert_eq!(fields["municipality"], "23233");
        assert!(parse(&args("user add --email a@b.jp")).is_err());
    }
}
