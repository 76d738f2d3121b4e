//! The `filter` (AIP-160) and `order_by` (AIP-132) of List requests, parsed against the
//! fields a method allows. Services translate the parsed form into their queries; anything
//! malformed or naming a field the method does not offer is INVALID_ARGUMENT on the request
//! field, with a message saying what was expected.
//!
//! Filter grammar (a subset of AIP-160):
//! ```text
//! expression  = sequence { "AND" sequence }
//! sequence    = factor { "OR" factor }          (OR binds tighter than AND, as AIP-160 says)
//! factor      = [ "NOT" | "-" ] ( "(" expression ")" | restriction )
//! restriction = field comparator value
//! comparator  = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"     (":" is "has", for lists)
//! value       = quoted string | word | number | true | false
//! ```
//! Example: `sector = NGO AND (country_code = "KE" OR country_code = "UG") AND tags:youth`.

use std::fmt;

use crate::error::Violation;

/// The type of a filterable field, which decides the comparators and values it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text: `=` and `!=` (exact), `:` (contains, case-insensitive).
    Text,
    /// One of a fixed set of upper-case names: `=` and `!=`.
    Enum(&'static [&'static str]),
    /// `true` or `false`: `=` and `!=`.
    Bool,
    /// A whole number: every comparison.
    Integer,
    /// An RFC 3339 instant, quoted: every comparison but `:`.
    Timestamp,
    /// A calendar date, quoted `YYYY-MM-DD`: every comparison but `:`.
    Date,
    /// A list of text values: `:` (has the value).
    List,
}

/// A field a method lets clients filter on.
#[derive(Debug, Clone, Copy)]
pub struct FilterField {
    /// Its name in the filter, as in the resource message (`country_code`).
    pub name: &'static str,
    /// Its type.
    pub kind: FieldType,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `:`
    Has,
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Comparator::Equal => "=",
            Comparator::NotEqual => "!=",
            Comparator::Less => "<",
            Comparator::LessOrEqual => "<=",
            Comparator::Greater => ">",
            Comparator::GreaterOrEqual => ">=",
            Comparator::Has => ":",
        })
    }
}

