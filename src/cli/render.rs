//! Rendering command results: tables and text for people, one JSON document for scripts.

use std::io::IsTerminal;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use claimdb::text::printable as p;
use claimdb::views::*;

/// The narrowest a table is wrapped to, whatever the terminal says.
const MIN_TABLE_WIDTH: u16 = 40;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub json: bool,
    pub color: bool,
    pub terminal: bool,
}

impl Style {
    pub fn detect(json: bool) -> Style {
        let terminal = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            json,
            color: terminal && !no_color,
            terminal,
        }
    }

    /// Print `value` as JSON, or the human rendering. A reader that went away (`| head`)
    /// is not an error.
    pub fn out<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(value).expect("views serialize")
        } else {
            let text = human();
            let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
            if lines.is_empty() {
                return;
            }
            lines.join("\n")
        };
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}").and_then(|_| out.flush());
    }

    fn table(&self, headers: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_style(presets::NOTHING);
        // Tables fit the terminal, coloured or not. A terminal that reports no width (0
        // columns) is treated as of unknown width: no wrapping. A very narrow one wraps at
        // a minimum width, so that no column is one character wide.
        let width = if self.terminal {
            t.width().filter(|w| *w > 0)
        } else {
            None
        };
        match width {
            Some(w) => {
                t.set_width(w.max(MIN_TABLE_WIDTH));
                t.set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        if self.color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(headers.iter().map(|h| self.bold(h)));
        t
    }

    fn bold(&self, s: &str) -> Cell {
        let c = Cell::new(s);
        if self.color {
            c.add_attribute(comfy_table::Attribute::Bold)
        } else {
            c
        }
    }

    fn status(&self, s: &str) -> Cell {
        let c = Cell::new(s);
        if !self.color {
            return c;
        }
        match s {
            "verified" | "mostly-true" => c.fg(Color::Green),
            "false" | "misleading" => c.fg(Color::Red),
            "mixed" | "unverifiable" => c.fg(Color::Yellow),
            "disputed" => c
                .fg(Color::Magenta)
                .add_attribute(comfy_table::Attribute::Bold),
            _ => c.fg(Color::DarkGrey),
        }
    }

    fn paint(&self, s: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn sources(&self, rows: &[SourceView]) -> String {
        let mut t = self.table(&["ID", "NAME", "KIND", "ALIASES", "CLAIMS", "RELAYED"]);
        for s in rows {
            t.add_row(vec![
                Cell::new(&s.short_id),
                Cell::new(p(&s.name)),
                Cell::new(&s.kind),
                Cell::new(p(&s.aliases.join(", "))),
                Cell::new(s.claims_spoken),
                Cell::new(s.claims_relayed),
            ]);
        }
        t.to_string()
    }

    pub fn source(&self, s: &SourceView) -> String {
        let mut out = format!(
            "{} {} ({})\n",
            self.paint(&s.short_id, "33"),
            p(&s.name),
            s.kind
        );
        if !s.aliases.is_empty() {
            out += &format!("aliases:  {}\n", p(&s.aliases.join(", ")));
        }
        if let Some(u) = &s.url {
            out += &format!("url:      {}\n", p(u));
        }
        out += &format!(
            "claims:   {} made, {} relayed\nadded:    {}\nid:       {}\n",
            s.claims_spoken, s.claims_relayed, s.created_at, s.id
        );
        out
    }

    pub fn articles(&self, rows: &[ArticleView]) -> String {
        let mut t = self.table(&["ID", "PUBLISHED", "OUTLET", "TITLE / URL", "TEXT", "CLAIMS"]);
        for a in rows {
            t.add_row(vec![
                Cell::new(&a.short_id),
                Cell::new(a.published.as_deref().unwrap_or("")),
                Cell::new(p(a.outlet.as_deref().unwrap_or(""))),
                Cell::new(p(a.title.as_deref().or(a.url.as_deref()).unwrap_or(""))),
                Cell::new(if a.text_chars.is_some() { "stored" } else { "" }),
                Cell::new(a.claims),
            ]);
        }
        t.to_string()
    }

    pub fn article(&self, a: &ArticleView) -> String {
        let mut out = format!(
            "{} {}\n",
            self.paint(&a.short_id, "33"),
            p(a.title.as_deref().unwrap_or("(untitled)"))
        );
        let mut line = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out += &format!("{k:<10}{}\n", p(&v));
            }
        };
        line("url:", a.url.clone());
        line("outlet:", a.outlet.clone());
        line("published:", a.published.clone());
        line("language:", a.lang.clone());
        line(
            "text:",
            a.text_chars.map(|n| {
                format!(
                    "{n} characters, sha256 {}",
                    a.text_sha256.as_deref().unwrap_or("?")
                )
            }),
        );
        line("claims:", Some(a.claims.to_string()));
        line("id:", Some(a.id.to_string()));
        out
    }

    pub fn claims(&self, rows: &[ClaimRow]) -> String {
        let mut t = self.table(&["ID", "STATUS", "SPEAKER", "CLAIM", "TAGS"]);
        for c in rows {
            let mut status = c.status.clone();
            if c.deleted {
                status += " (deleted)";
            }
            let mut text = crate::cli::clip(&c.text, 90);
            for v in &c.disputed {
                text += &format!(
                    "\n  {} by {}{}",
                    v.status,
                    p(&v.author),
                    v.note
                        .as_deref()
                        .map(|n| format!(": {}", crate::cli::clip(n, 70)))
                        .unwrap_or_default()
                );
            }
            t.add_row(vec![
                Cell::new(&c.short_id),
                self.status(&status),
                Cell::new(p(c.speaker.as_deref().unwrap_or(""))),
                Cell::new(text),
                Cell::new(p(&c.tags.join(", "))),
            ]);
        }
        t.to_string()
    }

    pub fn claim(&self, c: &ClaimView) -> String {
        let mut out = format!("{} {}\n", self.paint(&c.short_id, "33"), p(&c.text));
        let status = if c.deleted {
            format!("{} (deleted)", c.status)
        } else {
            c.status.clone()
        };
        out += &format!("status:   {}\n", self.paint(&status, "1"));
        if let Some(s) = &c.speaker {
            out += &format!("speaker:  {}\n", p(&s.name));
        }
        if let Some(d) = &c.said_on {
            out += &format!("said on:  {d}\n");
        }
        if !c.tags.is_empty() {
            out += &format!("tags:     {}\n", p(&c.tags.join(", ")));
        }
        out += &format!("logged:   {} by {}\n", c.created_at, p(&c.created_by));
        if !c.appearances.is_empty() {
            out += "\nappearances:\n";
            for a in &c.appearances {
                let mut head = String::from("  -");
                if let Some(art) = &a.article {
                    head += &format!(
                        " {} {}",
                        art.short_id,
                        p(art.title.as_deref().or(art.url.as_deref()).unwrap_or(""))
                    );
                }
                if let Some(v) = &a.via {
                    head += &format!(" via {}", p(&v.name));
                }
                out += &head;
                out += "\n";
                if let Some(q) = &a.quote {
                    out += &format!("    \"{}\"", p(q));
                    if let Some(an) = &a.anchor {
                        out += &format!(" [chars {}..{}]", an.start, an.end);
                    }
                    out += "\n";
                }
            }
        }
        if !c.verdicts.is_empty() {
            out += "\nverdicts (oldest first):\n";
            for v in &c.verdicts {
                let mark = if v.current { "*" } else { " " };
                out += &format!(
                    "  {mark} {} {} by {} at {}\n",
                    v.short_id,
                    self.paint(&v.status, "1"),
                    p(&v.author),
                    v.created_at
                );
                if let Some(n) = &v.note {
                    out += &format!("      {}\n", p(n));
                }
            }
            if c.status == "disputed" {
                out += "  (* current; they disagree: `claimdb mark` records a verdict that settles it)\n";
            }
        }
        if !c.reviews.is_empty() {
            out += "\nreviewed elsewhere (not the desk's verdict):\n";
            for r in &c.reviews {
                out += &format!(
                    "  - {} rated {}{}\n",
                    p(r.publisher.as_deref().unwrap_or("(unnamed publisher)")),
                    p(&r.rating_text()),
                    r.reviewed_on
                        .as_deref()
                        .map(|d| format!(" on {d}"))
                        .unwrap_or_default()
                );
                out += &format!("    {}\n", p(&r.url));
            }
        }
        if !c.evidence.is_empty() {
            out += "\nevidence:\n";
            for e in &c.evidence {
                out += &format!(
                    "  - {} {}{}\n",
                    e.stance,
                    p(e.url.as_deref().unwrap_or("")),
                    e.note
                        .as_deref()
                        .map(|n| format!(" — {}", p(n)))
                        .unwrap_or_default()
                );
            }
        }
        if !c.conflicts.is_empty() {
            out += "\nconcurrent edits (the first value is kept; edit the field to settle):\n";
            for f in &c.conflicts {
                out += &format!(
                    "  {}: {} by {} at {}\n",
                    f.field,
                    p(&f.winner.value.to_string()),
                    p(&f.winner.author),
                    f.winner.at
                );
                for l in &f.losers {
                    out += &format!(
                        "      also {} by {} at {}\n",
                        p(&l.value.to_string()),
                        p(&l.author),
                        l.at
                    );
                }
            }
        }
        if !c.edits.is_empty() {
            out += "\nedits:\n";
            for e in &c.edits {
                out += &format!(
                    "  {} {} {}: {} → {}\n",
                    e.at,
                    p(&e.author),
                    e.field,
                    p(&e.prev.to_string()),
                    p(&e.value.to_string())
                );
            }
        }
        out += &format!("\nid: {}\n", c.id);
        out
    }

    pub fn hits(&self, hits: &[SearchHit]) -> String {
        if hits.is_empty() {
            return "no matches".into();
        }
        let mut out = String::new();
        for h in hits {
            let snippet = if self.color {
                let mut s = String::new();
                for (i, part) in h.snippet.split("**").enumerate() {
                    if i % 2 == 1 {
                        s += &format!("\x1b[1;33m{}\x1b[0m", p(part));
                    } else {
                        s += &p(part);
                    }
                }
                s
            } else {
                p(&h.snippet).into_owned()
            };
            out += &format!(
                "{} [{}] {}\n    {}\n",
                self.paint(&h.short_id, "33"),
                h.status,
                crate::cli::clip(&h.text, 90),
                snippet.replace('\n', " ")
            );
            if !h.reviews.is_empty() {
                let brief: Vec<String> = h
                    .reviews
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {}",
                            r.publisher.as_deref().unwrap_or("(unnamed publisher)"),
                            r.rating_text()
                        )
                    })
                    .collect();
                out += &format!(
                    "    reviewed elsewhere: {}\n",
                    p(&crate::cli::clip(&brief.join("; "), 120))
                );
            }
        }
        out
    }

    pub fn log(&self, entries: &[LogEntry]) -> String {
        let mut t = self.table(&["WHEN", "WHO", "WHAT"]);
        for e in entries {
            t.add_row(vec![
                Cell::new(&e.at),
                Cell::new(p(&e.author)),
                Cell::new(p(&e.summary)),
            ]);
        }
        t.to_string()
    }
}
