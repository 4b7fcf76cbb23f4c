//! gen: a seeded, streaming generator of realistic Exim main logs, and the bundled demo log.
//! Owns synthetic data only; it must never read real logs or the clock (same seed, same bytes).
//!
//! The log is what an Exim 4.98 server with OpenSSL writes with
//! `log_selector = +incoming_port +incoming_interface +subject +received_recipients
//! +dkim_verbose` (so `DKIM:` lines come before each `<=`), `timezone = UTC`, and
//! optionally `+millisec` and `+pid`. The server is `mail.example.org` (192.0.2.25,
//! 2001:db8:25::25) for `example.org`, `example.net` and `lists.example.org`.
//!
//! Per message, in Exim's order: `DKIM:` lines, sometimes a site `SA: Action:` logwrite,
//! `<=`, then `=>`/`->`, `==` deferrals retried on later queue runs, `**` bounces (which
//! spawn a `<>` bounce message with `R=`), and `Completed`. Messages come from Zipf-
//! weighted remote hosts (about 40% IPv6, packed into a few provider /48s; IPv4 packed
//! into /24s), authenticated users on port 587, and local `cron`/`www-data`/`nagios`
//! submissions. Between them, with no id: RCPT, RBL, greylist, connect-ACL and
//! sender-verify rejections, auth failures, lost connections, synchronization and TLS
//! errors, plus `rejected after DATA` with an id; together 10–20% of lines. Queue runs,
//! a daemon start and weekly re-execs, spam runs from one /24 or /48 every few hours, and
//! rare hostile lines (escaped terminal codes, raw Latin-1 subject bytes, overlong subjects,
//! lines cut at 8 KiB) complete the picture. Old 16-character ids make up about 10%.

pub mod cli;
mod clock;
mod engine;
mod rng;
mod sink;
mod world;

use std::io::{self, Write};

pub use engine::{STORY_DOMAIN, STORY_SELECTOR, STORY_SENDER_LOCAL};
pub use world::{LOCAL_DOMAINS, SPAM_RUN_NET, STORY_LOCAL_PART};

use engine::{Burst, BurstNet, Engine, Plan, Plant};

/// What to generate. `Default` is a busy server (about 2.5 messages a second) starting
/// 2025-06-01 00:00:00, without `+millisec` or `+pid`.
#[derive(Clone, Debug)]
pub struct GenConfig {
    pub seed: u64,
    /// Output stops before the line that would pass this many bytes.
    pub target_bytes: u64,
    /// Unix time of the first line; the log's times are treated as UTC.
    pub start_epoch: u64,
    /// Also stop once simulated time reaches this Unix time.
    pub end_epoch: Option<u64>,
    /// Mean gap between message arrivals, in milliseconds.
    pub arrival_gap_ms: u64,
    /// Rejection and session events per 100 messages (each writes one to three lines).
    pub reject_per_100_msgs: u32,
    /// Size of the sending-host population (Zipf-weighted, so a few dominate).
    pub hosts: u32,
    pub queue_run_interval_s: u64,
    /// `log_selector = +millisec`.
    pub millis: bool,
    /// `log_selector = +pid`.
    pub pids: bool,
    /// Share of 16-character pre-4.97 ids, in percent.
    pub old_id_pct: u8,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            target_bytes: 100 << 20,
            start_epoch: 1_748_736_000,
            end_epoch: None,
            arrival_gap_ms: 400,
            reject_per_100_msgs: 60,
            hosts: 5000,
            queue_run_interval_s: 1800,
            millis: false,
            pids: false,
            old_id_pct: 10,
        }
    }
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenStats {
    pub bytes: u64,
    pub lines: u64,
    /// Arrivals (`<=` lines) written.
    pub messages: u64,
}

