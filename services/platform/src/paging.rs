//! Opaque keyset page tokens (AIP-158).
//!
//! A token carries the sort key of the last item returned and a fingerprint of the query
//! it belongs to: the list it came from (such as `ListPeople`) and everything that shapes the
//! result. The next page continues strictly after that key (never OFFSET), so inserts and
//! deletes between pages neither repeat nor skip items, and a token used with another list or
//! a different query (another filter, order or parent) is refused with INVALID_ARGUMENT.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::error::Violation;

/// The page sizes of one List method.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    /// Used when the request leaves `page_size` at 0.
    pub default_size: i64,
    /// Larger requests are served this many (AIP-158: coerce, do not fail).
    pub max_size: i64,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            default_size: 50,
            max_size: 1000,
        }
    }
}

/// A parsed List request: how many items to return and after which sort key.
#[derive(Debug, Clone)]
pub struct Page<K> {
    fingerprint: String,
    /// How many items to return.
    pub size: i64,
    /// The sort key of the last item of the previous page, if any.
    pub after: Option<K>,
}

#[derive(Serialize, Deserialize)]
struct Token<K> {
    /// Fingerprint of the query.
    q: String,
    /// Sort key of the last item returned.
    k: K,
}

/// Identifies a query by the list it reads and everything that shapes its result other than
/// the page itself.
fn fingerprint(list: &str, query: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in std::iter::once(&list).chain(query) {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

impl<K: Serialize + DeserializeOwned> Page<K> {
    /// Reads `page_size` and `page_token`. `list` names the list (its method, such as
    /// `ListPeople`), so that a token of one list is refused by another; `query` lists what
    /// shapes the result (parent, filter, order_by, show_deleted, …) in a fixed order.
    pub fn parse(
        list: &str,
        page_size: i32,
        page_token: &str,
        query: &[&str],
        limits: PageLimits,
    ) -> Result<Self, Violation> {
        let size = match i64::from(page_size) {
            n if n < 0 => return Err(Violation::new("page_size", "must not be negative")),
            0 => limits.default_size,
            n => n.min(limits.max_size),
        };
        let fingerprint = fingerprint(list, query);
        let after = if page_token.is_empty() {
            None
        } else {
            let refused = || {
                Violation::new(
                    "page_token",
                    "is not a token that this query returned: repeat the first request without a token",
                )
            };
            let bytes = URL_SAFE_NO_PAD.decode(page_token).map_err(|_| refused())?;
            let token: Token<K> = serde_json::from_slice(&bytes).map_err(|_| refused())?;
            if token.q != fingerprint {
                return Err(refused());
            }
            Some(token.k)
        };
        Ok(Self {
            fingerprint,
            size,
            after,
        })
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Trims the fetched rows to the page and returns the token of the next page, empty
    /// when this is the last.
    pub fn finish<T>(&self, rows: &mut Vec<T>, key_of: impl Fn(&T) -> K) -> String {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        if rows.len() <= size {
            return String::new();
        }
        rows.truncate(size);
        match rows.last() {
            Some(last) => self.token_after(key_of(last)),
            None => String::new(),
        }
    }

    /// The token of the page that starts after `key`.
    pub fn token_after(&self, key: K) -> String {
        let token = Token {
            q: self.fingerprint.clone(),
            k: key,
        };
        // Serialising plain keys (strings, numbers, tuples) cannot fail.
        let json = serde_json::to_vec(&token).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Key = (String, String);

    #[test]
    fn sizes_default_cap_and_refuse_negatives() {
        let limits = PageLimits::default();
        assert_eq!(
            Page::<Key>::parse("ListThings", 0, "", &[], limits)
                .unwrap()
                .size,
            50
        );
        assert_eq!(
            Page::<Key>::parse("ListThings", 10, "", &[], limits)
                .unwrap()
                .size,
            10
        );
        assert_eq!(
            Page::<Key>::parse("ListThings", 5000, "", &[], limits)
                .unwrap()
                .size,
            1000
        );
        assert_eq!(
            Page::<Key>::parse("ListThings", -1, "", &[], limits)
                .unwrap_err()
                .field,
            "page_size"
        );
    }

    #[test]
    fn a_token_continues_its_own_query_only() {
        let query = ["", "sector = NGO", "display_name"];
        let first = Page::<Key>::parse("ListThings", 2, "", &query, PageLimits::default()).unwrap();
        let mut rows = vec![("a", "1"), ("b", "2"), ("c", "3")];
        let token = first.finish(&mut rows, |r| (r.0.to_owned(), r.1.to_owned()));
        assert_eq!(rows.len(), 2);
        assert!(!token.is_empty());

        let next =
            Page::<Key>::parse("ListThings", 2, &token, &query, PageLimits::default()).unwrap();
        assert_eq!(next.after, Some(("b".to_owned(), "2".to_owned())));

        let other = ["", "sector = ACADEMIA", "display_name"];
        let refused =
            Page::<Key>::parse("ListThings", 2, &token, &other, PageLimits::default()).unwrap_err();
        assert_eq!(refused.field, "page_token");

        // The same query of another list: a ListPeople token is no ListOrganizations token.
        let elsewhere =
            Page::<Key>::parse("ListOtherThings", 2, &token, &query, PageLimits::default());
        assert_eq!(elsewhere.unwrap_err().field, "page_token");
    }

    #[test]
    fn the_last_page_has_no_token_and_garbage_is_refused() {
        let page = Page::<Key>::parse("ListThings", 5, "", &[], PageLimits::default()).unwrap();
        let mut rows = vec![("a", "1")];
        assert_eq!(
            page.finish(&mut rows, |r| (r.0.to_owned(), r.1.to_owned())),
            ""
        );
        assert!(
            Page::<Key>::parse("ListThings", 5, "not a token!", &[], PageLimits::default())
                .is_err()
        );
        assert!(Page::<Key>::parse("ListThings", 5, "e30", &[], PageLimits::default()).is_err());
    }

    #[test]
    fn fingerprints_do_not_collide_on_concatenation() {
        assert_ne!(
            fingerprint("l", &["ab", "c"]),
            fingerprint("l", &["a", "bc"])
        );
        assert_ne!(fingerprint("la", &["b"]), fingerprint("l", &["ab"]));
    }
}
