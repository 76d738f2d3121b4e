//! The service's tables (see the migrations and docs/adr/0014-initiatives.md).

diesel::table! {
    initiatives (id) {
        id -> Text,
        title -> Text,
        country_code -> Text,
        regional_group -> Integer,
        status -> Integer,
        start_date -> Text,
        target_date -> Text,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}

diesel::table! {
    initiative_members (initiative_id, kind, value) {
        initiative_id -> Text,
        kind -> Text,
        value -> Text,
    }
}

diesel::table! {
    milestones (id) {
        id -> Text,
        initiative_id -> Text,
        title -> Text,
        status -> Integer,
        percent_complete -> Integer,
        due_date -> Text,
        owner_kind -> Text,
        owner -> Text,
        priority_id -> Text,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}

diesel::table! {
    milestone_dependencies (milestone_id, depends_on_id) {
        milestone_id -> Text,
        depends_on_id -> Text,
    }
}

diesel::table! {
    progress_entries (id) {
        id -> Text,
        initiative_id -> Text,
        milestone_id -> Text,
        author -> Text,
        create_time -> BigInt,
        corrects_id -> Text,
        new_status -> Integer,
        body -> Binary,
    }
}
