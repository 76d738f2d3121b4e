//! The permission every engage method needs: one entry per full gRPC method name.
//! A method missing here is refused (default deny); a test walks the descriptors of every
//! service and fails when a method has no entry, or an entry names no method.

use super::{Access, Permission};

/// Every method of every engage API, sorted by service.
pub(super) static TABLE: &[(&str, Permission)] = &[
    // briefings
    (
        "/engage.briefings.v1.BriefingsService/GetEvent",
        Permission::new("briefings.get_event", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/BatchGetEvents",
        Permission::new("briefings.batch_get_events", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ListEvents",
        Permission::new("briefings.list_events", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CreateEvent",
        Permission::new("briefings.create_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UpdateEvent",
        Permission::new("briefings.update_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/DeleteEvent",
        Permission::new("briefings.delete_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UndeleteEvent",
        Permission::new("briefings.undelete_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/PublishEvent",
        Permission::new("briefings.publish_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CloseEvent",
        Permission::new("briefings.close_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ReopenEvent",
        Permission::new("briefings.reopen_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CancelEvent",
        Permission::new("briefings.cancel_event", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/GetSession",
        Permission::new("briefings.get_session", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ListSessions",
        Permission::new("briefings.list_sessions", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CreateSession",
        Permission::new("briefings.create_session", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UpdateSession",
        Permission::new("briefings.update_session", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/DeleteSession",
        Permission::new("briefings.delete_session", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UndeleteSession",
        Permission::new("briefings.undelete_session", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/GetRegistration",
        Permission::new("briefings.get_registration", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ListRegistrations",
        Permission::new("briefings.list_registrations", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/Register",
        Permission::new("briefings.register", Access::RegistrationDesk, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UpdateRegistration",
        Permission::new(
            "briefings.update_registration",
            Access::RegistrationDesk,
            false,
        ),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CancelRegistration",
        Permission::new(
            "briefings.cancel_registration",
            Access::RegistrationDesk,
            false,
        ),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CheckIn",
        Permission::new("briefings.check_in", Access::RegistrationDesk, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/MarkNoShow",
        Permission::new("briefings.mark_no_show", Access::RegistrationDesk, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/BatchMarkNoShow",
        Permission::new(
            "briefings.batch_mark_no_show",
            Access::RegistrationDesk,
            false,
        ),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ExportRegistrations",
        Permission::new(
            "briefings.export_registrations",
            Access::RegistrationDesk,
            true,
        ),
    ),
    (
        "/engage.briefings.v1.BriefingsService/GetStatement",
        Permission::new("briefings.get_statement", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ListStatements",
        Permission::new("briefings.list_statements", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CreateStatement",
        Permission::new("briefings.create_statement", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UpdateStatement",
        Permission::new("briefings.update_statement", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/DeleteStatement",
        Permission::new("briefings.delete_statement", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UndeleteStatement",
        Permission::new("briefings.undelete_statement", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/GetFollowUpAction",
        Permission::new("briefings.get_follow_up_action", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ListFollowUpActions",
        Permission::new("briefings.list_follow_up_actions", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/CreateFollowUpAction",
        Permission::new("briefings.create_follow_up_action", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UpdateFollowUpAction",
        Permission::new("briefings.update_follow_up_action", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/DeleteFollowUpAction",
        Permission::new("briefings.delete_follow_up_action", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/UndeleteFollowUpAction",
        Permission::new("briefings.undelete_follow_up_action", Access::Write, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/GetEventAttendance",
        Permission::new("briefings.get_event_attendance", Access::Read, false),
    ),
    (
        "/engage.briefings.v1.BriefingsService/GetConferenceSessionAttendance",
        Permission::new(
            "briefings.get_conference_session_attendance",
            Access::Read,
            false,
        ),
    ),
    (
        "/engage.briefings.v1.BriefingsService/ListAuditEntries",
        Permission::new("briefings.list_audit_entries", Access::Administer, false),
    ),
    // contacts
    (
        "/engage.contacts.v1.ContactsService/GetOrganization",
        Permission::new("contacts.get_organization", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/BatchGetOrganizations",
        Permission::new("contacts.batch_get_organizations", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListOrganizations",
        Permission::new("contacts.list_organizations", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/SearchOrganizations",
        Permission::new("contacts.search_organizations", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/CreateOrganization",
        Permission::new("contacts.create_organization", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UpdateOrganization",
        Permission::new("contacts.update_organization", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DeleteOrganization",
        Permission::new("contacts.delete_organization", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UndeleteOrganization",
        Permission::new("contacts.undelete_organization", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetPerson",
        Permission::new("contacts.get_person", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/BatchGetPeople",
        Permission::new("contacts.batch_get_people", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListPeople",
        Permission::new("contacts.list_people", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/SearchPeople",
        Permission::new("contacts.search_people", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/CreatePerson",
        Permission::new("contacts.create_person", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UpdatePerson",
        Permission::new("contacts.update_person", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DeletePerson",
        Permission::new("contacts.delete_person", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UndeletePerson",
        Permission::new("contacts.undelete_person", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ErasePerson",
        Permission::new("contacts.erase_person", Access::Administer, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetAffiliation",
        Permission::new("contacts.get_affiliation", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListAffiliations",
        Permission::new("contacts.list_affiliations", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/CreateAffiliation",
        Permission::new("contacts.create_affiliation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UpdateAffiliation",
        Permission::new("contacts.update_affiliation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DeleteAffiliation",
        Permission::new("contacts.delete_affiliation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UndeleteAffiliation",
        Permission::new("contacts.undelete_affiliation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetAccreditation",
        Permission::new("contacts.get_accreditation", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListAccreditations",
        Permission::new("contacts.list_accreditations", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/CreateAccreditation",
        Permission::new("contacts.create_accreditation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UpdateAccreditation",
        Permission::new("contacts.update_accreditation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DeleteAccreditation",
        Permission::new("contacts.delete_accreditation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UndeleteAccreditation",
        Permission::new("contacts.undelete_accreditation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GrantAccreditation",
        Permission::new("contacts.grant_accreditation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/RefuseAccreditation",
        Permission::new("contacts.refuse_accreditation", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetConsentRecord",
        Permission::new("contacts.get_consent_record", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListConsentRecords",
        Permission::new("contacts.list_consent_records", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/CreateConsentRecord",
        Permission::new("contacts.create_consent_record", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UpdateConsentRecord",
        Permission::new("contacts.update_consent_record", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DeleteConsentRecord",
        Permission::new("contacts.delete_consent_record", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UndeleteConsentRecord",
        Permission::new("contacts.undelete_consent_record", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/WithdrawConsentRecord",
        Permission::new("contacts.withdraw_consent_record", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetInteraction",
        Permission::new("contacts.get_interaction", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListInteractions",
        Permission::new("contacts.list_interactions", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/CreateInteraction",
        Permission::new("contacts.create_interaction", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UpdateInteraction",
        Permission::new("contacts.update_interaction", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DeleteInteraction",
        Permission::new("contacts.delete_interaction", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/UndeleteInteraction",
        Permission::new("contacts.undelete_interaction", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetContactsSummary",
        Permission::new("contacts.get_contacts_summary", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListCountries",
        Permission::new("contacts.list_countries", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListTags",
        Permission::new("contacts.list_tags", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/RenameTag",
        Permission::new("contacts.rename_tag", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListDuplicateCandidates",
        Permission::new("contacts.list_duplicate_candidates", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/GetDuplicateCandidate",
        Permission::new("contacts.get_duplicate_candidate", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/RunDuplicateDetection",
        Permission::new("contacts.run_duplicate_detection", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/DismissDuplicateCandidate",
        Permission::new("contacts.dismiss_duplicate_candidate", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ReopenDuplicateCandidate",
        Permission::new("contacts.reopen_duplicate_candidate", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/PreviewOrganizationMerge",
        Permission::new("contacts.preview_organization_merge", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/MergeOrganizations",
        Permission::new("contacts.merge_organizations", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/PreviewPersonMerge",
        Permission::new("contacts.preview_person_merge", Access::Read, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/MergePeople",
        Permission::new("contacts.merge_people", Access::Write, false),
    ),
    (
        "/engage.contacts.v1.ContactsService/ImportOrganizations",
        Permission::new("contacts.import_organizations", Access::Write, true),
    ),
    (
        "/engage.contacts.v1.ContactsService/ImportPeople",
        Permission::new("contacts.import_people", Access::Write, true),
    ),
    (
        "/engage.contacts.v1.ContactsService/ExportOrganizations",
        Permission::new("contacts.export_organizations", Access::Export, true),
    ),
    (
        "/engage.contacts.v1.ContactsService/ExportPeople",
        Permission::new("contacts.export_people", Access::Export, true),
    ),
    (
        "/engage.contacts.v1.ContactsService/ListAuditEntries",
        Permission::new("contacts.list_audit_entries", Access::Administer, false),
    ),
    // declarations
    (
        "/engage.declarations.v1.DeclarationsService/GetDeclaration",
        Permission::new("declarations.get_declaration", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/ListDeclarations",
        Permission::new("declarations.list_declarations", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/CreateDeclaration",
        Permission::new("declarations.create_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/UpdateDeclaration",
        Permission::new("declarations.update_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/DeleteDeclaration",
        Permission::new("declarations.delete_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/UndeleteDeclaration",
        Permission::new("declarations.undelete_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/OpenDeclaration",
        Permission::new("declarations.open_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/CloseDeclaration",
        Permission::new("declarations.close_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/SignDeclaration",
        Permission::new("declarations.sign_declaration", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/GetSignature",
        Permission::new("declarations.get_signature", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/ListSignatures",
        Permission::new("declarations.list_signatures", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/UpdateSignature",
        Permission::new("declarations.update_signature", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/VerifySignature",
        Permission::new("declarations.verify_signature", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/RejectSignature",
        Permission::new("declarations.reject_signature", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/WithdrawSignature",
        Permission::new("declarations.withdraw_signature", Access::Write, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/RedactSignature",
        Permission::new("declarations.redact_signature", Access::Administer, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/ListPublicSignatures",
        Permission::new("declarations.list_public_signatures", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/CountSignatures",
        Permission::new("declarations.count_signatures", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/CountSignaturesByDay",
        Permission::new("declarations.count_signatures_by_day", Access::Read, false),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/ExportSignatures",
        Permission::new("declarations.export_signatures", Access::Read, true),
    ),
    (
        "/engage.declarations.v1.DeclarationsService/ListAuditEntries",
        Permission::new("declarations.list_audit_entries", Access::Administer, false),
    ),
    // feeds
    (
        "/engage.feeds.v1.FeedsService/Subscribe",
        Permission::new("feeds.subscribe", Access::Subscribe, true),
    ),
    (
        "/engage.feeds.v1.FeedsService/ListTopics",
        Permission::new("feeds.list_topics", Access::Read, false),
    ),
    (
        "/engage.feeds.v1.FeedsService/GetSummary",
        Permission::new("feeds.get_summary", Access::Read, false),
    ),
    (
        "/engage.feeds.v1.FeedsService/WatchSummary",
        Permission::new("feeds.watch_summary", Access::Watch, true),
    ),
    // gateway
    (
        "/engage.gateway.v1.GatewayService/GetCaller",
        Permission::new("gateway.get_caller", Access::Identify, false),
    ),
    (
        "/engage.gateway.v1.GatewayService/GetConsoleSettings",
        Permission::new("gateway.get_console_settings", Access::Open, false),
    ),
    (
        "/engage.gateway.v1.GatewayService/CreateDevelopmentToken",
        Permission::new("gateway.create_development_token", Access::Open, false),
    ),
    // initiatives
    (
        "/engage.initiatives.v1.InitiativesService/GetInitiative",
        Permission::new("initiatives.get_initiative", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/BatchGetInitiatives",
        Permission::new("initiatives.batch_get_initiatives", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ListInitiatives",
        Permission::new("initiatives.list_initiatives", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/CreateInitiative",
        Permission::new("initiatives.create_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/UpdateInitiative",
        Permission::new("initiatives.update_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/DeleteInitiative",
        Permission::new("initiatives.delete_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/UndeleteInitiative",
        Permission::new("initiatives.undelete_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/LaunchInitiative",
        Permission::new("initiatives.launch_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ActivateInitiative",
        Permission::new("initiatives.activate_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/SuspendInitiative",
        Permission::new("initiatives.suspend_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ResumeInitiative",
        Permission::new("initiatives.resume_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/CompleteInitiative",
        Permission::new("initiatives.complete_initiative", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/SummarizeInitiatives",
        Permission::new("initiatives.summarize_initiatives", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/GetMilestone",
        Permission::new("initiatives.get_milestone", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ListMilestones",
        Permission::new("initiatives.list_milestones", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/CreateMilestone",
        Permission::new("initiatives.create_milestone", Access::Coordinate, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/UpdateMilestone",
        Permission::new("initiatives.update_milestone", Access::Coordinate, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/DeleteMilestone",
        Permission::new("initiatives.delete_milestone", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/UndeleteMilestone",
        Permission::new("initiatives.undelete_milestone", Access::Write, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ListDueMilestones",
        Permission::new("initiatives.list_due_milestones", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/AppendProgress",
        Permission::new("initiatives.append_progress", Access::Coordinate, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/GetProgressEntry",
        Permission::new("initiatives.get_progress_entry", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ListProgressEntries",
        Permission::new("initiatives.list_progress_entries", Access::Read, false),
    ),
    (
        "/engage.initiatives.v1.InitiativesService/ListAuditEntries",
        Permission::new("initiatives.list_audit_entries", Access::Administer, false),
    ),
];
