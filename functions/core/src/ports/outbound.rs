//! Requests that leave the deployment: Web Push messages to a browser vendor's push
//! service. The core decides where a request may go (an allow-list of push services);
//! the host only carries it.

use async_trait::async_trait;

/// The answer of the remote server: its status. Bodies of push services carry nothing we
/// act on.
pub type Status = u16;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The host has no way out (a build without an HTTP client).
    #[error("outbound HTTP is not available on this host")]
    NotAvailable,
    /// The request did not get an answer (refused, timed out, TLS failed). For the log.
    #[error("outbound request failed: {0}")]
    Failed(String),
}

#[async_trait(?Send)]
pub trait Outbound {
    /// Sends the request as is, follows no redirect, and answers the status.
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Status, OutboundError>;
}

/// For hosts and tools that send nothing.
pub struct NoOutbound;

#[async_trait(?Send)]
impl Outbound for NoOutbound {
    async fn send(&self, _request: http::Request<Vec<u8>>) -> Result<Status, OutboundError> {
        Err(OutboundError::NotAvailable)
    }
}
