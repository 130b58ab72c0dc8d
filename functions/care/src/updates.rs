//! What reaches a professional without asking: push subscriptions, notification settings,
//! and the polled summary of what is new.

use rainbownet_core::care::{push, updates};
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{created, items, no_content, ok};
use rainbownet_core::{Error, Response};

pub async fn push_key(c: Call<'_>) -> Result<Response, Error> {
    c.who.subject()?;
    let key = push::subscriptions::vapid(c.env)?.public_key();
    Ok(ok(&serde_json::json!({ "public_key": key })))
}

pub async fn devices(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &push::subscriptions::list(c.env, c.who.subject()?).await?,
    ))
}

pub async fn subscribe(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    Ok(created(
        &push::subscriptions::subscribe(c.env, c.req, caller, c.json()?).await?,
    ))
}

pub async fn unsubscribe(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    push::subscriptions::unsubscribe(c.env, c.req, caller, c.param("subscription")).await?;
    Ok(no_content())
}

pub async fn settings(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(
        &push::preferences::get(c.env, &c.who.subject()?.sub).await?
    ))
}

pub async fn put_settings(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    Ok(ok(
        &push::preferences::put(c.env, c.req, caller, c.json()?).await?
    ))
}

pub async fn updates(c: Call<'_>) -> Result<Response, Error> {
    updates::respond(c.req, &updates::get(c.env, c.who.subject()?).await?)
}
