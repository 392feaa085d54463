//! Turning fuzz input into a [`MergeScenario`]: a short history of valid operations made on
//! three replicas over a few sources, articles and claims, and a second order to apply them
//! in that keeps every entity's creation before the operations that refer to it.
//!
//! A reference to an entity that has not been (successfully) created by then is replaced by
//! a "ghost" id that is never created, so whether an operation applies never depends on the
//! order: it fails in both orders or in neither.

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, NaiveDate, Utc};
use claimdb::model::{Anchor, SourceKind, Stance, Status};
use claimdb::ops::{ClaimField, Hlc, Op, OpKind};
use uuid::Uuid;

use crate::checks::MergeScenario;

const SOURCES: usize = 3;
const ARTICLES: usize = 2;
const CLAIMS: usize = 3;
const MAX_STEPS: usize = 48;

/// Names that fold alike or nearly so, dates and other texts worth colliding.
const TEXTS: &[&str] = &[
    "Anna",
    "ANNA",
    " anna  ",
    "Işık",
    "IŞIK",
    "ışık",
    "İzmir",
    "izmir",
    "Straße",
    "STRASSE",
    "ﬁle",
    "file",
    "café",
    "cafe\u{301}",
    "x",
    "",
    " ",
    "The plane landed in Moscow",
    "landed",
    "https://news.example/a",
    "Antonov",
    "ı",
];

#[derive(Debug, Arbitrary)]
pub enum Txt {
    Pool(u8),
    Raw(String),
}

impl Txt {
    fn get(&self) -> String {
        match self {
            Txt::Pool(i) => TEXTS[*i as usize % TEXTS.len()].to_string(),
            Txt::Raw(s) => s.chars().take(40).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub enum Field {
    Text(Txt),
    Speaker(Option<u8>),
    SaidOn(Option<u16>),
    Deleted(bool),
}

#[derive(Debug, Arbitrary)]
pub enum Action {
    CreateSource {
        source: u8,
        name: Txt,
        kind: u8,
        url: Option<Txt>,
        aliases: Vec<Txt>,
    },
    AddAlias {
        source: u8,
        alias: Txt,
    },
    CreateArticle {
        article: u8,
        url: Option<Txt>,
        title: Option<Txt>,
        outlet: Option<u8>,
        published: Option<u16>,
        text: Option<Txt>,
    },
    CreateClaim {
        claim: u8,
        text: Txt,
        speaker: Option<u8>,
        said_on: Option<u16>,
        tags: Vec<Txt>,
    },
    SetClaim {
        claim: u8,
        field: Field,
    },
    SetTag {
        claim: u8,
        tag: Txt,
        present: bool,
    },
    AddAppearance {
        claim: u8,
        article: Option<u8>,
        via: Option<u8>,
        quote: Option<Txt>,
        anchor: Option<(u16, u16, Txt, Txt)>,
    },
    AddVerdict {
        claim: u8,
        status: u8,
        note: Option<Txt>,
        supersedes: Vec<u8>,
    },
    AddEvidence {
        claim: u8,
        url: Option<Txt>,
        stance: u8,
        note: Option<Txt>,
    },
    /// A review published elsewhere; a few URLs, so that replicas import the same one.
    AddReview {
        claim: u8,
        url: u8,
        rating: Option<u8>,
        publisher: Option<Txt>,
    },
}

#[derive(Debug, Arbitrary)]
pub struct Step {
    pub replica: u8,
    pub clock: u8,
    pub time: u8,
    pub action: Action,
}

#[derive(Debug)]
pub struct MergeInput {
    pub steps: Vec<Step>,
    pub picks: Vec<u8>,
}

impl<'a> Arbitrary<'a> for MergeInput {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let picks: Vec<u8> = Vec::arbitrary(u)?;
        let mut steps = Vec::new();
        while !u.is_empty() && steps.len() < MAX_STEPS {
            steps.push(Step::arbitrary(u)?);
        }
        Ok(MergeInput { steps, picks })
    }
}

fn id(kind: u128, n: usize) -> Uuid {
    Uuid::from_u128((kind << 96) | 0x0000_0000_0000_4000_8000_0000_0000 | n as u128)
}

fn source_id(i: usize) -> Uuid {
    id(0x5000_0000, i)
}
fn article_id(i: usize) -> Uuid {
    id(0xa000_0000, i)
}
fn claim_id(i: usize) -> Uuid {
    id(0xc000_0000, i)
}
/// Ids that are never created.
fn ghost_id(i: usize) -> Uuid {
    id(0x6000_0000, i)
}
fn replica_id(i: usize) -> Uuid {
    id(0xe000_0000, i)
}

fn date(d: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(d % 2000))
}

fn time(t: u8) -> DateTime<Utc> {
    DateTime::from_timestamp(1_600_000_000 + i64::from(t) * 3_600, 0).unwrap()
}

/// Creation state of the sources, articles and claims while generating.
struct World {
    ops: Vec<Op>,
    /// For each op, the ops that must come before it.
    deps: Vec<Vec<usize>>,
    /// The first successful creation op of each entity.
    sources: [Option<usize>; SOURCES],
    articles: [Option<usize>; ARTICLES],
    claims: [Option<usize>; CLAIMS],
    /// The change that created each claim, to repeat (two replicas importing the same file).
    claim_kinds: [Option<OpKind>; CLAIMS],
    /// Every verdict so far, with its claim.
    verdicts: Vec<(Uuid, Uuid)>,
    children: usize,
    ghosts: usize,
}

impl World {
    fn ghost(&mut self) -> Uuid {
        self.ghosts += 1;
        ghost_id(self.ghosts % 3)
    }

