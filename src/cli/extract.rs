//! `claimdb extract` and `article add --extract`: propose the attributed claims in a text,
//! show them, and log the accepted ones (chosen with `--accept`, or one by one on a
//! terminal) in one transaction.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use uuid::Uuid;

use claimdb::extract::{self, Candidate, Context, KnownName, input};
use claimdb::store::{CreatedSource, PlacedClaim};
use claimdb::text::printable as p;
use claimdb::views::{ArticleView, SimilarHit};
use claimdb::{Error, Store};

use super::args::ExtractArgs;
use super::render::Style;

/// Longest quote shown in a list, in characters.
const SHOWN_QUOTE_CHARS: usize = 240;

/// What `--accept` chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accept {
    All,
    /// Candidate numbers, from 1, ascending, each once.
    Numbers(Vec<usize>),
}

impl Accept {
    /// Parse `all` or `N,M,...`; numbers start at 1 and may not repeat.
    pub fn parse(spec: &str) -> Result<Accept, Error> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("all") {
            return Ok(Accept::All);
        }
        let mut numbers = Vec::new();
        for part in spec.split(',') {
            let part = part.trim();
            let n: usize = part.parse().map_err(|_| {
                Error::Invalid(format!(
                    "--accept: '{part}' is not a candidate number; give all, or numbers such as 1,3"
                ))
            })?;
            if n == 0 {
                return Err(Error::invalid(
                    "--accept: candidates are numbered from 1; 0 is not one",
                ));
            }
            if numbers.contains(&n) {
                return Err(Error::Invalid(format!("--accept: {n} is given twice")));
            }
            numbers.push(n);
        }
        numbers.sort_unstable();
        Ok(Accept::Numbers(numbers))
    }

    /// The chosen candidates' indexes (from 0) among `count`.
    pub fn pick(&self, count: usize) -> Result<Vec<usize>, Error> {
        match self {
            Accept::All => Ok((0..count).collect()),
            Accept::Numbers(ns) => {
                if let Some(n) = ns.iter().find(|n| **n > count) {
                    return Err(Error::Invalid(match count {
                        0 => format!("--accept: there is no candidate {n}: none were found"),
                        1 => format!("--accept: there is no candidate {n}: there is only 1"),
                        _ => format!(
                            "--accept: there is no candidate {n}: they run from 1 to {count}"
                        ),
                    }));
                }
                Ok(ns.iter().map(|n| n - 1).collect())
            }
        }
    }
}

/// A candidate chosen to be logged, with the claim text and speaker it is logged with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// Index among the candidates, from 0.
    pub index: usize,
    pub text: String,
    pub speaker: Option<String>,
}

