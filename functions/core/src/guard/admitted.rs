//! The caller as a route's guard admitted them, and what a handler may ask of it: the
//! professional, the team member, the family member, the administrator.

use super::mismatch;
use crate::auth::admin::Admin;
use crate::auth::token::Subject;
use crate::care::family_caller::{Linked, Reader};
use crate::care::{patients, projects};
use crate::error::Error;

/// The caller as the route's guard admitted them: what the handler may rely on.
pub enum Admitted {
    Anyone,
    Subject(Subject),
    /// A family member on a `SignedIn` route.
    Family(Linked),
    Member(patients::Member),
    /// The team or the linked family on a `PatientMemberOrFamily` route.
    Reader(Reader),
    Project(projects::Membership),
    Admin(Admin),
}

impl Admitted {
    /// The logged-in professional (any guard but `Public` gives one). A family member is
    /// refused: a handler that wants a professional serves no family.
    pub fn subject(&self) -> Result<&Subject, Error> {
        match self {
            Admitted::Subject(s) | Admitted::Admin(Admin::Staff(s)) => Ok(s),
            Admitted::Member(m) | Admitted::Reader(Reader::Team(m)) => Ok(&m.caller),
            Admitted::Project(m) => Ok(&m.caller),
            Admitted::Family(_) | Admitted::Reader(Reader::Family(_)) => Err(Error::Forbidden),
            Admitted::Anyone | Admitted::Admin(Admin::Bootstrap) => Err(mismatch()),
        }
    }

    /// Whoever signed in, professional or family (`Guard::SignedIn`).
    pub fn signed_in(&self) -> Result<&Subject, Error> {
        match self {
            Admitted::Family(f) => Ok(&f.caller),
            other => other.subject(),
        }
    }

    /// The family member on a `SignedIn` route (none for a professional).
    pub fn family(&self) -> Option<&Linked> {
        match self {
            Admitted::Family(f) => Some(f),
            _ => None,
        }
    }

    /// A member of the patient's care team (`Guard::PatientMember`, or the team's side of
    /// `Guard::PatientMemberOrFamily`; the family there is refused).
    pub fn member(&self) -> Result<&patients::Member, Error> {
        match self {
            Admitted::Member(m) | Admitted::Reader(Reader::Team(m)) => Ok(m),
            Admitted::Reader(Reader::Family(_)) => Err(Error::Forbidden),
            _ => Err(mismatch()),
        }
    }

    /// The team member or linked family member (`Guard::PatientMemberOrFamily`).
    pub fn reader(&self) -> Result<&Reader, Error> {
        match self {
            Admitted::Reader(r) => Ok(r),
            _ => Err(mismatch()),
        }
    }

    /// A member of the project (`Guard::ProjectMember`).
    pub fn project(&self) -> Result<&projects::Membership, Error> {
        match self {
            Admitted::Project(m) => Ok(m),
            _ => Err(mismatch()),
        }
    }

    /// The administrator who sent credentials to a `Guard::PublicOrAdministrator` route
    /// (none for anyone else).
    pub fn optional_admin(&self) -> Option<Admin> {
        match self {
            Admitted::Admin(a) => Some(a.clone()),
            _ => None,
        }
    }

    /// An administrator (`Guard::Administrator`), or a professional as staff whose rights
    /// the handler checks against the record.
    pub fn admin(&self) -> Result<Admin, Error> {
        match self {
            Admitted::Admin(a) => Ok(a.clone()),
            Admitted::Subject(s) => Ok(Admin::Staff(s.clone())),
            _ => Err(mismatch()),
        }
    }
}
