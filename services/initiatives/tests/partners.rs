//! Partners and focal points are organisations and people of contacts, checked there on
//! every create and update: a merged organisation is stored as the one it was merged into;
//! an unknown or deleted one is refused on its field. Against a real contacts service on
//! both databases.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::contacts::{DeleteOrganizationRequest, MergeOrganizationsRequest};
use engage_api::initiatives::*;
use engage_platform::Role;
use engage_platform::testkit::TestBackend;

fn partner(organization: &str) -> CivilSocietyPartner {
    CivilSocietyPartner {
        organization: organization.into(),
        contact_person: String::new(),
        role: "partner".into(),
    }
}

async fn a_partner_merged_in_contacts_resolves_to_the_survivor(backend: TestBackend) {
    let env = Env::start(backend).await;
    let mut contacts = env.contacts();
    let survivor = env.organization("Haki Africa", "haki.example.org").await;
    let merged = env
        .organization("Coast Youth Network", "coastyouth.example.org")
        .await;
    let ministry = env
        .organization(
            "State Department for Immigration",
            "immigration.example.go.ke",
        )
        .await;
    contacts
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.name.clone(),
            survivor_etag: survivor.etag.clone(),
            merged: merged.name.clone(),
            merged_etag: merged.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("merged in contacts");

    let mut officer = env.client(Role::CsuOfficer);
    let focal = env.person("Amina", "Odhiambo").await;
    let mut draft = initiative("Kenya pilot", "KE", "coord-ke");
    draft.civil_society_partners = vec![partner(&merged.name)];
    draft.government_focal_points = vec![GovernmentFocalPoint {
        person: focal.name.clone(),
        organization: ministry.name.clone(),
        role: String::new(),
    }];
    let created = create(&mut officer, draft).await;
    assert_eq!(
        created.civil_society_partners[0].organization,
        survivor.name
    );
    let stored = get(&mut officer, &created.name).await;
    assert_eq!(stored.civil_society_partners[0].organization, survivor.name);

    let found = officer
        .list_initiatives(ListInitiativesRequest {
            filter: format!("partner_organization = \"{}\"", survivor.name),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.total_size, 1);
    let by_focal = officer
        .list_initiatives(ListInitiativesRequest {
            filter: format!("partner_person = \"{}\"", focal.name),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_focal.total_size, 1);

    // An update naming the merged organisation stores the survivor too.
    let mut renamed = stored.clone();
    renamed.civil_society_partners = vec![CivilSocietyPartner {
        role: "co-lead".into(),
        ..partner(&merged.name)
    }];
    let updated = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(renamed),
            update_mask: mask(&["civil_society_partners"]),
        })
        .await
        .unwrap()
        .into_inner()
        .initiative
        .unwrap();
    assert_eq!(
        updated.civil_society_partners[0].organization,
        survivor.name
    );
    assert_eq!(updated.civil_society_partners[0].role, "co-lead");
    let stored = updated;

    // The survivor named twice (once through the merged organisation) is one partner.
    let mut twice = stored.clone();
    twice.civil_society_partners = vec![partner(&survivor.name), partner(&merged.name)];
    let refused = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(twice),
            update_mask: mask(&["civil_society_partners"]),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&refused),
        ["initiative.civil_society_partners[1].organization"]
    );

    // A milestone owned by the partner, as the survivor.
    let mut owned = milestone("Survivors' network mapped", "coord-ke", date(2027, 1, 31));
    owned.owner = Some(MilestoneOwner {
        owner: Some(milestone_owner::Owner::Organization(survivor.name.clone())),
    });
    let owned = add_milestone(&mut officer, &created.name, owned).await;
    let mut without = stored.clone();
    without.civil_society_partners.clear();
    let in_use = officer
        .update_initiative(UpdateInitiativeRequest {
            initiative: Some(without),
            update_mask: mask(&["civil_society_partners"]),
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&in_use), "OWNER_IN_USE");
    assert!(in_use.message().contains(&owned.name));
}