impl Pick {
    fn of(index: usize, c: &Candidate) -> Pick {
        Pick {
            index,
            text: claim_text(&c.quote),
            speaker: c.speaker.clone(),
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<&'a ArticleView>,
    candidates: &'a [Candidate],
    /// Candidates already logged as claims on this article, at the same place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logged_before: Vec<LoggedBefore>,
    #[serde(flatten)]
    logged: Option<Logged>,
}

/// A candidate whose words an existing claim on the article is already anchored to.
#[derive(Serialize, Clone)]
struct LoggedBefore {
    candidate: usize,
    claim: String,
}

/// The candidates (by number, from 1) that overlap a claim's anchor on the article by at
/// least half of each.
fn logged_before(anchored: &[(String, u64, u64)], cands: &[Candidate]) -> Vec<LoggedBefore> {
    let mut out = Vec::new();
    for (i, c) in cands.iter().enumerate() {
        let hit = anchored.iter().find(|(_, s, e)| {
            let ov = (*e).min(c.end).saturating_sub((*s).max(c.start));
            ov > 0 && ov * 2 >= e - s && ov * 2 >= c.end - c.start
        });
        if let Some((id, _, _)) = hit {
            out.push(LoggedBefore {
                candidate: i + 1,
                claim: id.clone(),
            });
        }
    }
    out
}

/// What accepting did, or with `--dry-run` would do.
#[derive(Serialize)]
struct Logged {
    dry_run: bool,
    claims: Vec<LoggedClaim>,
    created_sources: Vec<CreatedSource>,
}

#[derive(Serialize)]
struct LoggedClaim {
    candidate: usize,
    id: Option<Uuid>,
    #[serde(skip)]
    short_id: Option<String>,
    text: String,
    speaker: Option<String>,
    via: Option<String>,
    /// Claims already logged that this one is like (see `claimdb similar`).
    checked_before: Vec<SimilarHit>,
}

/// `claimdb extract`.
pub fn run(store: &mut Store, style: Style, a: ExtractArgs) -> Result<()> {
    check_args(&a)?;
    let accept = a.accept.as_deref().map(Accept::parse).transpose()?;
    let from_stdin = a.article.as_deref() == Some("-");
    if from_stdin || a.text_file.is_some() {
        let path = a.text_file.as_deref().unwrap_or(Path::new("-"));
        let text = input::read_path(path)?;
        let cands = candidates(&text, context(store, None)?);
        style.out(&Document::bare(&cands), || list(&cands, &[]));
        return Ok(());
    }
    let article = a.article.expect("checked: an article is given");
    let view = store.article_show(&article)?;
    extract_stored(store, style, &view, accept, a.dry_run, false)
}

/// `article add --extract [--accept ...]`, after the article `view` was stored.
pub fn after_add(
    store: &mut Store,
    style: Style,
    view: &ArticleView,
    accept: Option<Accept>,
) -> Result<()> {
    extract_stored(store, style, view, accept, false, true).with_context(|| {
        format!(
            "article {} was added, but its claims were not logged",
            view.short_id
        )
    })
}

/// Refuse combinations of arguments that make no sense, each in one line.
pub fn check_args(a: &ExtractArgs) -> Result<(), Error> {
    if a.eval.is_some() {
        if a.article.is_some() || a.text_file.is_some() || a.accept.is_some() || a.dry_run {
            return Err(Error::invalid(
                "--eval scores the extractor on a directory; give it without an article, --text-file, --accept or --dry-run",
            ));
        }
        return Ok(());
    }
    let text_input = a.text_file.is_some() || a.article.as_deref() == Some("-");
    match (&a.article, &a.text_file) {
        (None, None) => {
            return Err(Error::invalid(
                "give the article to extract from (its id or URL), --text-file PATH, or - for standard input",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid("give an article or --text-file, not both"));
        }
        _ => {}
    }
    if a.accept.is_some() && text_input {
        return Err(Error::invalid(
            "--accept logs claims on a stored article, and a text from a file or standard input has none; \
             add the article first (`claimdb article add --text-file PATH --extract --accept ...`)",
        ));
    }
    if a.dry_run && a.accept.is_none() {
        return Err(Error::invalid(
            "--dry-run shows what --accept would log; give --accept too",
        ));
    }
    Ok(())
}

/// `claimdb extract --eval DIR`.
pub fn eval(style: Style, dir: &Path) -> Result<()> {
    let report = claimdb::extract::eval::run_dir(dir)?;
    style.out(&report, || report.render());
    Ok(())
}

impl<'a> Document<'a> {
    fn bare(candidates: &'a [Candidate]) -> Self {
        Document {
            article: None,
            candidates,
            logged: None,
            logged_before: Vec::new(),
        }
    }
}

/// Extract from a stored article; log what `accept` chooses, or what the user accepts on a
/// terminal; print it all. `added` says the article was just added (its line is printed).
fn extract_stored(
    store: &mut Store,
    style: Style,
    view: &ArticleView,
    accept: Option<Accept>,
    dry_run: bool,
    added: bool,
) -> Result<()> {
    let id = view.id.to_string();
    let text = input::stored(&view.short_id, store.article_text(&id)?)?;
    let cands = candidates(&text, context(store, view.outlet.clone())?);
    let before = logged_before(&store.anchored_quotes(&id)?, &cands);
    let mut head = String::new();
    if added {
        head = format!(
            "added article {} {}\n",
            view.short_id,
            p(view.title.as_deref().or(view.url.as_deref()).unwrap_or(""))
        );
    }
    let article = added.then_some(view);
    // Review one by one only where someone can answer: never when standard input is not a
    // terminal, nor for a script (--json, --accept).
    let interactive = accept.is_none()
        && !style.json
        && !cands.is_empty()
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal();
    let picks = match &accept {
        Some(spec) => {
            let mut chosen = spec.pick(cands.len())?;
            // `all` leaves out what is already logged; numbers are taken as given.
            if matches!(spec, Accept::All) {
                chosen.retain(|i| !before.iter().any(|b| b.candidate == i + 1));
            }
            Some(chosen.into_iter().map(|i| Pick::of(i, &cands[i])).collect())
        }
        None if interactive => {
            print!("{head}");
            head.clear();
            let picks = review(
                &cands,
                &mut std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
            )
            .map_err(|e| Error::io("cannot read the answer", e))?;
            Some(picks)
        }
        None => None,
    };
    let logged = match picks {
        Some(picks) => Some(log(store, &id, &cands, &picks, dry_run)?),
        None => None,
    };
    let doc = Document {
        article,
        candidates: &cands,
        logged,
        logged_before: before.clone(),
    };
    style.out(&doc, || {
        let mut out = head;
        if !interactive {
            out += &list(&cands, &before);
        }
        if let Some(l) = &doc.logged {
            if !interactive {
                out += "\n\n";
            }
            out += &logged_lines(l);
        }
        out
    });
    Ok(())
}

/// The extractor's candidates, in text order.
fn candidates(text: &str, cx: Context) -> Vec<Candidate> {
    let mut cands = extract::extract(text, &cx);
    cands.sort_by_key(|c| (c.start, c.end));
    cands
}

/// What the extractor may know: the article's outlet and every source in the database.
fn context(store: &Store, outlet: Option<String>) -> Result<Context> {
    let known = store
        .source_names()?
        .into_iter()
        .map(|(name, aliases)| KnownName { name, aliases })
        .collect();
    Ok(Context { outlet, known })
}

/// Log `picks` in one transaction (or rehearse it).
fn log(
    store: &mut Store,
    article: &str,
    cands: &[Candidate],
    picks: &[Pick],
    dry_run: bool,
) -> Result<Logged> {
    let placed: Vec<PlacedClaim> = picks
        .iter()
        .map(|k| {
            let c = &cands[k.index];
            PlacedClaim {
                label: format!("candidate {}", k.index + 1),
                text: k.text.clone(),
                speaker: k.speaker.clone(),
                via: c.via.clone(),
                start: c.start,
                end: c.end,
            }
        })
        .collect();
    // Like claims already logged, told before these are.
    let mut before = Vec::with_capacity(picks.len());
    for k in picks {
        let hits = match claimdb::text::claim_text(&k.text) {
            Ok(t) => super::similar::checked_before(store, &t)?,
            Err(_) => Vec::new(),
        };
        super::similar::warn(&hits, &format!("candidate {}", k.index + 1));
        before.push(hits);
    }
    let (ids, created_sources) = if placed.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        store.add_placed_claims(article, &placed, dry_run)?
    };
    let mut claims = Vec::with_capacity(picks.len());
    for (i, k) in picks.iter().enumerate() {
        let id = if dry_run { None } else { ids.get(i).copied() };
        let short_id = match id {
            Some(id) => Some(store.claim_show(&id.to_string())?.short_id),
            None => None,
        };
        claims.push(LoggedClaim {
            candidate: k.index + 1,
            id,
            short_id,
            text: k.text.clone(),
            speaker: k.speaker.clone(),
            via: cands[k.index].via.clone(),
            checked_before: std::mem::take(&mut before[i]),
        });
    }
    Ok(Logged {
        dry_run,
        claims,
        created_sources,
    })
}

fn logged_lines(l: &Logged) -> String {
    if l.claims.is_empty() {
        return "nothing to log".into();
    }
    let mut out = String::new();
    for c in &l.claims {
        let mut line = match &c.short_id {
            Some(short) => format!("logged claim {short} (candidate {}): ", c.candidate),
            None => format!("would log (candidate {}): ", c.candidate),
        };
        line += &claimdb::text::clip(&c.text, 90);
        if let Some(s) = &c.speaker {
            line += &format!(" — {}", claimdb::text::clip(s, 60));
        }
        if let Some(v) = &c.via {
            line += &format!(", via {}", claimdb::text::clip(v, 60));
        }
        out += &line;
        out += "\n";
    }
    let verb = if l.dry_run { "would create" } else { "created" };
    for s in &l.created_sources {
        out += &format!("{verb} {} {}\n", s.kind, claimdb::text::clip(&s.name, 60));
    }
    if l.dry_run {
        out += "dry run: nothing was written\n";
    }
    out
}

/// The candidates as a person reads them: numbered from 1, quotes clipped, every text made
/// safe to print.
fn list(cands: &[Candidate], before: &[LoggedBefore]) -> String {
    if cands.is_empty() {
        return "no claims found".into();
    }
    let blocks: Vec<String> = cands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut b = one(i + 1, c).trim_end().to_string();
            if let Some(l) = before.iter().find(|l| l.candidate == i + 1) {
                b += &format!(
                    "\n   already logged as claim {}",
                    &l.claim[..8.min(l.claim.len())]
                );
            }
            b
        })
        .collect();
    blocks.join("\n\n")
}

