//! The outbox rows a write leaves for the people it concerns, as one statement to run in
//! the write's own batch: the notification is recorded if and only if the post is, and a
//! replay (the same `Idempotency-Key`) writes nothing.

use crate::env::Env;
use crate::ports::{Statement, Value};

/// What happened, as the push message names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A post or document on a patient's timeline; the id is the patient's.
    Post,
    /// A comment on a timeline post; the id is the patient's.
    Comment,
    /// A post in a project; the id is the project's.
    ProjectPost,
    /// A direct message; the id is the sender's.
    Message,
    /// An alert for the team (a reading outside a threshold); the id is the patient's.
    Alert,
    /// A message from the patient's family to the team; the id is the patient's.
    FamilyMessage,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Comment => "comment",
            Kind::ProjectPost => "project_post",
            Kind::Message => "message",
            Kind::Alert => "alert",
            Kind::FamilyMessage => "family_message",
        }
    }
}

/// Who is told, by their own settings: everyone but the author who has a device and has
/// not turned notifications off; with "consultation", only for a 相談, a mention of their
/// name after `@` (spaces in the name optional), or a direct message.
const WANTS: &str = "EXISTS (SELECT 1 FROM push_subscriptions ps WHERE ps.professional_id = p.id) \
     AND p.status = 'active' \
     AND COALESCE((SELECT s.level FROM notification_settings s WHERE s.professional_id = p.id), 'all') <> 'none' \
     AND (COALESCE((SELECT s.level FROM notification_settings s WHERE s.professional_id = p.id), 'all') = 'all' \
          OR ?5 = 1 \
          OR instr(?6, '@' || p.name) > 0 \
          OR instr(?6, '@' || replace(replace(p.name, ' ', ''), '　', '')) > 0)";

/// The event that happened, with what decides who hears of it.
pub struct Event<'a> {
    pub kind: Kind,
    /// The opaque id the message carries.
    pub reference: &'a str,
    pub author: &'a str,
    /// A 相談 (consultation) or a direct message: heard even by "consultation only".
    pub urgent: bool,
    /// The text, searched for `@name` mentions only; it never leaves the database.
    pub text: &'a str,
    /// The table and id of the row this request wrote: no row (a replay), no notification.
    pub written: (&'static str, &'a str),
}

impl Event<'_> {
    fn params(&self, env: &Env, audience: &str) -> Vec<Value> {
        let now = crate::time::iso8601(env.clock.now_millis());
        vec![
            self.kind.as_str().into(),
            self.reference.into(),
            now.into(),
            self.author.into(),
            i64::from(self.urgent).into(),
            self.text.into(),
            audience.into(),
            self.written.1.into(),
        ]
    }

    fn insert(&self, recipients: &str) -> String {
        let (table, _) = self.written;
        format!(
            "INSERT INTO push_outbox (recipient_id, kind, ref, created_at, next_attempt_at) \
             SELECT p.id, ?1, ?2, ?3, ?3 FROM professionals p \
             WHERE p.id <> ?4 AND p.id IN ({recipients}) AND {WANTS} \
             AND EXISTS (SELECT 1 FROM {table} w WHERE w.id = ?8)"
        )
    }

    /// The patient's current care team hears of it.
    pub fn to_care_team(&self, env: &Env, patient: &str) -> Statement {
        Statement::new(
            self.insert(
                "SELECT m.professional_id FROM care_team_members m WHERE m.patient_id = ?7 AND m.removed_at IS NULL",
            ),
            self.params(env, patient),
        )
    }

    /// The project's current members hear of it.
    pub fn to_project(&self, env: &Env, project: &str) -> Statement {
        Statement::new(
            self.insert(
                "SELECT pm.professional_id FROM project_members pm WHERE pm.project_id = ?7 AND pm.removed_at IS NULL",
            ),
            self.params(env, project),
        )
    }

    /// One person hears of it (a direct message).
    pub fn to_person(&self, env: &Env, recipient: &str) -> Statement {
        Statement::new(self.insert("?7"), self.params(env, recipient))
    }
}
