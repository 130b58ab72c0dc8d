//! Work after the response: Web Push messages a request left in the outbox. One thread per
//! host sends them as soon as a request asks (`kick`) and, as the retry timer, once a
//! minute when nothing asked; it ends once the host is gone.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use rainbownet_core::ports::outbound::Status;
use rainbownet_core::ports::{Outbound, OutboundError};

use crate::functions::Component;
use crate::server::Host;

/// How often outbox rows whose earlier try failed (or that wait out quiet hours) are sent.
pub const RETRY_EVERY: Duration = Duration::from_secs(60);
/// A push service that has not answered by then is tried again later.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Followups {
    asked: Mutex<bool>,
    wake: Condvar,
}

impl Followups {
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

/// Starts the thread for `host`.
pub fn start(host: &Arc<Host>) -> std::io::Result<()> {
    let weak: Weak<Host> = Arc::downgrade(host);
    let followups = host.followups();
    std::thread::Builder::new()
        .name("rainbownet-followups".into())
        .spawn(move || {
            loop {
                followups.wait(RETRY_EVERY);
                let Some(host) = weak.upgrade() else { break };
                let env = host.env_for(Component::Care);
                pollster::block_on(Component::Care.after(&env));
            }
        })
        .map(|_| ())
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
