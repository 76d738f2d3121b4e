//! The engage command's building blocks, shared with the end-to-end tests: the whole system
//! in one process, the operator command line and the demo data set.

pub mod cli;
pub mod seed;
pub mod system;
