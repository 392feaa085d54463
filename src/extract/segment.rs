//! Cutting a text into paragraphs, quotations, sentences and words. Offsets are bytes into
//! the text; the extractor turns them into characters at the end.

use super::lang::Lang;

/// One word or one punctuation character, outside whitespace.
#[derive(Debug, Clone)]
pub struct Tok {
    pub start: usize,
    pub end: usize,
    pub word: bool,
    /// The quotation this token is inside (not counting the marks), if any.
    pub quote: Option<usize>,
    /// Whether the token is a quotation mark that opens or closes a quotation.
    pub mark: bool,
    pub para: usize,
}

/// A quotation: its marks and the stretch of text inside them in each paragraph it covers.
#[derive(Debug, Clone)]
pub struct Quote {
    /// Byte offset of the opening mark.
    pub open: usize,
    /// Byte offset of the closing mark, when the quotation is closed.
    pub close: Option<usize>,
    /// Inside the marks, one range a paragraph.
    pub parts: Vec<(usize, usize)>,
    /// Whether the marks are single quotation marks.
    pub single: bool,
}

impl Quote {
    pub fn start(&self) -> usize {
        self.parts[0].0
    }
    pub fn end(&self) -> usize {
        self.parts[self.parts.len() - 1].1
    }
}

/// A sentence: a range of tokens.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub first: usize,
    pub last: usize,
}

pub struct Doc<'a> {
    pub text: &'a str,
    pub lang: &'static Lang,
    pub paras: Vec<(usize, usize)>,
    pub quotes: Vec<Quote>,
    pub toks: Vec<Tok>,
    pub sents: Vec<Sent>,
    /// Whether a token opens a sentence.
    pub sent_first: Vec<bool>,
    /// Each token in lower case.
    pub lower: Vec<String>,
}

/// Paragraphs: the non-blank lines.
fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed_end = line.trim_end();
        let lead = trimmed_end.len() - trimmed_end.trim_start().len();
        if !trimmed_end.trim().is_empty() {
            out.push((at + lead, at + trimmed_end.len()));
        }
        at += line.len();
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\u{0300}'..='\u{036F}')
}

/// Characters around byte `i`: the one before and the one at `i + len` after.
fn around(text: &str, i: usize, len: usize) -> (Option<char>, Option<char>) {
    (
        text[..i].chars().next_back(),
        text[i + len..].chars().next(),
    )
}

fn opens(lang: &Lang, c: char) -> Option<(char, bool)> {
    lang.double_marks
        .iter()
        .find(|(o, _)| *o == c)
        .map(|(_, cl)| (*cl, false))
        .or_else(|| {
            lang.single_marks
                .iter()
                .find(|(o, _)| *o == c)
                .map(|(_, cl)| (*cl, true))
        })
}

fn is_double_mark(lang: &Lang, c: char) -> bool {
    lang.double_marks.iter().any(|(o, cl)| *o == c || *cl == c)
}

