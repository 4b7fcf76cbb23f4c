//! End-to-end checks of the log generator and the bundled demo log.

use std::collections::{HashMap, HashSet};
use std::net::Ipv6Addr;

use mailtriage::r#gen::{self as generator, GenConfig};

fn generate(seed: u64, bytes: u64) -> Vec<u8> {
    let cfg = GenConfig {
        seed,
        target_bytes: bytes,
        ..GenConfig::default()
    };
    let mut out = Vec::new();
    let stats = generator::generate(&cfg, &mut out).expect("writing to a Vec cannot fail");
    assert_eq!(stats.bytes, out.len() as u64);
    out
}

fn demo_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    generator::demo(&mut out).expect("writing to a Vec cannot fail");
    out
}

fn lines(log: &[u8]) -> impl Iterator<Item = &[u8]> {
    log.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// The message id after the time stamp, if the line has one (either Exim form).
fn msg_id(line: &[u8]) -> Option<&[u8]> {
    let rest = line.get(20..)?;
    let end = rest.iter().position(|&b| b == b' ')?;
    let word = &rest[..end];
    let shape_ok = match word.len() {
        16 => word[6] == b'-' && word[13] == b'-',
        23 => word[6] == b'-' && word[18] == b'-',
        _ => false,
    };
    (shape_ok && word.iter().all(|&b| b == b'-' || is_id_char(b))).then_some(word)
}

/// The body after the id, for lines that have one.
fn after_id(line: &[u8]) -> Option<&[u8]> {
    let id = msg_id(line)?;
    line.get(20 + id.len() + 1..)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The client address of an arrival: the last `[...]` before ` I=`.
fn arrival_ip(body: &[u8]) -> Option<String> {
    let h = find(body, b" H=")?;
    let i = find(&body[h..], b" I=")? + h;
    let head = &body[h..i];
    let open = head.iter().rposition(|&b| b == b'[')?;
    let close = head.iter().rposition(|&b| b == b']')?;
    Some(String::from_utf8_lossy(&head[open + 1..close]).into_owned())
}

fn valid_stamp(line: &[u8]) -> bool {
    let Some(s) = line.get(..20) else {
        return false;
    };
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if !digits.iter().all(|&i| s[i].is_ascii_digit()) {
        return false;
    }
    let num = |a: usize| u32::from(s[a] - b'0') * 10 + u32::from(s[a + 1] - b'0');
    s[4] == b'-'
        && s[7] == b'-'
        && s[10] == b' '
        && s[13] == b':'
        && s[16] == b':'
        && s[19] == b' '
        && (1..=12).contains(&num(5))
        && (1..=31).contains(&num(8))
        && num(11) < 24
        && num(14) < 60
        && num(17) < 60
}

#[test]
fn same_seed_gives_identical_bytes() {
    let a = generate(42, 2_000_000);
    let b = generate(42, 2_000_000);
    assert!(a == b, "two runs with seed 42 differ");
}

#[test]
fn different_seeds_give_different_logs() {
    assert_ne!(generate(1, 300_000), generate(2, 300_000));
}

#[test]
fn output_size_stays_within_a_line_of_the_target() {
    for target in [100_000u64, 3_000_000] {
        let log = generate(7, target);
        let len = log.len() as u64;
        assert!(len <= target, "{len} > {target}");
        assert!(len * 100 >= target * 98, "{len} is far below {target}");
        assert_eq!(
            log.last(),
            Some(&b'\n'),
            "the log must end with a whole line"
        );
    }
}

#[test]
fn every_line_starts_with_a_time_stamp_and_time_never_goes_back() {
    let log = generate(3, 2_000_000);
    let mut prev: &[u8] = b"";
    for line in lines(&log) {
        assert!(
            valid_stamp(line),
            "bad stamp: {}",
            String::from_utf8_lossy(line)
        );
        assert!(
            &line[..19] >= prev,
            "time went back at {}",
            String::from_utf8_lossy(line)
        );
        prev = &line[..19];
    }
}

#[test]
fn millis_and_pid_prefixes_appear_when_configured() {
    let cfg = GenConfig {
        seed: 5,
        target_bytes: 50_000,
        millis: true,
        pids: true,
        ..GenConfig::default()
    };
    let mut out = Vec::new();
    generator::generate(&cfg, &mut out).expect("vec write");
    for line in lines(&out) {
        assert_eq!(line[19], b'.');
        assert!(line[20..23].iter().all(u8::is_ascii_digit));
        assert_eq!(&line[23..25], b" [");
    }
}

#[test]
fn both_id_forms_appear_and_arrival_ids_are_unique() {
    let log = generate(11, 3_000_000);
    let (mut short, mut long) = (0, 0);
    let mut seen = HashSet::new();
    for line in lines(&log) {
        let Some(body) = after_id(line) else { continue };
        if !body.starts_with(b"<= ") {
            continue;
        }
        let id = msg_id(line).expect("after_id implies an id");
        if id.len() == 16 {
            short += 1;
        } else {
            long += 1;
        }
        assert!(
            seen.insert(id.to_vec()),
            "id reused: {}",
            String::from_utf8_lossy(id)
        );
    }
    let total = f64::from(short + long);
    let share = f64::from(short) / total;
    assert!(long > 0 && short > 0);
    assert!((0.05..0.16).contains(&share), "old-form share {share}");
}

#[test]
fn id_time_part_matches_the_arrival_second() {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let log = generate(12, 500_000);
    let mut checked = 0;
    for line in lines(&log) {
        let Some(id) = msg_id(line) else { continue };
        let secs = id[..6].iter().fold(0i64, |acc, c| {
            acc * 62 + B62.iter().position(|x| x == c).expect("base62 digit") as i64
        });
        let stamp = chrono::NaiveDateTime::parse_from_str(
            std::str::from_utf8(&line[..19]).expect("ascii stamp"),
            "%Y-%m-%d %H:%M:%S",
        )
        .expect("valid stamp")
        .and_utc()
        .timestamp();
        // An id is made when the message starts; its lines follow within the day
        // (deferred deliveries retry for a few hours).
        assert!(
            stamp >= secs && stamp - secs < 86_400,
            "{}",
            String::from_utf8_lossy(line)
        );
        checked += 1;
    }
    assert!(checked > 1000);
}

#[test]
fn about_forty_percent_of_arrivals_are_ipv6() {
    let log = generate(21, 5_000_000);
    let (mut v6, mut all) = (0u32, 0u32);
    for line in lines(&log) {
        let Some(body) = after_id(line) else { continue };
        if !body.starts_with(b"<= ") {
            continue;
        }
        if let Some(ip) = arrival_ip(body) {
            all += 1;
            if ip.contains(':') {
                v6 += 1;
            }
        }
    }
    let share = f64::from(v6) / f64::from(all);
    assert!((0.33..0.47).contains(&share), "IPv6 share {share} of {all}");
}

#[test]
fn rejections_without_an_id_are_a_tenth_to_a_fifth_of_lines() {
    let log = generate(8, 3_000_000);
    let (mut total, mut rejections) = (0u32, 0u32);
    for line in lines(&log) {
        total += 1;
        let body = &line[20..];
        if msg_id(line).is_none()
            && !body.starts_with(b"Start queue run")
            && !body.starts_with(b"End queue run")
        {
            rejections += 1;
        }
    }
    let share = f64::from(rejections) / f64::from(total);
    assert!((0.10..0.20).contains(&share), "share {share}");
}

#[test]
fn the_demo_plants_six_signed_arrivals_from_one_ipv6_64_to_one_address() {
    let log = demo_bytes();
    let rcpt = format!(
        "{}@{}",
        generator::STORY_LOCAL_PART,
        generator::LOCAL_DOMAINS[0]
    );
    let dkim_ok = format!("DKIM: d={} ", generator::STORY_DOMAIN);

    let mut passed: HashSet<Vec<u8>> = HashSet::new();
    for line in lines(&log) {
        let Some(body) = after_id(line) else { continue };
        if body.starts_with(dkim_ok.as_bytes()) && body.ends_with(b"[verification succeeded]") {
            passed.insert(msg_id(line).expect("has id").to_vec());
        }
    }

    let mut story_ids = HashSet::new();
    let mut addrs = HashSet::new();
    let mut nets = HashSet::new();
    for line in lines(&log) {
        let Some(body) = after_id(line) else { continue };
        if !body.starts_with(b"<= ") || find(body, rcpt.as_bytes()).is_none() {
            continue;
        }
        let id = msg_id(line).expect("has id").to_vec();
        assert!(
            passed.contains(&id),
            "story arrival without a passing DKIM line"
        );
        assert!(find(body, format!("DKIM={}", generator::STORY_DOMAIN).as_bytes()).is_some());
        let ip: Ipv6Addr = arrival_ip(body)
            .and_then(|s| s.parse().ok())
            .expect("story arrives over IPv6");
        nets.insert(u128::from(ip) >> 64);
        addrs.insert(ip);
        story_ids.insert(id);
    }
    assert_eq!(story_ids.len(), 6);
    assert_eq!(addrs.len(), 6, "each arrival uses a new interface id");
    assert_eq!(nets.len(), 1, "all from one /64");
    let net = *nets.iter().next().expect("one net");

    // Nobody else writes to that address or connects from that /64, but other senders
    // share its /48, so widening a block past the /64 would hit them.
    let mut neighbours = 0;
    for line in lines(&log) {
        let id = msg_id(line).map(<[u8]>::to_vec);
        let from_story = id.as_ref().is_some_and(|i| story_ids.contains(i));
        if find(line, rcpt.as_bytes()).is_some() {
            assert!(from_story, "{}", String::from_utf8_lossy(line));
        }
        if let Some(body) = after_id(line)
            && body.starts_with(b"<= ")
            && let Some(ip) = arrival_ip(body).and_then(|s| s.parse::<Ipv6Addr>().ok())
        {
            assert!(from_story || u128::from(ip) >> 64 != net);
            if !from_story && u128::from(ip) >> 80 == net >> 16 {
                neighbours += 1;
            }
        }
    }
    assert!(
        neighbours >= 10,
        "only {neighbours} other arrivals in the story's /48"
    );

    // Roughly monthly: consecutive arrivals 3 to 6 weeks apart.
    let days: Vec<chrono::NaiveDate> = lines(&log)
        .filter(|l| {
            after_id(l).is_some_and(|b| b.starts_with(b"<= ") && find(b, rcpt.as_bytes()).is_some())
        })
        .map(|l| {
            let text = std::str::from_utf8(&l[..10]).expect("ascii date");
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("valid date")
        })
        .collect();
    for pair in days.windows(2) {
        let gap = (pair[1] - pair[0]).num_days();
        assert!(
            (21..=42).contains(&gap),
            "{gap} days between story messages"
        );
    }
}

#[test]
fn the_demo_has_a_noisy_ipv4_24_and_the_hostile_lines() {
    let log = demo_bytes();
    let net = generator::SPAM_RUN_NET;
    let prefix = format!("[{}.{}.{}.", net[0], net[1], net[2]);
    let mut hosts = HashSet::new();
    let mut by_day: HashMap<Vec<u8>, u32> = HashMap::new();
    for line in lines(&log) {
        if let Some(p) = find(line, prefix.as_bytes()) {
            let tail = &line[p + prefix.len()..];
            let end = tail.iter().position(|&b| b == b']').unwrap_or(0);
            hosts.insert(tail[..end].to_vec());
            *by_day.entry(line[..10].to_vec()).or_default() += 1;
        }
    }
    assert!(hosts.len() >= 30, "only {} hosts in the /24", hosts.len());
    let busiest = by_day.values().max().copied().unwrap_or(0);
    assert!(
        busiest >= 500,
        "the run is not dense: {busiest} lines on its day"
    );

    let has = |s: &[u8]| find(&log, s).is_some();
    assert!(has(b"\\033[31m"), "escaped terminal codes in a HELO");
    assert!(has(b"**** log string overflowed log buffer ****"));
    assert!(has(b" SA: Action: "));
    assert!(
        std::str::from_utf8(&log).is_err(),
        "raw high bytes make it invalid UTF-8"
    );
    assert!(lines(&log).any(|l| l.len() > 1000 && find(l, b" T=\"").is_some()));
    assert!(lines(&log).all(|l| l.len() < 8192));
}

#[test]
fn the_demo_has_an_ipv6_run_spread_over_many_64s_of_one_48() {
    let log = demo_bytes();
    let p48 = u128::from(generator::SPAM_RUN_V6_48 >> 16);
    let mut nets = HashSet::new();
    for line in lines(&log) {
        let mut rest = line;
        while let Some(open) = rest.iter().position(|&b| b == b'[') {
            let tail = &rest[open + 1..];
            let Some(close) = tail.iter().position(|&b| b == b']') else {
                break;
            };
            if let Some(ip) = std::str::from_utf8(&tail[..close])
                .ok()
                .and_then(|s| s.parse::<Ipv6Addr>().ok())
                && u128::from(ip) >> 80 == p48
            {
                nets.insert(u128::from(ip) >> 64);
            }
            rest = &tail[close..];
        }
    }
    assert!(nets.len() >= 30, "only {} /64s", nets.len());
}

#[test]
fn the_demo_is_one_to_three_megabytes_over_about_six_months() {
    let log = demo_bytes();
    assert!((1_000_000..3_000_000).contains(&log.len()), "{}", log.len());
    let first = lines(&log).next().expect("not empty");
    let last = lines(&log).last().expect("not empty");
    assert!(first.starts_with(b"2025-01"));
    assert!(last.starts_with(b"2025-07"));
}

#[test]
fn the_bundled_demo_file_is_what_demo_writes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/mainlog");
    let on_disk = std::fs::read(path).expect("assets/demo/mainlog is bundled");
    assert!(
        on_disk == demo_bytes(),
        "assets/demo/mainlog is stale: cargo run --example mailtriage-gen -- --demo -o assets/demo/mainlog"
    );
}

#[test]
fn sizes_parse_with_binary_suffixes() {
    assert_eq!(generator::parse_size("1G"), Some(1 << 30));
    assert_eq!(generator::parse_size("200M"), Some(200 << 20));
    assert_eq!(generator::parse_size("5000K"), Some(5000 << 10));
    assert_eq!(generator::parse_size("123"), Some(123));
    assert_eq!(generator::parse_size("x"), None);
    assert_eq!(generator::parse_size(""), None);
}

/// Runs `mailtriage-gen ARGS` as the example does: (status, stdout, stderr).
fn gen_cli(args: &[&str]) -> (u8, Vec<u8>, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = mailtriage::r#gen::cli::main(args.iter().map(|a| a.to_string()), &mut out, &mut err);
    (code, out, String::from_utf8_lossy(&err).into_owned())
}

#[test]
fn the_command_line_writes_the_same_bytes_as_the_library() {
    let (code, out, _) = gen_cli(&["--seed", "4", "--size", "300K"]);
    assert_eq!(code, 0);
    assert!(
        out == generate(4, 300 << 10),
        "stdout differs from generate()"
    );
    let (code, out, _) = gen_cli(&["--demo"]);
    assert_eq!(code, 0);
    assert!(out == demo_bytes(), "--demo differs from demo()");
}

#[test]
fn the_command_line_rejects_bad_arguments_with_usage() {
    for args in [
        &["--size", "12Q"][..],
        &["--start", "yesterday"],
        &["--bogus"],
    ] {
        let (code, out, err) = gen_cli(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("usage:"));
        assert!(out.is_empty());
    }
}
