//! Outbound HTTP (`wasi:http/client@0.3` `send`): allowed only to the origins a component
//! lists in `allowed_outbound_hosts`, with Spin's syntax and matching rules
//! (spinframework/spin `crates/outbound-networking-config/src/allowed_hosts.rs`); allowed
//! requests go out through `wasmtime-wasi-http`'s own client (`default_send_request`).
//!
//! Supported entries: `scheme://host[:port]`, where `scheme` is a name or `*`, `host` is a
//! name, an IP address, `*`, or `*.domain` (any subdomain of `domain`, at any depth, but
//! not `domain` itself), and `port` is a number, a range `A..B` (B excluded), or `*`.
//! Without a port only the scheme's well-known port is allowed (443 for https, 80 for
//! http), so `*://host` is refused as in Spin (`*` has no well-known port).
//!
//! Refused with an error, because this harness does not implement them: `self` /
//! `self.alt` (requests to the application itself), `{{ variable }}` templates, CIDR
//! ranges and `{...}` lists.

use std::future::Future;
use std::sync::Arc;

use anyhow::{Context as _, bail, ensure};
use http_body_util::BodyExt as _;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// Spin's table of default ports (it has more schemes than HTTP because the same list
/// governs its other outbound interfaces; kept whole so such entries parse as in Spin).
fn well_known_port(scheme: &str) -> Option<u16> {
    match scheme {
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        "redis" => Some(6379),
        "mqtt" => Some(1883),
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SchemePattern {
    Any,
    Exactly(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// The suffix with its leading dot (`.push.services.mozilla.com`), so that the bare
    /// domain and look-alikes such as `evilpush.services.mozilla.com` do not match.
    Subdomain(String),
    Exactly(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    Exactly(u16),
    /// `start..end`, end excluded (Spin uses a Rust `Range`).
    Range(u16, u16),
}

/// One `allowed_outbound_hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    original: String,
    scheme: SchemePattern,
    host: HostPattern,
    port: PortPattern,
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.original)
    }
}

impl AllowedHost {
    pub fn parse(entry: &str) -> anyhow::Result<AllowedHost> {
        let original = entry.to_owned();
        let entry = entry.trim();
        // Spin resolves templates against the application variables; this harness does
        // not, and matching the raw text would silently deny (or allow) the wrong thing.
        ensure!(
            !entry.contains("{{"),
            "{entry:?}: variable templates in allowed_outbound_hosts are not supported by this harness"
        );
        let Some((scheme, rest)) = entry.split_once("://") else {
            bail!(
                "{entry:?} does not contain a scheme (e.g., 'http://' or '*://'); \
                 hosts must be in the form <scheme>://<host>[:<port>]"
            );
        };

        let scheme = if scheme == "*" {
            SchemePattern::Any
        } else {
            ensure!(
                !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()),
                "{entry:?}: invalid scheme {scheme:?} (letters only, or '*')"
            );
            SchemePattern::Exactly(scheme.to_ascii_lowercase())
        };

        // Spin accepts one trailing slash (`https://example.com/`) but no path.
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        ensure!(
            !rest.contains('/'),
            "{entry:?}: paths and CIDR ranges are not supported (only <scheme>://<host>[:<port>])"
        );
        let (host, port) = split_host_port(rest).with_context(|| format!("{entry:?}"))?;

        let host = host.trim();
        let host = if host == "*" {
            HostPattern::Any
        } else if host == "self" || host == "self.alt" {
            bail!(
                "{entry:?}: requests to the application itself ('self') are not supported by this harness"
            );
        } else if host.starts_with('{') {
            bail!("{entry:?}: host lists are not supported");
        } else if let Some(domain) = host.strip_prefix("*.") {
            ensure!(
                !domain.is_empty() && !domain.contains('*'),
                "{entry:?}: wildcards are allowed only as prefixes ('*.example.com')"
            );
            HostPattern::Subdomain(format!(".{}", domain.to_ascii_lowercase()))
        } else {
            ensure!(
                !host.contains('*'),
                "{entry:?}: wildcards are allowed only as subdomains ('*.example.com')"
            );
            ensure!(!host.is_empty(), "{entry:?}: no host");
            HostPattern::Exactly(host.to_ascii_lowercase())
        };

        let port = match port {
            None => {
                // As Spin: the scheme's default port, and an error when it has none
                // (which includes `*://host`).
                let SchemePattern::Exactly(name) = &scheme else {
                    bail!(
                        "{entry:?}: no port was provided and the scheme \"*\" does not have a known default port number"
                    );
                };
                let Some(default) = well_known_port(name) else {
                    bail!(
                        "{entry:?}: no port was provided and the scheme {name:?} does not have a known default port number"
                    );
                };
                PortPattern::Exactly(default)
            }
            Some("*") => PortPattern::Any,
            Some(port) => match port.split_once("..") {
                Some((start, end)) => PortPattern::Range(
                    start
                        .parse()
                        .with_context(|| format!("{entry:?}: invalid port range {port:?}"))?,
                    end.parse()
                        .with_context(|| format!("{entry:?}: invalid port range {port:?}"))?,
                ),
                None => PortPattern::Exactly(
                    port.parse()
                        .with_context(|| format!("{entry:?}: port {port:?} is not a number"))?,
                ),
            },
        };

        Ok(AllowedHost {
            original,
            scheme,
            host,
            port,
        })
    }

    fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = match &self.scheme {
            SchemePattern::Any => true,
            SchemePattern::Exactly(s) => s == scheme,
        };
        let host_ok = match &self.host {
            HostPattern::Any => true,
            // Spin matches subdomain patterns against domain names only, never IPs.
            HostPattern::Subdomain(suffix) => !is_ip_literal(host) && host.ends_with(suffix),
            HostPattern::Exactly(h) => h == host,
        };
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::Exactly(p) => p == port,
            PortPattern::Range(start, end) => (start..end).contains(&port),
        };
        scheme_ok && host_ok && port_ok
    }
}

