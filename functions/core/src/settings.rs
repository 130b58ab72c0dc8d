//! Every setting the core reads, named once: whether a deployment must give it and whether
//! it is a secret. Hosts read settings by these names (Spin loads them all up front, as its
//! variables are async), and a test checks `spin.toml`'s variables against this list.

/// One setting of a deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable (local host), Worker variable or secret, and, lower-cased,
    /// the Spin variable.
    pub name: &'static str,
    /// Whether a deployment on the edge must give it (the local host makes its own keys).
    pub required: bool,
    /// Whether it is a secret: never logged, a Worker secret, a Spin `secret = true`.
    pub secret: bool,
}

impl Setting {
    /// The Spin variable's name.
    pub fn spin_name(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// The bootstrap administrator token (at least 16 characters; closes once a sysadmin exists).
pub const ADMIN_TOKEN: Setting = Setting {
    name: "RAINBOWNET_ADMIN_TOKEN",
    required: false,
    secret: true,
};
/// The public origin for canonical links and QR codes (`https://map.example.jp`).
pub const PUBLIC_ORIGIN: Setting = Setting {
    name: "RAINBOWNET_PUBLIC_ORIGIN",
    required: false,
    secret: false,
};
/// A map tile URL template (`https://host/{z}/{x}/{y}.png`).
pub const TILE_URL: Setting = Setting {
    name: "RAINBOWNET_TILE_URL",
    required: false,
    secret: false,
};
/// The tile server's attribution, shown on every map.
pub const TILE_ATTRIBUTION: Setting = Setting {
    name: "RAINBOWNET_TILE_ATTRIBUTION",
    required: false,
    secret: false,
};
/// 64 hex characters: the seed of the Ed25519 key that signs access tokens (`care` only).
pub const JWT_SEED: Setting = Setting {
    name: "RAINBOWNET_JWT_SEED",
    required: true,
    secret: true,
};
/// 64 hex characters: the public key of that seed, for the functions that only verify.
pub const JWT_PUBLIC_KEY: Setting = Setting {
    name: "RAINBOWNET_JWT_PUBLIC_KEY",
    required: true,
    secret: false,
};
/// 64 hex characters: the key that seals TOTP seeds at rest (else derived from the seed).
pub const DATA_KEY: Setting = Setting {
    name: "RAINBOWNET_DATA_KEY",
    required: false,
    secret: true,
};

/// The address of the one proxy whose `X-Forwarded-For` is believed (local host and Spin;
/// Workers read Cloudflare's own). Empty: the peer is the client.
pub const TRUSTED_PROXY: Setting = Setting {
    name: "RAINBOWNET_TRUSTED_PROXY",
    required: false,
    secret: false,
};

/// Where Web Push messages may be sent: host names, `*.` for subdomains, comma-separated.
/// Empty: the major browsers' push services (a test adds its loopback receiver).
pub const PUSH_HOSTS: Setting = Setting {
    name: "RAINBOWNET_PUSH_HOSTS",
    required: false,
    secret: false,
};

/// The contact the push services see in our VAPID tokens (`mailto:` or `https:`). Empty:
/// the public origin, or a placeholder.
pub const VAPID_SUBJECT: Setting = Setting {
    name: "RAINBOWNET_VAPID_SUBJECT",
    required: false,
    secret: false,
};

pub const ALL: [Setting; 10] = [
    ADMIN_TOKEN,
    PUBLIC_ORIGIN,
    TILE_URL,
    TILE_ATTRIBUTION,
    JWT_SEED,
    JWT_PUBLIC_KEY,
    DATA_KEY,
    TRUSTED_PROXY,
    PUSH_HOSTS,
    VAPID_SUBJECT,
];

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique_and_prefixed() {
        let mut names: Vec<&str> = super::ALL.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), super::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("RAINBOWNET_")));
    }
}
