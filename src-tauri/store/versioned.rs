//! Rows stored with the snapshots they are valid in.
//!
//! Writing snapshot S compares the new rows with the table's open rows by key:
//! unchanged rows are left alone, changed or removed rows are closed
//! (`valid_to = S`), new or changed rows are inserted (`valid_from = S`).

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};

use crate::error::Result;

pub trait Versioned: Sized {
    const TABLE: &'static str;
    /// Column names; the first `KEY_LEN` identify the row across snapshots.
    const COLUMNS: &'static [&'static str];
    const KEY_LEN: usize;
    fn to_row(&self) -> Vec<Value>;
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

fn key_of(values: &[Value], key_len: usize) -> String {
    let mut key = String::new();
    for v in &values[..key_len] {
        match v {
            Value::Text(s) => key.push_str(s),
            Value::Integer(i) => key.push_str(&i.to_string()),
            Value::Null => key.push('\u{0}'),
            Value::Real(r) => key.push_str(&r.to_string()),
            Value::Blob(b) => key.push_str(&String::from_utf8_lossy(b)),
        }
        key.push('\u{1f}');
    }
    key
}

/// Writes `items` as the content of `T`'s table in snapshot `snapshot`; returns rows changed.
pub fn apply<T: Versioned>(conn: &Connection, snapshot: i64, items: &[T]) -> Result<u64> {
    let cols = T::COLUMNS.join(", ");
    let mut open: HashMap<String, (i64, Vec<Value>)> = HashMap::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT row_id, {cols} FROM {} WHERE valid_to IS NULL",
            T::TABLE
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let row_id: i64 = row.get(0)?;
            let values = (0..T::COLUMNS.len())
                .map(|i| row.get::<_, Value>(i + 1))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            open.insert(key_of(&values, T::KEY_LEN), (row_id, values));
        }
    }
    let placeholders = (1..=T::COLUMNS.len() + 1)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut insert = conn.prepare(&format!(
        "INSERT INTO {} ({cols}, valid_from) VALUES ({placeholders})",
        T::TABLE
    ))?;
    let mut close = conn.prepare(&format!(
        "UPDATE {} SET valid_to = ?1 WHERE row_id = ?2",
        T::TABLE
    ))?;
    let mut changed = 0u64;
    for item in items {
        let values = item.to_row();
        let key = key_of(&values, T::KEY_LEN);
        match open.remove(&key) {
            Some((_, old)) if old == values => continue,
            Some((row_id, _)) => {
                close.execute(rusqlite::params![snapshot, row_id])?;
                changed += 1;
            }
            None => {}
        }
        let mut params = values;
        params.push(Value::Integer(snapshot));
        insert.execute(params_from_iter(params))?;
        changed += 1;
    }
    for (_, (row_id, _)) in open {
        close.execute(rusqlite::params![snapshot, row_id])?;
        changed += 1;
    }
    Ok(changed)
}

/// The key that identifies `item` across snapshots.
pub fn key<T: Versioned>(item: &T) -> String {
    key_of(&item.to_row(), T::KEY_LEN)
}

/// How `T` changed from snapshot `a` to snapshot `b` (`a < b`): the rows visible in `a`
/// but not in `b`, and the rows visible in `b` but not in `a`. A changed row is in both,
/// under the same key. Reads only the rows written between the two snapshots.
pub fn changes_between<T: Versioned>(
    conn: &Connection,
    a: i64,
    b: i64,
) -> Result<(Vec<T>, Vec<T>)> {
    let cols = T::COLUMNS.join(", ");
    let read = |cond: &str| -> Result<Vec<T>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {cols} FROM {} WHERE {cond}", T::TABLE))?;
        let rows = stmt.query_map(rusqlite::params![a, b], |r| T::from_row(r))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    };
    let gone =
        read("valid_from <= ?1 AND valid_to IS NOT NULL AND valid_to > ?1 AND valid_to <= ?2")?;
    let new = read("valid_from > ?1 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to > ?2)")?;
    Ok((gone, new))
}

