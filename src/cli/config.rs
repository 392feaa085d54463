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
    /// How ClaimReview exports present the desk.
    #[serde(default)]
    pub claimreview: ClaimReviewConfig,
}

/// The `[claimreview]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimReviewConfig {
    /// The publisher's web address.
    pub publisher_url: Option<String>,
    /// The address of the publisher's logo image.
    pub logo: Option<String>,
    /// The reviews' language, such as `en`.
    pub language: Option<String>,
    /// Review URLs are this prefix plus the claim id.
    pub url_base: Option<String>,
    /// The desk's rating scale; the built-in one (1 false .. 5 verified) when absent.
    pub scale: Option<ScaleConfig>,
}

/// `[claimreview.scale]`: `best`, `worst`, and under `ratings` a `name` and optional `value`
/// for every verdict status.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleConfig {
    pub best: i64,
    pub worst: i64,
    pub ratings: std::collections::BTreeMap<String, RatingConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingConfig {
    pub name: String,
    pub value: Option<i64>,
}

impl ScaleConfig {
    /// The scale, checked; errors name the config file.
    pub fn scale(&self) -> Result<claimdb::interchange::RatingScale> {
        let ratings = self
            .ratings
            .iter()
            .map(|(k, r)| {
                (
                    k.clone(),
                    claimdb::interchange::Rating {
                        name: r.name.clone(),
                        value: r.value,
                    },
                )
            })
            .collect();
        let path = config_path()?;
        claimdb::interchange::RatingScale::new(self.best, self.worst, ratings).map_err(|e| {
            claimdb::Error::invalid(format!("{}: [claimreview.scale]: {e}", path.display())).into()
        })
    }
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
    // A file named on purpose must be there; the default one is optional.
    let named = std::env::var_os("CLAIMDB_CONFIG").is_some();
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && named => Err(anyhow::anyhow!(
            "CLAIMDB_CONFIG names {}, which does not exist; create it (it may be empty) or unset CLAIMDB_CONFIG",
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub fn default_db() -> Result<PathBuf> {
    Ok(base()?.data_dir().join("claimdb").join("claims.db"))
}

/// `--user`/`CLAIMDB_USER`, then the config file, then `$USER`; `None` when none is set
/// (the database's recorded user is used then). A name given but empty is refused.
pub fn user(flag: Option<&str>, config: &Config) -> Result<Option<String>> {
    if let Some(u) = flag {
        if u.trim().is_empty() {
            return Err(claimdb::Error::invalid(
                "--user (or CLAIMDB_USER) is empty; give the name to record changes under",
            )
            .into());
        }
        return Ok(Some(u.to_string()));
    }
    if let Some(u) = &config.user {
        if u.trim().is_empty() {
            return Err(claimdb::Error::invalid(format!(
                "`user` in {} is empty; give the name to record changes under",
                config_path()?.display()
            ))
            .into());
        }
        return Ok(Some(u.clone()));
    }
    Ok(std::env::var("USER").ok().filter(|u| !u.trim().is_empty()))
}

/// Tokens by remote URL, in `credentials.toml` beside the config file (mode 0600).
#[derive(Debug, Default, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    pub tokens: std::collections::BTreeMap<String, String>,
}

pub fn credentials_path() -> Result<PathBuf> {
    let config = config_path()?;
    Ok(config
        .parent()
        .map(|d| d.join("credentials.toml"))
        .unwrap_or_else(|| PathBuf::from("credentials.toml")))
}

pub fn load_credentials() -> Result<Credentials> {
    let path = credentials_path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Store `token` for `url`, writing the file readable by its owner only.
pub fn save_token(url: &str, token: &str) -> Result<PathBuf> {
    let mut creds = load_credentials()?;
    creds.tokens.insert(url.to_string(), token.to_string());
    write_credentials(&creds)
}

fn write_credentials(creds: &Credentials) -> Result<PathBuf> {
    let path = credentials_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = toml::to_string(creds).context("cannot encode credentials")?;
    let tmp = path.with_extension("toml.tmp");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The token for `url`: `CLAIMDB_TOKEN`, else the stored one.
pub fn token_for(url: &str) -> Result<Option<String>> {
    if let Ok(t) = std::env::var("CLAIMDB_TOKEN") {
        if !t.trim().is_empty() {
            return Ok(Some(t.trim().to_string()));
        }
    }
    Ok(load_credentials()?.tokens.get(url).cloned())
}
