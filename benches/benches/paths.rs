//! String paths against precompiled ones (issue: reads the way the README's
//! tour writes them). Groups `paths/<workload>`: parse, then five reads of
//! MSH-9, MSH-10, PID-3.1, PID-5.1, PID-7 with `get` (decoded text), each
//! with the path as text and as a `Path` parsed once; and `get_raw`,
//! `get_all` the same way.

#![allow(clippy::unwrap_used, clippy::panic)] // a benchmark fails loudly on bad data

use criterion::{criterion_group, criterion_main, Bencher, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

mod common;
use common::{load, Workload};

const FIELDS: [&str; 5] = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7"];

/// Parses every message of `w` with `Message::parse`, then runs `read` on it.
fn reads(b: &mut Bencher<'_>, w: &Workload, read: impl Fn(&pipehat::Message<'_>)) {
    b.iter(|| {
        for m in w.messages() {
            read(&pipehat::Message::parse(m).unwrap());
        }
    })
}

/// The benchmarks of one read (`get`, `get_raw`, `get_all`): the five
/// paths as text, then as `Path`s parsed once.
macro_rules! text_and_path {
    ($g:ident, $w:ident, $paths:ident, $read:ident) => {
        $g.bench_function(
            concat!("Message::parse + ", stringify!($read), "(text)"),
            |b| {
                reads(b, $w, |msg| {
                    FIELDS
                        .iter()
                        .for_each(|p| drop(black_box(msg.$read(*p).unwrap())))
                })
            },
        );
        $g.bench_function(
            concat!("Message::parse + ", stringify!($read), "(Path)"),
            |b| {
                reads(b, $w, |msg| {
                    $paths
                        .iter()
                        .for_each(|p| drop(black_box(msg.$read(p).unwrap())))
                })
            },
        );
    };
}

fn bench(c: &mut Criterion) {
    let paths: Vec<pipehat::Path> = FIELDS.iter().map(|p| p.parse().unwrap()).collect();
    for w in load().iter().filter(|w| w.name != "big") {
        let mut g = c.benchmark_group(format!("paths/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        text_and_path!(g, w, paths, get);
        text_and_path!(g, w, paths, get_raw);
        text_and_path!(g, w, paths, get_all);
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
