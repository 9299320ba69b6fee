use pipehat::validate::{validate, Options};
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut valid = 0;
    let mut total = 0;
    let mut codes = std::collections::BTreeMap::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        let b = std::fs::read(&p).unwrap();
        let Ok(m) = pipehat::Message::parse(&b) else {
            continue;
        };
        total += 1;
        let r = validate(&m, &Options::default());
        if r.is_valid() {
            valid += 1;
        }
        for i in &r.issues {
            *codes.entry((i.code, i.severity.as_str())).or_insert(0) += 1;
        }
        if std::env::var("V").is_ok() {
            println!(
                "{} {:?} {:?}",
                p.display(),
                r.structure,
                r.issues
                    .iter()
                    .map(|i| format!("{} {}", i.code, i.path))
                    .collect::<Vec<_>>()
            );
        }
    }
    println!("{valid}/{total} valid");
    for (k, v) in codes {
        println!("{v:5} {k:?}");
    }
}
