//! Read queries built as SQL text with bound values, for the lists and figures whose
//! conditions and order the request decides. The text is written once for both databases:
//! only the placeholders differ (`$1` on PostgreSQL, `?` on SQLite), and every column name
//! in it comes from this crate, never from a request.

use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::BoxedSqlQuery;
use diesel::query_builder::SqlQuery;
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use diesel::sqlite::Sqlite;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use engage_platform::Error;
use engage_platform::storage::{Backend, SqliteAsyncConnection};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// Text.
    Text(String),
    /// A 32-bit integer (enum values, counts).
    Int(i32),
    /// A 64-bit integer (instants in microseconds).
    Big(i64),
    /// A boolean.
    Bool(bool),
}

/// SQL text and its bound values, in placeholder order.
#[derive(Debug, Clone)]
pub struct Sql {
    backend: Backend,
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    /// An empty statement for `backend`.
    pub fn new(backend: Backend, text: &str) -> Self {
        Self {
            backend,
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        match self.backend {
            Backend::Postgres => {
                let n = self.binds.len();
                self.text.push_str(&format!("${n}"));
            }
            Backend::Sqlite => self.text.push('?'),
        }
        self
    }

    /// Appends the SQL text of another statement of the same backend with its values.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        // Placeholders are renumbered by re-binding: other's text is split at its own.
        let mut rest = other.text.as_str();
        for value in &other.binds {
            let (before, after) = match self.backend {
                Backend::Postgres => split_pg_placeholder(rest),
                Backend::Sqlite => rest.split_once('?').unwrap_or((rest, "")),
            };
            self.text.push_str(before);
            self.bind(value.clone());
            rest = after;
        }
        self.text.push_str(rest);
        self
    }

    /// The text, for tests.
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn split_pg_placeholder(text: &str) -> (&str, &str) {
    match text.find('$') {
        Some(start) => {
            let digits = text[start + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(text.len(), |n| start + 1 + n);
            (&text[..start], &text[digits..])
        }
        None => (text, ""),
    }
}

macro_rules! bound {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for value in $binds {
            query = match value {
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Int(v) => query.bind::<Integer, _>(v),
                Bind::Big(v) => query.bind::<BigInt, _>(v),
                Bind::Bool(v) => query.bind::<Bool, _>(v),
            };
        }
        query
    }};
}

fn pg_query(sql: Sql) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    bound!(diesel::sql_query(sql.text).into_boxed::<Pg>(), sql.binds)
}

fn sqlite_query(sql: Sql) -> BoxedSqlQuery<'static, Sqlite, SqlQuery> {
    bound!(
        diesel::sql_query(sql.text).into_boxed::<Sqlite>(),
        sql.binds
    )
}

/// Runs [`Sql`] on either connection type.
pub trait RunSql {
    /// The rows of a query.
    fn rows<T>(&mut self, sql: Sql) -> impl Future<Output = Result<Vec<T>, Error>> + Send
    where
        T: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static;
}

impl RunSql for AsyncPgConnection {
    async fn rows<T>(&mut self, sql: Sql) -> Result<Vec<T>, Error>
    where
        T: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
    {
        Ok(pg_query(sql).load::<T>(self).await?)
    }
}

impl RunSql for SqliteAsyncConnection {
    async fn rows<T>(&mut self, sql: Sql) -> Result<Vec<T>, Error>
    where
        T: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
    {
        Ok(sqlite_query(sql).load::<T>(self).await?)
    }
}

/// A count under a key, from a `GROUP BY`.
#[derive(Debug, Clone, QueryableByName)]
pub struct Counted {
    /// The group's key (an enum value, or 1/0 for a flag).
    #[diesel(sql_type = Integer)]
    pub key: i32,
    /// The registration status counted.
    #[diesel(sql_type = Integer)]
    pub status: i32,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// A single number.
#[derive(Debug, Clone, QueryableByName)]
pub struct Number {
    /// The value.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// A count under a text key (an event id), with the last change of the rows counted.
#[derive(Debug, Clone, QueryableByName)]
pub struct CountedByText {
    /// The key.
    #[diesel(sql_type = Text)]
    pub key: String,
    /// The registration status counted.
    #[diesel(sql_type = Integer)]
    pub status: i32,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// The latest `update_time` among them.
    #[diesel(sql_type = BigInt)]
    pub last: i64,
}

/// The registration counts of events by status, with their last change, for
/// [`CountedByText`]; the caller appends the condition.
pub const COUNTS_BY_EVENT: &str = "SELECT event_id AS key, status, COUNT(*) AS n, MAX(update_time) AS last FROM registrations WHERE ";

/// One id.
#[derive(Debug, Clone, QueryableByName)]
pub struct Id {
    /// The id.
    #[diesel(sql_type = Text)]
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend_and_survive_appending() {
        let mut inner = Sql::new(Backend::Postgres, "a = ");
        inner
            .bind(Bind::Int(1))
            .push(" AND b = ")
            .bind(Bind::Int(2));
        let mut outer = Sql::new(Backend::Postgres, "x = ");
        outer.bind(Bind::Int(0)).push(" AND ").append(&inner);
        assert_eq!(outer.text(), "x = $1 AND a = $2 AND b = $3");
        assert_eq!(outer.binds.len(), 3);

        let mut lite = Sql::new(Backend::Sqlite, "a = ");
        lite.bind(Bind::Text("x".into()));
        assert_eq!(lite.text(), "a = ?");
    }
}
