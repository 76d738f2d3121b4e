//! The tables of `migrations/*/…_briefings/up.sql`.

diesel::table! {
    /// Events; `body` is the `Event` message.
    events (id) {
        id -> Text,
        kind -> Integer,
        status -> Integer,
        title -> Text,
        conference_session -> Text,
        start_time -> BigInt,
        end_time -> BigInt,
        venue_country_code -> Text,
        attendance_mode -> Integer,
        organizers -> Text,
        co_organizers -> Text,
        registration_managers -> Text,
        thematic_areas -> Text,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}

diesel::table! {
    /// Agenda items; `body` is the `Session` message.
    sessions (id) {
        id -> Text,
        event_id -> Text,
        title -> Text,
        start_time -> BigInt,
        end_time -> BigInt,
        speaker_people -> Text,
        speaker_organizations -> Text,
        thematic_areas -> Text,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}

diesel::table! {
    /// Registrations; `body` is the `Registration` message without its waitlist position,
    /// which the column holds because cancellations and promotions move many of them.
    registrations (id) {
        id -> Text,
        event_id -> Text,
        person -> Text,
        organization -> Text,
        status -> Integer,
        waitlist_position -> Integer,
        badge_code -> Text,
        gender -> Integer,
        sector -> Integer,
        regional_group -> Integer,
        country_code -> Text,
        youth -> Bool,
        display_name -> Text,
        register_time -> BigInt,
        check_in_time -> Nullable<BigInt>,
        revision -> BigInt,
        update_time -> BigInt,
        body -> Binary,
    }
}

diesel::table! {
    /// Statements; `body` is the `Statement` message.
    statements (id) {
        id -> Text,
        event_id -> Text,
        speaker -> Text,
        organization -> Text,
        session -> Text,
        language -> Text,
        thematic_areas -> Text,
        title -> Text,
        deliver_time -> Nullable<BigInt>,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}

diesel::table! {
    /// Follow-up actions; `body` is the `FollowUpAction` message.
    follow_up_actions (id) {
        id -> Text,
        event_id -> Text,
        owner_person -> Text,
        owner_organization -> Text,
        owner_subject -> Text,
        statement -> Text,
        title -> Text,
        status -> Integer,
        due_date -> Nullable<Text>,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}
