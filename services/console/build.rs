//! Builds the web console from `<workspace>/web/`: installs its packages from the lockfile
//! (`npm ci`) when they are missing or older than the lockfile, runs `npm run build` with
//! `ENGAGE_CONSOLE_OUT_DIR` naming where the build writes (a fresh folder under
//! `$OUT_DIR/console/`), compresses every text file with gzip and brotli, and writes the
//! table of files `src/lib.rs` embeds.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

const NODE_MISSING: &str = "the web console needs Node.js 20+ and npm to build: install them \
(apt-get install nodejs npm), or build the command line alone with \
`cargo build -p engage --no-default-features`";

/// The oldest Node.js major version the console's tool chain supports.
const NODE_MAJOR: u32 = 20;

/// Extensions of files worth compressing; images and fonts are compressed already.
const COMPRESSIBLE: [&str; 13] = [
    "html",
    "htm",
    "js",
    "mjs",
    "css",
    "json",
    "map",
    "svg",
    "txt",
    "xml",
    "webmanifest",
    "ico",
    "wasm",
];

fn main() {
    if let Err(message) = build() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn build() -> Result<(), String> {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .ok_or("the console crate is expected at services/console in the workspace")?
        .to_path_buf();
    let web = root.join("web");
    let out_dir = PathBuf::from(env("OUT_DIR")?);

    watch(&root, &web);

    if !web.join("package.json").is_file() {
        return Err(format!(
            "{} is missing: the web console's sources are expected in {}",
            web.join("package.json").display(),
            web.display()
        ));
    }
    check_node()?;

    let lockfile = web.join("package-lock.json");
    if !lockfile.is_file() {
        return Err(format!(
            "{} is missing: run `npm install` in {} once to create it (the build installs \
             exactly what it lists, with `npm ci`)",
            lockfile.display(),
            web.display()
        ));
    }
    let installed = web.join("node_modules").join(".package-lock.json");
    if modified(&installed) < modified(&lockfile) {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&web),
            "npm ci",
        )?;
    }

    // Each run builds into a folder of its own and copies the files into a store named by
    // content, which the generated table points into. Two builds sharing this OUT_DIR (cargo
    // invocations side by side) then never remove a file the other's table names, and an
    // unchanged file is not compressed again.
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let console = out_dir
        .join("console")
        .join(format!("{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&console)
        .map_err(|e| format!("creating {}: {e}", console.display()))?;
    let built = build_into(&web, &console, &out_dir.join("files"));
    let _ = std::fs::remove_dir_all(&console);
    let (table, kept) = built?;
    let generated = out_dir.join("console_files.rs");
    write_atomically(&generated, table.as_bytes())?;
    prune(&out_dir.join("files"), &kept);
    Ok(())
}

/// Runs the web build into `console` and copies its files into `store`; returns the table
/// of files and the store's files it names.
fn build_into(web: &Path, console: &Path, store: &Path) -> Result<(String, Vec<PathBuf>), String> {
    run(
        Command::new("npm")
            .args(["run", "build"])
            .env("ENGAGE_CONSOLE_OUT_DIR", console)
            .current_dir(web),
        "npm run build",
    )?;

    let mut files = Vec::new();
    list_files(console, &mut files)?;
    files.sort();
    if !files.iter().any(|f| f == &console.join("index.html")) {
        return Err(format!(
            "`npm run build` wrote no index.html into ENGAGE_CONSOLE_OUT_DIR ({})",
            console.display()
        ));
    }
    std::fs::create_dir_all(store).map_err(|e| format!("creating {}: {e}", store.display()))?;

    let mut kept = Vec::new();
    let mut table = String::from("/// Every file of the built console.\n");
    table.push_str("static FILES: &[EmbeddedFile] = &[\n");
    for file in &files {
        let relative = file
            .strip_prefix(console)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let body = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
        let stored = store.join(content_name(&body, &relative));
        if !stored.is_file() {
            write_atomically(&stored, &body)?;
        }
        kept.push(stored.clone());
        let (gzip, brotli) = if is_compressible(&relative) {
            (
                compressed(&stored, "gz", &body, gzip)?,
                compressed(&stored, "br", &body, brotli)?,
            )
        } else {
            (None, None)
        };
        let include = |path: &Option<PathBuf>| match path {
            Some(p) => format!("Some(include_bytes!({:?}))", p.display().to_string()),
            None => "None".to_owned(),
        };
        let _ = writeln!(
            table,
            "    EmbeddedFile {{ path: {relative:?}, body: include_bytes!({:?}), gzip: {}, brotli: {} }},",
            stored.display().to_string(),
            include(&gzip),
            include(&brotli),
        );
        kept.extend(gzip);
        kept.extend(brotli);
    }
    table.push_str("];\n");
    Ok((table, kept))
}

/// A store name for `body`: a hash of its bytes and path, and its extension.
fn content_name(body: &[u8], relative: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(body, &mut hasher);
    std::hash::Hash::hash(relative, &mut hasher);
    let extension = relative.rsplit_once('.').map(|(_, e)| e).unwrap_or("bin");
    format!(
        "{:016x}-{}.{extension}",
        std::hash::Hasher::finish(&hasher),
        body.len()
    )
}

/// Writes `bytes` to `path` through a temporary file, so no reader sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temporary, bytes)
        .map_err(|e| format!("writing {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Removes stored files no table has named for a day.
fn prune(store: &Path, kept: &[PathBuf]) {
    let Ok(entries) = std::fs::read_dir(store) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let path = entry.path();
        let old = modified(&path)
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > day);
        if old && !kept.contains(&path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run through cargo)"))
}

/// Tells cargo what the build reads, so that it runs again when the console changes.
/// Files the build itself writes (the generated clients) are left out: they would make
/// every build look stale.
fn watch(root: &Path, web: &Path) {
    let rerun = |path: &Path| println!("cargo:rerun-if-changed={}", path.display());
    rerun(&web.join("package.json"));
    for name in [
        "package-lock.json",
        "index.html",
        "vite.config.ts",
        "buf.gen.yaml",
        "buf.yaml",
        "proto",
        "public",
    ] {
        let path = web.join(name);
        if path.exists() {
            rerun(&path);
        }
    }
    if let Ok(entries) = std::fs::read_dir(web) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("tsconfig") && name.ends_with(".json") {
                rerun(&entry.path());
            }
        }
    }
    rerun(&root.join("proto"));
    let generated = generated_dirs(web);
    let mut sources = Vec::new();
    watch_sources(&web.join("src"), &generated, &mut sources);
    if sources.is_empty() && web.join("src").exists() {
        rerun(&web.join("src"));
    }
    for source in sources {
        rerun(&source);
    }
}

