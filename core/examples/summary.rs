//! Summarises every HL7 file in a folder: what `make demo` runs on `samples/`.
//!
//! Each file is split into messages (multi-message files, batches, MLLP
//! captures), each message is parsed leniently, and the summary shows types,
//! key header fields, and what the parser had to work around.
//!
//! Run: `cargo run --release -p pipehat --example summary -- samples/`

use pipehat::stream::{split, ChunkKind};
use pipehat::{Message, Severity};
use std::collections::BTreeMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "samples".into());
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "hl7"))
            .collect(),
        Err(e) => {
            eprintln!("cannot read {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    files.sort();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_version: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_diagnostic: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut messages, mut failed, mut bytes_total) = (0, 0, 0);
    for path in &files {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("cannot read {}: {e}", path.display());
                continue;
            }
        };
        bytes_total += bytes.len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{name}  ({} bytes)", bytes.len());
        for chunk in split(&bytes) {
            match chunk.kind() {
                ChunkKind::Message => {}
                ChunkKind::BatchTrailer | ChunkKind::FileTrailer => {
                    let check = match chunk.count_matches() {
                        Some(true) => "count ok",
                        Some(false) => "COUNT MISMATCH",
                        None => "no count",
                    };
                    println!(
                        "  {:<14} declared {:?}, counted {:?}: {check}",
                        chunk.kind().as_str(),
                        chunk.declared_count(),
                        chunk.counted()
                    );
                    continue;
                }
                kind => {
                    println!("  {:<14} at byte {}", kind.as_str(), chunk.offset());
                    continue;
                }
            }
            messages += 1;
            let msg = match Message::parse(chunk.as_bytes()) {
                Ok(m) => m,
                Err(e) => {
                    failed += 1;
                    println!(
                        "  message at byte {}: not parsed: {e} [{}]",
                        chunk.offset(),
                        e.code()
                    );
                    continue;
                }
            };
            let kind = format!(
                "{}^{}",
                msg.message_type().as_deref().unwrap_or("?"),
                msg.trigger_event().as_deref().unwrap_or("?")
            );
            let version = msg
                .version()
                .map(|v| v.into_owned())
                .unwrap_or_else(|| "?".into());
            *by_type.entry(kind.clone()).or_default() += 1;
            *by_version.entry(version.clone()).or_default() += 1;
            let terminator = match msg.segment_terminator().as_str() {
                "\r" => "CR",
                "\n" => "LF",
                _ => "CRLF",
            };
            println!(
                "  {kind:<10} v{version:<6} id={:<22} from={:<12} {} segments, {terminator}, charset {}",
                msg.control_id().as_deref().unwrap_or("-"),
                msg.sending_application().as_deref().unwrap_or("-"),
                msg.segment_count(),
                msg.charset().name().unwrap_or("unspecified"),
            );
            if let Some(pid) = msg.segment("PID") {
                let id = pid
                    .field(3)
                    .and_then(|f| f.component(1))
                    .map(|c| c.value().into_owned())
                    .unwrap_or_default();
                let family = msg.get("PID-5.1").ok().flatten().unwrap_or_default();
                println!("             patient id={id:<12} family name={family}");
            }
            let names: Vec<&str> = msg.segments().map(|s| s.name()).collect();
            println!("             segments: {}", names.join(" "));
            for d in msg.diagnostics() {
                *by_diagnostic.entry(d.code().code()).or_default() += 1;
                let mark = if d.severity() >= Severity::Warning {
                    "!"
                } else {
                    "-"
                };
                println!("             {mark} {d}");
            }
        }
        println!();
    }
    println!(
        "== {} files, {bytes_total} bytes, {messages} messages ({failed} not parsed)",
        files.len()
    );
    println!("   message types: {}", join(&by_type));
    println!("   versions:      {}", join(&by_version));
    println!("   diagnostics:   {}", join(&by_diagnostic));
    ExitCode::SUCCESS
}

fn join<K: std::fmt::Display>(map: &BTreeMap<K, usize>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(k, v)| format!("{k} ×{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