/// `host[:port]` → (host, port). A bracketed IPv6 address keeps its brackets, as the host
/// of an `http::Uri` does, so that the two compare equal.
fn split_host_port(rest: &str) -> anyhow::Result<(&str, Option<&str>)> {
    if rest.starts_with('[') {
        let Some(close) = rest.find(']') else {
            bail!("unterminated IPv6 address");
        };
        let (host, after) = rest.split_at(close + 1);
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => bail!("unexpected {after:?} after the IPv6 address"),
            },
        };
    }
    Ok(match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    })
}

fn is_ip_literal(host: &str) -> bool {
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A component's whole list (manifest entries plus `--allow-outbound` ones).
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    entries: Vec<AllowedHost>,
}

impl AllowedHosts {
    pub fn new(entries: Vec<AllowedHost>) -> AllowedHosts {
        AllowedHosts { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[AllowedHost] {
        &self.entries
    }

    /// Whether a request to `uri` may be sent. A URI without an authority (a request to
    /// the application itself in Spin) is denied: `self` is not supported here.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return false;
        };
        // Credentials in the authority would reach the connector (and the Host header)
        // as part of the host name; no RainbowNet request needs them, so refuse outright.
        if authority.as_str().contains('@') {
            return false;
        }
        let host = authority.host().to_ascii_lowercase();
        if host.is_empty() {
            return false;
        }
        let scheme = scheme.to_ascii_lowercase();
        let Some(port) = authority.port_u16().or_else(|| well_known_port(&scheme)) else {
            return false;
        };
        self.entries
            .iter()
            .any(|entry| entry.allows(&scheme, &host, port))
    }
}

/// The `WasiHttpHooks` of a component's stores: checks each outbound request against
/// the component's list, then hands it to wasmtime's default client.
pub struct OutboundHttp {
    pub component: Arc<str>,
    pub allowed: Arc<AllowedHosts>,
}

