//! The rules of declarations and signatures, free of I/O.

pub mod csv;
pub mod dates;
pub mod declaration;
pub mod filters;
pub mod signature;

use engage_platform::journal::FieldChange;

/// Records in `changes` the change of `path` from `old` to `new`, when the value changed.
pub fn audit_change<T: serde::Serialize + PartialEq>(
    changes: &mut Vec<FieldChange>,
    path: &str,
    old: T,
    new: T,
) {
    if old != new {
        changes.push(FieldChange::new(
            path,
            serde_json::to_value(old).unwrap_or_default(),
            serde_json::to_value(new).unwrap_or_default(),
        ));
    }
}
