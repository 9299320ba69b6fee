//! HL7 v2 → FHIR R4 on the shared workload (issue: parse + convert to Bundle
//! JSON text ≥ 100 MB/s of HL7 input on adt and oru). Groups, each reporting
//! bytes/s of HL7 input over the whole file:
//! - `to_fhir/<w>`: `Message::parse` then `fhir::to_fhir` for each message
//!   (a `message` Bundle), one thread.
//! - `convert_file/<w>`: `fhir::convert_file` over the whole file on every
//!   core (two here), NDJSON into a buffer.
//!
//! No peer runs on this machine (FHIR-Converter needs .NET, LinuxForHealth
//! needs Maven): the figures are absolute. Before measuring, every message
//! of adt and oru is checked to convert.

#![allow(clippy::unwrap_used, clippy::panic)] // a benchmark fails loudly on bad data

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipehat::fhir::{convert_file, to_fhir, Options};
use pipehat::Message;
use std::hint::black_box;
use std::time::Duration;

mod common;
use common::load;

fn bench(c: &mut Criterion) {
    let options = Options::default();
    for w in load().into_iter().filter(|w| w.name != "big") {
        let msgs: Vec<&[u8]> = w.messages().collect();
        let converted = msgs
            .iter()
            .filter(|m| to_fhir(&Message::parse(m).unwrap(), &options).is_ok())
            .count();
        if w.name != "mixed" {
            assert_eq!(converted, msgs.len(), "{}: every message converts", w.name);
        }
        let bytes = w.bytes.len() as u64;
        let mut g = c.benchmark_group("to_fhir");
        g.throughput(Throughput::Bytes(bytes));
        g.measurement_time(Duration::from_secs(8));
        g.sample_size(10);
        g.bench_function(BenchmarkId::from_parameter(w.name), |b| {
            b.iter(|| {
                let mut n = 0usize;
                for m in &msgs {
                    if let Ok(out) = to_fhir(&Message::parse(m).unwrap(), &options) {
                        n += out.bundle.len();
                    }
                }
                black_box(n)
            })
        });
        g.finish();
        let mut g = c.benchmark_group("convert_file");
        g.throughput(Throughput::Bytes(bytes));
        g.measurement_time(Duration::from_secs(8));
        g.sample_size(10);
        g.bench_function(BenchmarkId::from_parameter(w.name), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(w.bytes.len() * 8);
                let s =
                    convert_file(&w.bytes[..], &mut out, &options, &Default::default(), 0).unwrap();
                black_box((s.bundles, out.len()))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
