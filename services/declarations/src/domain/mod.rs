//! The rules of declarations and signatures, free of I/O.

pub mod csv;
pub mod dates;
pub mod declaration;
pub mod filters;
pub mod signature;
