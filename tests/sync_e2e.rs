//! Team sync end to end: the real `claimdb serve` on 127.0.0.1 port 0 and members as separate
//! CLI databases, working offline, disagreeing, and converging.

mod common;

use std::path::Path;

use common::Env;
use common::contract::{Claim, Claims, Conflicts, SyncSummary};
use common::server::Server;

fn canonical(env: &Env) -> String {
    env.ok(&["export", "--format", "jsonl"])
}

fn team_works_offline_and_converges(text: &Path, claims: &Path) {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let alice = server.join("alice", "writer");
    let bob = server.join("bob", "writer");
    let url = "https://news.example/seed-article";
    let annotations = common::annotations(claims);

    // Both add the same article while offline: its id comes from the URL, so it is one article.
    for env in [&alice, &bob] {
        env.ok(&[
            "article",
            "add",
            url,
            "--text-file",
            text.to_str().unwrap(),
            "--lang",
            "en",
        ]);
    }
    // Alice logs the first half of the claims, Bob the rest, each offline.
    let half = annotations.len() / 2;
    for (i, a) in annotations.iter().enumerate() {
        let env = if i < half { &alice } else { &bob };
        env.add_annotated(url, a);
    }
    let s: SyncSummary = alice.typed(&["sync"]);
    assert!(s.pushed > 0);
    let s: SyncSummary = bob.typed(&["sync"]);
    assert!(s.pushed > 0 && s.pulled > 0);
    alice.ok(&["sync"]);
    let n = annotations.len();
    assert_eq!(alice.typed::<Claims>(&["claim", "list"]).claims.len(), n);
    assert_eq!(bob.typed::<Claims>(&["claim", "list"]).claims.len(), n);

    // Offline again: both edit and mark the same claim differently.
    let target = alice.claim_id(&annotations[0].text);
    alice.ok(&["claim", "edit", &target, "--text", "Edited by Alice"]);
    bob.ok(&["claim", "edit", &target, "--text", "Edited by Bob"]);
    alice.ok(&["mark", &target, "verified", "--note", "Two sources agree"]);
    bob.ok(&[
        "mark",
        &target,
        "false",
        "--note",
        "The transcript says otherwise",
    ]);
    // Bob also edits another field, which does not conflict.
    bob.ok(&["claim", "edit", &target, "--said-on", "2021-03-20"]);
    alice.ok(&["sync"]);
    bob.ok(&["sync"]);
    let s: SyncSummary = alice.typed(&["sync"]);
    assert!(s.conflicts >= 2, "a dispute and a field conflict: {s:?}");

    for env in [&alice, &bob] {
        let c: Claim = env.typed(&["claim", "show", &target]);
        assert_eq!(c.status, "disputed");
        let current: Vec<(&str, &str)> = c
            .verdicts
            .iter()
            .filter(|v| v.current)
            .map(|v| (v.author.as_str(), v.status.as_str()))
            .collect();
        assert_eq!(current.len(), 2);
        assert!(current.contains(&("alice", "verified")) && current.contains(&("bob", "false")));
        assert_eq!(c.said_on.as_deref(), Some("2021-03-20"));
        // One text won, deterministically, and the other is kept as a conflict.
        assert_eq!(c.conflicts.len(), 1);
        let f = &c.conflicts[0];
        assert_eq!(f.field, "text");
        assert_eq!(f.winner.value, c.text);
        assert_eq!(f.losers.len(), 1);
        let mut both = [
            f.winner.value.as_str().unwrap(),
            f.losers[0].value.as_str().unwrap(),
        ];
        both.sort();
        assert_eq!(both, ["Edited by Alice", "Edited by Bob"]);
        let listed: Conflicts = env.typed(&["conflicts"]);
        assert_eq!(listed.disputed.len(), 1);
        assert_eq!(listed.disputed[0].disputed.len(), 2);
        assert_eq!(listed.fields.len(), 1);
        let human = env.ok(&["claim", "list", "--status", "disputed"]);
        assert!(
            human.contains("verified by alice") && human.contains("false by bob"),
            "{human}"
        );
    }
    assert_eq!(
        alice.typed::<Claim>(&["claim", "show", &target]).text,
        bob.typed::<Claim>(&["claim", "show", &target]).text
    );

    // A third member joins later and pulls everything.
    let carol = server.join("carol", "reader");
    let s: SyncSummary = carol.typed(&["pull"]);
    assert!(s.pulled > n as u64);
    assert_eq!(canonical(&alice), canonical(&bob));
    assert_eq!(canonical(&alice), canonical(&carol));

    // Editing the field again, having seen both values, settles the concurrent edit.
    let human = bob.ok(&["claim", "show", &target]);
    assert!(human.contains("concurrent edits"), "{human}");
    bob.ok(&["claim", "edit", &target, "--text", "Agreed wording"]);
    bob.ok(&["sync"]);
    alice.ok(&["sync"]);
    for env in [&alice, &bob] {
        let c: Claim = env.typed(&["claim", "show", &target]);
        assert_eq!(c.text, "Agreed wording");
        assert!(c.conflicts.is_empty(), "{:?}", c.conflicts);
        assert!(env.typed::<Conflicts>(&["conflicts"]).fields.is_empty());
    }

    // Recording a verdict settles the dispute everywhere.
    bob.ok(&["mark", &target, "mixed", "--note", "Both have a point"]);
    bob.ok(&["sync"]);
    alice.ok(&["sync"]);
    carol.ok(&["pull"]);
    for env in [&alice, &bob, &carol] {
        assert_eq!(
            env.typed::<Claim>(&["claim", "show", &target]).status,
            "mixed"
        );
    }
    assert_eq!(canonical(&alice), canonical(&carol));
    // Nothing left to move: an idle sync reports nothing.
    let s: SyncSummary = alice.typed(&["sync"]);
    assert_eq!((s.pushed, s.pulled), (0, 0));
}

