#![allow(clippy::unwrap_used)]
fn main() {
    let data = std::fs::read("target/bench-data/adt.hl7").unwrap();
    let msgs: Vec<&[u8]> = pipehat::stream::split(&data)
        .map(|c| c.as_bytes())
        .collect();
    let mut s = String::new();
    let mut n = 0;
    let mode = std::env::args().nth(1).unwrap_or_default();
    let parsed: Vec<_> = msgs
        .iter()
        .map(|m| pipehat::Message::parse(m).unwrap())
        .collect();
    for _ in 0..20 {
        for (m, p) in msgs.iter().zip(&parsed) {
            s.clear();
            match mode.as_str() {
                "parse" => n += pipehat::Message::parse(m).unwrap().segment_count(),
                "jsononly" => {
                    p.write_json(&mut s);
                    n += s.len();
                }
                _ => {
                    pipehat::Message::parse(m).unwrap().write_json(&mut s);
                    n += s.len();
                }
            }
        }
    }
    println!("{n}");
}
