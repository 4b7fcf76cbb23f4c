//! Fuzzing the interactive view: random keys, resizes and renders over generated hostile
//! logs (escape sequences, invalid UTF-8, multi-byte and zero-width text, long lines, `H=`
//! tricks, odd domains, empty files), driving `App` and rendering every step through
//! `TestBackend`. Seeded and reproducible: a failure prints the seed, case and step.
//! Half the cases follow the log: it arrives in random pieces of whole lines between
//! the keys (sometimes as a new file, as after a rotation), each swapped in as the
//! feed thread would (`App::refreshed`), with `Space` pausing among the keys.
//!
//! `cargo test` runs a short campaign (20 k steps). The long one, by hand:
//! `MAILTRIAGE_FUZZ_STEPS=1000000 cargo test --release --test tui_fuzz -- --ignored --nocapture`
//! (`MAILTRIAGE_FUZZ_SEED=N` replays another seed).

use std::panic::{AssertUnwindSafe, catch_unwind};

use mailtriage::model::live::Live;
use mailtriage::model::{self, LoadOptions};
use mailtriage::query::NetPrefix;
use mailtriage::tui::app::App;
use mailtriage::tui::feed::Refresh;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::logs::Loaded;
use mailtriage::tui::render::render;
use mailtriage::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// splitmix64: enough randomness for choosing, and the same stream for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn bytes(&mut self, xs: &[&'static [u8]]) -> &'static [u8] {
        xs[self.below(xs.len())]
    }

    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

/// Text an attacker can put into any field of a line.
const HOSTILE: &[&[u8]] = &[
    b"\x1b[2J",
    b"\x1b]52;c;cHduZWQ=\x07",
    b"\x1b]0;title\x1b\\",
    b"\x1bP+q544e\x1b\\",
    b"\xc2\x9b31m",
    b"\x07\x08\x7f",
    b"\xff",
    b"\xfe",
    b"\xc3",
    b"\xe2\x80",
    "caf\u{e9}".as_bytes(),
    "\u{4e2d}\u{6587}".as_bytes(),
    "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}".as_bytes(),
    "\u{200b}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{2029}".as_bytes(),
    "\u{ad}".as_bytes(),
    "\u{202e}".as_bytes(),
    "e\u{301}\u{301}\u{301}".as_bytes(),
    "\u{fe0f}".as_bytes(),
    "\u{feff}".as_bytes(),
    b"(none)",
    b"<>",
    b"\t",
    b"\r",
    b"\"",
    b"\\",
    b"\\033[1m",
    b" ",
    b"",
];

const IPS: &[&str] = &[
    "192.0.2.1",
    "192.0.2.77",
    "198.51.100.9",
    "203.0.113.66",
    "8.8.8.8",
    "2001:db8::25",
    "2a01:238:20a:202:53f0::1",
    "::ffff:192.0.2.5",
    "0.0.0.0",
    "255.255.255.255",
    "::1",
    "999.1.1.1",
    "",
];

const DOMAINS: &[&str] = &[
    "example.org",
    "spam.example",
    "co.uk",
    "gmail.com",
    "a",
    "",
    ".",
    "xn--caf-dma.example",
    "(none)",
    "sub.sub.sub.example.net",
];

fn hostile(r: &mut Rng) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..r.below(4) {
        v.extend_from_slice(r.bytes(HOSTILE));
        if r.chance(50) {
            v.extend_from_slice(r.bytes(&[b"x", b"mail", b"1", b"-", b"."]));
        }
    }
    v
}

fn word(r: &mut Rng) -> Vec<u8> {
    let mut v = r
        .pick(&[&b"alice"[..], b"bob", b"x", b"", b"spam"])
        .to_vec();
    if r.chance(40) {
        v.extend(hostile(r));
    }
    v
}

fn domain(r: &mut Rng) -> Vec<u8> {
    let mut v = r.pick(DOMAINS).as_bytes().to_vec();
    if r.chance(30) {
        let at = r.below(v.len() + 1);
        let h = hostile(r);
        v.splice(at..at, h);
    }
    v
}

