//! HTTP routing as the Spin HTTP trigger does it: routes are `/exact`, `/prefix/...`
//! (trailing wildcard) or contain `:name` segments, and the `routefinder` crate (the one
//! Spin uses) picks the best match: segment by segment, exact beats `:param` beats
//! wildcard, so the most specific route wins. The same raw route declared twice: the
//! later trigger wins.

use std::collections::HashMap;
use std::net::SocketAddr;

use anyhow::anyhow;

/// Paths under this prefix are answered by Spin itself, never by a component.
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

#[derive(Debug, Clone)]
struct Handler {
    component: String,
    /// The route with the application base applied (`spin-matched-route`).
    based_route: String,
    /// The route as written (`spin-raw-component-route`).
    raw_route: String,
}

#[derive(Debug)]
pub struct Router {
    inner: routefinder::Router<Handler>,
}

/// The outcome of routing one path.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch {
    pub component: String,
    pub based_route: String,
    pub raw_route: String,
    /// What the trailing wildcard matched (`spin-path-info`), "" for an exact route.
    pub path_info: String,
    pub named_wildcards: Vec<(String, String)>,
}

fn sanitize(s: &str) -> &str {
    s.strip_suffix('/').unwrap_or(s)
}

fn with_base(base: &str, route: &str) -> String {
    let route = if route.starts_with('/') {
        route.to_owned()
    } else {
        format!("/{route}")
    };
    format!("{}{}", sanitize(base), sanitize(&route))
}

