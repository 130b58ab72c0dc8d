//! A small router: path patterns (matchit syntax, `/resources/{id}`) to a route value
//! per method. Dispatch is a plain `match` on that value in each function crate, so
//! handlers stay ordinary async functions.

use ::http::Method;

use crate::error::Error;

pub struct Router<R> {
    inner: matchit::Router<Vec<(Method, R)>>,
    // matchit has no iteration; keep the patterns to add methods to an existing path.
    patterns: Vec<String>,
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
