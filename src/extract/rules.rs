//! The rules: direct quotations with their cue, reported speech after a verb of saying,
//! credits ("according to X"), relays ("X quoted Y as saying") and quotations that continue
//! the previous speaker.

use super::Kind;
use super::lang::{Gender, Lang};
use super::names::{EntKind, Names, is_cap, strip_possessive, words};
use super::segment::Doc;

/// A candidate in byte offsets.
#[derive(Debug, Clone)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub speaker: Option<String>,
    pub via: Option<String>,
    pub cue: Option<String>,
    pub kind: Kind,
    pub confidence: f64,
}

/// Who a phrase names: the speaker, the relay, and the entity behind the speaker.
#[derive(Debug, Clone, Default)]
pub struct Who {
    pub speaker: Option<String>,
    pub via: Option<String>,
    pub ent: Option<usize>,
    /// Named outright rather than by a pronoun or a title.
    pub named: bool,
    /// The subject is a document ("A NASA statement"): a speaker named inside what it says
    /// is the one who said it.
    pub document: bool,
}

impl Who {
    fn is_some(&self) -> bool {
        self.speaker.is_some() || self.via.is_some()
    }
}

/// A subject: its tokens, and an insertion between commas after it.
#[derive(Debug, Clone, Copy)]
struct Subject {
    a: usize,
    b: usize,
    insertion: Option<(usize, usize)>,
}

/// A verb of saying (or a phrase standing for one) found at a token.
#[derive(Debug, Clone, Copy)]
struct Cue {
    /// First token of the verb.
    at: usize,
    /// One past its last token.
    end: usize,
    naming: bool,
}

pub struct Rules<'d, 'a> {
    doc: &'d Doc<'a>,
    lang: &'static Lang,
    pub names: Names,
    pub found: Vec<Found>,
    last: Option<Who>,
    /// Tokens already inside a candidate's span or cue.
    used: Vec<bool>,
    /// The relay a sentence names for all its claims: "In an interview with X, ...".
    sentence_via: Option<String>,
    /// The first words of the cue phrases and of the credit phrases.
    cue_first: std::collections::HashSet<&'static str>,
    credit_first: std::collections::HashSet<&'static str>,
}

impl<'d, 'a> Rules<'d, 'a> {
    pub fn new(doc: &'d Doc<'a>) -> Self {
        Rules {
            doc,
            lang: doc.lang,
            names: Names::scan(doc),
            found: Vec::new(),
            last: None,
            used: vec![false; doc.toks.len()],
            sentence_via: None,
            cue_first: first_words(doc.lang.cue_phrases),
            credit_first: first_words(doc.lang.credit_phrases),
        }
    }

