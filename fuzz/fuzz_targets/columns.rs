//! Columns of any bytes (`pipehat::columns`): reading in batches of any
//! size, pushed in pieces, or by byte ranges cut anywhere gives the rows of
//! reading the whole at once, and those are `extract`'s; a filter and a
//! mapping never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::columns::{Columns, Select};
use pipehat::extract::extract;
use pipehat::filter::Filter;
use pipehat::mapping::Mapping;
use pipehat::stream::{Batch, Splitter};
use pipehat::{ParseOptions, Path};
use std::io::Cursor;

const PATHS: [&str; 5] = ["MSH-9.2", "MSH-10", "PID-3(2).1", "PID-5", "OBX[2]-5"];

type Row = (u64, Vec<Option<String>>, Option<&'static str>);

fn rows(batches: impl Iterator<Item = std::io::Result<Columns>>) -> Vec<Row> {
    let mut out = Vec::new();
    for batch in batches {
        let batch = batch.expect("in memory");
        for row in 0..batch.rows() {
            let values = batch
                .columns
                .iter()
                .map(|c| c.get(row).map(str::to_owned))
                .collect();
            let code = batch.errors.iter().find(|e| e.row == row).map(|e| e.code);
            out.push((batch.offsets[row], values, code));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let paths: Vec<Path> = PATHS.iter().map(|p| p.parse().expect("path")).collect();
    let whole = rows(Select::paths(paths.clone()).read(data));
    // extract reads the same values at the same offsets
    let out = extract(data, &paths, false, 1, &ParseOptions::default());
    assert_eq!(out.offsets, whole.iter().map(|r| r.0).collect::<Vec<_>>());
    for (row, r) in whole.iter().enumerate() {
        for (c, v) in r.1.iter().enumerate() {
            assert_eq!(&out.columns[c][row], v);
        }
    }
    // batches of a few bytes
    let small = Select::paths(paths.clone()).batch_bytes(1 + data.len() % 64);
    assert_eq!(rows(small.read(data)), whole);
    // pushed in pieces
    let select = Select::paths(paths.clone());
    let mut splitter = Splitter::new();
    let mut batches = Vec::new();
    let mut batch = Batch::default();
    let piece = 1 + data.first().copied().unwrap_or(0) as usize % 13;
    for p in data.chunks(piece) {
        splitter.push(p);
        batch.clear();
        batch.take(&mut splitter, usize::MAX);
        batches.push(Ok(select.columns(&batch)));
    }
    splitter.finish();
    batch.clear();
    batch.take(&mut splitter, usize::MAX);
    batches.push(Ok(select.columns(&batch)));
    assert_eq!(rows(batches.into_iter()), whole);
    // ranges cut at positions the input picks
    let mut cuts: Vec<u64> = data
        .iter()
        .take(6)
        .map(|&b| (b as u64 * 7) % (data.len() as u64 + 1))
        .collect();
    cuts.extend([0, data.len() as u64]);
    cuts.sort_unstable();
    cuts.dedup();
    let mut ranged = Vec::new();
    for pair in cuts.windows(2) {
        ranged.extend(rows(
            select
                .read_range(Cursor::new(data), pair[0], pair[1])
                .expect("seek"),
        ));
    }
    assert_eq!(ranged, whole);
    // a filter and a mapping
    let filter = Filter::parse(r#"PID-8 = "F" or MSH-9.1 = "ADT""#).expect("filter");
    let filtered = rows(Select::paths(paths).filter(filter).read(data));
    assert!(filtered.len() <= whole.len());
    let spec = r#"{"rows": "OBX", "fields": {"id": "MSH-10", "v": {"path": "OBX-5", "transform": "number"}}}"#;
    let _ = rows(Select::mapping(Mapping::parse(spec).expect("spec")).read(data));
});
