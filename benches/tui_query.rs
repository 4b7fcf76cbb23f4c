//! Times what the TUI does per keystroke on a large synthetic log: regroup,
//! filter, sort, fuzzy search; and the one-off groupings built after a load.
//!
//! `cargo bench --bench tui_query` (200 k messages by default), or
//! `MAILTRIAGE_BENCH_MESSAGES=1300000 cargo bench --bench tui_query` for the
//! 1 GiB-log case. Senders (distinct IPs) are half the messages, at most 100 k.
//! Budgets from the issue: filter/regroup/sort <= 50 ms, fuzzy keystroke <= 30 ms.

use std::io::Write;
use std::time::{Duration, Instant};

use mailtriage::model::{LoadOptions, load};
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix};
use mailtriage::tui::app::App;
use mailtriage::tui::index::{self, GroupIndex};
use mailtriage::tui::keys::{Action, KeyMap};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62(mut v: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for i in (0..width).rev() {
        out[i] = ALPHABET[(v % 62) as usize];
        v /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A cheap deterministic mix, so runs are comparable.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

fn synth(messages: u64, senders: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(messages as usize * 420);
    let span = 30 * 86_400u64;
    for i in 0..messages {
        let r = mix(i);
        // Skewed: a few senders send most (a spam run), the rest a little.
        let s = if r.is_multiple_of(4) {
            r % 50
        } else {
            (r >> 8) % senders
        };
        let t = i * span / messages;
        let (d, h, m, sec) = (1 + t / 86_400, (t / 3600) % 24, (t / 60) % 60, t % 60);
        let stamp = format!("2024-03-{d:02} {h:02}:{m:02}:{sec:02}");
        let id = format!(
            "1r{}-{}-{}",
            base62(i / 1000, 4),
            base62(i, 6),
            base62(r, 2)
        );
        let ip = if s.is_multiple_of(5) {
            format!("[2001:db8:{:x}:{:x}::{:x}]", s >> 16, s & 0xffff, s % 7 + 1)
        } else {
            format!(
                "[{}.{}.{}.{}]",
                10 + (s >> 16) % 200,
                (s >> 8) & 255,
                s & 255,
                1 + s % 3
            )
        };
        let dom = format!("d{}.example", s % 5000);
        let verdict = match r % 10 {
            0..=5 => "verification succeeded",
            6..=7 => "verification failed - body hash mismatch (body probably modified in transit)",
            _ => "invalid - public key record (currently?) unavailable",
        };
        let _ = writeln!(
            out,
            "{stamp} {id} DKIM: d={dom} s=sel{} c=relaxed/relaxed a=rsa-sha256 b=2048 [{verdict}]",
            r % 3
        );
        let _ = writeln!(
            out,
            "{stamp} {id} <= u{}@{dom} H=mx{s}.{dom} {ip}:{} P=esmtps S={} id={i}@{dom} T=\"offer {i}\" for rcpt{}@local.test",
            r % 97,
            1024 + r % 60000,
            500 + r % 200_000,
            r % 13
        );
        let _ = writeln!(
            out,
            "{stamp} {id} => rcpt{0} <rcpt{0}@local.test> R=localuser T=local_delivery",
            r % 13
        );
        let _ = writeln!(out, "{stamp} {id} Completed");
    }
    out
}

fn time<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    all.sort();
    all[all.len() / 2]
}

fn report(what: &str, d: Duration, budget_ms: f64) {
    let ms = d.as_secs_f64() * 1000.0;
    let verdict = if budget_ms <= 0.0 {
        String::new()
    } else if ms <= budget_ms {
        format!("ok (<= {budget_ms} ms)")
    } else {
        format!("OVER BUDGET ({budget_ms} ms)")
    };
    println!("{what:<48} {ms:>9.2} ms  {verdict}");
}

fn main() {
    let messages: u64 = std::env::var("MAILTRIAGE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let senders = (messages / 2).clamp(1, 100_000);
    let t = Instant::now();
    let data = synth(messages, senders);
    let bytes = data.len();
    let opts = LoadOptions::default();
    let model = load::from_bytes("synthetic", data, &opts);
    println!(
        "synthetic log: {} MiB, {} lines, {} messages; generated and indexed in {:.1} s",
        bytes >> 20,
        model.line_count(),
        model.messages.len(),
        t.elapsed().as_secs_f64()
    );

    let prefix = NetPrefix::default();
    for by in AggKey::ALL {
        let d = time(1, || Grouping::new(&model, by, prefix));
        report(
            &format!("Grouping::new by={} (once, background)", by.as_str()),
            d,
            0.0,
        );
    }
    let g = Grouping::new(&model, AggKey::Ip, prefix);
    let rows = query::group(&model, &g, &Filter::default(), false);
    println!("senders by ip: {}", rows.len());
    let d = time(1, || {
        GroupIndex::new(
            &model,
            std::sync::Arc::new(Grouping::new(&model, AggKey::Ip, prefix)),
            prefix,
        )
    });
    report("GroupIndex::new by=ip incl. grouping (once, bg)", d, 0.0);
    let d = time(5, || {
        let mut r = query::group(&model, &g, &Filter::default(), false);
        query::sort_rows(&mut r, query::SortKey::Messages);
        r
    });
    report("query::group + sort_rows (CLI path, reference)", d, 0.0);
    let ix = GroupIndex::new(&model, std::sync::Arc::new(g), prefix);
    let d = time(5, || {
        let mut r = index::aggregate(&model, &ix, &Filter::default());
        index::sort_aggs(&mut r, query::SortKey::Messages, &ix);
        r
    });
    report("tui index::aggregate + sort_aggs, no filter", d, 50.0);
    // The fast path must give the CLI's rows in the CLI's order.
    let mut cli = rows;
    query::sort_rows(&mut cli, query::SortKey::Messages);
    let mut tui = index::aggregate(&model, &ix, &Filter::default());
    index::sort_aggs(&mut tui, query::SortKey::Messages, &ix);
    assert_eq!(cli.len(), tui.len());
    for (c, t) in cli.iter().zip(&tui) {
        assert_eq!(
            (c.key.as_str(), c.messages, c.bytes),
            (ix.label(t.group), t.messages, t.bytes)
        );
    }

    // The whole TUI path per key: regroup, sort, sparklines, the selected
    // sender's messages and detail.
    let mut app = App::with_model(
        KeyMap::defaults().expect("default keys"),
        model,
        prefix,
        (120, 40),
    );
    // Build every grouping first, as the loader does in the background.
    for _ in 0..AggKey::ALL.len() {
        app.act(Action::GroupBy);
    }
    for (label, action) in [
        ("key f: family filter", Action::Family),
        ("key d: DKIM filter", Action::Dkim),
        ("key s: sort", Action::Sort),
        ("key a: regroup (cached grouping)", Action::GroupBy),
        ("key j: move down", Action::Down),
        ("key G: last row", Action::Last),
    ] {
        let d = time(7, || app.act(action));
        report(label, d, 50.0);
    }
    while app.scope.by != AggKey::Ip {
        app.act(Action::GroupBy);
    }
    while app.scope.filter.family.is_some() {
        app.act(Action::Family);
    }
    while app.scope.filter.dkim.is_some() {
        app.act(Action::Dkim);
    }
    // Blocking the busiest sender: the first `b` builds the per-message facts, each `w`
    // recomputes the preview over all of them.
    app.act(Action::First);
    let t = Instant::now();
    app.act(Action::Block);
    report(
        "key b: first preview (builds the facts)",
        t.elapsed(),
        1000.0,
    );
    app.act(Action::Back);
    let t = Instant::now();
    app.act(Action::Block);
    report("key b: preview (facts cached)", t.elapsed(), 250.0);
    for _ in 0..2 {
        let t = Instant::now();
        app.act(Action::Widen);
        let d = t.elapsed();
        let (entry, n) = app.block.overlay.as_ref().map_or((String::new(), 0), |b| {
            (b.entry().to_string(), b.preview.messages)
        });
        report(&format!("key w: preview {entry} ({n} msgs)"), d, 250.0);
    }
    app.act(Action::Back);
    println!("senders shown for search: {}", app.senders.shown.len());
    app.act(Action::Search);
    let mut worst = Duration::ZERO;
    // `1` and `10` are fuzzy (digits alone are no address); `10.` on is an address prefix.
    for c in "10.2".chars() {
        let t = Instant::now();
        app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        let d = t.elapsed();
        report(
            &format!(
                "search keystroke `{c}` -> {} senders",
                app.senders.shown.len()
            ),
            d,
            30.0,
        );
        worst = worst.max(d);
    }
    let t = Instant::now();
    app.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    report("search backspace (re-search from all)", t.elapsed(), 30.0);
    report("search keystroke, worst", worst, 30.0);
    app.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    let t = Instant::now();
    app.set_regex("body hash mismatch");
    report("regex over raw lines (r, one-off)", t.elapsed(), 0.0);
    app.set_regex("");
    // The busiest sender's whole history (`H`): every line of its transactions.
    while app.focus != mailtriage::tui::view::Pane::Senders {
        app.act(Action::Back);
    }
    app.act(Action::First);
    let t = Instant::now();
    app.act(Action::History);
    let d = t.elapsed();
    let lines = app.history.as_ref().map_or(0, |v| v.lines);
    report(
        &format!("key H: busiest sender's history ({lines} lines)"),
        d,
        250.0,
    );
    app.act(Action::Back);
    // `:` with a pasted header: one lookup in the id index, then landing on its row.
    // A message in the middle of the log, whatever its size.
    let i = messages / 2 + 321;
    let id = format!(
        "1r{}-{}-{}",
        base62(i / 1000, 4),
        base62(i, 6),
        base62(mix(i), 2)
    );
    app.notice = None;
    let t = Instant::now();
    app.jump(&format!("with esmtps id {id} for <x@example.org>;"));
    let d = t.elapsed();
    assert_eq!(app.notice, None, "the jump lands");
    report("key : jump to a pasted message id", d, 50.0);
    // `p`: the net key at /56 is a grouping of its own, built once (as each key's first
    // use is, in the background after the load).
    let t = Instant::now();
    app.act(Action::PrefixV6);
    report(
        "key p: net /56 (builds that grouping once)",
        t.elapsed(),
        0.0,
    );
    let t = Instant::now();
    app.act(Action::Sort);
    report("key s: sort under net /56", t.elapsed(), 50.0);
    live_refresh(&mut app);
}

/// A follow refresh (issue 11): what the feed thread builds off screen, and what
/// swapping it in costs the screen thread, which no key can interrupt.
fn live_refresh(app: &mut App) {
    use mailtriage::tui::feed::Refresh;
    use mailtriage::tui::logs::Loaded;
    while app.scope.by != AggKey::Ip {
        app.act(Action::GroupBy);
    }
    let Some(model) = app.logs.model.clone() else {
        return;
    };
    let _control = app.start_live("synthetic".into());
    let (by, prefix, sort) = (app.scope.by, app.scope.prefix, app.scope.sort);
    let t = Instant::now();
    let copy = std::sync::Arc::new((*model).clone());
    report("follow: copy the model (feed thread)", t.elapsed(), 0.0);
    let t = Instant::now();
    let loaded = Loaded::build_for(copy.clone(), by, prefix).with_rows(sort);
    report("follow: build the refresh (feed thread)", t.elapsed(), 0.0);
    let mut worst = Duration::ZERO;
    let mut all = Vec::new();
    for _ in 0..5 {
        // As the feed builds it: the grouping, filter and order on screen.
        let loaded = Loaded::build_for(copy.clone(), by, prefix).with_rows(sort);
        let new_from = copy.messages.len() as u32;
        // Refreshes come at most every 500 ms (feed::EVERY): the previous one's
        // state is freed meanwhile, as it is in use (back to back, the freeing
        // competes with the swap for the allocator and for the second core).
        std::thread::sleep(Duration::from_millis(500));
        let t = Instant::now();
        app.refreshed(Refresh {
            loaded,
            lines: 0,
            new_from,
        });
        all.push(t.elapsed());
        worst = worst.max(t.elapsed());
    }
    drop(loaded);
    all.sort();
    report("follow: swap a refresh in (screen thread)", all[2], 50.0);
    report("follow: swap a refresh in, worst of 5", worst, 50.0);
}
