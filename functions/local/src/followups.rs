//! Work after the response, each function's `after`: Web Push messages a request left in
//! the outbox (care), the region's places read into memory (portal). One thread per
//! function runs it as soon as a request asks (`kick`) and, as the retry timer, once a
//! minute when nothing asked (so a push send that hangs never holds up the portal's
//! read); the threads end once the host is gone.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use rainbownet_core::ports::outbound::Status;
use rainbownet_core::ports::{Outbound, OutboundError};

use rainbownet_core::Env;

use crate::functions::Component;

/// How often outbox rows whose earlier try failed (or that wait out quiet hours) are sent.
pub const RETRY_EVERY: Duration = Duration::from_secs(60);
/// A push service that has not answered by then is tried again later.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The wake-up of every function's thread.
pub struct Followups(Vec<(Component, Wake)>);

impl Default for Followups {
    fn default() -> Self {
        Followups(
            Component::ALL
                .into_iter()
                .map(|c| (c, Wake::default()))
                .collect(),
        )
    }
}

impl Followups {
    /// A request to `component` left work: its thread runs it now.
    pub fn kick(&self, component: Component) {
        if let Some((_, wake)) = self.0.iter().find(|(c, _)| *c == component) {
            wake.kick();
        }
    }
}

#[derive(Default)]
struct Wake {
    asked: Mutex<bool>,
    wake: Condvar,
}

impl Wake {
    /// A request left work: the thread runs it now rather than on its next tick.
    pub fn kick(&self) {
        *self.asked.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_one();
    }

    fn wait(&self, most: Duration) {
        let asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        let (mut asked, _) = self
            .wake
            .wait_timeout_while(asked, most, |asked| !*asked)
            .unwrap_or_else(|p| p.into_inner());
        *asked = false;
    }
}

/// What the threads run each function's `after` in: the host, as the environment it gives
/// each function (the server implements it; this module knows nothing else of it).
pub trait Runs: Send + Sync + 'static {
    fn followups(&self) -> Arc<Followups>;
    fn env_for(&self, component: Component) -> Env;
}

/// Starts the threads for `host`.
pub fn start<H: Runs>(host: &Arc<H>) -> std::io::Result<()> {
    let followups = host.followups();
    for component in Component::ALL {
        let weak: Weak<H> = Arc::downgrade(host);
        let followups = Arc::clone(&followups);
        std::thread::Builder::new()
            .name(format!("rainbownet-after-{}", component.name()))
            .spawn(move || {
                let Some((_, wake)) = followups.0.iter().find(|(c, _)| *c == component) else {
                    return;
                };
                loop {
                    wake.wait(RETRY_EVERY);
                    let Some(host) = weak.upgrade() else { break };
                    let env = host.env_for(component);
                    pollster::block_on(component.after(&env));
                }
            })?;
    }
    Ok(())
}

/// HTTPS out of the local host (rustls, the Mozilla root store), no redirects followed.
#[derive(Clone)]
pub struct HttpOut(ureq::Agent);

impl HttpOut {
    pub fn new() -> HttpOut {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(SEND_TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .new_agent();
        HttpOut(agent)
    }
}

impl Default for HttpOut {
    fn default() -> Self {
        HttpOut::new()
    }
}

#[async_trait(?Send)]
impl Outbound for HttpOut {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Status, OutboundError> {
        // The followups thread blocks here, never a request's thread.
        self.0
            .run(request)
            .map(|response| response.status().as_u16())
            .map_err(|e| OutboundError::Failed(e.to_string()))
    }
}