/// Streams a log for `cfg` into `out`. Memory stays constant whatever the target size;
/// the same config always gives the same bytes.
pub fn generate<W: Write>(cfg: &GenConfig, out: W) -> io::Result<GenStats> {
    let plan = Plan {
        restarts_every_ms: Some(7 * 86_400_000),
        random_bursts_every_ms: Some(6 * 3_600_000),
        ..Plan::default()
    };
    run(cfg, out, plan)
}

fn run<W: Write>(cfg: &GenConfig, out: W, plan: Plan) -> io::Result<GenStats> {
    Engine::new(cfg, out, plan).run()
}

/// Start of the demo: Monday 2025-01-06 00:00:00 UTC.
pub const DEMO_START: u64 = 1_736_121_600;
const DAY: u64 = 86_400;
/// The story's arrivals, as (day after `DEMO_START`, second of that day).
pub const DEMO_STORY_TIMES: [(u64, u64); 6] = [
    (9, 3 * 3600 + 17 * 60 + 12),
    (38, 22 * 3600 + 41 * 60 + 5),
    (70, 4 * 3600 + 2 * 60 + 51),
    (99, 13 * 3600 + 55 * 60 + 30),
    (131, 3600 + 8 * 60 + 44),
    (160, 19 * 3600 + 26 * 60 + 9),
];
/// The IPv4 spam run: day 117 (2025-05-03) from 02:10 for 85 minutes.
pub const DEMO_BURST: (u64, u64, u64) = (117, 2 * 3600 + 10 * 60, 85 * 60);
/// The IPv6 spam run: day 151 (2025-06-06) from 21:30 for 50 minutes, from many /64s
/// of [`SPAM_RUN_V6_48`].
pub const DEMO_V6_BURST: (u64, u64, u64) = (151, 21 * 3600 + 30 * 60, 50 * 60);
/// `2a0e:4c80:7b3::/48`, the demo's IPv6 spam network (top 48 bits, shifted left 16).
pub const SPAM_RUN_V6_48: u64 = 0x2a0e_4c80_07b3_0000;

/// The config `demo()` uses.
pub fn demo_config() -> GenConfig {
    GenConfig {
        seed: 20_250_106,
        target_bytes: 3_000_000,
        start_epoch: DEMO_START,
        end_epoch: Some(DEMO_START + 182 * DAY),
        arrival_gap_ms: 9_000_000,
        reject_per_100_msgs: 60,
        hosts: 1500,
        queue_run_interval_s: 12 * 3600,
        millis: false,
        pids: false,
        old_id_pct: 10,
    }
}

