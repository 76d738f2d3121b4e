//! Signing through the generated client, on a real port, with a real contacts service
//! behind it, on both databases: one live signature per signer under concurrency, counts
//! that match a count by hand, and withdrawal.

#[allow(
    dead_code,
    reason = "each test binary uses part of what the tests share"
)]
mod common;
use common::*;

use std::collections::{BTreeMap, HashSet};

use futures::StreamExt as _;

use engage_api::declarations::signature::Signer;
use engage_api::declarations::*;
use engage_api::types::{RegionalGroup, Sector};
use engage_declarations::domain::dates;
use engage_platform::Role;
use engage_platform::testkit::TestBackend;

async fn two_hundred_organisations_signing_at_once_make_two_hundred_signatures(
    backend: TestBackend,
) {
    let system = std::sync::Arc::new(System::start(backend).await);
    let countries = ["KE", "BR", "IN", "DE", "PL", "ZA", "MX", "JP"];
    // The signers are set up a few at a time: what is under test is signing at once, not
    // 200 creates queuing for the contacts service's connections on a busy machine.
    let organizations: Vec<String> = futures::stream::iter(0..200)
        .map(|n| {
            let system = system.clone();
            let country = countries[n % countries.len()];
            async move {
                system
                    .organization(&format!("Civic Network {n}"), country, Sector::Ngo)
                    .await
                    .name
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert_eq!(organizations.len(), 200);

    let mut officer = system.client(Role::CsuOfficer);
    let declaration = open_declaration(&mut officer, &["prevention", "victims"]).await;

    // Every organisation signs once, and every fourth signs a second time at the same time.
    let mut signing = tokio::task::JoinSet::new();
    let twice = organizations.iter().step_by(4);
    for org in organizations.iter().chain(twice) {
        let (mut client, parent, org) = (officer.clone(), declaration.name.clone(), org.clone());
        signing.spawn(async move {
            let answer = sign(&mut client, &parent, by_organization(&org)).await;
            (org, answer.unwrap_or_else(|e| panic!("sign: {e:?}")))
        });
    }
    let answers = signing.join_all().await;
    assert_eq!(answers.len(), 250);
    let already = answers.iter().filter(|(_, a)| a.already_signed).count();
    assert_eq!(
        already, 50,
        "the second signing of 50 organisations found the first"
    );
    let mut by_org: BTreeMap<&str, HashSet<String>> = BTreeMap::new();
    for (org, answer) in &answers {
        let signature = answer.signature.as_ref().expect("signature");
        assert_eq!(
            signature.signer,
            Some(Signer::Organization(org.clone())),
            "each answer is the organisation's own signature"
        );
        by_org
            .entry(org)
            .or_default()
            .insert(signature.name.clone());
    }
    assert!(
        by_org.values().all(|names| names.len() == 1),
        "both calls of an organisation answered with the same signature"
    );

    let stored = all_signatures(&mut officer, &declaration.name, "").await;
    assert_eq!(stored.len(), 200, "exactly one signature per organisation");
    let distinct: HashSet<_> = stored.iter().map(|s| s.signer.clone()).collect();
    assert_eq!(distinct.len(), 200);
    let read = officer
        .get_declaration(GetDeclarationRequest {
            name: declaration.name.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .declaration
        .expect("declaration");
    assert_eq!(read.signature_counts.expect("counts").pending, 200);

    // The database itself refuses a second live signature, whoever writes it.
    use engage_declarations::store::{Store, rows::SignatureRow};
    let mut copy = SignatureRow::of(&stored[0], 1);
    copy.id = engage_platform::resource::new_id();
    let refused: Result<(), engage_platform::Error> = async {
        engage_platform::with_connection!(system.declarations.database, |conn| {
            conn.insert_signature(&copy).await?
        });
        Ok(())
    }
    .await;
    assert!(
        matches!(refused, Err(engage_platform::Error::AlreadyExists { .. })),
        "{refused:?}"
    );
}

/// One signer of the hand count: who, where, which sector, and what happens to it.
struct Signer_ {
    name: &'static str,
    country: &'static str,
    group: RegionalGroup,
    sector: Sector,
    fate: Fate,
}

#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Verified,
    Pending,
    Rejected,
    Withdrawn,
}

const SIGNERS: &[Signer_] = &[
    Signer_ {
        name: "Haki Africa",
        country: "KE",
        group: RegionalGroup::African,
        sector: Sector::Ngo,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "University of Lagos",
        country: "NG",
        group: RegionalGroup::African,
        sector: Sector::Academia,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "Lawyers for Human Rights",
        country: "ZA",
        group: RegionalGroup::African,
        sector: Sector::Ngo,
        fate: Fate::Withdrawn,
    },
    Signer_ {
        name: "Youth Ki Awaaz",
        country: "IN",
        group: RegionalGroup::AsiaPacific,
        sector: Sector::Youth,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "Japan Civil Network",
        country: "JP",
        group: RegionalGroup::AsiaPacific,
        sector: Sector::Ngo,
        fate: Fate::Rejected,
    },
    Signer_ {
        name: "Instituto Igarapé",
        country: "BR",
        group: RegionalGroup::LatinAmericanCaribbean,
        sector: Sector::Ngo,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "Fundación Poder Ciudadano",
        country: "AR",
        group: RegionalGroup::LatinAmericanCaribbean,
        sector: Sector::Foundation,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "Transparency Deutschland",
        country: "DE",
        group: RegionalGroup::WesternEuropeanOthers,
        sector: Sector::Ngo,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "Reporters Sans Frontières",
        country: "FR",
        group: RegionalGroup::WesternEuropeanOthers,
        sector: Sector::Media,
        fate: Fate::Verified,
    },
    Signer_ {
        name: "La Strada Polska",
        country: "PL",
        group: RegionalGroup::EasternEuropean,
        sector: Sector::Ngo,
        fate: Fate::Pending,
    },
    Signer_ {
        name: "Anti-Corruption Action Centre",
        country: "UA",
        group: RegionalGroup::EasternEuropean,
        sector: Sector::Ngo,
        fate: Fate::Verified,
    },
];

fn tally<K: Ord>(key: impl Fn(&Signer_) -> K) -> BTreeMap<K, [i32; 4]> {
    let mut out = BTreeMap::new();
    for s in SIGNERS {
        let slot = match s.fate {
            Fate::Pending => 0,
            Fate::Verified => 1,
            Fate::Rejected => 2,
            Fate::Withdrawn => 3,
        };
        out.entry(key(s)).or_insert([0; 4])[slot] += 1;
    }
    out
}

fn figures(c: &Option<SignatureStatusCounts>) -> [i32; 4] {
    let c = c.unwrap_or_default();
    [c.pending, c.verified, c.rejected, c.withdrawn]
}

async fn counts_match_a_count_by_hand_and_a_withdrawal_leaves_them_but_stays_on_record(
    backend: TestBackend,
) {
    let system = System::start(backend).await;
    let mut officer = system.client(Role::CsuOfficer);
    let declaration = open_declaration(&mut officer, &["prevention", "victims", "justice"]).await;
    let parent = declaration.name.clone();

    let mut signatures = Vec::new();
    for s in SIGNERS {
        let org = system.organization(s.name, s.country, s.sector).await;
        let mut signature = by_organization(&org.name);
        if s.sector == Sector::Ngo {
            signature.endorsed_area_ids = vec!["victims".into()];
        }
        let signed = sign(&mut officer, &parent, signature).await.expect("sign");
        signatures.push(signed.signature.expect("signature"));
    }
    for (s, signature) in SIGNERS.iter().zip(&signatures) {
        if matches!(s.fate, Fate::Verified | Fate::Withdrawn) {
            officer
                .verify_signature(VerifySignatureRequest {
                    name: signature.name.clone(),
                    note: "confirmed by email".into(),
                    ..Default::default()
                })
                .await
                .expect("verify");
        }
        if s.fate == Fate::Rejected {
            officer
                .reject_signature(RejectSignatureRequest {
                    name: signature.name.clone(),
                    reason: RejectionReason::NotEligible as i32,
                    note: "a government body".into(),
                    ..Default::default()
                })
                .await
                .expect("reject");
        }
    }
    let withdrawn = &signatures[2];
    let withdrawal = officer
        .withdraw_signature(WithdrawSignatureRequest {
            name: withdrawn.name.clone(),
            reason: "The board withdrew its support".into(),
            ..Default::default()
        })
        .await
        .expect("withdraw")
        .into_inner()
        .signature
        .expect("signature");
    assert!(!withdrawal.live);

    // Dashboards read the counts.
    let mut dashboard = system.client(Role::Dashboard);
    let counts = dashboard
        .count_signatures(CountSignaturesRequest {
            parent: parent.clone(),
            filter: String::new(),
        })
        .await
        .expect("count")
        .into_inner();
    let by_group = tally(|s| s.group as i32);
    for row in &counts.by_regional_group {
        let expected = by_group.get(&row.regional_group).copied().unwrap_or([0; 4]);
        assert_eq!(
            figures(&row.counts),
            expected,
            "group {:?}",
            row.regional_group
        );
    }
    assert_eq!(counts.by_regional_group.len(), 7, "every group, with zeros");
    let by_sector = tally(|s| s.sector as i32);
    for row in &counts.by_sector {
        let expected = by_sector.get(&row.sector).copied().unwrap_or([0; 4]);
        assert_eq!(figures(&row.counts), expected, "sector {:?}", row.sector);
    }
    let by_country = tally(|s| s.country.to_owned());
    let countries: Vec<_> = counts
        .by_country
        .iter()
        .map(|c| c.country_code.clone())
        .collect();
    assert_eq!(countries, by_country.keys().cloned().collect::<Vec<_>>());
    let signatories = SIGNERS.iter().filter(|s| s.fate == Fate::Verified).count() as i32;
    assert_eq!(signatories, 8);
    assert_eq!(figures(&counts.totals), [1, signatories, 1, 1]);
    assert_eq!(
        counts.signatory_country_count, signatories,
        "one per country"
    );
    // NGOs endorsed only "victims": the other areas count the others' verified signatures.
    let area = |id: &str| {
        counts
            .by_area
            .iter()
            .find(|a| a.area_id == id)
            .map(|a| figures(&a.counts))
            .expect("area")
    };
    assert_eq!(area("victims")[1], signatories);
    assert_eq!(area("justice")[1], 4, "the verified non-NGOs");

    // Cross-tabulation: the sectors within the African group.
    let african = dashboard
        .count_signatures(CountSignaturesRequest {
            parent: parent.clone(),
            filter: "regional_group = REGIONAL_GROUP_AFRICAN".into(),
        })
        .await
        .expect("count")
        .into_inner();
    let african_by_sector =
        tally(|s| (s.group == RegionalGroup::African).then_some(s.sector as i32));
    for row in &african.by_sector {
        let expected = african_by_sector
            .get(&Some(row.sector))
            .copied()
            .unwrap_or([0; 4]);
        assert_eq!(
            figures(&row.counts),
            expected,
            "African sector {:?}",
            row.sector
        );
    }

    // Signatories per day, from the day before the first signing to the last; the days
    // come from the signatures themselves, so a run across midnight still adds up.
    let day = |d: &Option<engage_api::types::Date>| {
        d.as_ref().and_then(dates::to_date).expect("a sign date")
    };
    let signed: Vec<time::Date> = SIGNERS
        .iter()
        .zip(&signatures)
        .filter(|(s, _)| s.fate == Fate::Verified)
        .map(|(_, signature)| day(&signature.sign_date))
        .collect();
    let first_day = signed
        .iter()
        .min()
        .expect("signatories")
        .previous_day()
        .expect("a day");
    let last_day = *signed.iter().max().expect("signatories");
    let daily = dashboard
        .count_signatures_by_day(CountSignaturesByDayRequest {
            parent: parent.clone(),
            start_date: Some(dates::from_date(first_day)),
            end_date: Some(dates::from_date(last_day)),
            filter: String::new(),
        })
        .await
        .expect("daily")
        .into_inner();
    let mut cumulative = 0;
    for entry in &daily.days {
        let on = signed.iter().filter(|d| **d == day(&entry.date)).count() as i32;
        cumulative += on;
        assert_eq!((entry.count, entry.cumulative_count), (on, cumulative));
    }
    assert_eq!(daily.days[0].count, 0, "the day before the first signing");
    assert_eq!(cumulative, signatories);

    // The public listing shows the verified, live signatories only, by name.
    let mut viewer = system.client(Role::Viewer);
    let public = viewer
        .list_public_signatures(ListPublicSignaturesRequest {
            parent: parent.clone(),
            ..Default::default()
        })
        .await
        .expect("public listing")
        .into_inner();
    let mut expected: Vec<&str> = SIGNERS
        .iter()
        .filter(|s| s.fate == Fate::Verified)
        .map(|s| s.name)
        .collect();
    expected.sort_by_key(|n| deunicode_lower(n));
    let shown: Vec<&str> = public
        .public_signatures
        .iter()
        .map(|p| p.display_name.as_str())
        .collect();
    assert_eq!(shown, expected);
    assert_eq!(public.total_size, signatories);
    assert!(!shown.contains(&"Lawyers for Human Rights"));

    // The withdrawn signature stays on record, with its trail.
    let on_record = all_signatures(&mut officer, &parent, "withdrawn = true").await;
    assert_eq!(on_record.len(), 1);
    assert_eq!(on_record[0].name, withdrawn.name);
    let withdrawal = on_record[0].withdrawal.clone().expect("withdrawal");
    assert_eq!(withdrawal.reason, "The board withdrew its support");
    assert_eq!(on_record[0].status, SignatureStatus::Verified as i32);
    let trail = audit_trail(&system, &withdrawn.name, false, "").await;
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["withdrawn", "verified", "created"],
        "newest first"
    );
    let with_children = audit_trail(
        &system,
        &parent,
        true,
        "method = \"engage.declarations.v1.DeclarationsService/WithdrawSignature\"",
    )
    .await;
    assert_eq!(with_children.len(), 1);
}

fn deunicode_lower(s: &str) -> String {
    s.to_lowercase().replace(['é', 'è'], "e")
}

engage_platform::on_both_databases!(
    two_hundred_organisations_signing_at_once_make_two_hundred_signatures,
    counts_match_a_count_by_hand_and_a_withdrawal_leaves_them_but_stays_on_record,
);
