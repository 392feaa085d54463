//! HTTPS: `claimdb serve` with a team's own certificate, and a client that trusts the team's
//! CA with `--ca-cert` (and refuses the server without it).

mod common;

use common::Env;
use common::contract::{Claims, SyncSummary};
use common::server::Server;

/// A CA, and a certificate for 127.0.0.1 signed by it; returns (ca, cert, key) PEM paths.
fn team_pki(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Fact Desk CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[test]
fn sync_over_https_with_the_teams_own_ca() {
    let pki = tempfile::tempdir().unwrap();
    let (ca, cert, key) = team_pki(pki.path());
    let data = tempfile::tempdir().unwrap();
    Server::workspace(data.path(), "desk");
    let server = Server::start_with(
        data.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let url = format!("{}/desk", server.url);

    let token = Server::member(data.path(), "desk", "alice", "writer");
    let alice = Env::as_user("alice");
    alice.ok(&[
        "remote",
        "add",
        "origin",
        &url,
        "--token",
        &token,
        "--ca-cert",
        ca.to_str().unwrap(),
    ]);
    alice.ok(&["claim", "add", "Sent over TLS 🔒"]);
    let s: SyncSummary = alice.typed(&["sync"]);
    assert_eq!(s.pushed, 1);

    // Without the team's CA the server is not trusted, and nothing changes locally:
    // `remote add` with the token says so at once, and so does a pull.
    let token = Server::member(data.path(), "desk", "bob", "reader");
    let bob = Env::as_user("bob");
    let err = bob.fails(5, &["remote", "add", "origin", &url, "--token", &token]);
    assert!(err.contains("--ca-cert"), "{err}");
    assert_eq!(
        bob.json(&["remote", "list"])["remotes"],
        serde_json::json!([])
    );
    bob.ok(&["remote", "add", "origin", &url]);
    let before = bob.snapshot();
    let out = bob
        .cmd()
        .env("CLAIMDB_TOKEN", &token)
        .env("CLAIMDB_HTTP_TIMEOUT", "5")
        .args(["pull"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert_eq!(bob.snapshot(), before);
    // Trusting it fixes that.
    bob.ok(&["remote", "remove", "origin"]);
    bob.ok(&[
        "remote",
        "add",
        "origin",
        &url,
        "--token",
        &token,
        "--ca-cert",
        ca.to_str().unwrap(),
    ]);
    bob.ok(&["pull"]);
    assert_eq!(bob.typed::<Claims>(&["claim", "list"]).claims.len(), 1);
    // A CA file that is not a certificate is a clear error.
    let junk = pki.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let carol = Env::as_user("carol");
    carol.ok(&[
        "remote",
        "add",
        "origin",
        &url,
        "--ca-cert",
        junk.to_str().unwrap(),
    ]);
    let err = carol.fails(2, &["pull"]);
    assert!(err.contains("junk.pem"), "{err}");
}
