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

use anyhow::Result;
use clap::{CommandFactory, Parser};
use serde::Serialize;

use args::{ArticleCmd, ClaimCmd, Cli, Command, EvidenceCmd, SourceCmd};
use claimdb::interchange::{self, ClaimReviewOptions, ExportOptions, Format, ImportOptions};
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
    match run(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
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
            ArticleCmd::Show { id } => {
                let v = store.article_show(&id)?;
                style.out(&v, || style.article(&v));
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
            let opts = ExportOptions {
                review: ClaimReviewOptions {
                    publisher: a
                        .publisher
                        .or(config.publisher)
                        .unwrap_or_else(|| "claimdb".into()),
                    url_base: a.url_base,
                },
                raw_cells: a.raw_cells,
            };
            let path = a.output.unwrap_or_else(|| PathBuf::from("-"));
            let mut out = output::Output::open(&path, store.path())?;
            let n = match interchange::export(&store, format, &opts, out.writer()) {
                Ok(n) => n,
                Err(_) if out.broken() => return Ok(()),
                Err(e) => {
                    out.abandon();
                    return Err(e.into());
                }
            };
            let to_stdout = matches!(out, output::Output::Stdout(_));
            out.finish()?;
            if !to_stdout {
                let v = ExportView {
                    format: format.to_string(),
                    path: path.clone(),
                    records: n,
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
        } => {
            let format = match format {
                Some(f) => f.parse()?,
                None => Format::from_path(&file).ok_or_else(|| {
                    claimdb::Error::invalid(format!(
                        "cannot tell the format of {}; pass --format json, jsonl or csv",
                        file.display()
                    ))
                })?,
            };
            let opts = ImportOptions { raw_cells };
            let sum = interchange::import_path(&mut store, &file, format, &opts)?;
            style.out(&sum, || {
                format!(
                    "imported {} records ({} claims, {} verdicts); {} already present",
                    sum.imported(),
                    sum.claims,
                    sum.verdicts,
                    sum.skipped
                )
            });
        }
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
        Command::Push { remote, sizes } => {
            sync::transfer(&mut store, style, remote, sizes, sync::Direction::Push)?
        }
        Command::Pull { remote, sizes } => {
            sync::transfer(&mut store, style, remote, sizes, sync::Direction::Pull)?
        }
        Command::Sync { remote, sizes } => {
            sync::transfer(&mut store, style, remote, sizes, sync::Direction::Both)?
        }
        Command::Conflicts => sync::conflicts(&store, style)?,
        Command::Demo
        | Command::Completions { .. }
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

/// "added claim 3f2a9c1e [unverified] The plane ..."
fn claim_line(v: &claimdb::views::ClaimView, verb: &str) -> String {
    format!(
        "{verb} claim {} [{}] {}",
        v.short_id,
        v.status,
        clip(&v.text, 70)
    )
}
