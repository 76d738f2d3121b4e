//! The register's tables (see the migrations and docs/adr/0012-contacts-record-store.md).

diesel::table! {
    records (id) {
        id -> Text,
        kind -> Integer,
        parent_id -> Nullable<Text>,
        revision -> BigInt,
        sort_1 -> Text,
        sort_2 -> Text,
        sort_3 -> Text,
        sort_4 -> Text,
        external_id -> Nullable<Text>,
        search_text -> Text,
        search_seq -> Nullable<BigInt>,
        merged_into -> Nullable<Text>,
        merge_time -> Nullable<BigInt>,
        erase_time -> Nullable<BigInt>,
        create_time -> BigInt,
        update_time -> BigInt,
        delete_time -> Nullable<BigInt>,
        body -> Binary,
    }
}

diesel::table! {
    record_terms (field, value, record_id) {
        field -> Text,
        value -> Text,
        record_id -> Text,
        kind -> Integer,
        hidden -> SmallInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(records, record_terms);