    /// A reference to source `i`: the real id if it exists by now (a dependency), else a ghost.
    fn source(&mut self, i: u8, deps: &mut Vec<usize>, ok: &mut bool) -> Uuid {
        let i = i as usize % (SOURCES + 1);
        match self.sources.get(i).copied().flatten() {
            Some(op) => {
                deps.push(op);
                source_id(i)
            }
            None => {
                *ok = false;
                self.ghost()
            }
        }
    }

    /// A reference to source `i` only if it exists by now. Used where the operation goes
    /// through a last-writer-wins check first: an operation that loses that check is never
    /// applied, so a dangling reference would fail or not depending on the order (no replica
    /// can make such an operation: it only refers to what it has).
    fn real_source(&mut self, i: u8, deps: &mut Vec<usize>) -> Option<Uuid> {
        let mut ok = true;
        let id = self.source(i, deps, &mut ok);
        ok.then_some(id)
    }

    fn article(&mut self, i: u8, deps: &mut Vec<usize>, ok: &mut bool) -> Uuid {
        let i = i as usize % (ARTICLES + 1);
        match self.articles.get(i).copied().flatten() {
            Some(op) => {
                deps.push(op);
                article_id(i)
            }
            None => {
                *ok = false;
                self.ghost()
            }
        }
    }

    fn claim(&mut self, i: u8, deps: &mut Vec<usize>) -> Uuid {
        let i = i as usize % (CLAIMS + 1);
        match self.claims.get(i).copied().flatten() {
            Some(op) => {
                deps.push(op);
                claim_id(i)
            }
            None => self.ghost(),
        }
    }

    fn child(&mut self) -> Uuid {
        self.children += 1;
        id(0xd000_0000, self.children)
    }

    fn push(&mut self, step: &Step, kind: OpKind, deps: Vec<usize>) -> usize {
        let n = self.ops.len();
        let replica = replica_id(step.replica as usize % 3);
        // (hlc, replica) is unique, as on real replicas; the fuzzer chooses how they order.
        let hlc = Hlc::from_parts(1_700_000_000_000 + u64::from(step.clock), n as u16);
        self.ops.push(Op {
            id: id(0x0b00_0000, n),
            hlc,
            replica,
            author: ["ana", "ben", "cem"][step.replica as usize % 3].to_string(),
            kind,
        });
        self.deps.push(deps);
        n
    }

