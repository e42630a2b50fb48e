//! The only code that talks to AWS: connection, rate limits, paginated fetchers, error classes.

pub mod arn;
pub mod assignments;
pub mod authoring;
mod call;
pub mod changes;
mod classify;
pub mod connect;
mod creds;
pub mod directory;
mod identity;
pub mod limiter;
pub mod org;
pub mod regions;
pub mod schedules;
pub mod sso;

use std::future::Future;

pub use call::{Gate, Service};
pub(crate) use classify::denied_action;
pub use connect::{connect, CallerIdentity, Clients, ConnectParams, Session};
pub use limiter::Rates;

use crate::error::Result;

/// Runs `list` for every item, at most `concurrency` at once, and joins the results.
pub(crate) async fn fan_out<I, T, F, Fut>(items: I, concurrency: usize, list: F) -> Result<Vec<T>>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = Result<Vec<T>>>,
{
    use futures::stream::{self, StreamExt, TryStreamExt};
    let lists: Vec<Vec<T>> = stream::iter(items)
        .map(list)
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;
    Ok(lists.into_iter().flatten().collect())
}

/// Follows every `NextToken` until the last page.
pub(crate) async fn paginate<T, F, Fut>(page: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    Ok(paginate_at_most(usize::MAX, page)
        .await?
        .unwrap_or_default())
}

/// Every page, or `None` once there would be more than `max_pages` of them.
pub(crate) async fn paginate_at_most<T, F, Fut>(
    max_pages: usize,
    mut page: F,
) -> Result<Option<Vec<T>>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    let mut all = Vec::new();
    let mut token = None;
    for _ in 0..max_pages {
        let (items, next) = page(token.take()).await?;
        all.extend(items);
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(Some(all)),
        }
    }
    Ok(None)
}
