//! Runs the operator command line in-process against a test system, as an operator at a
//! shell would: the gateway's address, a token in a file, and the output read back.

use std::path::{Path, PathBuf};

use engage_platform::Caller;

use crate::TestSystem;

/// How long one command may run before the test gives up on it.
const COMMAND_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// What a command printed and its exit status.
pub struct Outcome {
    /// The exit status.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// An operator with a token for one system and a folder for files.
pub struct Operator {
    endpoint: String,
    token_file: PathBuf,
    /// A folder of the operator's files, removed at the end.
    pub folder: tempfile::TempDir,
}

impl Operator {
    /// An operator calling `system` as `caller`.
    pub fn new(system: &TestSystem, caller: &Caller) -> Self {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let token_file = folder.path().join("token");
        std::fs::write(&token_file, system.token_for(caller)).expect("token written");
        Self {
            endpoint: format!("http://{}", system.gateway),
            token_file,
            folder,
        }
    }

    /// An operator whose token file holds `token` as is, calling `endpoint`.
    pub fn with_token(endpoint: &str, token: &str) -> Self {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let token_file = folder.path().join("token");
        std::fs::write(&token_file, token).expect("token written");
        Self {
            endpoint: endpoint.to_owned(),
            token_file,
            folder,
        }
    }

    /// A path in the operator's folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    /// Runs `engage ARGS` against the system.
    pub async fn run(&self, args: &[&str]) -> Outcome {
        let token_file = self.token_file.display().to_string();
        let mut all = vec![
            "engage",
            "--endpoint",
            self.endpoint.as_str(),
            "--token-file",
            token_file.as_str(),
        ];
        all.extend_from_slice(args);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        // A command that waits for something that never comes (a feed short of its limit)
        // fails the test instead of holding the whole run open.
        let code = tokio::time::timeout(
            COMMAND_TIME_LIMIT,
            engage::cli::run_args(all, &mut out, &mut err),
        )
        .await
        .unwrap_or_else(|_| panic!("engage {args:?} did not finish within {COMMAND_TIME_LIMIT:?}"));
        Outcome {
            code,
            stdout: String::from_utf8(out).expect("UTF-8 output"),
            stderr: String::from_utf8(err).expect("UTF-8 errors"),
        }
    }

    /// Runs a command that must succeed; returns its standard output.
    pub async fn ok(&self, args: &[&str]) -> String {
        let outcome = self.run(args).await;
        assert_eq!(
            outcome.code, 0,
            "engage {args:?} failed: {}{}",
            outcome.stderr, outcome.stdout
        );
        outcome.stdout
    }
}

/// Writes `text` to `path`.
pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
