//! The platform's storage guarantees, on PostgreSQL and on SQLite: migrations, the journal
//! written in the write's transaction, keyset page tokens, etags and request ids. A small
//! `notes` resource stands in for a service's own table.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use engage_platform::journal::{
    AuditEntry, AuditTrailQuery, Event, FieldChange, Journal, RequestId, TrailOrder, audit_trail,
    json_to_value, schema,
};
use engage_platform::paging::{Page, PageLimits};
use engage_platform::resource::{check_etag, etag, new_id, now_micros};
use engage_platform::storage::{Database, DatabaseOptions, Migrations, migrate};
use engage_platform::testkit::{TestBackend, TestDatabase};
use engage_platform::{
    Caller, Error, Role, idempotent_write, on_both_databases, with_connection, write_transaction,
};

static NOTE_MIGRATIONS: Migrations = Migrations {
    postgres: diesel_migrations::embed_migrations!("tests/migrations/postgres"),
    sqlite: diesel_migrations::embed_migrations!("tests/migrations/sqlite"),
};

diesel::table! {
    notes (id) {
        id -> Text,
        topic -> Text,
        body -> Text,
        revision -> BigInt,
        create_time -> BigInt,
    }
}

#[derive(Clone, PartialEq, prost::Message, Queryable, Selectable, Insertable)]
#[diesel(table_name = notes)]
struct Note {
    #[prost(string, tag = "1")]
    id: String,
    #[prost(string, tag = "2")]
    topic: String,
    #[prost(string, tag = "3")]
    body: String,
    #[prost(int64, tag = "4")]
    revision: i64,
    #[prost(int64, tag = "5")]
    create_time: i64,
}

const CREATE: &str = "/engage.test.v1.NoteService/CreateNote";
const UPDATE: &str = "/engage.test.v1.NoteService/UpdateNote";

fn officer() -> Caller {
    Caller::new("officer-1", &[Role::CsuOfficer])
}

fn note_event(note: &Note, event_type: &str) -> Event {
    Event {
        event_type: event_type.into(),
        resource_name: format!("notes/{}", note.id),
        resource_type: "engage.test.v1.Note".into(),
        payload: prost::Message::encode_to_vec(note),
        attributes: serde_json::json!({ "topic": note.topic }),
    }
}

/// A create the way a service writes one: the row, its event, its audit entry, and the
/// response for its request id, all in one transaction.
async fn create_note(
    db: &Database,
    topic: &str,
    body: &str,
    request_id: &str,
) -> Result<Note, Error> {
    let request = Note {
        id: String::new(),
        topic: topic.into(),
        body: body.into(),
        revision: 0,
        create_time: 0,
    };
    let rid = RequestId::parse(request_id, &request)?;
    idempotent_write!(db, CREATE, &rid, |conn| {
        let note = Note {
            id: new_id(),
            revision: 1,
            create_time: now_micros(),
            ..request.clone()
        };
        diesel::insert_into(notes::table)
            .values(&note)
            .execute(conn)
            .await?;
        conn.append_event(&officer(), note_event(&note, "note.created"))
            .await?;
        let mut audit = AuditEntry::new(
            &officer(),
            CREATE,
            "created",
            &format!("notes/{}", note.id),
            vec![
                FieldChange::set("topic", serde_json::json!(note.topic)),
                FieldChange::set("body", serde_json::json!(note.body)),
            ],
        );
        audit.request_id = rid.as_ref().map(|r| r.as_str().to_owned());
        conn.append_audit(audit).await?;
        Ok::<_, Error>(note)
    })
}

/// An update checked against the etag the client read, conditional on the revision in the
/// database so that a concurrent writer cannot slip in between check and write.
async fn update_note(db: &Database, id: &str, body: &str, sent_etag: &str) -> Result<Note, Error> {
    write_transaction!(db, |conn| {
        let current: Note = notes::table
            .find(id)
            .select(Note::as_select())
            .first(conn)
            .await?;
        check_etag(sent_etag, current.revision, &format!("notes/{id}"))?;
        let updated = diesel::update(
            notes::table
                .find(id)
                .filter(notes::revision.eq(current.revision)),
        )
        .set((
            notes::body.eq(body),
            notes::revision.eq(current.revision + 1),
        ))
        .execute(conn)
        .await?;
        if updated == 0 {
            return Err(Error::StaleEtag {
                resource: format!("notes/{id}"),
            });
        }
        let change = FieldChange::new(
            "body",
            serde_json::json!(current.body),
            serde_json::json!(body),
        );
        let note = Note {
            body: body.into(),
            revision: current.revision + 1,
            ..current
        };
        conn.append_event(&officer(), note_event(&note, "note.updated"))
            .await?;
        conn.append_audit(AuditEntry::new(
            &officer(),
            UPDATE,
            "updated",
            &format!("notes/{id}"),
            vec![change],
        ))
        .await?;
        Ok::<_, Error>(note)
    })
}

