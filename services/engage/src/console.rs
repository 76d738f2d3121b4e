//! The web console built into this binary, for the gateway to serve at `/`.

use engage_gateway::ConsoleAssets;

/// The console's files, or `None` when this binary was built without the `console`
/// feature.
#[cfg(feature = "console")]
pub fn assets() -> Option<ConsoleAssets> {
    use engage_gateway::ConsoleFile;
    let files = engage_console::files().iter().map(|file| {
        let mut served = ConsoleFile::new(file.path, file.body);
        if let Some(gzip) = file.gzip {
            served = served.with_gzip(gzip);
        }
        if let Some(brotli) = file.brotli {
            served = served.with_brotli(brotli);
        }
        served
    });
    Some(ConsoleAssets::new(files))
}

/// The console's files, or `None` when this binary was built without the `console`
/// feature.
#[cfg(not(feature = "console"))]
pub fn assets() -> Option<ConsoleAssets> {
    None
}
