//! The service's tables, the same on both databases (see the migrations).

diesel::table! {
    declarations (id) {
        id -> Text,
        title -> Text,
        title_key -> Text,
        body -> Text,
        language_code -> Text,
        version -> Integer,
        previous_version -> Nullable<Text>,
        status -> Integer,
        content -> Binary,
        open_time -> Nullable<BigInt>,
        close_time -> Nullable<BigInt>,
        planned_close_date -> Nullable<Text>,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
    }
}

diesel::table! {
    signatures (id) {
        id -> Text,
        declaration_id -> Text,
        signer_kind -> Integer,
        signer_key -> Text,
        standing -> Integer,
        organization -> Nullable<Text>,
        person -> Nullable<Text>,
        affiliation_organization -> Nullable<Text>,
        display_name -> Text,
        name_key -> Text,
        acronym -> Text,
        affiliation -> Text,
        country_code -> Text,
        regional_group -> Integer,
        sector -> Integer,
        endorsed_area_ids -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_person -> Nullable<Text>,
        hide_from_public_listing -> Bool,
        sign_date -> Text,
        status -> Integer,
        review -> Nullable<Binary>,
        withdrawal -> Nullable<Binary>,
        recorded_by -> Text,
        redact_time -> Nullable<BigInt>,
        revision -> BigInt,
        create_time -> BigInt,
        update_time -> BigInt,
    }
}

diesel::table! {
    signature_areas (signature_id, area_id) {
        signature_id -> Text,
        area_id -> Text,
    }
}

diesel::joinable!(signatures -> declarations (declaration_id));
diesel::joinable!(signature_areas -> signatures (signature_id));
diesel::allow_tables_to_appear_in_same_query!(declarations, signatures, signature_areas);
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    signature_areas::area_id,
    signatures::standing,
);
