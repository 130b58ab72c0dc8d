//! A professional's devices that receive notifications: the browser's `PushSubscription`
//! as `toJSON()` gives it, stored only when its endpoint is on the allow-list and its keys
//! are a real P-256 point and a 16-byte secret.

use serde::{Deserialize, Serialize};

use super::AllowedHosts;
use super::webpush::{self, Vapid};
use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement};

/// Devices per person: a phone, a tablet, an office PC or two, and room for a new phone.
pub const MAX_DEVICES: i64 = 10;
const MAX_ENDPOINT: usize = 2_048;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    pub endpoint: String,
    pub keys: Keys,
    /// Browsers send it (usually null); push services expire subscriptions themselves.
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    pub p256dh: String,
    pub auth: String,
}

/// A device as its owner sees it: never the endpoint itself (a capability URL), only the
/// push service it goes through.
#[derive(Debug, Serialize)]
pub struct Device {
    pub id: String,
    pub service: String,
    pub created_at: String,
    pub last_sent_at: Option<String>,
}

/// The key browsers need for `pushManager.subscribe({applicationServerKey})`.
pub fn vapid(env: &Env) -> Result<Vapid, Error> {
    Ok(Vapid::from_seed(&crate::auth::keys::signing_seed(env)?))
}

fn check(env: &Env, input: &NewSubscription) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if input.endpoint.len() > MAX_ENDPOINT || !AllowedHosts::from_env(env).admits(&input.endpoint) {
        errors.push(FieldError::new(
            "#/endpoint",
            "must be an https URL of a known push service (RAINBOWNET_PUSH_HOSTS)",
            "通知の送り先がブラウザーの通知サービスではありません",
        ));
    }
    let key = webpush::from_b64url(&input.keys.p256dh);
    if key.is_none_or(|k| webpush::user_agent_key(&k).is_err()) {
        errors.push(FieldError::new(
            "#/keys/p256dh",
            "must be a base64url P-256 public key (65 bytes, uncompressed)",
            "通知の暗号鍵が正しくありません",
        ));
    }
    if webpush::from_b64url(&input.keys.auth).is_none_or(|a| a.len() != 16) {
        errors.push(FieldError::new(
            "#/keys/auth",
            "must be 16 bytes, base64url",
            "通知の認証値が正しくありません",
        ));
    }
    errors
}

/// Stores the caller's device. The same endpoint again (a re-subscribe, or a shared PC
/// that another person now uses) takes the row over, but only with the same keys: the
/// browser hands out the same subscription, while someone who merely learned the endpoint
/// does not hold its secret `auth` and gets 409 (else they could silence a colleague).
pub async fn subscribe(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: NewSubscription,
) -> Result<Device, Error> {
    let errors = check(env, &input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT count(*) AS n FROM push_subscriptions WHERE professional_id = ?1 AND endpoint <> ?2",
            &[caller.sub.clone().into(), input.endpoint.clone().into()],
        )
        .await?;
    if rows.first().map(|r| r.int("n")).transpose()?.unwrap_or(0) >= MAX_DEVICES {
        return Err(Error::Conflict {
            en: "at most 10 devices per person: remove one first",
            ja: "通知を受け取る端末は1人10台までです。使わない端末を解除してください",
        });
    }
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    // Normalized to unpadded base64url, as the sender reads them.
    let p256dh = webpush::from_b64url(&input.keys.p256dh).unwrap_or_default();
    let auth = webpush::from_b64url(&input.keys.auth).unwrap_or_default();
    sql.batch(&[
        Statement::new(
            "INSERT INTO push_subscriptions (id, professional_id, endpoint, p256dh, auth, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (endpoint) DO UPDATE SET id = excluded.id, professional_id = excluded.professional_id, \
             created_at = excluded.created_at, last_sent_at = NULL \
             WHERE push_subscriptions.p256dh = excluded.p256dh AND push_subscriptions.auth = excluded.auth",
            vec![
                id.clone().into(),
                caller.sub.clone().into(),
                input.endpoint.clone().into(),
                webpush::b64url(&p256dh).into(),
                webpush::b64url(&auth).into(),
                now.clone().into(),
            ],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "push.subscribe",
            Some(&id),
            Outcome::Allowed,
        ),
    ])
    .await?;
    let stored = sql
        .query(
            "SELECT 1 AS mine FROM push_subscriptions WHERE endpoint = ?1 AND id = ?2",
            &[input.endpoint.clone().into(), id.clone().into()],
        )
        .await?;
    if stored.is_empty() {
        return Err(Error::Conflict {
            en: "this endpoint is registered with other keys",
            ja: "この通知先は別の鍵で登録されています。ブラウザーの通知を一度解除してからやり直してください",
        });
    }
    Ok(Device {
        id,
        service: webpush::origin(&input.endpoint).unwrap_or_default(),
        created_at: now,
        last_sent_at: None,
    })
}

pub async fn list(env: &Env, caller: &Subject) -> Result<Vec<Device>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT id, endpoint, created_at, last_sent_at FROM push_subscriptions \
             WHERE professional_id = ?1 ORDER BY created_at DESC",
            &[caller.sub.clone().into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Device {
                id: r.text("id")?.to_owned(),
                service: webpush::origin(r.text("endpoint")?).unwrap_or_default(),
                created_at: r.text("created_at")?.to_owned(),
                last_sent_at: r.opt_text("last_sent_at")?.map(str::to_owned),
            })
        })
        .collect()
}

/// Removes one of the caller's own devices; another person's is "not found".
pub async fn unsubscribe(
    env: &Env,
    req: &Request,
    caller: &Subject,
    id: &str,
) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT 1 AS found FROM push_subscriptions WHERE id = ?1 AND professional_id = ?2",
            &[id.into(), caller.sub.clone().into()],
        )
        .await?;
    if rows.is_empty() {
        return Err(Error::NotFound);
    }
    sql.batch(&[
        Statement::new(
            "DELETE FROM push_subscriptions WHERE id = ?1 AND professional_id = ?2",
            vec![id.into(), caller.sub.clone().into()],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "push.unsubscribe",
            Some(id),
            Outcome::Allowed,
        ),
    ])
    .await?;
    Ok(())
}
