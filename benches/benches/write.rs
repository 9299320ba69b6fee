//! Writing HL7 on the shared workload (issue: re-serialize ≥ 2 GB/s, edit one
//! field and serialize ≥ 500 MB/s, to-JSON ≥ 300 MB/s of HL7 input).
//!
//! Groups, each reporting bytes/s of HL7 input over the whole file:
//! - `reserialize/<w>`: an unedited parsed message written out (its
//!   `MessageBuf` made from the parsed `Message`, then its bytes appended).
//! - `edit1/<w>`: parse into a `MessageBuf`, set PID-5.1 (MSH-10 when a message
//!   has no PID), append the result.
//! - `to_json/<w>`, `to_lossless_json/<w>`: parse, then write JSON.
//! - `ack/<w>`: parse, then build the ACK.

#![allow(clippy::unwrap_used, clippy::panic)] // a benchmark fails loudly on bad data

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipehat::{Message, MessageBuf};
use std::hint::black_box;
use std::time::Duration;

mod common;
use common::load;

fn bench(c: &mut Criterion) {
    for w in load() {
        let msgs: Vec<&[u8]> = w.messages().collect();
        let parsed: Vec<Message<'_>> = msgs.iter().map(|m| Message::parse(m).unwrap()).collect();
        let bytes = w.bytes.len() as u64;
        let mut out = Vec::with_capacity(w.bytes.len() * 2);

        let mut g = c.benchmark_group("write");
        g.throughput(Throughput::Bytes(bytes));
        g.measurement_time(Duration::from_secs(4));
        g.sample_size(20);

        g.bench_function(BenchmarkId::new("reserialize", w.name), |b| {
            b.iter(|| {
                out.clear();
                for m in &parsed {
                    out.extend_from_slice(MessageBuf::from(m).as_bytes());
                }
                black_box(out.len())
            })
        });
        g.bench_function(BenchmarkId::new("edit1", w.name), |b| {
            b.iter(|| {
                out.clear();
                for m in &msgs {
                    let mut buf = MessageBuf::parse(m.to_vec()).unwrap();
                    let path = if buf.find("PID", 1).is_some() {
                        "PID-5.1"
                    } else {
                        "MSH-10"
                    };
                    buf.set(path, "EDITED").unwrap();
                    out.extend_from_slice(buf.as_bytes());
                }
                black_box(out.len())
            })
        });
        g.bench_function(BenchmarkId::new("to_json", w.name), |b| {
            let mut s = String::new();
            b.iter(|| {
                let mut n = 0;
                for m in &msgs {
                    s.clear();
                    Message::parse(m).unwrap().write_json(&mut s);
                    n += s.len();
                }
                black_box(n)
            })
        });
        g.bench_function(BenchmarkId::new("to_lossless_json", w.name), |b| {
            b.iter(|| {
                let mut n = 0;
                for m in &msgs {
                    n += Message::parse(m).unwrap().to_lossless_json().len();
                }
                black_box(n)
            })
        });
        let options = pipehat::ack::AckOptions::new("ACK0001", "20240101120000");
        g.bench_function(BenchmarkId::new("ack", w.name), |b| {
            b.iter(|| {
                let mut n = 0;
                for m in &msgs {
                    n += Message::parse(m)
                        .unwrap()
                        .ack(&options)
                        .unwrap()
                        .as_bytes()
                        .len();
                }
                black_box(n)
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
