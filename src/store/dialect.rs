//! The two SQL dialects behind [`super::Store`]: SQLite (the embedded default) and PostgreSQL.
//!
//! Every query is written once, with `?` placeholders (SQLite's), in the subset of SQL both
//! databases share. [`Backend::sql`] turns it into PostgreSQL's `$1, $2, …` form; the few
//! statements that differ (time arithmetic, JSON arrays, row locks) ask [`Backend`] for their
//! spelling. Each distinct statement is rewritten once and kept, like a prepared statement.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Any, FromRow};

/// Which database a [`super::Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One file, one writer at a time (`BEGIN IMMEDIATE`).
    Sqlite,
    /// A server shared by several processes; rows locked with `FOR UPDATE`.
    Postgres,
}

impl Backend {
    /// The back end a database URL names: `postgres://` or `postgresql://` is PostgreSQL,
    /// anything else SQLite.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The statement in this back end's placeholder form.
    pub fn sql(self, sql: &str) -> &str {
        match self {
            Backend::Sqlite => sql,
            Backend::Postgres => postgres_form(sql),
        }
    }

    /// ` FOR UPDATE` on PostgreSQL (lock the rows read until the commit); nothing on SQLite,
    /// where the transaction already holds the only write lock.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// ` FOR UPDATE OF <table> SKIP LOCKED` on PostgreSQL: a claim query takes rows nobody else
    /// is taking at this moment, instead of queueing behind another replica's claim. Nothing on
    /// SQLite, where one writer at a time claims anyway.
    pub fn skip_locked(self, table: &str) -> String {
        match self {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR UPDATE OF {table} SKIP LOCKED"),
        }
    }

    /// The condition that keeps the index's change feed commit-safe. SQLite has one writer,
    /// so every `rev` it shows is final: nothing. On PostgreSQL a `rev` carries its writer's
    /// transaction id (see `migrations/postgres`), and only revs below the oldest transaction
    /// still running are read: a transaction that commits late can then never land behind a
    /// watermark the indexer already passed.
    pub fn settled_revs(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " AND rev < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)",
        }
    }

    /// The function giving the 1-based position of a needle in a text (0 when absent):
    /// `name(haystack, needle)`.
    pub fn position(self) -> &'static str {
        match self {
            Backend::Sqlite => "instr",
            Backend::Postgres => "strpos",
        }
    }

    /// A table expression of the elements of a JSON array of strings held in `column`, as
    /// rows with one column `value`.
    pub fn json_strings(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_each({column})"),
            Backend::Postgres => format!("jsonb_array_elements_text(COALESCE({column}, '[]')::jsonb)"),
        }
    }

    /// The WIB calendar day (`YYYY-MM-DD`) of a stored RFC 3339 UTC time column.
    pub fn wib_day(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("date({column}, '+7 hours')"),
            Backend::Postgres => {
                format!(
                    "to_char(({column})::timestamptz AT TIME ZONE 'UTC' + interval '7 hours', 'YYYY-MM-DD')"
                )
            }
        }
    }
}

/// The statement with `?` and `?NNN` placeholders turned into `$N`, computed once per
/// distinct statement (statements are built from a fixed set of shapes, so the cache stays
/// small).
fn postgres_form(sql: &str) -> &'static str {
    static CACHE: OnceLock<RwLock<HashMap<String, &'static str>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(done) = cache.read().expect("sql cache").get(sql) {
        return done;
    }
    let done: &'static str = Box::leak(numbered_placeholders(sql).into_boxed_str());
    cache.write().expect("sql cache").insert(sql.to_string(), done);
    done
}

/// `?` → `$1, $2, …` in order, `?NNN` → `$NNN`; quoted text and identifiers are left alone.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next = 0;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    next += 1;
                    out.push_str(&next.to_string());
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// Builds statements in the back end's dialect; implemented by the store and its transactions.
pub(super) trait Statements {
    /// The back end statements are built for.
    fn backend(&self) -> Backend;

    /// `sqlx::query` in this back end's dialect.
    fn query<'a>(&self, sql: &'a str) -> Query<'a, Any, AnyArguments<'a>> {
        sqlx::query(self.backend().sql(sql))
    }

    /// `sqlx::query_as` in this back end's dialect.
    fn query_as<'a, T>(&self, sql: &'a str) -> QueryAs<'a, Any, T, AnyArguments<'a>>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        sqlx::query_as(self.backend().sql(sql))
    }

    /// `sqlx::query_scalar` in this back end's dialect.
    fn query_scalar<'a, T>(&self, sql: &'a str) -> QueryScalar<'a, Any, T, AnyArguments<'a>>
    where
        (T,): for<'r> FromRow<'r, AnyRow>,
    {
        sqlx::query_scalar(self.backend().sql(sql))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered_placeholders("SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"
        );
        assert_eq!(
            numbered_placeholders("WHERE (?1 IS NULL OR k LIKE ?1 ESCAPE '\\') AND \"a?\" = ?2"),
            "WHERE ($1 IS NULL OR k LIKE $1 ESCAPE '\\') AND \"a?\" = $2"
        );
        assert_eq!(
            numbered_placeholders("SELECT 'it''s ?' , ?"),
            "SELECT 'it''s ?' , $1"
        );
    }

    #[test]
    fn sqlite_statements_are_left_as_written() {
        let sql = "SELECT ? , ?";
        assert!(std::ptr::eq(Backend::Sqlite.sql(sql), sql));
        assert_eq!(Backend::Postgres.sql(sql), "SELECT $1 , $2");
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("sqlite:///tmp/t.db"), Backend::Sqlite);
    }
}
