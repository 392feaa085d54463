//! The write commands. Each validates its input, then runs in one transaction that emits the
//! operations describing the change; bad input returns an error before anything is written.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ids::{self, Table};
use super::query::{find_source, near_sources, resolve_article, resolve_source};
use super::{Store, Writer};
use crate::error::{Error, Result};
use crate::model::{Anchor, SourceKind, Stance, Status};
use crate::ops::{ClaimField, OpKind};
use crate::text::{self, MAX_NAME_CHARS, MAX_NOTE_CHARS};

#[derive(Debug, Clone, Default)]
pub struct NewSource {
    pub name: String,
    pub kind: Option<SourceKind>,
    pub aliases: Vec<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewArticle {
    pub url: Option<String>,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewClaim {
    /// Use this id instead of a new one (imports).
    pub id: Option<Uuid>,
    pub text: String,
    pub speaker: Option<String>,
    pub via: Option<String>,
    pub article: Option<String>,
    pub quote: Option<String>,
    pub said_on: Option<String>,
    pub tags: Vec<String>,
    pub status: Option<String>,
    pub note: Option<String>,
    /// Create the article when `article` is a URL no article has yet (imports).
    pub create_article: bool,
    /// Record the claim as deleted (imports).
    pub deleted: bool,
}

/// A claim whose quote was found at a known place in an article's stored text (by
/// extraction): the quote is the text at characters `start..end`, anchored there even when
/// the same words occur earlier.
#[derive(Debug, Clone, Default)]
pub struct PlacedClaim {
    /// Named in error messages, e.g. `candidate 3`.
    pub label: String,
    pub text: String,
    /// Who made the claim (created as a person if new).
    pub speaker: Option<String>,
    /// Who relayed it (created as an outlet if new).
    pub via: Option<String>,
    pub start: u64,
    pub end: u64,
}

/// A source that a write created (or, rehearsed, would create).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CreatedSource {
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Default)]
pub struct ClaimEdit {
    pub text: Option<String>,
    pub speaker: Option<String>,
    pub said_on: Option<String>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
}

fn tag(t: &str) -> Result<String> {
    text::tag(t)
}

fn status_arg(s: &str) -> Result<Status> {
    s.parse()
}

impl Store {
    pub fn add_source(&mut self, new: NewSource) -> Result<Uuid> {
        let name = text::name("source name", &new.name, MAX_NAME_CHARS)?;
        let aliases = new
            .aliases
            .iter()
            .map(|a| text::name("alias", a, MAX_NAME_CHARS))
            .collect::<Result<Vec<_>>>()?;
        let url = text::optional_url("source URL", new.url.as_deref())?;
        self.write(|w| {
            let names = std::iter::once(&name).chain(&aliases).map(String::as_str);
            super::unique::check_source_names(w.conn(), None, names)?;
            check_near(w, &name)?;
            let id = crate::ops::source_id(&name);
            let created_at = w.now();
            w.emit(OpKind::CreateSource {
                source: id,
                name,
                kind: new.kind.unwrap_or(SourceKind::Person),
                url,
                aliases,
                created_at,
            })?;
            Ok(id)
        })
    }

    /// Add names a source also goes by; a name another source has is refused.
    pub fn add_aliases(&mut self, source: &str, aliases: &[String]) -> Result<Uuid> {
        let aliases = aliases
            .iter()
            .map(|a| text::name("alias", a, MAX_NAME_CHARS))
            .collect::<Result<Vec<_>>>()?;
        self.write(|w| {
            let id = resolve_source(w.conn(), source)?;
            for alias in aliases {
                match find_source(w.conn(), &alias)? {
                    Some(other) if other == id => continue,
                    Some(other) => {
                        let short = ids::short(w.conn(), Table::Sources, &other.to_string())?;
                        return Err(Error::Invalid(format!(
                            "'{alias}' already names another source ({short})"
                        )));
                    }
                    None => {
                        w.emit(OpKind::AddAlias { source: id, alias })?;
                    }
                }
            }
            Ok(id)
        })
    }

