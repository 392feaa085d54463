//! Who is who: the people, bodies, outlets and documents a text names, where it names them,
//! and how a pronoun, a title or a short form leads back to one of them.

use super::lang::{Gender, Lang};
use super::segment::Doc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntKind {
    Person,
    Body,
    Outlet,
    Document,
    Group,
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    /// The name's words, lower case.
    pub words: Vec<String>,
    pub kind: EntKind,
    /// Role words seen with the name, lower case.
    pub titles: Vec<String>,
    /// Countries seen with the name.
    pub countries: Vec<usize>,
    pub gender: Option<Gender>,
    /// Named with more than one word, or seen saying something: fit to be what a pronoun
    /// stands for.
    pub strong: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Mention {
    /// First token of the mention.
    pub tok: usize,
    /// One past its last token.
    pub end: usize,
    pub ent: usize,
    /// The first name in its sentence, or someone said to speak.
    pub subject: bool,
}

/// The registry: every entity and every mention of one, in text order.
#[derive(Debug, Default)]
pub struct Names {
    pub ents: Vec<Entity>,
    /// Names as the text writes them, in order.
    pub mentions: Vec<Mention>,
    /// Where someone was said to speak, in order.
    spoken: Vec<Mention>,
    /// The entities that have each word in their name.
    by_word: std::collections::HashMap<String, Vec<usize>>,
    /// Names of places as token ranges, in order: not entities.
    places: Vec<(usize, usize)>,
    /// The words of places named with a strong cue, so that a bare later mention is one too.
    place_names: std::collections::HashSet<Vec<String>>,
}

/// A name or noun without its possessive ending: "Kemwell's" and "farmers'" become
/// "Kemwell" and "farmers".
pub fn strip_possessive(s: &str) -> &str {
    s.trim_end_matches("'s")
        .trim_end_matches("’s")
        .trim_end_matches(['\'', '’'])
}

pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-' || c == '.'))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether one name's words are all among the other's.
pub fn subset(a: &[String], b: &[String]) -> bool {
    !a.is_empty() && !b.is_empty() && {
        let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        small.iter().all(|w| big.contains(w))
    }
}

/// Whether the name in tokens `a..b` stands between a determiner and a lower-case noun
/// ("the Baishan port administration", "a Marlow bakery"): it describes the noun.
fn attributive(doc: &Doc, a: usize, b: usize, sentence_start: usize) -> bool {
    let lang = doc.lang;
    if a <= sentence_start || b >= doc.toks.len() || doc.toks[b].para != doc.toks[a].para {
        return false;
    }
    let before = &doc.lower[a - 1];
    let next = &doc.lower[b];
    let last = doc.tok_text(b - 1);
    doc.toks[a - 1].word
        && Lang::has(lang.determiners, before)
        && doc.toks[b].word
        && doc.toks[b].quote.is_none()
        && !is_cap(doc.tok_text(b))
        && strip_possessive(last) == last
        && !next.ends_with("ed")
        && !next.chars().all(|c| c.is_ascii_digit())
        && !Lang::has(lang.say_verbs, next)
        && !Lang::has(lang.naming_verbs, next)
        && !Lang::has(lang.auxiliaries, next)
        && !Lang::has(lang.adverbs, next)
        && !Lang::has(lang.prepositions, next)
        && !Lang::has(lang.determiners, next)
        && !Lang::has(lang.clause_breaks, next)
        && !Lang::has(lang.name_particles, next)
        && !matches!(
            next.as_str(),
            "and" | "or" | "who" | "whom" | "whose" | "which" | "that"
        )
}

/// A role that opens the noun phrase ending in the name at token `a`, with no comma or verb
/// between: "The head of the carriers' union «Trans-Ural» Ilya Sobol". Gives the role.
fn role_phrase_before(doc: &Doc, a: usize, sentence_start: usize) -> Option<String> {
    let lang = doc.lang;
    let mut k = a;
    while k > sentence_start && a - k < 14 {
        let j = k - 1;
        let t = &doc.toks[j];
        let w = doc.lower[j].as_str();
        if t.quote.is_some() || t.mark {
            k -= 1;
            continue;
        }
        if !t.word
            || is_cap(doc.tok_text(j)) && !lang.is_title(w)
            || w.ends_with("ed")
            || Lang::has(lang.say_verbs, w)
            || Lang::has(lang.naming_verbs, w)
            || Lang::has(lang.auxiliaries, w)
            || Lang::has(lang.clause_breaks, w)
            || Lang::has(lang.adverbs, w)
            || matches!(w, "and" | "or" | "who" | "which" | "that")
        {
            return None;
        }
        if lang.is_title(w) {
            let opens = j == sentence_start || Lang::has(lang.determiners, &doc.lower[j - 1]);
            return (opens && j + 1 < a && doc.lower[j + 1] == "of")
                .then(|| w.trim_end_matches('.').to_string());
        }
        k -= 1;
    }
    None
}

pub fn is_cap(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}

impl Names {
    /// Find the names in the text, outside quotations.
    pub fn scan(doc: &Doc) -> Names {
        let lang = doc.lang;
        let mut names = Names::default();
        for sent in &doc.sents {
            let mut k = sent.first;
            let mut first_in_sentence = true;
            while k <= sent.last {
                let t = &doc.toks[k];
                if !t.word || t.quote.is_some() || !is_cap(doc.tok_text(k)) {
                    k += 1;
                    continue;
                }
                // A run of capitalised words, with particles and "of"/"the" inside.
                let mut end = k + 1;
                while end <= sent.last {
                    let u = &doc.toks[end];
                    if doc.title_stop(end) {
                        // "Dr. Lena Okoro": a title's full stop is inside the name.
                        end += 1;
                        continue;
                    }
                    if !u.word || u.quote.is_some() {
                        break;
                    }
                    let w = doc.tok_text(end);
                    if is_cap(w) {
                        end += 1;
                        continue;
                    }
                    // "and" inside a body's name: "Department of Health and Welfare".
                    let body_and = w == "and"
                        && (k..end).any(|j| {
                            lang.is_body_name_word(&doc.lower[j])
                                && (j + 1..end)
                                    .any(|o| matches!(doc.lower[o].as_str(), "of" | "for"))
                        });
                    let joins = (Lang::has(lang.name_particles, w)
                        || body_and
                        || matches!(w, "of" | "the" | "for" | "to"))
                        && end < sent.last
                        && doc.toks[end + 1].word
                        && doc.toks[end + 1].quote.is_none()
                        && is_cap(doc.tok_text(end + 1));
                    if !joins {
                        break;
                    }
                    end += 1;
                }
                names.add_run(doc, k, end, sent.first, &mut first_in_sentence);
                k = end;
            }
        }
        names
    }

    fn add_run(
        &mut self,
        doc: &Doc,
        from: usize,
        to: usize,
        sentence_start: usize,
        first_in_sentence: &mut bool,
    ) {
        let lang = doc.lang;
        let mut a = from;
        // Words that open a sentence or are not names ("The", "But", "Suddenly").
        while a < to {
            let w = doc.tok_text(a);
            let lw = w.to_lowercase();
            if Lang::has(lang.function_words, &lw)
                || (a == sentence_start && lw.ends_with("ly") && to - a == 1)
                || Lang::has(lang.connectives, &lw)
            {
                a += 1;
            } else {
                break;
            }
        }
        // Strip trailing "of"/"the" and possessive endings.
        let mut b = to;
        while b > a && !is_cap(doc.tok_text(b - 1)) {
            b -= 1;
        }
        if a >= b {
            return;
        }
        let text = &doc.text[doc.toks[a].start..doc.toks[b - 1].end];
        let text = strip_possessive(text);
        let lower = text.to_lowercase();
        let run_words = words(text);
        let outlet_noun_before = (1..=2).any(|d| {
            from >= sentence_start + d
                && Lang::has(lang.outlet_nouns, &doc.tok_text(from - d).to_lowercase())
        });
        let single_outlet = run_words.iter().any(|w| {
            lang.outlets
                .iter()
                .any(|o| !o.contains(' ') && o.len() > 2 && o.eq_ignore_ascii_case(w))
        });
        let kind = if outlet_noun_before
            || single_outlet
            || lang.outlets.iter().any(|o| {
                o.eq_ignore_ascii_case(text)
                    || o.eq_ignore_ascii_case(lower.trim_start_matches("the "))
            })
            || run_words
                .iter()
                .any(|w| Lang::has(lang.outlet_name_words, w))
        {
            EntKind::Outlet
        } else if run_words.iter().any(|w| lang.is_body_name_word(w))
            || (text.len() >= 2
                && text.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && text.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
                && run_words.len() == 1)
        {
            EntKind::Body
        } else {
            EntKind::Person
        };
        // "a member of the US House of Representatives Matt Goetz": a person after a role,
        // inside what reads as a body's name.
        let person_tail = (a..b)
            .rev()
            .find(|&t| lang.is_title(&doc.tok_text(t).to_lowercase()))
            .is_some_and(|t| {
                let tail = t + 1..b;
                !tail.is_empty()
                    && tail.len() <= 4
                    && tail.clone().all(|k| {
                        let w = doc.tok_text(k).to_lowercase();
                        is_cap(doc.tok_text(k))
                            && !lang.is_body_name_word(&w)
                            && !Lang::has(lang.outlet_name_words, &w)
                            && !lang.is_title(&w)
                            && lang.country(&w).is_none()
                    })
            });
        let kind = if person_tail { EntKind::Person } else { kind };
        if kind == EntKind::Person && b - a == 1 && Lang::has(lang.weekdays, &doc.lower[a]) {
            // "Friday" names a day.
            return;
        }
        if kind == EntKind::Person && attributive(doc, a, b, sentence_start) {
            // "the Baishan port administration": a name describing a noun names no one here.
            return;
        }
        if let Some(strong) = self.place_cue(doc, from, a, b, sentence_start, kind) {
            // A place: never a speaker, never what a pronoun stands for.
            self.places.push((a, b));
            if strong {
                self.place_names.insert(run_words);
            }
            return;
        }
        let mut titles = Vec::new();
        let mut countries = Vec::new();
        let mut name_from = a;
        if kind == EntKind::Person {
            // Titles and places before the name: "US President Joe Biden".
            let mut k = a;
            while k < b {
                if !doc.toks[k].word {
                    // The full stop after "Dr".
                    if name_from == k {
                        name_from = k + 1;
                    }
                    k += 1;
                    continue;
                }
                let w = doc.tok_text(k).to_lowercase();
                if lang.is_title(&w) {
                    titles.push(w.trim_end_matches('.').to_string());
                    name_from = k + 1;
                } else if let Some(c) = lang.country(&w) {
                    countries.push(c);
                    name_from = k + 1;
                } else if k + 1 < b
                    && lang
                        .country(&format!("{w} {}", doc.tok_text(k + 1).to_lowercase()))
                        .is_some()
                {
                    countries.push(
                        lang.country(&format!("{w} {}", doc.tok_text(k + 1).to_lowercase()))
                            .unwrap(),
                    );
                    name_from = k + 2;
                    k += 1;
                } else if matches!(w.as_str(), "of" | "the" | "to" | "for") {
                    name_from = k + 1;
                }
                k += 1;
            }
            // Lower-case titles just before the run: "rancher Jim Strickland", "the governor
            // of Velmar district Anna Lascu".
            let mut k = a;
            while k > sentence_start && doc.toks[k - 1].word {
                let w = doc.tok_text(k - 1).to_lowercase();
                if lang.is_title(&w) {
                    titles.push(w);
                } else if let Some(c) = lang.country(&w) {
                    countries.push(c);
                } else if !matches!(w.as_str(), "of" | "the" | "to" | "a" | "an")
                    && !Lang::has(lang.place_nouns, &w)
                    && !self.in_place(k - 1)
                {
                    break;
                }
                k -= 1;
            }
            if titles.is_empty()
                && let Some(t) = role_phrase_before(doc, a, sentence_start)
            {
                titles.push(t);
            }
            if name_from >= b {
                // Only a title ("President", "Russian"): not a name.
                return;
            }
        }
        let name_text = &doc.text[doc.toks[name_from].start..doc.toks[b - 1].end];
        let name_text = strip_possessive(name_text).to_string();
        let nw = words(&name_text);
        if nw.is_empty() {
            return;
        }
        if kind == EntKind::Person && nw.len() == 1 && Lang::has(lang.function_words, &nw[0]) {
            return;
        }
        // "Ellen and Tom Wexler": two people who share a name speak as a group.
        if kind == EntKind::Person
            && let Some(prev) = self.mentions.last().copied()
            && prev.end + 1 == name_from
            && doc.tok_text(prev.end).eq_ignore_ascii_case("and")
            && self.ents[prev.ent].kind == EntKind::Person
            && self.ents[prev.ent].words.len() == 1
            && nw.len() >= 2
        {
            let both = doc.text[doc.toks[prev.tok].start..doc.toks[b - 1].end].to_string();
            let g = self.find_or_add(&both, words(&both), EntKind::Group);
            self.find_or_add(&name_text, nw, EntKind::Person);
            self.mentions.pop();
            self.mentions.push(Mention {
                tok: prev.tok,
                end: b,
                ent: g,
                subject: prev.subject,
            });
            return;
        }
        let ent = self.find_or_add(&name_text, nw, kind);
        let e = &mut self.ents[ent];
        for t in titles {
            if !e.titles.contains(&t) {
                e.titles.push(t);
            }
        }
        for c in countries {
            if !e.countries.contains(&c) {
                e.countries.push(c);
            }
        }
        let after_preposition =
            a > sentence_start && Lang::has(lang.prepositions, &doc.tok_text(a - 1).to_lowercase());
        let subject = *first_in_sentence && !after_preposition;
        if !after_preposition {
            *first_in_sentence = false;
        }
        self.mentions.push(Mention {
            tok: name_from,
            end: b,
            ent,
            subject,
        });
    }

    /// Whether the run of tokens `a..b` (first `from` before stripping "The") names a place,
    /// and if so whether the cue is strong enough for later bare mentions of the name: a
    /// dateline, "Ohio-based", "Velmar district", "the village of Orlesk", "Kansas City", a
    /// known region, "Easton Falls, Vermont", a place named so before (strong); "in
    /// Sacramento", "near Kelburn" (this mention only).
    fn place_cue(
        &self,
        doc: &Doc,
        from: usize,
        a: usize,
        b: usize,
        sentence_start: usize,
        kind: EntKind,
    ) -> Option<bool> {
        let lang = doc.lang;
        if kind == EntKind::Outlet {
            return None;
        }
        if doc.in_dateline(a) {
            return Some(true);
        }
        if kind != EntKind::Person || (a..b).any(|k| lang.is_title(&doc.lower[k])) {
            return None;
        }
        let lower: Vec<&str> = (a..b)
            .filter(|&k| doc.toks[k].word)
            .map(|k| doc.lower[k].as_str())
            .collect();
        let name = lower.join(" ");
        let last = *lower.last()?;
        let possessive = strip_possessive(last) != last;
        let word_at = |k: usize| -> Option<&str> {
            (k < doc.toks.len()
                && doc.toks[k].word
                && doc.toks[k].quote.is_none()
                && doc.toks[k].para == doc.toks[a].para)
                .then(|| doc.lower[k].as_str())
        };
        let described = |w: &str| lang.place_suffixes.iter().any(|s| w.ends_with(s));
        // Already a person or a body with these words: "Virginia" after "Virginia Lund".
        let known_other = self
            .find(&words(&name), EntKind::Person)
            .is_some_and(|e| self.ents[e].words.len() > lower.len());
        let strong = described(last)
            || (!possessive && word_at(b).is_some_and(|w| Lang::has(lang.place_nouns, w)))
            || (lower.len() > 1 && Lang::has(lang.place_nouns, last))
            || (a >= sentence_start + 2
                && word_at(a - 1) == Some("of")
                && word_at(a - 2).is_some_and(|w| Lang::has(lang.place_nouns, w)))
            || (!known_other
                && (lang.is_known_place(&name) || self.place_names.contains(&words(&name))))
            || (b + 1 < doc.toks.len()
                && doc.tok_text(b) == ","
                && word_at(b + 1).is_some_and(|w| {
                    described(w)
                        || lang.is_known_place(w)
                        || (b + 2 < doc.toks.len()
                            && lang.is_known_place(&format!("{w} {}", doc.lower[b + 2])))
                }));
        if strong {
            return Some(true);
        }
        let after_place_word = from > sentence_start
            && word_at(from - 1).is_some_and(|w| Lang::has(lang.place_prepositions, w));
        (after_place_word && !possessive).then_some(false)
    }

    /// Whether token `k` is inside a name the text gives as a place.
    pub fn in_place(&self, k: usize) -> bool {
        let i = self.places.partition_point(|&(a, _)| a <= k);
        i > 0 && k < self.places[i - 1].1
    }

    /// The entity a name refers to: an earlier one whose words include it ("Antonov" for
    /// "Anatoly Antonov"), or a new one.
    pub fn find_or_add(&mut self, name: &str, nw: Vec<String>, kind: EntKind) -> usize {
        if let Some(i) = self.find(&nw, kind) {
            let e = &mut self.ents[i];
            if nw.len() > e.words.len()
                && nw.iter().all(|w| !w.is_empty())
                && e.words.iter().all(|w| nw.contains(w))
            {
                e.name = name.to_string();
                e.words = nw;
                e.strong = true;
                self.index(i);
            }
            return i;
        }
        let strong = nw.len() > 1 || kind != EntKind::Person;
        self.ents.push(Entity {
            name: name.to_string(),
            words: nw,
            kind,
            titles: Vec::new(),
            countries: Vec::new(),
            gender: None,
            strong,
        });
        self.index(self.ents.len() - 1);
        self.ents.len() - 1
    }

    pub fn find(&self, nw: &[String], kind: EntKind) -> Option<usize> {
        // The longest, then latest, entity whose words include these.
        let mut best: Option<usize> = None;
        let mut seen: Vec<usize> = nw
            .iter()
            .filter_map(|w| self.by_word.get(w))
            .flatten()
            .copied()
            .collect();
        seen.sort_unstable();
        seen.dedup();
        for i in seen {
            let e = &self.ents[i];
            let compatible = e.kind == kind
                || (kind == EntKind::Person
                    && !matches!(e.kind, EntKind::Document | EntKind::Group))
                || (e.kind == EntKind::Person
                    && !matches!(kind, EntKind::Document | EntKind::Group));
            if compatible && subset(nw, &e.words) {
                // One-word names must match a whole word of a person's name, not a title.
                if best.is_none_or(|b| self.ents[b].words.len() <= e.words.len()) {
                    best = Some(i);
                }
            }
        }
        best
    }

    /// Index the words of entity `i`'s name.
    fn index(&mut self, i: usize) {
        for w in self.ents[i].words.clone() {
            let v = self.by_word.entry(w).or_default();
            if v.last() != Some(&i) && !v.contains(&i) {
                v.push(i);
            }
        }
    }

    /// The mentions before token `k`, the latest few hundred of them.
    fn before(&self, k: usize) -> Vec<Mention> {
        let i = self.mentions.partition_point(|m| m.tok < k);
        let j = self.spoken.partition_point(|m| m.tok < k);
        let mut v: Vec<Mention> = self.mentions[i.saturating_sub(300)..i]
            .iter()
            .chain(&self.spoken[j.saturating_sub(100)..j])
            .copied()
            .collect();
        v.sort_by_key(|m| m.tok);
        v
    }

    /// The mentions inside tokens `a..b`.
    pub fn within(&self, a: usize, b: usize) -> impl Iterator<Item = &Mention> {
        let i = self.mentions.partition_point(|m| m.tok < a);
        self.mentions[i..]
            .iter()
            .take_while(move |m| m.tok < b)
            .filter(move |m| m.end <= b && m.end > m.tok)
    }

    /// The mention that covers token `k`.
    pub fn mention_at(&self, k: usize) -> Option<&Mention> {
        let i = self.mentions.partition_point(|m| m.tok <= k);
        self.mentions[..i]
            .iter()
            .rev()
            .take(4)
            .find(|m| m.tok <= k && k < m.end)
    }

    /// Roles learnt from an apposition: "the council's spokeswoman, Priya Halvorsen".
    pub fn learn_titles(&mut self, ent: usize, roles: &[String]) {
        for r in roles {
            if !self.ents[ent].titles.contains(r) {
                self.ents[ent].titles.push(r.clone());
            }
        }
    }

    /// Record that `ent` was said to speak at token `k`: a salient mention.
    pub fn spoke(&mut self, ent: usize, k: usize) {
        self.ents[ent].strong = true;
        let at = self.spoken.partition_point(|m| m.tok <= k);
        self.spoken.insert(
            at,
            Mention {
                tok: k,
                end: k,
                ent,
                subject: true,
            },
        );
    }

    /// What a pronoun at token `k` stands for: the latest fitting entity, preferring one
    /// that opened its sentence or spoke.
    /// What a pronoun at token `k` stands for. `sentence` and `previous` are the first
    /// tokens of the pronoun's sentence and of the one before it.
    pub fn pronoun(
        &mut self,
        g: Gender,
        plural: bool,
        k: usize,
        sentence: usize,
        previous: usize,
    ) -> Option<usize> {
        let fits = |e: &Entity| match g {
            Gender::Masculine | Gender::Feminine => {
                e.kind == EntKind::Person && e.strong && e.gender.is_none_or(|x| x == g)
            }
            // "they": a group or a body; "it": a body or a document.
            Gender::Other if plural => e.kind != EntKind::Person,
            Gender::Other => !matches!(e.kind, EntKind::Person | EntKind::Group),
        };
        let before = self.before(k);
        // The latest that opened its sentence or spoke; a name that the sentence before
        // opens with counts too ("But for Catalan, ... . He noted"), but not one earlier in
        // the pronoun's own sentence ("Under questioning from Marsh, he said").
        let found = before
            .iter()
            .rev()
            .take(40)
            .find(|m| {
                fits(&self.ents[m.ent])
                    && (m.subject || (m.tok >= previous && m.tok < sentence.min(previous + 4)))
            })
            .or_else(|| {
                before
                    .iter()
                    .rev()
                    .take(40)
                    .find(|m| fits(&self.ents[m.ent]) && m.tok < sentence)
            })
            .map(|m| m.ent);
        if let Some(e) = found
            && g != Gender::Other
        {
            self.ents[e].gender = Some(g);
        }
        found
    }

    /// What a title at token `k` stands for ("the ambassador", "the President of Russia"):
    /// the latest entity seen with that title and no other country, else the latest person
    /// who opened a sentence or spoke.
    pub fn title(
        &self,
        lang: &Lang,
        title: &[String],
        countries: &[usize],
        k: usize,
    ) -> Option<usize> {
        let before = self.before(k);
        let fits_country = |e: &Entity| {
            countries.is_empty()
                || e.countries.is_empty()
                || e.countries.iter().any(|c| countries.contains(c))
        };
        let titled = before.iter().rev().find(|m| {
            let e = &self.ents[m.ent];
            fits_country(e)
                && e.titles
                    .iter()
                    .any(|t| title.iter().any(|w| lang.same_title(t, w)))
        });
        if let Some(m) = titled {
            return Some(m.ent);
        }
        // Named just after: "the regional transport minister said ... Minister Daniel
        // Okafor said".
        let i = self.mentions.partition_point(|m| m.tok < k);
        let ahead = self.mentions[i..].iter().take(12).find(|m| {
            let e = &self.ents[m.ent];
            e.kind == EntKind::Person
                && fits_country(e)
                && e.titles
                    .iter()
                    .any(|t| title.iter().any(|w| lang.same_title(t, w)))
        });
        if let Some(m) = ahead {
            return Some(m.ent);
        }
        before
            .iter()
            .rev()
            .take(40)
            .find(|m| {
                let e = &self.ents[m.ent];
                m.subject && e.kind == EntKind::Person && e.strong && fits_country(e)
            })
            .map(|m| m.ent)
    }

    /// The latest entity of a kind before token `k`, whose words include `head` if given.
    pub fn latest(&self, kind: EntKind, head: Option<&str>, k: usize) -> Option<usize> {
        self.before(k).iter().rev().map(|m| m.ent).find(|&e| {
            self.ents[e].kind == kind
                && head.is_none_or(|h| self.ents[e].words.iter().any(|w| w == h))
        })
    }

    /// Register a document, group or body named by a common noun phrase ("a new study",
    /// "Pew researchers") so that "it" and "they" can find it.
    pub fn add_phrase(&mut self, name: &str, kind: EntKind, k: usize) -> usize {
        let nw = words(name);
        let ent = match self.ents.iter().rposition(|e| {
            e.kind == kind
                && (e.words == nw || (kind == EntKind::Document && subset(&nw, &e.words)))
        }) {
            Some(i) => i,
            None => {
                self.ents.push(Entity {
                    name: name.to_string(),
                    words: nw,
                    kind,
                    titles: Vec::new(),
                    countries: Vec::new(),
                    gender: None,
                    strong: true,
                });
                self.index(self.ents.len() - 1);
                self.ents.len() - 1
            }
        };
        self.spoke(ent, k);
        ent
    }
}
