//! The fold: how one operation changes the tables. Live writes, rebuilds and (later) pulled
//! operations all go through [`apply`]. Creations are idempotent (`INSERT OR IGNORE`); field
//! and tag edits are last-writer-wins by (HLC, replica id), so replaying operations in any
//! order that keeps creations before their edits gives the same tables.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::error::Result;
use crate::ops::{ClaimField, EntityKind, Op, OpKind};
use crate::text::fold;

/// Apply one operation, search index included.
pub fn apply(conn: &Connection, op: &Op) -> Result<()> {
    apply_deferred(conn, op)?;
    flush_search(conn)
}

/// Apply one operation, leaving the search index of the claims it touched to
/// [`flush_search`], which must run before the transaction commits. A batch of operations
/// about one claim then re-indexes it once.
pub fn apply_deferred(conn: &Connection, op: &Op) -> Result<()> {
    match &op.kind {
        OpKind::CreateSource {
            source,
            name,
            kind,
            url,
            aliases,
            created_at,
        } => {
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO sources (id, name, kind, url, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    source.to_string(),
                    name,
                    kind.as_str(),
                    url,
                    crate::text::timestamp(created_at)
                ])?;
            if inserted == 0 {
                // Two members created the same source: merge the creations field by field.
                merge_fields(
                    conn,
                    EntityKind::Source,
                    "sources",
                    source,
                    &[
                        ("name", Some(name.clone()), Pick::Least),
                        ("kind", Some(kind.as_str().to_string()), Pick::Greatest),
                        ("url", url.clone(), Pick::Greatest),
                        (
                            "created_at",
                            Some(crate::text::timestamp(created_at)),
                            Pick::Least,
                        ),
                    ],
                )?;
            }
            add_name(conn, *source, name, false)?;
            for alias in aliases {
                add_name(conn, *source, alias, true)?;
            }
            // A second creation may bring new names: the claims' search rows include them.
            mark_source_claims(conn, *source)?;
        }
        OpKind::AddAlias { source, alias } => {
            add_name(conn, *source, alias, true)?;
            mark_source_claims(conn, *source)?;
        }
        OpKind::CreateArticle {
            article,
            url,
            title,
            outlet,
            published,
            lang,
            text,
            text_sha256,
            created_at,
        } => {
            let created = crate::text::timestamp(created_at);
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO articles
                     (id, url, title, outlet_id, published, lang, body, body_sha256, created_at,
                      outlet_ref)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    article.to_string(),
                    url,
                    title,
                    outlet.map(|o| canon(conn, o)).transpose()?,
                    published.map(|d| d.to_string()),
                    lang,
                    text,
                    text_sha256,
                    created,
                    outlet.map(|o| o.to_string())
                ])?;
            if inserted == 0 {
                merge_fields(
                    conn,
                    EntityKind::Article,
                    "articles",
                    article,
                    &[
                        ("url", url.clone(), Pick::Greatest),
                        ("title", title.clone(), Pick::Greatest),
                        ("outlet_ref", outlet.map(|o| o.to_string()), Pick::Greatest),
                        (
                            "published",
                            published.map(|d| d.to_string()),
                            Pick::Greatest,
                        ),
                        ("lang", lang.clone(), Pick::Greatest),
                        ("body", text.clone(), Pick::Greatest),
                        ("created_at", Some(created), Pick::Least),
                    ],
                )?;
                conn.prepare_cached(
                    "UPDATE articles SET outlet_id = coalesce(
                        (SELECT canon_id FROM source_canon WHERE source_id = outlet_ref), outlet_ref)
                     WHERE id = ?1",
                )?
                .execute([article.to_string()])?;
                // The checksum goes with the text that won.
                conn.prepare_cached(
                    "UPDATE articles SET body_sha256 = ?2 WHERE id = ?1 AND body IS ?3",
                )?
                .execute(params![article.to_string(), text_sha256, text])?;
            }
        }
        OpKind::CreateClaim {
            claim,
            text,
            speaker,
            said_on,
            tags,
            created_at,
            created_by,
        } => {
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO claims
                     (id, text, speaker_id, said_on, created_at, created_by, speaker_ref)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    claim.to_string(),
                    text,
                    speaker.map(|s| canon(conn, s)).transpose()?,
                    said_on.map(|d| d.to_string()),
                    crate::text::timestamp(created_at),
                    created_by,
                    speaker.map(|s| s.to_string())
                ])?;
            let id = claim.to_string();
            if inserted == 1 {
                // Tags given at creation carry no stamp: any later tag edit wins over them.
                let mut stmt = conn.prepare_cached(
                    "INSERT OR IGNORE INTO claim_tags (claim_id, tag) VALUES (?1, ?2)",
                )?;
                for t in tags {
                    stmt.execute(params![id, t])?;
                }
            } else {
                // The id was created before: merge the creations field by field. A field
                // someone edited keeps the edit; the creations never had a stamp to beat it.
                let mut fields = Vec::new();
                for (field, column, value) in [
                    ("text", "text", Some(text.clone())),
                    ("speaker", "speaker_ref", speaker.map(|s| s.to_string())),
                    ("said_on", "said_on", said_on.map(|d| d.to_string())),
                ] {
                    if stamp(conn, &id, field)?.is_none() {
                        fields.push((column, value, Pick::Greatest));
                    }
                }
                merge_fields(conn, EntityKind::Claim, "claims", claim, &fields)?;
                conn.prepare_cached(
                    "UPDATE claims SET speaker_id = coalesce(
                        (SELECT canon_id FROM source_canon WHERE source_id = speaker_ref), speaker_ref)
                     WHERE id = ?1",
                )?
                .execute([&id])?;
                // The first creation is the one recorded, with its author.
                conn.prepare_cached(
                    "UPDATE claims SET created_at = ?2, created_by = ?3
                     WHERE id = ?1 AND (created_at, created_by) > (?2, ?3)",
                )?
                .execute(params![
                    id,
                    crate::text::timestamp(created_at),
                    created_by
                ])?;
                let mut stmt = conn.prepare_cached(
                    "INSERT OR IGNORE INTO claim_tags (claim_id, tag) VALUES (?1, ?2)",
                )?;
                for t in tags {
                    if stamp(conn, &id, &format!("tag:{t}"))?.is_none() {
                        stmt.execute(params![id, t])?;
                    }
                }
            }
            mark_dirty(conn, &id)?;
        }
        OpKind::SetClaim { claim, set, .. } => {
            let id = claim.to_string();
            if wins(conn, &id, set.name(), op)? {
                match set {
                    ClaimField::Text(t) => update_claim(conn, "text", &id, t)?,
                    ClaimField::Speaker(s) => {
                        update_claim(conn, "speaker_ref", &id, &s.map(|s| s.to_string()))?;
                        let now = s.map(|s| canon(conn, s)).transpose()?;
                        update_claim(conn, "speaker_id", &id, &now)?
                    }
                    ClaimField::SaidOn(d) => {
                        update_claim(conn, "said_on", &id, &d.map(|d| d.to_string()))?
                    }
                    ClaimField::Deleted(d) => update_claim(conn, "deleted", &id, d)?,
                }
                mark_dirty(conn, &id)?;
            }
        }
        OpKind::SetTag {
            claim,
            tag,
            present,
            ..
        } => {
            let id = claim.to_string();
            if wins(conn, &id, &format!("tag:{tag}"), op)? {
                if *present {
                    conn.prepare_cached(
                        "INSERT OR IGNORE INTO claim_tags (claim_id, tag) VALUES (?1, ?2)",
                    )?
                    .execute(params![id, tag])?;
                } else {
                    conn.prepare_cached("DELETE FROM claim_tags WHERE claim_id = ?1 AND tag = ?2")?
                        .execute(params![id, tag])?;
                }
            }
        }
        OpKind::AddAppearance {
            appearance,
            claim,
            article,
            via,
            quote,
            anchor,
            created_at,
        } => {
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO appearances
                     (id, claim_id, article_id, via_id, quote, quote_start, quote_end, prefix, suffix,
                      created_at, via_ref)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .execute(params![
                    appearance.to_string(),
                    claim.to_string(),
                    article.map(|a| a.to_string()),
                    via.map(|v| canon(conn, v)).transpose()?,
                    quote,
                    anchor.as_ref().map(|a| a.start as i64),
                    anchor.as_ref().map(|a| a.end as i64),
                    anchor.as_ref().map(|a| a.prefix.as_str()),
                    anchor.as_ref().map(|a| a.suffix.as_str()),
                    crate::text::timestamp(created_at),
                    via.map(|v| v.to_string())
                ])?;
            if inserted == 0 {
                let mine = vec![
                    Some(crate::text::timestamp(created_at)),
                    Some(claim.to_string()),
                    article.map(|a| a.to_string()),
                    via.map(|v| v.to_string()),
                    quote.clone(),
                    anchor.as_ref().map(|a| format!("{:020}", a.start)),
                    anchor.as_ref().map(|a| format!("{:020}", a.end)),
                    anchor.as_ref().map(|a| a.prefix.clone()),
                    anchor.as_ref().map(|a| a.suffix.clone()),
                ];
                let replaced = replace_if_greater(
                    conn,
                    EntityKind::Appearance,
                    *appearance,
                    "SELECT created_at, claim_id, article_id, via_ref, quote,
                        printf('%020d', quote_start), printf('%020d', quote_end), prefix, suffix
                     FROM appearances WHERE id = ?1",
                    mine,
                )?;
                if let Some(old_claim) = replaced {
                    conn.prepare_cached(
                        "UPDATE appearances SET claim_id = ?2, article_id = ?3, via_id = ?4,
                            quote = ?5, quote_start = ?6, quote_end = ?7, prefix = ?8,
                            suffix = ?9, created_at = ?10, via_ref = ?11 WHERE id = ?1",
                    )?
                    .execute(params![
                        appearance.to_string(),
                        claim.to_string(),
                        article.map(|a| a.to_string()),
                        via.map(|v| canon(conn, v)).transpose()?,
                        quote,
                        anchor.as_ref().map(|a| a.start as i64),
                        anchor.as_ref().map(|a| a.end as i64),
                        anchor.as_ref().map(|a| a.prefix.as_str()),
                        anchor.as_ref().map(|a| a.suffix.as_str()),
                        crate::text::timestamp(created_at),
                        via.map(|v| v.to_string())
                    ])?;
                    mark_dirty(conn, &old_claim)?;
                    mark_dirty(conn, &claim.to_string())?;
                }
            } else {
                mark_dirty(conn, &claim.to_string())?;
            }
        }
        OpKind::AddVerdict {
            verdict,
            claim,
            status,
            note,
            author,
            supersedes,
            created_at,
        } => {
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO verdicts (id, claim_id, status, note, author, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    verdict.to_string(),
                    claim.to_string(),
                    status.as_str(),
                    note,
                    author,
                    crate::text::timestamp(created_at)
                ])?;
            let vid = verdict.to_string();
            let mut sorted: Vec<String> = supersedes.iter().map(Uuid::to_string).collect();
            sorted.sort();
            let mut claims = vec![claim.to_string()];
            if inserted == 0 {
                // The id was created before: the greater record wins whole (a verdict is
                // never a mix of two).
                let mine = vec![
                    Some(crate::text::timestamp(created_at)),
                    Some(claim.to_string()),
                    Some(status.as_str().to_string()),
                    note.clone(),
                    Some(author.clone()),
                    Some(sorted.join(",")),
                ];
                let Some(theirs) = conn
                    .prepare_cached(
                        "SELECT created_at, claim_id, status, note, author,
                            (SELECT group_concat(superseded_id, ',') FROM
                               (SELECT superseded_id FROM verdict_supersedes
                                WHERE verdict_id = ?1 ORDER BY superseded_id))
                         FROM verdicts WHERE id = ?1",
                    )?
                    .query_row([&vid], |r| (0..6).map(|i| r.get(i)).collect())
                    .optional()?
                else {
                    return Ok(());
                };
                let theirs: Vec<Option<String>> = theirs;
                duplicate(conn, EntityKind::Verdict, *verdict)?;
                if mine <= theirs {
                    return Ok(());
                }
                conn.prepare_cached(
                    "UPDATE verdicts SET claim_id = ?2, status = ?3, note = ?4, author = ?5,
                        created_at = ?6 WHERE id = ?1",
                )?
                .execute(params![
                    vid,
                    claim.to_string(),
                    status.as_str(),
                    note,
                    author,
                    crate::text::timestamp(created_at)
                ])?;
                conn.prepare_cached("DELETE FROM verdict_supersedes WHERE verdict_id = ?1")?
                    .execute([&vid])?;
                if let Some(Some(old_claim)) = theirs.get(1) {
                    claims.push(old_claim.clone());
                }
            }
            let mut stmt = conn.prepare_cached(
                "INSERT OR IGNORE INTO verdict_supersedes (verdict_id, superseded_id) VALUES (?1, ?2)",
            )?;
            for old in &sorted {
                stmt.execute(params![vid, old])?;
            }
            for c in claims {
                refresh_status(conn, &c)?;
                mark_dirty(conn, &c)?;
            }
        }
        OpKind::MergeSource { keep, drop } => {
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO source_merges (op_id, drop_id, keep_id, hlc, replica)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    op.id.to_string(),
                    drop.to_string(),
                    keep.to_string(),
                    op.hlc.0 as i64,
                    op.replica.to_string()
                ])?;
            if inserted == 1 {
                super::merge::settle(conn)?;
            }
        }
        OpKind::AddEvidence {
            evidence,
            claim,
            url,
            stance,
            note,
            created_at,
        } => {
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO evidence (id, claim_id, url, stance, note, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    evidence.to_string(),
                    claim.to_string(),
                    url,
                    stance.as_str(),
                    note,
                    crate::text::timestamp(created_at)
                ])?;
            if inserted == 0 {
                let mine = vec![
                    Some(crate::text::timestamp(created_at)),
                    Some(claim.to_string()),
                    url.clone(),
                    Some(stance.as_str().to_string()),
                    note.clone(),
                ];
                let replaced = replace_if_greater(
                    conn,
                    EntityKind::Evidence,
                    *evidence,
                    "SELECT created_at, claim_id, url, stance, note FROM evidence WHERE id = ?1",
                    mine,
                )?;
                if let Some(old_claim) = replaced {
                    conn.prepare_cached(
                        "UPDATE evidence SET claim_id = ?2, url = ?3, stance = ?4, note = ?5,
                            created_at = ?6 WHERE id = ?1",
                    )?
                    .execute(params![
                        evidence.to_string(),
                        claim.to_string(),
                        url,
                        stance.as_str(),
                        note,
                        crate::text::timestamp(created_at)
                    ])?;
                    mark_dirty(conn, &old_claim)?;
                    mark_dirty(conn, &claim.to_string())?;
                }
            } else if note.is_some() {
                mark_dirty(conn, &claim.to_string())?;
            }
        }
        OpKind::AddReview {
            review,
            claim,
            url,
            publisher,
            publisher_site,
            title,
            rating,
            rating_value,
            best_rating,
            worst_rating,
            reviewed_on,
            lang,
            claimant,
            appearances,
            created_at,
        } => {
            // A review is shown beside the claim; it never touches the claim's status.
            let row = vec![
                Some(crate::text::timestamp(created_at)),
                Some(claim.to_string()),
                Some(url.clone()),
                publisher.clone(),
                publisher_site.clone(),
                title.clone(),
                rating.clone(),
                rating_value.clone(),
                best_rating.clone(),
                worst_rating.clone(),
                reviewed_on.map(|d| d.to_string()),
                lang.clone(),
                claimant.clone(),
                Some(serde_json::to_string(appearances).expect("strings serialize")),
            ];
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO reviews (created_at, claim_id, url, publisher,
                        publisher_site, title, rating, rating_value, best_rating, worst_rating,
                        reviewed_on, lang, claimant, appearances, id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )?
                .execute(rusqlite::params_from_iter(
                    row.iter()
                        .cloned()
                        .chain(std::iter::once(Some(review.to_string()))),
                ))?;
            if inserted == 0 {
                // Two imports of one review: the greater record wins whole.
                let replaced = replace_if_greater(
                    conn,
                    EntityKind::Review,
                    *review,
                    "SELECT created_at, claim_id, url, publisher, publisher_site, title, rating,
                        rating_value, best_rating, worst_rating, reviewed_on, lang, claimant,
                        appearances FROM reviews WHERE id = ?1",
                    row.clone(),
                )?;
                if replaced.is_some() {
                    conn.prepare_cached(
                        "UPDATE reviews SET created_at = ?1, claim_id = ?2, url = ?3,
                            publisher = ?4, publisher_site = ?5, title = ?6, rating = ?7,
                            rating_value = ?8, best_rating = ?9, worst_rating = ?10,
                            reviewed_on = ?11, lang = ?12, claimant = ?13, appearances = ?14
                         WHERE id = ?15",
                    )?
                    .execute(rusqlite::params_from_iter(
                        row.into_iter()
                            .chain(std::iter::once(Some(review.to_string()))),
                    ))?;
                }
            }
        }
    }
    Ok(())
}

