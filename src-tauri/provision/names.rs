//! Names as people type them, matched to exactly one item: by id, then exact name, then
//! name ignoring case. A name that fits several is refused with the candidates and their
//! ids; an unknown one with the closest names.

use crate::error::{Error, Result};
use crate::model::Account;

/// The account `wanted` names (id, or a name that fits exactly one account) among
/// `accounts` of snapshot `snap`.
pub fn account_in<'a>(accounts: &'a [Account], wanted: &str, snap: i64) -> Result<&'a Account> {
    let w = wanted.trim();
    one(
        "account",
        w,
        accounts,
        |a| a.id == w,
        |a| &a.name,
        |a| &a.id,
        snap,
    )
}

/// The one item `wanted` names: by id, then exact name, then name ignoring case. A name
/// that fits several (account and OU names are not unique in AWS Organizations) is refused
/// with the candidates and their ids; an unknown one with the closest names.
pub(super) fn one<'a, T>(
    what: &str,
    wanted: &str,
    items: &'a [T],
    by_id: impl Fn(&T) -> bool,
    name: impl Fn(&T) -> &String,
    id: impl Fn(&T) -> &String,
    snap: i64,
) -> Result<&'a T> {
    match find(items, wanted, by_id, &name) {
        Ok(Some(item)) => Ok(item),
        Ok(None) => Err(unknown(what, wanted, items.iter().map(|i| name(i).as_str()), snap)),
        Err(many) => Err(Error::InvalidInput(format!(
            "the {what} name {wanted:?} fits {} {what}s in snapshot {snap}: {}. Give the id instead.",
            many.len(),
            many.iter()
                .map(|i| format!("{} ({})", name(i), id(i)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// By id, then exact name, then name ignoring case; `Err` with every match when a name
/// fits more than one.
#[allow(clippy::type_complexity)]
fn find<'a, T>(
    items: &'a [T],
    wanted: &str,
    by_id: impl Fn(&T) -> bool,
    name: impl Fn(&T) -> &String,
) -> std::result::Result<Option<&'a T>, Vec<&'a T>> {
    if let Some(i) = items.iter().find(|i| by_id(i)) {
        return Ok(Some(i));
    }
    for exact in [true, false] {
        let matches: Vec<&T> = items
            .iter()
            .filter(|i| {
                if exact {
                    name(i) == wanted
                } else {
                    name(i).eq_ignore_ascii_case(wanted)
                }
            })
            .collect();
        match matches.len() {
            0 => continue,
            1 => return Ok(Some(matches[0])),
            _ => return Err(matches),
        }
    }
    Ok(None)
}

pub(super) fn unknown<'a>(
    what: &str,
    wanted: &str,
    names: impl Iterator<Item = &'a str>,
    snap: i64,
) -> Error {
    let close = closest(wanted, names);
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!(
            " Did you mean {}?",
            close
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    Error::InvalidInput(format!(
        "unknown {what} {wanted:?}: it is not in snapshot {snap}.{hint} If it was created since, run `hallpass sync` first."
    ))
}

/// Up to three names within a small edit distance, or containing what was typed.
fn closest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|n| {
            let l = n.to_lowercase();
            let d = distance(&w, &l);
            let near = d <= 2.max(w.len() / 4) || (w.len() >= 3 && l.contains(&w));
            near.then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_owned())
        .collect()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let names = ["platform-admins", "developers", "auditors"];
        assert_eq!(closest("developer", names.iter().copied()), ["developers"]);
        assert_eq!(
            closest("platform", names.iter().copied()),
            ["platform-admins"]
        );
        assert!(closest("zzzzzz", names.iter().copied()).is_empty());
    }
}
