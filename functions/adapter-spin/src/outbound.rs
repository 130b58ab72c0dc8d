//! Outbound HTTP through `wasi:http` (Web Push to the push services). Spin lets out only
//! the hosts in the component's `allowed_outbound_hosts`; the core checks its own list too.

use async_trait::async_trait;
use bytes::Bytes;
use rainbownet_core::ports::outbound::Status;
use rainbownet_core::ports::{Outbound, OutboundError};
use spin_sdk::http::FullBody;

pub struct SpinOut;

#[async_trait(?Send)]
impl Outbound for SpinOut {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Status, OutboundError> {
        // Without it the body goes chunked; push services expect its length up front.
        let length = http::HeaderValue::from(request.body().len());
        let mut request = request.map(|body| FullBody::new(Bytes::from(body)));
        request
            .headers_mut()
            .insert(http::header::CONTENT_LENGTH, length);
        let response = spin_sdk::http::send(request)
            .await
            .map_err(|e| OutboundError::Failed(format!("{e:?}")))?;
        Ok(response.status().as_u16())
    }
}
