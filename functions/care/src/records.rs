//! What the network keeps about its own use: the audit log and the usage report, for the
//! people allowed to read them.

use rainbownet_core::audit;
use rainbownet_core::auth::admin;
use rainbownet_core::care::usage;
use rainbownet_core::guard::Call;
use rainbownet_core::http::respond::{csv, ok};
use rainbownet_core::{Error, Response};

pub async fn audit(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.admin()?;
    let filter = audit::Filter::from_query(c.req)?;
    let target = filter.target.as_deref();
    admin::may_read_audit_recorded(c.env, c.req, &caller, "audit.read", target).await?;
    let limit = c
        .query("limit")
        .and_then(|l| l.parse::<u32>().ok())
        .unwrap_or(100)
        .clamp(1, 1_000);
    let (items, next_cursor) = audit::list(c.env, &filter, limit).await?;
    Ok(ok(
        &serde_json::json!({ "items": items, "next_cursor": next_cursor }),
    ))
}

pub async fn audit_csv(c: Call<'_>) -> Result<Response, Error> {
    let caller = c.who.admin()?;
    let mut filter = audit::Filter::from_query(c.req)?;
    let target = filter.target.as_deref();
    admin::may_read_audit_recorded(c.env, c.req, &caller, "audit.export", target).await?;
    let items = audit::list_all(c.env, &mut filter).await?;
    Ok(csv(audit::csv(&items)?, "audit.csv"))
}

pub async fn usage(c: Call<'_>) -> Result<Response, Error> {
    Ok(ok(&usage_report(&c).await?))
}

pub async fn usage_csv(c: Call<'_>) -> Result<Response, Error> {
    Ok(csv(usage::csv(&usage_report(&c).await?)?, "usage.csv"))
}

/// The report of the town asked for, if the caller may read it (staff: their own town).
async fn usage_report(c: &Call<'_>) -> Result<usage::Usage, Error> {
    let asked = c.query("municipality").filter(|m| !m.is_empty());
    let town = usage::scope(c.who.subject()?, asked.as_deref())?;
    usage::report(c.env, town.as_deref()).await
}
