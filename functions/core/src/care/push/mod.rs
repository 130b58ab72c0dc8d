//! Notifications to professionals' phones by Web Push, carrying no patient data.
//!
//! A post, comment, project post or direct message writes one outbox row per recipient in
//! its own transaction (`outbox`); the host sends them after the response and retries on a
//! timer (`deliver`). Each message holds only a kind, an opaque id and a count: it passes
//! through the browser vendor's push service, so the service worker fetches the rest over
//! our own API once the person opens it. Endpoints are stored only on an allow-list of push
//! services, so a subscription can not make the server call an arbitrary URL.

pub mod deliver;
pub mod outbox;
pub mod preferences;
pub mod subscriptions;
pub mod webpush;

use crate::env::Env;

/// The push services of the major browsers: Chrome/Edge/Android (FCM), Firefox (Mozilla
/// autopush), Edge on Windows (WNS), Safari (Apple).
pub const DEFAULT_HOSTS: &str =
    "fcm.googleapis.com,*.push.services.mozilla.com,*.notify.windows.com,web.push.apple.com";

/// Where push messages may go: host names, `*.` for any subdomain. A loopback address
/// listed here may be plain `http` (a test's receiver); everything else must be `https`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts(Vec<String>);

impl AllowedHosts {
    pub fn parse(list: &str) -> AllowedHosts {
        AllowedHosts(
            list.split([',', ' ', '\n'])
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        )
    }

    /// `RAINBOWNET_PUSH_HOSTS`, or the major browsers' services.
    pub fn from_env(env: &Env) -> AllowedHosts {
        let configured = env
            .config
            .get(crate::settings::PUSH_HOSTS.name)
            .filter(|v| !v.trim().is_empty());
        AllowedHosts::parse(configured.as_deref().unwrap_or(DEFAULT_HOSTS))
    }

    /// Whether `endpoint` is an absolute URL on a listed host with an allowed scheme.
    pub fn admits(&self, endpoint: &str) -> bool {
        let Some((scheme, rest)) = endpoint.split_once("://") else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // Push services' URLs are plain ASCII; a backslash or a byte beyond it is how a URL
        // parser is made to read another host than this check did.
        if authority.contains('@')
            || !endpoint.is_ascii()
            || endpoint
                .chars()
                .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        {
            return false;
        }
        let host = host_of(authority).to_ascii_lowercase();
        if host.is_empty() {
            return false;
        }
        // The services listen on 443: another port is somebody else's server behind a
        // listed name, or one that holds every delivery up until it times out.
        let port = authority[host.len()..].strip_prefix(':');
        let loopback = host == "127.0.0.1" || host == "[::1]" || host == "localhost";
        if port.is_some_and(|p| p != "443") && !loopback {
            return false;
        }
        let listed = self
            .0
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => host == *pattern,
            });
        listed && (scheme == "https" || (scheme == "http" && loopback))
    }
}

/// The host of `host[:port]` (an IPv6 literal keeps its brackets).
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::AllowedHosts;

    #[test]
    fn only_listed_push_services_over_https() {
        let hosts = AllowedHosts::parse(super::DEFAULT_HOSTS);
        assert!(hosts.admits("https://fcm.googleapis.com/fcm/send/abc:def"));
        assert!(hosts.admits("https://updates.push.services.mozilla.com/wpush/v2/gAAA"));
        assert!(hosts.admits("https://web.push.apple.com/QGuQ"));
        assert!(hosts.admits("https://fcm.googleapis.com:443/fcm/send/abc"));
        for refused in [
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com.evil.example/x",
            "https://evilfcm.googleapis.com/x",
            "https://push.services.mozilla.com/x",
            "https://user@fcm.googleapis.com/x",
            "https://169.254.169.254/latest/meta-data",
            "http://127.0.0.1:8080/push",
            "fcm.googleapis.com/x",
            "https://fcm.googleapis.com/a b",
            "https://fcm.googleapis.com:8443/fcm/send/abc",
            "https://fcm.googleapis.com:443@evil.example/x",
            "https://fcm.googleapis.com\\@evil.example/x",
            "https://fcm.googleapis.com\\.evil.example/x",
            "https://fcm.googleapis.com/fcm/send/ä",
        ] {
            assert!(!hosts.admits(refused), "{refused}");
        }
        let tests = AllowedHosts::parse("fcm.googleapis.com, 127.0.0.1");
        assert!(tests.admits("http://127.0.0.1:39211/push/a"));
        assert!(!tests.admits("http://127.0.0.2:39211/push/a"));
    }
}
