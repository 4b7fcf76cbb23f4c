//! Every export format against golden files, and against the real consumer where it is
//! installed (exim, postmap, nft). A missing consumer skips with a notice (`tests/prereq`),
//! and fails under CI, where `.ci/install-consumers.sh` installs them.
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test blocklist_export`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use mailtriage::blocklist::{Blocklist, Entry, ExportError, Format, export};

const SAMPLE: &str = include_str!("fixtures/blocklist/sample.blocklist");

fn sample() -> Blocklist {
    Blocklist::from_bytes(Path::new("sample"), SAMPLE.as_bytes())
}

fn export_sample(format: Format) -> mailtriage::blocklist::Export {
    let bl = sample();
    let rows: Vec<_> = bl.entries().collect();
    export(&rows, format).expect("sample exports")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blocklist/golden")
}

fn assert_golden(rel: &str, actual: &str) {
    let path = golden_dir().join(rel);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).expect("create golden dir");
        }
        fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

/// Writes each file of an export into a fresh directory, as `block export -o DIR` does.
fn write_export(format: Format) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = export_sample(format)
        .files
        .iter()
        .map(|f| {
            let p = dir.path().join(f.name);
            fs::write(&p, &f.contents).expect("write export");
            p
        })
        .collect();
    (dir, paths)
}

#[test]
fn golden_plain() {
    let e = export_sample(Format::Plain);
    assert_golden("plain.txt", &e.to_stream());
    let skipped: Vec<String> = e.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        skipped,
        [
            "domain:bulk.example",
            "domain:spam.example",
            "dkim:mailer.example"
        ]
    );
}

#[test]
fn golden_exim() {
    let e = export_sample(Format::Exim);
    for f in &e.files {
        assert_golden(&format!("exim/{}", f.name), &f.contents);
    }
    assert!(e.skipped.is_empty());
}

#[test]
fn golden_postfix() {
    let e = export_sample(Format::Postfix);
    for f in &e.files {
        assert_golden(&format!("postfix/{}", f.name), &f.contents);
    }
    assert_eq!(
        e.skipped.len(),
        1,
        "DKIM domains have no Postfix access table"
    );
}

#[test]
fn golden_nft() {
    assert_golden("blocklist.nft", &export_sample(Format::Nft).to_stream());
}

#[test]
fn golden_json() {
    let text = export_sample(Format::Json).to_stream();
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(parsed["entries"].as_array().map(Vec::len), Some(10));
    assert_golden("blocklist.json", &text);
}

#[test]
fn networks_are_merged_into_the_fewest_cidrs() {
    let text = export_sample(Format::Plain).to_stream();
    assert_eq!(
        text,
        "192.0.2.0/24\n198.51.100.0/24\n203.0.113.5\n2001:db8:1:2::/64\n2001:db8:1:3::1\n"
    );
}

#[test]
fn an_empty_blocklist_exports_loadable_empty_files() {
    let rows = Vec::new();
    for format in [
        Format::Plain,
        Format::Exim,
        Format::Postfix,
        Format::Nft,
        Format::Json,
    ] {
        let e = export(&rows, format).expect("empty exports");
        assert!(!e.files.is_empty());
    }
    let nft = export(&rows, Format::Nft).expect("nft").to_stream();
    assert!(
        !nft.contains("elements"),
        "nft refuses an empty element list"
    );
}

#[test]
fn hand_built_invalid_entries_are_refused_at_export() {
    // Entry's variants are public, so an exporter must not trust them.
    for bad in [
        "evil.example\n10.0.0.0/8",
        "exa mple.org",
        "x.example;rm",
        "a\u{1b}.example",
    ] {
        let entry = Entry::SenderDomain(bad.to_owned());
        let rows = vec![(7, &entry, None)];
        for format in [Format::Exim, Format::Postfix, Format::Json] {
            match export(&rows, format) {
                Err(ExportError::Invalid { line_no: 7, .. }) => {}
                other => panic!("{bad:?} in {format:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn comments_in_json_are_sanitised() {
    let entry = Entry::parse("192.0.2.1").expect("valid");
    let rows = vec![(1, &entry, Some("line\nbreak\u{7}"))];
    let text = export(&rows, Format::Json).expect("json").to_stream();
    assert!(text.contains("\"comment\": \"line break\""), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Real consumers.
// ---------------------------------------------------------------------------------------------

#[path = "prereq/mod.rs"]
mod prereq;
use prereq::{find_postmap, find_program};

#[path = "consumer/mod.rs"]
mod consumer;
use consumer::{in_netns, postmap_query, run, text};

/// Runs `exim -be` on several expansion strings at once; one output line per string.
fn exim_expand(exim: &Path, exprs: &[String]) -> Option<Vec<String>> {
    // An empty configuration keeps the test independent of the host's Exim setup; some builds
    // refuse -C for this user, then the installed configuration is used.
    for config in [Some("/dev/null"), None] {
        let mut cmd = Command::new(exim);
        if let Some(c) = config {
            cmd.arg("-C").arg(c);
        }
        cmd.arg("-be").args(exprs);
        let out = run(&mut cmd, None);
        if out.status.success() {
            return Some(text(&out.stdout).lines().map(str::to_owned).collect());
        }
        eprintln!("exim -be failed ({config:?}): {}", text(&out.stderr));
    }
    None
}

#[test]
fn exim_matches_hosts_and_domains_from_the_export() {
    let Some(exim) = find_program(&["exim", "exim4"]) else {
        prereq::skip(
            "exim_matches_hosts_and_domains_from_the_export",
            "no exim/exim4 binary (see .ci/install-consumers.sh)",
        );
        return;
    };
    let (_dir, files) = write_export(Format::Exim);
    let [hosts, senders, dkim] = files.as_slice() else {
        panic!("exim export has three files");
    };
    let ip_cases = [
        ("192.0.2.77", "yes"),
        ("192.0.2.200", "yes"),
        ("198.51.100.254", "yes"),
        ("203.0.113.5", "yes"),
        ("203.0.113.6", "no"),
        ("2001:db8:1:2::abcd", "yes"),
        ("2001:db8:1:3::1", "yes"),
        ("2001:db8:1:3::2", "no"),
        ("10.0.0.1", "no"),
    ];
    let domain_cases = [
        (senders, "spam.example", "yes"),
        (senders, "mx.spam.example", "yes"),
        (senders, "notspam.example", "no"),
        (senders, "bulk.example", "yes"),
        (senders, "mailer.example", "no"),
        (dkim, "mailer.example", "yes"),
        (dkim, "s1.mailer.example", "yes"),
        (dkim, "spam.example", "no"),
    ];
    let mut exprs: Vec<String> = ip_cases
        .iter()
        .map(|(ip, _)| {
            format!(
                "${{if match_ip{{{ip}}}{{{}}}{{yes}}{{no}}}}",
                hosts.display()
            )
        })
        .collect();
    exprs.extend(domain_cases.iter().map(|(file, d, _)| {
        format!(
            "${{if match_domain{{{d}}}{{{}}}{{yes}}{{no}}}}",
            file.display()
        )
    }));
    let Some(answers) = exim_expand(&exim, &exprs) else {
        panic!("exim is installed but `exim -be` does not run");
    };
    let expected: Vec<&str> = ip_cases
        .iter()
        .map(|c| c.1)
        .chain(domain_cases.iter().map(|c| c.2))
        .collect();
    assert_eq!(answers, expected, "expressions: {exprs:#?}");
}

#[test]
fn postmap_finds_clients_and_senders_in_the_export() {
    let Some(postmap) = find_postmap() else {
        prereq::skip(
            "postmap_finds_clients_and_senders_in_the_export",
            "no postmap (set MAILTRIAGE_POSTMAP or run .ci/install-consumers.sh)",
        );
        return;
    };
    let (_dir, files) = write_export(Format::Postfix);
    let [client, sender] = files.as_slice() else {
        panic!("postfix export has two files");
    };
    let reject = mailtriage::blocklist::export::REJECT_TEXT;
    let (found, stderr) = postmap_query(
        &postmap,
        &format!("cidr:{}", client.display()),
        &[
            "192.0.2.9",
            "198.51.100.3",
            "203.0.113.5",
            "203.0.113.6",
            "2001:db8:1:2::1",
            "2001:db8:1:3::1",
            "10.1.1.1",
        ],
    );
    assert!(!stderr.contains("warning"), "postmap complained: {stderr}");
    let hit = |k: &str| format!("{k}\t{reject}");
    assert_eq!(
        found,
        [
            hit("192.0.2.9"),
            hit("198.51.100.3"),
            hit("203.0.113.5"),
            hit("2001:db8:1:2::1"),
            hit("2001:db8:1:3::1")
        ]
    );

    let (found, stderr) = postmap_query(
        &postmap,
        &format!("texthash:{}", sender.display()),
        &[
            "spam.example",
            ".spam.example",
            "bulk.example",
            "mailer.example",
        ],
    );
    assert!(!stderr.contains("warning"), "postmap complained: {stderr}");
    assert_eq!(
        found,
        [
            hit("spam.example"),
            hit(".spam.example"),
            hit("bulk.example")
        ]
    );
}

#[test]
fn nft_loads_the_export_and_finds_its_elements() {
    let Some(nft) = find_program(&["nft"]) else {
        prereq::skip(
            "nft_loads_the_export_and_finds_its_elements",
            "no nft binary (apt-get install nftables)",
        );
        return;
    };
    let (_dir, files) = write_export(Format::Nft);
    let file = &files[0];
    let bad = file.with_file_name("bad.nft");
    fs::write(
        &bad,
        "table inet t {\n set s { type ipv4_addr; elements = { 1.2.3.400 } }\n}\n",
    )
    .expect("write bad");
    // The binary is passed as $1 so no path is spliced into another one by text replacement.
    let script = format!(
        "set -e
        nft=\"$1\"
        \"$nft\" -c -f '{f}'
        if \"$nft\" -c -f '{bad}' 2>/dev/null; then echo 'bad file accepted'; exit 3; fi
        \"$nft\" -f '{f}'
        \"$nft\" -f '{f}'
        \"$nft\" get element inet mailtriage blocked_v4 '{{ 192.0.2.9, 203.0.113.5 }}'
        \"$nft\" get element inet mailtriage blocked_v6 '{{ 2001:db8:1:2::1 }}'
        if \"$nft\" get element inet mailtriage blocked_v4 '{{ 10.0.0.1 }}' 2>/dev/null; then
            echo '10.0.0.1 unexpectedly in set'; exit 4
        fi
        \"$nft\" list set inet mailtriage blocked_v4",
        f = file.display(),
        bad = bad.display()
    );
    match in_netns(&script, &nft) {
        Some(out) => {
            let listing = text(&out.stdout);
            assert!(
                out.status.success(),
                "nft rejected the export: {}\n{listing}\n{}",
                text(&out.stderr),
                fs::read_to_string(file).unwrap_or_default()
            );
            // Loaded twice: the flush keeps the set equal to the file, without duplicates.
            assert!(listing.contains("192.0.2.0/24"), "{listing}");
        }
        None => {
            // Without namespaces, only the syntax check is possible, and only with privileges.
            let out = run(Command::new(&nft).arg("-c").arg("-f").arg(file), None);
            let stderr = text(&out.stderr);
            if stderr.contains("Operation not permitted") {
                prereq::skip(
                    "nft_loads_the_export_and_finds_its_elements",
                    &format!("nft -c needs privileges here: {stderr}"),
                );
                return;
            }
            assert!(out.status.success(), "nft -c rejected the export: {stderr}");
        }
    }
}
