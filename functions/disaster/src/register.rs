//! The register of people who need help in a disaster, its districts, and the teams of
//! supporters assigned to them.

use rainbownet_core::disaster::{self, districts, register, teams};
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{created, items, ok};
use rainbownet_core::{Error, Response};

/// The town asked for, or the caller's own.
fn town(c: &Call<'_>) -> Result<String, Error> {
    let own = c.who.subject()?.municipality.clone();
    Ok(c.query("municipality").or(own).unwrap_or_default())
}

pub async fn list(c: Call<'_>) -> Result<Response, Error> {
    let town = town(&c)?;
    let cursor = c.query("cursor");
    let caller = c.who.subject()?;
    Ok(ok(&register::list(
        c.env,
        c.req,
        caller,
        &town,
        cursor.as_deref(),
    )
    .await?))
}

pub async fn import(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    let town = c.query("municipality").unwrap_or_default();
    disaster::require_staff(c.env, c.req, caller, &town, c.action).await?;
    let report = register::import(c.env, Some(c.req), &caller.sub, &town, c.req.body()).await?;
    Ok(ok(&report))
}

pub async fn districts(c: Call<'_>) -> Result<Response, Error> {
    let town = town(&c)?;
    disaster::require_staff(c.env, c.req, c.who.subject()?, &town, c.action).await?;
    Ok(items(&districts::list(c.env, &town).await?))
}

pub async fn create_team(c: Call<'_>) -> Result<Response, Error> {
    let team = teams::create(c.env, c.req, c.who.subject()?, c.json()?).await?;
    Ok(created(&team))
}

/// A team is seen by its town's staff and its own members; to anyone else it does not exist.
pub async fn team(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    let team = teams::load(c.env, c.param("team")).await?;
    if !disaster::is_staff_of(caller, &team.municipality_code)
        && !team.members.contains(&caller.sub)
    {
        return Err(Error::NotFound);
    }
    Ok(ok(&team))
}

pub async fn assign(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    let assigned = teams::assign(c.env, c.req, caller, c.param("team"), c.json()?).await?;
    Ok(created(&assigned))
}