/// A List the way a service pages: keyset on (body, id), the token bound to the query.
async fn list_notes(
    db: &Database,
    topic: &str,
    page_size: i32,
    token: &str,
) -> Result<(Vec<Note>, String), Error> {
    let page = Page::<(String, String)>::parse(
        "ListNotes",
        page_size,
        token,
        &[topic, "body"],
        PageLimits::default(),
    )?;
    let mut rows: Vec<Note> = with_connection!(db, |conn| {
        let mut query = notes::table
            .filter(notes::topic.eq(topic))
            .select(Note::as_select())
            .into_boxed();
        if let Some((body, id)) = &page.after {
            query = query.filter(
                notes::body
                    .gt(body.clone())
                    .or(notes::body.eq(body.clone()).and(notes::id.gt(id.clone()))),
            );
        }
        query
            .order((notes::body.asc(), notes::id.asc()))
            .limit(page.fetch_limit())
            .load(conn)
            .await?
    });
    let next = page.finish(&mut rows, |n| (n.body.clone(), n.id.clone()));
    Ok((rows, next))
}

async fn counts(db: &Database) -> (i64, i64, i64) {
    let result: Result<_, Error> = async {
        Ok(with_connection!(db, |conn| {
            let n = notes::table.count().get_result::<i64>(conn).await?;
            let e = schema::outbox_events::table
                .count()
                .get_result::<i64>(conn)
                .await?;
            let a = schema::audit_entries::table
                .count()
                .get_result::<i64>(conn)
                .await?;
            (n, e, a)
        }))
    }
    .await;
    result.expect("counting rows")
}

async fn migrated(backend: TestBackend) -> (TestDatabase, Database) {
    TestDatabase::migrated(backend, &NOTE_MIGRATIONS).await
}

async fn migrations_applied_twice_are_a_no_op(backend: TestBackend) {
    let db = TestDatabase::create(backend).await;
    let first = migrate(&db.url, &NOTE_MIGRATIONS)
        .await
        .expect("first migration");
    let platform = match backend {
        TestBackend::Postgres => 3,
        TestBackend::Sqlite => 2,
    };
    assert_eq!(
        first.len(),
        platform + 1,
        "platform and notes migrations applied: {first:?}"
    );
    let second = migrate(&db.url, &NOTE_MIGRATIONS)
        .await
        .expect("second migration");
    assert!(
        second.is_empty(),
        "nothing applied the second time: {second:?}"
    );
    let pool = db.open().await;
    let note = create_note(&pool, "t", "still works", "")
        .await
        .expect("tables usable");
    assert_eq!(note.revision, 1);
}

async fn a_write_and_its_journal_commit_or_roll_back_together(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    let note = create_note(&pool, "t", "kept", "").await.expect("create");
    assert_eq!(counts(&pool).await, (1, 1, 1));

    let failed: Result<(), Error> = write_transaction!(pool, |conn| {
        let doomed = Note {
            id: new_id(),
            body: "doomed".into(),
            ..note.clone()
        };
        diesel::insert_into(notes::table)
            .values(&doomed)
            .execute(conn)
            .await?;
        conn.append_event(&officer(), note_event(&doomed, "note.created"))
            .await?;
        conn.append_audit(AuditEntry::new(
            &officer(),
            CREATE,
            "created",
            "notes/doomed",
            vec![],
        ))
        .await?;
        Err(Error::FailedPrecondition {
            reason: "TEST",
            message: "fails after writing".into(),
        })
    });
    assert!(failed.is_err());
    assert_eq!(
        counts(&pool).await,
        (1, 1, 1),
        "nothing of the failed write remains"
    );

    let events: Result<_, Error> = async {
        Ok(with_connection!(pool, |conn| conn
            .events_after(0, 10)
            .await?))
    }
    .await;
    let events = events.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].resource_name, format!("notes/{}", note.id));
    assert_eq!(events[0].actor, "officer-1");
    let decoded: Note =
        prost::Message::decode(events[0].payload.as_slice()).expect("payload decodes");
    assert_eq!(decoded, note);
}

