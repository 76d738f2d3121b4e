//! The rules of declarations and signatures through the generated client, with a real
//! contacts service behind it, on both databases: versions and the frozen text, refusals
//! that change nothing, roles, retries and the CSV export.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use engage_api::contacts::{GetOrganizationRequest, MergeOrganizationsRequest};
use engage_api::declarations::signature::Signer;
use engage_api::declarations::*;
use engage_api::types::Sector;
use engage_platform::Role;
use engage_platform::testkit::TestBackend;
use tonic::Code;

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    })
}

async fn get(client: &mut Client, name: &str) -> Declaration {
    client
        .get_declaration(GetDeclarationRequest { name: name.into() })
        .await
        .expect("get")
        .into_inner()
        .declaration
        .expect("declaration")
}

async fn an_open_declarations_text_is_frozen_and_a_new_version_follows_it(backend: TestBackend) {
    let system = System::start(backend).await;
    let mut officer = system.client(Role::CsuOfficer);
    let request_id = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f".to_owned();
    let create = CreateDeclarationRequest {
        declaration: Some(draft(&["prevention", "victims"])),
        request_id: request_id.clone(),
    };
    let draft = officer
        .create_declaration(create.clone())
        .await
        .expect("create")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(draft.status, DeclarationStatus::Draft as i32);
    assert_eq!(draft.version, 1);
    let retried = officer
        .create_declaration(create)
        .await
        .expect("retry")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(
        retried, draft,
        "a retry with the same request id returns the first"
    );
    let listed = officer
        .list_declarations(ListDeclarationsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(listed.total_size, 1);

    // A draft changes freely; an update needs the current etag.
    let mut patch = draft.clone();
    patch.text = "We, the undersigned, call on States parties…".into();
    let updated = officer
        .update_declaration(UpdateDeclarationRequest {
            declaration: Some(patch.clone()),
            update_mask: mask(&["text"]),
        })
        .await
        .expect("update")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(updated.text, patch.text);
    let stale = officer
        .update_declaration(UpdateDeclarationRequest {
            declaration: Some(patch.clone()),
            update_mask: mask(&["text"]),
        })
        .await
        .expect_err("stale etag");
    assert_eq!(stale.code(), Code::Aborted);
    let no_etag = officer
        .update_declaration(UpdateDeclarationRequest {
            declaration: Some(Declaration {
                etag: String::new(),
                ..updated.clone()
            }),
            update_mask: mask(&["text"]),
        })
        .await
        .expect_err("etag required");
    assert_eq!(violated_fields(&no_etag), ["declaration.etag"]);

    let open = officer
        .open_declaration(OpenDeclarationRequest {
            name: draft.name.clone(),
            etag: updated.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("open")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(open.status, DeclarationStatus::Open as i32);
    assert!(open.open_time.is_some());

    // Once open, the text is frozen; a language version may still be added.
    let mut frozen = open.clone();
    frozen.text = "Another text".into();
    let refused = officer
        .update_declaration(UpdateDeclarationRequest {
            declaration: Some(frozen),
            update_mask: mask(&["text"]),
        })
        .await
        .expect_err("frozen");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason(&refused), "DECLARATION_TEXT_FROZEN");
    assert_eq!(
        get(&mut officer, &open.name).await.etag,
        open.etag,
        "nothing changed"
    );
    let mut translated = open.clone();
    translated.translations.push(DeclarationTranslation {
        language_code: "fr".into(),
        title: "Déclaration de la société civile".into(),
        text: "Nous, soussignés…".into(),
        ..Default::default()
    });
    let translated = officer
        .update_declaration(UpdateDeclarationRequest {
            declaration: Some(translated),
            update_mask: mask(&["translations"]),
        })
        .await
        .expect("add a language")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(translated.translations.len(), 1);

    let open_again = officer
        .open_declaration(OpenDeclarationRequest {
            name: open.name.clone(),
            ..Default::default()
        })
        .await
        .expect_err("already open");
    assert_eq!(reason(&open_again), "INVALID_STATUS_TRANSITION");
    let delete_open = officer
        .delete_declaration(DeleteDeclarationRequest {
            name: open.name.clone(),
            etag: translated.etag.clone(),
        })
        .await
        .expect_err("open");
    assert_eq!(delete_open.code(), Code::FailedPrecondition);
    let closed = officer
        .close_declaration(CloseDeclarationRequest {
            name: open.name.clone(),
            ..Default::default()
        })
        .await
        .expect("close")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(closed.status, DeclarationStatus::Closed as i32);

    // A new version follows the closed one; no second version may follow it.
    let mut next = common::draft(&["prevention", "victims", "justice"]);
    next.previous_version = closed.name.clone();
    let second = officer
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(next.clone()),
            ..Default::default()
        })
        .await
        .expect("new version")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(second.version, 2);
    assert_eq!(second.previous_version, closed.name);
    assert_eq!(
        get(&mut officer, &closed.name).await.next_version,
        second.name
    );
    let branch = officer
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(next),
            ..Default::default()
        })
        .await
        .expect_err("one line of versions");
    assert_eq!(branch.code(), Code::FailedPrecondition);

    // Deleted and restored.
    let deleted = officer
        .delete_declaration(DeleteDeclarationRequest {
            name: closed.name.clone(),
            etag: closed.etag.clone(),
        })
        .await
        .expect("delete")
        .into_inner()
        .declaration
        .expect("declaration");
    assert!(deleted.delete_time.is_some());
    let visible = officer
        .list_declarations(ListDeclarationsRequest {
            filter: "status = DECLARATION_STATUS_CLOSED".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(visible.total_size, 0, "deleted declarations are left out");
    let restored = officer
        .undelete_declaration(UndeleteDeclarationRequest {
            name: closed.name.clone(),
            etag: deleted.etag.clone(),
        })
        .await
        .expect("undelete")
        .into_inner()
        .declaration
        .expect("declaration");
    assert!(restored.delete_time.is_none());

    // Lists page with tokens and filter by title.
    let page = officer
        .list_declarations(ListDeclarationsRequest {
            page_size: 1,
            order_by: "version".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(page.declarations[0].version, 1);
    let rest = officer
        .list_declarations(ListDeclarationsRequest {
            page_size: 1,
            order_by: "version".into(),
            page_token: page.next_page_token,
            ..Default::default()
        })
        .await
        .expect("page 2")
        .into_inner();
    assert_eq!(rest.declarations[0].version, 2);
    assert!(rest.next_page_token.is_empty());
    let titled = officer
        .list_declarations(ListDeclarationsRequest {
            filter: "title:\"SOCIETY DECLARATION\"".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(titled.total_size, 2);

    let trail = audit_trail(&system, &closed.name, false, "").await;
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "undeleted",
            "deleted",
            "closed",
            "updated",
            "opened",
            "updated",
            "created"
        ]
    );
}

async fn bad_signings_are_refused_with_the_reason_and_change_nothing(backend: TestBackend) {
    let system = System::start(backend).await;
    let mut officer = system.client(Role::CsuOfficer);
    let org = system.organization("Haki Africa", "KE", Sector::Ngo).await;

    let draft = officer
        .create_declaration(CreateDeclarationRequest {
            declaration: Some(draft(&["prevention"])),
            ..Default::default()
        })
        .await
        .expect("create")
        .into_inner()
        .declaration
        .expect("declaration");
    let on_draft = sign(&mut officer, &draft.name, by_organization(&org.name))
        .await
        .expect_err("draft");
    assert_eq!(on_draft.code(), Code::FailedPrecondition);
    assert_eq!(reason(&on_draft), "DECLARATION_NOT_OPEN");

    let declaration = open_declaration(&mut officer, &["prevention", "victims"]).await;
    let parent = declaration.name.clone();
    let unknown = sign(
        &mut officer,
        &parent,
        by_organization("organizations/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f"),
    )
    .await
    .expect_err("unknown organisation");
    assert_eq!(unknown.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&unknown), ["signature.organization"]);

    let mut strange_area = by_organization(&org.name);
    strange_area.endorsed_area_ids = vec!["victims".into(), "sports".into()];
    let area = sign(&mut officer, &parent, strange_area)
        .await
        .expect_err("area");
    assert_eq!(violated_fields(&area), ["signature.endorsed_area_ids[1]"]);

    let no_email = sign(
        &mut officer,
        &parent,
        Signature {
            signer: Some(Signer::Individual(IndividualSigner {
                display_name: "Amina Diallo".into(),
                country_code: "SN".into(),
                ..Default::default()
            })),
            ..Default::default()
        },
    )
    .await
    .expect_err("email required");
    assert_eq!(violated_fields(&no_email), ["signature.contact.email"]);

    let viewer_signs = sign(
        &mut system.client(Role::Viewer),
        &parent,
        by_organization(&org.name),
    )
    .await
    .expect_err("viewers read");
    assert_eq!(viewer_signs.code(), Code::PermissionDenied);
    assert!(all_signatures(&mut officer, &parent, "").await.is_empty());

    // A merged organisation resolves to its survivor, which is what is signed.
    let duplicate = system
        .organization("Haki Africa Kenya", "KE", Sector::Ngo)
        .await;
    let survivor = system
        .contacts()
        .get_organization(GetOrganizationRequest {
            name: org.name.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .organization
        .expect("organisation");
    system
        .contacts()
        .merge_organizations(MergeOrganizationsRequest {
            survivor: survivor.name.clone(),
            survivor_etag: survivor.etag.clone(),
            merged: duplicate.name.clone(),
            merged_etag: duplicate.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("merge");
    let signed = sign(&mut officer, &parent, by_organization(&duplicate.name))
        .await
        .expect("sign as the merged one")
        .signature
        .expect("signature");
    assert_eq!(signed.signer, Some(Signer::Organization(org.name.clone())));
    let snapshot = signed.snapshot.clone().expect("snapshot");
    assert_eq!(snapshot.country_code, "KE");
    assert_eq!(
        snapshot.regional_group,
        engage_api::types::RegionalGroup::African as i32
    );
    assert_eq!(snapshot.sector, Sector::Ngo as i32);
    let again = sign(&mut officer, &parent, by_organization(&org.name))
        .await
        .expect("second signing");
    assert!(again.already_signed);
    assert_eq!(again.signature.expect("signature").name, signed.name);

    // Withdrawn: it cannot be verified, nor withdrawn twice; each refusal changes nothing.
    let withdrawn = officer
        .withdraw_signature(WithdrawSignatureRequest {
            name: signed.name.clone(),
            reason: "Signed by mistake".into(),
            ..Default::default()
        })
        .await
        .expect("withdraw")
        .into_inner()
        .signature
        .expect("signature");
    let verify = officer
        .verify_signature(VerifySignatureRequest {
            name: signed.name.clone(),
            ..Default::default()
        })
        .await
        .expect_err("withdrawn");
    assert_eq!(verify.code(), Code::FailedPrecondition);
    assert_eq!(reason(&verify), "SIGNATURE_WITHDRAWN");
    let twice = officer
        .withdraw_signature(WithdrawSignatureRequest {
            name: signed.name.clone(),
            reason: "Again".into(),
            ..Default::default()
        })
        .await
        .expect_err("twice");
    assert_eq!(reason(&twice), "SIGNATURE_ALREADY_WITHDRAWN");
    let reread = officer
        .get_signature(GetSignatureRequest {
            name: signed.name.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .signature
        .expect("signature");
    assert_eq!(reread, withdrawn, "the refusals changed nothing");
    let stale = officer
        .reject_signature(RejectSignatureRequest {
            name: signed.name.clone(),
            etag: signed.etag.clone(),
            reason: RejectionReason::Other as i32,
            note: "x".into(),
            ..Default::default()
        })
        .await
        .expect_err("stale");
    assert_eq!(stale.code(), Code::Aborted);

    // Withdrawn is no longer live: the organisation may sign again while it is open.
    let resigned = sign(&mut officer, &parent, by_organization(&org.name))
        .await
        .expect("sign again");
    assert!(!resigned.already_signed);
    assert_eq!(all_signatures(&mut officer, &parent, "").await.len(), 2);
    assert_eq!(
        all_signatures(&mut officer, &parent, "live = true")
            .await
            .len(),
        1
    );

    officer
        .close_declaration(CloseDeclarationRequest {
            name: parent.clone(),
            ..Default::default()
        })
        .await
        .expect("close");
    let closed = sign(&mut officer, &parent, by_organization(&duplicate.name))
        .await
        .expect_err("closed");
    assert_eq!(reason(&closed), "DECLARATION_NOT_OPEN");
}

async fn individuals_sign_with_a_contact_that_only_officers_see_and_exports_follow_roles(
    backend: TestBackend,
) {
    let system = System::start(backend).await;
    let mut officer = system.client(Role::CsuOfficer);
    let declaration = open_declaration(&mut officer, &["prevention", "victims"]).await;
    let parent = declaration.name.clone();
    let individual = |email: &str| Signature {
        signer: Some(Signer::Individual(IndividualSigner {
            display_name: "Amina Diallo".into(),
            country_code: "SN".into(),
            affiliation: "Université Cheikh Anta Diop".into(),
            sector: Sector::Academia as i32,
            ..Default::default()
        })),
        contact: Some(SignerContact {
            email: email.into(),
            ..Default::default()
        }),
        endorsed_area_ids: vec!["victims".into()],
        ..Default::default()
    };
    let request_id = "0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e60".to_owned();
    let first = officer
        .sign_declaration(SignDeclarationRequest {
            parent: parent.clone(),
            signature: Some(individual("amina@ucad.sn")),
            request_id: request_id.clone(),
        })
        .await
        .expect("sign")
        .into_inner();
    let retry = officer
        .sign_declaration(SignDeclarationRequest {
            parent: parent.clone(),
            signature: Some(individual("amina@ucad.sn")),
            request_id: request_id.clone(),
        })
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(retry, first, "a retry returns the first answer");
    // The same email in other letters is the same signer.
    let same = sign(&mut officer, &parent, individual("AMINA@ucad.sn"))
        .await
        .expect("sign");
    assert!(same.already_signed);
    let signature = first.signature.expect("signature");
    officer
        .verify_signature(VerifySignatureRequest {
            name: signature.name.clone(),
            ..Default::default()
        })
        .await
        .expect("verify");
    let org = system
        .organization("Instituto Igarapé", "BR", Sector::Ngo)
        .await;
    let org_signature = sign(&mut officer, &parent, by_organization(&org.name))
        .await
        .expect("sign")
        .signature
        .expect("signature");
    officer
        .verify_signature(VerifySignatureRequest {
            name: org_signature.name.clone(),
            ..Default::default()
        })
        .await
        .expect("verify");

    let mut viewer = system.client(Role::Viewer);
    let seen = viewer
        .get_signature(GetSignatureRequest {
            name: signature.name.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .signature
        .expect("signature");
    assert!(seen.contact.is_none(), "contacts are for officers only");
    let full = viewer
        .export_signatures(ExportSignaturesRequest {
            parent: parent.clone(),
            ..Default::default()
        })
        .await
        .expect_err("full export");
    assert_eq!(full.code(), Code::PermissionDenied);

    let csv = |mut stream: tonic::Streaming<ExportSignaturesResponse>| async move {
        let mut bytes = Vec::new();
        let mut rows = -1;
        while let Some(piece) = stream.message().await.expect("piece") {
            bytes.extend(piece.csv_data);
            if piece.done {
                rows = piece.row_count;
            }
        }
        (String::from_utf8(bytes).expect("utf-8"), rows)
    };
    let (public, rows) = csv(viewer
        .export_signatures(ExportSignaturesRequest {
            parent: parent.clone(),
            public_only: true,
            ..Default::default()
        })
        .await
        .expect("public export")
        .into_inner())
    .await;
    assert_eq!(rows, 2);
    let lines: Vec<&str> = public.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "signer_kind,display_name,acronym,affiliation,country_code,regional_group,sector,endorsed_areas,sign_date"
    );
    assert!(lines[1].starts_with(
        "individual,Amina Diallo,,Université Cheikh Anta Diop,SN,african,academia,victims,"
    ));
    assert!(lines[2].starts_with(
        "organization,Instituto Igarapé,,,BR,latin_american_caribbean,ngo,prevention;victims,"
    ));
    assert!(!public.contains("ucad.sn"), "no contact in a public file");

    let (full, rows) = csv(officer
        .export_signatures(ExportSignaturesRequest {
            parent: parent.clone(),
            filter: "signer_kind = SIGNER_KIND_INDIVIDUAL".into(),
            ..Default::default()
        })
        .await
        .expect("full export")
        .into_inner())
    .await;
    assert_eq!(rows, 1);
    assert!(full.starts_with("signature,signer_kind,organization,person,display_name"));
    assert!(full.contains("amina@ucad.sn"));
    assert!(full.contains(",verified,true,"));

    // Erasure keeps the counts but removes the individual from the public listing.
    let mut admin = system.client(Role::Admin);
    let redacted = admin
        .redact_signature(RedactSignatureRequest {
            name: signature.name.clone(),
            reason: "Erasure request 2026-17".into(),
            ..Default::default()
        })
        .await
        .expect("redact")
        .into_inner()
        .signature
        .expect("signature");
    assert!(redacted.contact.is_none());
    assert!(redacted.redact_time.is_some());
    let public = viewer
        .list_public_signatures(ListPublicSignaturesRequest {
            parent: parent.clone(),
            ..Default::default()
        })
        .await
        .expect("public")
        .into_inner();
    assert_eq!(public.total_size, 1);
    let counts = viewer
        .count_signatures(CountSignaturesRequest {
            parent: parent.clone(),
            filter: String::new(),
        })
        .await
        .expect("counts")
        .into_inner();
    assert_eq!(counts.totals.expect("totals").verified, 2);
    let trail = audit_trail(&system, &signature.name, false, "").await;
    let created = trail
        .iter()
        .find(|e| e.action == "created")
        .expect("created");
    assert!(
        created.changes.iter().all(|c| c.redacted),
        "earlier values erased"
    );

    // Even once the declaration closed, a retry answers the first result.
    officer
        .close_declaration(CloseDeclarationRequest {
            name: parent.clone(),
            ..Default::default()
        })
        .await
        .expect("close");
    let late_retry = officer
        .sign_declaration(SignDeclarationRequest {
            parent: parent.clone(),
            signature: Some(individual("amina@ucad.sn")),
            request_id,
        })
        .await
        .expect("late retry")
        .into_inner();
    assert_eq!(
        late_retry.signature.expect("signature").name,
        signature.name
    );
}

async fn signatures_are_filtered_updated_and_each_write_leaves_its_event(backend: TestBackend) {
    let system = System::start(backend).await;
    let mut officer = system.client(Role::CsuOfficer);
    let first = open_declaration(&mut officer, &["prevention", "victims"]).await;
    let second = open_declaration(&mut officer, &["justice"]).await;
    let kenya = system.organization("Haki Africa", "KE", Sector::Ngo).await;
    let uganda = system
        .organization("Chapter Four Uganda", "UG", Sector::Ngo)
        .await;
    let brazil = system
        .organization("Universidade de São Paulo", "BR", Sector::Academia)
        .await;
    let mut names = Vec::new();
    for org in [&kenya, &uganda, &brazil] {
        let mut signature = by_organization(&org.name);
        if org.name == uganda.name {
            signature.endorsed_area_ids = vec!["prevention".into()];
        }
        let signed = sign(&mut officer, &first.name, signature)
            .await
            .expect("sign");
        names.push(signed.signature.expect("signature").name);
    }
    sign(&mut officer, &second.name, by_organization(&kenya.name))
        .await
        .expect("sign the other declaration");
    let kenya_two = system
        .organization("Kituo cha Sheria", "KE", Sector::Ngo)
        .await;

    let (lister, first_name) = (officer.clone(), first.name.clone());
    let count = move |filter: &'static str, parent: &'static str| {
        let mut client = lister.clone();
        let parent = if parent == "-" {
            "declarations/-".to_owned()
        } else {
            first_name.clone()
        };
        async move { all_signatures(&mut client, &parent, filter).await.len() }
    };
    assert_eq!(count("", "-").await, 4, "every declaration's");
    assert_eq!(
        count("regional_group = REGIONAL_GROUP_AFRICAN", "").await,
        2
    );
    assert_eq!(
        count("(country_code = \"KE\" OR country_code = \"BR\")", "").await,
        2
    );
    assert_eq!(count("area:\"victims\"", "").await, 2);
    assert_eq!(
        count(
            "sector = SECTOR_ACADEMIA AND status = SIGNATURE_STATUS_PENDING",
            ""
        )
        .await,
        1
    );
    assert_eq!(
        count("display_name:\"sao paulo\"", "").await,
        1,
        "accents ignored"
    );
    let refused = officer
        .list_signatures(ListSignaturesRequest {
            parent: first.name.clone(),
            filter: "NOT live = true".into(),
            ..Default::default()
        })
        .await
        .expect_err("no NOT");
    assert_eq!(violated_fields(&refused), ["filter"]);
    let by_country = officer
        .list_signatures(ListSignaturesRequest {
            parent: first.name.clone(),
            order_by: "country_code desc".into(),
            ..Default::default()
        })
        .await
        .expect("ordered")
        .into_inner();
    let countries: Vec<_> = by_country
        .signatures
        .iter()
        .map(|s| s.snapshot.clone().expect("snapshot").country_code)
        .collect();
    assert_eq!(countries, ["UG", "KE", "BR"]);
    // Two fields, one row a page: the keyset continues across every field.
    sign(&mut officer, &first.name, by_organization(&kenya_two.name))
        .await
        .expect("sign");
    let mut token = String::new();
    let mut seen = Vec::new();
    loop {
        let page = officer
            .list_signatures(ListSignaturesRequest {
                parent: first.name.clone(),
                order_by: "country_code, display_name desc".into(),
                page_size: 1,
                page_token: token,
                ..Default::default()
            })
            .await
            .expect("page")
            .into_inner();
        seen.extend(page.signatures.iter().map(|s| {
            let snapshot = s.snapshot.clone().expect("snapshot");
            (snapshot.country_code, snapshot.display_name)
        }));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let expected = [
        ("BR", "Universidade de São Paulo"),
        ("KE", "Kituo cha Sheria"),
        ("KE", "Haki Africa"),
        ("UG", "Chapter Four Uganda"),
    ];
    assert_eq!(seen, expected.map(|(c, n)| (c.to_owned(), n.to_owned())),);

    // An update changes the masked fields under the etag.
    let current = officer
        .get_signature(GetSignatureRequest {
            name: names[1].clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .signature
        .expect("signature");
    let mut patch = current.clone();
    patch.endorsed_area_ids = vec![];
    patch.hide_from_public_listing = true;
    let updated = officer
        .update_signature(UpdateSignatureRequest {
            signature: Some(patch.clone()),
            update_mask: mask(&["endorsed_area_ids", "hide_from_public_listing"]),
        })
        .await
        .expect("update")
        .into_inner()
        .signature
        .expect("signature");
    assert_eq!(
        updated.endorsed_area_ids,
        ["prevention", "victims"],
        "empty means all"
    );
    assert!(updated.hide_from_public_listing);
    let immutable = officer
        .update_signature(UpdateSignatureRequest {
            signature: Some(updated.clone()),
            update_mask: mask(&["sign_date"]),
        })
        .await
        .expect_err("immutable");
    assert_eq!(violated_fields(&immutable), ["update_mask"]);
    assert_eq!(count("area:\"victims\"", "").await, 4);

    // The outbox holds one event per write, with the snapshot's place and sector.
    use engage_platform::journal::Journal;
    let events: Result<_, engage_platform::Error> = async {
        Ok(engage_platform::with_connection!(
            system.declarations.database,
            |conn| conn.events_after(0, 100).await?
        ))
    }
    .await;
    let events = events.expect("outbox");
    let types: Vec<_> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "declaration.created",
            "declaration.opened",
            "declaration.created",
            "declaration.opened",
            "signature.created",
            "signature.created",
            "signature.created",
            "signature.created",
            "signature.created",
            "signature.updated",
        ]
    );
    let update: serde_json::Value =
        serde_json::from_str(&events[9].attributes).expect("attributes");
    assert_eq!(update["country_code"], "UG");
    assert_eq!(update["regional_group"], "REGIONAL_GROUP_AFRICAN");
    assert_eq!(update["sector"], "SECTOR_NGO");
    assert_eq!(
        update["changed_fields"],
        serde_json::json!(["endorsed_area_ids", "hide_from_public_listing"])
    );
    assert_eq!(events[9].resource_type, "engage.declarations.v1.Signature");

    // Per day, by default from the opening day to today.
    let daily = officer
        .count_signatures_by_day(CountSignaturesByDayRequest {
            parent: first.name.clone(),
            ..Default::default()
        })
        .await
        .expect("daily")
        .into_inner();
    assert!(!daily.days.is_empty(), "the opening day at least");
    assert!(
        daily.days.iter().all(|d| d.cumulative_count == 0),
        "nothing verified yet"
    );
    let backwards = officer
        .count_signatures_by_day(CountSignaturesByDayRequest {
            parent: first.name.clone(),
            start_date: Some(engage_api::types::Date {
                year: 2026,
                month: 3,
                day: 2,
            }),
            end_date: Some(engage_api::types::Date {
                year: 2026,
                month: 3,
                day: 1,
            }),
            ..Default::default()
        })
        .await
        .expect_err("end before start");
    assert_eq!(violated_fields(&backwards), ["end_date"]);
}

async fn without_contacts_a_signing_is_unavailable_and_writes_nothing(backend: TestBackend) {
    use engage_platform::identity::{InternalKey, Secret};
    use engage_platform::server::Peers;
    use engage_platform::testkit::TestServer;
    // Nothing listens on the discard port.
    let peers = Peers::new([("contacts", "http://127.0.0.1:9")]).expect("peers");
    let server = TestServer::start_with_peers::<engage_declarations::Declarations>(
        backend,
        peers,
        InternalKey::new(&Secret::generate()),
    )
    .await;
    let caller = engage_platform::Caller::new("csu_officer", &[Role::CsuOfficer]);
    let mut officer = Client::new(server.channel_as(caller));
    let declaration = open_declaration(&mut officer, &["prevention"]).await;
    let refused = sign(
        &mut officer,
        &declaration.name,
        by_organization("organizations/0190f5e2-4c8b-7cc3-9d7e-0a1b2c3d4e5f"),
    )
    .await
    .expect_err("contacts is down");
    assert_eq!(refused.code(), Code::Unavailable);
    assert!(
        all_signatures(&mut officer, &declaration.name, "")
            .await
            .is_empty()
    );
}

async fn every_endorsed_area_is_stored_and_an_update_replaces_them(backend: TestBackend) {
    let system = System::start(backend).await;
    let mut officer = system.client(Role::CsuOfficer);
    let declaration = open_declaration(&mut officer, &["prevention", "victims", "justice"]).await;
    let org = system.organization("Red Nacional", "PE", Sector::Ngo).await;
    let mut signature = by_organization(&org.name);
    signature.endorsed_area_ids = vec!["prevention".into(), "victims".into(), "justice".into()];
    let signed = sign(&mut officer, &declaration.name, signature)
        .await
        .expect("sign")
        .signature
        .expect("signature");
    let areas = |officer: &Client| {
        let (mut client, parent) = (officer.clone(), declaration.name.clone());
        async move {
            let mut found = Vec::new();
            for area in ["prevention", "victims", "justice"] {
                let filter = format!("area:\"{area}\"");
                found.push(all_signatures(&mut client, &parent, &filter).await.len());
            }
            let counts = client
                .count_signatures(CountSignaturesRequest {
                    parent,
                    filter: String::new(),
                })
                .await
                .expect("count")
                .into_inner();
            let mut pending: Vec<(String, i32)> = counts
                .by_area
                .iter()
                .map(|a| (a.area_id.clone(), a.counts.unwrap_or_default().pending))
                .collect();
            pending.sort();
            (found, pending)
        }
    };
    let (found, pending) = areas(&officer).await;
    assert_eq!(
        found,
        [1, 1, 1],
        "the signature is found under each of its areas"
    );
    assert_eq!(
        pending,
        [
            ("justice".to_owned(), 1),
            ("prevention".to_owned(), 1),
            ("victims".to_owned(), 1)
        ]
    );

    let mut patch = signed.clone();
    patch.endorsed_area_ids = vec!["victims".into()];
    officer
        .update_signature(UpdateSignatureRequest {
            signature: Some(patch),
            update_mask: mask(&["endorsed_area_ids"]),
        })
        .await
        .expect("update");
    let (found, pending) = areas(&officer).await;
    assert_eq!(found, [0, 1, 0], "only the area it keeps");
    assert_eq!(
        pending.iter().map(|(_, n)| *n).sum::<i32>(),
        1,
        "counted once: {pending:?}"
    );
}

engage_platform::on_both_databases!(
    without_contacts_a_signing_is_unavailable_and_writes_nothing,
    every_endorsed_area_is_stored_and_an_update_replaces_them,
    signatures_are_filtered_updated_and_each_write_leaves_its_event,
    an_open_declarations_text_is_frozen_and_a_new_version_follows_it,
    bad_signings_are_refused_with_the_reason_and_change_nothing,
    individuals_sign_with_a_contact_that_only_officers_see_and_exports_follow_roles,
);
