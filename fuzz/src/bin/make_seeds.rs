//! Write the seed corpora under `seeds/`: `make_seeds [DIR]` (default `seeds`).
//! Seeds are real bodies and exports made through the library, so fuzzing starts from
//! inputs that get past the parsers.

// Fuzz builds instrument every crate; linking libFuzzer provides the coverage hooks.
extern crate libfuzzer_sys;

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use claimdb::Store;
use claimdb::interchange::{self, ClaimReviewOptions, Format};
use claimdb::model::{Anchor, SourceKind, Stance, Status};
use claimdb::ops::{ClaimField, Hlc, Op, OpKind};
use claimdb::store::{NewArticle, NewClaim, NewSource};
use claimdb::sync::protocol::{
    ErrorBody, ErrorDetail, OpResult, OpStatus, PullResponse, PushRequest, PushResponse, Role,
    SequencedOp, WhoAmI,
};
use claimdb_fuzz::checks::{PUSH_MEMBER, PUSH_NOW_MS, SEED_RECORDS};
use uuid::Uuid;

fn write(dir: &Path, name: &str, data: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), data).unwrap();
}

fn u(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// One operation of every kind, by the push member, stamped a little before the server's now.
fn ops() -> Vec<Op> {
    let created_at = at("2023-11-14T22:00:00.000Z");
    let kinds = vec![
        OpKind::CreateSource {
            source: claimdb::ops::source_id("Anatoly Antonov"),
            name: "Anatoly Antonov".into(),
            kind: SourceKind::Person,
            url: None,
            aliases: vec!["Antonov".into(), "Антонов".into()],
            created_at,
        },
        OpKind::AddAlias {
            source: claimdb::ops::source_id("Anatoly Antonov"),
            alias: "A. Antonov".into(),
        },
        OpKind::CreateArticle {
            article: claimdb::ops::article_id("https://news.example/a"),
            url: Some("https://news.example/a".into()),
            title: Some("Landing".into()),
            outlet: None,
            published: NaiveDate::from_ymd_opt(2021, 3, 21),
            lang: Some("en".into()),
            text: Some("The plane landed in Moscow.".into()),
            text_sha256: Some(claimdb::store::sha256_hex("The plane landed in Moscow.")),
            created_at,
        },
        OpKind::CreateClaim {
            claim: u(1),
            text: "The plane landed in Moscow".into(),
            speaker: Some(claimdb::ops::source_id("Anatoly Antonov")),
            said_on: NaiveDate::from_ymd_opt(2021, 3, 21),
            tags: vec!["aviation".into()],
            created_at,
            created_by: PUSH_MEMBER.into(),
        },
        OpKind::SetClaim {
            claim: u(1),
            set: ClaimField::Text("The plane landed".into()),
            prev: ClaimField::Text("The plane landed in Moscow".into()),
            prev_op: Some(u(100)),
            resolves: vec![u(101)],
        },
        OpKind::SetClaim {
            claim: u(1),
            set: ClaimField::SaidOn(None),
            prev: ClaimField::SaidOn(NaiveDate::from_ymd_opt(2021, 3, 21)),
            prev_op: None,
            resolves: Vec::new(),
        },
        OpKind::SetClaim {
            claim: u(1),
            set: ClaimField::Speaker(None),
            prev: ClaimField::Speaker(Some(u(7))),
            prev_op: None,
            resolves: Vec::new(),
        },
        OpKind::SetClaim {
            claim: u(1),
            set: ClaimField::Deleted(true),
            prev: ClaimField::Deleted(false),
            prev_op: None,
            resolves: Vec::new(),
        },
        OpKind::SetTag {
            claim: u(1),
            tag: "İzmir".into(),
            present: true,
            prev: false,
        },
        OpKind::AddAppearance {
            appearance: u(2),
            claim: u(1),
            article: Some(claimdb::ops::article_id("https://news.example/a")),
            via: None,
            quote: Some("landed".into()),
            anchor: Some(Anchor {
                start: 10,
                end: 16,
                prefix: "The plane ".into(),
                suffix: " in Moscow.".into(),
            }),
            created_at,
        },
        OpKind::AddVerdict {
            verdict: u(3),
            claim: u(1),
            status: Status::MostlyTrue,
            note: Some("Flight records".into()),
            author: PUSH_MEMBER.into(),
            supersedes: vec![u(4)],
            created_at,
        },
        OpKind::AddEvidence {
            evidence: u(5),
            claim: u(1),
            url: Some("https://flights.example/1".into()),
            stance: Stance::Supports,
            note: None,
            created_at,
        },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Op {
            id: u(1000 + i as u128),
            hlc: Hlc::from_parts(PUSH_NOW_MS - 60_000, i as u16),
            replica: u(999),
            author: PUSH_MEMBER.into(),
            kind,
        })
        .collect()
}

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn wire_and_push(root: &Path) {
    let ops = ops();
    let wire = root.join("wire_decode");
    let push = root.join("server_push");
    let all = json(&PushRequest { ops: ops.clone() });
    write(&wire, "push-all-kinds.json", &all);
    write(&push, "push-all-kinds.json", &all);
    for (i, op) in ops.iter().enumerate() {
        let one = json(&PushRequest {
            ops: vec![op.clone()],
        });
        write(&wire, &format!("op-{i:02}.json"), &json(op));
        write(&push, &format!("push-{i:02}.json"), &one);
    }
    // Duplicates, a reused id, the wrong author, a clock far ahead, and garbage ops.
    let mut reused = ops[3].clone();
    if let OpKind::CreateClaim { text, .. } = &mut reused.kind {
        *text = "Something else".into();
    }
    let mut stranger = ops[4].clone();
    stranger.id = u(2000);
    stranger.author = "mallory".into();
    let mut ahead = ops[5].clone();
    ahead.id = u(2001);
    ahead.hlc = Hlc::from_parts(PUSH_NOW_MS + 3_600_000, 0);
    let mut values: Vec<serde_json::Value> = [&ops[3], &ops[3], &reused, &stranger, &ahead]
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect();
    values.push(serde_json::json!({"id": u(2002), "hlc": 1}));
    values.push(serde_json::json!(42));
    write(
        &push,
        "push-mixed.json",
        &json(&PushRequest { ops: values }),
    );
    write(&push, "push-empty.json", br#"{"ops":[]}"#);

    let pull = PullResponse {
        ops: ops
            .iter()
            .enumerate()
            .map(|(i, op)| SequencedOp {
                seq: i as u64 + 1,
                op: op.clone(),
            })
            .collect(),
        head: ops.len() as u64,
    };
    write(&wire, "pull.json", &json(&pull));
    let resp = PushResponse {
        results: vec![
            OpResult {
                id: Some(u(1)),
                status: OpStatus::Accepted,
                seq: Some(1),
                code: None,
                message: None,
            },
            OpResult {
                id: None,
                status: OpStatus::Rejected,
                seq: None,
                code: Some("invalid_op".into()),
                message: Some("not a claimdb operation".into()),
            },
        ],
        head: 1,
    };
    write(&wire, "push-response.json", &json(&resp));
    let who = WhoAmI {
        workspace: "desk".into(),
        member: PUSH_MEMBER.into(),
        role: Role::Writer,
        protocol: 1,
    };
    write(&wire, "whoami.json", &json(&who));
    let err = ErrorBody {
        error: ErrorDetail {
            code: "unauthorized".into(),
            message: "the token is not valid".into(),
        },
    };
    write(&wire, "error.json", &json(&err));
    for (i, line) in SEED_RECORDS.lines().enumerate() {
        write(&wire, &format!("record-{i}.json"), line.as_bytes());
    }
}

fn exported(store: &Store, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    interchange::export(store, format, &ClaimReviewOptions::default(), &mut out).unwrap();
    out
}

fn import_seeds(root: &Path) {
    let dir = root.join("import");
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("s.db"), Some("ana")).unwrap();
    store
        .add_source(NewSource {
            name: "Anatoly Antonov".into(),
            kind: Some(SourceKind::Person),
            aliases: vec!["Antonov".into()],
            url: None,
        })
        .unwrap();
    store
        .add_article(NewArticle {
            url: Some("https://news.example/a".into()),
            title: Some("Landing".into()),
            outlet: Some("TASS".into()),
            published: Some("2021-03-21".into()),
            lang: Some("en".into()),
            text: Some("The plane landed in Moscow on Sunday. İzmir was next.".into()),
        })
        .unwrap();
    let c1 = store
        .add_claim(NewClaim {
            text: "The plane landed in Moscow".into(),
            speaker: Some("Antonov".into()),
            via: Some("TASS".into()),
            article: Some("https://news.example/a".into()),
            quote: Some("The plane landed in Moscow".into()),
            said_on: Some("2021-03-21".into()),
            tags: vec!["Aviation".into(), "Işık".into()],
            status: Some("verified".into()),
            note: Some("Flight records".into()),
            ..Default::default()
        })
        .unwrap();
    let c2 = store
        .add_claim(NewClaim {
            text: "İzmir was next".into(),
            ..Default::default()
        })
        .unwrap();
    store
        .mark(
            &c1.to_string(),
            "false",
            Some("Second look"),
            &["https://flights.example/2".into()],
        )
        .unwrap();
    store
        .add_evidence(
            &c2.to_string(),
            "https://maps.example",
            Some("context"),
            Some("a note"),
        )
        .unwrap();
    store.delete_claim(&c2.to_string()).unwrap();

    let json_export = exported(&store, Format::Json);
    let jsonl_export = exported(&store, Format::Jsonl);
    let csv_export = exported(&store, Format::Csv);
    let with = |sel: u8, body: &[u8]| {
        let mut v = vec![sel];
        v.extend_from_slice(body);
        v
    };
    write(&dir, "json-export", &with(b'0', &json_export));
    write(&dir, "jsonl-export", &with(b'1', &jsonl_export));
    write(&dir, "csv-export", &with(b'2', &csv_export));
    write(&dir, "json-export-seeded", &with(b'4', &json_export));
    write(
        &dir,
        "jsonl-seed-records-seeded",
        &with(b'5', SEED_RECORDS.as_bytes()),
    );
    write(
        &dir,
        "jsonl-seed-records",
        &with(b'1', SEED_RECORDS.as_bytes()),
    );
    write(&dir, "csv-export-seeded", &with(b'6', &csv_export));
    // Records that refer to what the seeded database holds.
    let refs = r#"{"type":"claim","id":"0190aaaa-0000-7000-8000-000000000001","text":"Antonov said it","speaker":"6a0f1c52-8a4c-5a55-9a43-0a6f3e7d2b10","said_on":null,"tags":["İzmir"," x "],"deleted":true,"created_at":"2021-03-22T00:00:00Z","created_by":"ben"}
{"type":"appearance","id":"0190aaaa-0000-7000-8000-000000000002","claim":"9d304f85-bd7f-4d88-8d76-3d9c6ba05e43","article":"8c2f3e74-ac6e-5c77-9c65-2c8b5a9f4d32","via":null,"quote":"İzmir","anchor":{"start":38,"end":43,"prefix":"on Sunday. ","suffix":" was next."},"created_at":"2021-03-22T00:00:01+03:00"}
{"type":"verdict","id":"0190aaaa-0000-7000-8000-000000000003","claim":"9d304f85-bd7f-4d88-8d76-3d9c6ba05e43","status":"false","note":null,"author":"ben","supersedes":["bf5261a7-df91-4faa-8f98-5fbe8dc27065"],"created_at":"2021-03-22T00:00:02.5Z"}
{"type":"evidence","id":"0190aaaa-0000-7000-8000-000000000004","claim":"0190aaaa-0000-7000-8000-000000000001","url":null,"stance":"refutes","note":"see the log","created_at":"2021-03-22T00:00:03Z"}
"#;
    write(&dir, "jsonl-refs-seeded", &with(b'5', refs.as_bytes()));
    let csv = "id,text,speaker,said_on,status,note,tags,via,article,quote,created_at,created_by,deleted\n\
        0190aaaa-0000-7000-8000-000000000010,Antonov again,Antonov,2021-03-23,false,wrong,a;b,TASS,https://news.example/a,Moscow,,,\n\
        ,No id here,New Person,,mostly-true,,,,,,,,1\n";
    write(&dir, "csv-refs-seeded", &with(b'6', csv.as_bytes()));
    write(
        &dir,
        "csv-text-only",
        &with(b'2', b"text\nhello\n\"multi\nline\"\n"),
    );
}

fn merge_seeds(root: &Path) {
    // Any bytes decode; a few pseudo-random inputs of different lengths to start from.
    let dir = root.join("merge");
    let mut state: u64 = 0x1234_5678_9abc_def1;
    for (i, len) in [64usize, 128, 256, 512, 1024, 2048].into_iter().enumerate() {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        write(&dir, &format!("random-{i}"), &bytes);
    }
}

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| "seeds".into());
    let root = Path::new(&root);
    wire_and_push(root);
    import_seeds(root);
    merge_seeds(root);
}
