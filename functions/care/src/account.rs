//! Professionals' accounts: registration, login and sessions, and what an org admin does
//! for their organization's staff (status, invitations).

use rainbownet_core::auth::{enrolment, invitations, login, passkey, sessions, staff};
use rainbownet_core::care::family_caller;
use rainbownet_core::care::family_join;
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{created, items, no_content, ok};
use rainbownet_core::{Error, Response};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshInput {
    refresh_token: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogoutInput {
    #[serde(default)]
    refresh_token: Option<String>,
}

/// The bootstrap token registers the first administrators (and a sysadmin may register
/// anyone); everyone else joins by invitation.
pub async fn create_professional(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.admin()?;
    caller.may_manage(None)?;
    let enrolment = enrolment::create_professional(c.env, c.req, caller.actor(), c.json()?).await?;
    Ok(created(&enrolment))
}

pub async fn login(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&login::login(c.env, c.req, &c.json()?).await?))
}

pub async fn refresh(c: Call<'_>) -> Result<Response, Error> {
    let input: RefreshInput = c.json()?;
    Ok(ok(
        &sessions::refresh(c.env, c.req, &input.refresh_token).await?
    ))
}

pub async fn logout(c: Call<'_>) -> Result<Response, Error> {
    let input: LogoutInput = if c.req.body().is_empty() {
        LogoutInput::default()
    } else {
        c.json()?
    };
    let caller = c.who.signed_in()?;
    sessions::logout(c.env, c.req, caller, input.refresh_token.as_deref()).await?;
    Ok(no_content())
}

/// The caller's own profile (a family member's names the patient they follow).
pub async fn me(c: Call<'_>) -> Result<Response, Error> {
    match c.who.family() {
        Some(linked) => Ok(ok(&family_caller::profile(c.env, linked).await?)),
        None => Ok(ok(&enrolment::profile(c.env, c.who.subject()?).await?)),
    }
}

pub async fn passkey_options(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&passkey::signin_options(c.env, c.req)?))
}

pub async fn passkey_sign_in(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&passkey::sign_in(c.env, c.req, c.json()?).await?))
}

pub async fn passkeys(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(&passkey::list(c.env, c.who.signed_in()?).await?))
}

pub async fn passkey_add_options(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(
        &passkey::add_options(c.env, c.req, c.who.signed_in()?).await?
    ))
}

pub async fn passkey_add(c: Call<'_>) -> Result<Response, Error> {
    let input = c.json()?;
    Ok(created(
        &passkey::add(c.env, c.req, c.who.signed_in()?, input).await?,
    ))
}

pub async fn staff(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(&staff::list(c.env, c.who.subject()?).await?))
}

pub async fn disable(c: Call<'_>) -> Result<Response, Error> {
    set_status(c, staff::AccountStatus::Disabled).await
}

pub async fn enable(c: Call<'_>) -> Result<Response, Error> {
    set_status(c, staff::AccountStatus::Active).await
}

async fn set_status(c: Call<'_>, status: staff::AccountStatus) -> Result<Response, Error> {
    let id = c.param("professional");
    staff::set_status(c.env, c.req, c.who.subject()?, id, status).await?;
    Ok(no_content())
}

pub async fn invite(c: Call<'_>) -> Result<Response, Error> {
    let invitation = invitations::create(c.env, c.req, c.who.subject()?, c.json()?).await?;
    Ok(created(&invitation))
}

pub async fn invitations(c: Call<'_>) -> Result<Response, Error> {
    Ok(items(&invitations::list(c.env, c.who.subject()?).await?))
}

pub async fn revoke_invitation(c: Call<'_>) -> Result<Response, Error> {
    invitations::revoke(c.env, c.req, c.who.subject()?, c.param("invitation")).await?;
    Ok(no_content())
}

pub async fn family_join_options(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&family_join::options(c.env, c.req, c.json()?).await?))
}

pub async fn family_join(c: Call<'_>) -> Result<Response, Error> {
    Ok(created(&family_join::join(c.env, c.req, c.json()?).await?))
}

pub async fn accept_invitation(c: Call<'_>) -> Result<Response, Error> {
    Ok(created(
        &invitations::accept(c.env, c.req, c.json()?).await?,
    ))
}
