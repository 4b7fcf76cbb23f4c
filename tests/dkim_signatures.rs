//! DKIM per signature and per domain (issue 9, item 2): the `dkim-domain` rows
//! count each domain's own signatures, checked against a count of `DKIM:`
//! lines that shares no code with the parser.
//!
//! The second count is plain string splitting (`independent_count` below). The
//! same count as awk, run in `../shared/samples/realworld/`:
//!
//! ```text
//! LC_ALL=C awk '/ DKIM: /{d=""; for(i=1;i<=NF;i++) if ($i ~ /^d=/) d=tolower(substr($i,3));
//!   r="other"; if ($0 ~ /\[verification succeeded\]$/) r="pass";
//!   else if ($0 ~ /\[(verification failed|fail) - [^]]*\]$/) r="fail";
//!   else if ($0 ~ /\[(invalid - [^]]*|failed key import)\]$/) r="invalid";
//!   print d, r}' *.log | sort | uniq -c
//! ```
//!
//! gives 26 signatures of 18 domains, all in perericr-ddgrey-mainlog.log but
//! one (r3boot-logshipper-exim-go.log's gmail.com): 21 pass, 5 fail
//! (masonhock.com, solent.ac.uk, ssu.onmicrosoft.com, tiscali.it,
//! troubleshooters.com), no invalid.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use common::samples;
use mailtriage::parse::DkimStatus;
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix};

/// (domain, [pass, fail, invalid, other]) from the `DKIM:` lines of `text`:
/// the word after the id is `DKIM:`, `d=` is a space-separated word, the result
/// is the bracketed text at the end of the line.
fn independent_count(text: &str) -> BTreeMap<String, [u64; 4]> {
    let mut out: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        // date, time, id, `DKIM:` (these logs have no pid or syslog prefix there).
        if words.get(3) != Some(&"DKIM:") || !line.ends_with(']') {
            continue;
        }
        let Some(open) = line.rfind('[') else {
            continue;
        };
        let result = line.get(open + 1..).unwrap_or("").trim_end_matches(']');
        let d = words
            .iter()
            .find_map(|w| w.strip_prefix("d="))
            .unwrap_or("")
            .to_ascii_lowercase();
        let i = if result == "verification succeeded" {
            0
        } else if result.starts_with("verification failed - ") || result.starts_with("fail - ") {
            1
        } else if result.starts_with("invalid - ") || result == "failed key import" {
            2
        } else {
            3
        };
        out.entry(d).or_default()[i] += 1;
    }
    out
}

/// The same counts from `senders --by dkim-domain --json` (the `(none)` row
/// holds the signatures without `d=`).
fn cli_count(files: &[PathBuf]) -> BTreeMap<String, [u64; 4]> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailtriage"));
    cmd.args(["-q", "senders", "--by", "dkim-domain", "--json"]);
    cmd.args(files);
    let o = cmd.output().expect("run mailtriage");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut out = BTreeMap::new();
    for r in rows.as_array().expect("rows") {
        let s = &r["signatures"];
        let n = |k: &str| s[k].as_u64().expect("count");
        let counts = [n("pass"), n("fail"), n("invalid"), n("other")];
        if counts == [0; 4] {
            continue;
        }
        let key = r["key"].as_str().expect("key");
        let key = if key == "(none)" { "" } else { key };
        out.insert(key.to_string(), counts);
    }
    out
}

#[test]
fn per_domain_counts_equal_a_count_of_the_real_dkim_lines() {
    let Some(dir) = samples() else { return };
    let dir = dir.join("realworld");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("realworld")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let mut want: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).expect("read")).into_owned();
        for (d, c) in independent_count(&text) {
            let e = want.entry(d).or_default();
            for i in 0..4 {
                e[i] += c[i];
            }
        }
    }
    let total = want.values().fold([0; 4], |a, c| {
        [a[0] + c[0], a[1] + c[1], a[2] + c[2], a[3] + c[3]]
    });
    assert_eq!(
        (want.len(), total),
        (18, [21, 5, 0, 0]),
        "the awk count above"
    );
    assert_eq!(cli_count(&files), want);
}

