//! Outbound HTTP through the Workers `fetch` API (Web Push to the push services).

use async_trait::async_trait;
use rainbownet_core::ports::outbound::Status;
use rainbownet_core::ports::{Outbound, OutboundError};

pub struct FetchOut;

fn failed(e: worker::Error) -> OutboundError {
    OutboundError::Failed(e.to_string())
}

#[async_trait(?Send)]
impl Outbound for FetchOut {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Status, OutboundError> {
        let (parts, body) = request.into_parts();
        let headers = worker::Headers::new();
        for (name, value) in &parts.headers {
            if let Ok(value) = value.to_str() {
                headers.append(name.as_str(), value).map_err(failed)?;
            }
        }
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::from(parts.method.to_string()))
            .with_headers(headers)
            .with_redirect(worker::RequestRedirect::Manual)
            .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        let request =
            worker::Request::new_with_init(&parts.uri.to_string(), &init).map_err(failed)?;
        let response = worker::Fetch::Request(request)
            .send()
            .await
            .map_err(failed)?;
        Ok(response.status_code())
    }
}
