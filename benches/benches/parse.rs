//! pipehat against the peer HL7 crates, side by side in one run, on the
//! shared workload (`make bench` generates it with ../shared/bench/make_workload.py).
//!
//! Groups: `parse/<workload>` (index built), `extract5/<workload>` (parse, then
//! MSH-9, MSH-10, PID-3.1, PID-5.1, PID-7), `visit/<workload>` (parse, then
//! read every subcomponent), and a `memchr3` baseline over the same bytes.
//! Messages are split from the file beforehand; every bench reports bytes/s
//! over the whole file.

#![allow(clippy::unwrap_used, clippy::panic)] // a benchmark fails loudly on bad data

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

mod common;
use common::{load, Workload};

const FIELDS: [&str; 5] = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7"];

/// Each peer must read the same five values pipehat reads before its
/// timings mean anything.
fn check_peers(w: &Workload) {
    let text = w.texts()[0];
    let ours = pipehat::Message::parse(text.as_bytes()).unwrap();
    let want: Vec<String> = FIELDS
        .iter()
        .map(|p| ours.get_raw(*p).unwrap().unwrap_or_default().into_owned())
        .collect();
    let m = hl7_parser::Message::parse(text).unwrap();
    let got: Vec<String> = ["MSH.9", "MSH.10", "PID.3.1", "PID.5.1", "PID.7"]
        .iter()
        .map(|q| {
            m.query(*q)
                .map(|r| r.raw_value().to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(got, want, "hl7-parser disagrees on {}", w.name);
    let m = hl7kit::Message::parse(text).unwrap();
    let got: Vec<String> = FIELDS
        .iter()
        .map(|p| m.get(p).unwrap_or_default().to_string())
        .collect();
    assert_eq!(got[2..], want[2..], "hl7kit disagrees on {}", w.name);
    let m = hl7_2::parse(text).unwrap();
    let got: Vec<String> = FIELDS
        .iter()
        .map(|p| m.get(p).unwrap().unwrap_or_default())
        .collect();
    assert_eq!(got[2..], want[2..], "hl7-2 disagrees on {}", w.name);
}

fn bench(c: &mut Criterion) {
    let workloads = load();
    for w in &workloads {
        check_peers(w);
    }
    let paths: Vec<pipehat::Path> = FIELDS.iter().map(|p| p.parse().unwrap()).collect();

    for w in &workloads {
        let texts = w.texts();
        let mut g = c.benchmark_group(format!("parse/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        let mut parser = pipehat::Parser::new();
        g.bench_function("pipehat (reused parser)", |b| {
            b.iter(|| {
                for m in w.messages() {
                    black_box(parser.parse(m).unwrap().segment_count());
                }
            })
        });
        let mut lazy = pipehat::Parser::with_options(pipehat::ParseOptions::default().lazy(true));
        g.bench_function("pipehat (reused parser, lazy)", |b| {
            b.iter(|| {
                for m in w.messages() {
                    black_box(lazy.parse(m).unwrap().segment_count());
                }
            })
        });
        g.bench_function("pipehat (Message::parse)", |b| {
            b.iter(|| {
                for m in w.messages() {
                    black_box(pipehat::Message::parse(m).unwrap().segment_count());
                }
            })
        });
        g.bench_function("hl7-parser 0.3.0", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(hl7_parser::Message::parse(t).unwrap());
                }
            })
        });
        g.bench_function("rust-hl7 0.5.0", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(rusthl7::message::Message::try_from(*t).unwrap());
                }
            })
        });
        g.bench_function("hl7-2 0.2.7", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(hl7_2::parse(t).unwrap());
                }
            })
        });
        g.bench_function("er7 0.1.4", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(er7::parse(t).unwrap());
                }
            })
        });
        g.bench_function("hl7kit 0.2.0", |b| {
            b.iter(|| {
                for t in &texts {
                    black_box(hl7kit::Message::parse(*t).unwrap());
                }
            })
        });
        g.bench_function(
            BenchmarkId::new("baseline", "memchr3 over the bytes"),
            |b| b.iter(|| black_box(memchr::memchr3_iter(b'|', b'\r', b'^', &w.bytes).count())),
        );
        g.finish();

        let mut g = c.benchmark_group(format!("extract5/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        g.bench_function("pipehat", |b| {
            b.iter(|| {
                for m in w.messages() {
                    let msg = parser.parse(m).unwrap();
                    for p in &paths {
                        black_box(msg.get_bytes(p).unwrap());
                    }
                }
            })
        });
        let mut lazy = pipehat::Parser::with_options(pipehat::ParseOptions::default().lazy(true));
        g.bench_function("pipehat (lazy)", |b| {
            b.iter(|| {
                for m in w.messages() {
                    let msg = lazy.parse(m).unwrap();
                    for p in &paths {
                        black_box(msg.get_bytes(p).unwrap());
                    }
                }
            })
        });
        g.bench_function("hl7-parser 0.3.0", |b| {
            b.iter(|| {
                for t in &texts {
                    let m = hl7_parser::Message::parse(t).unwrap();
                    for q in ["MSH.9", "MSH.10", "PID.3.1", "PID.5.1", "PID.7"] {
                        black_box(m.query(q).map(|r| r.raw_value()));
                    }
                }
            })
        });
        g.bench_function("rust-hl7 0.5.0", |b| {
            b.iter(|| {
                for t in &texts {
                    let m = rusthl7::message::Message::try_from(*t).unwrap();
                    for q in [
                        "MSH.F9",
                        "MSH.F10",
                        "PID.F3.R1.C1",
                        "PID.F5.R1.C1",
                        "PID.F7",
                    ] {
                        black_box(m.query(q));
                    }
                }
            })
        });
        g.bench_function("hl7-2 0.2.7", |b| {
            b.iter(|| {
                for t in &texts {
                    let m = hl7_2::parse(t).unwrap();
                    for p in FIELDS {
                        black_box(m.get(p).unwrap());
                    }
                }
            })
        });
        g.bench_function("er7 0.1.4", |b| {
            b.iter(|| {
                for t in &texts {
                    let m = er7::parse(t).unwrap();
                    for p in FIELDS {
                        black_box(m.query(p).unwrap());
                    }
                }
            })
        });
        g.bench_function("hl7kit 0.2.0", |b| {
            b.iter(|| {
                for t in &texts {
                    let m = hl7kit::Message::parse(*t).unwrap();
                    for p in FIELDS {
                        black_box(m.get(p));
                    }
                }
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("visit/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        g.bench_function("pipehat", |b| {
            b.iter(|| {
                let mut n = 0usize;
                for m in w.messages() {
                    let msg = parser.parse(m).unwrap();
                    for seg in msg.segments() {
                        for field in seg.fields() {
                            for rep in field.repetitions() {
                                for comp in rep.components() {
                                    for sub in comp.subcomponents() {
                                        n += sub.as_bytes().len();
                                    }
                                }
                            }
                        }
                    }
                }
                black_box(n)
            })
        });
        g.bench_function("hl7-parser 0.3.0", |b| {
            b.iter(|| {
                let mut n = 0usize;
                for t in &texts {
                    let m = hl7_parser::Message::parse(t).unwrap();
                    for seg in m.segments() {
                        for field in seg.fields() {
                            for rep in &field.repeats {
                                for comp in &rep.components {
                                    for sub in &comp.subcomponents {
                                        n += sub.raw_value().len();
                                    }
                                }
                            }
                        }
                    }
                }
                black_box(n)
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
