//! Where the database and config live, and who the user is.

use std::path::PathBuf;

use anyhow::{Context, Result};
use etcetera::BaseStrategy;
use serde::Deserialize;

/// `config.toml` under the XDG config directory (or `$CLAIMDB_CONFIG`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Name recorded on changes when `--user` is not given.
    pub user: Option<String>,
    /// Publisher named in ClaimReview exports.
    pub publisher: Option<String>,
}

fn base() -> Result<etcetera::base_strategy::Xdg> {
    etcetera::base_strategy::Xdg::new().context("cannot find the home directory; pass --db")
}

pub fn config_path() -> Result<PathBuf> {
    match std::env::var_os("CLAIMDB_CONFIG") {
        Some(p) => Ok(PathBuf::from(p)),
        None => Ok(base()?.config_dir().join("claimdb").join("config.toml")),
    }
}

pub fn load() -> Result<Config> {
    let path = config_path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub fn default_db() -> Result<PathBuf> {
    Ok(base()?.data_dir().join("claimdb").join("claims.db"))
}

/// `--user`/`CLAIMDB_USER`, then the config file, then `$USER`.
pub fn user(flag: Option<&str>, config: &Config) -> String {
    flag.map(str::to_string)
        .or_else(|| config.user.clone())
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}