async fn events_are_numbered_in_commit_order(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            create_note(&pool, "t", &format!("n{i:02}"), "").await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("create");
    }
    let events: Result<_, Error> = async {
        Ok(with_connection!(pool, |conn| conn
            .events_after(0, 100)
            .await?))
    }
    .await;
    let events = events.expect("events");
    assert_eq!(events.len(), 20);
    assert!(events.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let after: Result<_, Error> = async {
        Ok(with_connection!(pool, |conn| conn
            .events_after(events[9].sequence, 100)
            .await?))
    }
    .await;
    assert_eq!(
        after.expect("events").len(),
        10,
        "resuming after the tenth returns the other ten"
    );
}

/// A relay reads "events after N", so an event committed after another must carry a higher
/// number even when it was written first, and a write still open must not hold up others'
/// commits (ADR 0020). SQLite has one writer at a time, so this is PostgreSQL's alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_commit_gets_a_higher_number_and_waits_for_no_open_write() {
    let (_db, pool) = migrated(TestBackend::Postgres).await;
    let (written, write_begun) = tokio::sync::oneshot::channel::<()>();
    let (commit, may_commit) = tokio::sync::oneshot::channel::<()>();
    let slow_pool = pool.clone();
    let slow = tokio::spawn(async move {
        write_transaction!(slow_pool, |conn| {
            let note = Note {
                id: new_id(),
                topic: "t".into(),
                body: "written first, committed last".into(),
                revision: 1,
                create_time: now_micros(),
            };
            diesel::insert_into(notes::table)
                .values(&note)
                .execute(conn)
                .await?;
            conn.append_event(&officer(), note_event(&note, "note.created"))
                .await?;
            let _ = written.send(());
            let _ = may_commit.await;
            Ok::<_, Error>(note)
        })
    });
    write_begun.await.expect("the first write began");
    let quick = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        create_note(&pool, "t", "written second, committed first", ""),
    )
    .await
    .expect("an open write does not hold up another's commit")
    .expect("create");

    let read = |after: i64| {
        let pool = pool.clone();
        async move {
            let events: Result<_, Error> = async {
                Ok(with_connection!(pool, |conn| conn
                    .events_after(after, 100)
                    .await?))
            }
            .await;
            events.expect("events")
        }
    };
    let committed = read(0).await;
    assert_eq!(committed.len(), 1, "only the committed write is visible");
    assert_eq!(committed[0].resource_name, format!("notes/{}", quick.id));

    commit.send(()).expect("the first write waits");
    let slow = slow.await.expect("task").expect("the first write commits");
    let later = read(committed[0].sequence).await;
    assert_eq!(
        later.len(),
        1,
        "the later commit is found after the earlier one's number"
    );
    assert_eq!(later[0].resource_name, format!("notes/{}", slow.id));
}

#[derive(QueryableByName)]
struct BackendPid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The PostgreSQL backend serving a call from `pool`.
async fn backend_pid(pool: &Database) -> Result<i32, Error> {
    Ok(with_connection!(pool, |conn| {
        diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<BackendPid>(conn)
            .await?
            .pid
    }))
}

