//! The engage command's building blocks, shared with the end-to-end tests.

pub mod system;