fn address(r: &mut Rng) -> Vec<u8> {
    let mut v = word(r);
    v.push(b'@');
    v.extend(domain(r));
    v
}

/// `H=` groups as Exim writes them, and as a HELO can fake them.
fn host(r: &mut Rng) -> Vec<u8> {
    let ip = r.pick(IPS);
    let helo = hostile(r);
    let mut v = b"H=".to_vec();
    match r.below(7) {
        0 => v.extend_from_slice(format!("mail.example.org [{ip}]").as_bytes()),
        1 => {
            v.extend_from_slice(b"(");
            v.extend(helo);
            v.extend_from_slice(format!(") [{ip}]:{}", r.below(70000)).as_bytes());
        }
        2 => v.extend_from_slice(format!("(mail) [8.8.8.8]) [{ip}]:40001").as_bytes()),
        3 => v.extend_from_slice(format!("(a) (b) [{ip}]").as_bytes()),
        4 => v.extend_from_slice(format!("([{ip}]) [{ip}]").as_bytes()),
        5 => v.extend_from_slice(b"[]"),
        _ => {
            v.extend_from_slice(b"(");
            v.extend(helo);
        }
    }
    v
}

const IDS: &[&str] = &[
    "1PZtCw-0002cm-Le",
    "1QFOdo-0001zq-E9",
    "1rg0Aa-000001-AB",
    "1rg0Bb-000002-CD",
    "1rg0Cc-000003-EF",
    "1tABCD-00000000001-XY",
];

fn line(r: &mut Rng) -> Vec<u8> {
    let mut l = format!(
        "2011-{:02}-{:02} {:02}:{:02}:{:02} ",
        1 + r.below(13),
        1 + r.below(32),
        r.below(25),
        r.below(60),
        r.below(61)
    )
    .into_bytes();
    if r.chance(5) {
        l = b"Jun 29 16:04:19 host exim[1]: ".to_vec();
    }
    let id = r.pick(IDS).as_bytes().to_vec();
    let mut push = |parts: &[&[u8]]| {
        for p in parts {
            l.extend_from_slice(p);
        }
    };
    match r.below(10) {
        0 | 1 => {
            let (s, h, d, rc) = (address(r), host(r), hostile(r), address(r));
            let size = r.below(100_000).to_string();
            push(&[
                &id,
                b" <= ",
                &s,
                b" ",
                &h,
                b" P=esmtp S=",
                size.as_bytes(),
                b" T=\"",
                &d,
                b"\" for ",
                &rc,
            ]);
        }
        2 => {
            let (a, h, m) = (address(r), host(r), hostile(r));
            push(&[
                &id,
                b" => ",
                &a,
                b" R=dnslookup T=remote_smtp ",
                &h,
                b" C=\"",
                &m,
                b"\"",
            ]);
        }
        3 => {
            let (d, s, why) = (domain(r), word(r), hostile(r));
            let result = r.bytes(&[
                b"[verification succeeded]",
                b"[verification failed - body hash mismatch]",
                b"[invalid - public key record missing]",
                b"[",
            ]);
            push(&[
                &id,
                b" DKIM: d=",
                &d,
                b" s=",
                &s,
                b" c=relaxed/relaxed a=rsa-sha256 ",
                result,
                &why,
            ]);
        }
        4 => {
            let (h, a, why) = (host(r), address(r), hostile(r));
            push(&[&h, b" F=<", &a, b"> rejected RCPT <", &a, b">: ", &why]);
        }
        5 => push(&[&id, b" Completed"]),
        6 => {
            let (a, why) = (address(r), hostile(r));
            push(&[&id, b" ** ", &a, b": ", &why]);
        }
        7 => {
            let g = hostile(r);
            push(&[&g]);
        }
        8 => {
            // A long line: the rows and the detail must cut it, not carry it.
            let mut g = hostile(r);
            g.push(b'z');
            let n = 2000 + r.below(40_000);
            while g.len() < n {
                let more = g.clone();
                g.extend_from_slice(&more);
            }
            push(&[&id, b" <= ", &g]);
        }
        _ => {
            let (h, d) = (host(r), domain(r));
            push(&[b"SMTP connection from ", &h, b" lost D=", &d]);
        }
    }
    l.push(b'\n');
    l
}

