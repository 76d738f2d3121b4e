//! Records as a table of aligned columns for a person at a terminal: the cells are read from
//! the records' fields by name, enums without their prefix, times to the minute.

use prost_reflect::{DynamicMessage, Kind, ReflectMessage as _, Value};

/// One column: its heading and the field path it shows (`roadmap.overdue_milestones`).
pub struct Column {
    /// The heading.
    pub heading: &'static str,
    /// Dotted protobuf field names from the record to the value.
    pub path: &'static str,
}

/// Shorthand for a column list.
pub const fn col(heading: &'static str, path: &'static str) -> Column {
    Column { heading, path }
}

/// The longest a cell is shown; longer text is cut with an ellipsis.
const MAX_CELL: usize = 48;

/// Renders `records` under `columns`, one line each, columns separated by two spaces.
pub fn render(columns: &[Column], records: &[DynamicMessage]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(records.len() + 1);
    rows.push(columns.iter().map(|c| c.heading.to_owned()).collect());
    for record in records {
        rows.push(
            columns
                .iter()
                .map(|c| {
                    let text = cell(record, c.path);
                    // A name is what the operator copies into the next command: never cut.
                    if c.path == "name" {
                        text
                    } else {
                        shorten(&text)
                    }
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, text) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(text);
            } else {
                line.push_str(text);
                let pad = widths[i] - text.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn shorten(text: &str) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= MAX_CELL {
        return text;
    }
    let mut short: String = text.chars().take(MAX_CELL - 1).collect();
    short.push('…');
    short
}

/// The text of the field at `path` in `record`; empty when unset.
pub fn cell(record: &DynamicMessage, path: &str) -> String {
    let mut message = record.clone();
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let Some(field) = message.descriptor().get_field_by_name(part) else {
            return String::new();
        };
        let unset = !field.is_list() && !message.has_field(&field);
        if unset && (field.containing_oneof().is_some() || matches!(field.kind(), Kind::Message(_)))
        {
            return String::new();
        }
        let value = message.get_field(&field).into_owned();
        if parts.peek().is_none() {
            return text(&value, &field.kind());
        }
        match value {
            Value::Message(inner) => message = inner,
            _ => return String::new(),
        }
    }
    String::new()
}

/// A value as a person reads it.
pub fn text(value: &Value, kind: &Kind) -> String {
    match value {
        Value::Bool(b) => if *b { "yes" } else { "" }.to_owned(),
        Value::I32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F32(n) => n.to_string(),
        Value::F64(n) => format!("{n:.2}"),
        Value::String(s) => s.clone(),
        Value::Bytes(b) => format!("{} bytes", b.len()),
        Value::EnumNumber(number) => enum_text(*number, kind),
        Value::List(items) => items
            .iter()
            .map(|item| text(item, kind))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Map(map) => format!("{} entries", map.len()),
        Value::Message(message) => message_text(message),
    }
}

/// An enum value's name without its type prefix, in lower case: `SECTOR_NGO` is `ngo`.
fn enum_text(number: i32, kind: &Kind) -> String {
    let Kind::Enum(descriptor) = kind else {
        return number.to_string();
    };
    let Some(value) = descriptor.get_value(number) else {
        return number.to_string();
    };
    if number == 0 {
        return String::new();
    }
    let name = value.name();
    let prefix = descriptor
        .values()
        .next()
        .map(|first| first.name().trim_end_matches("UNSPECIFIED").to_owned())
        .unwrap_or_default();
    name.strip_prefix(prefix.as_str())
        .unwrap_or(name)
        .to_lowercase()
}

fn message_text(message: &DynamicMessage) -> String {
    let number = |name: &str| {
        message
            .get_field_by_name(name)
            .and_then(|v| v.as_i64().or_else(|| v.as_i32().map(i64::from)))
            .unwrap_or(0)
    };
    match message.descriptor().full_name() {
        "google.protobuf.Timestamp" => {
            let seconds = number("seconds");
            time::OffsetDateTime::from_unix_timestamp(seconds)
                .map(|t| {
                    format!(
                        "{:04}-{:02}-{:02} {:02}:{:02}Z",
                        t.year(),
                        u8::from(t.month()),
                        t.day(),
                        t.hour(),
                        t.minute()
                    )
                })
                .ok()
                .unwrap_or_else(|| seconds.to_string())
        }
        "engage.type.v1.Date" => format!(
            "{:04}-{:02}-{:02}",
            number("year"),
            number("month"),
            number("day")
        ),
        _ => super::json::line(message).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engage_api::contacts::Organization;
    use engage_api::types::Sector;

    #[test]
    fn columns_line_up_and_enums_read_plainly() {
        let org = Organization {
            name: "organizations/1".into(),
            display_name: "Casa Verde".into(),
            sector: Sector::PrivateSector as i32,
            ..Organization::default()
        };
        let record =
            super::super::json::dynamic(&org, "engage.contacts.v1.Organization").expect("dynamic");
        let table = render(
            &[
                col("NAME", "name"),
                col("SECTOR", "sector"),
                col("CREATED", "create_time"),
            ],
            &[record],
        );
        assert_eq!(
            table,
            "NAME             SECTOR          CREATED\norganizations/1  private_sector\n"
        );
    }
}
