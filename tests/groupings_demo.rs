//! `senders --by recipient` and `--by auth` on the demo log, checked against
//! counts made here straight from the raw lines (the way one would with awk),
//! not through the parser or the model.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn demo_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog");
    String::from_utf8_lossy(&std::fs::read(path).expect("demo log")).into_owned()
}

fn senders_json(by: &str) -> Vec<serde_json::Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog");
    let o = Command::new(env!("CARGO_BIN_EXE_mailtriage"))
        .args(["senders", "--by", by, "--json", path])
        .output()
        .expect("run mailtriage");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn field(rows: &[serde_json::Value], key: &str, name: &str) -> u64 {
    rows.iter()
        .find(|r| r["key"] == key)
        .and_then(|r| r[name].as_u64())
        .unwrap_or(0)
}

/// Words of a line after its date, time and message id: `<=`, `=>`, … first.
fn id_and_rest(line: &str) -> Option<(&str, Vec<&str>)> {
    let w: Vec<&str> = line.split(' ').collect();
    let id = *w.get(2)?;
    // `1tUq1a-000001-AA` and the newer `1tUazq-000000000Wx-2n8g`.
    let id_like = matches!(id.len(), 16 | 23) && id.as_bytes().get(6) == Some(&b'-');
    id_like.then(|| (id, w[3..].to_vec()))
}

#[test]
fn by_recipient_counts_each_message_under_each_recipient_and_rcpt_rejections() {
    let text = demo_text();
    // Arrived messages, and every address a `for` list or a delivery, deferral or
    // bounce line names for them (ASCII case folded).
    let mut arrived: BTreeSet<String> = BTreeSet::new();
    let mut of_msg: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut rcpt_rejections: BTreeMap<String, u64> = BTreeMap::new();
    for line in text.lines() {
        if let Some((_, rest)) = line.split_once(" rejected RCPT <")
            && !line.contains(" temporarily rejected RCPT")
            && id_and_rest(line).is_none()
            && let Some((addr, _)) = rest.split_once('>')
        {
            *rcpt_rejections
                .entry(addr.to_ascii_lowercase())
                .or_default() += 1;
        }
        let Some((id, w)) = id_and_rest(line) else {
            continue;
        };
        let set = of_msg.entry(id.to_string()).or_default();
        match w.first().copied() {
            Some("<=") => {
                arrived.insert(id.to_string());
                // The last `for`: a subject (`T="…"`) can hold the word too.
                if let Some(f) = w.iter().rposition(|x| *x == "for") {
                    set.extend(w[f + 1..].iter().map(|r| r.to_ascii_lowercase()));
                }
            }
            Some("=>" | "->" | "**" | "==") => {
                // `=> local <orig@domain>`: the address the sender used.
                let orig = w
                    .get(2)
                    .and_then(|o| o.trim_end_matches(':').strip_prefix('<'))
                    .and_then(|o| o.strip_suffix('>'))
                    .filter(|o| !o.is_empty());
                if let Some(a) = orig.or(w.get(1).map(|a| a.trim_end_matches(':'))) {
                    set.insert(a.to_ascii_lowercase());
                }
            }
            _ => {}
        }
    }
    let mut messages: BTreeMap<String, u64> = BTreeMap::new();
    for id in &arrived {
        for r in of_msg.get(id).into_iter().flatten() {
            *messages.entry(r.clone()).or_default() += 1;
        }
    }
    let rows = senders_json("recipient");
    let busiest = messages
        .iter()
        .max_by_key(|(_, n)| **n)
        .expect("recipients");
    assert!(*busiest.1 > 10, "the demo has a busy recipient");
    for (r, n) in &messages {
        assert_eq!(field(&rows, r, "arrivals"), *n, "arrivals to {r}");
    }
    let total: u64 = rows.iter().filter_map(|r| r["arrivals"].as_u64()).sum();
    assert_eq!(
        total,
        messages.values().sum::<u64>(),
        "no message counted elsewhere"
    );
    let mut checked = 0;
    for (r, n) in &rcpt_rejections {
        // A recipient's rejections also count its rejected messages (an id, no `<=`).
        assert!(field(&rows, r, "rejections") >= *n, "rejections for {r}");
        checked += 1;
    }
    assert!(checked > 0, "the demo has RCPT rejections");
    // Every row's distinct clients are at most its messages and rejections.
    for r in &rows {
        let most = r["messages"].as_u64().unwrap_or(0) + r["rejections"].as_u64().unwrap_or(0);
        assert!(r["clients"].as_u64().unwrap_or(0) <= most, "{r}");
    }
}

#[test]
fn by_auth_counts_logins_local_users_and_failed_logins() {
    let text = demo_text();
    let mut messages: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut arrivals = 0u64;
    for line in text.lines() {
        if line.contains(" authenticator failed for ")
            && let Some((_, v)) = line.rsplit_once("(set_id=")
        {
            let v = v.strip_suffix(')').unwrap_or(v);
            *failures.entry(v.to_string()).or_default() += 1;
            continue;
        }
        let Some((_, w)) = id_and_rest(line) else {
            continue;
        };
        if w.first() != Some(&"<=") {
            continue;
        }
        arrivals += 1;
        let tag = |t: &str| w.iter().find_map(|x| x.strip_prefix(t));
        // Local submissions name no client: no `H=` and no `[address]`.
        let local = !w.iter().any(|x| x.starts_with("H=") || x.starts_with('['));
        let who = match (tag("A="), tag("U=")) {
            (Some(a), _) => Some(a.split_once(':').map_or(a, |(_, id)| id)),
            (None, Some(u)) if local => Some(u),
            _ => None,
        };
        *messages
            .entry(who.unwrap_or("(none)").to_string())
            .or_default() += 1;
    }
    let rows = senders_json("auth");
    assert!(
        messages.len() > 5 && failures.len() > 2,
        "the demo has logins"
    );
    let total: u64 = rows.iter().filter_map(|r| r["arrivals"].as_u64()).sum();
    assert_eq!(total, arrivals, "each arrival under exactly one login");
    for (who, n) in &messages {
        assert_eq!(field(&rows, who, "arrivals"), *n, "arrivals of {who}");
    }
    for (who, n) in &failures {
        assert_eq!(
            field(&rows, who, "auth_failures"),
            *n,
            "failed logins of {who}"
        );
    }
    assert_eq!(field(&rows, "(none)", "auth_failures"), 0);
}