/// A typed value from a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, or an enum name.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// An instant, in microseconds since the epoch.
    Timestamp(i64),
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must hold.
    And(Vec<Filter>),
    /// One must hold.
    Or(Vec<Filter>),
    /// Must not hold.
    Not(Box<Filter>),
    /// `field comparator value`.
    Compare {
        /// The field's name.
        field: &'static str,
        /// The comparator.
        comparator: Comparator,
        /// The value, typed by the field.
        value: Value,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Comparator(Comparator),
    Open,
    Close,
    Minus,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, escaped)) => value.push(escaped),
                            None => break,
                        },
                        c => value.push(c),
                    }
                }
                if !closed {
                    return Err(format!(
                        "the quoted value starting at {} is not closed",
                        i + 1
                    ));
                }
                tokens.push(Token::Quoted(value));
            }
            '=' | ':' | '<' | '>' | '!' => {
                chars.next();
                let followed_by_equal = chars.peek().is_some_and(|&(_, n)| n == '=');
                let comparator = match (c, followed_by_equal) {
                    ('=', _) => Comparator::Equal,
                    (':', _) => Comparator::Has,
                    ('<', true) => Comparator::LessOrEqual,
                    ('<', false) => Comparator::Less,
                    ('>', true) => Comparator::GreaterOrEqual,
                    ('>', false) => Comparator::Greater,
                    ('!', true) => Comparator::NotEqual,
                    _ => return Err(format!("unexpected '!' at {}", i + 1)),
                };
                if followed_by_equal && c != '=' && c != ':' {
                    chars.next();
                }
                tokens.push(Token::Comparator(comparator));
            }
            '-' if tokens
                .last()
                .is_none_or(|t| !matches!(t, Token::Comparator(_))) =>
            {
                chars.next();
                tokens.push(Token::Minus);
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_whitespace()
                        || matches!(c, '(' | ')' | '"' | '=' | ':' | '<' | '>' | '!')
                    {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    position: usize,
    fields: &'a [FilterField],
}

fn keyword(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w == word)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn expression(&mut self) -> Result<Filter, String> {
        self.joined("AND", Self::sequence, Filter::And)
    }

    fn sequence(&mut self) -> Result<Filter, String> {
        self.joined("OR", Self::factor, Filter::Or)
    }

    /// `part { word part }`, as one filter when there is a single part.
    fn joined(
        &mut self,
        word: &str,
        part: fn(&mut Self) -> Result<Filter, String>,
        all: fn(Vec<Filter>) -> Filter,
    ) -> Result<Filter, String> {
        let mut parts = vec![part(self)?];
        while keyword(self.peek(), word) {
            self.position += 1;
            parts.push(part(self)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            all(parts)
        })
    }

    fn factor(&mut self) -> Result<Filter, String> {
        if keyword(self.peek(), "NOT") || self.peek() == Some(&Token::Minus) {
            self.position += 1;
            return Ok(Filter::Not(Box::new(self.factor()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.position += 1;
            let inner = self.expression()?;
            return match self.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err("a '(' is not closed".into()),
            };
        }
        self.restriction()
    }

    fn restriction(&mut self) -> Result<Filter, String> {
        let name = match self.next() {
            Some(Token::Word(w)) if !matches!(w.as_str(), "AND" | "OR" | "NOT") => w,
            Some(other) => return Err(format!("expected a field name, found {other:?}")),
            None => return Err("expected a field name, found the end".into()),
        };
        let field = self.fields.iter().find(|f| f.name == name).ok_or_else(|| {
            let names: Vec<_> = self.fields.iter().map(|f| f.name).collect();
            format!(
                "cannot filter on {name:?}; filterable: {}",
                names.join(", ")
            )
        })?;
        let comparator = match self.next() {
            Some(Token::Comparator(c)) => c,
            _ => return Err(format!("expected a comparator after {name}")),
        };
        let raw = match self.next() {
            Some(Token::Word(w)) => w,
            Some(Token::Quoted(q)) => q,
            _ => return Err(format!("expected a value after {name} {comparator}")),
        };
        let value = typed_value(field, comparator, &raw)?;
        Ok(Filter::Compare {
            field: field.name,
            comparator,
            value,
        })
    }
}

fn typed_value(field: &FilterField, comparator: Comparator, raw: &str) -> Result<Value, String> {
    use Comparator::*;
    let name = field.name;
    let equality = matches!(comparator, Equal | NotEqual);
    match field.kind {
        FieldType::Text if equality || comparator == Has => Ok(Value::Text(raw.to_owned())),
        FieldType::Enum(values) if equality => {
            if values.contains(&raw) {
                Ok(Value::Text(raw.to_owned()))
            } else {
                Err(format!("{name} is one of {}", values.join(", ")))
            }
        }
        FieldType::Bool if equality => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{name} is true or false")),
        },
        FieldType::Integer if comparator != Has => raw
            .parse()
            .map(Value::Integer)
            .map_err(|_| format!("{name} is a whole number")),
        FieldType::Timestamp if comparator != Has => parse_rfc3339(raw)
            .map(Value::Timestamp)
            .ok_or_else(|| format!("{name} is an RFC 3339 time such as \"2026-11-25T09:00:00Z\"")),
        FieldType::Date if comparator != Has => parse_date(raw)
            .map(Value::Text)
            .ok_or_else(|| format!("{name} is a date such as \"2026-11-25\"")),
        FieldType::List if comparator == Has => Ok(Value::Text(raw.to_owned())),
        _ => Err(format!("{name} cannot be compared with {comparator}")),
    }
}

/// Checks a `YYYY-MM-DD` calendar date; dates compare as this text.
fn parse_date(text: &str) -> Option<String> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()?;
    Some(text.to_owned())
}

/// Parses an RFC 3339 time (with `Z` or an offset) into microseconds since the epoch.
fn parse_rfc3339(text: &str) -> Option<i64> {
    let time =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(time.unix_timestamp_nanos() / 1_000).ok()
}

impl Filter {
    /// Parses `text` against the filterable `fields`. An empty filter is `None`.
    pub fn parse(text: &str, fields: &[FilterField]) -> Result<Option<Filter>, Violation> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let invalid = |message: String| Violation::new("filter", message);
        let tokens = tokenize(text).map_err(invalid)?;
        let mut parser = Parser {
            tokens,
            position: 0,
            fields,
        };
        let filter = parser.expression().map_err(invalid)?;
        if let Some(extra) = parser.peek() {
            return Err(invalid(format!(
                "unexpected {extra:?} after a complete filter"
            )));
        }
        Ok(Some(filter))
    }
}

