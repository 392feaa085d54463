//! The command-line front end: parse, open the store, call the library, render.

pub mod args;
mod config;
mod demo;
mod extract;
mod output;
mod render;
mod serve;
mod similar;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};
use serde::Serialize;

use args::{ArticleCmd, ClaimCmd, Cli, Command, EvidenceCmd, SourceCmd};
use claimdb::interchange::{
    self, ClaimReviewOptions, ExportFilter, ExportOptions, Format, ImportOptions,
};
use claimdb::store::{ClaimEdit, ClaimFilter, NewArticle, NewClaim, NewSource};
use claimdb::text::printable as p;
use claimdb::{ErrorKind, Store};
use render::Style;

/// Exit codes, as documented in docs/output.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const INCOMPATIBLE: u8 = 4;
    pub const REMOTE: u8 = 5;
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            if json
                && let Some(claimdb::Error::NearSource { name, suggestion }) =
                    e.downcast_ref::<claimdb::Error>()
            {
                // The one refusal with a document: scripts can read the suggestion.
                Style::detect(true).out(
                    &serde_json::json!({
                        "error": "near_source",
                        "message": e.to_string(),
                        "name": name,
                        "suggestion": suggestion,
                    }),
                    String::new,
                );
            }
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("claimdb: error: {}", claimdb::text::printable(&msg));
            ExitCode::from(exit_code(&e))
        }
    }
}

fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<claimdb::Error>().map(claimdb::Error::kind) {
        Some(ErrorKind::Invalid) => exit::USAGE,
        Some(ErrorKind::NotFound) => exit::NOT_FOUND,
        Some(ErrorKind::Incompatible) => exit::INCOMPATIBLE,
        Some(ErrorKind::Remote) => exit::REMOTE,
        Some(ErrorKind::Other) | None => exit::ERROR,
    }
}

/// `claimdb import`: the format from `--format`, else from the content (reviews published
/// elsewhere are told apart from claimdb's own files), else from the extension.
fn import(
    store: &mut Store,
    style: &Style,
    file: &std::path::Path,
    format: Option<String>,
    raw_cells: bool,
    skip_invalid: bool,
) -> Result<()> {
    use std::io::Read;
    let name = file.display().to_string();
    let stdin = file == std::path::Path::new("-");
    let cannot = |e: std::io::Error| claimdb::Error::Invalid(format!("cannot read {name}: {e}"));
    let mut format: Option<Format> = format.map(|f| f.parse()).transpose()?;
    // Standard input cannot be read twice: without --format it is read whole to be told.
    let mut piped: Option<Vec<u8>> = None;
    if format.is_none() {
        let head = if stdin {
            let data = interchange::read_whole(std::io::stdin().lock(), 0, &name)?;
            let head = data[..data.len().min(4096)].to_vec();
            piped = Some(data);
            head
        } else {
            let mut head = Vec::new();
            std::fs::File::open(file)
                .map_err(cannot)?
                .take(4096)
                .read_to_end(&mut head)
                .map_err(cannot)?;
            head
        };
        format = Format::sniff(&head).or_else(|| Format::from_path(file));
    }
    let Some(format) = format else {
        return Err(claimdb::Error::invalid(format!(
            "cannot tell the format of {name}; pass --format json, jsonl, csv or claimreview"
        ))
        .into());
    };
    let opts = ImportOptions { raw_cells };
    if format == Format::ClaimReview {
        let data = match piped {
            Some(d) => d,
            None if stdin => interchange::read_whole(std::io::stdin().lock(), 0, &name)?,
            None => {
                let f = std::fs::File::open(file).map_err(cannot)?;
                let size = f.metadata().map_err(cannot)?.len();
                interchange::read_whole(f, size, &name)?
            }
        };
        let feed = interchange::read_review_feed(&name, &data)?;
        // Each incomplete item on a line of its own; a single one is named in the error.
        let refused = !feed.invalid.is_empty() && !skip_invalid;
        if skip_invalid || feed.invalid.len() > 1 {
            let what = if skip_invalid { "skipped" } else { "refused" };
            for line in &feed.invalid {
                eprintln!("claimdb: {}: {what}: {}", p(&name), p(line));
            }
        }
        if refused {
            let which = match feed.invalid.as_slice() {
                [one] => format!("{one}: not a complete review"),
                many => format!(
                    "{} items are not complete reviews (listed above)",
                    many.len()
                ),
            };
            return Err(claimdb::Error::Import {
                path: name,
                message: format!(
                    "{which}; nothing was imported; --skip-invalid imports the other {}",
                    feed.reviews.len()
                ),
            }
            .into());
        }
        let sum = interchange::import_reviews(store, &name, &feed)?;
        style.out(&sum, || {
            let mut line = format!(
                "imported {} reviews from {} ({} new claims, {} new sources, {} new articles); {} already present",
                sum.reviews, feed.kind, sum.claims, sum.sources, sum.articles, sum.already_present
            );
            if sum.own_claims > 0 {
                line += &format!(
                    "; {} are this database's own claims (its ClaimReview export), left as they are",
                    sum.own_claims
                );
            }
            if !sum.skipped_invalid.is_empty() {
                line += &format!("; {} incomplete items skipped", sum.skipped_invalid.len());
            }
            line
        });
        return Ok(());
    }
    let sum = match piped {
        Some(data) => interchange::import_with(store, &name, &data, format, &opts)?,
        None => interchange::import_path(store, file, format, &opts)?,
    };
    style.out(&sum, || {
        format!(
            "imported {} records ({} claims, {} verdicts); {} already present",
            sum.imported(),
            sum.claims,
            sum.verdicts,
            sum.skipped
        )
    });
    Ok(())
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    claimdb::text::clip(s, max)
}

