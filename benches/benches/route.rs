//! Routing and mapping on the shared workload (issue: a simple type filter
//! ≥ 1 GB/s). Groups, each reporting bytes/s of HL7 input over the whole file:
//! - `type_filter/<w>`: `MSH-9.1 = "ADT" and MSH-9.2 in (...)` on each message's
//!   bytes (reads the header only).
//! - `type_filter_split/<w>`: the same, splitting the file into messages too.
//! - `obx_filter/<w>`: `any(OBX-8 = "H")`, which parses each message.
//! - `fingerprint/<w>`: parse and fingerprint (MSH-7, MSH-10 ignored).
//! - `map/<w>`: parse and apply the example mapping for the message's type.
//! - `validate/<w>`: parse and validate against the declared version with
//!   one `Parser` and one `Validator` for the stream (issue: ≥ 200 MB/s).
//! - `validate_2_threads/<w>`: the same on two threads, half the messages
//!   each (this machine has two cores).
//! - `validate_one_shot/<w>`: the same with `Message::parse` and `validate`
//!   for each message (nothing kept between messages).
//!
//! Before measuring, the filter counts are checked against a count made by
//! reading MSH-9 with a plain byte search.

#![allow(clippy::unwrap_used, clippy::panic)] // a benchmark fails loudly on bad data

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipehat::diff::ChangeDetector;
use pipehat::filter::Filter;
use pipehat::mapping::Mapping;
use pipehat::validate::{validate, Options, Validator};
use pipehat::{Message, Parser};
use std::hint::black_box;
use std::time::Duration;

mod common;
use common::load;

const TYPE_FILTER: &str = r#"MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")"#;

/// MSH-9 read by splitting the first line on `|`, nothing from pipehat.
fn independent_count(messages: &[&[u8]]) -> usize {
    messages
        .iter()
        .filter(|m| {
            let first = m.split(|&b| b == b'\r').next().unwrap();
            let msh9 = first.split(|&b| b == b'|').nth(8).unwrap_or(b"");
            let mut parts = msh9.split(|&b| b == b'^');
            parts.next() == Some(b"ADT") && matches!(parts.next(), Some(b"A01" | b"A04" | b"A08"))
        })
        .count()
}

fn bench(c: &mut Criterion) {
    let type_filter = Filter::parse(TYPE_FILTER).unwrap();
    let obx_filter = Filter::parse(r#"any(OBX-8 = "H")"#).unwrap();
    let detector = ChangeDetector::new(["MSH-7", "MSH-10"]).unwrap();
    let spec = |name: &str| {
        let path = format!("{}/../core/mappings/{name}", env!("CARGO_MANIFEST_DIR"));
        Mapping::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let (adt, oru) = (spec("adt-patient.json"), spec("oru-observations.json"));
    for w in load() {
        let msgs: Vec<&[u8]> = w.messages().collect();
        let bytes = w.bytes.len() as u64;
        let count = msgs
            .iter()
            .filter(|m| type_filter.matches_bytes(m).unwrap())
            .count();
        assert_eq!(count, independent_count(&msgs), "{}", w.name);

        let mut g = c.benchmark_group("route");
        g.throughput(Throughput::Bytes(bytes));
        g.measurement_time(Duration::from_secs(4));
        g.sample_size(20);
        g.bench_function(BenchmarkId::new("type_filter", w.name), |b| {
            b.iter(|| {
                msgs.iter()
                    .filter(|m| type_filter.matches_bytes(m).unwrap_or(false))
                    .count()
            })
        });
        g.bench_function(BenchmarkId::new("type_filter_split", w.name), |b| {
            b.iter(|| {
                pipehat::stream::messages(&w.bytes)
                    .filter(|m| type_filter.matches_bytes(m).unwrap_or(false))
                    .count()
            })
        });
        g.bench_function(BenchmarkId::new("obx_filter", w.name), |b| {
            b.iter(|| {
                msgs.iter()
                    .filter(|m| obx_filter.matches_bytes(m).unwrap_or(false))
                    .count()
            })
        });
        g.bench_function(BenchmarkId::new("fingerprint", w.name), |b| {
            b.iter(|| {
                for m in &msgs {
                    black_box(detector.fingerprint(&Message::parse(m).unwrap()));
                }
            })
        });
        g.bench_function(BenchmarkId::new("map", w.name), |b| {
            b.iter(|| {
                for m in &msgs {
                    let msg = Message::parse(m).unwrap();
                    let mapping = if msg.message_type().as_deref() == Some("ORU") {
                        &oru
                    } else {
                        &adt
                    };
                    black_box(mapping.apply_json(&msg));
                }
            })
        });
        g.bench_function(BenchmarkId::new("validate", w.name), |b| {
            // A stream's way: one parser and one validator for every message.
            let mut parser = Parser::new();
            let mut validator = Validator::new();
            b.iter(|| {
                for m in &msgs {
                    let msg = parser.parse(m).unwrap();
                    black_box(validator.validate(&msg).issues.len());
                }
            })
        });
        g.bench_function(BenchmarkId::new("validate_2_threads", w.name), |b| {
            // Each half of the messages on its own thread, each with its own
            // parser and validator (what a pipeline on this 2-core machine does).
            let (first, second) = msgs.split_at(msgs.len() / 2);
            b.iter(|| {
                std::thread::scope(|s| {
                    for half in [first, second] {
                        s.spawn(move || {
                            let mut parser = Parser::new();
                            let mut validator = Validator::new();
                            for m in half {
                                let msg = parser.parse(m).unwrap();
                                black_box(validator.validate(&msg).issues.len());
                            }
                        });
                    }
                });
            })
        });
        g.bench_function(BenchmarkId::new("validate_one_shot", w.name), |b| {
            b.iter(|| {
                for m in &msgs {
                    let msg = Message::parse(m).unwrap();
                    black_box(validate(&msg, &Options::default()).issues.len());
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
