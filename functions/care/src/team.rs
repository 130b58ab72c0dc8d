//! Working together beyond one patient: the directory of professionals, projects with their
//! own posts, and direct messages.

use rainbownet_core::care::{directory, messages, projects};
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{created, items, no_content, ok};
use rainbownet_core::{Error, Response};

pub async fn directory(c: Call<'_>) -> Result<Response, Error> {
    let q = c.query("q").unwrap_or_default();
    Ok(items(
        &directory::search(c.env, c.who.subject()?, &q).await?,
    ))
}

pub async fn projects(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(&projects::list_mine(c.env, c.who.subject()?).await?))
}

pub async fn create_project(c: Call<'_>) -> Result<Response, Error> {
    let project = projects::create(c.env, c.req, c.who.subject()?, c.json()?).await?;
    Ok(created(&project))
}

pub async fn project(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&projects::get(c.env, c.req, c.who.project()?).await?))
}

pub async fn add_member(c: Call<'_>) -> Result<Response, Error> {
    let project = c.who.project()?;
    Ok(created(
        &projects::add_member(c.env, c.req, project, c.json()?).await?,
    ))
}

pub async fn remove_member(c: Call<'_>) -> Result<Response, Error> {
    projects::remove_member(c.env, c.req, c.who.project()?, c.param("professional")).await?;
    Ok(no_content())
}

pub async fn posts(c: Call<'_>) -> Result<Response, Error> {
    let (cursor, limit) = c.page();
    let page = projects::posts(c.env, c.req, c.who.project()?, cursor.as_deref(), limit).await?;
    Ok(ok(&page))
}

pub async fn post(c: Call<'_>) -> Result<Response, Error> {
    let project = c.who.project()?;
    let post = projects::post(c.env, c.req, project, c.json()?, c.idempotency_key()).await?;
    Ok(created(&post))
}

pub async fn conversations(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(
        &messages::conversations(c.env, c.who.subject()?).await?,
    ))
}

pub async fn thread(c: Call<'_>) -> Result<Response, Error> {
    let (cursor, limit) = c.page();
    let with = c.param("professional");
    let caller = c.who.subject()?;
    let page = messages::thread(c.env, c.req, caller, with, cursor.as_deref(), limit).await?;
    Ok(ok(&page))
}

pub async fn send(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.subject()?;
    let (to, input, key) = (c.param("professional"), c.json()?, c.idempotency_key());
    Ok(created(
        &messages::send(c.env, c.req, caller, to, input, key).await?,
    ))
}
