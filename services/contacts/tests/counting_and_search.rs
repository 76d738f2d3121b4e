//! A listing's total (exact up to 1,000) and search's cuts (whole words first, near spellings after), on
//! both databases: the count reads the records' state kept beside their terms, so it must
//! follow deletes, restores and merges; search must still find a misspelt word.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::{Client, client};

use engage_api::contacts::*;
use engage_api::types::Sector;
use engage_contacts::Contacts;
use engage_platform::Role;
use engage_platform::testkit::{TestBackend, TestServer};

fn organization(name: &str, country: &str, tags: &[&str]) -> Organization {
    Organization {
        display_name: name.into(),
        sector: Sector::Ngo as i32,
        country_code: country.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..Organization::default()
    }
}

async fn create(client: &mut Client, org: Organization) -> Organization {
    client
        .create_organization(CreateOrganizationRequest {
            organization: Some(org),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("create: {e:?}"))
        .into_inner()
        .organization
        .unwrap()
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
        kenyan.push(create(&mut officer, organization(name, "KE", tags)).await);
    }
    create(
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
    let preview = officer
        .preview_organization_merge(PreviewOrganizationMergeRequest {
            survivor: kenyan[2].name.clone(),
            merged: kenyan[1].name.clone(),
            field_choices: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    officer
        .merge_organizations(MergeOrganizationsRequest {
            survivor: kenyan[2].name.clone(),
            survivor_etag: preview.survivor_etag.clone(),
            merged: kenyan[1].name.clone(),
            merged_etag: preview.merged_etag.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("merge: {e:?}"));
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
            create(
                &mut officer,
                organization(&format!("Partner {i:04}"), "FR", &["cop12"]),
            )
            .await,
        );
    }
    create(&mut officer, organization("Partner Abroad", "DE", &[])).await;
    assert_eq!(first_total(&mut officer, "tags:\"cop12\"").await, 1_000);
    assert_eq!(
        first_total(&mut officer, "tags:\"cop12\" AND country_code = \"FR\"").await,
        1_000
    );
    // 1,001: an estimate on PostgreSQL, a count on SQLite, but never the bound or less.
    assert!(first_total(&mut officer, "").await > 1_000);
    assert!(first_total(&mut officer, "sector = SECTOR_NGO").await > 1_000);

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
    create(&mut officer, kamuti).await;
    create(
        &mut officer,
        organization("Transparency Alliance Lagos", "NG", &[]),
    )
    .await;
    create(
        &mut officer,
        organization("Women's Association of Recife", "BR", &[]),
    )
    .await;
    let gone = create(
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

engage_platform::on_both_databases!(
    total_size_stays_exact_through_deletes_restores_and_merges,
    a_total_is_exact_up_to_a_thousand_and_never_a_thousand_above,
    search_finds_whole_words_word_beginnings_and_near_spellings,
);