#[derive(Serialize)]
struct InitView {
    path: PathBuf,
    replica_id: uuid::Uuid,
    user: Option<String>,
    created: bool,
    schema_version: usize,
}

#[derive(Serialize)]
struct ExportView {
    format: String,
    path: PathBuf,
    records: usize,
    /// ClaimReview: claims whose review URL is still a `urn:uuid:` placeholder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    placeholder_urls: Vec<String>,
}

#[derive(Serialize)]
struct CheckView {
    ok: bool,
    integrity: String,
    foreign_key_violations: u64,
    operations: u64,
    rebuild_differences: Vec<String>,
    duplicates: Vec<String>,
}

pub fn run(cli: Cli) -> Result<()> {
    let style = Style::detect(cli.json);
    match &cli.command {
        Command::Demo => return demo::run(),
        Command::Man { dir } => return man(dir.as_deref()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "claimdb", &mut script);
            return output::print_bytes(&script);
        }
        Command::Similar(a) if a.eval.is_some() => {
            return similar::eval(style, a.eval.as_deref().expect("matched"));
        }
        Command::Extract(a) if a.eval.is_some() => {
            extract::check_args(a)?;
            return extract::eval(style, a.eval.as_deref().expect("matched"));
        }
        Command::Serve {
            db,
            listen,
            auth_failures_per_minute,
            tls_cert,
            tls_key,
            board_dir,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(c), Some(k)) => Some(claimdb::server::tls_config(c, k)?),
                _ => None,
            };
            return serve::serve(
                db,
                listen,
                *auth_failures_per_minute,
                board_dir.clone(),
                tls,
            );
        }
        _ => {}
    }
    refuse_empty(&cli.command)?;
    if let Command::Server(cmd) = cli.command {
        return serve::admin(style, cmd);
    }
    let config = config::load()?;
    let db = match &cli.db {
        Some(p) => p.clone(),
        None => config::default_db()?,
    };
    let user = config::user(cli.user.as_deref(), &config)?;
    let mut store = Store::open(&db, user.as_deref())?;
    store.allow_new_sources(new_source(&cli.command));
    if let Some(original) = store.copied_from() {
        eprintln!(
            "claimdb: {} is a copy of {}, which is still in use: it now records changes as \
             replica {} of its own (changes made before the copy are sent from the original)",
            store.path().display(),
            original.display(),
            store.replica()
        );
    }

    match cli.command {
        Command::Init => {
            let v = InitView {
                path: store.path().to_path_buf(),
                replica_id: store.replica(),
                user: store.author().map(str::to_string),
                created: store.created(),
                schema_version: claimdb::store::SCHEMA_VERSION,
            };
            style.out(&v, || {
                format!(
                    "{} claimdb database at {}\nreplica {}\nuser    {}",
                    if v.created { "created" } else { "existing" },
                    v.path.display(),
                    v.replica_id,
                    v.user.as_deref().unwrap_or(
                        "(none: writes need --user NAME, CLAIMDB_USER or `user` in the config file)"
                    )
                )
            });
        }
        Command::Source(cmd) => match cmd {
            SourceCmd::Add {
                name,
                kind,
                alias,
                url,
                ..
            } => {
                let id = store.add_source(NewSource {
                    name,
                    kind: Some(kind.parse()?),
                    aliases: alias,
                    url,
                })?;
                let v = store.source_show(&id.to_string())?;
                style.out(&v, || format!("added source {} {}", v.short_id, p(&v.name)));
            }
            SourceCmd::Alias { name, aliases } => {
                let id = store.add_aliases(&name, &aliases)?;
                let v = store.source_show(&id.to_string())?;
                style.out(&v, || {
                    format!(
                        "{} {} is also {}",
                        v.short_id,
                        p(&v.name),
                        p(&v.aliases.join(", "))
                    )
                });
            }
            SourceCmd::List => {
                let v = store.source_list()?;
                style.out(&serde_json::json!({ "sources": v }), || style.sources(&v));
            }
            SourceCmd::Show { name } => {
                let v = store.source_show(&name)?;
                style.out(&v, || style.source(&v));
            }
            SourceCmd::Merge { keep, drop } => {
                let dropped = store.source_show(&drop)?;
                let (k, _) = store.merge_sources(&keep, &drop)?;
                let v = store.source_show(&k.to_string())?;
                let doc = serde_json::json!({
                    "source": v,
                    "merged": { "id": dropped.id, "name": dropped.name },
                });
                style.out(&doc, || {
                    format!(
                        "merged source {} {} into {} {} (now also {})",
                        dropped.short_id,
                        p(&dropped.name),
                        v.short_id,
                        p(&v.name),
                        p(&v.aliases.join(", "))
                    )
                });
            }
        },
        Command::Article(cmd) => match cmd {
            ArticleCmd::Add {
                url,
                title,
                outlet,
                published,
                lang,
                text_file,
                extract,
                accept,
                ..
            } => {
                if extract && text_file.is_none() {
                    return Err(claimdb::Error::invalid(
                        "--extract proposes claims in the article's text; give it with --text-file PATH",
                    )
                    .into());
                }
                if accept.is_some() && !extract {
                    return Err(claimdb::Error::invalid(
                        "--accept logs the claims --extract proposes; give --extract too",
                    )
                    .into());
                }
                let accept = accept.as_deref().map(extract::Accept::parse).transpose()?;
                let text = text_file
                    .as_deref()
                    .map(claimdb::extract::input::read_path)
                    .transpose()?;
                let id = store.add_article(NewArticle {
                    url,
                    title,
                    outlet,
                    published,
                    lang,
                    text,
                })?;
                let v = store.article_show(&id.to_string())?;
                if extract {
                    return extract::after_add(&mut store, style, &v, accept);
                }
                style.out(&v, || {
                    format!(
                        "added article {} {}",
                        v.short_id,
                        p(v.title.as_deref().or(v.url.as_deref()).unwrap_or(""))
                    )
                });
            }
            ArticleCmd::List => {
                let v = store.article_list()?;
                style.out(&serde_json::json!({ "articles": v }), || style.articles(&v));
            }
            ArticleCmd::Show { id, text: false } => {
                let v = store.article_show(&id)?;
                style.out(&v, || style.article(&v));
            }
            ArticleCmd::Show { id, text: true } => {
                let v = store.article_show(&id)?;
                let text = store.article_text(&id)?;
                if style.json {
                    let mut doc = serde_json::to_value(&v)?;
                    doc["text"] = serde_json::json!(text);
                    style.out(&doc, String::new);
                } else {
                    let Some(text) = text else {
                        return Err(claimdb::Error::NotFound(format!(
                            "article {} has no stored text; add it with --text-file",
                            v.short_id
                        ))
                        .into());
                    };
                    output::print_bytes(text.as_bytes())?;
                }
            }
        },
        Command::Claim(cmd) => claim(&mut store, style, cmd)?,
        Command::Mark {
            id,
            status,
            note,
            evidence,
        } => {
            store.mark(&id, &status, note.as_deref(), &evidence)?;
            show_claim(&store, style, &id, "marked")?;
        }
        Command::Evidence(EvidenceCmd::Add {
            id,
            url,
            stance,
            note,
        }) => {
            store.add_evidence(&id, &url, Some(&stance), note.as_deref())?;
            show_claim(&store, style, &id, "added evidence to")?;
        }
        Command::Extract(a) => extract::run(&mut store, style, a)?,
        Command::Search { query, limit } => {
            let q = query.join(" ");
            let hits = store.search(&q, limit)?;
            style.out(&serde_json::json!({ "query": q, "hits": hits }), || {
                style.hits(&hits)
            });
        }
        Command::Similar(a) => similar::run(&store, style, a)?,
        Command::Log { id, limit } => {
            let entries = store.log(id.as_deref(), limit)?;
            style.out(&serde_json::json!({ "operations": entries }), || {
                style.log(&entries)
            });
        }
        Command::Export(a) => {
            let format: Format = a.format.parse()?;
            let cr = config.claimreview;
            let scale = match &cr.scale {
                Some(s) => s.scale()?,
                None => Default::default(),
            };
            let opts = ExportOptions {
                review: ClaimReviewOptions {
                    publisher: a
                        .publisher
                        .or(config.publisher)
                        .unwrap_or_else(|| "claimdb".into()),
                    publisher_url: a.publisher_url.or(cr.publisher_url),
                    logo: a.logo.or(cr.logo),
                    language: a.language.or(cr.language),
                    url_base: a.url_base.or(cr.url_base),
                    scale,
                },
                raw_cells: a.raw_cells,
                excel: a.excel,
                filter: ExportFilter {
                    statuses: a.status,
                    since: a.since,
                    tag: a.tag,
                },
            };
            let path = a.output.unwrap_or_else(|| PathBuf::from("-"));
            let mut out = output::Output::open(&path, store.path())?;
            let summary = match interchange::export(&store, format, &opts, out.writer()) {
                Ok(s) => s,
                Err(_) if out.broken() => return Ok(()),
                Err(e) => {
                    out.abandon();
                    return Err(e.into());
                }
            };
            let to_stdout = matches!(out, output::Output::Stdout(_));
            out.finish()?;
            let placeholders = &summary.placeholder_urls;
            if !placeholders.is_empty() {
                let shown: Vec<&str> = placeholders
                    .iter()
                    .take(5)
                    .map(|id| id.get(..8).unwrap_or(id))
                    .collect();
                let more = if placeholders.len() > shown.len() {
                    format!(" and {} more", placeholders.len() - shown.len())
                } else {
                    String::new()
                };
                eprintln!(
                    "claimdb: warning: {} review{} still have a urn:uuid: placeholder URL (claims {}{more}); pass --url-base or set url_base under [claimreview] in the config file before publishing",
                    placeholders.len(),
                    if placeholders.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                );
            }
            if !to_stdout {
                let n = summary.records;
                let v = ExportView {
                    format: format.to_string(),
                    path: path.clone(),
                    records: n,
                    placeholder_urls: summary.placeholder_urls.clone(),
                };
                style.out(&v, || {
                    format!("exported {n} records as {format} to {}", path.display())
                });
            }
        }
        Command::Import {
            file,
            format,
            raw_cells,
            skip_invalid,
        } => import(&mut store, &style, &file, format, raw_cells, skip_invalid)?,
        Command::Check => {
            let (integrity, fk, rebuilt, operations) = store.read_snapshot(|s| {
                Ok((
                    s.integrity()?,
                    s.foreign_key_violations()?,
                    s.verify_rebuild()?,
                    s.op_count()?,
                ))
            })?;
            let diffs: Vec<String> = rebuilt
                .into_iter()
                .map(|d| {
                    format!(
                        "{}: {} live rows, {} rebuilt, {} differ",
                        d.table, d.live_rows, d.rebuilt_rows, d.differing_rows
                    )
                })
                .collect();
            let duplicates = store.duplicates()?;
            let v = CheckView {
                ok: integrity == "ok" && fk == 0 && diffs.is_empty() && duplicates.is_empty(),
                integrity,
                foreign_key_violations: fk,
                operations,
                rebuild_differences: diffs,
                duplicates,
            };
            style.out(&v, || {
                let mut s = format!(
                    "integrity:    {}\nforeign keys: {} violations\noperations:   {}\nrebuild:      {}",
                    v.integrity,
                    v.foreign_key_violations,
                    v.operations,
                    if v.rebuild_differences.is_empty() {
                        "matches the live tables".to_string()
                    } else {
                        v.rebuild_differences.join("; ")
                    }
                );
                s += &format!(
                    "\nunique names: {}",
                    if v.duplicates.is_empty() {
                        "no two sources share a name, no two articles a URL".to_string()
                    } else {
                        v.duplicates.join("; ")
                    }
                );
                s += if v.ok { "\nok" } else { "\nPROBLEMS FOUND" };
                s
            });
            if !v.ok {
                anyhow::bail!("the database check found problems; restore from a backup or export");
            }
        }
        Command::Backup { file } => {
            output::refuse_database(&file, store.path())?;
            store.backup(&file)?;
            style.out(&serde_json::json!({ "backup": file }), || {
                format!("backed up {} to {}", store.path().display(), file.display())
            });
        }
        Command::Remote(cmd) => sync::remote(&mut store, style, cmd)?,
        Command::Push { remote, sizes } => sync::transfer(
            &mut store,
            style,
            remote,
            sizes,
            Default::default(),
            sync::Direction::Push,
        )?,
        Command::Pull {
            remote,
            sizes,
            join,
        } => sync::transfer(
            &mut store,
            style,
            remote,
            sizes,
            join.mode(),
            sync::Direction::Pull,
        )?,
        Command::Sync {
            remote,
            sizes,
            join,
        } => sync::transfer(
            &mut store,
            style,
            remote,
            sizes,
            join.mode(),
            sync::Direction::Both,
        )?,
        Command::Conflicts => sync::conflicts(&store, style)?,
        Command::Demo
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Serve { .. }
        | Command::Server(_) => unreachable!("handled above"),
    }
    Ok(())
}

