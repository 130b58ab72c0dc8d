//! A small router: path patterns (matchit syntax, `/resources/{id}`) to a route value
//! per method. Dispatch is a plain `match` on that value in each function crate, so
//! handlers stay ordinary async functions.
//!
//! Functions that hold personal data declare their routes as a table of [`RouteSpec`]s:
//! method, path, the [`Guard`] that admits a caller, and the audit action. The function
//! runs the guard before the handler, and the conformance suite reads the same table to
//! call every route as every kind of caller, so a route can not be added without its rule.

pub use ::http::Method;

use crate::error::Error;

/// Who may call a route. Checked before the handler runs; anyone refused is answered 401
/// (no valid token) or, by the guards that look at a record, 404 (the record's existence
/// is not revealed) and audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guard {
    /// Anyone, without a token: logging in, refreshing, accepting an invitation.
    Public,
    /// Any logged-in professional. What they see is scoped by the handler to what is
    /// theirs: their patients, their organization, their town, their threads.
    Session,
    /// Anyone signed in: a professional, or a family member still linked to their patient
    /// (their own account: who they are, signing out, their passkeys).
    SignedIn,
    /// A current member of the care team of the patient in `{id}`.
    PatientMember,
    /// A current member of the care team of the patient in `{id}`, or a family member
    /// linked to that patient, who sees only what the team shares with the family.
    PatientMemberOrFamily,
    /// A current member of the project in `{project}`.
    ProjectMember,
    /// Logged in, and staff (municipal staff, disaster HQ, sysadmin) of the town the record
    /// belongs to, which the handler decides against the record: others 403 or 404.
    TownStaff,
    /// Logged in, and an org admin of the record's organization (or a sysadmin), which the
    /// handler decides against the record: others 403 or 404.
    OrgAdmin,
    /// A sysadmin, municipal staff for their town's records, or the bootstrap token while it
    /// is open; the handler decides against the record.
    Administrator,
    /// What belongs to the whole region (its towns, the search dictionary): a sysadmin or
    /// the bootstrap token while it is open; others 403.
    RegionAdministrator,
    /// Anyone; credentials, when sent, are checked first (a bad or expired token is 401,
    /// not a quiet downgrade) and an administrator's let the handler show what only
    /// administrators see (a draft resource).
    PublicOrAdministrator,
}

impl Guard {
    pub const ALL: [Guard; 11] = [
        Guard::Public,
        Guard::Session,
        Guard::SignedIn,
        Guard::PatientMember,
        Guard::PatientMemberOrFamily,
        Guard::ProjectMember,
        Guard::TownStaff,
        Guard::OrgAdmin,
        Guard::Administrator,
        Guard::RegionAdministrator,
        Guard::PublicOrAdministrator,
    ];
}

/// How much body a route takes. Hosts decide it from the request's head, before reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// Forms and JSON: a post, a check-in, a login ([`super::SMALL_BODY_LIMIT`]).
    Small,
    /// Files and imports: up to the function's limit, and only for a caller whose
    /// credentials verify; anyone else's body is held to `Small`.
    Large,
}

/// One route of a function's table.
#[derive(Debug)]
pub struct RouteSpec<R: 'static> {
    pub body: Body,
    pub method: Method,
    pub path: &'static str,
    pub route: R,
    pub guard: Guard,
    /// What the audit log calls an access through this route.
    pub action: &'static str,
}

/// A route as the conformance suite sees it.
#[derive(Clone, Debug)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub guard: Guard,
}

impl<R> RouteSpec<R> {
    pub fn info(&self) -> RouteInfo {
        RouteInfo {
            method: self.method.clone(),
            path: self.path,
            guard: self.guard,
        }
    }
}

pub struct Router<R> {
    inner: matchit::Router<Vec<(Method, R)>>,
    // matchit has no iteration; keep the patterns to add methods to an existing path.
    patterns: Vec<String>,
}

impl<T: 'static> Router<&'static RouteSpec<T>> {
    /// A router over a function's route table: resolving a request gives its spec.
    pub fn from_table(table: &'static [RouteSpec<T>]) -> Self {
        table.iter().fold(Router::new(), |router, spec| {
            router.add(spec.method.clone(), spec.path, spec)
        })
    }
}

/// Path parameters of a matched route.
#[derive(Debug, Default, PartialEq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<R: Copy> Default for Router<R> {
    fn default() -> Self {
        Router {
            inner: matchit::Router::new(),
            patterns: Vec::new(),
        }
    }
}

impl<R: Copy> Router<R> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `route` for `method` on `pattern`. Patterns are fixed at build time, so a bad
    /// pattern is a programming error and panics at start-up, where tests catch it.
    pub fn add(mut self, method: Method, pattern: &str, route: R) -> Self {
        if self.patterns.iter().any(|p| p == pattern) {
            let methods = self
                .inner
                .at_mut(pattern)
                .expect("a registered pattern matches itself")
                .value;
            methods.push((method, route));
        } else {
            self.inner
                .insert(pattern, vec![(method, route)])
                .unwrap_or_else(|e| panic!("route pattern {pattern}: {e}"));
            self.patterns.push(pattern.to_owned());
        }
        self
    }

    pub fn get(self, pattern: &str, route: R) -> Self {
        self.add(Method::GET, pattern, route)
    }

    pub fn post(self, pattern: &str, route: R) -> Self {
        self.add(Method::POST, pattern, route)
    }

    /// The route for `method` and `path`. HEAD is served by GET routes. An unknown path is
    /// `NotFound`; a known path with another method is `MethodNotAllowed` with `Allow`.
    pub fn resolve(&self, method: &Method, path: &str) -> Result<(R, Params), Error> {
        let matched = self.inner.at(path).map_err(|_| Error::NotFound)?;
        let wanted = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let params = Params(
            matched
                .params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
        match matched.value.iter().find(|(m, _)| m == wanted) {
            Some((_, route)) => Ok((*route, params)),
            None => {
                let mut allow: Vec<&str> = matched.value.iter().map(|(m, _)| m.as_str()).collect();
                if allow.contains(&"GET") {
                    allow.push("HEAD");
                }
                Err(Error::MethodNotAllowed {
                    allow: allow.join(", "),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum R {
        List,
        Create,
        One,
    }

    fn router() -> Router<R> {
        Router::new()
            .get("/items", R::List)
            .post("/items", R::Create)
            .get("/items/{id}", R::One)
    }

    #[test]
    fn resolves_methods_params_and_errors() {
        let r = router();
        assert_eq!(r.resolve(&Method::GET, "/items").unwrap().0, R::List);
        assert_eq!(r.resolve(&Method::HEAD, "/items").unwrap().0, R::List);
        assert_eq!(r.resolve(&Method::POST, "/items").unwrap().0, R::Create);
        let (route, params) = r.resolve(&Method::GET, "/items/42").unwrap();
        assert_eq!((route, params.get("id")), (R::One, Some("42")));
        assert!(matches!(
            r.resolve(&Method::GET, "/nope"),
            Err(Error::NotFound)
        ));
        match r.resolve(&Method::DELETE, "/items") {
            Err(Error::MethodNotAllowed { allow }) => assert_eq!(allow, "GET, POST, HEAD"),
            other => panic!("expected 405, got {other:?}"),
        }
    }
}