impl Router {
    /// Builds the router from `(raw route, component)` pairs in manifest order.
    pub fn build<'a>(
        base: &str,
        routes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> anyhow::Result<Router> {
        // De-duplicate on the raw route, keeping the position of the first and the
        // component of the last, as Spin does.
        let mut entries: Vec<(String, Handler)> = Vec::new();
        for (raw, component) in routes {
            let based = with_base(base, raw);
            let handler = Handler {
                component: component.to_owned(),
                based_route: based.clone(),
                raw_route: raw.to_owned(),
            };
            if let Some(existing) = entries.iter_mut().find(|(r, _)| r == raw) {
                eprintln!(
                    "spin-harness: warning: route {raw:?} is declared twice; component {:?} replaces {:?}",
                    component, existing.1.component
                );
                existing.1 = handler;
            } else {
                entries.push((raw.to_owned(), handler));
            }
        }
        let mut inner = routefinder::Router::new();
        for (_, handler) in entries {
            let based = handler.based_route.clone();
            let spec = if let Some(prefix) = based.strip_suffix("/...") {
                format!("{prefix}/*")
            } else {
                based.clone()
            };
            if handler.based_route.starts_with(WELL_KNOWN_PREFIX) {
                eprintln!(
                    "spin-harness: warning: route {based:?} is under {WELL_KNOWN_PREFIX}, which Spin reserves"
                );
            }
            let component = handler.component.clone();
            inner.add(spec.as_str(), handler).map_err(|e| {
                anyhow!("Error parsing route {based} associated with component {component}: {e}")
            })?;
        }
        Ok(Router { inner })
    }

    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let m = self.inner.best_match(path)?;
        let handler = m.handler();
        let captures = m.captures();
        let path_info = match captures.wildcard() {
            // Spin keeps a trailing slash that routefinder drops.
            Some(s) => match (s.is_empty(), path.ends_with('/')) {
                (true, false) => String::new(),
                (true, true) => "/".to_owned(),
                (false, false) => format!("/{s}"),
                (false, true) => format!("/{s}/"),
            },
            None => String::new(),
        };
        Some(RouteMatch {
            component: handler.component.clone(),
            based_route: handler.based_route.clone(),
            raw_route: handler.raw_route.clone(),
            path_info,
            named_wildcards: captures
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    /// The components and their routes, for the start-up listing.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.inner
            .iter()
            .map(|(_, h)| (h.based_route.clone(), h.component.clone()))
            .collect()
    }
}

impl RouteMatch {
    /// The headers Spin adds to every request it passes to a component (names as the
    /// `wasi:http` executors send them: `SPIN_FULL_URL` → `spin-full-url`).
    pub fn spin_headers(
        &self,
        scheme: &str,
        host: &str,
        path_and_query: &str,
        client_addr: SocketAddr,
    ) -> Vec<(String, String)> {
        let mut headers = vec![
            ("spin-path-info".to_owned(), self.path_info.clone()),
            (
                "spin-full-url".to_owned(),
                format!("{scheme}://{host}{path_and_query}"),
            ),
            ("spin-matched-route".to_owned(), self.based_route.clone()),
            ("spin-base-path".to_owned(), "/".to_owned()),
            (
                "spin-raw-component-route".to_owned(),
                self.raw_route.clone(),
            ),
            (
                "spin-component-route".to_owned(),
                self.raw_route
                    .strip_suffix("/...")
                    .unwrap_or(&self.raw_route)
                    .to_owned(),
            ),
            ("spin-client-addr".to_owned(), client_addr.to_string()),
        ];
        let named: HashMap<_, _> = self.named_wildcards.iter().cloned().collect();
        for (name, value) in named {
            headers.push((
                format!("spin-path-match-{}", name.to_ascii_lowercase()),
                value,
            ));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rainbownet() -> Router {
        Router::build(
            "/",
            [
                ("/...", "portal"),
                ("/api/v1/care/...", "care"),
                ("/api/v1/auth/...", "care"),
                ("/api/v1/patients", "care"),
                ("/api/v1/patients/...", "care"),
                ("/api/v1/disaster/...", "disaster"),
                ("/healthz", "health"),
                ("/app/...", "assets"),
            ],
        )
        .unwrap()
    }

    fn component(r: &Router, path: &str) -> String {
        r.route(path).map(|m| m.component).unwrap_or_default()
    }

    #[test]
    fn most_specific_route_wins() {
        let r = rainbownet();
        assert_eq!(component(&r, "/"), "portal");
        assert_eq!(component(&r, "/resources/12"), "portal");
        assert_eq!(component(&r, "/healthz"), "health");
        // An exact route matches only itself.
        assert_eq!(component(&r, "/healthz/x"), "portal");
        assert_eq!(component(&r, "/api/v1/care/audit"), "care");
        assert_eq!(component(&r, "/api/v1/care"), "care");
        assert_eq!(component(&r, "/api/v1/patients"), "care");
        assert_eq!(component(&r, "/api/v1/patients/7"), "care");
        assert_eq!(component(&r, "/api/v1/patientsx"), "portal");
        assert_eq!(component(&r, "/api/v1/disaster/shelters"), "disaster");
        assert_eq!(component(&r, "/api/v1/public/resources"), "portal");
        assert_eq!(component(&r, "/app/main.js"), "assets");
        assert_eq!(component(&r, "/app"), "assets");
    }

    #[test]
    fn exact_beats_wildcard_for_the_same_path() {
        let r = Router::build("/", [("/a/...", "wild"), ("/a/b", "exact")]).unwrap();
        assert_eq!(component(&r, "/a/b"), "exact");
        assert_eq!(component(&r, "/a/c"), "wild");
        assert_eq!(component(&r, "/a/b/c"), "wild");
        let r = Router::build("/", [("/a/b", "exact"), ("/a/...", "wild")]).unwrap();
        assert_eq!(component(&r, "/a/b"), "exact");
    }

    #[test]
    fn longer_prefix_wins() {
        let r =
            Router::build("/", [("/...", "root"), ("/a/...", "a"), ("/a/b/...", "ab")]).unwrap();
        assert_eq!(component(&r, "/x"), "root");
        assert_eq!(component(&r, "/a/x"), "a");
        assert_eq!(component(&r, "/a/b/x"), "ab");
    }

    #[test]
    fn later_duplicate_wins() {
        let r = Router::build("/", [("/x", "first"), ("/x", "second")]).unwrap();
        assert_eq!(component(&r, "/x"), "second");
    }

    #[test]
    fn no_route_no_match() {
        let r = Router::build("/", [("/only", "c")]).unwrap();
        assert!(r.route("/other").is_none());
    }

    #[test]
    fn path_info_and_headers() {
        let r = rainbownet();
        let m = r.route("/api/v1/care/audit/").unwrap();
        assert_eq!(m.path_info, "/audit/");
        assert_eq!(r.route("/api/v1/care").unwrap().path_info, "");
        assert_eq!(r.route("/api/v1/care/").unwrap().path_info, "/");
        assert_eq!(r.route("/healthz").unwrap().path_info, "");
        let m = r.route("/api/v1/care/audit").unwrap();
        let addr: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        let h: HashMap<_, _> = m
            .spin_headers("http", "example.org:3000", "/api/v1/care/audit?x=1", addr)
            .into_iter()
            .collect();
        assert_eq!(
            h["spin-full-url"],
            "http://example.org:3000/api/v1/care/audit?x=1"
        );
        assert_eq!(h["spin-path-info"], "/audit");
        assert_eq!(h["spin-matched-route"], "/api/v1/care/...");
        assert_eq!(h["spin-raw-component-route"], "/api/v1/care/...");
        assert_eq!(h["spin-component-route"], "/api/v1/care");
        assert_eq!(h["spin-base-path"], "/");
        assert_eq!(h["spin-client-addr"], "127.0.0.1:5555");
    }

    #[test]
    fn named_wildcards() {
        let r = Router::build("/", [("/users/:id/...", "u")]).unwrap();
        let m = r.route("/users/42/profile").unwrap();
        assert_eq!(m.named_wildcards, vec![("id".to_owned(), "42".to_owned())]);
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let h = m.spin_headers("http", "h", "/users/42/profile", addr);
        assert!(h.contains(&("spin-path-match-id".to_owned(), "42".to_owned())));
    }

    #[test]
    fn base_is_applied() {
        let r = Router::build("/base/", [("/x", "c")]).unwrap();
        assert_eq!(component(&r, "/base/x"), "c");
        assert!(r.route("/x").is_none());
    }
}
