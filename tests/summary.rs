//! Dashboard summaries end to end: records written through the gateway to the four services
//! show in GetSummary and WatchSummary, read through the gateway with real tokens, on both
//! databases (PostgreSQL with the Redis bus, SQLite with the in-process bus).

use std::time::Duration;

use engage_api::contacts::contacts_service_client::ContactsServiceClient;
use engage_api::declarations::VerifySignatureRequest;
use engage_api::declarations::declarations_service_client::DeclarationsServiceClient;
use engage_api::feeds::feeds_service_client::FeedsServiceClient;
use engage_api::feeds::watch_summary_response::Payload;
use engage_api::feeds::{
    DashboardSummary, GetSummaryRequest, InitiativeStatus as SummaryStatus, SummaryOptions,
    WatchSummaryRequest,
};
use engage_api::types::{RegionalGroup, Sector};
use engage_gateway::RateLimits;
use engage_platform::testkit::TestBackend;
use engage_platform::{Caller, Role};
use engage_system_tests::records::{organization, write_records};
use engage_system_tests::{TestBus, TestSystem};

fn sector_count(summary: &DashboardSummary, sector: Sector) -> i32 {
    summary
        .contacts
        .as_ref()
        .and_then(|c| {
            c.organizations_by_sector
                .iter()
                .find(|s| s.sector == sector as i32)
        })
        .map_or(-1, |s| s.count)
}

async fn next_summary(
    stream: &mut tonic::Streaming<engage_api::feeds::WatchSummaryResponse>,
) -> DashboardSummary {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("a summary within the timeout")
            .expect("the stream goes on")
            .expect("a message");
        if let Some(Payload::Summary(summary)) = message.payload {
            return summary;
        }
    }
}