#[test]
fn team_converges_on_own_fixture() {
    team_works_offline_and_converges(
        &common::fixture("bosphorus-report.txt"),
        &common::fixture("bosphorus-claims.json"),
    );
}

#[test]
#[ignore = "needs CLAIMDB_CORPUS"]
fn team_converges_on_the_seed_article() {
    let dir = common::corpus();
    team_works_offline_and_converges(
        &dir.join("antonov-consultations.txt"),
        &dir.join("antonov-consultations.claims.json"),
    );
}

#[test]
fn remote_status_and_tokens_never_printed() {
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start(data.path());
    let token = Server::member(data.path(), "desk", "dana", "writer");
    let dana = Env::as_user("dana");
    let out = dana.ok(&[
        "remote",
        "add",
        "origin",
        &format!("{}/desk", server.url),
        "--token",
        &token,
    ]);
    assert!(!out.contains(&token));
    let creds = dana.path("credentials.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(std::fs::read_to_string(&creds).unwrap().contains(&token));
    let list = dana.ok(&["remote", "list"]);
    let json = dana.ok(&["--json", "remote", "list"]);
    assert!(!list.contains(&token) && !json.contains(&token));
    dana.ok(&["claim", "add", "Unpushed claim"]);
    let status: serde_json::Value = dana.json(&["remote", "status"]);
    assert_eq!(status["remotes"][0]["unpushed"], 1);
    assert_eq!(status["remotes"][0]["cursor"], 0);
    dana.ok(&["push"]);
    let status: serde_json::Value = dana.json(&["remote", "status", "origin"]);
    assert_eq!(status["remotes"][0]["unpushed"], 0);
    assert!(status["remotes"][0]["last_sync"].is_string());
    // The token can also come from the environment.
    let erin_token = Server::member(data.path(), "desk", "erin", "writer");
    let erin = Env::as_user("erin");
    erin.ok(&["remote", "add", "origin", &format!("{}/desk", server.url)]);
    let out = erin
        .cmd()
        .env("CLAIMDB_TOKEN", &erin_token)
        .args(["--json", "pull"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(erin.typed::<Claims>(&["claim", "list"]).claims.len(), 1);
}