    /// Merge the source `drop` into `keep` (each by name, alias or id): every claim,
    /// appearance and article that names `drop` names `keep`, and `drop`'s names become
    /// aliases of `keep`. Returns (keep, drop).
    pub fn merge_sources(&mut self, keep: &str, drop: &str) -> Result<(Uuid, Uuid)> {
        self.write(|w| {
            let k = resolve_source(w.conn(), keep)?;
            let d = resolve_source(w.conn(), drop)?;
            if k == d {
                return Err(Error::Invalid(format!(
                    "'{keep}' and '{drop}' are one source already; nothing to merge"
                )));
            }
            w.emit(OpKind::MergeSource { keep: k, drop: d })?;
            Ok((k, d))
        })
    }

    pub fn add_article(&mut self, new: NewArticle) -> Result<Uuid> {
        let url = text::optional_url("article URL", new.url.as_deref())?;
        let title = text::optional_name("title", new.title.as_deref(), MAX_NAME_CHARS)?;
        let lang = text::optional_name("language", new.lang.as_deref(), text::MAX_LANG_CHARS)?;
        let published = new
            .published
            .as_deref()
            .map(|d| text::parse_date("publication date", d))
            .transpose()?;
        // Stored in Unicode NFC, as quotes are, so a quote copied from any rendering of the
        // text is found in it; without a byte-order mark and with LF line breaks, so that
        // positions count from the first character and a quote can span a line break.
        let body = new.text.as_deref().map(text::article_text).transpose()?;
        if url.is_none() && title.is_none() && body.is_none() {
            return Err(Error::invalid(
                "an article needs a URL, a --title or a --text-file",
            ));
        }
        let outlet = new.outlet;
        self.write(|w| {
            if let Some(u) = &url {
                super::unique::check_article_url(w.conn(), None, u)?;
            }
            let outlet = match outlet {
                Some(o) => Some(source_or_create(w, &o, SourceKind::Outlet)?),
                None => None,
            };
            let id = url
                .as_deref()
                .map_or_else(Uuid::new_v4, crate::ops::article_id);
            let text_sha256 = body.as_deref().map(sha256_hex);
            let created_at = w.now();
            w.emit(OpKind::CreateArticle {
                article: id,
                url,
                title,
                outlet,
                published,
                lang,
                text: body,
                text_sha256,
                created_at,
            })?;
            Ok(id)
        })
    }

    pub fn add_claim(&mut self, new: NewClaim) -> Result<Uuid> {
        self.write(|w| add_claim(w, &new))
    }

    /// Add claims from spreadsheet rows (line number, claim), taken one at a time, in one
    /// transaction; rows whose id already exists are skipped, and an error ends it all.
    pub fn import_claims(
        &mut self,
        rows: impl IntoIterator<Item = Result<(usize, NewClaim)>>,
    ) -> Result<crate::interchange::ImportSummary> {
        // An import takes names as the file gives them; `source merge` joins duplicates.
        self.with_new_sources(|store| store.import_rows(rows))
    }

    fn import_rows(
        &mut self,
        rows: impl IntoIterator<Item = Result<(usize, NewClaim)>>,
    ) -> Result<crate::interchange::ImportSummary> {
        self.write(|w| {
            let mut sum = crate::interchange::ImportSummary::default();
            for row in rows {
                let (line, new) = row?;
                if let Some(id) = new.id {
                    let n: i64 = w.conn().query_row(
                        "SELECT count(*) FROM claims WHERE id = ?1",
                        [id.to_string()],
                        |r| r.get(0),
                    )?;
                    if n > 0 {
                        sum.skipped += 1;
                        continue;
                    }
                }
                add_claim(w, &new).map_err(|e| Error::Invalid(format!("line {line}: {e}")))?;
                sum.claims += 1;
            }
            Ok(sum)
        })
    }