impl WasiHttpHooks for OutboundHttp {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                )>,
            > + Send,
    > {
        // The guest's report of errors while consuming the response: nothing to do with
        // it here (wasmtime's default hook ignores it too).
        _ = fut;
        if !self.allowed.allows(request.uri()) {
            // Spin logs denied destinations too; only scheme and host:port, since the
            // path of a push endpoint is a capability.
            let uri = request.uri();
            eprintln!(
                "spin-harness: component {:?}: outbound request to {}://{} denied (not in allowed_outbound_hosts)",
                self.component,
                uri.scheme_str().unwrap_or("?"),
                uri.authority()
                    .map(|a| a.as_str().rsplit('@').next().unwrap_or_default().to_owned())
                    .unwrap_or_else(|| "(no authority)".to_owned()),
            );
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        // Same as the trait's default body under `default-send-request`.
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(|body| body.boxed_unsync()),
                Box::new(io) as Box<dyn Future<Output = Result<(), Error>> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The care component's list in /work/main/spin.toml.
    fn care() -> AllowedHosts {
        AllowedHosts::new(
            [
                "https://fcm.googleapis.com",
                "https://*.push.services.mozilla.com",
                "https://*.notify.windows.com",
                "https://web.push.apple.com",
            ]
            .iter()
            .map(|e| AllowedHost::parse(e).unwrap())
            .collect(),
        )
    }

    fn allows(hosts: &AllowedHosts, url: &str) -> bool {
        hosts.allows(&url.parse::<http::Uri>().unwrap())
    }

    fn one(entry: &str) -> AllowedHosts {
        AllowedHosts::new(vec![AllowedHost::parse(entry).unwrap()])
    }

    #[test]
    fn exact_host() {
        let h = care();
        assert!(allows(&h, "https://fcm.googleapis.com/fcm/send/abc"));
        assert!(allows(&h, "https://FCM.googleapis.com/x"));
        assert!(allows(&h, "https://web.push.apple.com/QGx"));
        assert!(!allows(&h, "https://evilfcm.googleapis.com/x"));
        assert!(!allows(&h, "https://fcm.googleapis.com.evil.example/x"));
        assert!(!allows(&h, "https://x.fcm.googleapis.com/x"));
        assert!(!allows(&h, "https://googleapis.com/x"));
    }

    #[test]
    fn wildcard_subdomain_not_bare_domain() {
        let h = care();
        assert!(allows(
            &h,
            "https://updates.push.services.mozilla.com/wpush/v2/x"
        ));
        assert!(allows(&h, "https://a.b.push.services.mozilla.com/x"));
        assert!(allows(
            &h,
            "https://wns2-by3p.notify.windows.com/w/?token=x"
        ));
        assert!(!allows(&h, "https://push.services.mozilla.com/x"));
        assert!(!allows(&h, "https://evilpush.services.mozilla.com/x"));
        assert!(!allows(
            &h,
            "https://x.push.services.mozilla.com.evil.example/x"
        ));
        // A subdomain pattern never matches an IP address.
        assert!(!allows(&one("http://*.0.0.1:*"), "http://127.0.0.1:80/"));
    }

    #[test]
    fn default_port_only_without_explicit_port() {
        let h = care();
        assert!(allows(&h, "https://fcm.googleapis.com:443/x"));
        assert!(!allows(&h, "https://fcm.googleapis.com:8443/x"));
        let http = one("http://example.com");
        assert!(allows(&http, "http://example.com/"));
        assert!(allows(&http, "http://example.com:80/"));
        assert!(!allows(&http, "http://example.com:8080/"));
    }

    #[test]
    fn explicit_port_and_range() {
        let h = one("http://127.0.0.1:8080");
        assert!(allows(&h, "http://127.0.0.1:8080/push"));
        assert!(!allows(&h, "http://127.0.0.1/push"));
        assert!(!allows(&h, "http://127.0.0.1:8081/push"));
        let r = one("http://localhost:8000..8002");
        assert!(allows(&r, "http://localhost:8000/"));
        assert!(allows(&r, "http://localhost:8001/"));
        assert!(!allows(&r, "http://localhost:8002/"));
    }

    #[test]
    fn any_port() {
        let h = one("http://127.0.0.1:*");
        assert!(allows(&h, "http://127.0.0.1:39123/push/1"));
        assert!(allows(&h, "http://127.0.0.1/push/1"));
        assert!(!allows(&h, "http://127.0.0.2:39123/push/1"));
        assert!(!allows(&h, "http://localhost:39123/push/1"));
        let v6 = one("http://[::1]:*");
        assert!(allows(&v6, "http://[::1]:39123/x"));
        assert!(!allows(&v6, "http://[::2]:39123/x"));
    }

    #[test]
    fn scheme_mismatch() {
        let h = care();
        assert!(!allows(&h, "http://fcm.googleapis.com/x"));
        assert!(!allows(&h, "http://fcm.googleapis.com:443/x"));
        assert!(!allows(
            &one("http://127.0.0.1:*"),
            "https://127.0.0.1:8443/"
        ));
        let any = one("*://example.com:*");
        assert!(allows(&any, "http://example.com/"));
        assert!(allows(&any, "https://example.com:8443/"));
        let all = one("*://*:*");
        assert!(allows(&all, "https://anything.example:1/"));
    }

    #[test]
    fn userinfo_refused() {
        let h = care();
        assert!(!allows(&h, "https://user@fcm.googleapis.com/x"));
        assert!(!allows(&h, "https://user:pw@fcm.googleapis.com/x"));
        assert!(!allows(&h, "https://fcm.googleapis.com@evil.example/x"));
        assert!(!allows(&one("*://*:*"), "https://u@example.com/"));
    }

    #[test]
    fn relative_uri_denied() {
        assert!(!allows(&one("*://*:*"), "/api/v1/health"));
        assert!(!AllowedHosts::default().allows(&"https://example.com/".parse().unwrap()));
    }

    /// Sends a GET through the hooks, as `wasi:http/client#send` would hand it over.
    async fn send(
        hooks: &mut OutboundHttp,
        url: &str,
    ) -> wasmtime_wasi_http::Result<http::Response<WasiBody>> {
        let body: WasiBody = http_body_util::Empty::<bytes::Bytes>::new()
            .map_err(|never| match never {})
            .boxed_unsync();
        let request = http::Request::get(url).body(body).unwrap();
        let fut = Box::new(async { Ok(()) });
        let (response, io) = Box::into_pin(hooks.send_request(request, None, fut)).await?;
        // Keep driving the connection while the body is read, as wasmtime does.
        tokio::spawn(Box::into_pin(io));
        Ok(response)
    }

    /// The hooks deny what the list does not allow, and send the rest with wasmtime's
    /// client: here to a one-shot HTTP/1.1 server on loopback.
    #[tokio::test]
    async fn hooks_deny_or_send() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "request head: {}", String::from_utf8_lossy(&head));
                head.extend_from_slice(&buf[..n]);
            }
            socket
                .write_all(
                    b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                )
                .await
                .unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });

        let mut hooks = OutboundHttp {
            component: Arc::from("care"),
            allowed: Arc::new(care()),
        };
        let denied = send(&mut hooks, &format!("http://127.0.0.1:{port}/push/1")).await;
        assert!(
            matches!(denied, Err(Error::HttpRequestDenied)),
            "{denied:?}"
        );

        let mut entries = care().entries().to_vec();
        entries.push(AllowedHost::parse("http://127.0.0.1:*").unwrap());
        hooks.allowed = Arc::new(AllowedHosts::new(entries));
        let response = send(&mut hooks, &format!("http://127.0.0.1:{port}/push/1"))
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"ok");
        let head = server.await.unwrap();
        assert!(head.starts_with("GET /push/1 HTTP/1.1\r\n"), "{head}");
    }

    #[test]
    fn entries_spin_refuses_or_the_harness_does_not_support() {
        for bad in [
            "fcm.googleapis.com",
            "*",
            "",
            "*://example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://ex*ample.com",
            "https://*.ex*ample.com",
            "https://*.",
            "https://example.com:port",
            "https://example.com:1..x",
            "h-t-t-p://example.com",
            "https://",
            "http://self",
            "http://self.alt",
            "https://{{ host }}",
            "https://10.0.0.0/8",
            "http://[::1",
        ] {
            assert!(
                AllowedHost::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        for good in [
            "https://example.com/",
            "https://example.com:443/",
            " https://example.com ",
            "http://[::1]",
            "redis://cache.example",
            "*://*:*",
        ] {
            assert!(AllowedHost::parse(good).is_ok(), "{good:?} should parse");
        }
    }
}