async fn a_dashboard_sees_every_services_figures_and_each_change_as_it_happens(
    backend: TestBackend,
) {
    let bus = match backend {
        TestBackend::Postgres => TestBus::Redis,
        TestBackend::Sqlite => TestBus::Memory,
    };
    let limits = RateLimits {
        write: "100000/s".parse().expect("a rate"),
        read: "100000/s".parse().expect("a rate"),
        ..RateLimits::default()
    };
    let system = TestSystem::start_with(backend, bus, limits).await;
    let officer = Caller::new("officer-1", &[Role::CsuOfficer]);
    let written = write_records(&system, &officer).await;

    let dashboard = Caller::new("wallboard", &[Role::Dashboard]);
    let mut feeds = FeedsServiceClient::new(system.channel_as(&dashboard));
    let summary = feeds
        .get_summary(GetSummaryRequest { options: None })
        .await
        .expect("a summary")
        .into_inner()
        .summary
        .expect("a summary");

    let contacts = summary.contacts.clone().expect("contacts figures");
    assert_eq!(contacts.organizations_total, 3);
    assert_eq!(sector_count(&summary, Sector::Ngo), 2);
    assert_eq!(sector_count(&summary, Sector::Academia), 1);
    assert_eq!((contacts.people_total, contacts.youth_total), (1, 1));
    let african_people = contacts
        .people_by_regional_group
        .iter()
        .find(|g| g.regional_group == RegionalGroup::African as i32)
        .map(|g| (g.people, g.youth));
    assert_eq!(african_people, Some((1, 1)));

    let initiatives = summary.initiatives.clone().expect("initiatives figures");
    assert_eq!(initiatives.initiatives_total, 2);
    let in_status = |status: SummaryStatus| {
        initiatives
            .by_status
            .iter()
            .find(|s| s.status == status as i32)
            .map_or(-1, |s| s.count)
    };
    assert_eq!(in_status(SummaryStatus::Launched), 1);
    assert_eq!(in_status(SummaryStatus::Proposed), 1);
    assert_eq!(initiatives.milestones_overdue, 1);
    assert_eq!(initiatives.milestones.map(|m| m.planned), Some(2));
    let lines: Vec<(&str, i32)> = initiatives
        .initiatives
        .iter()
        .map(|l| (l.initiative.as_str(), l.milestones_overdue))
        .collect();
    assert_eq!(lines, [(written.kenyan_initiative.as_str(), 1)]);

    assert_eq!(summary.declarations.len(), 1);
    let declaration = &summary.declarations[0];
    let totals = declaration.totals.expect("signature totals");
    assert_eq!((totals.verified, totals.pending), (1, 1));
    assert_eq!(declaration.verified_organizations, 1);
    assert_eq!(declaration.verified_countries, 1);
    let african_verified = declaration
        .by_regional_group
        .iter()
        .find(|g| g.regional_group == RegionalGroup::African as i32)
        .and_then(|g| g.counts)
        .map(|c| c.verified);
    assert_eq!(african_verified, Some(1));
    assert!(declaration.open_for_signature);

    let briefings = summary.briefings.clone().expect("briefings figures");
    assert_eq!(briefings.upcoming_event_count, 1);
    assert_eq!(briefings.upcoming_capacity, 10);
    assert_eq!(
        briefings.upcoming_registrations.map(|r| r.registered),
        Some(1)
    );
    assert_eq!(briefings.upcoming_events[0].title, "NGO briefing");
    assert!(briefings.upcoming_events[0].registration_open);
    let sources: Vec<(&str, bool)> = summary
        .sources
        .iter()
        .map(|s| (s.service.as_str(), s.stale))
        .collect();
    assert_eq!(
        sources,
        [
            ("contacts", false),
            ("initiatives", false),
            ("declarations", false),
            ("briefings", false)
        ]
    );

    // A session filter keeps only that session's events.
    let other_session = feeds
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                conference_session: "COP13".into(),
                ..Default::default()
            }),
        })
        .await
        .expect("a summary")
        .into_inner()
        .summary
        .expect("a summary");
    assert_eq!(
        other_session.briefings.map(|b| b.upcoming_event_count),
        Some(0)
    );

    // The stream starts with the same figures, then follows a change.
    let mut stream = feeds
        .watch_summary(WatchSummaryRequest::default())
        .await
        .expect("a stream")
        .into_inner();
    let first = next_summary(&mut stream).await;
    assert_eq!(first.etag, summary.etag, "the same figures, the same etag");
    let mut contacts_client = ContactsServiceClient::new(system.channel_as(&officer));
    organization(&mut contacts_client, "Red Juvenil", Sector::Ngo, "PE").await;
    let next = next_summary(&mut stream).await;
    assert_eq!(next.contacts.map(|c| c.organizations_total), Some(4));
    assert_ne!(next.etag, first.etag);
    DeclarationsServiceClient::new(system.channel_as(&officer))
        .verify_signature(VerifySignatureRequest {
            name: written.pending_signature.name.clone(),
            etag: written.pending_signature.etag.clone(),
            ..Default::default()
        })
        .await
        .expect("the second signature verified");
    let verified = next_summary(&mut stream).await;
    let totals = verified.declarations[0].totals.expect("signature totals");
    assert_eq!((totals.verified, totals.pending), (2, 0));

    // A coordinator sees contacts and their own initiatives, nothing else.
    let mut coordinator = Caller::new("coordinator-ke", &[Role::Coordinator]);
    coordinator.initiatives = vec![written.kenyan_initiative.clone()];
    let theirs = FeedsServiceClient::new(system.channel_as(&coordinator))
        .get_summary(GetSummaryRequest { options: None })
        .await
        .expect("a coordinator's summary")
        .into_inner()
        .summary
        .expect("a summary");
    let theirs_initiatives = theirs.initiatives.expect("their initiatives");
    assert_eq!(theirs_initiatives.initiatives_total, 1);
    assert_eq!(theirs_initiatives.milestones_overdue, 1);
    assert!(theirs.declarations.is_empty());
    assert!(theirs.briefings.is_none());
    assert_eq!(theirs.sources.len(), 2);

    // Bad options are refused field by field.
    let refused = feeds
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                upcoming_event_limit: 1000,
                declarations: vec!["declarations/unknown".into()],
                ..Default::default()
            }),
        })
        .await
        .expect_err("a limit of 1000 is refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let unknown = feeds
        .get_summary(GetSummaryRequest {
            options: Some(SummaryOptions {
                declarations: vec!["declarations/0190aaaa-0000-7000-8000-000000000000".into()],
                ..Default::default()
            }),
        })
        .await
        .expect_err("an unknown declaration is refused");
    assert_eq!(unknown.code(), tonic::Code::InvalidArgument, "{unknown:?}");
    system.stop().await;
}

engage_platform::on_both_databases!(
    a_dashboard_sees_every_services_figures_and_each_change_as_it_happens
);