    fn step(&mut self, step: &Step) {
        let mut deps = Vec::new();
        let created_at = time(step.time);
        match &step.action {
            Action::CreateSource {
                source,
                name,
                kind,
                url,
                aliases,
            } => {
                let i = *source as usize % SOURCES;
                let kind = SourceKind::ALL[*kind as usize % SourceKind::ALL.len()];
                let op = self.push(
                    step,
                    OpKind::CreateSource {
                        source: source_id(i),
                        name: name.get(),
                        kind,
                        url: url.as_ref().map(Txt::get),
                        aliases: aliases.iter().take(4).map(Txt::get).collect(),
                        created_at,
                    },
                    deps,
                );
                self.sources[i].get_or_insert(op);
            }
            Action::AddAlias { source, alias } => {
                let mut ok = true;
                let source = self.source(*source, &mut deps, &mut ok);
                self.push(
                    step,
                    OpKind::AddAlias {
                        source,
                        alias: alias.get(),
                    },
                    deps,
                );
            }
            Action::CreateArticle {
                article,
                url,
                title,
                outlet,
                published,
                text,
            } => {
                let i = *article as usize % ARTICLES;
                let outlet = outlet.and_then(|o| self.real_source(o, &mut deps));
                let text = text.as_ref().map(Txt::get);
                let op = self.push(
                    step,
                    OpKind::CreateArticle {
                        article: article_id(i),
                        url: url.as_ref().map(Txt::get),
                        title: title.as_ref().map(Txt::get),
                        outlet,
                        published: published.map(date),
                        lang: None,
                        text_sha256: text.as_deref().map(claimdb::store::sha256_hex),
                        text,
                        created_at,
                    },
                    deps,
                );
                self.articles[i].get_or_insert(op);
            }
            Action::CreateClaim {
                claim,
                text,
                speaker,
                said_on,
                tags,
            } => {
                let i = *claim as usize % CLAIMS;
                if let Some(kind) = self.claim_kinds[i].clone() {
                    // Created already: the same creation again, from another replica.
                    let mut ok = true;
                    if let OpKind::CreateClaim {
                        speaker: Some(s), ..
                    } = &kind
                    {
                        if let Some(j) = (0..SOURCES).find(|j| source_id(*j) == *s) {
                            self.source(j as u8, &mut deps, &mut ok);
                        }
                    }
                    self.push(step, kind, deps);
                    return;
                }
                let mut ok = true;
                let speaker = speaker.map(|s| self.source(s, &mut deps, &mut ok));
                let kind = OpKind::CreateClaim {
                    claim: claim_id(i),
                    text: text.get(),
                    speaker,
                    said_on: said_on.map(date),
                    tags: tags.iter().take(4).map(Txt::get).collect(),
                    created_at,
                    created_by: "ana".into(),
                };
                let op = self.push(step, kind.clone(), deps);
                if ok {
                    self.claims[i] = Some(op);
                }
                // A failed creation is never repeated: its claim stays a ghost.
                self.claim_kinds[i] = Some(kind);
            }
            Action::SetClaim { claim, field } => {
                let claim = self.claim(*claim, &mut deps);
                let (set, prev) = match field {
                    Field::Text(t) => (ClaimField::Text(t.get()), ClaimField::Text(String::new())),
                    Field::Speaker(s) => (
                        ClaimField::Speaker(s.and_then(|s| self.real_source(s, &mut deps))),
                        ClaimField::Speaker(None),
                    ),
                    Field::SaidOn(d) => (ClaimField::SaidOn(d.map(date)), ClaimField::SaidOn(None)),
                    Field::Deleted(d) => (ClaimField::Deleted(*d), ClaimField::Deleted(!d)),
                };
                self.push(
                    step,
                    OpKind::SetClaim {
                        claim,
                        set,
                        prev,
                        prev_op: None,
                        resolves: Vec::new(),
                    },
                    deps,
                );
            }
            Action::SetTag {
                claim,
                tag,
                present,
            } => {
                // Tag edits are last-writer-wins too: only on claims that exist by now.
                let i = *claim as usize % (CLAIMS + 1);
                if self.claims.get(i).copied().flatten().is_none() {
                    return;
                }
                let claim = self.claim(*claim, &mut deps);
                self.push(
                    step,
                    OpKind::SetTag {
                        claim,
                        tag: tag.get(),
                        present: *present,
                        prev: !present,
                    },
                    deps,
                );
            }
            Action::AddAppearance {
                claim,
                article,
                via,
                quote,
                anchor,
            } => {
                let claim = self.claim(*claim, &mut deps);
                let mut ok = true;
                let article = article.map(|a| self.article(a, &mut deps, &mut ok));
                let via = via.map(|v| self.source(v, &mut deps, &mut ok));
                let appearance = self.child();
                self.push(
                    step,
                    OpKind::AddAppearance {
                        appearance,
                        claim,
                        article,
                        via,
                        quote: quote.as_ref().map(Txt::get),
                        anchor: anchor.as_ref().map(|(s, l, p, x)| Anchor {
                            start: u64::from(*s),
                            end: u64::from(*s) + u64::from(*l),
                            prefix: p.get(),
                            suffix: x.get(),
                        }),
                        created_at,
                    },
                    deps,
                );
            }
            Action::AddVerdict {
                claim,
                status,
                note,
                supersedes,
            } => {
                let claim = self.claim(*claim, &mut deps);
                let supersedes = supersedes
                    .iter()
                    .take(3)
                    // Writers supersede the current verdicts of the same claim, which may not
                    // have reached this replica yet (or ever: a ghost). Odd picks take any
                    // verdict, of any claim: the server accepts any ids here.
                    .map(|&k| {
                        let pool: Vec<Uuid> = self
                            .verdicts
                            .iter()
                            .filter(|(c, _)| k % 2 == 1 || *c == claim)
                            .map(|(_, v)| *v)
                            .collect();
                        match pool.get(k as usize / 2 % (pool.len() + 1)) {
                            Some(v) => *v,
                            None => ghost_id(100 + k as usize),
                        }
                    })
                    .collect();
                let verdict = self.child();
                self.push(
                    step,
                    OpKind::AddVerdict {
                        verdict,
                        claim,
                        status: Status::ALL[*status as usize % Status::ALL.len()],
                        note: note.as_ref().map(Txt::get),
                        author: "ana".into(),
                        supersedes,
                        created_at,
                    },
                    deps,
                );
                self.verdicts.push((claim, verdict));
            }
            Action::AddEvidence {
                claim,
                url,
                stance,
                note,
            } => {
                let claim = self.claim(*claim, &mut deps);
                let evidence = self.child();
                self.push(
                    step,
                    OpKind::AddEvidence {
                        evidence,
                        claim,
                        url: url.as_ref().map(Txt::get),
                        stance: Stance::ALL[*stance as usize % Stance::ALL.len()],
                        note: note.as_ref().map(Txt::get),
                        created_at,
                    },
                    deps,
                );
            }
            Action::AddReview {
                claim,
                url,
                rating,
                publisher,
            } => {
                const RATINGS: &[&str] = &["False", "Pants on Fire!", "Ложь", "Yanlış"];
                let claim = self.claim(*claim, &mut deps);
                let url = format!("https://reviews.example/{}", url % 3);
                let rating = rating.map(|r| RATINGS[r as usize % RATINGS.len()].to_string());
                self.push(
                    step,
                    OpKind::AddReview {
                        review: claimdb::ops::review_id(&url),
                        claim,
                        url,
                        publisher: publisher.as_ref().map(Txt::get),
                        publisher_site: None,
                        title: None,
                        rating_value: rating.is_none().then(|| "1".to_string()),
                        rating,
                        best_rating: None,
                        worst_rating: None,
                        reviewed_on: None,
                        lang: None,
                        claimant: None,
                        appearances: Vec::new(),
                        created_at,
                    },
                    deps,
                );
            }
        }
    }
}

/// A second order: a topological order of the dependencies, choices driven by `picks`.
fn second_order(deps: &[Vec<usize>], picks: &[u8]) -> Vec<usize> {
    let n = deps.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    // A small xorshift stream seeded by the picks, so short pick lists still shuffle.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for &p in picks {
        state = (state ^ u64::from(p)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut k = 0;
    while order.len() < n {
        let ready: Vec<usize> = (0..n)
            .filter(|&i| !placed[i] && deps[i].iter().all(|&d| placed[d]))
            .collect();
        let choice = match picks.get(k) {
            Some(&p) => p as usize,
            None => {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as usize
            }
        };
        k += 1;
        let i = ready[choice % ready.len()];
        placed[i] = true;
        order.push(i);
    }
    order
}

pub fn scenario(input: &MergeInput) -> MergeScenario {
    let mut world = World {
        ops: Vec::new(),
        deps: Vec::new(),
        sources: [None; SOURCES],
        articles: [None; ARTICLES],
        claims: [None; CLAIMS],
        claim_kinds: [None, None, None],
        verdicts: Vec::new(),
        children: 0,
        ghosts: 0,
    };
    for step in &input.steps {
        world.step(step);
    }
    let order = second_order(&world.deps, &input.picks);
    MergeScenario {
        ops: world.ops,
        order,
    }
}

/// Decode raw fuzz bytes into a scenario (`None` when they are too short).
pub fn scenario_from_bytes(data: &[u8]) -> Option<MergeScenario> {
    let input = MergeInput::arbitrary_take_rest(Unstructured::new(data)).ok()?;
    Some(scenario(&input))
}