/// The folders `buf.gen.yaml` writes generated code into (its `out:` values).
fn generated_dirs(web: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(web.join("buf.gen.yaml")) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.trim().trim_start_matches("- ").strip_prefix("out:"))
        .map(|out| web.join(out.trim().trim_matches(['"', '\''])))
        .collect()
}

/// The source files and folders below `dir`, outside the generated folders. Folders are
/// listed so that a new file is noticed; generated folders are not.
fn watch_sources(dir: &Path, generated: &[PathBuf], found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if generated.iter().any(|g| same_path(g, &path)) {
            continue;
        }
        if path.is_dir() {
            watch_sources(&path, generated, found);
        } else {
            found.push(path);
        }
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn check_node() -> Result<(), String> {
    let version = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let node = version("node").ok_or(NODE_MISSING)?;
    version("npm").ok_or(NODE_MISSING)?;
    let major = node
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if major < NODE_MAJOR {
        return Err(format!("Node.js {node} is too old: {NODE_MISSING}"));
    }
    Ok(())
}

/// Runs `command`, showing its output when it fails.
fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output: Output = command.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            NODE_MISSING.to_owned()
        } else {
            format!("{what}: {e}")
        }
    })?;
    if output.status.success() {
        return Ok(());
    }
    let mut stderr = std::io::stderr();
    let _ = stderr.write_all(&output.stdout);
    let _ = stderr.write_all(&output.stderr);
    Err(format!(
        "`{what}` in web/ failed ({}); its output is above",
        output.status
    ))
}

fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            list_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn is_compressible(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSIBLE.contains(&ext.to_ascii_lowercase().as_str()))
}

fn gzip(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

fn brotli(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(body).map_err(|e| e.to_string())?;
        writer.flush().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The compressed form of the stored file `stored` (`<stored>.<extension>`), made by
/// `compress` unless an earlier build made it; `None` when it is not smaller.
fn compressed(
    stored: &Path,
    extension: &str,
    body: &[u8],
    compress: fn(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Option<PathBuf>, String> {
    let mut name = stored.as_os_str().to_owned();
    name.push(format!(".{extension}"));
    let path = PathBuf::from(name);
    let mut none = path.as_os_str().to_owned();
    none.push(".none");
    let none = PathBuf::from(none);
    if path.is_file() {
        return Ok(Some(path));
    }
    if none.is_file() {
        return Ok(None);
    }
    let compressed = compress(body)?;
    if compressed.len() >= body.len() {
        // Remembered, so that the next build does not try again.
        write_atomically(&none, b"")?;
        return Ok(None);
    }
    write_atomically(&path, &compressed)?;
    Ok(Some(path))
}