fn log(r: &mut Rng) -> Vec<u8> {
    if r.chance(5) {
        return Vec::new();
    }
    let mut v = Vec::new();
    for _ in 0..r.below(60) {
        v.extend(line(r));
    }
    if r.chance(10) {
        // No final newline.
        v.pop();
    }
    v
}

fn key(r: &mut Rng) -> KeyEvent {
    let plain = [
        'j', 'k', 'g', 'G', 'l', 'h', 'f', 'd', 'a', 's', '/', 'r', 't', 'b', 'w', 'W', 'u', 'o',
        '?', 'q', 'x', '.', '*', '(', '[', '\\', '1', ' ', '\u{e9}', '\u{200b}', '\u{2028}',
        // The keys of the pane split and the triage path: jump, history, prefixes, undo,
        // the y/n of unblocking, sideways, wrap, zoom and the ways back.
        ':', 'H', 'p', 'P', 'U', 'y', 'n', '<', '>', 'z', 'Z', 'F', 'D', 'A', 'S',
        // The middle pane's rejections.
        'R',
    ];
    let code = match r.below(20) {
        0 => KeyCode::Enter,
        1 => KeyCode::Esc,
        2 => KeyCode::Tab,
        3 => KeyCode::BackTab,
        4 => KeyCode::Backspace,
        5 => *r.pick(&[
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
        ]),
        6 => {
            let c = *r.pick(&['c', 'd', 'u', 'z', 'q']);
            return KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        }
        7 => KeyCode::F(1 + r.below(12) as u8),
        _ => KeyCode::Char(*r.pick(&plain)),
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn size(r: &mut Rng) -> (u16, u16) {
    // A huge window is rare: it is clamped to 1000x500, and drawing that many cells
    // on every following step would make the campaign slow without finding more.
    if r.chance(2) {
        return (9999, 9999);
    }
    match r.below(10) {
        0 => (r.below(4) as u16, r.below(4) as u16),
        1 => (80, 24),
        2 => (120, 40),
        3 => (160, 50),
        _ => (1 + r.below(200) as u16, 1 + r.below(60) as u16),
    }
}

/// Runs `steps` steps from `seed`, a new hostile log every few hundred steps.
fn campaign(seed: u64, steps: u64) {
    let mut r = Rng(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut done = 0u64;
    let mut case = 0u64;
    while done < steps {
        let case_seed = r.next();
        let n = (200 + r.below(800) as u64).min(steps - done);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            run_case(case_seed, n, &dir.path().join(format!("blocklist-{case}")))
        }));
        if let Err(e) = outcome {
            eprintln!(
                "tui fuzz failed: MAILTRIAGE_FUZZ_SEED={seed}, case {case} (case seed {case_seed}), \
                 within steps {done}..{}",
                done + n
            );
            std::panic::resume_unwind(e);
        }
        done += n;
        case += 1;
    }
    println!("tui fuzz: {done} steps over {case} logs from seed {seed}");
}

/// The log cut after whole lines into 1 to 8 pieces.
fn pieces(r: &mut Rng, data: &[u8]) -> Vec<Vec<u8>> {
    let ends: Vec<usize> = data
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let mut cuts: Vec<usize> = (0..r.below(8))
        .filter_map(|_| ends.get(r.below(ends.len().max(1))).copied())
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts.into_iter().chain([data.len()]) {
        if c > at {
            out.push(data[at..c].to_vec());
            at = c;
        }
    }
    out
}

