//! Converts each file given (one message each) to a FHIR R4 Bundle and writes
//! it beside `OUT_DIR/<name>.json`, with the report on stderr.
//!
//!     cargo run --release -p pipehat --features fhir --example to_fhir -- OUT_DIR FILE...

use pipehat::{fhir, Message};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: to_fhir OUT_DIR FILE...")?;
    std::fs::create_dir_all(&out)?;
    for file in args {
        let bytes = std::fs::read(&file)?;
        let conv = match Message::parse(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|m| fhir::to_fhir(&m, &fhir::Options::default()).map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{file}: {e}");
                continue;
            }
        };
        let stem = Path::new(&file)
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        std::fs::write(Path::new(&out).join(format!("{stem}.json")), &conv.bundle)?;
        eprintln!("{stem}: {}", conv.report.to_json());
    }
    Ok(())
}
