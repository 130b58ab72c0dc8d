//! The roles a professional's account carries. Stored and sent as their snake_case names
//! (`municipal_staff`); parsed into this type once, where they enter (a token, a row, a
//! request), so that the rules compare types, not strings.

use crate::vocabulary::Word;

crate::words! {
    pub enum Role {
        /// Any member of the network: sees the patients whose care team they are on.
        Professional = ("professional", "専門職", "Professional"),
        /// Manages their organization's staff and invitations.
        OrgAdmin = ("org_admin", "事業所管理者", "Organization administrator"),
        /// Town hall staff: their town's public data, patients' bulk registration, register.
        MunicipalStaff = ("municipal_staff", "市町村職員", "Municipal staff"),
        /// Disaster headquarters of their town: declares and closes events.
        DisasterHq = ("disaster_hq", "災害対策本部", "Disaster headquarters"),
        /// Administers the whole network.
        Sysadmin = ("sysadmin", "システム管理者", "System administrator"),
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.code()
    }

    /// All of `names` as roles, or `None` if any is not a role (or there are none).
    pub fn parse_all(names: &[String]) -> Option<Vec<Role>> {
        if names.is_empty() {
            return None;
        }
        names.iter().map(|n| Role::parse(n)).collect()
    }

    /// Roles as stored in a row (a JSON list of names); an unknown name gives no roles,
    /// so a damaged row grants nothing.
    pub fn from_stored(json: &str) -> Vec<Role> {
        serde_json::from_str(json).unwrap_or_default()
    }

    /// Roles as a row stores them.
    pub fn to_stored(roles: &[Role]) -> String {
        serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())
    }
}

#[cfg(test)]
mod tests {
    use super::Role;
    use crate::vocabulary::Word;

    #[test]
    fn names_round_trip_and_unknown_names_grant_nothing() {
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(
            Role::from_stored(r#"["sysadmin","king"]"#),
            Vec::<Role>::new()
        );
        assert_eq!(Role::from_stored(r#"["org_admin"]"#), vec![Role::OrgAdmin]);
        assert_eq!(Role::parse_all(&["professional".into(), "x".into()]), None);
        assert_eq!(Role::parse_all(&[]), None);
    }
}
