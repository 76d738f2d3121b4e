//! Duplicate detection without I/O: the blocking keys that find candidate pairs through
//! indexed columns (so no pair of the whole register is ever compared blindly), and the
//! field-by-field score of one pair with the reasons behind it.
//!
//! Every comparison's weight is its contribution to the score, so the weights shown to a
//! reviewer add up (before clamping to [0, 1]) to the score they see.

use std::collections::HashMap;

use engage_api::contacts::{DuplicateBand, FieldMatch};

mod blocking;
mod names;
mod organizations;
mod people;
mod similarity;

#[allow(unused_imports, reason = "the sections share their items through here")]
use {blocking::*, names::*, organizations::*, people::*, similarity::*};

pub use blocking::{organization_blocking_keys, person_blocking_keys};
pub use organizations::{
    PreparedOrganization, score_organizations, score_prepared_organizations,
    score_prepared_organizations_reaching,
};
pub use people::{PreparedPerson, score_people, score_prepared_people};

/// The pairs of records that share a blocking key, each once, as indexes into the records
/// whose keys `keys_per_record` gives in turn (lower index first, sorted). A key shared by
/// more than `largest_block` records is too common to tell anything apart and proposes no
/// pair; the records' other keys still do.
pub fn pairs_sharing_a_key(
    keys_per_record: impl IntoIterator<Item = Vec<String>>,
    largest_block: usize,
) -> Vec<(usize, usize)> {
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, keys) in keys_per_record.into_iter().enumerate() {
        for key in keys {
            blocks.entry(key).or_default().push(i);
        }
    }
    // Sorting and dropping repeats is cheaper than a set when most pairs share one key.
    let mut pairs = Vec::new();
    for members in blocks
        .values()
        .filter(|m| m.len() > 1 && m.len() <= largest_block)
    {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Score thresholds of the two bands; configurable per deployment, hence not constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Lowest score in the LIKELY band.
    pub likely: f64,
    /// Lowest score in the POSSIBLE band; pairs below it are not candidates.
    pub possible: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            likely: 0.85,
            possible: 0.60,
        }
    }
}

/// The band of `score`, or `None` when the pair is not worth proposing.
pub fn band(score: f64, t: &Thresholds) -> Option<DuplicateBand> {
    if score >= t.likely {
        Some(DuplicateBand::Likely)
    } else if score >= t.possible {
        Some(DuplicateBand::Possible)
    } else {
        None
    }
}

/// The score of one pair and the comparisons that explain it, largest contribution first.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Similarity from 0 (nothing in common) to 1 (certainly the same).
    pub score: f64,
    /// The field comparisons behind `score`, sorted by weight, descending.
    pub matches: Vec<FieldMatch>,
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod numbered_names;
