//! `idl-gen`: builds the IDL of every program in Anchor.toml's `[workspace] members` the way
//! anchor-cli does (anchor-lang-idl's `IdlBuilder`: run the program's
//! `__anchor_private_print_idl` tests with the `idl-build` feature and assemble the printed
//! pieces), and writes `idl/<program>.json` (IDL spec 0.1.0).
//!
//! Usage: idl-gen [--root DIR] [--check] [PROGRAM_DIR...]
//!   --root DIR   workspace root holding Anchor.toml (default: current directory)
//!   --check      write nothing; exit 1 if any idl/*.json is missing, stale or orphaned
//!   PROGRAM_DIR  only these members (e.g. programs/rewards); default: all members
//!
//! Output is deterministic: anchor-lang-idl sorts instructions, accounts, types, events and
//! constants by name; objects keep the IDL spec's field order; 2-space indent, trailing newline.
//! Members whose directory does not exist yet are skipped with a note. A member that fails to
//! build is reported and makes the run fail, but the other members are still written.
//!
//! Environment: IDL_BUILD_TARGET_DIR (default <root>/target/idl-build) is the cargo target dir
//! of the IDL test builds. They run with RUSTFLAGS="-A warnings", which would invalidate a
//! target dir shared with ordinary builds, hence a separate one.

use anchor_lang_idl::{build::IdlBuilder, types::Idl};
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::{env, fs, process::ExitCode};

/// Most differences listed per stale file.
const MAX_DIFFS: usize = 20;

#[derive(Deserialize)]
struct AnchorToml {
    #[serde(default)]
    features: Features,
    workspace: Workspace,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Features {
    #[serde(default = "yes")]
    resolution: bool,
    #[serde(default)]
    skip_lint: bool,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            resolution: true,
            skip_lint: false,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Workspace {
    members: Vec<String>,
}

struct Args {
    root: PathBuf,
    check: bool,
    only: Vec<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        root: env::current_dir()?,
        check: false,
        only: vec![],
    };
    let mut it = env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => args.check = true,
            "--root" => {
                args.root = it
                    .next()
                    .ok_or_else(|| anyhow!("--root needs a directory"))?
                    .into()
            }
            "-h" | "--help" => {
                println!("usage: idl-gen [--root DIR] [--check] [PROGRAM_DIR...]");
                std::process::exit(0);
            }
            flag if flag.starts_with('-') => bail!("unknown option {flag}"),
            member => args.only.push(member.trim_end_matches('/').to_owned()),
        }
    }
    Ok(args)
}

/// The IDL file contents: pretty JSON, 2-space indent, trailing newline.
fn render(idl: &Idl) -> Result<String> {
    Ok(serde_json::to_string_pretty(idl)? + "\n")
}

fn build_idl(program_dir: &Path, features: &Features) -> Result<Idl> {
    IdlBuilder::new()
        .program_path(program_dir.to_path_buf())
        .resolution(features.resolution)
        .skip_lint(features.skip_lint)
        // The print tests live in the lib target; skip doc tests and other targets.
        .cargo_args(vec!["--lib".into()])
        .build()
}

/// Lists where two JSON values differ, as `path: old -> new`, at most `MAX_DIFFS` of them.
fn json_diff(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if out.len() >= MAX_DIFFS || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let sub = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => json_diff(&sub, x, y, out),
                    (Some(_), None) => out.push(format!("{sub}: removed")),
                    (None, Some(y)) => out.push(format!("{sub}: added {}", brief(y))),
                    (None, None) => unreachable!(),
                }
                if out.len() >= MAX_DIFFS {
                    return;
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            // Named entries (instructions, accounts, fields, ...) are matched by name so one
            // insertion does not shift every later index.
            let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_owned);
            let named = a.iter().chain(b).all(|v| name(v).is_some());
            if named {
                let names: BTreeSet<String> = a.iter().chain(b).filter_map(name).collect();
                for n in names {
                    let find = |xs: &Vec<Value>| {
                        xs.iter().find(|v| name(v).as_deref() == Some(&n)).cloned()
                    };
                    let sub = format!("{path}[{n}]");
                    match (find(a), find(b)) {
                        (Some(x), Some(y)) => json_diff(&sub, &x, &y, out),
                        (Some(_), None) => out.push(format!("{sub}: removed")),
                        (None, Some(_)) => out.push(format!("{sub}: added")),
                        (None, None) => unreachable!(),
                    }
                    if out.len() >= MAX_DIFFS {
                        return;
                    }
                }
                let order = |xs: &Vec<Value>| xs.iter().filter_map(name).collect::<Vec<_>>();
                if out.is_empty() && order(a) != order(b) {
                    out.push(format!("{path}: order changed"));
                }
            } else if a.len() != b.len() {
                out.push(format!("{path}: {} entries -> {}", a.len(), b.len()));
            } else {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    json_diff(&format!("{path}[{i}]"), x, y, out);
                }
            }
        }
        _ => out.push(format!("{path}: {} -> {}", brief(old), brief(new))),
    }
}

fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(59).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

/// Why `path` does not hold exactly `expected`, or None when it does.
fn staleness(path: &Path, expected: &str) -> Result<Option<Vec<String>>> {
    let current = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(vec!["missing".into()]))
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if current == expected {
        return Ok(None);
    }
    let mut diffs = vec![];
    match serde_json::from_str::<Value>(&current) {
        Ok(old) => json_diff("", &old, &serde_json::from_str(expected)?, &mut diffs),
        Err(e) => diffs.push(format!("not valid JSON ({e})")),
    }
    if diffs.is_empty() {
        diffs.push("same content, different formatting".into());
    }
    Ok(Some(diffs))
}

fn run() -> Result<bool> {
    let args = parse_args()?;
    let root = args
        .root
        .canonicalize()
        .with_context(|| format!("no directory {}", args.root.display()))?;
    let anchor_toml: AnchorToml = toml::from_str(
        &fs::read_to_string(root.join("Anchor.toml")).context("reading Anchor.toml")?,
    )
    .context("parsing Anchor.toml")?;

    // anchor-lang-idl 0.1.4 passes a literal "+{toolchain}" to cargo when this is set (rustup
    // sets it for processes it starts); the toolchain in effect is inherited anyway.
    env::remove_var("RUSTUP_TOOLCHAIN");
    if env::var_os("IDL_BUILD_TARGET_DIR").is_none() {
        env::set_var("CARGO_TARGET_DIR", root.join("target/idl-build"));
    } else {
        env::set_var(
            "CARGO_TARGET_DIR",
            env::var_os("IDL_BUILD_TARGET_DIR").unwrap(),
        );
    }

    for member in &args.only {
        if !anchor_toml.workspace.members.contains(member) {
            bail!("{member} is not in Anchor.toml [workspace] members");
        }
    }
    let idl_dir = root.join("idl");
    let mut ok = true;
    let mut written = BTreeSet::new();
    for member in &anchor_toml.workspace.members {
        if !args.only.is_empty() && !args.only.contains(member) {
            continue;
        }
        let program_dir = root.join(member);
        if !program_dir.join("Cargo.toml").is_file() {
            eprintln!("idl: {member}: no Cargo.toml yet, skipped");
            continue;
        }
        eprintln!("idl: building {member} ...");
        let idl = match build_idl(&program_dir, &anchor_toml.features) {
            Ok(idl) => idl,
            Err(e) => {
                eprintln!("idl: {member}: FAILED: {e:#}");
                ok = false;
                continue;
            }
        };
        let file = idl_dir.join(format!("{}.json", idl.metadata.name));
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        written.insert(file.clone());
        let text = render(&idl)?;
        if args.check {
            match staleness(&file, &text)? {
                None => eprintln!("idl: {rel} is up to date"),
                Some(diffs) => {
                    ok = false;
                    println!("{rel} is stale (run scripts/build-idl):");
                    for d in &diffs {
                        println!("  {d}");
                    }
                    if diffs.len() >= MAX_DIFFS {
                        println!("  … (first {MAX_DIFFS} differences shown)");
                    }
                }
            }
        } else {
            fs::create_dir_all(&idl_dir)?;
            if fs::read_to_string(&file).ok().as_deref() == Some(text.as_str()) {
                eprintln!("idl: {rel} unchanged");
            } else {
                fs::write(&file, &text).with_context(|| format!("writing {rel}"))?;
                eprintln!("idl: wrote {rel}");
            }
        }
    }

    // An idl/*.json that no member produces is stale too (a renamed or removed program).
    if args.check && args.only.is_empty() && idl_dir.is_dir() {
        let members_with_dirs: Vec<_> = anchor_toml
            .workspace
            .members
            .iter()
            .map(|m| root.join(m))
            .collect();
        for entry in fs::read_dir(&idl_dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") && !written.contains(&path) {
                let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                // A member that failed to build was already reported; do not call it orphaned.
                let failed_member = members_with_dirs
                    .iter()
                    .any(|d| d.ends_with(&stem) && d.join("Cargo.toml").is_file());
                if !failed_member {
                    ok = false;
                    println!("idl/{stem}.json is stale: no Anchor.toml member builds it");
                }
            }
        }
    }
    Ok(ok)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("idl: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