/// Writes the bundled demo log (`assets/demo/mainlog`): six months of a small server,
/// 2025-01-06 to 2025-07-06, about 2 MB.
///
/// The planted story, modelled on the seed log that started the project:
/// * Six messages, roughly monthly (see [`DEMO_STORY_TIMES`]), from
///   `offers@newsletter-bargains.example`, each from a different interface id inside one
///   IPv6 /64 (the 0x4d2a subnet of the first provider /48, which no other host uses),
///   with HELO `mail.newsletter-bargains.example` and no reverse name.
/// * Each carries one valid modern DKIM signature, logged before its `<=` as
///   `DKIM: d=newsletter-bargains.example s=nb2025 c=relaxed/relaxed a=rsa-sha256 b=2048
///   i=@newsletter-bargains.example t=… x=… [verification succeeded]`, and its `<=` has
///   `DKIM=newsletter-bargains.example`.
/// * Each goes to `webpage-contact@example.org`, which no other message or rejection in
///   the demo uses, and is delivered locally, then `Completed`.
///
/// In the file as generated (the ids follow from the seed, so any change to the generator
/// moves them; `tests/gen.rs` checks the story by shape, not by these values):
///
/// | arrival (UTC)       | id                        | client address                            |
/// | ------------------- | ------------------------- | ----------------------------------------- |
/// | 2025-01-15 03:17:12 | `1tXtu4-000000001Iy-004q` | `2a05:d014:27bf:4d2a:7f0f:7ad8:f58:a51`   |
/// | 2025-02-13 22:41:05 | `1tihtJ-0000000040t-00E7` | `2a05:d014:27bf:4d2a:7f6d:557c:9049:7acc` |
/// | 2025-03-17 04:02:51 | `1tu1gh-000000006ki-003Q` | `2a05:d014:27bf:4d2a:7ff7:dc5e:da13:218a` |
/// | 2025-04-15 13:55:30 | `1u4gl8-000000009L8-005M` | `2a05:d014:27bf:4d2a:fd6:bcef:2db2:10f`   |
/// | 2025-05-17 01:08:44 | `1uG62e-00000000GSK-007P` | `2a05:d014:27bf:4d2a:e35:4cac:8b3c:aa8a`  |
/// | 2025-06-15 19:26:09 | `1uQszZ-00000000Kqe-005p` | `2a05:d014:27bf:4d2a:b337:8225:46fa:4a54` |
///
/// All six are in `2a05:d014:27bf:4d2a::/64`, inside the busy provider /48
/// `2a05:d014:27bf::/48` that many innocent senders share: blocking the /48 would hurt,
/// the /64 is the right width.
///
/// Also planted: a spam run from the IPv4 /24 `45.137.21.0/24` ([`SPAM_RUN_NET`]) on
/// 2025-05-03 02:10–03:35 UTC (48 hosts; DKIM failures, RCPT and after-DATA rejections),
/// an IPv6 spam run from 48 /64s of `2a0e:4c80:7b3::/48` ([`SPAM_RUN_V6_48`]) on
/// 2025-06-06 21:30–22:20 UTC, a HELO full of escaped terminal codes, two subjects with raw Latin-1 bytes (invalid
/// UTF-8), a very long subject, and an 8 KiB line ending `**** log string overflowed log
/// buffer ****`.
pub fn demo<W: Write>(out: W) -> io::Result<GenStats> {
    let cfg = demo_config();
    let at = |day: u64, sec: u64| (DEMO_START + day * DAY + sec) * 1000;
    let mut plants: Vec<(u64, Plant)> = DEMO_STORY_TIMES
        .iter()
        .enumerate()
        .map(|(n, &(d, s))| (at(d, s), Plant::StoryMessage(n as u8)))
        .collect();
    plants.extend([
        (at(20, 41_234), Plant::EscapeHelo),
        (at(51, 7_777), Plant::RawSubject(0)),
        (at(77, 50_001), Plant::LongSubject),
        (at(88, 12_345), Plant::Overflow),
        (at(143, 61_000), Plant::RawSubject(1)),
        (at(150, 30_303), Plant::EscapeHelo),
    ]);
    plants.sort_by_key(|p| p.0);
    let (bd, bs, blen) = DEMO_BURST;
    let (vd, vs, vlen) = DEMO_V6_BURST;
    let plan = Plan {
        plants,
        bursts: vec![
            Burst {
                start_ms: at(bd, bs),
                end_ms: at(bd, bs + blen),
                net: BurstNet::V4(SPAM_RUN_NET),
                mean_gap_ms: 6_000.0,
            },
            Burst {
                start_ms: at(vd, vs),
                end_ms: at(vd, vs + vlen),
                net: BurstNet::V6(SPAM_RUN_V6_48),
                mean_gap_ms: 9_000.0,
            },
        ],
        random_bursts_every_ms: None,
        restarts_every_ms: Some(31 * DAY * 1000),
    };
    run(&cfg, out, plan)
}

/// Parses `1G`, `200M`, `5000K`, `123` (bytes); binary multiples.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, mult) = if let Some(d) = t.strip_suffix(['G', 'g']) {
        (d, 1u64 << 30)
    } else if let Some(d) = t.strip_suffix(['M', 'm']) {
        (d, 1 << 20)
    } else if let Some(d) = t.strip_suffix(['K', 'k']) {
        (d, 1 << 10)
    } else {
        (t, 1)
    };
    digits.parse::<u64>().ok()?.checked_mul(mult)
}