/// One version of a row: the snapshot that first held it and the one that no longer did.
pub struct Version<T> {
    pub valid_from: i64,
    pub valid_to: Option<i64>,
    pub item: T,
}

/// Every version of the rows of `T` that match `filter` (an SQL condition using `?1`…),
/// oldest first.
pub fn versions_where<T: Versioned>(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Version<T>>> {
    let cols = T::COLUMNS.join(", ");
    let n = T::COLUMNS.len();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols}, valid_from, valid_to FROM {} WHERE {filter} ORDER BY valid_from, row_id",
        T::TABLE
    ))?;
    let rows = stmt.query_map(args, |r| {
        Ok(Version {
            item: T::from_row(r)?,
            valid_from: r.get(n)?,
            valid_to: r.get(n + 1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every row of `T` visible in `snapshot`.
pub fn read_at<T: Versioned>(conn: &Connection, snapshot: i64) -> Result<Vec<T>> {
    read_where(conn, snapshot, "", &[])
}

/// Rows of `T` visible in `snapshot` that also match `filter` (an SQL condition using `?2`…).
pub fn read_where<T: Versioned>(
    conn: &Connection,
    snapshot: i64,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<T>> {
    let cols = T::COLUMNS.join(", ");
    let extra = if filter.is_empty() {
        String::new()
    } else {
        format!(" AND ({filter})")
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols} FROM {} WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1){extra}",
        T::TABLE
    ))?;
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&snapshot];
    all.extend_from_slice(args);
    let rows = stmt.query_map(all.as_slice(), |r| T::from_row(r))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PrincipalType, User};

    fn user(id: &str, name: &str) -> User {
        User {
            identity_store_id: "d-1".into(),
            user_id: id.into(),
            user_name: name.into(),
            display_name: None,
            given_name: None,
            family_name: None,
            email: None,
            status: None,
        }
    }

    fn rows(conn: &Connection) -> i64 {
        conn.query_row("SELECT COUNT(*) FROM dir_users", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn rows_live_as_long_as_they_are_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        let v1 = vec![user("u1", "ada"), user("u2", "alan")];
        assert_eq!(apply(&conn, 1, &v1).unwrap(), 2);
        // Unchanged: nothing written.
        assert_eq!(apply(&conn, 2, &v1).unwrap(), 0);
        assert_eq!(rows(&conn), 2);
        // A rename closes one row and opens another; a removal closes one.
        let v3 = vec![user("u1", "ada.lovelace")];
        assert_eq!(apply(&conn, 3, &v3).unwrap(), 3);
        assert_eq!(rows(&conn), 3);
        let names = |s| {
            let mut n: Vec<String> = read_at::<User>(&conn, s)
                .unwrap()
                .into_iter()
                .map(|u| u.user_name)
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(1), ["ada", "alan"]);
        assert_eq!(names(2), ["ada", "alan"]);
        assert_eq!(names(3), ["ada.lovelace"]);
        // Back again: a new row, the old ones stay history.
        assert_eq!(apply(&conn, 4, &v1).unwrap(), 3);
        assert_eq!(names(4), ["ada", "alan"]);
        assert_eq!(names(3), ["ada.lovelace"]);
        let _ = PrincipalType::User;
    }

    #[test]
    fn filtered_reads_see_only_their_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        apply(&conn, 1, &[user("u1", "ada")]).unwrap();
        apply(&conn, 2, &[user("u1", "ada2")]).unwrap();
        let at1 = read_where::<User>(&conn, 1, "user_id = ?2", &[&"u1"]).unwrap();
        let at2 = read_where::<User>(&conn, 2, "user_id = ?2", &[&"u1"]).unwrap();
        assert_eq!(at1[0].user_name, "ada");
        assert_eq!(at2[0].user_name, "ada2");
    }
}