fn claim(store: &mut Store, style: Style, cmd: ClaimCmd) -> Result<()> {
    match cmd {
        ClaimCmd::Add {
            text,
            speaker,
            via,
            article,
            quote,
            said_on,
            tag,
            status,
            note,
            ..
        } => {
            // Like claims already logged, told before this one is.
            let before = match claimdb::text::claim_text(&text) {
                Ok(t) => similar::checked_before(store, &t)?,
                Err(_) => Vec::new(),
            };
            similar::warn(&before, "this claim");
            let id = store.add_claim(NewClaim {
                text,
                speaker,
                via,
                article,
                quote,
                said_on,
                tags: tag,
                status,
                note,
                ..Default::default()
            })?;
            let v = store.claim_show(&id.to_string())?;
            let mut doc = serde_json::to_value(&v).expect("views serialize");
            doc["checked_before"] = serde_json::to_value(&before).expect("views serialize");
            style.out(&doc, || claim_line(&v, "added"));
        }
        ClaimCmd::Appear {
            id,
            article,
            via,
            quote,
            ..
        } => {
            store.appear(&id, &article, via.as_deref(), quote.as_deref())?;
            show_claim(store, style, &id, "added an appearance of")?;
        }
        ClaimCmd::List(a) => {
            let rows = store.claim_list(&ClaimFilter {
                statuses: a.status,
                speaker: a.speaker,
                via: a.via,
                article: a.article,
                tag: a.tag,
                limit: Some(a.limit),
                deleted: a.deleted,
                ..Default::default()
            })?;
            style.out(&serde_json::json!({ "claims": rows }), || {
                style.claims(&rows)
            });
        }
        ClaimCmd::Show { id } => {
            let v = store.claim_show(&id)?;
            style.out(&v, || style.claim(&v));
        }
        ClaimCmd::Edit {
            id,
            text,
            speaker,
            said_on,
            add_tag,
            remove_tag,
            ..
        } => {
            let n = store.edit_claim(
                &id,
                ClaimEdit {
                    text,
                    speaker,
                    said_on,
                    add_tags: add_tag,
                    remove_tags: remove_tag,
                },
            )?;
            let verb = if n == 0 {
                "nothing changed in"
            } else {
                "edited"
            };
            show_claim(store, style, &id, verb)?;
        }
        ClaimCmd::Rm { id } => {
            store.delete_claim(&id)?;
            show_claim(store, style, &id, "deleted")?;
        }
        ClaimCmd::Restore { id } => {
            store.restore_claim(&id)?;
            show_claim(store, style, &id, "restored")?;
        }
    }
    Ok(())
}

