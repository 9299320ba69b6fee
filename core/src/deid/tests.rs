//! The de-identifier over every corpus message: what the policy covers is
//! gone from the output, what it does not cover is byte for byte the same,
//! and the output parses with no new diagnostics.

use super::*;
use alloc::collections::BTreeSet;
use alloc::string::ToString;
use alloc::vec;
use std::string::String as StdString;

const KEY: &[u8] = b"pipehat corpus test key";

fn corpus() -> Vec<(StdString, Vec<u8>)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/");
    let mut files = Vec::new();
    for dir in ["corpus/messages", "fuzz-regressions"] {
        for entry in std::fs::read_dir(alloc::format!("{root}{dir}")).unwrap() {
            let path = entry.unwrap().path();
            files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    assert!(files.len() > 200);
    files
}

/// The leaves `node` changes in `raw` (decoded), each with the action.
fn changed(
    node: &Node,
    raw: &[u8],
    d: &Delimiters,
    out: &mut Vec<(Vec<u8>, Action)>,
    kept: &mut Vec<u8>,
) {
    let seps = [d.repetition(), d.component(), d.subcomponent()];
    fn leaves(raw: &[u8], seps: &[u8], f: &mut dyn FnMut(&[u8])) {
        match seps.split_first() {
            None => f(raw),
            Some((&s, rest)) => raw.split(|&b| b == s).for_each(|p| leaves(p, rest, f)),
        }
    }
    match node {
        Node::Keep | Node::Varies | Node::Act(Action::Keep) => {
            kept.extend_from_slice(raw);
            kept.extend_from_slice(&crate::escape::decode(raw, d));
            kept.push(0);
        }
        Node::Act(a) => {
            // A whole value removed or replaced goes at once, whatever its parts.
            if matches!(a, Action::Remove | Action::Replace(_)) {
                out.push((raw.to_vec(), a.clone()));
            }
            leaves(raw, &seps, &mut |leaf| out.push((leaf.to_vec(), a.clone())));
        }
        Node::Parts(children, rest) => {
            for rep in raw.split(|&b| b == d.repetition()) {
                for (c, comp) in rep.split(|&b| b == d.component()).enumerate() {
                    let child = children.get(c).unwrap_or(rest);
                    if let Node::Parts(subs, rest) = child {
                        for (s, sub) in comp.split(|&b| b == d.subcomponent()).enumerate() {
                            changed(subs.get(s).unwrap_or(rest), sub, d, out, kept);
                        }
                    } else {
                        changed(child, comp, d, out, kept);
                    }
                }
            }
        }
    }
}

/// Whether a leaf's original may show in the output: generalized values
/// keep their coarse part, short values are everywhere.
fn must_vanish(leaf: &[u8], action: &Action) -> bool {
    let text = leaf.trim_ascii();
    let distinct: BTreeSet<u8> = text.iter().copied().collect();
    let long = text.len() >= 5 && distinct.len() >= 3 && text != b"\"\"";
    match action {
        // A date generalized keeps its year: the whole date must go.
        Action::Generalize(_) | Action::Shift => long && text.len() >= 8,
        _ => long,
    }
}

#[test]
fn corpus_output_keeps_structure_and_loses_what_the_policy_covers() {
    let mut d = Deidentifier::new(KEY, &Policy::safe_harbor()).unwrap();
    let (mut messages, mut checked, mut via_uncovered) = (0, 0, 0);
    for (name, file) in corpus() {
        for bytes in crate::stream::messages(&file) {
            let Ok(msg) = Message::parse(bytes) else {
                continue;
            };
            messages += 1;
            let out = d.apply(&msg);
            let after = Message::parse(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
            // No new diagnostics.
            let codes = |m: &Message<'_>| -> BTreeSet<&'static str> {
                m.diagnostics().iter().map(|x| x.code().code()).collect()
            };
            let new: Vec<_> = codes(&after).difference(&codes(&msg)).copied().collect();
            assert!(new.is_empty(), "{name}: new diagnostics {new:?}");
            // The same segments but the dropped ones, the same delimiters.
            assert_eq!(after.delimiters(), msg.delimiters(), "{name}");
            let v = version_of(&msg);
            let delims = msg.delimiters();
            let mut kept_names = Vec::new();
            let mut covered: Vec<(Vec<u8>, Action)> = Vec::new();
            let mut uncovered: Vec<u8> = Vec::new();
            for seg in msg.segments() {
                let (_, plan) = d.plan(v, seg.name_bytes());
                match plan.kind {
                    SegKind::Drop => {
                        let whole = seg.as_bytes();
                        covered.push((whole.to_vec(), Action::Remove));
                        continue;
                    }
                    SegKind::Copy => uncovered.extend_from_slice(seg.as_bytes()),
                    SegKind::Fields => {}
                }
                kept_names.push(seg.name_bytes().to_vec());
                if plan.kind == SegKind::Copy {
                    continue;
                }
                let twin = after.segment_at(kept_names.len() - 1).unwrap();
                assert_eq!(twin.name_bytes(), seg.name_bytes(), "{name}");
                assert_eq!(
                    twin.field_count(),
                    seg.field_count(),
                    "{name}: {}",
                    seg.name()
                );
                for n in 1..=seg.field_count() {
                    let f = seg.field(n).unwrap();
                    let mut node = plan.node(n).clone();
                    if node == Node::Varies {
                        let t = if seg.name_bytes() == b"OBX" {
                            seg.field(2)
                                .map(|f| f.value().trim().to_string())
                                .unwrap_or_default()
                        } else {
                            StdString::new()
                        };
                        node = (*d.observation(v, &t)).clone();
                    }
                    if node == Node::Keep {
                        // Not covered: byte for byte the same (OBX-5 of an age may be capped).
                        let capped = seg.name_bytes() == b"OBX" && n == 5;
                        if !capped {
                            assert_eq!(
                                twin.field(n).unwrap().as_bytes(),
                                f.as_bytes(),
                                "{name}: {}-{n} is not covered",
                                seg.name()
                            );
                        }
                        uncovered.extend_from_slice(f.as_bytes());
                        uncovered.extend_from_slice(f.value().as_bytes());
                        uncovered.push(0);
                    } else {
                        changed(&node, f.as_bytes(), &delims, &mut covered, &mut uncovered);
                    }
                }
            }
            let after_names: Vec<Vec<u8>> =
                after.segments().map(|s| s.name_bytes().to_vec()).collect();
            assert_eq!(after_names, kept_names, "{name}");
            // What the policy covers is gone, decoded or raw, unless an
            // uncovered field holds the same text.
            let contains =
                |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
            for (leaf, action) in &covered {
                if !must_vanish(leaf, action) {
                    continue;
                }
                let decoded = crate::escape::decode(leaf, &delims).into_owned();
                for form in [leaf.clone(), decoded] {
                    let form = form.trim_ascii().to_vec();
                    if form.len() < 5 || !contains(&out, &form) {
                        checked += 1;
                        continue;
                    }
                    assert!(
                        contains(&uncovered, &form),
                        "{name}: a value the policy covers ({:?}) is in the output",
                        action.name()
                    );
                    via_uncovered += 1;
                }
            }
        }
    }
    assert!(messages > 180, "{messages} messages");
    assert!(checked > 2000, "{checked} values checked");
    std::eprintln!("{messages} messages, {checked} covered values absent, {via_uncovered} also in uncovered fields");
}

#[test]
fn pseudonyms_and_offsets_are_the_same_for_a_patient_across_messages() {
    let policy = Policy::parse(r#"{"dates": "shift"}"#).unwrap();
    let mut d = Deidentifier::new(KEY, &policy).unwrap();
    let pv1 = |fields: &[(usize, &str)]| {
        let mut f = vec![""; 46];
        for &(n, v) in fields {
            f[n] = v;
        }
        alloc::format!(
            "PV1{}\r",
            f[1..]
                .iter()
                .map(|v| alloc::format!("|{v}"))
                .collect::<StdString>()
        )
    };
    let a_text = alloc::format!(
        "MSH|^~\\&|A|B|||20240110||ADT^A01|1|P|2.5.1\rPID|1||555^^^H^MR||X||19700302\r{}",
        pv1(&[(1, "1"), (19, "V1234"), (44, "20240110")])
    );
    let b_text = alloc::format!(
        "MSH|^~\\&|A|B|||20240125||ADT^A03|2|P|2.3\rPID|1||555^^^H^MR||X||19700302\rMRG|555^^^H^MR\r{}",
        pv1(&[(1, "1"), (19, "V1234"), (44, "20240110"), (45, "20240125")])
    );
    let a = Message::parse(a_text.as_bytes()).unwrap();
    let b = Message::parse(b_text.as_bytes()).unwrap();
    let (oa, ob) = (d.apply(&a), d.apply(&b));
    let (ma, mb) = (Message::parse(&oa).unwrap(), Message::parse(&ob).unwrap());
    let get = |m: &Message<'_>, p: &str| m.get(p).unwrap().unwrap_or_default().into_owned();
    assert_eq!(get(&ma, "PID-3.1"), get(&mb, "PID-3.1"));
    assert_eq!(get(&mb, "MRG-1.1"), get(&mb, "PID-3.1"));
    assert_eq!(get(&ma, "PV1-19.1"), get(&mb, "PV1-19.1"));
    assert_ne!(get(&ma, "PID-3.1"), "555");
    // The same offset: birth dates agree, and intervals are kept.
    assert_eq!(get(&ma, "PID-7"), get(&mb, "PID-7"));
    assert_ne!(get(&ma, "PID-7"), "19700302");
    let day = |s: &str| {
        let date = values::parse_date(s.as_bytes()).unwrap_or_else(|| panic!("{s}"));
        crate::datatype::days_from_civil(date.year, date.month.unwrap(), date.day.unwrap())
    };
    assert_eq!(day(&get(&mb, "PV1-45")) - day(&get(&mb, "PV1-44")), 15);
    assert_eq!(day(&get(&mb, "MSH-7")) - day(&get(&ma, "MSH-7")), 15);
    assert_eq!(get(&ma, "PV1-44"), get(&mb, "PV1-44"));
    // Another patient gets another offset (with this key).
    let c = Message::parse(
        b"MSH|^~\\&|A|B|||20240110||ADT^A01|3|P|2.5.1\rPID|1||556^^^H^MR||X||19700302\r",
    )
    .unwrap();
    let oc = d.apply(&c);
    assert_ne!(
        get(&Message::parse(&oc).unwrap(), "PID-7"),
        get(&ma, "PID-7")
    );
}

#[test]
fn crosswalk_is_kept_only_when_asked() {
    let msg = Message::parse(b"MSH|^~\\&|A|B|||2024||ADT^A01|1|P|2.5.1\rPID|1||A\\T\\B^^^H^MR\r")
        .unwrap();
    let mut d = Deidentifier::new(KEY, &Policy::safe_harbor()).unwrap();
    d.apply(&msg);
    assert!(d.crosswalk().is_none());
    d.keep_crosswalk(true);
    let out = d.apply(&msg);
    let token = Message::parse(&out)
        .unwrap()
        .get("PID-3.1")
        .unwrap()
        .unwrap()
        .into_owned();
    // The token is of the decoded value, and the crosswalk holds it decoded.
    assert_eq!(
        d.crosswalk().unwrap().get(&token).map(String::as_str),
        Some("A&B")
    );
    assert_eq!(d.report().messages, 2);
    assert_eq!(d.report().count("PID-3", "pseudonymize"), 2);
}

#[test]
fn short_keys_are_refused() {
    let e = Deidentifier::new(b"short", &Policy::safe_harbor()).unwrap_err();
    assert_eq!(e.code(), "deid_key_too_short");
    assert_eq!(
        e.to_string(),
        "the key has fewer than 16 bytes (deid_key_too_short)"
    );
}

#[test]
fn every_node_of_every_version_resolves() {
    // Planning every segment of every version neither panics nor leaves a
    // name, phone or address field of a patient segment untouched.
    let policy = Policy::safe_harbor();
    for v in dictionary::VERSIONS {
        let rows = policy.coverage(v).unwrap();
        for path in ["PID-5", "PID-11", "PID-13", "PID-3", "NK1-2"] {
            assert!(rows.iter().any(|r| r.path == path), "{v}: {path}");
        }
        assert!(
            !rows.iter().any(|r| r.path == "PID-8" || r.path == "MSH-9"),
            "{v}"
        );
    }
    assert_eq!(policy.coverage("9.9"), None);
}

#[test]
fn files_cut_anywhere_give_what_each_message_gives() {
    // Every corpus file one after another, in MLLP frames and bare: cut into
    // batches of a few bytes, read a byte or a few at a time, on one and two
    // threads, the output is the same, and each message's part is what the
    // message de-identified alone gives.
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut framed = Vec::new();
    let mut alone = Vec::new();
    let mut one = Deidentifier::new(KEY, &Policy::safe_harbor()).unwrap();
    for (_, file) in corpus() {
        for bytes in crate::stream::messages(&file) {
            let Ok(msg) = Message::parse(bytes) else {
                continue;
            };
            framed.push(0x0B);
            framed.extend_from_slice(bytes);
            framed.extend_from_slice(b"\x1c\r");
            alone.push(0x0B);
            alone.extend_from_slice(&one.apply(&msg));
            alone.extend_from_slice(b"\x1c\r");
        }
    }
    let whole = |input: &mut dyn std::io::Read, threads, batch| {
        let mut d = Deidentifier::new(KEY, &Policy::safe_harbor()).unwrap();
        let mut out = Vec::new();
        let s =
            file::in_batches(input, &mut out, &mut d, &Default::default(), threads, batch).unwrap();
        assert!(s.errors.is_empty() && s.dropped_bytes == 0);
        (out, d.report())
    };
    let (out, report) = whole(&mut &framed[..], 2, 16 << 20);
    assert_eq!(out, alone);
    assert_eq!(report, one.report());
    for (batch, step) in [(64, 1), (7, 3), (100, 4096), (5000, 1 << 20)] {
        let (cut, _) = whole(
            &mut Trickle(&framed, step),
            if batch > 1000 { 2 } else { 1 },
            batch,
        );
        assert_eq!(cut, alone, "batches of {batch}");
    }
    // A batch file keeps its envelopes, counts and line breaks.
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../samples/pyhl7__adt_a04__file2.hl7"
    ))
    .unwrap();
    let (out, _) = whole(&mut &file[..], 1, 16 << 20);
    let names = |b: &[u8]| -> Vec<Vec<u8>> {
        b.split(|&c| c == b'\r' || c == b'\n')
            .map(|l| l.iter().take(3).copied().collect())
            .collect()
    };
    assert_eq!(names(&out), names(&file));
    assert!(out.ends_with(b"BTS|1\rFTS|2\r") || out.ends_with(b"BTS|1\nFTS|2\n"));
}

#[test]
fn only_valid_dates_are_shifted() {
    let policy =
        Policy::parse(r#"{"extends": "none", "fields": {"PID-7": "shift", "PID-29": "shift"}}"#)
            .unwrap();
    let mut d = Deidentifier::new(KEY, &policy).unwrap();
    let mut pid = vec![""; 30];
    (pid[1], pid[3], pid[7], pid[29]) = ("1", "7", "1980-03-02", "20240115103000+0100");
    let text = alloc::format!(
        "MSH|^~\\&|A|B|||2024||ADT^A01|1|P|2.5.1\rPID{}\r",
        pid[1..]
            .iter()
            .map(|f| alloc::format!("|{f}"))
            .collect::<StdString>()
    );
    let msg = Message::parse(text.as_bytes()).unwrap();
    let out = d.apply(&msg);
    let out = Message::parse(&out).unwrap();
    // Not a DTM: removed, nothing of it kept.
    assert_eq!(out.get("PID-7").unwrap(), None);
    // A DTM: moved, its time and zone as they were.
    let death = out.get("PID-29").unwrap().unwrap().into_owned();
    assert!(
        death.ends_with("103000+0100") && !death.starts_with("20240115"),
        "{death}"
    );
    assert_eq!(d.report().count("PID-7", "remove"), 1);
}