/// Find the quotations. Double marks pair up across paragraphs: a paragraph that ends inside
/// a quotation continues it, whether the next paragraph repeats the opening mark (English
/// style) or not, for a few paragraphs at most. Single marks count only where they cannot be
/// apostrophes, and only outside double marks.
fn quotations(text: &str, lang: &Lang, paras: &[(usize, usize)]) -> Vec<Quote> {
    const MAX_PARAS: usize = 8;
    let mut out: Vec<Quote> = Vec::new();
    let mut pi = 0;
    while pi < paras.len() {
        let (ps, pe) = paras[pi];
        let mut i = ps;
        while i < pe {
            let c = text[i..].chars().next().unwrap();
            let clen = c.len_utf8();
            let (before, after) = around(text, i, clen);
            let Some((closer, single)) = opens(lang, c) else {
                i += clen;
                continue;
            };
            if single {
                // An opening single mark: after a space or start, before a letter.
                let ok = before.is_none_or(|b| b.is_whitespace() || "([—–-:".contains(b))
                    && after.is_some_and(is_word_char);
                if !ok {
                    i += clen;
                    continue;
                }
            } else if c == '"' && after.is_none_or(char::is_whitespace) {
                // A straight mark before a space closes something; it does not open.
                i += clen;
                continue;
            } else if c == '”' && !after.is_some_and(|a| a.is_alphanumeric()) {
                // A closing curly mark opens only right before a word (translations use it
                // both ways).
                i += clen;
                continue;
            }
            // Look for the closing mark, across paragraphs for double marks.
            let mut q = Quote {
                open: i,
                close: None,
                parts: Vec::new(),
                single,
            };
            let mut depth = 0usize;
            let mut part_start = i + clen;
            let mut pj = pi;
            let mut j = i + clen;
            let mut end_of_para = pe;
            let found = 'scan: loop {
                while j < end_of_para {
                    let d = text[j..].chars().next().unwrap();
                    let dlen = d.len_utf8();
                    let (b, a) = around(text, j, dlen);
                    if single {
                        if d == closer
                            && b.is_some_and(|b| !b.is_whitespace())
                            && !a.is_some_and(is_word_char)
                        {
                            break 'scan Some(j);
                        }
                        if is_double_mark(lang, d) {
                            break 'scan None;
                        }
                    } else if d == closer || (is_double_mark(lang, d) && !"“«„".contains(d)) {
                        // A mark that could close. Nested openers of the curly kind, written
                        // after a colon or a space, are counted.
                        if depth == 0 {
                            break 'scan Some(j);
                        }
                        depth -= 1;
                    } else if "“«„".contains(d)
                        && d != closer
                        && b.is_some_and(|b| b.is_whitespace() || b == ':')
                    {
                        depth += 1;
                    } else if d == closer {
                        break 'scan Some(j);
                    }
                    j += dlen;
                }
                // End of the paragraph inside the quotation.
                q.parts.push((part_start, end_of_para));
                if single || pj + 1 >= paras.len() || pj + 1 - pi >= MAX_PARAS {
                    break None;
                }
                pj += 1;
                let (ns, ne) = paras[pj];
                j = ns;
                // A repeated opening mark starts the next part; without one, only a curly
                // or angle quotation runs on (as translations write it).
                let first = text[ns..].chars().next().unwrap();
                if opens(lang, first).is_some_and(|(_, s)| !s) {
                    j += first.len_utf8();
                } else if c == '"' {
                    break None;
                }
                part_start = j;
                end_of_para = ne;
                depth = depth.min(1);
            };
            match found {
                Some(close) => {
                    q.parts.push((part_start, close));
                    q.close = Some(close);
                    let close_len = text[close..].chars().next().unwrap().len_utf8();
                    q.parts
                        .retain(|(s, e)| text[*s..*e].trim().chars().any(is_word_char));
                    if !q.parts.is_empty() {
                        out.push(q);
                    }
                    if pj != pi {
                        pi = pj;
                        // Continue scanning the paragraph where the quotation closed.
                        let (_, npe) = paras[pi];
                        scan_rest(text, lang, &mut out, close + close_len, npe);
                        break;
                    }
                    i = close + close_len;
                }
                None => {
                    // Unclosed: keep it to its first paragraph, unless the paragraphs after
                    // it were never closed either (then the quotation is only this one).
                    // An unclosed single mark is an apostrophe after all: read on after it.
                    let Some(&first) = q.parts.first().filter(|_| !single) else {
                        i += clen;
                        continue;
                    };
                    if text[first.0..first.1].trim().chars().any(is_word_char) {
                        out.push(Quote {
                            open: i,
                            close: None,
                            parts: vec![first],
                            single,
                        });
                    }
                    i = pe;
                }
            }
        }
        pi += 1;
    }
    out.sort_by_key(|q| q.open);
    out
}

