//! Update masks (AIP-134): which fields an Update changes.

use std::collections::BTreeSet;

use crate::error::Violation;

/// The validated paths of an `update_mask`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateMask {
    paths: BTreeSet<String>,
}

impl UpdateMask {
    /// Validates `mask` against the fields a resource lets clients update. `*` means every
    /// updatable field. An empty or missing mask is refused: engage never guesses which
    /// fields a partial message meant to change.
    pub fn parse(
        mask: Option<&prost_types::FieldMask>,
        updatable: &[&str],
    ) -> Result<Self, Violation> {
        let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
        if paths.is_empty() {
            return Err(Violation::new(
                "update_mask",
                format!(
                    "is required: name the fields to change, or \"*\"; updatable: {}",
                    updatable.join(", ")
                ),
            ));
        }
        if paths.iter().any(|p| p == "*") {
            if paths.len() > 1 {
                return Err(Violation::new("update_mask", "\"*\" must be the only path"));
            }
            return Ok(Self {
                paths: updatable.iter().map(|p| (*p).to_owned()).collect(),
            });
        }
        let mut set = BTreeSet::new();
        for path in paths {
            if !updatable.contains(&path.as_str()) {
                return Err(Violation::new(
                    "update_mask",
                    format!(
                        "\"{path}\" cannot be updated; updatable: {}",
                        updatable.join(", ")
                    ),
                ));
            }
            set.insert(path.clone());
        }
        Ok(Self { paths: set })
    }

    /// Whether the mask names `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// The paths, sorted, for audit entries.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }
}

/// Copies each named field from `$patch` into `$current` when `$mask` names it, so an
/// Update changes exactly the masked fields. Field names are the proto field names.
#[macro_export]
macro_rules! apply_mask {
    ($mask:expr, $current:expr, $patch:expr, [$($field:ident),+ $(,)?]) => {{
        $(
            if $mask.contains(stringify!($field)) {
                $current.$field = ::std::mem::take(&mut $patch.$field);
            }
        )+
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(paths: &[&str]) -> prost_types::FieldMask {
        prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    const UPDATABLE: &[&str] = &["display_name", "acronym", "website"];

    #[test]
    fn named_paths_are_kept_and_unknown_refused() {
        let m = UpdateMask::parse(Some(&mask(&["acronym"])), UPDATABLE).unwrap();
        assert!(m.contains("acronym") && !m.contains("display_name"));
        let err = UpdateMask::parse(Some(&mask(&["etag"])), UPDATABLE).unwrap_err();
        assert_eq!(err.field, "update_mask");
        assert!(err.description.contains("\"etag\""));
    }

    #[test]
    fn star_means_every_updatable_field_and_empty_is_refused() {
        let m = UpdateMask::parse(Some(&mask(&["*"])), UPDATABLE).unwrap();
        assert_eq!(
            m.paths().collect::<Vec<_>>(),
            ["acronym", "display_name", "website"]
        );
        assert!(UpdateMask::parse(None, UPDATABLE).is_err());
        assert!(UpdateMask::parse(Some(&mask(&[])), UPDATABLE).is_err());
        assert!(UpdateMask::parse(Some(&mask(&["*", "acronym"])), UPDATABLE).is_err());
    }

    #[test]
    fn apply_copies_only_masked_fields() {
        #[derive(Default)]
        struct Org {
            display_name: String,
            acronym: String,
        }
        let mut current = Org {
            display_name: "Old".into(),
            acronym: "OLD".into(),
        };
        let mut patch = Org {
            display_name: "New".into(),
            acronym: String::new(),
        };
        let m = UpdateMask::parse(Some(&mask(&["display_name"])), UPDATABLE).unwrap();
        apply_mask!(m, current, patch, [display_name, acronym]);
        assert_eq!(current.display_name, "New");
        assert_eq!(current.acronym, "OLD");
    }
}
