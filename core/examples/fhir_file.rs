//! Converts a file's messages to FHIR Bundles (NDJSON on stdout) with
//! `fhir::convert_file`, and prints the summary on stderr.
//!
//!     cargo run --release -p pipehat --features fhir --example fhir_file -- FILE [THREADS]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args.next().ok_or("usage: fhir_file FILE [THREADS]")?;
    let threads: usize = args.next().map_or(Ok(0), |t| t.parse())?;
    let input = std::fs::File::open(&file)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let s = pipehat::fhir::convert_file(
        input,
        &mut out,
        &Default::default(),
        &Default::default(),
        threads,
    )?;
    eprintln!(
        "{} messages, {} bundles, {} skipped",
        s.messages,
        s.bundles,
        s.errors.len()
    );
    Ok(())
}
