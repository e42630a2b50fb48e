//! Finding anything in a snapshot by what the admin types: accounts (name, id, email),
//! OUs (name, id), users (user name, display name, email), groups (name,
//! description) and permission sets (name, description). Every word must appear
//! (case-insensitive) somewhere in the entity's text. SQLite stops reading once it has
//! enough of each kind; users, the one table that reaches 100,000 rows, are found through
//! a trigram index (migration 0017) for every word of three characters or more, so a rare
//! word costs no pass over the directory.

use rusqlite::Connection;

use crate::error::Result;
use crate::model::{HitKind, SearchHit};

/// At most this many words are matched (more narrow nothing a person types).
const MAX_WORDS: usize = 6;

/// `%word%` for LIKE, with LIKE's own characters escaped (`\` is the escape).
fn pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// One kind of thing searched: (kind, table, id column, title column, detail expression,
/// the columns searched).
type Searched = (
    HitKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const KINDS: &[Searched] = &[
    (
        HitKind::Account,
        "accounts",
        "id",
        "name",
        "id || COALESCE(' · ' || email, '')",
        &["name", "id", "email"],
    ),
    (HitKind::Ou, "ous", "id", "name", "id", &["name", "id"]),
    (
        HitKind::User,
        "dir_users",
        "user_id",
        "user_name",
        "TRIM(COALESCE(display_name, '') || COALESCE(' · ' || email, ''), ' ·')",
        &[
            "user_name",
            "display_name",
            "email",
            "given_name",
            "family_name",
        ],
    ),
    (
        HitKind::Group,
        "dir_groups",
        "group_id",
        "display_name",
        "description",
        &["display_name", "description"],
    ),
    (
        HitKind::PermissionSet,
        "permission_sets",
        "arn",
        "name",
        "description",
        &["name", "description"],
    ),
];

/// What matches `query` in snapshot `snap`: at most `per_kind` of each kind, those whose
/// title starts with the query first, then by title.
pub fn search(
    conn: &Connection,
    snap: i64,
    query: &str,
    per_kind: usize,
) -> Result<Vec<SearchHit>> {
    let words: Vec<String> = query
        .split_whitespace()
        .take(MAX_WORDS)
        .map(pattern)
        .collect();
    if words.is_empty() {
        return Ok(vec![]);
    }
    let whole = query.trim().to_lowercase();
    // Words the trigram index can find (three characters or more), as FTS5 phrases.
    let indexed: Vec<String> = query
        .split_whitespace()
        .take(MAX_WORDS)
        .filter(|w| w.chars().count() >= 3)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    let mut out = Vec::new();
    for (kind, table, id, title, detail, columns) in KINDS {
        // Every word in some column.
        let conditions: Vec<String> = (0..words.len())
            .map(|i| {
                let any: Vec<String> = columns
                    .iter()
                    .map(|c| format!("{c} LIKE ?{} ESCAPE '\\'", i + 3))
                    .collect();
                format!("({})", any.join(" OR "))
            })
            .collect();
        let sql = if *kind == HitKind::User && !indexed.is_empty() {
            // The index narrows to the rows holding the long words; the LIKEs check every
            // word (short ones included) on those rows only.
            format!(
                "SELECT {id}, {title}, {detail} FROM {table} \
                 WHERE row_id IN (SELECT rowid FROM dir_users_search WHERE dir_users_search MATCH ?{m}) \
                   AND valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1) AND {} LIMIT ?2",
                conditions.join(" AND "),
                m = words.len() + 3,
            )
        } else {
            format!(
                "SELECT {id}, {title}, {detail} FROM {table} \
                 WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1) AND {} LIMIT ?2",
                conditions.join(" AND ")
            )
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        // A few more than shown, so the ones starting with the query can come first.
        let mut params: Vec<rusqlite::types::Value> =
            vec![snap.into(), ((per_kind * 4) as i64).into()];
        params.extend(words.iter().map(|w| w.clone().into()));
        if *kind == HitKind::User && !indexed.is_empty() {
            params.push(indexed.join(" ").into());
        }
        let mut hits: Vec<SearchHit> = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                Ok(SearchHit {
                    kind: *kind,
                    id: r.get(0)?,
                    title: r.get(1)?,
                    detail: r.get::<_, Option<String>>(2)?.filter(|d| !d.is_empty()),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        hits.sort_by_key(|h| {
            (
                !h.title.to_lowercase().starts_with(&whole),
                h.title.to_lowercase(),
            )
        });
        hits.truncate(per_kind);
        out.extend(hits);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::snapshots;

    /// Every user a naive walk finds for the words, in the snapshot the search is for.
    fn naive(users: &[crate::model::User], words: &[&str]) -> Vec<String> {
        let mut ids: Vec<String> = users
            .iter()
            .filter(|u| {
                let text = format!(
                    "{} {} {}",
                    u.user_name,
                    u.display_name.as_deref().unwrap_or(""),
                    u.email.as_deref().unwrap_or("")
                )
                .to_lowercase();
                words.iter().all(|w| text.contains(&w.to_lowercase()))
            })
            .map(|u| u.user_id.clone())
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn users_are_found_by_any_part_in_the_snapshot_asked_for_and_agree_with_a_naive_walk() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::ensure(dir.path()).unwrap();
        let mut conn = crate::store::open(dir.path()).unwrap();
        let first = crate::demo::organization();
        // A second snapshot where one user is renamed and one is gone.
        let mut second = first.clone();
        second.member_scan = None;
        second.users[0].user_name = "renamed.person@example.com".into();
        let gone = second.users.remove(1);
        let meta = snapshots::SyncMeta {
            started_at: crate::clock::now_rfc3339(),
            finished_at: crate::clock::now_rfc3339(),
            strategy: None,
            full_scan: false,
            calls: Default::default(),
            duration_ms: 0,
            kind: crate::model::SnapshotKind::Sync,
            base: None,
        };
        let s2 = snapshots::write_snapshot(&mut conn, &second, &meta)
            .unwrap()
            .id;
        let queries: &[&[&str]] = &[
            &["example"],
            &["renamed"],
            &["ada", "com"],
            &["a"],
            &["zzz"],
            &[&gone.user_name],
        ];
        for (snap, data) in [(1, &first), (s2, &second)] {
            for words in queries {
                let hits = search(&conn, snap, &words.join(" "), 1_000).unwrap();
                let mut got: Vec<String> = hits
                    .iter()
                    .filter(|h| h.kind == HitKind::User)
                    .map(|h| h.id.clone())
                    .collect();
                got.sort();
                assert_eq!(got, naive(&data.users, words), "snapshot {snap}, {words:?}");
            }
        }
    }

    #[test]
    fn like_characters_are_taken_literally() {
        assert_eq!(pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
