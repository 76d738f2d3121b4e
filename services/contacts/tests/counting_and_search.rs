//! A listing's total (exact up to 1,000) and search's cuts (whole words first, near spellings
//! after), on both databases: the count reads the records' state kept beside their terms, so
//! it must follow deletes, restores and merges; search must still find a misspelt word.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client, create_organization};

use engage_api::contacts::*;
use engage_api::types::Sector;
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};

/// Merges `merged` into `survivor` as previewed, keeping the survivor's values.
async fn merge(officer: &mut Client, survivor: &str, merged: &str) {
    let preview = officer
        .preview_organization_merge(PreviewOrganizationMergeRequest {
            survivor: survivor.into(),
            merged: merged.into(),
            field_choices: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    officer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.into(),
            survivor_etag: preview.survivor_etag,
            merged: merged.into(),
            merged_etag: preview.merged_etag,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("merge: {e:?}"));
}

fn organization(name: &str, country: &str, tags: &[&str]) -> Organization {
    Organization {
        display_name: name.into(),
        sector: Sector::Ngo as i32,
        country_code: country.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..Organization::default()
    }
}

/// The first page's total and every organisation of the listing, page by page.
async fn total_and_listed(
    client: &mut Client,
    filter: &str,
    show_deleted: bool,
    show_merged: bool,
) -> (i32, usize) {
    let mut token = String::new();
    let mut total = None;
    let mut listed = 0;
    loop {
        let page = client
            .list_organizations(ListOrganizationsRequest {
                filter: filter.into(),
                page_size: 2,
                page_token: token.clone(),
                show_deleted,
                show_merged,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("list {filter:?}: {e:?}"))
            .into_inner();
        total.get_or_insert(page.total_size);
        listed += page.organizations.len();
        if page.next_page_token.is_empty() {
            return (total.unwrap_or_default(), listed);
        }
        token = page.next_page_token;
    }
}

/// Asserts the total of each filter, and that it is the number of organisations listed.
async fn assert_totals(client: &mut Client, expected: &[(&str, bool, bool, i32)]) {
    for (filter, show_deleted, show_merged, total) in expected {
        let (counted, listed) = total_and_listed(client, filter, *show_deleted, *show_merged).await;
        assert_eq!(
            (counted, listed),
            (*total, usize::try_from(*total).unwrap()),
            "{filter:?} (deleted shown: {show_deleted}, merged shown: {show_merged})"
        );
    }
}

async fn total_size_stays_exact_through_deletes_restores_and_merges(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut kenyan = Vec::new();
    for (name, tags) in [
        ("Kamuti Legal Aid Centre", &["cop12"][..]),
        ("Nairobi Youth Network", &["cop12"][..]),
        ("Mombasa Women's Forum", &[][..]),
        ("Kisumu Integrity Trust", &["cop12", "donor"][..]),
    ] {
        kenyan.push(create_organization(&mut officer, organization(name, "KE", tags)).await);
    }
    create_organization(
        &mut officer,
        organization("Lagos Civic Union", "NG", &["cop12"]),
    )
    .await;
    // One term, two terms, and a term with a value list of one.
    let ke = "country_code = \"KE\"";
    let ke_cop = "country_code = \"KE\" AND tags:\"cop12\"";
    let ngo_cop = "sector = SECTOR_NGO AND tags:\"cop12\"";
    assert_totals(
        &mut officer,
        &[
            (ke, false, false, 4),
            (ke_cop, false, false, 3),
            (ngo_cop, false, false, 4),
        ],
    )
    .await;

    let deleted = officer
        .delete_organization(DeleteOrganizationRequest {
            name: kenyan[0].name.clone(),
            etag: kenyan[0].etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_totals(
        &mut officer,
        &[
            (ke, false, false, 3),
            (ke_cop, false, false, 2),
            (ke_cop, true, false, 3),
            (ngo_cop, false, false, 3),
        ],
    )
    .await;

    // Merging hides the merged organisation; the survivor takes its tags.
    merge(&mut officer, &kenyan[2].name, &kenyan[1].name).await;
    assert_totals(
        &mut officer,
        &[
            (ke, false, false, 2),
            (ke, false, true, 3),
            (ke, true, true, 4),
            (ke_cop, false, false, 2),
            (ke_cop, true, true, 4),
        ],
    )
    .await;

    officer
        .undelete_organization(UndeleteOrganizationRequest {
            name: deleted.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .unwrap();
    assert_totals(
        &mut officer,
        &[
            (ke, false, false, 3),
            (ke_cop, false, false, 3),
            (ngo_cop, false, false, 4),
        ],
    )
    .await;
}

/// Brings the database's statistics up to date, as autovacuum would.
async fn analyze(server: &TestServer) {
    let analyzed: Result<usize, engage_platform::Error> = async {
        Ok(engage_platform::with_connection!(server.database, |conn| {
            use diesel_async::RunQueryDsl;
            diesel::sql_query("ANALYZE").execute(conn).await?
        }))
    }
    .await;
    analyzed.expect("ANALYZE");
}

async fn first_total(client: &mut Client, filter: &str) -> i32 {
    client
        .list_organizations(ListOrganizationsRequest {
            filter: filter.into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("list {filter:?}: {e:?}"))
        .into_inner()
        .total_size
}

async fn a_total_is_exact_up_to_a_thousand_and_never_a_thousand_above(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut last = None;
    for i in 0..1_000 {
        last = Some(
            create_organization(
                &mut officer,
                organization(&format!("Partner {i:04}"), "FR", &["cop12"]),
            )
            .await,
        );
    }
    create_organization(&mut officer, organization("Partner Not Going", "FR", &[])).await;
    assert_eq!(first_total(&mut officer, "tags:\"cop12\"").await, 1_000);
    assert_eq!(
        first_total(&mut officer, "tags:\"cop12\" AND country_code = \"FR\"").await,
        1_000
    );
    // 1,001: an estimate on PostgreSQL, a count on SQLite, but never the bound or less.
    let above = [
        "",
        "sector = SECTOR_NGO",
        "sector = SECTOR_NGO AND country_code = \"FR\"",
    ];
    for filter in above {
        assert!(
            first_total(&mut officer, filter).await > 1_000,
            "{filter:?}"
        );
    }
    // With statistics of the rows as they are, the total of no term, one and two (the
    // planner's estimate on PostgreSQL, a count of the term rows on SQLite) is close to the
    // 1,001 there are.
    analyze(&server).await;
    for filter in above {
        let total = first_total(&mut officer, filter).await;
        assert!((1_001..=1_100).contains(&total), "{filter:?}: {total}");
    }

    let last = last.unwrap();
    officer
        .delete_organization(DeleteOrganizationRequest {
            name: last.name.clone(),
            etag: last.etag.clone(),
        })
        .await
        .unwrap();
    assert_eq!(first_total(&mut officer, "tags:\"cop12\"").await, 999);
    assert_eq!(
        first_total(&mut officer, "sector = SECTOR_NGO").await,
        1_000
    );
}

async fn search(client: &mut Client, query: &str) -> Vec<String> {
    client
        .search_organizations(SearchOrganizationsRequest {
            query: query.into(),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("search {query:?}: {e:?}"))
        .into_inner()
        .results
        .into_iter()
        .filter_map(|r| r.organization.map(|o| o.display_name))
        .collect()
}

async fn search_finds_whole_words_word_beginnings_and_near_spellings(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut kamuti = organization("Kamuti Transparency Network Nairobi", "KE", &[]);
    kamuti.website = "https://kamutinet.org".into();
    create_organization(&mut officer, kamuti).await;
    create_organization(
        &mut officer,
        organization("Transparency Alliance Lagos", "NG", &[]),
    )
    .await;
    create_organization(
        &mut officer,
        organization("Women's Association of Recife", "BR", &[]),
    )
    .await;
    let gone = create_organization(
        &mut officer,
        organization("Transparency Watch Kampala", "UG", &[]),
    )
    .await;
    officer
        .delete_organization(DeleteOrganizationRequest {
            name: gone.name.clone(),
            etag: gone.etag.clone(),
        })
        .await
        .unwrap();

    let mut whole_word = search(&mut officer, "transparency").await;
    whole_word.sort();
    assert_eq!(
        whole_word,
        [
            "Kamuti Transparency Network Nairobi",
            "Transparency Alliance Lagos"
        ],
        "a whole word, deleted organisations left out"
    );
    assert_eq!(
        search(&mut officer, "transp nairobi").await,
        ["Kamuti Transparency Network Nairobi"],
        "word beginnings"
    );
    // Misspelt words that no record holds, whole or as a beginning.
    assert_eq!(
        search(&mut officer, "trasnparency netwrok").await,
        ["Kamuti Transparency Network Nairobi"],
        "near spellings"
    );
    assert_eq!(
        search(&mut officer, "womens asociation").await,
        ["Women's Association of Recife"],
        "a word run together and a misspelt one"
    );
    // A web host is no plain word to spell near: trigrams over the records still find it.
    assert_eq!(
        search(&mut officer, "kamutnet.org").await,
        ["Kamuti Transparency Network Nairobi"],
        "a misspelt web host"
    );
    assert!(search(&mut officer, "zzzzqqq").await.is_empty());
}

/// The names of a filtered listing in `order_by`, page by page, with `between` run after
/// each page.
async fn names_listed(
    client: &mut Client,
    filter: &str,
    order_by: &str,
    mut between: impl AsyncFnMut(&mut Client),
) -> Vec<String> {
    let mut token = String::new();
    let mut names = Vec::new();
    loop {
        let page = client
            .list_organizations(ListOrganizationsRequest {
                filter: filter.into(),
                order_by: order_by.into(),
                page_size: 3,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("list {filter:?} by {order_by:?}: {e:?}"))
            .into_inner();
        names.extend(page.organizations.into_iter().map(|o| o.display_name));
        if page.next_page_token.is_empty() {
            return names;
        }
        token = page.next_page_token;
        between(client).await;
    }
}

async fn a_page_of_terms_keeps_its_order_and_leaves_out_what_it_hides(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    let mut kenyan = Vec::new();
    for i in 0..12 {
        let tags: &[&str] = if i % 2 == 0 { &["cop12"] } else { &[] };
        // Created in an order unlike the names' order.
        let name = format!("Partner {:02}", (i * 5) % 12);
        kenyan.push(create_organization(&mut officer, organization(&name, "KE", tags)).await);
    }
    create_organization(&mut officer, organization("Partner 99", "NG", &["cop12"])).await;
    // Partner 05 (i = 1) is deleted, Partner 10 (i = 2) merged into Partner 00 (i = 0).
    officer
        .delete_organization(DeleteOrganizationRequest {
            name: kenyan[1].name.clone(),
            etag: kenyan[1].etag.clone(),
        })
        .await
        .unwrap();
    merge(&mut officer, &kenyan[0].name, &kenyan[2].name).await;

    let ke = "country_code = \"KE\"";
    let live: Vec<String> = [0, 1, 2, 3, 4, 6, 7, 8, 9, 11]
        .iter()
        .map(|i| format!("Partner {i:02}"))
        .collect();
    let nothing = async |_: &mut Client| {};
    assert_eq!(names_listed(&mut officer, ke, "", nothing).await, live);
    let mut descending = live.clone();
    descending.reverse();
    assert_eq!(
        names_listed(&mut officer, ke, "display_name desc", nothing).await,
        descending
    );
    // Two terms: the live Kenyan organisations tagged cop12 (i even but not 2, the one
    // merged).
    let tagged: Vec<String> = [0, 2, 4, 6, 8]
        .iter()
        .map(|i| format!("Partner {i:02}"))
        .collect();
    assert_eq!(
        names_listed(
            &mut officer,
            &format!("{ke} AND tags:\"cop12\""),
            "",
            nothing
        )
        .await,
        tagged
    );

    // Organisations created while paging, before and after the page being read, are
    // listed at most once, and every one that existed throughout exactly once.
    let mut created = 0;
    let listed = names_listed(&mut officer, ke, "", async |client: &mut Client| {
        for name in ["Partner 00a", "Partner 50"] {
            created += 1;
            create_organization(
                client,
                organization(&format!("{name} {created}"), "KE", &[]),
            )
            .await;
        }
    })
    .await;
    let mut counted = std::collections::HashMap::new();
    for name in &listed {
        *counted.entry(name.clone()).or_insert(0) += 1;
    }
    assert!(
        counted.values().all(|n| *n == 1),
        "a row came twice: {listed:?}"
    );
    assert!(
        live.iter().all(|name| counted.contains_key(name)),
        "a row was skipped: {listed:?}"
    );
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "out of order");
}

/// ADR 0005: a page token continues only the list and query it came from.
async fn a_page_token_of_one_list_is_refused_by_another(backend: TestBackend) {
    let server = TestServer::start::<Contacts>(backend).await;
    let mut officer = client(&server, Role::CsuOfficer);
    for (given, family) in [("Ana", "Diaz"), ("Ben", "Okoro")] {
        officer
            .create_person(CreatePersonRequest {
                person: Some(Person {
                    given_name: given.into(),
                    family_name: family.into(),
                    ..Person::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    for name in ["Coastal Watch", "Youth Network Kenya"] {
        create_organization(
            &mut officer,
            Organization {
                display_name: name.into(),
                sector: Sector::Ngo as i32,
                country_code: "KE".into(),
                ..Organization::default()
            },
        )
        .await;
    }
    let people = officer
        .list_people(ListPeopleRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!people.next_page_token.is_empty());
    let refused = officer
        .list_organizations(ListOrganizationsRequest {
            page_size: 1,
            page_token: people.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .expect_err("a ListPeople token is no ListOrganizations token");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("page_token"), "{refused:?}");
    // Its own list still takes it.
    let next = officer
        .list_people(ListPeopleRequest {
            page_size: 1,
            page_token: people.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(next.people.len(), 1);
}

/// One setting of the connection, as its next user would see it.
async fn setting(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> String {
    use diesel_async::RunQueryDsl;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(sql))
        .get_result(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// PostgreSQL only: the pg_trgm thresholds exist there alone (SQLite searches with FTS5).
/// Search lowers them for its own queries; a pooled connection must go back to its next
/// user with the thresholds that user had, or that user's trigram queries match more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_leaves_the_trigram_thresholds_of_its_connection_as_they_were() {
    use diesel_async::RunQueryDsl;
    use engage_contacts::store::{RecordKind, Register};
    use engage_platform::server::EngageService;
    use engage_platform::storage::Connection;
    use engage_platform::testkit::TestDatabase;

    let (_db, database) =
        TestDatabase::migrated(TestBackend::Postgres, Contacts::migrations()).await;
    let Ok(Connection::Postgres(mut pooled)) = database.connection().await else {
        panic!("a PostgreSQL connection");
    };
    let conn: &mut diesel_async::AsyncPgConnection = &mut pooled;
    // Another user's own thresholds, unlike search's (0.3).
    for sql in [
        "SET pg_trgm.similarity_threshold = 0.5",
        "SET pg_trgm.word_similarity_threshold = 0.6",
    ] {
        diesel::sql_query(sql).execute(conn).await.unwrap();
    }
    // "mombasa" is 0.375 alike to a word of "momxxsa port": a match at 0.3, none at 0.6.
    let matched = "CASE WHEN 'mombasa' <% 'momxxsa port' THEN 'yes' ELSE 'no' END";
    assert_eq!(setting(conn, matched).await, "no");

    // An unknown, misspellable word: search tries near spellings, then text inside words.
    let found = conn
        .search(RecordKind::Organization, "mombsa", 10)
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");

    let similarity = "current_setting('pg_trgm.similarity_threshold')";
    let word_similarity = "current_setting('pg_trgm.word_similarity_threshold')";
    assert_eq!(setting(conn, similarity).await, "0.5");
    assert_eq!(setting(conn, word_similarity).await, "0.6");
    assert_eq!(setting(conn, matched).await, "no", "a later trigram search");
}

engage_platform::on_both_databases!(
    a_page_token_of_one_list_is_refused_by_another,
    total_size_stays_exact_through_deletes_restores_and_merges,
    a_total_is_exact_up_to_a_thousand_and_never_a_thousand_above,
    search_finds_whole_words_word_beginnings_and_near_spellings,
    a_page_of_terms_keeps_its_order_and_leaves_out_what_it_hides,
);