    fn lw(&self, k: usize) -> &'d str {
        &self.doc.lower[k]
    }

    fn t(&self, k: usize) -> &'a str {
        self.doc.tok_text(k)
    }

    /// A word outside any quotation.
    fn plain(&self, k: usize) -> bool {
        let t = &self.doc.toks[k];
        t.word && t.quote.is_none() && !t.mark
    }

    fn is_punct(&self, k: usize, p: &str) -> bool {
        let t = &self.doc.toks[k];
        !t.word && !t.mark && self.t(k) == p
    }

    fn span(&self, a: usize, b: usize) -> &'a str {
        &self.doc.text[self.doc.toks[a].start..self.doc.toks[b - 1].end]
    }

    /// Whether the words from token `k` spell `phrase`.
    fn phrase_at(&self, k: usize, phrase: &str, limit: usize) -> Option<usize> {
        // Most words start no phrase: compare the first word before splitting.
        let first = phrase.split_once(' ').map_or(phrase, |(f, _)| f);
        if !self.plain(k) || !self.lw(k).eq_ignore_ascii_case(first) {
            return None;
        }
        let mut j = k;
        for w in phrase.split(' ') {
            if j > limit || !self.plain(j) || !self.t(j).eq_ignore_ascii_case(w) {
                return None;
            }
            j += 1;
        }
        Some(j)
    }

    pub fn run(&mut self) {
        let sents = self.doc.sents.clone();
        // The quotations that close (or, unclosed, end) in each sentence.
        let mut by_sentence: Vec<Vec<usize>> = vec![Vec::new(); sents.len()];
        for (i, q) in self.doc.quotes.iter().enumerate() {
            let end = match q.close {
                Some(c) => c,
                None => q.end().saturating_sub(1),
            };
            let tok = self
                .doc
                .toks
                .partition_point(|t| t.start <= end)
                .saturating_sub(1);
            let si = sents.partition_point(|s| s.first <= tok).saturating_sub(1);
            if si < by_sentence.len() {
                by_sentence[si].push(i);
            }
        }
        for (si, s) in sents.iter().enumerate() {
            let before = self.found.len();
            self.sentence_via = None;
            self.quotes_in(std::mem::take(&mut by_sentence[si]), s.first, s.last);
            self.credits_in(s.first, s.last);
            self.reported_in(s.first, s.last);
            if let Some(v) = self.sentence_via.take() {
                for f in &mut self.found[before..] {
                    if f.via.is_none() {
                        f.via = Some(v.clone());
                    }
                }
                if self.found.len() > before
                    && let Some(l) = &mut self.last
                    && l.via.is_none()
                {
                    l.via = Some(v);
                }
            }
        }
        self.found.sort_by_key(|f| (f.start, f.end));
    }

    fn remember(&mut self, who: &Who, at: usize) {
        if let Some(e) = who.ent {
            self.names.spoke(e, at);
        }
        self.last = Some(who.clone());
    }

    fn push(&mut self, f: Found) {
        let s = f.start;
        let e = f.end;
        let from = self.doc.toks.partition_point(|t| t.start < s);
        for k in from..self.doc.toks.len() {
            if self.doc.toks[k].start >= e {
                break;
            }
            if self.doc.toks[k].end <= e {
                self.used[k] = true;
            }
        }
        self.found.push(f);
    }

    // ----- Noun phrases -----

    /// Resolve the noun phrase of tokens `a..b` (a subject, an object of "according to").
    fn who(&mut self, a: usize, b: usize) -> Option<Who> {
        let lang = self.lang;
        let mut a = a;
        while a < b
            && (!self.doc.toks[a].word || Lang::has(lang.connectives, self.lw(a)) && b - a > 1)
        {
            a += 1;
        }
        let mut b = b;
        while b > a && !self.doc.toks[b - 1].word {
            b -= 1;
        }
        if a >= b || b - a > 12 {
            return None;
        }
        let ws: Vec<String> = (a..b).map(|k| self.lw(k).to_string()).collect();
        // A verb in the phrase makes it no subject; a noun that looks like one ("the state
        // broadcaster", "a report") does not.
        if (a..b).any(|k| {
            Lang::has(lang.say_verbs, self.lw(k))
                && !is_cap(self.t(k))
                && !(k > a && Lang::has(lang.determiners, self.lw(k - 1)))
        }) {
            return None;
        }
        // A pronoun.
        if ws.len() == 1
            && let Some(g) = lang.pronoun(&ws[0])
        {
            let e = self.pronoun(g, a)?;
            return Some(self.who_of(e, false));
        }
        let text_of = |this: &Self, from: usize| -> String {
            let mut f = from;
            while f < b && Lang::has(lang.determiners, this.lw(f)) {
                f += 1;
            }
            let s = this.span(f, b).to_string();
            strip_possessive(&s).to_string()
        };
        let joined = ws.join(" ");
        // The head noun: before "of", "to", "for", "at", "in" ("the ambassador to the United
        // States", "the head of the White House").
        let head_pos = ws
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, w)| {
                matches!(
                    w.as_str(),
                    "of" | "to" | "for" | "at" | "in" | "from" | "with" | "on" | "by"
                )
            })
            .map_or(ws.len(), |(p, _)| p);
        let head = strip_possessive(&ws[head_pos - 1]).to_string();
        let head_tok = a + head_pos - 1;
        let head_lower = !is_cap(self.t(head_tok)) || self.opens_sentence(head_tok);
        // Respondents: "eight out of ten students", "about a third", "93 percent of people".
        let counted = lang.quantifiers.iter().any(|q| {
            let q = q.to_lowercase();
            joined.split(' ').any(|w| w == q) || (q.contains(' ') && joined.contains(&q))
        }) && (ws.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()))
            || [
                "out of",
                "third",
                "half",
                "quarter",
                "those questioned",
                "respondents",
                "majority",
            ]
            .iter()
            .any(|p| joined.contains(p)));
        if counted
            && !ws.iter().any(|w| {
                Lang::has(lang.group_nouns, w)
                    && !matches!(
                        w.as_str(),
                        "people" | "students" | "respondents" | "participants" | "voters"
                    )
            })
        {
            if let Some(d) = self.names.latest(EntKind::Document, None, a) {
                return Some(Who {
                    speaker: None,
                    via: Some(self.names.ents[d].name.clone()),
                    ent: None,
                    named: false,
                    document: false,
                });
            }
            return Some(Who {
                speaker: Some(text_of(self, a)),
                ..Who::default()
            });
        }
        let ments: Vec<usize> = self.names.within(a, b).map(|m| m.ent).collect();
        // A document: "the study", "A NASA statement", "Results", "court filings".
        if lang.is_document(&head) && head_lower {
            let name = text_of(self, a);
            let generic = ws
                .iter()
                .filter(|w| !Lang::has(lang.determiners, w))
                .all(|w| {
                    *w == head
                        || matches!(
                            w.as_str(),
                            "new"
                                | "recent"
                                | "latest"
                                | "same"
                                | "its"
                                | "their"
                                | "his"
                                | "her"
                                | "whole"
                                | "full"
                                | "final"
                                | "first"
                        )
                });
            let own: Vec<usize> = self
                .names
                .within(a, b)
                .filter(|m| !(m.tok <= head_tok && head_tok < m.end))
                .map(|m| m.ent)
                .collect();
            let name = if generic && own.is_empty() {
                match self.names.latest(EntKind::Document, Some(&head), a) {
                    Some(d) => self.names.ents[d].name.clone(),
                    None => match self.names.latest(EntKind::Document, None, a) {
                        Some(d)
                            if matches!(
                                head.as_str(),
                                "results" | "findings" | "data" | "figures"
                            ) =>
                        {
                            self.names.ents[d].name.clone()
                        }
                        _ => head.clone(),
                    },
                }
            } else {
                name
            };
            let d = self.names.add_phrase(&name, EntKind::Document, a);
            // A statement speaks for whoever issued it: "a statement on the ministry's
            // website", "Kemwell's statement"; a study or a survey speaks for itself.
            let issued = lang.is_statement(&head);
            let owner = if issued {
                ments
                    .iter()
                    .copied()
                    .find(|&e| matches!(self.names.ents[e].kind, EntKind::Body | EntKind::Person))
                    .map(|e| self.names.ents[e].name.clone())
                    .or_else(|| {
                        (a..b)
                            .map(|k| self.lw(k).to_string())
                            .find(|w| {
                                (w.ends_with("'s") || w.ends_with("’s"))
                                    && Lang::has(lang.body_nouns, strip_possessive(w))
                            })
                            .map(|w| {
                                let body = strip_possessive(&w).to_string();
                                self.names
                                    .latest(EntKind::Body, Some(&body), a)
                                    .map_or(body, |e| self.names.ents[e].name.clone())
                            })
                    })
            } else {
                None
            };
            return Some(Who {
                speaker: owner,
                via: Some(self.names.ents[d].name.clone()),
                ent: None,
                named: true,
                document: true,
            });
        }
        // A role: "the ambassador", "the President of Russia", "the head of the White House".
        let title_words: Vec<String> = ws[..head_pos]
            .iter()
            .filter(|w| lang.is_title(w))
            .cloned()
            .collect();
        let role_first = head_lower
            && lang.is_title(&head)
            && !title_words.is_empty()
            && !Lang::has(lang.group_nouns, &head);
        if role_first && (ments.is_empty() || Lang::has(lang.determiners, &ws[0])) {
            let countries: Vec<usize> = ws
                .iter()
                .filter_map(|w| lang.country(w))
                .chain(ments.iter().flat_map(|&e| {
                    self.names.ents[e]
                        .words
                        .iter()
                        .filter_map(|w| lang.country(w))
                        .collect::<Vec<_>>()
                }))
                .collect();
            let outlet = ments
                .iter()
                .find(|&&e| self.names.ents[e].kind == EntKind::Outlet)
                .map(|&e| self.names.ents[e].name.clone());
            if let Some(e) = self.names.title(lang, &title_words, &countries, a) {
                let mut w = self.who_of(e, false);
                w.via = w.via.or(outlet);
                return Some(w);
            }
            if ments.is_empty() {
                return Some(Who {
                    speaker: Some(text_of(self, a)),
                    ..Who::default()
                });
            }
        }
        // A group: "experts", "Pew researchers", "two people familiar with the talks".
        let group_at = ws[..head_pos]
            .iter()
            .rposition(|w| Lang::has(lang.group_nouns, w));
        if let Some(g) = group_at
            && head_lower
            && (g == head_pos - 1
                || ws[..g].iter().any(|w| {
                    w.chars().all(|c| c.is_ascii_digit()) || Lang::has(lang.counting_words, w)
                }))
            && ws.len() <= 8
        {
            let first_word_proper = self.names.mention_at(a).is_some();
            let name = text_of(self, a);
            let name = if first_word_proper {
                name
            } else {
                lower_first(&name)
            };
            let e = self.names.add_phrase(&name, EntKind::Group, a);
            return Some(Who {
                speaker: Some(name),
                via: None,
                ent: Some(e),
                named: true,
                document: false,
            });
        }
        if !ments.is_empty() {
            let mut people = Vec::new();
            let mut via = None;
            let mut first = None;
            let mut last_person = None;
            for e in ments {
                let ent = &self.names.ents[e];
                if ent.kind == EntKind::Outlet {
                    via.get_or_insert(ent.name.clone());
                } else if !people.contains(&ent.name) {
                    people.push(ent.name.clone());
                    first.get_or_insert(e);
                    last_person = Some(e);
                }
            }
            if people.is_empty() {
                // An outlet alone, or an outlet and a role: "the TASS diplomat".
                let role: Vec<String> = ws.iter().filter(|w| lang.is_title(w)).cloned().collect();
                if !role.is_empty()
                    && let Some(e) = self.names.title(lang, &role, &[], a)
                {
                    let mut w = self.who_of(e, false);
                    w.via = via;
                    return Some(w);
                }
                return Some(Who {
                    speaker: None,
                    via,
                    ent: None,
                    named: true,
                    document: false,
                });
            }
            if people.len() > 1 && !ws.iter().any(|w| w == "and") {
                // "Transport chief Omar Reyes": the name nearest the verb.
                let l = people.len() - 1;
                people.drain(..l);
                first = last_person;
            }
            return Some(Who {
                speaker: Some(people.join(" and ")),
                via,
                ent: if people.len() == 1 { first } else { None },
                named: true,
                document: false,
            });
        }
        // A capitalised single word the scan did not keep ("Elham" opening a sentence).
        if b - a == 1
            && is_cap(self.t(a))
            && !Lang::has(lang.function_words, &ws[0])
            && self.plain(a)
            && !self.names.in_place(a)
        {
            let name = self.t(a).to_string();
            let e = self
                .names
                .find_or_add(&name, vec![ws[0].clone()], EntKind::Person);
            return Some(self.who_of(e, true));
        }
        // A body: "the agency", "the county council", "the company".
        if Lang::has(lang.body_nouns, &head) && head_lower && ws.len() <= 5 {
            if let Some(e) = self
                .names
                .latest(EntKind::Body, Some(&head), a)
                .or_else(|| self.names.latest(EntKind::Body, None, a))
            {
                return Some(self.who_of(e, false));
            }
            return Some(Who {
                speaker: Some(text_of(self, a)),
                ..Who::default()
            });
        }
        None
    }

    /// Resolve the pronoun at token `k`.
    fn pronoun(&mut self, g: Gender, k: usize) -> Option<usize> {
        let sents = &self.doc.sents;
        let si = sents.partition_point(|s| s.first <= k).saturating_sub(1);
        let sentence = sents.get(si).map_or(0, |s| s.first);
        let previous = if si > 0 { sents[si - 1].first } else { 0 };
        let plural = matches!(self.lw(k), "they" | "them" | "we");
        self.names.pronoun(g, plural, k, sentence, previous)
    }

    fn who_of(&self, e: usize, named: bool) -> Who {
        let ent = &self.names.ents[e];
        match ent.kind {
            EntKind::Outlet | EntKind::Document => Who {
                speaker: None,
                via: Some(ent.name.clone()),
                ent: Some(e),
                named,
                document: false,
            },
            _ => Who {
                speaker: Some(ent.name.clone()),
                via: None,
                ent: Some(e),
                named,
                document: false,
            },
        }
    }

    /// A verb of saying at token `k`, not inside a quotation.
    fn cue_at(&self, k: usize, limit: usize) -> Option<Cue> {
        if !self.plain(k) {
            return None;
        }
        let lang = self.lang;
        // A capitalised verb only opens a sentence ("Said the minister:"); "United States"
        // is not one.
        if is_cap(self.t(k)) && !self.opens_sentence(k) {
            return None;
        }
        for p in lang
            .cue_phrases
            .iter()
            .filter(|_| self.cue_first.contains(self.lw(k)))
        {
            if let Some(end) = self.phrase_at(k, p, limit) {
                return Some(Cue {
                    at: k,
                    end,
                    naming: false,
                });
            }
        }
        let w = self.lw(k);
        let prev = if k > 0 && self.plain(k - 1) {
            self.lw(k - 1)
        } else {
            ""
        };
        if matches!(
            prev,
            "to" | "the"
                | "a"
                | "will"
                | "might"
                | "can"
                | "cannot"
                | "should"
                | "must"
                | "could"
                | "would"
                | "may"
                | "been"
                | "be"
                | "being"
        ) {
            return None;
        }
        if Lang::has(lang.say_verbs, w) {
            return Some(Cue {
                at: k,
                end: k + 1,
                naming: false,
            });
        }
        if Lang::has(lang.naming_verbs, w) {
            return Some(Cue {
                at: k,
                end: k + 1,
                naming: true,
            });
        }
        None
    }

    fn opens_sentence(&self, k: usize) -> bool {
        self.doc.sent_first[k]
    }

    /// The subject before the verb at `v`, no further back than `floor`: its tokens, after
    /// skipping adverbs ("also", "later"), and the insertion between commas nearest to it
    /// ("Richards, the director, said", "Cho, who chairs the committee, said").
    fn subject_before(&self, v: usize, floor: usize) -> Option<Subject> {
        let lang = self.lang;
        let mut end = v;
        let skip_adverbs = |end: &mut usize| {
            while *end > floor && self.plain(*end - 1) && Lang::has(lang.adverbs, self.lw(*end - 1))
            {
                *end -= 1;
            }
        };
        skip_adverbs(&mut end);
        let mut insertion = None;
        let mut rounds = 0;
        while end > floor && self.is_punct(end - 1, ",") && rounds < 2 {
            let close = end - 1;
            let mut c = close;
            while c > floor
                && close - c < 22
                && (!self.is_punct(c - 1, ",") || self.place_comma(c - 1))
            {
                let t = &self.doc.toks[c - 1];
                if t.quote.is_some()
                    || t.mark
                    || self.is_punct(c - 1, ".")
                    || self.is_punct(c - 1, ";")
                {
                    return None;
                }
                c -= 1;
            }
            if !(c > floor && self.is_punct(c - 1, ",")) || c == close {
                return None;
            }
            insertion = Some((c, close));
            end = c - 1;
            rounds += 1;
            skip_adverbs(&mut end);
        }
        let mut a = end;
        while a > floor && end - a < 12 {
            if self.plain(a - 1) {
                a -= 1;
            } else if a >= floor + 2
                && self.is_punct(a - 1, ".")
                && self.plain(a - 2)
                && lang.is_title(self.lw(a - 2))
            {
                // "Dr. Mia Lund"
                a -= 2;
            } else {
                break;
            }
        }
        // What comes before a clause word is not the subject: "... and he said" -> "he";
        // a verb after "because" or "which" is not an attribution at all.
        let mut k = end;
        while k > a {
            let w = self.lw(k - 1);
            {
                if k < end
                    && matches!(w, "but" | "and" | "so" | "then" | "yet")
                    && (w != "and" || k < a + 2 || !is_cap(self.t(k - 2)) || !is_cap(self.t(k)))
                {
                    a = k;
                    break;
                }
                if matches!(
                    w,
                    "that"
                        | "which"
                        | "who"
                        | "whom"
                        | "whose"
                        | "when"
                        | "while"
                        | "because"
                        | "why"
                        | "how"
                        | "what"
                        | "after"
                        | "before"
                        | "if"
                        | "as"
                        | "since"
                        | "where"
                        | "although"
                        | "though"
                        | "unless"
                        | "whether"
                        | "until"
                        | "once"
                        | "than"
                ) {
                    return None;
                }
            }
            k -= 1;
        }
        // A determiner after a noun starts a new phrase: "the 2.4 percent the government
        // had forecast" has the subject "the government".
        if let Some(d) = (a + 1..end).rev().find(|&d| {
            Lang::has(lang.determiners, self.lw(d))
                && !is_cap(self.t(d - 1))
                && !Lang::has(lang.determiners, self.lw(d - 1))
                && !Lang::has(lang.prepositions, self.lw(d - 1))
                && !Lang::has(lang.adverbs, self.lw(d - 1))
                && self.lw(d - 1) != "and"
        }) {
            a = d;
        }
        (a < end).then_some(Subject {
            a,
            b: end,
            insertion,
        })
    }

    /// Whether the comma at `k` sits inside a place's name: "Easton Falls, Vermont".
    fn place_comma(&self, k: usize) -> bool {
        k > 0
            && k + 1 < self.doc.toks.len()
            && self.names.in_place(k - 1)
            && self.names.in_place(k + 1)
    }

    /// Resolve a subject, using its insertion: a name there stands for a role before it
    /// ("the council's spokeswoman, Priya Halvorsen,"), a role there is learnt for the name
    /// ("Richards, the executive director,"), a document there is the relay ("Kemwell, in a
    /// statement,").
    fn who_subject(&mut self, s: Subject) -> Option<Who> {
        let lang = self.lang;
        let main = self.who(s.a, s.b);
        let Some((c0, c1)) = s.insertion else {
            return main;
        };
        let named_in = self
            .names
            .within(c0, c1)
            .find(|m| self.names.ents[m.ent].kind != EntKind::Outlet)
            .map(|m| m.ent);
        let mut who = match (main, named_in) {
            (Some(w), Some(e)) if !w.named || w.speaker.is_none() => {
                // A role, then the name.
                let roles: Vec<String> = (s.a..s.b)
                    .map(|k| self.lw(k).to_string())
                    .filter(|w| lang.is_title(w))
                    .collect();
                self.names.learn_titles(e, &roles);
                let mut n = self.who_of(e, true);
                n.via = n.via.or(w.via);
                n
            }
            (Some(w), _) => {
                if let Some(e) = w.ent
                    && !self
                        .plain(c0)
                        .then(|| self.lw(c0))
                        .is_some_and(|x| matches!(x, "who" | "which" | "in" | "for"))
                {
                    let roles: Vec<String> = (c0..c1)
                        .map(|k| self.lw(k).to_string())
                        .filter(|w| lang.is_title(w))
                        .collect();
                    self.names.learn_titles(e, &roles);
                }
                w
            }
            (None, Some(e)) => self.who_of(e, true),
            (None, None) => return None,
        };
        // "in a statement", "in a video": a relay.
        if who.via.is_none() && self.lw(c0) == "in" {
            let doc_at = (c0..c1).find(|&k| {
                self.plain(k) && lang.is_document(self.lw(k)) && self.lw(k) != "interview"
            });
            if let Some(d) = doc_at {
                let mut s0 = c0 + 1;
                while s0 < d && Lang::has(lang.determiners, self.lw(s0)) {
                    s0 += 1;
                }
                who.via = Some(self.span(s0, c1).to_string());
            }
        }
        Some(who)
    }

    /// The subject after an inverted verb: "said the President of Russia", "said the
    /// company's chief executive, Lucia Ferraz", "reported on Tuesday the press service".
    fn who_after(&mut self, k: usize, last: usize) -> Option<(Who, usize)> {
        let mut s = k;
        // A time or place adjunct first: "on Tuesday", "yesterday".
        while s <= last && self.plain(s) && Lang::has(self.lang.adjuncts, self.lw(s)) {
            s += 1;
            if s <= last
                && self.plain(s)
                && !Lang::has(self.lang.determiners, self.lw(s))
                && is_cap(self.t(s))
            {
                s += 1;
            }
        }
        let mut e = s;
        while e <= last && (self.plain(e) || self.doc.title_stop(e)) && e < s + 12 {
            e += 1;
        }
        if e == s {
            return None;
        }
        let mut who = self.who(s, e)?;
        let mut end = e;
        // An apposition holding the name.
        if e <= last && self.is_punct(e, ",") {
            let mut f = e + 1;
            while f <= last && self.plain(f) && f < e + 8 {
                f += 1;
            }
            let named: Option<usize> = self.names.within(e + 1, f).next().map(|m| m.ent);
            if f > e + 1
                && (!who.named || who.speaker.is_none())
                && let Some(e2) = named
            {
                let roles: Vec<String> = (s..e)
                    .map(|x| self.lw(x).to_string())
                    .filter(|w| self.lang.is_title(w))
                    .collect();
                self.names.learn_titles(e2, &roles);
                let via = who.via.take();
                who = self.who_of(e2, true);
                who.via = who.via.or(via);
                end = f;
            } else if who.named && f > e + 1 {
                // "said Naomi Pryce, an analyst at Hartwell Securities": a role after the name.
                let w0 = self.lw(e + 1);
                if Lang::has(self.lang.determiners, w0)
                    || self.lang.is_title(w0)
                    || matches!(w0, "who" | "whose" | "which")
                {
                    if let Some(ent) = who.ent {
                        let roles: Vec<String> = (e + 1..f)
                            .map(|x| self.lw(x).to_string())
                            .filter(|w| self.lang.is_title(w))
                            .collect();
                        self.names.learn_titles(ent, &roles);
                    }
                    let mut g = f;
                    while g <= last && (self.plain(g) || self.is_punct(g, ",")) && g < e + 20 {
                        g += 1;
                    }
                    end = g;
                }
            }
        }
        Some((who, end))
    }

    // ----- Direct quotations -----

    fn quotes_in(&mut self, qs: Vec<usize>, first: usize, last: usize) {
        let doc = self.doc;
        let text = doc.text;
        let mut shared: Option<(Who, String)> = None;
        for qi in qs {
            let q = doc.quotes[qi].clone();
            let open_tok = doc.tok_starting(q.open);
            let close_tok = q.close.and_then(|c| doc.tok_starting(c));
            let inner_words = (q.parts.iter())
                .map(|(s, e)| words(&text[*s..*e]).len())
                .sum::<usize>();
            // The cue after the closing mark: ", Ibrahim said." / " said the President".
            let mut found: Option<(Who, String, f64)> = None;
            if let Some(ct) = close_tok {
                found = self.cue_after(ct, last);
                if found.is_none() && ct + 2 <= last && self.is_punct(ct + 1, ".") {
                    // `“...”. Smith said.` is rare; `”. He added` is a new sentence.
                }
            }
            if found.is_none()
                && let Some(ot) = open_tok
                && ot >= first
            {
                let to_end = close_tok.is_none_or(|ct| {
                    (ct + 1..=last).all(|j| !doc.toks[j].word && !doc.toks[j].mark)
                });
                found = self.cue_before(ot, first, to_end);
            }
            // A fragment after a broken quotation: “That,” she added “really ...”
            if found.is_none()
                && let Some(ot) = open_tok
                && ot > first
                && let Some((w, c)) = shared.clone()
                && (doc.toks[ot - 1].mark
                    || self.is_punct(ot - 1, ",")
                    || self.cue_at(ot - 1, last).is_some())
            {
                found = Some((w, c, 0.8));
            }
            // A colon at the end of the previous paragraph or sentence.
            if found.is_none()
                && let Some(ot) = open_tok
                && ot > 0
                && (ot == first || self.is_punct(ot - 1, ":"))
            {
                found = self.colon_intro(ot);
            }
            let starts_paragraph =
                open_tok.is_some_and(|ot| ot == 0 || doc.toks[ot - 1].para != doc.toks[ot].para);
            let confidence;
            let (mut who, cue) = match found {
                Some((w, c, conf)) => {
                    confidence = conf;
                    (w, Some(c))
                }
                None => {
                    // No cue: a paragraph-long quotation continues the previous speaker.
                    let whole = close_tok.is_none_or(|ct| {
                        ct + 1 >= doc.toks.len()
                            || doc.toks[ct + 1].para != doc.toks[ct].para
                            || (ct + 2 < doc.toks.len()
                                && doc.toks[ct + 2].para != doc.toks[ct].para)
                    });
                    let para_start = doc.paras[doc.toks[open_tok.unwrap_or(first)].para].0;
                    let follows_in_paragraph = open_tok.is_some_and(|o| doc.sent_first[o])
                        && self
                            .found
                            .iter()
                            .rev()
                            .take(16)
                            .any(|f| f.start >= para_start && f.start < q.open)
                        && close_tok.is_none_or(|ct| {
                            (ct + 1..=last).all(|j| !doc.toks[j].word && !doc.toks[j].mark)
                        });
                    if (starts_paragraph && whole && !q.single || follows_in_paragraph)
                        && inner_words >= 4
                    {
                        match &self.last {
                            Some(w) => {
                                confidence = 0.55;
                                (w.clone(), None)
                            }
                            None => continue,
                        }
                    } else {
                        continue;
                    }
                }
            };
            if !who.is_some() {
                continue;
            }
            // “...,” he said: the same speaker as the claim just before, relayed by the same
            // outlet or document.
            if who.via.is_none()
                && let Some(c) = &cue
                && c.split(' ')
                    .next()
                    .is_some_and(|w| self.lang.pronoun(w).is_some())
                && let Some(l) = &self.last
                && l.via.is_some()
                && who.ent.is_some()
                && l.ent == who.ent
                && let Some(ot) = open_tok
                && let Some(prev) = self.found.iter().map(|f| f.end).max()
            {
                let prev_para = doc.toks[doc.toks.partition_point(|t| t.end < prev).min(ot)].para;
                if prev < q.open && prev_para + 1 >= doc.toks[ot].para {
                    who.via = l.via.clone();
                }
            }
            shared = cue.clone().map(|c| (who.clone(), c));
            // Short fragments and clause tails are not claims of their own.
            let parts: Vec<(usize, usize)> = q
                .parts
                .iter()
                .map(|&(s, e)| trim_quote(text, s, e))
                .filter(|&(s, e)| {
                    let ws = words(&text[s..e]);
                    let lead = text[s..e].chars().next().is_some_and(char::is_lowercase);
                    ws.len() >= 3 && !(lead && Lang::has(self.lang.clause_breaks, &ws[0]))
                        || (ws.len() >= 2 && ws.len() < 3 && cue.is_some() && inner_words > 6)
                })
                .collect();
            if parts.is_empty() || inner_words < 3 {
                continue;
            }
            let at = open_tok.unwrap_or(first);
            // Words of the writer's before the quotation, in the same clause: mixed speech.
            if let (Some(ot), Some(ct)) = (open_tok, close_tok)
                && ot > first
                && q.parts.len() == 1
            {
                let from = self.skip_connectives(self.prev_quote_end(ot, first), ot);
                let lead = (from..ot).filter(|&j| self.plain(j)).count();
                let has_cue = (from..ot).any(|j| self.cue_at(j, last).is_some())
                    || (from..ot).any(|j| self.is_punct(j, ":") || self.is_punct(j, ","));
                if lead >= 3 && !has_cue && !self.used[from] {
                    let end = doc.toks[ct].end;
                    self.push(Found {
                        start: doc.toks[from].start,
                        end,
                        speaker: who.speaker.clone(),
                        via: who.via.clone(),
                        cue: cue.clone(),
                        kind: Kind::Mixed,
                        confidence: confidence - 0.1,
                    });
                    self.remember(&who, at);
                    self.mark_cue(ct, last);
                    continue;
                }
            }
            for (s, e) in parts {
                self.push(Found {
                    start: s,
                    end: e,
                    speaker: who.speaker.clone(),
                    via: who.via.clone(),
                    cue: cue.clone(),
                    kind: Kind::Direct,
                    confidence,
                });
            }
            self.remember(&who, at);
            if let Some(ct) = close_tok {
                self.mark_cue(ct, last);
            }
        }
    }

    /// Mark the cue after a closing mark as used, so the reported-speech rules skip it.
    fn mark_cue(&mut self, ct: usize, last: usize) {
        let mut k = ct + 1;
        while k <= last && !self.doc.toks[k].mark && k < ct + 12 {
            self.used[k] = true;
            k += 1;
        }
    }

    /// `, Smith said` / `, said the President of Russia` / `, — said X` / `, the TASS
    /// diplomat quoted as saying` after the closing mark at token `ct`.
    fn cue_after(&mut self, ct: usize, last: usize) -> Option<(Who, String, f64)> {
        let doc = self.doc;
        let mut k = ct + 1;
        while k <= last
            && (self.is_punct(k, ",")
                || self.is_punct(k, "—")
                || self.is_punct(k, "–")
                || self.is_punct(k, "-"))
        {
            k += 1;
        }
        let from = k;
        // The verb within a few words.
        let mut v = None;
        let mut j = from;
        while j <= last && j < from + 9 && !doc.toks[j].mark && doc.toks[j].quote.is_none() {
            if let Some(c) = self.cue_at(j, last)
                && !c.naming
            {
                v = Some(c);
                break;
            }
            if !doc.toks[j].word && !self.is_punct(j, ",") && !doc.title_stop(j) {
                break;
            }
            j += 1;
        }
        let c = v?;
        let lang = self.lang;
        let (who, cue_end) = if c.at > from {
            let s = self.subject_before(c.at, from)?;
            if s.a != from {
                return None;
            }
            let mut w = self.who_subject(s)?;
            // "Grammy told VOA": who was told relays it, unless it published the article.
            if Lang::has(lang.object_verbs, self.lw(c.at))
                && let Some((v, _)) = self.told_whom(c.end, last)
            {
                w.via = w.via.or(v);
            }
            // "“...,” the company said in a statement."
            if w.via.is_none() {
                w.via = self.document_adjunct(c.end, last);
            }
            (w, c.end)
        } else {
            self.who_after(c.end, last)?
        };
        let cue = self.span(from, cue_end).to_string();
        let conf = if who.named { 0.92 } else { 0.85 };
        Some((who, cue, conf))
    }

    /// Who was told, after "told": "told VOA Learning English" (a relay), "told the
    /// newspaper" (the latest outlet), "told reporters" (no relay). Gives the relay, if
    /// any, and where the object ends; `None` when nothing there is an object.
    fn told_whom(&mut self, k: usize, last: usize) -> Option<(Option<String>, usize)> {
        let lang = self.lang;
        let mut e = k;
        if e <= last && self.plain(e) && self.lw(e) == "to" {
            e += 1;
        }
        let s = e;
        if e > last || !self.plain(e) {
            return None;
        }
        let w0 = self.lw(e);
        // A pronoun or an audience: "told him", "told reporters", "assured shareholders".
        if matches!(w0, "him" | "her" | "them" | "us" | "me" | "you")
            || Lang::has(lang.audiences, w0)
        {
            return Some((None, e + 1));
        }
        if e < last && Lang::has(lang.audiences, &format!("{w0} {}", self.lw(e + 1))) {
            let via = if Lang::has(lang.outlet_nouns, self.lw(e + 1)) {
                self.names
                    .latest(EntKind::Outlet, None, s)
                    .map(|o| self.names.ents[o].name.clone())
            } else {
                None
            };
            return Some((via, e + 2));
        }
        // "the state broadcaster CRT", "the newspaper", "the BBC", "Daily Herald reporters".
        if matches!(w0, "that" | "this" | "these" | "those") {
            return None;
        }
        if Lang::has(lang.determiners, w0) {
            e += 1;
        }
        let mut outlet_noun = false;
        while e <= last && self.plain(e) && e < s + 4 && !is_cap(self.t(e)) {
            let w = self.lw(e);
            if Lang::has(lang.outlet_nouns, w) {
                outlet_noun = true;
                e += 1;
            } else if outlet_noun || w == "that" {
                break;
            } else if e < last
                && self.plain(e + 1)
                && (Lang::has(lang.outlet_nouns, self.lw(e + 1)) || is_cap(self.t(e + 1)))
                && !is_cap(self.t(e))
                && e == s + 1
            {
                e += 1; // "the state broadcaster", "the daily Kontra"
            } else {
                break;
            }
        }
        let run_start = e;
        while e <= last
            && self.plain(e)
            && (is_cap(self.t(e)) || (e > run_start && matches!(self.lw(e), "of" | "de")))
        {
            e += 1;
        }
        if e == run_start && !outlet_noun {
            return None;
        }
        // "Daily Herald reporters": the audience after the name.
        if e <= last && self.plain(e) && Lang::has(lang.audiences, self.lw(e)) {
            e += 1;
        }
        let ment = self.names.within(s, e).next().map(|m| m.ent);
        let via = match ment {
            Some(m) if self.names.ents[m].kind == EntKind::Outlet => {
                Some(self.names.ents[m].name.clone())
            }
            Some(_) => None,
            None if e > run_start => Some(self.span(run_start, e).to_string()),
            None => self
                .names
                .latest(EntKind::Outlet, None, s)
                .map(|o| self.names.ents[o].name.clone()),
        };
        Some((via, e))
    }

    /// `Smith said: “` / `He said, “` / `Said the minister: ‘` / `Richards, the director,
    /// said, “` / `was quoted by CRT as saying: "` before the opening mark at token `ot`.
    fn cue_before(&mut self, ot: usize, first: usize, to_end: bool) -> Option<(Who, String, f64)> {
        let lang = self.lang;
        let mut k = ot;
        let colon = k > first && self.is_punct(k - 1, ":");
        if k > first && (self.is_punct(k - 1, ",") || colon || self.is_punct(k - 1, "—")) {
            k -= 1;
        }
        if k == first {
            return None;
        }
        // "said that “...”": the whole clause is the quotation.
        if self.plain(k - 1) && self.lw(k - 1) == "that" && k - 1 > first {
            if !to_end {
                // A quoted fragment inside a reported clause: mixed speech, found there.
                return None;
            }
            k -= 1;
        }
        // "quoted ... as saying:"
        if k >= first + 2 && self.lw(k - 1) == "saying" && self.lw(k - 2) == "as" {
            let q = (first..k - 2)
                .rev()
                .find(|&j| self.plain(j) && self.lw(j) == "quoted")?;
            let (who, _) = self.quoted_who(q, first, k - 2)?;
            let cue = self.span(q, k).to_string();
            return Some((who, cue, 0.85));
        }
        // The verb, possibly followed by who was told ("told VOA:").
        let mut v = k - 1;
        let floor = self.prev_quote_end(ot, first);
        loop {
            if let Some(c) = self.cue_at(v, k - 1)
                && !c.naming
            {
                let mut via = None;
                if c.end < k {
                    if Lang::has(lang.object_verbs, self.lw(c.at)) {
                        via = self.told_whom(c.end, k - 1).and_then(|(v, _)| v);
                    } else if !colon {
                        // "Said the minister:" names the speaker after the verb.
                        let inverted = c.at == floor || self.only_connectives(floor, c.at);
                        if !inverted {
                            return None;
                        }
                    }
                }
                let who = match self.subject_before(c.at, floor) {
                    Some(s) => self.who_subject(s),
                    None => None,
                };
                let (mut who, cue_end) = match who {
                    Some(w) => (w, c.end),
                    None if c.end < k => {
                        let (w, e) = self.who_after(c.end, k - 1)?;
                        (w, e)
                    }
                    None => return None,
                };
                if let Some(v) = via {
                    who.via = who.via.or(Some(v));
                }
                let start = self.subject_before(c.at, floor).map_or(c.at, |s| s.a);
                let cue = self.span(start, cue_end.max(c.end)).to_string();
                let conf = if who.named { 0.9 } else { 0.85 };
                return Some((who, cue, conf));
            }
            if v == floor || k - v > 6 || !self.plain(v) {
                return None;
            }
            v -= 1;
        }
    }

    /// Where the text before token `ot` starts in its sentence: after an earlier
    /// quotation's closing mark, if any.
    fn prev_quote_end(&self, ot: usize, first: usize) -> usize {
        let mut k = ot;
        while k > first {
            if self.doc.toks[k - 1].mark || self.doc.toks[k - 1].quote.is_some() {
                return k;
            }
            k -= 1;
        }
        first
    }

    /// A quotation opening a paragraph after one that ends with a colon ("Ibrahim spoke
    /// about the need ...:"), or after a colon in its own sentence.
    fn colon_intro(&mut self, ot: usize) -> Option<(Who, String, f64)> {
        let doc = self.doc;
        if ot == 0 || !self.is_punct(ot - 1, ":") {
            return None;
        }
        let colon = ot - 1;
        let si = doc
            .sents
            .iter()
            .position(|s| s.first <= colon && colon <= s.last)?;
        let s = doc.sents[si];
        // The subject: the first words of the sentence, up to its verb.
        let mut b = s.first;
        while b < colon && self.plain(b) && (is_cap(self.t(b)) || b == s.first) {
            b += 1;
        }
        if b == s.first {
            return None;
        }
        let who = self.who(s.first, b)?;
        let mut cue_end = b;
        while cue_end < colon && cue_end < b + 2 && self.plain(cue_end) {
            cue_end += 1;
        }
        let cue = self.span(s.first, cue_end).to_string();
        Some((who, cue, 0.75))
    }

    // ----- Credits: "according to X", "per X", "For her," -----

    fn credits_in(&mut self, first: usize, last: usize) {
        let lang = self.lang;
        // "In a press release, she said ...": the document relays the sentence's claims.
        let k0 = self.skip_connectives(first, last);
        if k0 < last && self.plain(k0) && self.lw(k0) == "in" {
            let comma = (k0 + 1..=last.min(k0 + 8)).find(|&j| self.is_punct(j, ","));
            if let Some(c) = comma
                && let Some(d) =
                    (k0 + 1..c).rfind(|&j| self.plain(j) && lang.is_document(self.lw(j)))
                && self.lw(d) != "interview"
            {
                let mut s0 = k0 + 1;
                while s0 < d && Lang::has(lang.determiners, self.lw(s0)) {
                    s0 += 1;
                }
                self.sentence_via = Some(self.span(s0, c).to_string());
            }
        }
        let mut k = first;
        while k <= last {
            if self.used[k] || !self.plain(k) {
                k += 1;
                continue;
            }
            let mut hit = None;
            for p in lang
                .credit_phrases
                .iter()
                .filter(|_| self.credit_first.contains(self.lw(k)))
            {
                if let Some(e) = self.phrase_at(k, p, last) {
                    hit = Some((*p, e));
                    break;
                }
            }
            let Some((phrase, pe)) = hit else {
                k += 1;
                continue;
            };
            let at_start = self.only_connectives(first, k);
            // "For her, Canada is ...": the pronoun's view.
            if matches!(phrase, "for" | "for her" | "for him" | "for them") {
                let p = if phrase == "for" { k + 1 } else { pe - 1 };
                if at_start
                    && p < last
                    && self.is_punct(p + 1, ",")
                    && let Some(g) = lang.pronoun(self.lw(p))
                    && g != Gender::Other
                    && let Some(e) = self.pronoun(g, p)
                {
                    let who = self.who_of(e, false);
                    let cs = p + 2;
                    let ce = self.clause_end(cs, last);
                    if ce > cs + 2 {
                        let cue = self.span(k, p + 1).to_string();
                        self.add_clause(cs, ce, who, cue, 0.6, k);
                    }
                    k = last + 1;
                } else {
                    k = pe;
                }
                continue;
            }
            let after_comma = k > first && self.is_punct(k - 1, ",");
            // The credited: up to a comma or the end of the sentence.
            let mut e = pe;
            while e <= last
                && !self.is_punct(e, ",")
                && !self.is_punct(e, ".")
                && !self.is_punct(e, ";")
                && self.plain(e)
            {
                e += 1;
            }
            if e == pe {
                k += 1;
                continue;
            }
            let interview = phrase.starts_with("in an interview")
                || phrase.starts_with("speaking to")
                || phrase.starts_with("in a statement")
                || phrase.starts_with("in comments")
                || phrase.starts_with("in remarks");
            let Some(who) = self.who(pe, e) else {
                k += 1;
                continue;
            };
            if interview || phrase == "citing" || phrase == "quoting" {
                // A relay for the sentence's own cue.
                let via = who.via.clone().or(who.speaker.clone());
                if interview {
                    self.sentence_via = via.clone();
                }
                if interview
                    && k > first
                    && self.is_punct(k - 1, ",")
                    && e <= last
                    && self.is_punct(e, ",")
                {
                    // "Biden, in an interview with ABC News, answered ...": the predicate is
                    // the claim, unless a verb of saying follows (then that rule takes it).
                    let has_cue = (e + 1..=last).take(4).any(|j| {
                        self.cue_at(j, last).is_some_and(|c| {
                            c.end <= last
                                && (self.lw(c.end) == "that"
                                    || self.opens_clause(c.end, self.lw(j)))
                        })
                    });
                    let named = self
                        .names
                        .within(first, k - 1)
                        .find(|m| m.end == k - 1)
                        .map(|m| m.ent);
                    if !has_cue && let Some(ent) = named {
                        let (cs, ce) = (e + 1, self.clause_end(e + 1, last));
                        if ce > cs + 2 {
                            let mut w = self.who_of(ent, true);
                            w.via = via;
                            let cue = self.span(k, pe).to_string();
                            self.add_clause(cs, ce, w, cue, 0.65, k);
                        }
                    }
                }
                k = e;
                continue;
            }
            let cue = self.span(k, pe).to_string();
            if at_start && e <= last && self.is_punct(e, ",") {
                // "According to X, CLAUSE."
                let cs = e + 1;
                let ce = self.clause_end(cs, last);
                if ce > cs {
                    self.add_clause(cs, ce, who, cue, 0.8, k);
                }
                k = last + 1;
            } else if after_comma && (e > last || self.is_punct(e, ".")) {
                // "CLAUSE, according to X."
                let cs = self.skip_connectives(first, k - 1);
                if k - 1 > cs {
                    self.add_clause(cs, k - 1, who, cue, 0.75, k);
                }
                k = last + 1;
            } else {
                k = e;
            }
        }
    }

    fn only_connectives(&self, from: usize, to: usize) -> bool {
        (from..to).all(|j| {
            !self.doc.toks[j].word && !self.doc.toks[j].mark
                || Lang::has(self.lang.connectives, self.lw(j))
        })
    }

    fn skip_connectives(&self, from: usize, to: usize) -> usize {
        let mut k = from;
        // A dateline: "KESTRELFORD, 3 March 2025 —", "TELMAR, March 14 (Meridian Newswire) -".
        if self.doc.sent_first[from]
            && self.t(from).chars().filter(|c| c.is_alphabetic()).count() >= 2
            && self
                .t(from)
                .chars()
                .all(|c| !c.is_alphabetic() || c.is_uppercase())
        {
            if let Some(d) = (from + 1..to.min(from + 14))
                .find(|&j| self.is_punct(j, "—") || self.is_punct(j, "–") || self.is_punct(j, "-"))
            {
                k = d + 1;
            }
        }
        while k < to
            && (Lang::has(self.lang.connectives, self.lw(k)) && self.plain(k)
                || self.is_punct(k, ","))
        {
            k += 1;
        }
        k
    }

    /// Where a reported clause starting at token `cs` ends: before a trailing credit, a
    /// participle adding another claim, a clause that changes the subject, or the sentence's
    /// final full stop.
    fn clause_end(&self, cs: usize, last: usize) -> usize {
        let lang = self.lang;
        let mut k = cs;
        while k <= last {
            if self.is_punct(k, ";")
                || self.is_punct(k, "(")
                || (self.is_punct(k, "—") && k > cs + 3)
            {
                return k;
            }
            // "..., and told the court that ...": a second verb of saying for the same subject.
            if self.plain(k) && matches!(self.lw(k), "and" | "but") && k > cs + 2 {
                let mut v = k + 1;
                while v <= last && self.plain(v) && Lang::has(lang.adverbs, self.lw(v)) && v < k + 3
                {
                    v += 1;
                }
                if v <= last
                    && self.cue_at(v, last).is_some_and(|c| {
                        !c.naming
                            && !matches!(
                                self.lw(v),
                                "found" | "show" | "shows" | "showed" | "find" | "finds"
                            )
                    })
                {
                    let cut = if self.is_punct(k - 1, ",") { k - 1 } else { k };
                    return cut;
                }
            }
            if self.is_punct(k, ",") && k < last && self.plain(k + 1) {
                let next = self.lw(k + 1);
                let two = if k + 2 <= last {
                    format!("{next} {}", self.lw(k + 2))
                } else {
                    next.to_string()
                };
                let three = if k + 3 <= last {
                    format!("{two} {}", self.lw(k + 3))
                } else {
                    two.clone()
                };
                if Lang::has(lang.participles, next)
                    || Lang::has(lang.clause_breaks, next)
                    || Lang::has(lang.clause_breaks, &two)
                    || Lang::has(lang.clause_breaks, &three)
                    || lang
                        .credit_phrases
                        .iter()
                        .any(|p| p.contains(' ') && (*p == two || *p == three))
                    || next == "per"
                {
                    return k;
                }
                // ", he said." / ", said Smith." at the end.
                let mut j = k + 1;
                while j <= last && self.plain(j) && j < k + 8 {
                    if self.cue_at(j, last).is_some_and(|c| !c.naming)
                        && (j + 1 > last
                            || self.is_punct(j + 1, ".")
                            || (j + 1..=last).all(|x| self.plain(x) || self.is_punct(x, "."))
                                && j == k + 1)
                    {
                        return k;
                    }
                    j += 1;
                }
            }
            k += 1;
        }
        // Drop the final full stop (not one inside a quotation).
        let mut e = last + 1;
        while e > cs && !self.doc.toks[e - 1].word && !self.doc.toks[e - 1].mark {
            e -= 1;
        }
        e
    }

    /// Log the clause of tokens `cs..ce` as a reported claim.
    fn add_clause(
        &mut self,
        cs: usize,
        ce: usize,
        who: Who,
        cue: String,
        confidence: f64,
        at: usize,
    ) {
        let doc = self.doc;
        let text = doc.text;
        let (mut s, mut e) = (doc.toks[cs].start, doc.toks[ce - 1].end);
        if words(&text[s..e]).len() < 3 {
            return;
        }
        if (cs..ce).any(|k| self.used[k] && doc.toks[k].word) {
            return;
        }
        let quoted = (cs..ce)
            .filter(|&k| doc.toks[k].quote.is_some() && doc.toks[k].word)
            .count();
        let all = (cs..ce).filter(|&k| doc.toks[k].word).count();
        let kind = if quoted == 0 {
            Kind::Indirect
        } else if quoted == all && doc.toks[cs].mark {
            // The clause is one quotation: a direct quote, inside its marks.
            let q = doc.toks[cs + 1].quote.map(|qi| &doc.quotes[qi]);
            if let Some(q) = q {
                (s, e) = trim_quote(text, q.start(), q.end());
            }
            Kind::Direct
        } else {
            Kind::Mixed
        };
        let (s2, e2) = if kind == Kind::Direct {
            (s, e)
        } else {
            trim_clause(text, s, e)
        };
        self.push(Found {
            start: s2,
            end: e2,
            speaker: who.speaker.clone(),
            via: who.via.clone(),
            cue: Some(cue),
            kind,
            confidence,
        });
        self.remember(&who, at);
    }

    // ----- Reported speech -----

    fn reported_in(&mut self, first: usize, last: usize) {
        let lang = self.lang;
        let mut sentence_who: Option<Who> = None;
        let mut k = first;
        while k <= last {
            if self.used[k] {
                k += 1;
                continue;
            }
            // "X quoted Y as saying" / "Y was quoted by X as saying".
            if self.plain(k) && self.lw(k) == "quoted" {
                if let Some((who, after)) = self.quoted_who(k, first, last)
                    && (after > last
                        || (after..=last).all(|x| !self.doc.toks[x].word && !self.doc.toks[x].mark))
                {
                    // Trailing: "CLAUSE, Interfax quoted Olek Marchuk as saying."
                    let floor = self.prev_quote_end(k, first).max(first);
                    if let Some(sub) = self.subject_before(k, floor)
                        && sub.a > floor + 1
                        && self.is_punct(sub.a - 1, ",")
                    {
                        let comma = sub.a - 1;
                        let cs = self.skip_connectives(floor, comma);
                        if self.looks_like_clause(cs, comma, 3) && !self.covered_by_quote(cs, comma)
                        {
                            let cue = self.span(sub.a, after.min(last + 1)).to_string();
                            self.add_clause(cs, comma, who.clone(), cue, 0.75, k);
                            sentence_who = Some(who);
                            k = last + 1;
                            continue;
                        }
                    }
                    k += 1;
                    continue;
                }
                if let Some((who, after)) = self.quoted_who(k, first, last)
                    && after <= last
                {
                    let cs = after;
                    let ce = self.clause_end(cs, last);
                    if ce > cs {
                        let cue = self.span(k, cs).to_string();
                        self.add_clause(cs, ce, who.clone(), cue, 0.8, k);
                        sentence_who = Some(who);
                        k = ce;
                        continue;
                    }
                }
                k += 1;
                continue;
            }
            // ", adding that ...", "by telling the crowd that ...": the sentence's speaker.
            if self.plain(k) && k > first && (self.is_punct(k - 1, ",") || self.lw(k - 1) == "by") {
                let w = self.lw(k);
                let two = if k < last {
                    format!("{w} {}", self.lw(k + 1))
                } else {
                    w.to_string()
                };
                let n = if Lang::has(lang.participles, &two) {
                    2
                } else if Lang::has(lang.participles, w) {
                    1
                } else {
                    0
                };
                if n > 0 {
                    // Who was told, up to "that".
                    let that = (k + n..=last.min(k + n + 5))
                        .find(|&j| self.plain(j) && self.lw(j) == "that");
                    let speaker = sentence_who
                        .clone()
                        .or_else(|| self.sentence_subject(first, k));
                    if let (Some(t), Some(who)) = (that, speaker) {
                        let cs = t + 1;
                        let ce = self.clause_end(cs, last);
                        if ce > cs {
                            let cue = self.span(k, cs).to_string();
                            self.add_clause(cs, ce, who.clone(), cue, 0.7, k);
                            sentence_who = Some(who);
                            k = ce;
                            continue;
                        }
                    }
                }
            }
            let Some(c) = self.cue_at(k, last) else {
                k += 1;
                continue;
            };
            // "... and told the court that": the same subject again.
            let given = if k > first && matches!(self.lw(k - 1), "and" | "but") {
                sentence_who.clone()
            } else {
                None
            };
            match self.reported_at(c, first, last, given) {
                Some((who, end)) => {
                    sentence_who = Some(who);
                    k = end.max(k + 1);
                }
                None => k = c.end,
            }
        }
    }

    /// The speaker a sentence opens with: its first name not after a preposition, or a
    /// pronoun at its start.
    fn sentence_subject(&mut self, first: usize, before: usize) -> Option<Who> {
        let k = self.skip_connectives(first, before);
        if k < before
            && self.plain(k)
            && let Some(g) = self.lang.pronoun(self.lw(k))
        {
            let e = self.pronoun(g, k)?;
            return Some(self.who_of(e, false));
        }
        let m = self.names.within(first, before).find(|m| m.subject)?;
        let e = m.ent;
        Some(self.who_of(e, true))
    }

    /// Whether the words from `k` to the end of the sentence only say when or where:
    /// "Tuesday night", "on Monday", "in a statement".
    fn adjunct_to_end(&self, k: usize, last: usize) -> bool {
        let mut j = k;
        let mut n = 0;
        while j <= last && self.plain(j) {
            j += 1;
            n += 1;
        }
        let rest_is_stop =
            j > last || ((j..=last).all(|x| !self.doc.toks[x].word && !self.doc.toks[x].mark));
        rest_is_stop
            && n <= 6
            && (n == 0
                || Lang::has(self.lang.adjuncts, self.lw(k))
                || Lang::has(self.lang.weekdays, self.lw(k)))
    }

    /// A document named in an adjunct right after a verb, the relay of what was said: "in a
    /// statement", "in a blog post on its website". Gives the document's words.
    fn document_adjunct(&self, k: usize, last: usize) -> Option<String> {
        if k > last || !self.plain(k) || self.lw(k) != "in" {
            return None;
        }
        let mut d = None;
        let mut j = k + 1;
        // "in a statement", "in its annual report": the document within a few words, with
        // nothing but its modifiers between.
        while j <= last && j < k + 7 && self.plain(j) {
            let w = self.lw(j);
            if self.lang.is_document(w) && w != "interview" {
                d = Some(j);
                break;
            }
            if Lang::has(self.lang.prepositions, w)
                || Lang::has(self.lang.clause_breaks, w)
                || w == "that"
            {
                return None;
            }
            j += 1;
        }
        let d = d?;
        let mut s = d;
        while s > k + 1
            && !matches!(
                self.lw(s - 1),
                "a" | "an" | "the" | "its" | "his" | "her" | "their"
            )
        {
            s -= 1;
        }
        let mut e = d + 1;
        while e <= last && self.plain(e) && self.lang.is_document(self.lw(e)) {
            e += 1;
        }
        Some(self.span(s, e).to_string())
    }

    /// Reported speech around the verb `c`: "SUBJ VERB (that) CLAUSE", "CLAUSE, SUBJ VERB",
    /// "CLAUSE, VERB SUBJ", "X, SUBJ VERB, CLAUSE", "SUBJ called it “...”", "described X as
    /// ...". `given` is the subject when the verb continues a clause ("and told ...").
    fn reported_at(
        &mut self,
        c: Cue,
        first: usize,
        last: usize,
        given: Option<Who>,
    ) -> Option<(Who, usize)> {
        let lang = self.lang;
        let floor = self.prev_quote_end(c.at, first).max(first);
        let verb = self.lw(c.at);
        // Inverted and trailing: "CLAUSE, said Naomi Pryce, an analyst."
        let after_opens_name = c.end <= last
            && self.plain(c.end)
            && self.lw(c.end) != "that"
            && (Lang::has(lang.determiners, self.lw(c.end))
                || lang.is_title(self.lw(c.end))
                || Lang::has(lang.adjuncts, self.lw(c.end))
                || is_cap(self.t(c.end)));
        if c.at > floor + 1
            && self.is_punct(c.at - 1, ",")
            && !c.naming
            && after_opens_name
            && !Lang::has(lang.object_verbs, verb)
        {
            let comma = c.at - 1;
            if let Some((who, end)) = self.who_after(c.end, last)
                && (end > last
                    || (end..=last).all(|x| !self.doc.toks[x].word && !self.doc.toks[x].mark))
            {
                let cs = self.skip_connectives(floor, comma);
                if self.looks_like_clause(cs, comma, 3) && !self.covered_by_quote(cs, comma) {
                    let cue = self.span(c.at, end.min(last + 1)).to_string();
                    self.add_clause(cs, comma, who.clone(), cue, 0.75, c.at);
                    return Some((who, last + 1));
                }
            }
        }
        let subject = self.subject_before(c.at, floor);
        let (a, mut who) = match subject {
            Some(s) => match self.who_subject(s) {
                Some(w) => (s.a, w),
                None => (s.a, given.clone()?),
            },
            None => (c.at, given.clone()?),
        };
        let mut k = c.end;
        let subject_opens =
            self.only_connectives(first, a) || (a > first && self.is_punct(a - 1, ","));
        if c.naming {
            return self.naming(c, a, who, last);
        }
        // Trailing or parenthetical: "CLAUSE, Burnidge said." / "Still, Burnidge said, ...".
        let at_end = self.adjunct_to_end(k, last);
        if at_end
            || (k <= last && self.is_punct(k, ",") && !(k < last && self.lw(k + 1) == "citing"))
        {
            if !(a > first && self.is_punct(a - 1, ",")) {
                return None;
            }
            let comma = a - 1;
            let before_start = self.skip_connectives(floor, comma);
            if at_end {
                if self.looks_like_clause(before_start, comma, 3)
                    && !self.covered_by_quote(before_start, comma)
                {
                    // "CLAUSE, the company said in a statement."
                    if who.via.is_none() {
                        who.via = self.document_adjunct(k, last);
                    }
                    let cue = self.span(a, c.end).to_string();
                    self.add_clause(before_start, comma, who.clone(), cue, 0.75, c.at);
                    return Some((who, last + 1));
                }
                return None;
            }
            // Parenthetical.
            let cs = k + 1;
            let ce = self.clause_end(cs, last);
            let before_words = (before_start..comma)
                .filter(|&j| self.doc.toks[j].word)
                .count();
            let cue = self.span(a, c.end).to_string();
            if before_words <= 3 && ce > cs {
                self.add_clause(cs, ce, who.clone(), cue, 0.75, c.at);
            } else if self.looks_like_clause(before_start, comma, 3)
                && !self.covered_by_quote(before_start, comma)
            {
                self.add_clause(before_start, comma, who.clone(), cue, 0.7, c.at);
            }
            return Some((who, ce.max(k + 1)));
        }
        if !subject_opens && given.is_none() {
            // The subject must open its clause; "... he considers Vladimir Putin" is not one.
            let prev = if a > first { self.lw(a - 1) } else { "" };
            if !(a == first || self.doc.toks[a - 1].mark || Lang::has(lang.connectives, prev)) {
                return None;
            }
        }
        // Who was told: "told VOA Learning English", "told reporters", "assured shareholders".
        if Lang::has(lang.object_verbs, verb) {
            match self.told_whom(k, last) {
                Some((v, e)) => {
                    if who.via.is_none() {
                        who.via = v;
                    }
                    k = e;
                }
                None if matches!(verb, "told" | "tells" | "tell") => return None,
                None => {}
            }
        }
        // ", citing X," between the verb and its clause.
        if k < last && self.is_punct(k, ",") && self.lw(k + 1) == "citing" {
            let mut e = k + 2;
            while e <= last && self.plain(e) && !self.is_punct(e, ",") {
                e += 1;
            }
            if let Some(src) = self.who(k + 2, e) {
                let via = who.via.clone().or(who.speaker.clone());
                who = Who {
                    speaker: src.speaker.or(Some(self.span(k + 2, e).to_string())),
                    via,
                    ent: src.ent,
                    named: true,
                    document: false,
                };
            }
            k = e;
        }
        // "stressed, that" (a translation's comma).
        if k < last && self.is_punct(k, ",") && self.lw(k + 1) == "that" {
            k += 1;
        }
        // Adjuncts before "that": "in a video", "on Thursday", "in a statement".
        let mut j = k;
        let mut that = None;
        while j <= last && j < k + 8 && self.plain(j) {
            if self.lw(j) == "that" {
                that = Some(j);
                break;
            }
            j += 1;
        }
        let cs;
        if let Some(t) = that {
            let gap: Vec<String> = (k..t).map(|x| self.lw(x).to_string()).collect();
            let ok = gap.is_empty() || Lang::has(lang.adjuncts, &gap[0]) && gap.len() <= 7;
            if !ok {
                return None;
            }
            if who.via.is_none()
                && let Some(d) = gap
                    .iter()
                    .position(|w| lang.is_document(w) && w != "interview")
            {
                // "in a video", "in a press release", "in a statement on its website".
                let mut s = k + d;
                while s > k
                    && !matches!(
                        self.lw(s - 1),
                        "in" | "on" | "a" | "an" | "the" | "its" | "his" | "her" | "their"
                    )
                {
                    s -= 1;
                }
                who.via = Some(self.span(s, t).to_string());
            }
            cs = t + 1;
        } else {
            // Without "that", the next word must open a clause; otherwise the claim came
            // before: "CLAUSE, Owen Marsh, a lawyer, told the High Court on Monday."
            if k > last || !self.opens_clause(k, verb) {
                // A colon or a quotation after the verb: the cue of a direct quote.
                let introduces_quote =
                    k <= last && (self.is_punct(k, ":") || self.doc.toks[k].mark);
                if a > first && self.is_punct(a - 1, ",") && !introduces_quote {
                    let comma = a - 1;
                    let before_start = self.skip_connectives(floor, comma);
                    if self.looks_like_clause(before_start, comma, 4)
                        && !self.covered_by_quote(before_start, comma)
                    {
                        if who.via.is_none() {
                            who.via = self.document_adjunct(k, last);
                        }
                        let cue = self.span(a, k.min(last + 1)).to_string();
                        self.add_clause(before_start, comma, who.clone(), cue, 0.7, c.at);
                        return Some((who, last + 1));
                    }
                }
                return None;
            }
            cs = k;
        }
        if cs > last {
            return None;
        }
        // A nested report: "A NASA statement says scientists believe ...".
        if who.via.is_some() && (who.speaker.is_none() || !who.named || who.document) {
            let mut j = cs;
            while j <= last && j < cs + 6 && self.plain(j) {
                if let Some(c2) = self.cue_at(j, last)
                    && !c2.naming
                    && j > cs
                    && let Some(inner) = self.who(cs, j)
                    && inner.speaker.is_some()
                {
                    let mut inner = inner;
                    inner.via = who.via.clone();
                    inner.document = false;
                    let mut cs2 = c2.end;
                    if cs2 <= last && self.plain(cs2) && self.lw(cs2) == "that" {
                        cs2 += 1;
                    }
                    let ce = self.clause_end(cs2, last);
                    if ce > cs2 {
                        let cue = self.span(a, c2.end).to_string();
                        self.add_clause(cs2, ce, inner.clone(), cue, 0.75, c.at);
                        return Some((inner, ce));
                    }
                }
                j += 1;
            }
        }
        let ce = self.clause_end(cs, last);
        if ce <= cs {
            return None;
        }
        let cue = self.span(a, cs).to_string();
        let conf = if that.is_some() { 0.8 } else { 0.7 };
        let conf = if who.named { conf } else { conf - 0.05 };
        self.add_clause(cs, ce, who.clone(), cue, conf, c.at);
        Some((who, ce))
    }

    /// "called Biden's statement “unacceptable”" (the quotation), "described the wind as
    /// ..." (what follows "as").
    fn naming(&mut self, c: Cue, a: usize, who: Who, last: usize) -> Option<(Who, usize)> {
        let k = c.end;
        let mut j = k;
        while j <= last && j < k + 12 {
            if self.doc.toks[j].mark
                && let Some(qi) = self.doc.toks.get(j + 1).and_then(|t| t.quote)
            {
                let q = self.doc.quotes[qi].clone();
                let as_before = j > k && self.plain(j - 1) && self.lw(j - 1) == "as";
                let cue = self.span(a, c.end).to_string();
                let (s, e) = if as_before {
                    let ce = self.clause_end(j, last);
                    (self.doc.toks[j].start, self.doc.toks[ce - 1].end)
                } else {
                    trim_quote(self.doc.text, q.start(), q.end())
                };
                self.push(Found {
                    start: s,
                    end: e,
                    speaker: who.speaker.clone(),
                    via: who.via.clone(),
                    cue: Some(cue),
                    kind: Kind::Mixed,
                    confidence: 0.6,
                });
                self.remember(&who, a);
                let close = q
                    .close
                    .and_then(|c| self.doc.tok_starting(c))
                    .unwrap_or(j + 1);
                return Some((who, close + 1));
            }
            if self.plain(j) && self.lw(j) == "as" && j > k {
                let cs = j + 1;
                let ce = self.clause_end(cs, last);
                if ce > cs + 1 {
                    let cue = self.span(a, cs).to_string();
                    let (s, e) = (self.doc.toks[cs].start, self.doc.toks[ce - 1].end);
                    let quoted = (cs..ce).any(|x| self.doc.toks[x].quote.is_some());
                    self.push(Found {
                        start: s,
                        end: e,
                        speaker: who.speaker.clone(),
                        via: who.via.clone(),
                        cue: Some(cue),
                        kind: if quoted { Kind::Mixed } else { Kind::Indirect },
                        confidence: 0.55,
                    });
                    self.remember(&who, a);
                    return Some((who, ce));
                }
                return None;
            }
            if !self.plain(j) && !self.is_punct(j, ",") {
                break;
            }
            j += 1;
        }
        None
    }

    /// Whether tokens `a..b` can be a claim on their own: `min` words or more, not just a
    /// name or a role ("The local MP").
    fn looks_like_clause(&self, a: usize, b: usize, min: usize) -> bool {
        let ws: Vec<usize> = (a..b).filter(|&k| self.doc.toks[k].word).collect();
        ws.len() >= min
            && ws.iter().any(|&k| {
                let w = self.lw(k);
                !is_cap(self.t(k))
                    && !Lang::has(self.lang.determiners, w)
                    && !self.lang.is_title(w)
                    && !Lang::has(self.lang.prepositions, w)
            })
    }

    fn covered_by_quote(&self, a: usize, b: usize) -> bool {
        let all = (a..b).filter(|&k| self.doc.toks[k].word).count();
        let q = (a..b)
            .filter(|&k| self.doc.toks[k].word && self.doc.toks[k].quote.is_some())
            .count();
        all > 0 && q * 10 >= all * 8
    }

    /// Whether token `k` can open a reported clause with no "that": "he", "the",
    /// "Spanish", "93", "bond investors", an opening mark.
    fn opens_clause(&self, k: usize, verb: &str) -> bool {
        let t = &self.doc.toks[k];
        if t.mark {
            return true;
        }
        if !t.word {
            return false;
        }
        let w = self.lw(k);
        if Lang::has(self.lang.not_clause_openers, w) {
            return false;
        }
        if w.chars().next().is_some_and(|c| c.is_ascii_digit()) || is_cap(self.t(k)) {
            return true;
        }

        if Lang::has(self.lang.clause_openers, w) {
            return true;
        }
        // A bare noun phrase followed soon by a finite verb: "personality is not lost",
        // "speaking a country's language is".
        let aux = (k + 1..self.doc.toks.len().min(k + 6))
            .take_while(|&j| self.plain(j))
            .any(|j| Lang::has(self.lang.auxiliaries, self.lw(j)));
        if aux {
            return true;
        } // After "said" and its like, a bare noun may open the clause ("said bond investors
        // would"); after "found" or "believe" it is more often an object.
        matches!(
            verb,
            "said"
                | "says"
                | "say"
                | "told"
                | "added"
                | "argued"
                | "insisted"
                | "warned"
                | "claimed"
                | "noted"
                | "stressed"
        ) && k < self.doc.toks.len() - 1
    }

    /// "X quoted Y as saying", "Y was quoted by X as saying", and the translated "the TASS
    /// diplomat quoted as saying": who spoke (with the relay), and the token after "as
    /// saying" (and a colon).
    fn quoted_who(&mut self, q: usize, first: usize, last: usize) -> Option<(Who, usize)> {
        let lang = self.lang;
        let mut j = q + 1;
        let mut as_at = None;
        // "quoted Olek Marchuk, deputy head of the grain union, as saying".
        let mut comma = None;
        while j <= last && j < q + 20 && (self.plain(j) || self.is_punct(j, ",")) {
            if self.is_punct(j, ",") {
                comma.get_or_insert(j);
            }
            if self.phrase_at(j, lang.quoted_as, last + 2).is_some() {
                as_at = Some(j);
                break;
            }
            j += 1;
        }
        let as_at = as_at?;
        let mut after = as_at + 2;
        if after <= last && (self.is_punct(after, ":") || self.is_punct(after, ",")) {
            after += 1;
        }
        if after <= last && self.plain(after) && self.lw(after) == "that" {
            after += 1;
        }
        let (speaker_who, relay_who);
        if q > first && matches!(self.lw(q - 1), "was" | "were") {
            let s = self.subject_before(q - 1, first)?;
            speaker_who = self.who_subject(s)?;
            let by = (q + 1..as_at).find(|&x| self.lw(x) == "by")?;
            relay_who = self.who(by + 1, as_at);
        } else {
            let s = self.subject_before(q, first)?;
            relay_who = self.who_subject(s);
            speaker_who = if as_at > q + 1 {
                let name_end = comma.unwrap_or(as_at);
                let w = self.who(q + 1, name_end)?;
                if let (Some(c), Some(e)) = (comma, w.ent) {
                    let roles: Vec<String> = (c + 1..as_at)
                        .map(|x| self.lw(x).to_string())
                        .filter(|x| self.lang.is_title(x))
                        .collect();
                    self.names.learn_titles(e, &roles);
                }
                w
            } else {
                relay_who.clone()?
            };
        }
        let mut who = speaker_who;
        if let Some(r) = relay_who
            && (r.via.is_some() || r.speaker != who.speaker)
        {
            who.via = r.via.or(r.speaker);
        }
        Some((who, after))
    }
}

/// The first word of each phrase, lower case.
fn first_words(phrases: &'static [&'static str]) -> std::collections::HashSet<&'static str> {
    phrases
        .iter()
        .map(|p| p.split(' ').next().unwrap_or(p))
        .collect()
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Trim a quotation's inside: spaces, and a comma or dash before the closing mark.
pub fn trim_quote(text: &str, s: usize, e: usize) -> (usize, usize) {
    let inner = &text[s..e];
    let lead = inner.len() - inner.trim_start().len();
    let t = inner.trim();
    let t2 = t.trim_end_matches([',', ' ', '—', '–']);
    (s + lead, s + lead + t2.len())
}

/// Trim a reported clause: spaces, a trailing comma, a final full stop that is not inside a
/// quotation.
fn trim_clause(text: &str, s: usize, e: usize) -> (usize, usize) {
    let inner = &text[s..e];
    let lead = inner.len() - inner.trim_start().len();
    let t = inner.trim().trim_end_matches([',', ';', ':', ' ']);
    (s + lead, s + lead + t.len())
}
