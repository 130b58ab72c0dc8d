//! A declared disaster: its check-ins from supporters, and the HQ's totals, lists and
//! exports.

use ::http::{HeaderValue, header};
use rainbownet_core::disaster::{checkins, events, figures, summary};
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{created, csv, items, ok};
use rainbownet_core::{Error, Response};

pub async fn list(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(&events::list(c.env, c.who.subject()?).await?))
}

pub async fn declare(c: Call<'_>) -> Result<Response, Error> {
    let event = events::declare(c.env, c.req, c.who.subject()?, c.json()?).await?;
    Ok(created(&event))
}

pub async fn get(c: Call<'_>) -> Result<Response, Error> {
    let event = events::visible(c.env, c.req, c.who.subject()?, c.param("event"), c.action).await?;
    Ok(ok(&event))
}

pub async fn close(c: Call<'_>) -> Result<Response, Error> {
    let closed = events::close(c.env, c.req, c.who.subject()?, c.param("event")).await?;
    Ok(ok(&closed))
}

pub async fn people(c: Call<'_>) -> Result<Response, Error> {
    let district = c.query("district");
    let caller = c.who.subject()?;
    let people =
        checkins::people(c.env, c.req, caller, c.param("event"), district.as_deref()).await?;
    Ok(items(&people))
}

/// A replay (same `Idempotency-Key`) gets the first result again, marked as such.
pub async fn check_in(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    let (event, input, key) = (c.param("event"), c.json()?, c.idempotency_key());
    let recorded = checkins::record(c.env, c.req, caller, event, input, key).await?;
    let mut response = created(&recorded.checkin);
    if !recorded.created {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

pub async fn history_csv(c: Call<'_>) -> Result<Response, Error> {
    let bytes = checkins::history_csv(c.env, c.req, c.who.subject()?, c.param("event")).await?;
    Ok(csv(bytes, "checkins.csv"))
}

pub async fn summary(c: Call<'_>) -> Result<Response, Error> {
    let totals = totals(&c, summary::Logged::OncePerMinute).await?;
    Ok(polled(ok(&totals)))
}

pub async fn summary_csv(c: Call<'_>) -> Result<Response, Error> {
    let totals = totals(&c, summary::Logged::EveryTime).await?;
    Ok(polled(csv(summary::summary_csv(&totals)?, "summary.csv")))
}

/// The figures this instance has read (the local host's process, a Worker isolate).
static KEPT: figures::KeptFigures = figures::KeptFigures::new();

async fn totals(c: &Call<'_>, logged: summary::Logged) -> Result<summary::Summary, Error> {
    let caller = c.who.subject()?;
    summary::summary(c.env, c.req, caller, c.param("event"), logged, &KEPT).await
}

/// The HQ polls; a few seconds of private caching absorbs reloads without hiding a new
/// report for long.
fn polled(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=5"),
    );
    response
}

pub async fn attention(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    Ok(items(
        &summary::attention(c.env, c.req, caller, c.param("event")).await?,
    ))
}
