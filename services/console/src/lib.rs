//! The web console (`web/`), built by this crate's build script with npm and Vite and
//! embedded in the binary: every file of the build with its gzip and brotli forms,
//! compressed at compile time so that serving never compresses.
//!
//! Building it needs Node.js 20+ and npm. The `engage` binary depends on this crate
//! through its `console` feature; `cargo build -p engage --no-default-features` builds the
//! command line without it.

/// One file of the built console.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFile {
    /// Its path below the console's root, such as `index.html` or
    /// `assets/index-3f2a9c.js`.
    pub path: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
    /// The bytes compressed with gzip, when that makes them smaller.
    pub gzip: Option<&'static [u8]>,
    /// The bytes compressed with brotli, when that makes them smaller.
    pub brotli: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/console_files.rs"));

/// Every file of the built console; `index.html` among them.
pub fn files() -> &'static [EmbeddedFile] {
    FILES
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_build_has_an_index_page_and_hashed_assets() {
        let files = super::files();
        let index = files.iter().find(|f| f.path == "index.html");
        assert!(index.is_some(), "index.html is built");
        assert!(files.iter().any(|f| f.path.starts_with("assets/")));
        for file in files {
            assert!(!file.path.starts_with('/') && !file.path.contains('\\'));
            if let Some(gzip) = file.gzip {
                assert!(gzip.len() < file.body.len(), "{}", file.path);
            }
        }
    }
}
