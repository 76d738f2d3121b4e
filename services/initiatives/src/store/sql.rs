//! SQL text with its bound values, written once for both databases: placeholders are `?`
//! and become `$1`, `$2`, … for PostgreSQL. Lists, filters and figures are composed here
//! because their shape depends on the request (filter, order, page).

use engage_platform::query::Direction;
use serde::{Deserialize, Serialize};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
}

/// A statement under construction.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    /// The values of the placeholders, in order.
    pub binds: Vec<Bind>,
}

impl Sql {
    /// A statement starting with `text`.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends SQL text (which must hold no `?` of its own).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.text.push('?');
        self.binds.push(value);
        self
    }

    /// Appends a text placeholder.
    pub fn text(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(value.into()))
    }

    /// Appends an integer placeholder.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Bind::Int(value))
    }

    /// Appends `(?, ?, …)` for `values`; `(NULL)` when there are none, which matches nothing.
    pub fn list(&mut self, values: &[String]) -> &mut Self {
        if values.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text(v.clone());
        }
        self.push(")")
    }

    /// Appends another statement's text and binds.
    pub fn append(&mut self, other: Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
        self
    }

    /// The text for a database: `?` as is for SQLite, numbered for PostgreSQL.
    pub fn render(&self, numbered: bool) -> String {
        if !numbered {
            return self.text.clone();
        }
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut n = 0;
        for c in self.text.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// One part of a keyset sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Key {
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(String),
}

impl Key {
    fn bind(&self) -> Bind {
        match self {
            Key::Int(i) => Bind::Int(*i),
            Key::Text(t) => Bind::Text(t.clone()),
        }
    }
}

/// `ORDER BY` for sort expressions with directions, the last being the unique tie-breaker.
pub fn order_by(order: &[(&str, Direction)]) -> String {
    let parts: Vec<String> = order
        .iter()
        .map(|(expr, d)| match d {
            Direction::Ascending => format!("{expr} ASC"),
            Direction::Descending => format!("{expr} DESC"),
        })
        .collect();
    format!(" ORDER BY {}", parts.join(", "))
}

/// The keyset condition "after `key`" for `order` (the last expression unique):
/// `(a > ?) OR (a = ? AND b > ?) OR …`, each comparison in its column's direction.
pub fn after(order: &[(&str, Direction)], key: &[Key]) -> Sql {
    let mut sql = Sql::new("(");
    for i in 0..order.len().min(key.len()) {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for (j, (expr, _)) in order.iter().enumerate().take(i) {
            sql.push(&format!("{expr} = "))
                .bind(key[j].bind())
                .push(" AND ");
        }
        let (expr, direction) = order[i];
        let op = match direction {
            Direction::Ascending => ">",
            Direction::Descending => "<",
        };
        sql.push(&format!("{expr} {op} "))
            .bind(key[i].bind())
            .push(")");
    }
    sql.push(")");
    sql
}

/// The statements of one keyset page over `from` (tables with aliases): the rows
/// (`SELECT {select} … ORDER BY … LIMIT limit`, after `key` when given) and the count of every
/// row matching `condition`.
pub fn page(
    select: &str,
    from: &str,
    condition: &Sql,
    order: &[(&str, Direction)],
    key: Option<&[Key]>,
    limit: i64,
) -> (Sql, Sql) {
    let mut rows = Sql::new(&format!("SELECT {select} FROM {from} WHERE "));
    rows.append(condition.clone());
    if let Some(key) = key {
        rows.push(" AND ").append(after(order, key));
    }
    rows.push(&order_by(order)).push(" LIMIT ").int(limit);
    let mut count = Sql::new(&format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {from} WHERE "
    ));
    count.append(condition.clone());
    (rows, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.text("x")
            .push(" AND b IN ")
            .list(&["1".into(), "2".into()]);
        assert_eq!(sql.render(false), "SELECT 1 WHERE a = ? AND b IN (?, ?)");
        assert_eq!(sql.render(true), "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(sql.binds.len(), 3);
    }

    #[test]
    fn keyset_conditions_follow_each_direction() {
        let order = [
            ("title", Direction::Descending),
            ("id", Direction::Ascending),
        ];
        let sql = after(&order, &[Key::Text("T".into()), Key::Text("i".into())]);
        assert_eq!(sql.render(false), "((title < ?) OR (title = ? AND id > ?))");
        assert_eq!(
            sql.binds,
            [
                Bind::Text("T".into()),
                Bind::Text("T".into()),
                Bind::Text("i".into())
            ]
        );
    }
}