/// Quotations in the rest of a paragraph, after a quotation that closed in it.
fn scan_rest(text: &str, lang: &Lang, out: &mut Vec<Quote>, from: usize, to: usize) {
    let sub = &text[..to];
    let para = [(from, to)];
    let found = quotations(sub, lang, &para);
    out.extend(found);
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str, lang: &'static Lang) -> Doc<'a> {
        let paras = paragraphs(text);
        let quotes = quotations(text, lang, &paras);
        let mut doc = Doc {
            text,
            lang,
            paras,
            quotes,
            toks: Vec::new(),
            sents: Vec::new(),
            sent_first: Vec::new(),
            lower: Vec::new(),
        };
        doc.tokenize();
        doc.sentences();
        doc
    }

    /// Which quotation's inside covers each byte offset, as sorted ranges.
    fn inside_index(&self) -> Vec<(usize, usize, usize)> {
        let mut v: Vec<(usize, usize, usize)> = self
            .quotes
            .iter()
            .enumerate()
            .flat_map(|(i, q)| q.parts.iter().map(move |&(s, e)| (s, e, i)))
            .collect();
        v.sort_unstable();
        v
    }

    /// Byte offsets of every mark that opens, continues or closes a quotation.
    fn mark_index(&self) -> std::collections::HashSet<usize> {
        let mut set = std::collections::HashSet::new();
        for q in &self.quotes {
            set.insert(q.open);
            if let Some(c) = q.close {
                set.insert(c);
            }
            for (s, _) in q.parts.iter().skip(1) {
                if let Some((i, _)) = self.text[..*s].char_indices().next_back() {
                    set.insert(i);
                }
            }
        }
        set
    }

    fn tokenize(&mut self) {
        let text = self.text;
        for (pi, &(ps, pe)) in self.paras.iter().enumerate() {
            let mut it = text[ps..pe].char_indices().peekable();
            while let Some((off, c)) = it.next() {
                let s = ps + off;
                if c.is_whitespace() {
                    continue;
                }
                let mut e = s + c.len_utf8();
                let word = is_word_char(c);
                if word {
                    // A word: letters and digits, with inner apostrophes, hyphens, full stops
                    // between letters (U.S.), and decimal points.
                    while let Some(&(o, d)) = it.peek() {
                        if is_word_char(d) {
                            e = ps + o + d.len_utf8();
                            it.next();
                            continue;
                        }
                        if matches!(d, '\'' | '’' | '-' | '.' | ',' | '&' | '/') {
                            let mut look = it.clone();
                            look.next();
                            let next = look.peek().map(|&(_, n)| n);
                            let joins = next.is_some_and(is_word_char)
                                && match d {
                                    '.' => {
                                        // U.S. / 0.55 / Gazeta.ru
                                        next.is_some_and(|n| n.is_alphanumeric())
                                    }
                                    ',' => {
                                        c.is_ascii_digit()
                                            && next.is_some_and(|n| n.is_ascii_digit())
                                    }
                                    _ => true,
                                };
                            if joins {
                                it.next();
                                continue;
                            }
                            // A trailing full stop of an initialism: "U.S." keeps it.
                            if d == '.' && text[s..ps + o].contains('.') {
                                e = ps + o + 1;
                                it.next();
                            }
                        }
                        break;
                    }
                }
                self.toks.push(Tok {
                    start: s,
                    end: e,
                    word,
                    quote: None,
                    mark: false,
                    para: pi,
                });
            }
        }
        let inside = self.inside_index();
        let marks = self.mark_index();
        for k in 0..self.toks.len() {
            let s = self.toks[k].start;
            if !self.toks[k].word && marks.contains(&s) {
                self.toks[k].mark = true;
            } else {
                let i = inside.partition_point(|r| r.0 <= s);
                self.toks[k].quote = (i > 0 && s < inside[i - 1].1).then(|| inside[i - 1].2);
            }
        }
        self.sent_first = vec![false; self.toks.len()];
        self.lower = self
            .toks
            .iter()
            .map(|t| text[t.start..t.end].to_lowercase())
            .collect();
    }

    /// The token that starts at byte `at`, if any.
    pub fn tok_starting(&self, at: usize) -> Option<usize> {
        let i = self.toks.partition_point(|t| t.start < at);
        (i < self.toks.len() && self.toks[i].start == at).then_some(i)
    }

    pub fn tok_text(&self, k: usize) -> &'a str {
        &self.text[self.toks[k].start..self.toks[k].end]
    }

    /// Whether token `k` is the full stop of a title written before a name ("Dr.", "Sen.",
    /// "Lt."): it ends neither the sentence nor the name.
    pub fn title_stop(&self, k: usize) -> bool {
        k > 0
            && k + 1 < self.toks.len()
            && !self.toks[k].word
            && self.tok_text(k) == "."
            && self.toks[k - 1].word
            && self.toks[k - 1].end == self.toks[k].start
            && self.toks[k + 1].word
            && self.toks[k + 1].para == self.toks[k].para
            && self.toks[k + 1].quote.is_none()
            && self
                .tok_text(k + 1)
                .chars()
                .next()
                .is_some_and(char::is_uppercase)
            && Lang::has(self.lang.abbreviations, self.tok_text(k - 1))
            && self.lang.is_title(&self.tok_text(k - 1).to_lowercase())
    }

    /// Whether token `k` is in a dateline: the capitalised words before the dash or the
    /// bracket that open one of the first paragraphs ("KYIV, Ukraine —", "PORT ELLA, Ore.,
    /// June 3 (Reuters) -"), the first of them in capitals.
    pub fn in_dateline(&self, k: usize) -> bool {
        let p = self.toks[k].para;
        if p > 2 {
            return false;
        }
        let p0 = self.toks[..k].partition_point(|t| t.para < p);
        let first = self.tok_text(p0);
        if !self.toks[p0].word
            || first.chars().filter(|c| c.is_alphabetic()).count() < 2
            || first.chars().any(char::is_lowercase)
        {
            return false;
        }
        for j in p0..(p0 + 16).min(self.toks.len()) {
            let t = &self.toks[j];
            if t.para != p || t.quote.is_some() || t.mark {
                return false;
            }
            let w = self.tok_text(j);
            if !t.word && matches!(w, "—" | "–" | "-" | "(") {
                return k < j;
            }
            if t.word && w.chars().next().is_some_and(char::is_lowercase) {
                return false;
            }
        }
        false
    }

    fn is_abbreviation(&self, k: usize) -> bool {
        let w = self.tok_text(k);
        Lang::has(self.lang.abbreviations, w.trim_end_matches('.'))
            || (w.chars().count() == 1 && w.chars().all(char::is_uppercase))
    }

    /// Sentences: a full stop, question or exclamation mark (and any closing mark after
    /// it) outside a quotation, followed by a capital, a digit or an opening mark, ends
    /// one; so does the end of a paragraph.
    fn sentences(&mut self) {
        let n = self.toks.len();
        let mut first = 0;
        for k in 0..n {
            let last_of_para = k + 1 == n || self.toks[k + 1].para != self.toks[k].para;
            let mut ends = last_of_para;
            if !ends {
                let t = self.tok_text(k);
                let is_stop = matches!(t, "." | "!" | "?" | "…")
                    || (self.toks[k].word && t.ends_with('.') && !self.is_abbreviation(k));
                let quoted = self.toks[k].quote.is_some();
                if is_stop && !quoted {
                    let next = &self.toks[k + 1];
                    let nt = self.tok_text(k + 1);
                    let starts = nt
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
                        || next.mark;
                    let abbrev = k > 0
                        && t == "."
                        && self.toks[k - 1].end == self.toks[k].start
                        && self.is_abbreviation(k - 1);
                    ends = starts && !abbrev;
                } else if self.toks[k].mark && k > 0 {
                    // ".” Next" : a quotation that ends a sentence.
                    let prev = self.tok_text(k - 1);
                    let closes = self
                        .quotes
                        .iter()
                        .any(|q| q.close == Some(self.toks[k].start));
                    let next = self.tok_text(k + 1);
                    ends = closes
                        && matches!(prev, "." | "!" | "?" | "…")
                        && next.chars().next().is_some_and(char::is_uppercase)
                        && !self.toks[k + 1].mark;
                }
            }
            if ends {
                self.sents.push(Sent { first, last: k });
                self.sent_first[first] = true;
                first = k + 1;
            }
        }
    }
}
