//! Authentication. Until professional logins land, administration is guarded by a
//! bootstrap token from configuration (`RAINBOWNET_ADMIN_TOKEN`).

pub mod bootstrap;
