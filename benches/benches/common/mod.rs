//! The shared workload, split into messages, for every benchmark file.

#![allow(dead_code)] // each bench file uses part of it

pub struct Workload {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub messages: Vec<(usize, usize)>,
}

impl Workload {
    pub fn messages(&self) -> impl Iterator<Item = &[u8]> {
        self.messages.iter().map(|&(s, e)| &self.bytes[s..e])
    }
    pub fn texts(&self) -> Vec<&str> {
        self.messages()
            .map(|m| std::str::from_utf8(m).unwrap())
            .collect()
    }
}

pub fn load() -> Vec<Workload> {
    let dir = std::env::var("PIPEHAT_BENCH_DATA").unwrap_or_else(|_| "../target/bench-data".into());
    ["adt", "oru", "mixed", "big"]
        .into_iter()
        .map(|name| {
            let path = format!("{dir}/{name}.hl7");
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run `make bench`)"));
            let messages = pipehat::stream::split(&bytes)
                .map(|c| (c.offset(), c.offset() + c.as_bytes().len()))
                .collect();
            Workload {
                name,
                bytes,
                messages,
            }
        })
        .collect()
}
