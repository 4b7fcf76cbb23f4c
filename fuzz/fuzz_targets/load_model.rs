//! Fuzzes the model builder and the queries over it: a whole multi-line input
//! (split into chunks, as a file is) must load without panicking, keep every
//! line, and group under every key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailtriage::model::{LoadOptions, load::from_bytes};
use mailtriage::parse::ParseContext;
use mailtriage::query::{AggKey, Filter, Grouping, NetPrefix, group};

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions {
        ctx: ParseContext { syslog_year: 2024 },
        threads: 1,
        // Small chunks so lines and messages straddle chunk boundaries.
        chunk_bytes: 64,
        ..LoadOptions::default()
    };
    let m = from_bytes("fuzz", data.to_vec(), &opts);
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    let last_open = !data.is_empty() && !data.ends_with(b"\n");
    assert_eq!(m.line_count(), newlines + usize::from(last_open));
    let _ = mailtriage::query::summary(&m);
    let prefix = NetPrefix { v4: 24, v6: 64 };
    for by in AggKey::ALL {
        let g = Grouping::new(&m, by, prefix);
        // Labels are unique: two groups never print the same key.
        let distinct: std::collections::HashSet<&str> =
            g.labels.iter().map(String::as_str).collect();
        assert_eq!(distinct.len(), g.labels.len());
        let _ = group(&m, &g, &Filter::default(), true);
    }
});