/// Which of two values a merge of creations keeps. Either way a value beats none.
#[derive(Clone, Copy)]
enum Pick {
    Least,
    Greatest,
}

/// A creation of an entity that already exists: for each `(column, value, pick)`, keep the
/// value the pick prefers (a value beats none), so that the result does not depend on the
/// order the creations arrive in. The entity is listed as created more than once.
fn merge_fields(
    conn: &Connection,
    kind: EntityKind,
    table: &str,
    id: &Uuid,
    fields: &[(&str, Option<String>, Pick)],
) -> Result<()> {
    duplicate(conn, kind, *id)?;
    if fields.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = fields.iter().map(|f| f.0).collect();
    let current: Option<Vec<Option<String>>> = conn
        .prepare_cached(&format!(
            "SELECT {} FROM {table} WHERE id = ?1",
            columns.join(", ")
        ))?
        .query_row([id.to_string()], |r| {
            (0..columns.len()).map(|i| r.get(i)).collect()
        })
        .optional()?;
    let Some(current) = current else {
        return Ok(());
    };
    for ((column, new, pick), old) in fields.iter().zip(current) {
        let better = match (new, &old) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(n), Some(o)) => match pick {
                Pick::Least => n < o,
                Pick::Greatest => n > o,
            },
        };
        if better {
            conn.prepare_cached(&format!("UPDATE {table} SET {column} = ?2 WHERE id = ?1"))?
                .execute(params![id.to_string(), new])?;
        }
    }
    Ok(())
}