    /// Log `claims`, each with an appearance in `article` whose quote is anchored where it
    /// was found, all in one transaction: if any is refused, none is logged (the error names
    /// its label). Returns the new claims' ids, in order, and the sources created for their
    /// speakers and relays. With `dry_run`, the same is worked out and rolled back.
    pub fn add_placed_claims(
        &mut self,
        article: &str,
        claims: &[PlacedClaim],
        dry_run: bool,
    ) -> Result<(Vec<Uuid>, Vec<CreatedSource>)> {
        let run = |w: &mut Writer<'_>| {
            let article = resolve_article(w.conn(), article)?;
            let body: Option<String> = w.conn().query_row(
                "SELECT body FROM articles WHERE id = ?1",
                [article.to_string()],
                |r| r.get(0),
            )?;
            let Some(body) = body else {
                return Err(Error::Invalid(format!(
                    "article {} has no stored text to anchor quotes in",
                    ids::short(w.conn(), Table::Articles, &article.to_string())?
                )));
            };
            let last_source: i64 =
                w.conn()
                    .query_row("SELECT coalesce(max(rowid), 0) FROM sources", [], |r| {
                        r.get(0)
                    })?;
            let mut made = Vec::with_capacity(claims.len());
            for c in claims {
                let labelled = |e: Error| match e {
                    Error::Invalid(m) => Error::Invalid(format!("{}: {m}", c.label)),
                    Error::NotFound(m) => Error::NotFound(format!("{}: {m}", c.label)),
                    Error::Ambiguous(m) => Error::Ambiguous(format!("{}: {m}", c.label)),
                    other => other,
                };
                let (quote, anchor) = placed_quote(&body, c.start, c.end).map_err(labelled)?;
                let new = NewClaim {
                    text: c.text.clone(),
                    speaker: c.speaker.clone(),
                    ..Default::default()
                };
                let claim = add_claim(w, &new).map_err(labelled)?;
                emit_appearance(
                    w,
                    claim,
                    Some(article),
                    c.via.as_deref(),
                    Some(quote),
                    Some(anchor),
                )
                .map_err(labelled)?;
                made.push(claim);
            }
            let created = w
                .conn()
                .prepare("SELECT name, kind FROM sources WHERE rowid > ?1 ORDER BY rowid")?
                .query_map([last_source], |r| {
                    Ok(CreatedSource {
                        name: r.get(0)?,
                        kind: r.get(1)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((made, created))
        };
        if dry_run {
            self.rehearse(run)
        } else {
            self.write(run)
        }
    }

    /// Record another appearance of a claim.
    pub fn appear(
        &mut self,
        claim: &str,
        article: &str,
        via: Option<&str>,
        quote: Option<&str>,
    ) -> Result<Uuid> {
        self.write(|w| {
            let claim = live_claim(w, claim)?;
            appear(w, claim, Some(article), via, quote)
        })
    }

    /// Change fields and tags of a claim; returns how many operations it took.
    pub fn edit_claim(&mut self, claim: &str, edit: ClaimEdit) -> Result<usize> {
        let new_text = edit.text.as_deref().map(text::claim_text).transpose()?;
        let said_on = match edit.said_on.as_deref() {
            None => None,
            Some("") | Some("none") => Some(None),
            Some(d) => Some(Some(text::parse_date("date", d)?)),
        };
        let add: Vec<String> = edit
            .add_tags
            .iter()
            .map(|t| tag(t))
            .collect::<Result<_>>()?;
        let remove: Vec<String> = edit
            .remove_tags
            .iter()
            .map(|t| tag(t))
            .collect::<Result<_>>()?;
        if new_text.is_none()
            && edit.speaker.is_none()
            && said_on.is_none()
            && add.is_empty()
            && remove.is_empty()
        {
            return Err(Error::invalid(
                "nothing to change: give --text, --speaker, --said-on, --add-tag or --remove-tag",
            ));
        }
        self.write(|w| {
            let id = live_claim(w, claim)?;
            let cur = current_claim(w, id)?;
            // Setting a field that has unsettled concurrent edits settles them, even to the
            // value it already has.
            let conflicts = super::conflicts::field_conflicts(w.conn(), &id.to_string())?;
            let disputed = |field: &str| conflicts.iter().any(|c| c.field == field);
            let mut changes = Vec::new();
            if let Some(t) = new_text.filter(|t| *t != cur.text || disputed("text")) {
                changes.push((ClaimField::Text(t), ClaimField::Text(cur.text.clone())));
            }
            if let Some(s) = &edit.speaker {
                let speaker = if s.trim().is_empty() || s == "none" {
                    None
                } else {
                    Some(source_or_create(w, s, SourceKind::Person)?)
                };
                if speaker != cur.speaker || disputed("speaker") {
                    changes.push((
                        ClaimField::Speaker(speaker),
                        ClaimField::Speaker(cur.speaker),
                    ));
                }
            }
            if let Some(d) = said_on.filter(|d| *d != cur.said_on || disputed("said_on")) {
                changes.push((ClaimField::SaidOn(d), ClaimField::SaidOn(cur.said_on)));
            }
            let mut n = 0;
            for (set, prev) in changes {
                let prev_op = stamp_op(w.conn(), id, set.name())?;
                let resolves = conflicts
                    .iter()
                    .filter(|c| c.field == set.name())
                    .flat_map(|c| c.losers.iter().map(|l| l.op_id))
                    .collect();
                w.emit(OpKind::SetClaim {
                    claim: id,
                    set,
                    prev,
                    prev_op,
                    resolves,
                })?;
                n += 1;
            }
            for (tags, present) in [(add, true), (remove, false)] {
                for t in tags {
                    let had = cur.tags.contains(&t);
                    if had != present {
                        w.emit(OpKind::SetTag {
                            claim: id,
                            tag: t,
                            present,
                            prev: had,
                        })?;
                        n += 1;
                    }
                }
            }
            Ok(n)
        })
    }

    /// Delete a claim (a tombstone: it stays in the log and in `claim list --deleted`).
    pub fn delete_claim(&mut self, claim: &str) -> Result<Uuid> {
        self.set_deleted(claim, true)
    }

    /// Bring a deleted claim back.
    pub fn restore_claim(&mut self, claim: &str) -> Result<Uuid> {
        self.set_deleted(claim, false)
    }

    fn set_deleted(&mut self, claim: &str, deleted: bool) -> Result<Uuid> {
        self.write(|w| {
            let id = ids::resolve(w.conn(), Table::Claims, claim)?;
            let cur = current_claim(w, id)?;
            if cur.deleted == deleted {
                return Err(Error::Invalid(format!(
                    "claim {claim} is {} deleted",
                    if deleted { "already" } else { "not" }
                )));
            }
            let prev_op = stamp_op(w.conn(), id, "deleted")?;
            w.emit(OpKind::SetClaim {
                claim: id,
                set: ClaimField::Deleted(deleted),
                prev: ClaimField::Deleted(cur.deleted),
                prev_op,
                resolves: Vec::new(),
            })?;
            Ok(id)
        })
    }

    /// Record a verdict that supersedes every current verdict of the claim, with optional
    /// evidence links.
    pub fn mark(
        &mut self,
        claim: &str,
        status: &str,
        note: Option<&str>,
        evidence: &[String],
    ) -> Result<Uuid> {
        let status = status_arg(status)?;
        let note = text::optional("note", note, MAX_NOTE_CHARS)?;
        let urls = evidence
            .iter()
            .map(|u| text::url("evidence URL", u))
            .collect::<Result<Vec<_>>>()?;
        self.write(|w| {
            let id = live_claim(w, claim)?;
            let v = verdict(w, id, status, note)?;
            for url in urls {
                let created_at = w.now();
                w.emit(OpKind::AddEvidence {
                    evidence: Uuid::new_v4(),
                    claim: id,
                    url: Some(url),
                    stance: status.default_stance(),
                    note: None,
                    created_at,
                })?;
            }
            Ok(v)
        })
    }

    pub fn add_evidence(
        &mut self,
        claim: &str,
        url: &str,
        stance: Option<&str>,
        note: Option<&str>,
    ) -> Result<Uuid> {
        let url = text::url("evidence URL", url)?;
        let stance: Stance = stance
            .map(str::parse)
            .transpose()?
            .unwrap_or(Stance::Context);
        let note = text::optional("note", note, MAX_NOTE_CHARS)?;
        self.write(|w| {
            let id = live_claim(w, claim)?;
            let evidence = Uuid::new_v4();
            let created_at = w.now();
            w.emit(OpKind::AddEvidence {
                evidence,
                claim: id,
                url: Some(url),
                stance,
                note,
                created_at,
            })?;
            Ok(evidence)
        })
    }
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn add_claim(w: &mut Writer<'_>, new: &NewClaim) -> Result<Uuid> {
    let claim_text = text::claim_text(&new.text)?;
    let said_on = new
        .said_on
        .as_deref()
        .map(|d| text::parse_date("date", d))
        .transpose()?;
    let tags = new
        .tags
        .iter()
        .map(|t| tag(t))
        .collect::<Result<Vec<_>>>()?;
    let status = new.status.as_deref().map(status_arg).transpose()?;
    let note = text::optional("note", new.note.as_deref(), MAX_NOTE_CHARS)?;
    if note.is_some() && status.is_none() {
        return Err(Error::invalid(
            "a note is the rationale of a verdict: give a status with it (--status)",
        ));
    }
    let speaker = match &new.speaker {
        Some(s) => Some(source_or_create(w, s, SourceKind::Person)?),
        None => None,
    };
    let claim = new.id.unwrap_or_else(Uuid::new_v4);
    let created_at = w.now();
    let created_by = w.author().to_string();
    w.emit(OpKind::CreateClaim {
        claim,
        text: claim_text,
        speaker,
        said_on,
        tags,
        created_at,
        created_by,
    })?;
    if new.article.is_some() || new.via.is_some() || new.quote.is_some() {
        let article = match new.article.as_deref() {
            Some(a) if new.create_article => Some(article_or_create(w, a)?),
            Some(a) => Some(resolve_article(w.conn(), a)?.to_string()),
            None => None,
        };
        appear(
            w,
            claim,
            article.as_deref(),
            new.via.as_deref(),
            new.quote.as_deref(),
        )?;
    }
    if let Some(status) = status {
        verdict(w, claim, status, note)?;
    }
    if new.deleted {
        w.emit(OpKind::SetClaim {
            claim,
            set: ClaimField::Deleted(true),
            prev: ClaimField::Deleted(false),
            prev_op: None,
            resolves: Vec::new(),
        })?;
    }
    Ok(claim)
}

/// The article with this URL or id, created (with just its URL) if it is a URL nobody added.
pub(super) fn article_or_create(w: &mut Writer<'_>, input: &str) -> Result<String> {
    match resolve_article(w.conn(), input) {
        Ok(id) => Ok(id.to_string()),
        Err(Error::NotFound(_)) if input.contains("://") => {
            let url = text::url("article URL", input)?;
            let id = crate::ops::article_id(&url);
            let created_at = w.now();
            w.emit(OpKind::CreateArticle {
                article: id,
                url: Some(url),
                title: None,
                outlet: None,
                published: None,
                lang: None,
                text: None,
                text_sha256: None,
                created_at,
            })?;
            Ok(id.to_string())
        }
        Err(e) => Err(e),
    }
}

/// The source called `name` (by name, alias or id), created with `kind` if there is none.
pub(super) fn source_or_create(w: &mut Writer<'_>, name: &str, kind: SourceKind) -> Result<Uuid> {
    if let Some(id) = find_source(w.conn(), name)? {
        return Ok(id);
    }
    // An id is taken as one only when it is long enough not to be a word ("Cafe", "Abba").
    let id_like = ids::normalize_prefix(name).is_some_and(|p| p.len() >= ids::SHOWN_PREFIX);
    if id_like && let Ok(id) = resolve_source(w.conn(), name) {
        return Ok(id);
    }
    let name = text::name("source name", name, MAX_NAME_CHARS)?;
    check_near(w, &name)?;
    let id = crate::ops::source_id(&name);
    let created_at = w.now();
    w.emit(OpKind::CreateSource {
        source: id,
        name,
        kind,
        url: None,
        aliases: Vec::new(),
        created_at,
    })?;
    Ok(id)
}

/// Refuse to create a source called `name` when an existing source's name nearly matches it,
/// unless the write was told the source is new: the one check every way of creating a source
/// by name goes through (`source add`, `--speaker`, `--via`, `--outlet`, extraction).
fn check_near(w: &Writer<'_>, name: &str) -> Result<()> {
    if w.new_sources() {
        return Ok(());
    }
    match near_sources(w.conn(), name)?.into_iter().next() {
        Some((_, suggestion)) => Err(Error::NearSource {
            name: name.to_string(),
            suggestion,
        }),
        None => Ok(()),
    }
}

fn appear(
    w: &mut Writer<'_>,
    claim: Uuid,
    article: Option<&str>,
    via: Option<&str>,
    quote: Option<&str>,
) -> Result<Uuid> {
    let quote = text::quote(quote)?;
    let article = article.map(|a| resolve_article(w.conn(), a)).transpose()?;
    let anchor: Option<Anchor> = match (&quote, article) {
        (Some(q), Some(a)) => {
            let body: Option<String> = w.conn().query_row(
                "SELECT body FROM articles WHERE id = ?1",
                [a.to_string()],
                |r| r.get(0),
            )?;
            body.map(|b| text::anchor(&b, q)).transpose()?
        }
        _ => None,
    };
    emit_appearance(w, claim, article, via, quote, anchor)
}

/// The quote at characters `start..end` of an article's `body`, without the whitespace
/// around it, and its anchor there.
fn placed_quote(body: &str, start: u64, end: u64) -> Result<(String, Anchor)> {
    let whole = text::anchor_at(body, start, end)?;
    let chars: Vec<char> = body
        .chars()
        .skip(whole.start as usize)
        .take((whole.end - whole.start) as usize)
        .collect();
    let lead = chars.iter().take_while(|c| c.is_whitespace()).count() as u64;
    let trail = chars.iter().rev().take_while(|c| c.is_whitespace()).count() as u64;
    if lead + trail >= end - start {
        return Err(Error::Invalid(format!(
            "the quote at characters {start}..{end} is only whitespace"
        )));
    }
    let (start, end) = (start + lead, end - trail);
    let anchor = text::anchor_at(body, start, end)?;
    let quote: String = chars[lead as usize..chars.len() - trail as usize]
        .iter()
        .collect();
    // Kept exactly as it is in the text, which the store keeps in the form quotes take.
    if text::quote(Some(&quote))?.as_deref() != Some(quote.as_str()) {
        return Err(Error::Invalid(format!(
            "the quote at characters {start}..{end} is not in the form quotes are kept in"
        )));
    }
    Ok((quote, anchor))
}

fn emit_appearance(
    w: &mut Writer<'_>,
    claim: Uuid,
    article: Option<Uuid>,
    via: Option<&str>,
    quote: Option<String>,
    anchor: Option<Anchor>,
) -> Result<Uuid> {
    let via = match via {
        Some(v) => Some(source_or_create(w, v, SourceKind::Outlet)?),
        None => None,
    };
    let id = Uuid::new_v4();
    let created_at = w.now();
    w.emit(OpKind::AddAppearance {
        appearance: id,
        claim,
        article,
        via,
        quote,
        anchor,
        created_at,
    })?;
    Ok(id)
}

fn verdict(w: &mut Writer<'_>, claim: Uuid, status: Status, note: Option<String>) -> Result<Uuid> {
    let supersedes: Vec<Uuid> = w
        .conn()
        .prepare_cached(
            "SELECT id FROM verdicts v WHERE v.claim_id = ?1
             AND NOT EXISTS (SELECT 1 FROM verdict_supersedes s JOIN verdicts w ON w.id = s.verdict_id
                             WHERE s.superseded_id = v.id AND w.claim_id = v.claim_id)
             ORDER BY id",
        )?
        .query_map([claim.to_string()], |r| r.get::<_, String>(0))?
        .map(|r| r.map(|s| Uuid::parse_str(&s).expect("stored ids are UUIDs")))
        .collect::<Result<_, _>>()?;
    let id = Uuid::new_v4();
    let created_at = w.now();
    let author = w.author().to_string();
    w.emit(OpKind::AddVerdict {
        verdict: id,
        claim,
        status,
        note,
        author,
        supersedes,
        created_at,
    })?;
    Ok(id)
}

/// The operation that last set `field` of `entity`, if any did.
fn stamp_op(conn: &rusqlite::Connection, entity: Uuid, field: &str) -> Result<Option<Uuid>> {
    use rusqlite::OptionalExtension;
    let op: Option<String> = conn
        .prepare_cached("SELECT op_id FROM field_stamps WHERE entity_id = ?1 AND field = ?2")?
        .query_row(rusqlite::params![entity.to_string(), field], |r| r.get(0))
        .optional()?;
    Ok(op.and_then(|o| Uuid::parse_str(&o).ok()))
}

/// Resolve a claim that is not deleted: changes to a deleted claim are refused.
fn live_claim(w: &Writer<'_>, input: &str) -> Result<Uuid> {
    let id = ids::resolve(w.conn(), Table::Claims, input)?;
    if current_claim(w, id)?.deleted {
        return Err(Error::Invalid(format!(
            "claim {input} is deleted; `claimdb claim restore {input}` brings it back first"
        )));
    }
    Ok(id)
}

struct CurrentClaim {
    text: String,
    speaker: Option<Uuid>,
    said_on: Option<chrono::NaiveDate>,
    deleted: bool,
    tags: Vec<String>,
}

fn current_claim(w: &Writer<'_>, id: Uuid) -> Result<CurrentClaim> {
    let (text, speaker, said_on, deleted): (String, Option<String>, Option<String>, bool) =
        w.conn().query_row(
            "SELECT text, speaker_id, said_on, deleted FROM claims WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    let tags = w
        .conn()
        .prepare_cached("SELECT tag FROM claim_tags WHERE claim_id = ?1")?
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(CurrentClaim {
        text,
        speaker: speaker.and_then(|s| Uuid::parse_str(&s).ok()),
        said_on: said_on.and_then(|d| d.parse().ok()),
        deleted,
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &tempfile::TempDir) -> Store {
        let mut s = Store::open(&dir.path().join("c.db"), Some("tester")).unwrap();
        s.add_source(NewSource {
            name: "Jane Doe".into(),
            aliases: vec!["Doe".into()],
            ..Default::default()
        })
        .unwrap();
        s.add_article(NewArticle {
            url: Some("https://news.example/a".into()),
            text: Some(
                "Prices will fall, some hope. \"Prices will fall,\" Doe told Reuters.".into(),
            ),
            ..Default::default()
        })
        .unwrap();
        s
    }

    fn count(s: &Store, table: &str) -> i64 {
        s.conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    /// The later `Prices will fall,` (characters 30..47): the same words are at 0..17.
    fn placed(label: &str) -> PlacedClaim {
        PlacedClaim {
            label: label.into(),
            text: "Prices will fall".into(),
            speaker: Some("Doe".into()),
            via: Some("Reuters".into()),
            start: 30,
            end: 47,
        }
    }

    #[test]
    fn placed_claims_are_anchored_where_they_were_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(&dir);
        let ops = s.op_count().unwrap();
        let (ids, created) = s
            .add_placed_claims("https://news.example/a", &[placed("candidate 1")], true)
            .unwrap();
        assert_eq!(ids.len(), 1);
        assert_eq!(
            created,
            [CreatedSource {
                name: "Reuters".into(),
                kind: "outlet".into()
            }]
        );
        assert_eq!(s.op_count().unwrap(), ops, "a rehearsal writes nothing");
        assert_eq!(count(&s, "claims"), 0);

        // The second, with its quotation marks and the space on each side, which is dropped.
        let mut spaced = placed("candidate 2");
        (spaced.start, spaced.end) = (28, 49);
        let (ids, created) = s
            .add_placed_claims(
                "https://news.example/a",
                &[placed("candidate 1"), spaced],
                false,
            )
            .unwrap();
        assert_eq!(created.len(), 1);
        assert_eq!(count(&s, "sources"), 2);
        for (id, quote, at) in [
            (ids[0], "Prices will fall,", (30, 47)),
            (ids[1], "\"Prices will fall,\"", (29, 48)),
        ] {
            let v = s.claim_show(&id.to_string()).unwrap();
            assert_eq!(v.speaker.unwrap().name, "Jane Doe");
            let a = &v.appearances[0];
            assert_eq!(a.quote.as_deref(), Some(quote));
            let anchor = a.anchor.as_ref().unwrap();
            assert_eq!((anchor.start, anchor.end), at);
            assert_eq!(a.via.as_ref().unwrap().name, "Reuters");
        }
    }

    #[test]
    fn one_refused_claim_logs_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(&dir);
        let ops = s.op_count().unwrap();
        let mut bad = placed("candidate 2");
        bad.start = 200;
        bad.end = 210;
        let err = s
            .add_placed_claims(
                "https://news.example/a",
                &[placed("candidate 1"), bad],
                false,
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("candidate 2: the quote's place 200..210 lies outside"),
            "{err}"
        );
        let mut empty = placed("candidate 3");
        empty.text = " ".into();
        let err = s
            .add_placed_claims(
                "https://news.example/a",
                &[placed("candidate 1"), empty],
                false,
            )
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("candidate 3: claim text is empty"), "{err}");
        assert_eq!(s.op_count().unwrap(), ops);
        assert_eq!(count(&s, "claims"), 0);
        assert_eq!(count(&s, "sources"), 1);
    }
}
