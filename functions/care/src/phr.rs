//! PHR (issue #34): home blood pressure, the team's thresholds for readings, and the
//! alerts a reading outside them raises.

use rainbownet_core::care::{alerts, home_bp, thresholds};
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{items, ok};
use rainbownet_core::{Error, Response};

pub async fn home_bp(c: Call<'_>) -> Result<Response, Error> {
    let days = home_bp::parse_days(c.query("days").as_deref())?;
    Ok(ok(
        &home_bp::summary(c.env, c.req, c.who.reader()?, days).await?
    ))
}

pub async fn thresholds(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &thresholds::get(c.env, c.req, c.who.member()?).await?,
    ))
}

pub async fn set_thresholds(c: Call<'_>) -> Result<Response, Error> {
    let input = c.json()?;
    Ok(items(
        &thresholds::put(c.env, c.req, c.who.member()?, input).await?,
    ))
}

pub async fn alerts(c: Call<'_>) -> Result<Response, Error> {
    let only_open = c.query("open").as_deref() == Some("true");
    Ok(items(
        &alerts::list(c.env, c.req, c.who.member()?, only_open).await?,
    ))
}

pub async fn acknowledge_alert(c: Call<'_>) -> Result<Response, Error> {
    let alert = alerts::acknowledge(c.env, c.req, c.who.member()?, c.param("alert")).await?;
    Ok(ok(&alert))
}
