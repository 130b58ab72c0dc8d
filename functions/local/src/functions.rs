//! The functions this host runs, by their `spin.toml` component name.

use rainbownet_assets::Assets;
use rainbownet_care::Care;
use rainbownet_core::http::{Request, Response};
use rainbownet_core::{Env, Function};
use rainbownet_disaster::Disaster;
use rainbownet_health::Health;
use rainbownet_portal::Portal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    Portal,
    Care,
    Disaster,
    Health,
    Assets,
}

impl Component {
    pub const ALL: [Component; 5] = [
        Component::Portal,
        Component::Care,
        Component::Disaster,
        Component::Health,
        Component::Assets,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Component::Portal => Portal::NAME,
            Component::Care => Care::NAME,
            Component::Disaster => Disaster::NAME,
            Component::Health => Health::NAME,
            Component::Assets => Assets::NAME,
        }
    }

    pub fn from_name(name: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The most body the request with this head may carry (`Function::body_limit`).
    pub fn body_limit(
        self,
        method: &http::Method,
        path: &str,
        headers: &http::HeaderMap,
        env: &Env,
    ) -> usize {
        match self {
            Component::Portal => Portal::body_limit(method, path, headers, env),
            Component::Care => Care::body_limit(method, path, headers, env),
            Component::Disaster => Disaster::body_limit(method, path, headers, env),
            Component::Health => Health::body_limit(method, path, headers, env),
            Component::Assets => Assets::body_limit(method, path, headers, env),
        }
    }

    /// The function's work for after a response (see `Function::after`).
    pub async fn after(self, env: &Env) {
        match self {
            Component::Portal => Portal::after(env).await,
            Component::Care => Care::after(env).await,
            Component::Disaster => Disaster::after(env).await,
            Component::Health => Health::after(env).await,
            Component::Assets => Assets::after(env).await,
        }
    }

    pub async fn handle(self, req: Request, env: &Env) -> Response {
        match self {
            Component::Portal => rainbownet_portal::handle(req, env).await,
            Component::Care => rainbownet_care::handle(req, env).await,
            Component::Disaster => rainbownet_disaster::handle(req, env).await,
            Component::Health => rainbownet_health::handle(req, env).await,
            Component::Assets => rainbownet_assets::handle(req, env).await,
        }
    }
}