/// Whether the command was given `--new-source`: a source whose name nearly matches an
/// existing one's may be created.
fn new_source(cmd: &Command) -> bool {
    match cmd {
        Command::Source(SourceCmd::Add { new_source, .. })
        | Command::Article(ArticleCmd::Add { new_source, .. })
        | Command::Claim(ClaimCmd::Add { new_source, .. })
        | Command::Claim(ClaimCmd::Appear { new_source, .. })
        | Command::Claim(ClaimCmd::Edit { new_source, .. }) => *new_source,
        Command::Extract(a) => a.new_source,
        _ => false,
    }
}

/// Refuse an option given with an empty value: leaving the option out is how to give none,
/// and an empty value must not be dropped silently. (Required values are checked where they
/// are used.)
fn refuse_empty(cmd: &Command) -> Result<()> {
    fn one(flag: &str, v: &Option<String>) -> Result<(), claimdb::Error> {
        match v {
            Some(v) if v.trim().is_empty() => Err(claimdb::Error::Invalid(format!(
                "{flag} is empty; leave it out or give a value"
            ))),
            _ => Ok(()),
        }
    }
    fn all(flag: &str, vs: &[String]) -> Result<(), claimdb::Error> {
        vs.iter().try_for_each(|v| one(flag, &Some(v.clone())))
    }
    match cmd {
        Command::Claim(ClaimCmd::Add {
            speaker,
            via,
            article,
            quote,
            said_on,
            tag,
            status,
            note,
            ..
        }) => {
            one("--speaker", speaker)?;
            one("--via", via)?;
            one("--article", article)?;
            one("--quote", quote)?;
            one("--said-on", said_on)?;
            all("--tag", tag)?;
            one("--status", status)?;
            one("--note", note)?;
        }
        Command::Claim(ClaimCmd::Appear { via, quote, .. }) => {
            one("--via", via)?;
            one("--quote", quote)?;
        }
        Command::Claim(ClaimCmd::Edit {
            speaker,
            said_on,
            add_tag,
            remove_tag,
            ..
        }) => {
            one("--speaker", speaker)?;
            one("--said-on", said_on)?;
            all("--add-tag", add_tag)?;
            all("--remove-tag", remove_tag)?;
        }
        Command::Claim(ClaimCmd::List(a)) => {
            all("--status", &a.status)?;
            one("--speaker", &a.speaker)?;
            one("--via", &a.via)?;
            one("--article", &a.article)?;
            one("--tag", &a.tag)?;
        }
        Command::Mark { note, evidence, .. } => {
            one("--note", note)?;
            all("--evidence", evidence)?;
        }
        Command::Evidence(EvidenceCmd::Add { note, .. }) => one("--note", note)?,
        Command::Article(ArticleCmd::Add {
            url,
            title,
            outlet,
            published,
            lang,
            accept,
            ..
        }) => {
            one("URL", url)?;
            one("--title", title)?;
            one("--outlet", outlet)?;
            one("--published", published)?;
            one("--lang", lang)?;
            one("--accept", accept)?;
        }
        Command::Extract(a) => {
            one("ARTICLE", &a.article)?;
            one("--accept", &a.accept)?;
        }
        Command::Source(SourceCmd::Add { alias, url, .. }) => {
            all("--alias", alias)?;
            one("--url", url)?;
        }
        Command::Export(a) => {
            one("--publisher", &a.publisher)?;
            one("--url-base", &a.url_base)?;
            one("--publisher-url", &a.publisher_url)?;
            one("--logo", &a.logo)?;
            one("--language", &a.language)?;
            one("--since", &a.since)?;
            one("--tag", &a.tag)?;
        }
        _ => {}
    }
    Ok(())
}

/// After a write: the claim as JSON, or one line saying what happened.
fn show_claim(store: &Store, style: Style, id: &str, verb: &str) -> Result<()> {
    let v = store.claim_show(id)?;
    style.out(&v, || claim_line(&v, verb));
    Ok(())
}

/// `claimdb man`: the manual page generated from the command definitions.
fn man(dir: Option<&std::path::Path>) -> Result<()> {
    let cmd = Cli::command();
    let render = |cmd: clap::Command| -> Result<Vec<u8>> {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page)?;
        Ok(page)
    };
    let Some(dir) = dir else {
        return output::print_bytes(&render(cmd)?);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = vec![];
    let mut pages = vec![("claimdb".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("claimdb-{}", sub.get_name());
        let page = sub.clone().name(name.clone());
        pages.push((name, page));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, render(page)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    eprintln!("wrote {} manual pages to {}", written.len(), dir.display());
    Ok(())
}

/// "added claim 3f2a9c1e [unverified] The plane ..."
fn claim_line(v: &claimdb::views::ClaimView, verb: &str) -> String {
    format!(
        "{verb} claim {} [{}] {}",
        v.short_id,
        v.status,
        clip(&v.text, 70)
    )
}