fn run_case(case_seed: u64, steps: u64, blocklist: &std::path::Path) {
    let mut r = Rng(case_seed);
    let mut data = log(&mut r);
    if data.last().is_some_and(|&b| b != b'\n') {
        data.push(b'\n');
    }
    let opts = LoadOptions {
        threads: 1,
        ..LoadOptions::default()
    };
    let following = r.chance(50);
    let mut rest = if following {
        pieces(&mut r, &data)
    } else {
        Vec::new()
    };
    rest.reverse();
    let mut live = Live::new(opts.clone());
    let model = if following {
        let first = rest.pop().unwrap_or_default();
        live.append("fuzz.log", first, false).expect("append");
        live.snapshot()
    } else {
        model::load::from_bytes("fuzz.log", data, &opts)
    };
    let (w, h) = size(&mut r);
    let mut app = App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        NetPrefix::default(),
        (w, h),
    );
    if following {
        app.start_live("fuzz.log".into());
    }
    app.open_blocklist(Some(blocklist.to_path_buf()));
    let theme = Theme {
        color: r.chance(50),
    };
    let mut term: Option<Terminal<TestBackend>> = None;
    for step in 0..steps {
        // A 1000x500 screen is drawn once, then left: keeping it would make every
        // following step cost half a million cells.
        let huge = app.size.0 as usize * app.size.1 as usize > 100_000;
        if huge || r.chance(3) {
            let (w, h) = size(&mut r);
            app.resize(w, h);
        } else if following && !rest.is_empty() && r.chance(5) {
            let piece = rest.pop().unwrap_or_default();
            let before = live.model().messages.len() as u32;
            let a = live
                .append("fuzz.log", piece, !r.chance(20))
                .expect("append");
            let m = std::sync::Arc::new(live.snapshot());
            let mut loaded = Loaded::build_for(m, app.scope.by, app.scope.prefix);
            // As the feed builds it (rows in the order on screen), or in another
            // order (a sort key came between), or without rows.
            if r.chance(50) {
                let sort = if r.chance(50) {
                    app.scope.sort
                } else {
                    *r.pick(&mailtriage::query::SortKey::ALL)
                };
                loaded = loaded.with_rows(sort);
            }
            app.refreshed(Refresh {
                loaded,
                lines: a.lines.len() as u64,
                new_from: before,
            });
        } else if r.chance(2) {
            // A bracketed paste: hostile bytes as text, into a prompt or nowhere.
            let text = String::from_utf8_lossy(&hostile(&mut r)).into_owned();
            app.paste(&text);
        } else {
            app.key(key(&mut r));
        }
        // Quitting ends nothing here: the next key goes on from the same state.
        app.quit = false;
        let (w, h) = app.size;
        assert!(
            w <= 1000 && h <= 500,
            "the app lays out a clamped size: {w}x{h}"
        );
        if term.as_ref().is_none_or(|t| {
            let a = t.backend().buffer().area;
            (a.width, a.height) != (w, h)
        }) {
            term = Some(Terminal::new(TestBackend::new(w, h)).expect("test terminal"));
        }
        let Some(t) = term.as_mut() else { continue };
        t.draw(|f| render(f, &app, theme))
            .unwrap_or_else(|e| panic!("draw at step {step}: {e}"));
        // Nothing from the log reaches the screen as a control character.
        for c in t.backend().buffer().content() {
            assert!(
                !c.symbol().chars().any(|ch| ch.is_control()),
                "a control character on screen at step {step}: {:?}",
                c.symbol()
            );
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn twenty_thousand_random_steps_over_hostile_logs_do_not_crash() {
    let seed = env_u64("MAILTRIAGE_FUZZ_SEED").unwrap_or(7);
    campaign(seed, 20_000);
}

#[test]
#[ignore = "long campaign, run by hand (see the module comment)"]
fn long_campaign() {
    let seed = env_u64("MAILTRIAGE_FUZZ_SEED").unwrap_or(0x5eed);
    let steps = env_u64("MAILTRIAGE_FUZZ_STEPS").unwrap_or(1_000_000);
    campaign(seed, steps);
}