async fn unknown_and_deleted_partners_are_refused_on_their_field(backend: TestBackend) {
    let env = Env::start(backend).await;
    let mut contacts = env.contacts();
    let gone = env
        .organization("Closed Foundation", "closed.example.org")
        .await;
    contacts
        .delete_organization(DeleteOrganizationRequest {
            name: gone.name.clone(),
            etag: gone.etag.clone(),
        })
        .await
        .expect("deleted in contacts");
    let known = env.organization("Haki Africa", "haki.example.org").await;
    let mut officer = env.client(Role::CsuOfficer);

    let mut draft = initiative("Kenya pilot", "KE", "coord-ke");
    for (partners, field) in [
        (
            vec![
                partner(&known.name),
                partner("organizations/0190aaaa-0000-7000-8000-000000000001"),
            ],
            "initiative.civil_society_partners[1].organization",
        ),
        (
            vec![partner(&gone.name), partner(&known.name)],
            "initiative.civil_society_partners[0].organization",
        ),
    ] {
        draft.civil_society_partners = partners;
        let refused = officer
            .create_initiative(CreateInitiativeRequest {
                initiative: Some(draft.clone()),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(violated_fields(&refused), [field], "{refused:?}");
    }
    draft.civil_society_partners = vec![partner("people/0190aaaa-0000-7000-8000-000000000001")];
    let wrong_kind = officer
        .create_initiative(CreateInitiativeRequest {
            initiative: Some(draft),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&wrong_kind),
        ["initiative.civil_society_partners[0].organization"]
    );
    let none = officer
        .list_initiatives(ListInitiativesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.total_size, 0, "nothing was created");

    // A request id makes a retried create safe.
    let request = CreateInitiativeRequest {
        initiative: Some(initiative("Kenya pilot", "KE", "coord-ke")),
        request_id: "0190aaaa-0000-7000-8000-0000000000aa".into(),
    };
    let first = officer
        .create_initiative(request.clone())
        .await
        .unwrap()
        .into_inner();
    let again = officer
        .create_initiative(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        first.initiative.unwrap().name,
        again.initiative.unwrap().name
    );
}

async fn contacts_unreachable_is_unavailable_and_stores_nothing(backend: TestBackend) {
    use engage_platform::identity::{InternalKey, Secret};
    use engage_platform::server::Peers;
    use engage_platform::testkit::TestServer;
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let peers = Peers::new([("contacts", format!("http://127.0.0.1:{port}").as_str())])
        .expect("peer address");
    let server =
        TestServer::start_with_peers::<engage_initiatives::InitiativesService<FixedClock>>(
            backend,
            peers,
            InternalKey::new(&Secret::generate()),
        )
        .await;
    let mut officer =
        engage_api::initiatives::initiatives_service_client::InitiativesServiceClient::new(
            server.channel_as(engage_platform::Caller::new(
                "csu_officer",
                &[Role::CsuOfficer],
            )),
        );
    let mut draft = initiative("Kenya pilot", "KE", "coord-ke");
    draft.civil_society_partners = vec![partner(
        "organizations/0190aaaa-0000-7000-8000-000000000001",
    )];
    let refused = officer
        .create_initiative(CreateInitiativeRequest {
            initiative: Some(draft),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    // Without partners nothing needs contacts.
    let created = create(&mut officer, initiative("Kenya pilot", "KE", "coord-ke")).await;
    let listed = officer
        .list_initiatives(ListInitiativesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_size, 1);
    assert_eq!(listed.initiatives[0].name, created.name);
}

engage_platform::on_both_databases!(
    a_partner_merged_in_contacts_resolves_to_the_survivor,
    unknown_and_deleted_partners_are_refused_on_their_field,
    contacts_unreachable_is_unavailable_and_stores_nothing,
);
