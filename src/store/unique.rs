//! What must be unique: no two sources share a name or alias (compared folded, see
//! [`crate::text::fold`]), and no two articles share a URL. `source add`, `article add` and
//! `import` refuse a record that would break this, with the same check; `check` reports a
//! database that breaks it anyway (an older replica can still deliver such records).

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::Store;
use super::ids::{self, Table};
use super::query::find_source;
use crate::error::{Error, Result};

/// Refuse `names` for the source `own` (a new source when `None`) when any of them already
/// names another source.
pub(crate) fn check_source_names<'a>(
    conn: &Connection,
    own: Option<Uuid>,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    for n in names {
        let other = match find_source(conn, n) {
            Ok(Some(other)) if Some(other) == own => continue,
            Ok(None) => continue,
            Ok(Some(other)) => other,
            // Several sources have it already: it is taken all the more.
            Err(Error::Ambiguous(_)) => {
                return Err(Error::Invalid(format!(
                    "several sources are called '{n}' already; use one of them, or pick another name"
                )));
            }
            Err(e) => return Err(e),
        };
        let short = ids::short(conn, Table::Sources, &other.to_string())?;
        return Err(Error::Invalid(format!(
            "a source called '{n}' already exists ({short}); use it, or pick another name"
        )));
    }
    Ok(())
}

/// Refuse `url` for the article `own` (a new article when `None`) when another article has it.
pub(crate) fn check_article_url(conn: &Connection, own: Option<Uuid>, url: &str) -> Result<()> {
    let u = url.trim();
    let other: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM articles WHERE url = ?1 AND id IS NOT ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![u, own.map(|o| o.to_string())], |r| r.get(0))
        .optional()?;
    match other {
        None => Ok(()),
        Some(other) => {
            let short = ids::short(conn, Table::Articles, &other)?;
            Err(Error::Invalid(format!(
                "an article with URL {u} already exists ({short}); refer to it by URL or id"
            )))
        }
    }
}

impl Store {
    /// Names that several sources share and URLs that several articles share, one line each.
    pub fn duplicates(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut names = self.conn().prepare(
            "SELECT folded, group_concat(source_id, ' ') FROM
                (SELECT DISTINCT folded, source_id FROM source_names ORDER BY folded, source_id)
             GROUP BY folded HAVING count(*) > 1 ORDER BY folded",
        )?;
        let rows = names.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for r in rows {
            let (name, owners) = r?;
            out.push(format!("sources {owners} share the name '{name}'"));
        }
        let mut urls = self.conn().prepare(
            "SELECT url, group_concat(id, ' ') FROM
                (SELECT url, id FROM articles WHERE url IS NOT NULL ORDER BY url, id)
             GROUP BY url HAVING count(*) > 1 ORDER BY url",
        )?;
        let rows = urls.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for r in rows {
            let (url, owners) = r?;
            out.push(format!("articles {owners} share the URL {url}"));
        }
        Ok(out)
    }
}