fn one(n: usize, c: &Candidate) -> String {
    let field = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "-".to_string(), |s| claimdb::text::clip(s, 60))
    };
    let kind = serde_json::to_value(c.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!(
        "{n}. {kind}  confidence {:.2}  chars {}..{}\n   speaker: {}  via: {}  cue: {}\n   \"{}\"\n",
        c.confidence,
        c.start,
        c.end,
        field(&c.speaker),
        field(&c.via),
        field(&c.cue),
        claimdb::text::clip(&c.quote, SHOWN_QUOTE_CHARS)
    )
}

/// Quotation marks, opening and closing, in the scripts claimdb's users write.
const QUOTE_MARKS: &[char] = &[
    '"', '\'', '«', '»', '„', '“', '”', '‘', '’', '‚', '‹', '›', '「', '」', '『', '』',
];
/// Dashes that introduce or close reported speech (`— Цены упадут, — сказал он`).
const DASHES: &[char] = &['-', '‐', '‒', '–', '—', '―'];

/// The claim a quote states, as a fact-checker writes it down: without the quotation marks
/// around it, the dashes that set it off, and the comma, colon or semicolon that joined it to
/// its attribution. Quotation marks inside it stay, and so do an apostrophe and a final
/// full stop, question or exclamation mark.
pub fn claim_text(quote: &str) -> String {
    // Quotation marks, leaving out apostrophes (a mark between two letters or digits).
    let marks = |s: &str| -> Vec<usize> {
        let chars: Vec<char> = s.chars().collect();
        chars
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                QUOTE_MARKS.contains(c)
                    && !(*i > 0
                        && chars[i - 1].is_alphanumeric()
                        && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let mut s = quote;
    loop {
        let before = s;
        s = s.trim_start_matches(|c: char| c.is_whitespace() || DASHES.contains(&c));
        s = s.trim_end_matches(|c: char| {
            c.is_whitespace() || DASHES.contains(&c) || matches!(c, ',' | ';' | ':')
        });
        let m = marks(s);
        let last = s.chars().count().saturating_sub(1);
        let first_char_len = s.chars().next().map_or(0, char::len_utf8);
        let last_char_len = s.chars().next_back().map_or(0, char::len_utf8);
        match m.as_slice() {
            // A pair around the whole quote.
            [0, l] if *l == last && last > 0 => {
                s = &s[first_char_len..s.len() - last_char_len];
            }
            // An opening mark whose partner the quote left out, or a closing one.
            [0] => s = &s[first_char_len..],
            [l] if *l == last => s = &s[..s.len() - last_char_len],
            _ => {}
        }
        if s == before {
            break;
        }
    }
    if s.is_empty() {
        quote.trim().to_string()
    } else {
        s.to_string()
    }
}

/// Go through `cands` one by one, asking what to do with each on `out` and reading the
/// answers, one a line, from `input`. Returns the accepted ones, in order. The end of the
/// input, like `q`, stops the review: what was accepted so far is kept.
pub fn review(
    cands: &[Candidate],
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> std::io::Result<Vec<Pick>> {
    let mut picks = Vec::new();
    let total = cands.len();
    'candidates: for (i, c) in cands.iter().enumerate() {
        let mut pick = Pick::of(i, c);
        writeln!(out, "\n{}", one(i + 1, c).trim_end())?;
        loop {
            writeln!(
                out,
                "   claim:   {}\n   speaker: {}",
                claimdb::text::clip(&pick.text, SHOWN_QUOTE_CHARS),
                pick.speaker
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |s| claimdb::text::clip(s, 60))
            )?;
            let Some(answer) = ask(
                input,
                out,
                &format!(
                    "{}/{total}: [a]ccept, [e]dit claim text, [s]peaker, s[k]ip, [q]uit? ",
                    i + 1
                ),
            )?
            else {
                break 'candidates;
            };
            match answer.to_lowercase().as_str() {
                "a" | "accept" => {
                    picks.push(pick);
                    break;
                }
                "k" | "skip" => break,
                "q" | "quit" => break 'candidates,
                "e" | "edit" => loop {
                    let Some(t) = ask(input, out, "claim text (empty keeps it): ")? else {
                        break 'candidates;
                    };
                    if t.is_empty() {
                        break;
                    }
                    match claimdb::text::claim_text(&t) {
                        Ok(t) => {
                            pick.text = t;
                            break;
                        }
                        Err(e) => writeln!(out, "{}", p(&e.to_string()))?,
                    }
                },
                "s" | "speaker" => loop {
                    let Some(t) = ask(input, out, "speaker (empty keeps it, - for none): ")? else {
                        break 'candidates;
                    };
                    if t.is_empty() {
                        break;
                    }
                    if t == "-" {
                        pick.speaker = None;
                        break;
                    }
                    match claimdb::text::name("speaker", &t, claimdb::text::MAX_NAME_CHARS) {
                        Ok(t) => {
                            pick.speaker = Some(t);
                            break;
                        }
                        Err(e) => writeln!(out, "{}", p(&e.to_string()))?,
                    }
                },
                _ => writeln!(out, "answer a, e, s, k or q")?,
            }
        }
    }
    writeln!(out, "\naccepted {} of {total}", picks.len())?;
    out.flush()?;
    Ok(picks)
}

/// Print `prompt` and read one line, trimmed; `None` at the end of the input.
fn ask(
    input: &mut impl BufRead,
    out: &mut impl Write,
    prompt: &str,
) -> std::io::Result<Option<String>> {
    write!(out, "{prompt}")?;
    out.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        writeln!(out)?;
        return Ok(None);
    }
    Ok(Some(line.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use claimdb::extract::Kind;

    fn cand(quote: &str, speaker: Option<&str>) -> Candidate {
        Candidate {
            quote: quote.into(),
            start: 1,
            end: 1 + quote.chars().count() as u64,
            speaker: speaker.map(str::to_string),
            via: None,
            cue: Some("said".into()),
            kind: Kind::Direct,
            confidence: 0.9,
        }
    }

    fn script(cands: &[Candidate], answers: &str) -> (Vec<Pick>, String) {
        let mut out = Vec::new();
        let picks = review(cands, &mut answers.as_bytes(), &mut out).unwrap();
        (picks, String::from_utf8(out).unwrap())
    }

    #[test]
    fn review_accepts_skips_and_edits() {
        let cands = [
            cand("Prices will fall,", Some("Jane Doe")),
            cand("Taxes will rise", Some("John Roe")),
            cand("Wages will grow", None),
        ];
        let (picks, out) = script(&cands, "a\nk\ne\nWages grow fast\ns\nMary Major\nwhat\nA\n");
        assert_eq!(
            picks,
            vec![
                Pick {
                    index: 0,
                    text: "Prices will fall".into(),
                    speaker: Some("Jane Doe".into())
                },
                Pick {
                    index: 2,
                    text: "Wages grow fast".into(),
                    speaker: Some("Mary Major".into())
                },
            ]
        );
        assert!(out.contains("1/3: [a]ccept, [e]dit claim text, [s]peaker, s[k]ip, [q]uit?"));
        assert!(out.contains("answer a, e, s, k or q"), "{out}");
        assert!(out.contains("accepted 2 of 3"), "{out}");
    }

    #[test]
    fn review_stops_at_quit_or_the_end_of_input() {
        let cands = [cand("One", None), cand("Two", None), cand("Three", None)];
        let (picks, out) = script(&cands, "a\nq\na\n");
        assert_eq!(picks.len(), 1);
        assert!(!out.contains("3/3"), "{out}");
        let (picks, _) = script(&cands, "k\na");
        assert_eq!(picks.iter().map(|p| p.index).collect::<Vec<_>>(), [1]);
        let (picks, out) = script(&cands, "");
        assert!(picks.is_empty());
        assert!(out.contains("accepted 0 of 3"));
        // The end of the input while editing stops too, without accepting.
        let (picks, _) = script(&cands, "e\n");
        assert!(picks.is_empty());
    }

    #[test]
    fn review_refuses_bad_edits_and_clears_a_speaker() {
        let cands = [cand("One", Some("Jane Doe"))];
        let (picks, out) = script(&cands, "e\nbad\u{1b}[2J\n\ns\n-\na\n");
        assert_eq!(picks[0].text, "One");
        assert_eq!(picks[0].speaker, None);
        assert!(out.contains("control characters"), "{out}");
        // Hostile text in a candidate is shown escaped.
        let cands = [cand("evil\u{1b}[2J", Some("x\u{202E}y"))];
        let (_, out) = script(&cands, "k\n");
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202E}'),
            "{out}"
        );
    }

    #[test]
    fn claim_text_drops_what_a_fact_checker_would_not_keep() {
        for (quote, claim) in [
            ("Prices will fall,", "Prices will fall"),
            ("\"Prices will fall,\"", "Prices will fall"),
            ("“Prices will fall.”", "Prices will fall."),
            ("«Цены упадут», —", "Цены упадут"),
            ("— Цены упадут, —", "Цены упадут"),
            ("\"Prices will fall", "Prices will fall"),
            ("'Prices won't fall'", "Prices won't fall"),
            ("\"Prices\" will fall", "\"Prices\" will fall"),
            ("He called it \"nonsense\"", "He called it \"nonsense\""),
            ("„Fiyatlar düşecek” ", "Fiyatlar düşecek"),
            ("Will prices fall?", "Will prices fall?"),
            ("\"\"", "\"\""),
        ] {
            assert_eq!(claim_text(quote), claim, "{quote}");
        }
    }

    #[test]
    fn accept_numbers_are_checked() {
        assert_eq!(Accept::parse("all").unwrap(), Accept::All);
        assert_eq!(
            Accept::parse(" 3, 1 ").unwrap(),
            Accept::Numbers(vec![1, 3])
        );
        for (spec, err) in [
            ("0", "numbered from 1"),
            ("1,x", "'x' is not a candidate number"),
            ("1,,2", "'' is not a candidate number"),
            ("-1", "'-1' is not"),
            ("2,2", "2 is given twice"),
        ] {
            let e = Accept::parse(spec).unwrap_err().to_string();
            assert!(e.contains(err), "{spec}: {e}");
        }
        let e = Accept::parse("4").unwrap().pick(3).unwrap_err().to_string();
        assert!(e.contains("they run from 1 to 3"), "{e}");
        assert!(Accept::parse("1").unwrap().pick(0).is_err());
        assert_eq!(Accept::parse("1,3").unwrap().pick(3).unwrap(), [0, 2]);
        assert_eq!(Accept::All.pick(2).unwrap(), [0, 1]);
    }
}
