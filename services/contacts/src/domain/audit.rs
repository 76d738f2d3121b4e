//! Field values as audit entries record them: the JSON mapping of each updatable field,
//! with empty and unset values as null, and the changes between two versions of a record.

use engage_api::contacts::{
    AddressKind, EmailAddress, EmailKind, PhoneKind, PhoneNumber, PostalAddress,
};
use engage_api::types::{Date, ThematicArea};
use engage_platform::journal::FieldChange;
use serde_json::{Map, Value, json};

use super::dates::format_date;

/// One field's audit value: its path and its JSON value.
pub type AuditValues = Vec<(&'static str, Value)>;

/// A text; empty is null.
pub fn text(value: &str) -> Value {
    if value.is_empty() {
        Value::Null
    } else {
        Value::String(value.to_owned())
    }
}

/// A flag, as a JSON boolean (false is a value, not an absence).
pub fn flag(value: bool) -> Value {
    Value::Bool(value)
}

/// A number where 0 means unknown; 0 is null.
pub fn number(value: i32) -> Value {
    if value == 0 {
        Value::Null
    } else {
        json!(value)
    }
}

/// An enum by its full value name such as "SECTOR_NGO"; the UNSPECIFIED value is null and
/// a value the contract does not define is kept as its number.
pub fn enum_name<E: TryFrom<i32>>(value: i32, name: impl Fn(&E) -> &'static str) -> Value {
    if value == 0 {
        return Value::Null;
    }
    match E::try_from(value) {
        Ok(e) => Value::String(name(&e).to_owned()),
        Err(_) => json!(value),
    }
}

/// A date as "YYYY-MM-DD"; unset is null.
pub fn date(value: Option<&Date>) -> Value {
    value.map_or(Value::Null, |d| Value::String(format_date(d)))
}

/// A timestamp in RFC 3339 (UTC); unset is null.
pub fn timestamp(value: Option<&prost_types::Timestamp>) -> Value {
    value.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// A list; empty is null.
pub fn list<T>(values: &[T], item: impl Fn(&T) -> Value) -> Value {
    if values.is_empty() {
        Value::Null
    } else {
        Value::Array(values.iter().map(item).collect())
    }
}

/// A list of texts; empty is null.
pub fn texts(values: &[String]) -> Value {
    list(values, |v| Value::String(v.clone()))
}

/// Thematic areas by name; empty is null.
pub fn thematic_areas(values: &[i32]) -> Value {
    list(values, |v| enum_name(*v, ThematicArea::as_str_name))
}

/// Builds a JSON object of the proto3 JSON mapping: lowerCamelCase names, unset fields left
/// out.
fn object(fields: &[(&str, Value)]) -> Value {
    let mut map = Map::new();
    for (name, value) in fields {
        if !value.is_null() && *value != Value::Bool(false) {
            map.insert((*name).to_owned(), value.clone());
        }
    }
    Value::Object(map)
}

/// Email addresses as objects; empty is null.
pub fn emails(values: &[EmailAddress]) -> Value {
    list(values, |e| {
        object(&[
            ("address", text(&e.address)),
            ("kind", enum_name(e.kind, EmailKind::as_str_name)),
            ("primary", flag(e.primary)),
        ])
    })
}

/// Phone numbers as objects; empty is null.
pub fn phones(values: &[PhoneNumber]) -> Value {
    list(values, |p| {
        object(&[
            ("originalText", text(&p.original_text)),
            ("e164", text(&p.e164)),
            ("extension", text(&p.extension)),
            ("kind", enum_name(p.kind, PhoneKind::as_str_name)),
            ("primary", flag(p.primary)),
        ])
    })
}

/// Postal addresses as objects; empty is null.
pub fn addresses(values: &[PostalAddress]) -> Value {
    list(values, |a| {
        object(&[
            ("kind", enum_name(a.kind, AddressKind::as_str_name)),
            ("primary", flag(a.primary)),
            ("addressLines", texts(&a.address_lines)),
            ("locality", text(&a.locality)),
            ("region", text(&a.region)),
            ("postalCode", text(&a.postal_code)),
            ("countryCode", text(&a.country_code)),
        ])
    })
}

/// The fields whose values differ between two audit value lists of the same record type.
pub fn changes(old: AuditValues, new: AuditValues) -> Vec<FieldChange> {
    old.into_iter()
        .zip(new)
        .filter(|((_, o), (_, n))| o != n)
        .map(|((path, o), (_, n))| FieldChange::new(path, o, n))
        .collect()
}

/// The fields a create set: every value that is neither null nor false.
pub fn created(values: AuditValues) -> Vec<FieldChange> {
    values
        .into_iter()
        .filter(|(_, v)| !v.is_null() && *v != Value::Bool(false))
        .map(|(path, v)| FieldChange::set(path, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_unspecified_are_null() {
        assert_eq!(text(""), Value::Null);
        assert_eq!(texts(&[]), Value::Null);
        assert_eq!(enum_name(0, ThematicArea::as_str_name), Value::Null);
        assert_eq!(date(None), Value::Null);
        assert_eq!(
            date(Some(&Date {
                year: 2025,
                month: 3,
                day: 7
            })),
            json!("2025-03-07")
        );
    }

    #[test]
    fn messages_use_the_json_mapping() {
        let value = emails(&[EmailAddress {
            address: "a@b.org".into(),
            kind: EmailKind::Work as i32,
            primary: false,
        }]);
        assert_eq!(
            value,
            json!([{"address": "a@b.org", "kind": "EMAIL_KIND_WORK"}])
        );
    }

    #[test]
    fn only_differing_fields_are_changes() {
        let old = vec![("a", json!("x")), ("b", Value::Null)];
        let new = vec![("a", json!("x")), ("b", json!(1))];
        assert_eq!(
            changes(old, new),
            [FieldChange::new("b", Value::Null, json!(1))]
        );
        assert_eq!(
            created(vec![
                ("a", Value::Null),
                ("b", json!(true)),
                ("c", json!(false))
            ]),
            [FieldChange::set("b", json!(true))]
        );
    }
}
