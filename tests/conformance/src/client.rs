//! A small blocking HTTP client over ureq that never treats a status as an error: the
//! suite asserts on statuses itself. The same client also calls the local host in process
//! (no port, no connection), so that every case runs in both ways.

use std::sync::Arc;
use std::time::Duration;

enum Transport {
    Http(ureq::Agent),
    /// The local host's request handling, called directly as its server would call it.
    InProcess(Arc<rainbownet::server::Host>),
}

pub struct Client {
    transport: Transport,
    pub base: String,
    /// The suite's own sysadmin session (access token, refresh token, when obtained): the
    /// bootstrap token registers it first and then closes, as it would for a town.
    pub registrar: std::sync::Mutex<Option<(String, String, std::time::Instant)>>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Client {
            transport: Transport::Http(agent),
            base: base.trim_end_matches('/').to_owned(),
            registrar: std::sync::Mutex::new(None),
        }
    }

    /// A client of `host` in this process: requests go to [`Host::handle_from`] as from
    /// 127.0.0.1, the address the launched hosts also see.
    ///
    /// [`Host::handle_from`]: rainbownet::server::Host::handle_from
    pub fn in_process(host: Arc<rainbownet::server::Host>) -> Client {
        Client {
            transport: Transport::InProcess(host),
            base: "http://127.0.0.1".into(),
            registrar: std::sync::Mutex::new(None),
        }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Resp, String> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let agent = match &self.transport {
            Transport::Http(agent) => agent,
            Transport::InProcess(host) => {
                let request = builder
                    .header(http::header::HOST, "127.0.0.1")
                    .uri(path)
                    .body(body.unwrap_or_default())
                    .map_err(|e| format!("{method} {path}: {e}"))?;
                let response = host.handle_from(request, std::net::IpAddr::from([127, 0, 0, 1]));
                let (parts, body) = response.into_parts();
                return Ok(Resp {
                    status: parts.status.as_u16(),
                    headers: parts.headers,
                    body,
                });
            }
        };
        let request = builder
            .body(body.unwrap_or_default())
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let mut response = agent
            .run(request)
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| format!("{method} {path}: reading body: {e}"))?;
        Ok(Resp {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body,
        })
    }

    pub fn get(&self, path: &str) -> Result<Resp, String> {
        self.request("GET", path, &[], None)
    }
}
