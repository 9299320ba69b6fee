//! Writes docs/deid-coverage.md: every field the built-in Safe Harbor
//! policy changes, in every version of the dictionary (`make generate`).

use std::collections::BTreeMap;

/// (segment order, field number, what happens) → (name, datatypes, versions).
type Rows<'a> = BTreeMap<(usize, u32, String), (&'a str, Vec<&'a str>, Vec<usize>)>;

fn main() {
    let policy = pipehat::deid::Policy::safe_harbor();
    let versions = pipehat::dictionary::VERSIONS;
    let mut rows: Rows<'_> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (vi, v) in versions.iter().enumerate() {
        for c in policy.coverage(v).unwrap_or_default() {
            let (seg, field) = c.path.split_once('-').unwrap_or((&c.path, "0"));
            let si = order.iter().position(|s| s == seg).unwrap_or_else(|| {
                order.push(seg.to_string());
                order.len() - 1
            });
            let row = rows
                .entry((si, field.parse().unwrap_or(0), c.what.clone()))
                .or_insert((c.name, Vec::new(), Vec::new()));
            row.0 = c.name;
            if !row.1.contains(&c.datatype) {
                row.1.push(c.datatype);
            }
            row.2.push(vi);
        }
    }
    let mut by_segment: Vec<usize> = (0..order.len()).collect();
    by_segment.sort_by(|a, b| order[*a].cmp(&order[*b]));
    let runs = |list: &[usize]| -> String {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < list.len() {
            let mut j = i;
            while j + 1 < list.len() && list[j + 1] == list[j] + 1 {
                j += 1;
            }
            parts.push(if i == j {
                versions[list[i]].to_string()
            } else if list[i] == 0 && list[j] == versions.len() - 1 {
                "all".to_string()
            } else {
                format!("{}–{}", versions[list[i]], versions[list[j]])
            });
            i = j + 1;
        }
        parts.join(", ")
    };
    println!("# What the Safe Harbor policy changes, field by field\n");
    println!("Written by `cargo run -p pipehat --features deid --example deid_coverage` (`make generate`)");
    println!(
        "from the built-in policy (`core/deid/safe-harbor.json`) and the dictionary; do not edit."
    );
    println!(
        "Each row is a field of a segment the dictionary defines, what the policy does to it, and"
    );
    println!("the versions where that holds (`.n` is a component). Besides these: segments the dictionary");
    println!(
        "does not define (Z-segments) are removed, fields past a segment's last defined one are"
    );
    println!(
        "emptied, and OBX-5 follows its value type (OBX-2): TX, FT, ST, CF, ED, RP and missing or"
    );
    println!(
        "unknown types are removed, dates generalized, other types by their datatype's rules, ages"
    );
    println!("over 89 (OBX-3 LOINC 30525-0, 21612-7, 29553-5, 21611-9) become 90.\n");
    println!("| field | name | what happens | datatype | versions |");
    println!("|---|---|---|---|---|");
    for si in by_segment {
        for ((s, field, what), (name, types, vs)) in rows.range((si, 0, String::new())..) {
            if *s != si {
                break;
            }
            println!(
                "| {}-{field} | {name} | {what} | {} | {} |",
                order[si],
                types.join(", "),
                runs(vs)
            );
        }
    }
}
