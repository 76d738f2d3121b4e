//! CSV import and export of organisations and people (format: `csv.proto` and
//! [`crate::domain::csv`]).
//!
//! An import checks the structure of the whole content before it writes anything, then
//! matches and writes the rows in short transactions (at most 1,000 rows, and short enough
//! that progress goes out at least every second), reporting each transaction's rows only
//! once it is committed. An export pages through the same listing as the List method and
//! streams whole records in chunks. Both run in a task that stops when the client goes away.

mod export;
mod import;

#[allow(
    unused_imports,
    reason = "import and export share their items through here"
)]
use {export::*, import::*};

/// Messages a stream holds before the task waits for the client to read.
const CHANNEL_CAPACITY: usize = 4;
