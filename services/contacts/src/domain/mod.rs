//! The register's rules, free of I/O: what a valid organisation, person, affiliation,
//! accreditation, consent record and interaction is, how their values are normalised, how
//! duplicates are scored, and how CSV rows map to records.

pub mod audit;
pub mod children;
pub mod contact_points;
pub mod csv;
pub mod dates;
pub mod duplicates;
pub mod merge;
pub mod organization;
pub mod person;
pub mod search;
pub mod text;