/// Filters the boxed diesel query `$q` on `$column` compared with `$value` by a filter
/// [`Comparator`] (`:` compares as `=`: fields that mean something else by it are
/// translated before). The caller has diesel's `QueryDsl` and `ExpressionMethods` in scope.
#[macro_export]
macro_rules! compared {
    ($q:expr, $column:expr, $comparator:expr, $value:expr) => {
        match $comparator {
            $crate::query::Comparator::Less => $q.filter($column.lt($value)),
            $crate::query::Comparator::LessOrEqual => $q.filter($column.le($value)),
            $crate::query::Comparator::Greater => $q.filter($column.gt($value)),
            $crate::query::Comparator::GreaterOrEqual => $q.filter($column.ge($value)),
            $crate::query::Comparator::NotEqual => $q.filter($column.ne($value)),
            $crate::query::Comparator::Equal | $crate::query::Comparator::Has => {
                $q.filter($column.eq($value))
            }
        }
    };
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

/// A parsed `order_by`: fields with directions, in order of precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy(pub Vec<(&'static str, Direction)>);

impl OrderBy {
    /// Parses `text` (`"display_name, create_time desc"`) against the sortable `fields`;
    /// an empty `order_by` is `default`.
    pub fn parse(
        text: &str,
        fields: &[&'static str],
        default: &[(&'static str, Direction)],
    ) -> Result<Self, Violation> {
        if text.trim().is_empty() {
            return Ok(Self(default.to_vec()));
        }
        let mut order = Vec::new();
        for part in text.split(',') {
            let mut words = part.split_whitespace();
            let invalid = |message: String| Violation::new("order_by", message);
            let name = words
                .next()
                .ok_or_else(|| invalid("an empty field in the list".into()))?;
            let field = fields.iter().copied().find(|f| *f == name).ok_or_else(|| {
                invalid(format!(
                    "cannot order by {name:?}; sortable: {}",
                    fields.join(", ")
                ))
            })?;
            let direction = match words.next() {
                None | Some("asc") => Direction::Ascending,
                Some("desc") => Direction::Descending,
                Some(other) => return Err(invalid(format!("{other:?} is not asc or desc"))),
            };
            if words.next().is_some() {
                return Err(invalid(format!(
                    "{part:?} has more than a field and a direction"
                )));
            }
            if order.iter().any(|(f, _)| *f == field) {
                return Err(invalid(format!("{field} is named twice")));
            }
            order.push((field, direction));
        }
        Ok(Self(order))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTORS: &[&str] = &["NGO", "ACADEMIA", "YOUTH"];
    const FIELDS: &[FilterField] = &[
        FilterField {
            name: "display_name",
            kind: FieldType::Text,
        },
        FilterField {
            name: "sector",
            kind: FieldType::Enum(SECTORS),
        },
        FilterField {
            name: "country_code",
            kind: FieldType::Text,
        },
        FilterField {
            name: "youth",
            kind: FieldType::Bool,
        },
        FilterField {
            name: "ecosoc_status_year",
            kind: FieldType::Integer,
        },
        FilterField {
            name: "create_time",
            kind: FieldType::Timestamp,
        },
        FilterField {
            name: "tags",
            kind: FieldType::List,
        },
    ];

    fn compare(field: &'static str, comparator: Comparator, value: Value) -> Filter {
        Filter::Compare {
            field,
            comparator,
            value,
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let parsed = Filter::parse(
            r#"sector = NGO AND country_code = "KE" OR country_code = UG"#,
            FIELDS,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            parsed,
            Filter::And(vec![
                compare("sector", Comparator::Equal, text("NGO")),
                Filter::Or(vec![
                    compare("country_code", Comparator::Equal, text("KE")),
                    compare("country_code", Comparator::Equal, text("UG")),
                ]),
            ])
        );
    }

    #[test]
    fn negation_parentheses_and_has() {
        let parsed = Filter::parse("NOT (youth = true) AND -tags:cybercrime", FIELDS)
            .unwrap()
            .unwrap();
        assert_eq!(
            parsed,
            Filter::And(vec![
                Filter::Not(Box::new(compare(
                    "youth",
                    Comparator::Equal,
                    Value::Bool(true)
                ))),
                Filter::Not(Box::new(compare(
                    "tags",
                    Comparator::Has,
                    text("cybercrime")
                ))),
            ])
        );
    }

    #[test]
    fn values_are_typed_by_their_field() {
        let parsed = Filter::parse(
            r#"ecosoc_status_year >= 2010 AND create_time < "2026-01-01T00:00:00Z""#,
            FIELDS,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            parsed,
            Filter::And(vec![
                compare(
                    "ecosoc_status_year",
                    Comparator::GreaterOrEqual,
                    Value::Integer(2010)
                ),
                compare(
                    "create_time",
                    Comparator::Less,
                    Value::Timestamp(1_767_225_600_000_000)
                ),
            ])
        );
        let quoted = Filter::parse(r#"display_name = "Voices \"of\" Youth""#, FIELDS)
            .unwrap()
            .unwrap();
        assert_eq!(
            quoted,
            compare(
                "display_name",
                Comparator::Equal,
                text(r#"Voices "of" Youth"#)
            )
        );
        let negative = Filter::parse("ecosoc_status_year > -5", FIELDS)
            .unwrap()
            .unwrap();
        assert_eq!(
            negative,
            compare(
                "ecosoc_status_year",
                Comparator::Greater,
                Value::Integer(-5)
            )
        );
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        let cases = [
            ("budget = 3", "cannot filter on \"budget\""),
            ("sector = CHARITY", "sector is one of NGO, ACADEMIA, YOUTH"),
            ("youth = maybe", "true or false"),
            ("sector > NGO", "cannot be compared with >"),
            ("tags = youth", "cannot be compared with ="),
            ("create_time > yesterday", "RFC 3339"),
            ("(sector = NGO", "not closed"),
            ("display_name = \"open", "not closed"),
            ("sector = NGO extra", "unexpected"),
            ("sector =", "expected a value"),
            ("AND", "expected a field name"),
        ];
        for (filter, expected) in cases {
            let violation = Filter::parse(filter, FIELDS).unwrap_err();
            assert_eq!(violation.field, "filter");
            assert!(
                violation.description.contains(expected),
                "{filter}: {}",
                violation.description
            );
        }
        assert_eq!(Filter::parse("   ", FIELDS).unwrap(), None);
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.5Z"), Some(500_000));
        assert_eq!(
            parse_rfc3339("2000-02-29T12:00:00Z"),
            Some(951_825_600_000_000)
        );
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-01-01"), None);
    }

    #[test]
    fn dates_are_real_calendar_days_and_compare_in_order() {
        let fields = &[FilterField {
            name: "due_date",
            kind: FieldType::Date,
        }];
        assert_eq!(
            Filter::parse("due_date >= \"2026-02-28\"", fields).unwrap(),
            Some(Filter::Compare {
                field: "due_date",
                comparator: Comparator::GreaterOrEqual,
                value: Value::Text("2026-02-28".into()),
            })
        );
        for bad in ["2026-02-30", "2026-2-01", "26-02-01", "tomorrow"] {
            assert!(
                Filter::parse(&format!("due_date < \"{bad}\""), fields).is_err(),
                "{bad}"
            );
        }
        assert!(Filter::parse("due_date : \"2026-02-01\"", fields).is_err());
    }

    #[test]
    fn order_by_lists_fields_with_directions() {
        let sortable = &["display_name", "create_time"];
        let default = [("display_name", Direction::Ascending)];
        assert_eq!(OrderBy::parse("", sortable, &default).unwrap().0, default);
        assert_eq!(
            OrderBy::parse("create_time desc, display_name", sortable, &default)
                .unwrap()
                .0,
            [
                ("create_time", Direction::Descending),
                ("display_name", Direction::Ascending)
            ]
        );
        for bad in [
            "budget",
            "display_name up",
            "display_name, display_name",
            "create_time desc x",
            ",",
        ] {
            assert_eq!(
                OrderBy::parse(bad, sortable, &default).unwrap_err().field,
                "order_by",
                "{bad}"
            );
        }
    }
}