#[test]
fn a_failing_signature_behind_a_passing_one_shows_on_its_domains_row() {
    // The demo (assets/demo/mainlog): a message signed by its sender's domain
    // (passing) and by a second domain (failing):
    // `1uB3VC-00000000Eo9-006w DKIM: d=tamford.xyz … [verification succeeded]`,
    // `DKIM: d=escaport.top … [verification failed - signature invalid (key too short)]`,
    // `<= amir@tamford.xyz …`, delivered.
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog");
    let m = common::load(std::slice::from_ref(&demo));
    let id = mailtriage::parse::MsgId::parse(b"1uB3VC-00000000Eo9-006w").expect("id");
    let i = m.find_message(id).expect("in the demo");
    let sigs = query::signatures(&m, i);
    let shown: Vec<(&[u8], &str)> = sigs
        .iter()
        .map(|s| (s.domain.unwrap_or_default(), s.result.as_str()))
        .collect();
    assert_eq!(
        shown,
        [(&b"tamford.xyz"[..], "pass"), (b"escaport.top", "fail")]
    );
    assert_eq!(sigs[0].reason, None);
    assert_eq!(
        sigs[1].reason.as_deref(),
        Some(&b"signature invalid (key too short)"[..])
    );
    // Once, as pass, per message.
    assert_eq!(m.messages[i as usize].dkim, DkimStatus::Pass);
    let s = query::summary(&m);
    let by_status = m
        .messages
        .iter()
        .filter(|x| x.has(mailtriage::model::flags::ARRIVED));
    assert_eq!(
        s.dkim.pass,
        by_status.filter(|x| x.dkim == DkimStatus::Pass).count() as u64
    );

    let g = Grouping::new(&m, AggKey::DkimDomain, NetPrefix::default());
    let rows = query::group(&m, &g, &Filter::default(), false);
    let row = rows.iter().find(|r| r.key == "escaport.top").expect("row");
    // The message is one of the row's passes per message.
    assert!(row.dkim.pass >= 1);
    let sig = row.signatures.as_deref().copied().expect("signature tally");
    let text = String::from_utf8_lossy(&std::fs::read(&demo).expect("demo")).into_owned();
    let want = independent_count(&text);
    assert_eq!(
        [sig.pass, sig.fail, sig.invalid, sig.other],
        want["escaport.top"]
    );
    assert!(sig.fail >= 1);
    // Every domain of the demo agrees with the line count too.
    let mut got = BTreeMap::new();
    for r in &rows {
        if let Some(t) = r.signatures.as_deref().filter(|t| t.total() > 0) {
            let k = if r.key == "(none)" {
                String::new()
            } else {
                r.key.clone()
            };
            got.insert(k, [t.pass, t.fail, t.invalid, t.other]);
        }
    }
    assert_eq!(got, want);
    // The issue's case: domains whose messages all count as pass (or none) but
    // whose own signatures failed.
    let hidden = rows
        .iter()
        .filter(|r| r.dkim.fail == 0 && r.signatures.as_ref().is_some_and(|t| t.fail > 0))
        .count();
    assert!(hidden > 0, "no domain had a failure hidden by another pass");

    // Under another key, the message counts once as pass, and as one carrying a
    // failing signature.
    let g = Grouping::new(&m, AggKey::Ip, NetPrefix::default());
    let rows = query::group(&m, &g, &Filter::default(), false);
    let ip = m.ip(m.messages[i as usize].ip).expect("client").to_string();
    let row = rows.iter().find(|r| r.key == ip).expect("client row");
    assert!(row.dkim.pass >= 1 && row.messages_sig_fail >= 1);
    assert_eq!(row.signatures, None);
    let all: u64 = rows.iter().map(|r| r.messages_sig_fail).sum();
    let flagged = m
        .messages
        .iter()
        .filter(|x| {
            x.has(mailtriage::model::flags::ARRIVED) && x.has(mailtriage::model::flags::SIG_FAIL)
        })
        .count() as u64;
    assert_eq!(all, flagged);
}

#[test]
fn csv_and_text_carry_the_signature_columns() {
    let Some(dir) = samples() else { return };
    let f = dir.join("realworld/perericr-ddgrey-mainlog.log");
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
            .arg("-q")
            .args(args)
            .arg(&f)
            .output()
            .expect("run mailtriage");
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let csv = run(&["senders", "--by", "dkim-domain", "--csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "key,family,messages,bytes,dkim_pass,dkim_fail,dkim_invalid,dkim_none,\
             messages_sig_fail,messages_sig_invalid,rejections,recipients,first,last,\
             signatures_pass,signatures_fail,signatures_invalid,signatures_other,\
             signatures_aligned,signatures_clients,signatures_networks,auth_failures,protocol_errors,\
             arrivals,clients,recent_5m,recent_1h"
        )
    );
    // 1j5NNT: two failing signatures on a list message from openstreetmap.org.
    let solent = lines.find(|l| l.starts_with("solent.ac.uk,")).expect("row");
    // `arrivals`, `clients` (under dkim-domain the signatures' own count again), then
    // the last 5 minutes and hour before the log's end.
    assert!(solent.ends_with(",0,1,0,0,0,1,1,0,0,1,1,0,0"), "{solent}");
    let csv = run(&["senders", "--by", "ip", "--csv"]);
    let osm = csv
        .lines()
        .find(|l| l.starts_with("212.110.172.32,"))
        .expect("row");
    // Its messages: DKIM fail 1, one carrying a failing signature; no signature columns.
    assert!(osm.contains(",0,1,0,2,1,0,"), "{osm}");
    assert!(osm.ends_with(",,,,,,,,0,0,3,1,0,0"), "{osm}");
    let text = run(&["senders", "--by", "dkim-domain"]);
    let head: Vec<&str> = text
        .lines()
        .next()
        .expect("heading")
        .split_whitespace()
        .collect();
    assert_eq!(
        head,
        [
            "DKIM-DOMAIN",
            "FAMILY",
            "MSGS",
            "ARR",
            "BYTES",
            "S.PASS",
            "S.FAIL",
            "S.INV",
            "S.OTH",
            "ALIGNED",
            "IPS",
            "NETS",
            "REJ",
            "AUTHF",
            "PROTO",
            "RCPTS",
            "FIRST",
            "LAST"
        ]
    );
    let text = run(&["senders"]);
    assert!(
        text.lines()
            .next()
            .expect("heading")
            .contains("  NONE  SIGFAIL  SIGINV  ")
    );
}
