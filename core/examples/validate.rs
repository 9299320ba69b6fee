//! Validates every message of the files or folders given against its declared
//! version and prints the issues, then a summary of valid messages and codes.
//!
//!     cargo run --release -p pipehat --features dictionary --example validate -- samples/

use pipehat::validate::{validate, Options};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn files(args: impl Iterator<Item = String>) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for arg in args {
        let path = PathBuf::from(arg);
        if path.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                let p = entry?.path();
                if p.extension().is_some_and(|e| e == "hl7") {
                    out.push(p);
                }
            }
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut total, mut valid) = (0, 0);
    let mut codes: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for path in files(std::env::args().skip(1))? {
        let bytes = std::fs::read(&path)?;
        for message in pipehat::stream::messages(&bytes) {
            let Ok(msg) = pipehat::Message::parse(message) else {
                continue;
            };
            total += 1;
            let report = validate(&msg, &Options::default());
            valid += usize::from(report.is_valid());
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let issues: Vec<String> = report
                .issues
                .iter()
                .map(|i| format!("{} {}", i.code(), i.path))
                .collect();
            println!("{name}: {} {:?}", report.structure.unwrap_or("?"), issues);
            for i in &report.issues {
                *codes.entry((i.severity.as_str(), i.code())).or_default() += 1;
            }
        }
    }
    println!("{valid} of {total} messages valid at their declared version");
    for ((severity, code), n) in codes {
        println!("{n:6}  {severity} {code}");
    }
    Ok(())
}
