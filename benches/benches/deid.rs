//! De-identification with the built-in Safe Harbor policy on the shared
//! workload (issue: ≥ 200 MB/s of HL7 input in Rust on adt and oru).
//! Groups, each reporting bytes/s of HL7 input over the whole file:
//! - `deid/<w>`: `Message::parse` then `Deidentifier::apply` for each
//!   message, one thread (one de-identifier, its plans kept).
//! - `deid_shift/<w>`: the same with dates shifted rather than generalized
//!   (a patient offset per message).
//! - `deidentify_file/<w>`: `deid::deidentify_file` over the whole file on
//!   every core (two here), into a buffer.
//!
//! No HL7 v2 de-identification peer exists as a Rust crate; the Python
//! benchmark (python/bench/deid.py) measures a regex redaction for scale.

#![allow(clippy::unwrap_used, clippy::panic)] // a benchmark fails loudly on bad data

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipehat::deid::{deidentify_file, Deidentifier, Policy};
use pipehat::Message;
use std::hint::black_box;
use std::time::Duration;

mod common;
use common::load;

const KEY: &[u8] = b"pipehat benchmark key";

fn bench(c: &mut Criterion) {
    let shift = Policy::parse(r#"{"dates": "shift"}"#).unwrap();
    for w in load().into_iter().filter(|w| w.name != "big") {
        let msgs: Vec<&[u8]> = w.messages().collect();
        let bytes = w.bytes.len() as u64;
        for (group, policy) in [
            ("deid", Policy::safe_harbor()),
            ("deid_shift", shift.clone()),
        ] {
            let mut d = Deidentifier::new(KEY, &policy).unwrap();
            let mut g = c.benchmark_group(group);
            g.throughput(Throughput::Bytes(bytes));
            g.measurement_time(Duration::from_secs(8));
            g.sample_size(10);
            let mut out = Vec::with_capacity(64 << 10);
            g.bench_function(BenchmarkId::from_parameter(w.name), |b| {
                b.iter(|| {
                    let mut n = 0usize;
                    for m in &msgs {
                        out.clear();
                        d.apply_into(&Message::parse(m).unwrap(), &mut out);
                        n += out.len();
                    }
                    black_box(n)
                })
            });
            g.finish();
        }
        let mut d = Deidentifier::new(KEY, &Policy::safe_harbor()).unwrap();
        let mut g = c.benchmark_group("deidentify_file");
        g.throughput(Throughput::Bytes(bytes));
        g.measurement_time(Duration::from_secs(8));
        g.sample_size(10);
        let mut out = Vec::with_capacity(w.bytes.len() + (1 << 20));
        g.bench_function(BenchmarkId::from_parameter(w.name), |b| {
            b.iter(|| {
                out.clear();
                let s = deidentify_file(&w.bytes[..], &mut out, &mut d, &Default::default(), 0)
                    .unwrap();
                black_box((s.written, out.len()))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
