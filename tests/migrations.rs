//! Schema migrations: they validate, and a database left at an older version is upgraded
//! when opened, keeping its data.

use claimdb::Store;
use claimdb::store::{NewClaim, migrate, migrations};

#[test]
fn migrations_validate() {
    migrations().validate().expect("migrations are valid");
}

#[test]
fn a_version_1_database_is_upgraded_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A database as version 1 left it: no search index yet.
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate(&mut conn, &path, Some(1)).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        conn.execute_batch(
            "INSERT INTO meta VALUES ('replica_id', '5d7c3a52-0000-4000-8000-000000000001'), ('user', 'old');
             INSERT INTO sources VALUES ('6d7c3a52-0000-4000-8000-000000000002', 'Песков', 'person', NULL, '2021-03-21T00:00:00+00:00');
             INSERT INTO source_names VALUES ('6d7c3a52-0000-4000-8000-000000000002', 'Песков', 'песков', 0);
             INSERT INTO claims (id, text, speaker_id, created_at, created_by)
               VALUES ('7d7c3a52-0000-4000-8000-000000000003', 'The statement shows unwillingness to improve relations',
                       '6d7c3a52-0000-4000-8000-000000000002', '2021-03-21T00:00:00+00:00', 'old');",
        )
        .unwrap();
        let fts: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'claim_fts'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(fts, 0);
    }
    let mut store = Store::open(&path, None).unwrap();
    assert!(!store.created());
    assert_eq!(store.author(), Some("old"));
    let v: i64 = store
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v as usize, claimdb::store::SCHEMA_VERSION);
    // The old claim was indexed by the upgrade, by its text and by its speaker's name.
    let hits = store.search("unwillingness", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(store.search("ПЕСКОВ", 10).unwrap().len(), 1);
    // And the upgraded database takes new writes.
    store
        .add_claim(NewClaim {
            text: "A new claim".into(),
            speaker: Some("песков".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(store.search("песков", 10).unwrap().len(), 2);
}
