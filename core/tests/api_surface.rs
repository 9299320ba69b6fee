//! tests/api_surface.json names every capability in Rust, Python and
//! JavaScript; this checks the Rust column against the crate's source: each
//! name is declared public in the module it names (the Python and JavaScript
//! suites check theirs against the packages and their stubs).

use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of every source file under `dir`.
fn sources(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.ends_with("dictionary/data.rs")
        {
            // (The generated dictionary tables declare no API.)
            out.push_str(&std::fs::read_to_string(&path).expect("source"));
        }
    }
}

/// Whether `text` declares `name` public (a fn, type, const or static).
fn declares(text: &str, name: &str) -> bool {
    [
        "fn", "const fn", "struct", "enum", "type", "trait", "const", "static", "mod",
    ]
    .iter()
    .any(|kind| {
        text.contains(&format!("pub {kind} {name}("))
            || text.contains(&format!("pub {kind} {name}<"))
            || text.contains(&format!("pub {kind} {name} "))
            || text.contains(&format!("pub {kind} {name}:"))
            || text.contains(&format!("pub {kind} {name};"))
    })
}

#[test]
fn every_rust_name_of_the_api_surface_is_declared() {
    let surface: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("../tests/api_surface.json"))
            .expect("api_surface.json"),
    )
    .expect("json");
    let mut all = String::new();
    sources(&root().join("src"), &mut all);
    let mut missing = Vec::new();
    let rows = surface["capabilities"].as_array().expect("capabilities");
    assert!(rows.len() >= 80, "{} rows", rows.len());
    for row in rows {
        let Some(name) = row["rust"].as_str() else {
            assert!(row["why"].is_string(), "{row}: a missing name needs a why");
            continue;
        };
        let mut parts: Vec<&str> = name.split("::").collect();
        // A leading module narrows the search to its files.
        let mut module_text = String::new();
        if parts.len() > 1 && parts[0].chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            let module = parts.remove(0);
            if let Ok(t) = std::fs::read_to_string(root().join(format!("src/{module}.rs"))) {
                module_text.push_str(&t);
            }
            sources(&root().join(format!("src/{module}")), &mut module_text);
            assert!(!module_text.is_empty(), "{name}: no module {module}");
        }
        let text = if module_text.is_empty() {
            &all
        } else {
            &module_text
        };
        for part in parts {
            if !declares(text, part) {
                missing.push(format!("{name} ({part})"));
            }
        }
    }
    assert!(missing.is_empty(), "not declared: {missing:?}");
}
