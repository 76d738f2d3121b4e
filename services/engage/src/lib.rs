//! The engage command's building blocks, shared with the end-to-end tests: the whole system
//! in one process, the operator command line, the demo data set and the web console.

pub mod cli;
pub mod console;
pub mod seed;
pub mod system;