/// A creation of a record that is never edited (an appearance, evidence): the greater of
/// the two records wins whole, compared as `select` reads the current one. Returns the
/// claim the current record belonged to when the new one wins.
fn replace_if_greater(
    conn: &Connection,
    kind: EntityKind,
    id: Uuid,
    select: &str,
    mine: Vec<Option<String>>,
) -> Result<Option<String>> {
    duplicate(conn, kind, id)?;
    let n = mine.len();
    let theirs: Option<Vec<Option<String>>> = conn
        .prepare_cached(select)?
        .query_row([id.to_string()], |r| (0..n).map(|i| r.get(i)).collect())
        .optional()?;
    Ok(match theirs {
        Some(theirs) if mine > theirs => theirs.into_iter().nth(1).flatten(),
        _ => None,
    })
}

/// Note that `id` was created more than once, for `claimdb conflicts`.
fn duplicate(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO duplicate_creates (entity_id, kind) VALUES (?1, ?2)",
    )?
    .execute(params![id.to_string(), kind.as_str()])?;
    Ok(())
}

/// The stamp of the edit that last set `field` of `entity`, if any edit did.
fn stamp(conn: &Connection, entity: &str, field: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT hlc FROM field_stamps WHERE entity_id = ?1 AND field = ?2")?
        .query_row(params![entity, field], |r| r.get(0))
        .optional()?)
}

