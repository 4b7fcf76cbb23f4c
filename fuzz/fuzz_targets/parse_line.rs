//! Fuzzes the line parser and the model builder with arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailtriage::model::{LoadOptions, load::from_bytes};
use mailtriage::parse::{ParseContext, exim::parse_line};

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let ev = parse_line(line, &ParseContext { syslog_year: 2024 });
        assert!(line.ends_with(ev.body));
    }
    let opts = LoadOptions { threads: 1, chunk_bytes: 1024, ..LoadOptions::default() };
    let m = from_bytes("fuzz", data.to_vec(), &opts);
    let _ = mailtriage::query::summary(&m);
});
