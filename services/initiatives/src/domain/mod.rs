//! The rules of initiatives, milestones and the progress log, without I/O: what a valid
//! initiative is, which status may follow which, when a milestone may be DONE, what forms a
//! dependency cycle, and what a progress entry may say.

pub mod dates;
pub mod initiative;
pub mod milestone;
pub mod progress;

/// Checks the length of a text field in characters; `min` 0 means optional.
pub(crate) fn check_length(
    violations: &mut engage_platform::error::Violations,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) {
    let n = value.chars().count();
    if n < min {
        violations.add(field, "is required");
    } else if n > max {
        violations.add(field, format!("must be at most {max} characters, got {n}"));
    }
}

/// The fields an INVALID_ARGUMENT names, for the tests of the rules.
#[cfg(test)]
pub(crate) fn violated_fields(e: engage_platform::Error) -> Vec<String> {
    match e {
        engage_platform::Error::InvalidArgument(v) => v.into_iter().map(|v| v.field).collect(),
        other => panic!("{other:?}"),
    }
}