/// Record a name of a source; when two spellings fold alike, the smaller one is kept, and a
/// name is an alias only if every creation called it one, so the order of arrival is moot.
fn add_name(conn: &Connection, source: Uuid, name: &str, is_alias: bool) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO source_names (source_id, name, folded, is_alias, skeleton)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (source_id, folded) DO UPDATE SET name = min(name, excluded.name),
             is_alias = min(is_alias, excluded.is_alias),
             skeleton = CASE WHEN excluded.name < name THEN excluded.skeleton ELSE skeleton END",
    )?
    .execute(params![
        source.to_string(),
        name,
        fold(name),
        is_alias,
        crate::near_names::skeleton(name)
    ])?;

    Ok(())
}

fn update_claim(
    conn: &Connection,
    column: &str,
    id: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<()> {
    conn.prepare_cached(&format!("UPDATE claims SET {column} = ?1 WHERE id = ?2"))?
        .execute(params![value, id])?;
    Ok(())
}

/// Whether `op` is newer than whatever last set `field` of `entity`, by (HLC, replica id,
/// operation id); if so, record it as the field's writer.
fn wins(conn: &Connection, entity: &str, field: &str, op: &Op) -> Result<bool> {
    let current: Option<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT hlc, replica, op_id FROM field_stamps WHERE entity_id = ?1 AND field = ?2",
        )?
        .query_row(params![entity, field], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    // The operation id settles a tie of two databases that share a replica id.
    let mine = (op.hlc.0 as i64, op.replica.to_string(), op.id.to_string());
    if current.is_some_and(|c| c >= mine) {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO field_stamps (entity_id, field, hlc, replica, op_id) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (entity_id, field) DO UPDATE
         SET hlc = excluded.hlc, replica = excluded.replica, op_id = excluded.op_id",
    )?
    .execute(params![entity, field, mine.0, mine.1, mine.2])?;
    Ok(true)
}

/// A claim's status is derived from its current verdicts (those nothing supersedes): none
/// means `unverified`, agreement means their status, disagreement means `disputed`.
///
/// Verdicts that supersede each other in a ring (which import refuses, but an older replica
/// can still send) would leave every verdict superseded. When every verdict is, the current
/// ones are those of the rings nothing outside them supersedes: each verdict that supersedes
/// them, directly or not, is one they supersede too. That depends on the verdicts alone, not
/// on the order they arrived in.
fn refresh_status(conn: &Connection, claim: &str) -> Result<()> {
    let mut statuses: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT status FROM verdicts v WHERE v.claim_id = ?1
             AND NOT EXISTS (SELECT 1 FROM verdict_supersedes s JOIN verdicts w ON w.id = s.verdict_id
                             WHERE s.superseded_id = v.id AND w.claim_id = v.claim_id)",
        )?
        .query_map([claim], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if statuses.is_empty() {
        // (superseding, superseded) among the claim's verdicts, and each verdict's status.
        let edges: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT s.verdict_id, s.superseded_id FROM verdict_supersedes s
                 JOIN verdicts w ON w.id = s.verdict_id JOIN verdicts v ON v.id = s.superseded_id
                 WHERE w.claim_id = ?1 AND v.claim_id = ?1",
            )?
            .query_map([claim], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let verdicts: Vec<(String, String)> = conn
            .prepare_cached("SELECT id, status FROM verdicts WHERE claim_id = ?1")?
            .query_map([claim], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let reach = |from: &str, forward: bool| {
            let mut seen = std::collections::BTreeSet::new();
            let mut todo = vec![from.to_string()];
            while let Some(v) = todo.pop() {
                for (a, b) in &edges {
                    let (x, y) = if forward { (a, b) } else { (b, a) };
                    if *x == v && seen.insert(y.clone()) {
                        todo.push(y.clone());
                    }
                }
            }
            seen
        };
        for (id, status) in &verdicts {
            let below = reach(id, true);
            if reach(id, false).iter().all(|above| below.contains(above)) {
                statuses.push(status.clone());
            }
        }
        statuses.sort();
        statuses.dedup();
    }
    let status = match statuses.as_slice() {
        [] => "unverified".to_string(),
        [one] => one.clone(),
        _ => "disputed".to_string(),
    };
    conn.prepare_cached("UPDATE claims SET status = ?1 WHERE id = ?2")?
        .execute(params![status, claim])?;
    Ok(())
}

/// The source `source` stands for now: the one it was merged into, or itself.
pub(crate) fn canon(conn: &Connection, source: Uuid) -> Result<String> {
    let merged: Option<String> = conn
        .prepare_cached("SELECT canon_id FROM source_canon WHERE source_id = ?1")?
        .query_row([source.to_string()], |r| r.get(0))
        .optional()?;
    Ok(merged.unwrap_or_else(|| source.to_string()))
}

/// Mark every claim that names `source`, or the source it was merged into, (as speaker or
/// relay) for re-indexing.
pub(crate) fn mark_source_claims(conn: &Connection, source: Uuid) -> Result<()> {
    let source = canon(conn, source)?;
    let claims: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM claims WHERE speaker_id = ?1
             UNION SELECT claim_id FROM appearances WHERE via_id = ?1",
        )?
        .query_map([&source], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for c in claims {
        mark_dirty(conn, &c)?;
    }
    Ok(())
}

/// Note that a claim's search row is out of date.
pub(crate) fn mark_dirty(conn: &Connection, claim: &str) -> Result<()> {
    conn.prepare_cached(
        "CREATE TEMP TABLE IF NOT EXISTS dirty_claims (id TEXT PRIMARY KEY) WITHOUT ROWID",
    )?
    .execute([])?;
    conn.prepare_cached("INSERT OR IGNORE INTO temp.dirty_claims (id) VALUES (?1)")?
        .execute([claim])?;
    Ok(())
}

/// Re-index every claim marked since the last flush.
pub fn flush_search(conn: &Connection) -> Result<()> {
    let exists: bool = conn
        .prepare_cached("SELECT count(*) FROM temp.sqlite_schema WHERE name = 'dirty_claims'")?
        .query_row([], |r| r.get::<_, i64>(0))?
        > 0;
    if !exists {
        return Ok(());
    }
    // In rowid order: FTS5 buffers ascending writes and flushes on every step back.
    // CROSS JOIN keeps the few marked claims as the outer loop: left to itself, the planner
    // walked the whole claims table in rowid order to skip the sort.
    let dirty: Vec<String> = conn
        .prepare_cached(
            "SELECT d.id FROM temp.dirty_claims d CROSS JOIN claims c ON c.id = d.id
             ORDER BY c.rowid",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut similar = super::similar::Batch::default();
    for c in &dirty {
        reindex_claim(conn, c, &mut similar)?;
    }
    similar.write(conn)?;
    conn.prepare_cached("DELETE FROM temp.dirty_claims")?
        .execute([])?;
    Ok(())
}

/// Rewrite the claim's full-text row from its text, quotes, notes and source names, and its
/// rows in the similar-claims index from its text.
fn reindex_claim(
    conn: &Connection,
    claim: &str,
    similar: &mut super::similar::Batch,
) -> Result<()> {
    let Some((rowid, text, speaker, deleted)): Option<(i64, String, Option<String>, bool)> = conn
        .prepare_cached("SELECT rowid, text, speaker_id, deleted FROM claims WHERE id = ?1")?
        .query_row([claim], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?
    else {
        return Ok(());
    };
    similar.reindex(conn, rowid, (!deleted).then_some(text.as_str()))?;
    let collect = |sql: &str, sep: &str, args: &[&dyn rusqlite::ToSql]| -> Result<String> {
        let parts: Vec<String> = conn
            .prepare_cached(sql)?
            .query_map(args, |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(parts.join(sep))
    };
    let quotes = collect(
        "SELECT quote FROM appearances WHERE claim_id = ?1 AND quote IS NOT NULL
         ORDER BY created_at, id",
        " … ",
        &[&claim],
    )?;
    let notes = collect(
        "SELECT note FROM (
            SELECT note, created_at, id FROM verdicts WHERE claim_id = ?1 AND note IS NOT NULL
            UNION ALL
            SELECT note, created_at, id FROM evidence WHERE claim_id = ?1 AND note IS NOT NULL)
         ORDER BY created_at, id",
        " … ",
        &[&claim],
    )?;
    let names = collect(
        "WITH named(id) AS (SELECT ?2 UNION SELECT via_id FROM appearances WHERE claim_id = ?1)
         SELECT name FROM source_names WHERE source_id IN (SELECT id FROM named)
            OR source_id IN (SELECT source_id FROM source_canon
                             WHERE canon_id IN (SELECT id FROM named))
         ORDER BY source_id, is_alias, folded",
        " · ",
        &[&claim, &speaker],
    )?;
    // Deleting a row that is not there would still cost FTS5 a flush.
    let indexed: Option<i64> = conn
        .prepare_cached("SELECT rowid FROM claim_fts WHERE rowid = ?1")?
        .query_row([rowid], |r| r.get(0))
        .optional()?;
    if indexed.is_some() {
        conn.prepare_cached("DELETE FROM claim_fts WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    // A deleted claim is not searchable.
    if deleted {
        return Ok(());
    }
    let alt = if [&text, &quotes, &notes, &names]
        .iter()
        .any(|s| s.contains('ı'))
    {
        [&text, &quotes, &notes, &names]
            .map(|s| s.as_str())
            .join(" ")
            .replace('ı', "i")
    } else {
        String::new()
    };
    conn.prepare_cached(
        "INSERT INTO claim_fts (rowid, text, quotes, notes, names, alt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![rowid, text, quotes, notes, names, alt])?;
    Ok(())
}