/// A pooled connection is handed out again without a test query (ADR 0002). One the server
/// has ended (a restart, a terminated backend) fails with UNAVAILABLE, which callers retry,
/// until the client has seen the connection close, and is then replaced: never INTERNAL.
#[tokio::test]
async fn a_connection_the_server_ended_is_replaced_and_never_internal() {
    let (db, _) = migrated(TestBackend::Postgres).await;
    let mut options = DatabaseOptions::new(db.url.clone());
    options.max_connections = 1;
    let pool = Database::open(&options).await.expect("pool");
    let ended = backend_pid(&pool).await.expect("first call");
    let admin = Database::open(&DatabaseOptions::new(db.url.clone()))
        .await
        .expect("admin pool");
    let terminated: Result<_, Error> = async {
        Ok(with_connection!(admin, |conn| {
            diesel::sql_query(format!("SELECT pg_terminate_backend({ended})"))
                .execute(conn)
                .await?
        }))
    }
    .await;
    terminated.expect("terminating the pooled connection's backend");
    let mut replaced = None;
    for _ in 0..20 {
        match backend_pid(&pool).await {
            Ok(fresh) => {
                replaced = Some(fresh);
                break;
            }
            Err(e) => assert_eq!(e.code(), tonic::Code::Unavailable, "{e:?}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let replaced = replaced.expect("the ended connection is replaced within a second");
    assert_ne!(replaced, ended, "the ended connection was handed out");
}

async fn a_page_token_belongs_to_its_query(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    for body in ["e", "a", "d", "b", "c"] {
        create_note(&pool, "alpha", body, "").await.expect("create");
    }
    create_note(&pool, "beta", "z", "").await.expect("create");

    let (first, token) = list_notes(&pool, "alpha", 2, "").await.expect("page 1");
    assert_eq!(
        first.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(!token.is_empty());

    let refused = list_notes(&pool, "beta", 2, &token)
        .await
        .expect_err("token of another query");
    let status: tonic::Status = refused.into();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);

    // A note inserted before the cursor between pages neither repeats nor shifts the rest.
    create_note(&pool, "alpha", "aa", "").await.expect("create");
    let (second, token) = list_notes(&pool, "alpha", 2, &token).await.expect("page 2");
    assert_eq!(
        second.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(),
        ["c", "d"]
    );
    let (third, token) = list_notes(&pool, "alpha", 2, &token).await.expect("page 3");
    assert_eq!(
        third.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(),
        ["e"]
    );
    assert!(token.is_empty(), "the last page has no next token");
}

async fn a_stale_etag_is_aborted(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    let note = create_note(&pool, "t", "v1", "").await.expect("create");
    let read_etag = etag(note.revision);
    let updated = update_note(&pool, &note.id, "v2", &read_etag)
        .await
        .expect("update with fresh etag");
    assert_eq!(updated.revision, 2);

    let stale = update_note(&pool, &note.id, "v3", &read_etag)
        .await
        .expect_err("stale etag");
    let status: tonic::Status = stale.into();
    assert_eq!(status.code(), tonic::Code::Aborted);

    let (rows, _) = list_notes(&pool, "t", 10, "").await.expect("list");
    assert_eq!(rows[0].body, "v2", "the refused update changed nothing");
    assert_eq!(
        counts(&pool).await,
        (1, 2, 2),
        "no event or audit entry for the refused update"
    );

    let trail: Result<_, Error> = async {
        Ok(with_connection!(pool, |conn| conn
            .audit_of(&format!("notes/{}", note.id))
            .await?))
    }
    .await;
    let trail: Vec<_> = trail
        .expect("audit trail")
        .iter()
        .map(AuditEntry::to_proto)
        .collect();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["created", "updated"]);
    let change = &trail[1].changes[0];
    assert_eq!(change.path, "body");
    assert_eq!(
        change.old_value,
        Some(json_to_value(serde_json::json!("v1")))
    );
    assert_eq!(
        change.new_value,
        Some(json_to_value(serde_json::json!("v2")))
    );
    assert_eq!(
        trail[1].actor.as_ref().map(|a| a.subject.as_str()),
        Some("officer-1")
    );
}

async fn a_repeated_request_id_returns_the_first_result(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    let rid = uuid::Uuid::now_v7().to_string();
    let first = create_note(&pool, "t", "once", &rid).await.expect("first");
    let again = create_note(&pool, "t", "once", &rid).await.expect("retry");
    assert_eq!(first, again);
    assert_eq!(counts(&pool).await, (1, 1, 1), "the retry wrote nothing");

    let misuse = create_note(&pool, "t", "something else", &rid)
        .await
        .expect_err("reuse");
    assert_eq!(
        tonic::Status::from(misuse).code(),
        tonic::Code::InvalidArgument
    );

    let bad = create_note(&pool, "t", "x", "not-a-uuid")
        .await
        .expect_err("bad id");
    assert_eq!(
        tonic::Status::from(bad).code(),
        tonic::Code::InvalidArgument
    );
    assert_eq!(counts(&pool).await, (1, 1, 1));
}

async fn concurrent_retries_write_once(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    let rid = uuid::Uuid::now_v7().to_string();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (pool, rid) = (pool.clone(), rid.clone());
        tasks.push(tokio::spawn(async move {
            create_note(&pool, "t", "racing", &rid).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(
            t.await
                .expect("task")
                .expect("every racer gets the note")
                .id,
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "all racers got the same note");
    assert_eq!(counts(&pool).await, (1, 1, 1));
}

/// A bulk write (an import) appends its events and audit entries in a few statements; they
/// are numbered in the order given and roll back with the write.
async fn bulk_appends_keep_their_order_and_roll_back_together(backend: TestBackend) {
    let (_db, pool) = migrated(backend).await;
    let caller = officer();
    let notes: Vec<Note> = (0..1_500)
        .map(|i| Note {
            id: new_id(),
            topic: "bulk".into(),
            body: format!("n{i:04}"),
            revision: 1,
            create_time: now_micros(),
        })
        .collect();
    let entries = |notes: &[Note]| -> (Vec<Event>, Vec<AuditEntry>) {
        let events = notes
            .iter()
            .map(|n| note_event(n, "note.created"))
            .collect();
        let audits = notes
            .iter()
            .map(|n| {
                AuditEntry::new(
                    &caller,
                    CREATE,
                    "created",
                    &format!("notes/{}", n.id),
                    vec![FieldChange::set("body", serde_json::json!(n.body))],
                )
            })
            .collect();
        (events, audits)
    };

    let refused: Result<(), Error> = write_transaction!(pool, |conn| {
        let (events, audits) = entries(&notes[..10]);
        conn.append_events(&caller, events).await?;
        conn.append_audits(audits).await?;
        Err(Error::Internal("rolled back on purpose".into()))
    });
    assert!(refused.is_err());
    assert_eq!(counts(&pool).await, (0, 0, 0));

    let written: Result<(), Error> = write_transaction!(pool, |conn| {
        let (events, audits) = entries(&notes);
        conn.append_events(&caller, events).await?;
        conn.append_audits(audits).await?;
        conn.append_events(&caller, Vec::new()).await?;
        conn.append_audits(Vec::new()).await
    });
    written.expect("bulk append");
    assert_eq!(counts(&pool).await, (0, 1_500, 1_500));
    let events: Result<_, Error> = async {
        Ok(with_connection!(pool, |conn| conn
            .events_after(0, 2_000)
            .await?))
    }
    .await;
    let names: Vec<String> = events
        .expect("events")
        .into_iter()
        .map(|e| e.resource_name)
        .collect();
    let expected: Vec<String> = notes.iter().map(|n| format!("notes/{}", n.id)).collect();
    assert_eq!(names, expected);
}

async fn an_audit_trail_lists_a_resource_and_its_children_by_page(backend: TestBackend) {
    let (_guard, pool) = migrated(backend).await;
    // Times set by hand, one second apart, so the order is known.
    let entry = |second: i64, actor: &str, method: &str, resource: &str| {
        let mut entry = AuditEntry::new(
            &Caller::new(actor, &[Role::CsuOfficer]),
            method,
            "updated",
            resource,
            vec![],
        );
        entry.occur_time = 1_800_000_000_000_000 + second * 1_000_000;
        entry
    };
    let entries = vec![
        entry(1, "ana", CREATE, "notes/a_1"),
        entry(2, "ben", UPDATE, "notes/a_1/parts/p"),
        entry(3, "ana", UPDATE, "notes/a_1"),
        entry(4, "ana", UPDATE, "notes/ab1/parts/q"),
        entry(5, "cai", UPDATE, "notes/a_1"),
    ];
    let appended: Result<(), Error> =
        write_transaction!(pool, |conn| conn.append_audits(entries).await);
    appended.expect("append");

    let trail = |include_children: bool, filter: &'static str, order: TrailOrder| {
        let pool = pool.clone();
        async move {
            let mut seconds = Vec::new();
            let mut token = String::new();
            loop {
                let page = audit_trail(
                    &pool,
                    AuditTrailQuery {
                        resource: "notes/a_1",
                        include_children,
                        filter,
                        page_size: 2,
                        page_token: &token,
                        limits: PageLimits::default(),
                        order,
                    },
                )
                .await?;
                seconds.extend(
                    page.entries
                        .iter()
                        .map(|e| e.time.as_ref().map_or(0, |t| t.seconds - 1_800_000_000)),
                );
                if page.next_page_token.is_empty() {
                    return Ok::<_, Error>(seconds);
                }
                token = page.next_page_token;
            }
        }
    };
    use TrailOrder::{NewestFirst, OldestFirst};
    assert_eq!(trail(false, "", NewestFirst).await.unwrap(), [5, 3, 1]);
    assert_eq!(trail(true, "", OldestFirst).await.unwrap(), [1, 2, 3, 5]);
    let method = "method = \"engage.test.v1.NoteService/UpdateNote\"";
    assert_eq!(trail(true, method, NewestFirst).await.unwrap(), [5, 3, 2]);
    let people = "actor.subject = \"ben\" OR actor.subject = \"cai\"";
    assert_eq!(trail(true, people, NewestFirst).await.unwrap(), [5, 2]);
    let window = "time > \"2027-01-15T08:00:01Z\" AND time <= \"2027-01-15T08:00:03Z\"";
    assert_eq!(trail(true, window, OldestFirst).await.unwrap(), [2, 3]);
    let refused = trail(false, "method != \"x\"", NewestFirst)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
}

on_both_databases!(
    an_audit_trail_lists_a_resource_and_its_children_by_page,
    migrations_applied_twice_are_a_no_op,
    a_write_and_its_journal_commit_or_roll_back_together,
    events_are_numbered_in_commit_order,
    a_page_token_belongs_to_its_query,
    a_stale_etag_is_aborted,
    a_repeated_request_id_returns_the_first_result,
    concurrent_retries_write_once,
    bulk_appends_keep_their_order_and_roll_back_together,
);
