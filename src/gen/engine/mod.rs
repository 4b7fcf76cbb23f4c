//! The event loop: message transactions, rejections and daemon chatter merged in time order.
//! Memory is bounded by the in-flight pool, never by how much is written.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use super::clock::MsgId;
use super::rng::Rng;
use super::sink::{Sink, num};
use super::world::{
    self, DkimAlgo, Host, HostIp, LOCAL_DOMAINS, LOCAL_V4, LOCAL_V6, PRIMARY_HOSTNAME, SELECTORS,
    STORY_LOCAL_PART, TLS_CIPHERS, World,
};
use super::{GenConfig, GenStats};

mod lines;
mod noise;
mod story;

const MAX_RCPT: usize = 4;
const POOL_CAP: usize = 8192;

pub const STORY_DOMAIN: &str = "newsletter-bargains.example";
pub const STORY_SENDER_LOCAL: &str = "offers";
pub const STORY_SELECTOR: &str = "nb2025";
const STORY_HELO: &str = "mail.newsletter-bargains.example";

const SUBJECTS: &[&str] = &[
    "Re: meeting next week",
    "Invoice 2025-0412",
    "Your order has shipped",
    "Fwd: contract draft v3",
    "Weekly report",
    "Re: Re: holiday schedule",
    "Password reset request",
    "Your monthly statement is ready",
    "Quarterly numbers",
    "Re: \\\"quarterly\\\" numbers",
    "Webinar: scaling your backups",
    "Reminder: dentist appointment tomorrow",
    "New login to your account",
    "Delivery notification",
    "Re: quote for the roof repairs",
    "Minutes of the board meeting",
    "[members] AGM agenda",
    "[members] Re: parking at the venue",
    "Your receipt from the bakery",
    "Job application - junior accountant",
    "Re: Anfrage Angebot",
    "Rechnung Nr. 48213",
    "Votre commande est en route",
    "Re: photos from the weekend",
    "Server maintenance on Saturday 22:00",
    "Security alert: new device",
    "Newsletter: spring edition",
    "Re: [ticket #20931] printer offline",
    "Out of office: back on Monday",
    "Your subscription will renew soon",
    "Thank you for your payment",
    "RE: shipment 7731 delayed",
    "Lunch?",
    "Re: the thing we talked about",
    "Confirm your email address",
];
/// Logins that submit mail locally (`U=… P=local`), each with the subjects it sends.
const SYSTEM_USERS: &[(&str, &[&str])] = &[
    (
        "root",
        &[
            "Cron <root@mail> /usr/local/sbin/backup.sh",
            "Logwatch for mail (Linux)",
            "[mail] apt: 3 packages can be upgraded",
            "Cron <root@mail> test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily",
        ],
    ),
    (
        "www-data",
        &[
            "Contact form: new enquiry",
            "Reset your password",
            "Your order confirmation #{n}",
            "Welcome to the members area",
        ],
    ),
    (
        "nagios",
        &[
            "** PROBLEM Service Alert: mail/SMTP is CRITICAL **",
            "** RECOVERY Service Alert: mail/SMTP is OK **",
            "** PROBLEM Host Alert: backup is DOWN **",
        ],
    ),
];
const SPAM_SUBJECTS: &[&str] = &[
    "You have (1) pending payment",
    "URGENT: verify your mailbox now",
    "Congratulations! You won a gift card",
    "Invoice overdue - final notice",
    "Your mailbox is almost full",
    "Re: business proposal",
    "Cheap meds online",
    "Bitcoin investment opportunity 400% return",
    "DHL: parcel on hold, pay customs fee",
    "Account suspended - action required",
    "Hot singles in your area",
    "Your password expires today",
];
const STORY_SUBJECTS: &[&str] = &[
    "Your exclusive member deal for January",
    "February flash sale: 70% off for you only",
    "March madness - your personal voucher inside",
    "April surprise: a gift is waiting",
    "May mega bargains - last chance",
    "June clearance: final reminder for webpage visitors",
];
/// Subjects with raw Latin-1 bytes: invalid UTF-8, as `print_topbitchars` sites log them.
const RAW_SUBJECTS: &[&[u8]] = &[
    b"Gr\xfc\xdfe aus M\xfcnchen - \xc4nderung Ihrer Bestellung",
    b"Derni\xe8re chance: r\xe9duction \xe9norme \xff\xfe",
];

const DKIM_RESULTS_OK: &str = "[verification succeeded]";
const DKIM_RESULTS_BAD: &[&str] = &[
    "[verification failed - body hash mismatch (body probably modified in transit)]",
    "[verification failed - body hash mismatch (body probably modified in transit)]",
    "[verification failed - signature did not verify (headers probably modified in transit)]",
    "[invalid - public key record (currently?) unavailable]",
    "[invalid - public key record (currently?) unavailable]",
    "[invalid - syntax error in public key record]",
    "[verification failed - signature invalid (key too short)]",
    "[invalid - signature tag missing or invalid]",
    "[verification failed - unspecified reason]",
];

const DEFER_REASONS: &[&str] = &[
    ": SMTP error from remote mail server after RCPT TO:<{}>: 451 4.7.1 Greylisting in action, please come back later",
    ": SMTP error from remote mail server after RCPT TO:<{}>: 450 4.2.0 Mailbox temporarily unavailable",
    ": SMTP error from remote mail server after MAIL FROM:<{s}> SIZE={z}: 421 4.7.0 Try again later, closing connection.",
    ": SMTP error from remote mail server after end of data: 452 4.3.1 Insufficient system storage",
];
const BOUNCE_REASONS: &[&str] = &[
    "550 5.1.1 User unknown",
    "550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table",
    "552 5.2.2 Mailbox full",
    "550 5.7.1 Message rejected as spam",
    "554 5.7.1 <{}>: Relay access denied",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostRef {
    Main(u32),
    Spam(u32),
    Burst(u32),
}

#[derive(Clone, Copy, Debug)]
enum Origin {
    Remote(HostRef),
    Client(u16),
    Local(u8),
    Bounce(MsgId),
    Story,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Addr {
    Null,
    Local { user: u16, dom: u8 },
    Remote { local: u16, dom: u32 },
    System(u8),
    StorySender,
    StoryRcpt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Local,
    Deliver,
    /// Deferred this many more times, then delivered or bounced.
    Defer {
        left: u8,
        bounce: bool,
    },
    Bounce,
}

#[derive(Clone, Copy, Debug)]
struct Rcpt {
    addr: Addr,
    dest: u16,
    fate: Fate,
    done: bool,
}

const NO_RCPT: Rcpt = Rcpt {
    addr: Addr::Null,
    dest: 0,
    fate: Fate::Local,
    done: true,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigDom {
    Dom(u32),
    Story,
}

#[derive(Clone, Copy, Debug)]
struct Sig {
    dom: SigDom,
    sel: u16,
    algo: DkimAlgo,
    ed: bool,
    ok: bool,
    bad: u8,
    ident: bool,
    expiry: bool,
    t: u64,
}

#[derive(Clone, Copy, Debug)]
enum Subject {
    Plain(u16),
    System(u8, u8),
    Spam(u16),
    Story(u8),
    Raw(u8),
    Long,
    Bounce,
    Dsn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Dkim(u8),
    Sa,
    Arrival,
    Deliver,
    Completed,
}

#[derive(Clone, Copy, Debug)]
struct Msg {
    id: MsgId,
    origin: Origin,
    ip: IpAddr,
    port: u16,
    pid: u32,
    sender: Addr,
    rcpts: [Rcpt; MAX_RCPT],
    nrcpt: u8,
    sigs: [Option<Sig>; 2],
    subject: Subject,
    size: u32,
    tls: u8,
    sa: bool,
    hdr_id: u64,
    phase: Phase,
    cursor: u8,
}

/// Things the demo plants at fixed times.
#[derive(Clone, Copy, Debug)]
pub enum Plant {
    StoryMessage(u8),
    EscapeHelo,
    RawSubject(u8),
    LongSubject,
    Overflow,
}

/// Where a spam run comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BurstNet {
    /// Many hosts in one IPv4 /24.
    V4([u8; 3]),
    /// Many /64s in one IPv6 /48 (top 48 bits, in the layout `World::providers` uses).
    V6(u64),
}

/// A short, dense run of spam from one network.
#[derive(Clone, Debug)]
pub struct Burst {
    pub start_ms: u64,
    pub end_ms: u64,
    pub net: BurstNet,
    pub mean_gap_ms: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Sorted by time.
    pub plants: Vec<(u64, Plant)>,
    /// Fixed spam runs, sorted by start.
    pub bursts: Vec<Burst>,
    /// After the fixed runs, start random ones this often on average.
    pub random_bursts_every_ms: Option<u64>,
    /// Re-exec the daemon this often (SIGHUP after a config change), as admins do.
    pub restarts_every_ms: Option<u64>,
}

struct IdClock {
    secs: u64,
    usec: u32,
}

pub struct Engine<'c, W: Write> {
    cfg: &'c GenConfig,
    world: World,
    rng: Rng,
    sink: Sink<W>,
    slots: Vec<Msg>,
    free: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    now: u64,
    pid: u32,
    daemon_pid: u32,
    new_ids: IdClock,
    old_ids: IdClock,
    arrivals: u64,
    plan: Plan,
    plant_ix: usize,
    burst: Option<Burst>,
    burst_ix: usize,
    burst_rng: Rng,
    burst_hosts: Vec<Host>,
    next_burst: u64,
}

fn s(b: &mut Vec<u8>, x: &str) {
    b.extend_from_slice(x.as_bytes());
}

fn ip_text(b: &mut Vec<u8>, ip: IpAddr) {
    // `write!` into a Vec cannot fail; std's formatter gives RFC 5952 compressed IPv6.
    let _ = write!(b, "{ip}");
}

impl<'c, W: Write> Engine<'c, W> {
    pub fn new(cfg: &'c GenConfig, out: W, plan: Plan) -> Self {
        let world = World::build(cfg.seed, cfg.hosts as usize);
        let mut rng = Rng::new(cfg.seed);
        let burst_rng = rng.fork(0xB0257);
        let start = cfg.start_epoch * 1000;
        Engine {
            cfg,
            world,
            rng,
            sink: Sink::new(out, cfg.target_bytes, cfg.millis, cfg.pids),
            slots: Vec::new(),
            free: Vec::new(),
            heap: BinaryHeap::new(),
            seq: 0,
            now: start,
            pid: 2000,
            daemon_pid: 0,
            new_ids: IdClock { secs: 0, usec: 0 },
            old_ids: IdClock { secs: 0, usec: 0 },
            arrivals: 0,
            plan,
            plant_ix: 0,
            burst: None,
            burst_ix: 0,
            burst_rng,
            burst_hosts: Vec::new(),
            next_burst: u64::MAX,
        }
    }

    fn next_pid(&mut self) -> u32 {
        self.pid += self.rng.range(1, 37) as u32;
        if self.pid > 4_000_000 {
            self.pid = 1000 + self.pid % 1000;
        }
        self.pid
    }

    fn gap(&mut self, mean_ms: f64) -> u64 {
        (self.rng.exp(mean_ms) as u64).max(1)
    }

    pub fn run(mut self) -> io::Result<GenStats> {
        let cfg = self.cfg;
        let arrival_gap = cfg.arrival_gap_ms.max(1) as f64;
        let noise_gap = arrival_gap * 100.0 / f64::from(cfg.reject_per_100_msgs.max(1));
        let mut next_arrival = self.now + self.gap(arrival_gap);
        let mut next_noise = self.now + self.gap(noise_gap);
        let qint = cfg.queue_run_interval_s.max(60) * 1000;
        let mut next_qrun = self.now + qint / 2;
        let mut qrun_end: Option<(u64, u32)> = None;
        let mut next_restart = self
            .plan
            .restarts_every_ms
            .map_or(u64::MAX, |p| self.now + p);

        self.daemon_start(self.now)?;
        self.advance_burst(self.now);

        while !self.sink.full {
            let t_heap = self.heap.peek().map_or(u64::MAX, |r| r.0.0);
            let t_plant = self
                .plan
                .plants
                .get(self.plant_ix)
                .map_or(u64::MAX, |p| p.0);
            let t_qend = qrun_end.map_or(u64::MAX, |q| q.0);
            let t_burst = match &self.burst {
                Some(b) if self.next_burst < b.end_ms => self.next_burst,
                _ => u64::MAX,
            };
            let t = t_heap
                .min(t_plant)
                .min(next_arrival)
                .min(next_noise)
                .min(next_qrun)
                .min(t_qend)
                .min(t_burst)
                .min(next_restart);
            if cfg.end_epoch.is_some_and(|end| t >= end * 1000) {
                break;
            }
            self.now = t;
            if t == t_heap {
                if let Some(Reverse((_, _, slot))) = self.heap.pop() {
                    self.step(slot)?;
                }
            } else if t == t_plant {
                let plant = self.plan.plants[self.plant_ix].1;
                self.plant_ix += 1;
                self.plant(plant)?;
            } else if t == t_qend {
                if let Some((_, pid)) = qrun_end.take() {
                    self.sink.begin(t, pid);
                    s(&mut self.sink.buf, "End queue run: pid=");
                    num(&mut self.sink.buf, u64::from(pid));
                    self.sink.end()?;
                }
            } else if t == next_qrun {
                let pid = self.next_pid();
                self.sink.begin(t, pid);
                s(&mut self.sink.buf, "Start queue run: pid=");
                num(&mut self.sink.buf, u64::from(pid));
                self.sink.end()?;
                qrun_end = Some((t + self.rng.range(200, 40_000), pid));
                next_qrun = t + qint;
            } else if t == t_burst {
                self.burst_event()?;
                let (mean, end) = self
                    .burst
                    .as_ref()
                    .map_or((1000.0, 0), |b| (b.mean_gap_ms, b.end_ms));
                self.next_burst = t + self.gap(mean);
                if self.next_burst >= end {
                    self.advance_burst(end);
                }
            } else if t == next_restart {
                self.restart(t)?;
                next_restart = t + self.plan.restarts_every_ms.unwrap_or(u64::MAX / 4);
            } else if t == next_arrival {
                self.new_message(t)?;
                next_arrival = t + self.gap(arrival_gap);
            } else {
                self.noise(t)?;
                next_noise = t + self.gap(noise_gap);
            }
        }
        let arrivals = self.arrivals;
        let (bytes, lines) = self.sink.finish()?;
        Ok(GenStats {
            bytes,
            lines,
            messages: arrivals,
        })
    }

    // ---------------------------------------------------------------- ids and pool

    fn new_id(&mut self, t: u64, pid: u32) -> MsgId {
        let secs = t / 1000;
        let usec = (t % 1000) as u32 * 1000 + self.rng.below(1000) as u32;
        let old = self.rng.pct(u32::from(self.cfg.old_id_pct));
        // Exim waits for the clock to tick so ids never repeat; we bump the sub-second
        // part instead, which keeps ids unique within a second whatever the pids are.
        let (clock, step) = if old {
            (&mut self.old_ids, 500)
        } else {
            (&mut self.new_ids, 1)
        };
        let mut usec = usec;
        if clock.secs == secs && usec / step <= clock.usec / step {
            usec = (clock.usec / step + 1) * step;
        }
        if usec > 999_999 {
            usec = 999_999;
        }
        clock.secs = secs;
        clock.usec = usec;
        if old {
            MsgId::old_form(secs, u64::from(pid), usec)
        } else {
            MsgId::new_form(secs, u64::from(pid), usec)
        }
    }

    fn insert(&mut self, msg: Msg, at: u64) -> bool {
        let slot = if let Some(slot) = self.free.pop() {
            self.slots[slot as usize] = msg;
            slot
        } else if self.slots.len() < POOL_CAP {
            self.slots.push(msg);
            (self.slots.len() - 1) as u32
        } else {
            return false;
        };
        self.schedule(slot, at);
        true
    }

    fn schedule(&mut self, slot: u32, at: u64) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, slot)));
    }

    fn host(&self, r: HostRef) -> &Host {
        match r {
            HostRef::Main(i) => &self.world.hosts[i as usize],
            HostRef::Spam(i) => &self.world.spam_hosts[i as usize],
            HostRef::Burst(i) => &self.burst_hosts[i as usize],
        }
    }

    // ---------------------------------------------------------------- message creation

    fn new_message(&mut self, t: u64) -> io::Result<()> {
        let roll = self.rng.below(100);
        let msg = match roll {
            0..=74 => {
                let r = if self.rng.pct(8) {
                    HostRef::Spam(self.world.spam_zipf.sample(&mut self.rng) as u32)
                } else {
                    HostRef::Main(self.world.host_zipf.sample(&mut self.rng) as u32)
                };
                let mut m = self.inbound(t, r);
                // Rare hostile subjects, so big generated logs exercise them too.
                match self.rng.below(20_000) {
                    0 => m.subject = Subject::Raw(self.rng.below(2) as u8),
                    1 => m.subject = Subject::Long,
                    _ => {}
                }
                m
            }
            75..=92 => self.submission(t),
            _ => self.local(t),
        };
        self.insert(msg, t);
        Ok(())
    }

    fn blank(&mut self, t: u64, origin: Origin) -> Msg {
        let pid = self.next_pid();
        let id = self.new_id(t, pid);
        Msg {
            id,
            origin,
            ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: self.rng.range(1024, 65535) as u16,
            pid,
            sender: Addr::Null,
            rcpts: [NO_RCPT; MAX_RCPT],
            nrcpt: 0,
            sigs: [None, None],
            subject: Subject::Plain(self.rng.below(SUBJECTS.len() as u64) as u16),
            size: self.msg_size(),
            tls: 0,
            sa: false,
            hdr_id: self.rng.next_u64(),
            phase: Phase::Arrival,
            cursor: 0,
        }
    }

    fn msg_size(&mut self) -> u32 {
        let base = 1200 + self.rng.exp(9000.0) as u64;
        let extra = if self.rng.pct(7) {
            self.rng.exp(900_000.0) as u64
        } else {
            0
        };
        (base + extra).min(50_000_000) as u32
    }

    fn local_rcpt(&mut self) -> Addr {
        Addr::Local {
            user: self.world.user_zipf.sample(&mut self.rng) as u16,
            dom: if self.rng.pct(80) {
                0
            } else {
                self.rng.range(1, LOCAL_DOMAINS.len() as u64 - 1) as u8
            },
        }
    }

    fn sign(&mut self, host: &Host, t: u64, force_fail: bool) -> [Option<Sig>; 2] {
        if !host.signs {
            return [None, None];
        }
        let fail_pm = if force_fail { 850 } else { host.dkim_fail_pm };
        let mk = |rng: &mut Rng, dom: u32, ed: bool| {
            let ok = !rng.permille(fail_pm);
            Sig {
                dom: SigDom::Dom(dom),
                sel: host.selector,
                algo: host.algo,
                ed,
                ok,
                bad: rng.below(DKIM_RESULTS_BAD.len() as u64) as u8,
                ident: rng.pct(30),
                expiry: rng.pct(20),
                t: t / 1000 - rng.range(1, 400),
            }
        };
        let first = mk(
            &mut self.rng,
            host.domain,
            host.algo == DkimAlgo::Ed25519Pair,
        );
        let second = match (host.algo, host.esp) {
            (DkimAlgo::Ed25519Pair, _) => Some(Sig { ed: false, ..first }),
            (_, Some(esp)) => Some(mk(&mut self.rng, esp, false)),
            _ => None,
        };
        [Some(first), second]
    }

    fn inbound(&mut self, t: u64, r: HostRef) -> Msg {
        let mut m = self.blank(t, Origin::Remote(r));
        let host = self.host(r).clone();
        m.ip = host.draw_ip(&mut self.rng);
        m.tls = host.tls;
        m.sender = if self.rng.pct(4) {
            m.subject = Subject::Dsn;
            Addr::Null
        } else {
            Addr::Remote {
                local: self.rng.below_usize(self.world.bulk_locals.len()) as u16,
                dom: host.domain,
            }
        };
        if host.spammy {
            m.subject = Subject::Spam(self.rng.below(SPAM_SUBJECTS.len() as u64) as u16);
        }
        m.nrcpt = match self.rng.below(100) {
            0..=79 => 1,
            80..=94 => 2,
            _ => 3,
        };
        for i in 0..usize::from(m.nrcpt) {
            let addr = self.local_rcpt();
            m.rcpts[i] = Rcpt {
                addr,
                dest: 0,
                fate: Fate::Local,
                done: false,
            };
        }
        m.sigs = self.sign(&host, t, false);
        m.sa = self.rng.permille(6);
        m.phase = self.first_phase(&m);
        m
    }

    fn first_phase(&self, m: &Msg) -> Phase {
        if m.sigs[0].is_some() {
            Phase::Dkim(0)
        } else if m.sa {
            Phase::Sa
        } else {
            Phase::Arrival
        }
    }

    fn remote_rcpts(&mut self, m: &mut Msg) {
        m.nrcpt = match self.rng.below(100) {
            0..=69 => 1,
            70..=89 => 2,
            _ => 3,
        };
        let dest = self.world.dest_zipf.sample(&mut self.rng) as u16;
        for i in 0..usize::from(m.nrcpt) {
            // Several recipients often share a domain; those go out as `->` lines.
            let dest = if i > 0 && self.rng.pct(50) {
                dest
            } else {
                self.world.dest_zipf.sample(&mut self.rng) as u16
            };
            let fate = match self.rng.below(1000) {
                0..=919 => Fate::Deliver,
                920..=949 => Fate::Bounce,
                950..=984 => Fate::Defer {
                    left: self.rng.range(1, 3) as u8,
                    bounce: false,
                },
                _ => Fate::Defer {
                    left: self.rng.range(2, 4) as u8,
                    bounce: true,
                },
            };
            let domain = self.world.dests[usize::from(dest)].domain;
            m.rcpts[i] = Rcpt {
                addr: Addr::Remote {
                    local: self.rng.below_usize(self.world.bulk_locals.len()) as u16,
                    dom: domain,
                },
                dest,
                fate,
                done: false,
            };
        }
    }

    fn submission(&mut self, t: u64) -> Msg {
        let ci = self.rng.below_usize(self.world.clients.len());
        let mut m = self.blank(t, Origin::Client(ci as u16));
        let c = &self.world.clients[ci];
        m.ip = c.ip;
        m.sender = Addr::Local {
            user: c.user,
            dom: c.dom,
        };
        m.tls = 1 + self.rng.below(TLS_CIPHERS.len() as u64) as u8;
        self.remote_rcpts(&mut m);
        m
    }

    fn local(&mut self, t: u64) -> Msg {
        let user = match self.rng.below(20) {
            0..=9 => 0,
            10..=16 => 1,
            _ => 2,
        };
        let mut m = self.blank(t, Origin::Local(user));
        m.sender = Addr::System(user);
        m.size = 600 + self.rng.below(4000) as u32;
        let subjects = SYSTEM_USERS[usize::from(user)].1;
        m.subject = Subject::System(user, self.rng.below(subjects.len() as u64) as u8);
        // The web server writes to customers; cron and monitoring write to staff.
        if user != 1 && self.rng.pct(85) {
            m.nrcpt = 1;
            m.rcpts[0] = Rcpt {
                addr: self.local_rcpt(),
                dest: 0,
                fate: Fate::Local,
                done: false,
            };
        } else {
            self.remote_rcpts(&mut m);
        }
        m
    }

    /// Exim writes the bounce's `<=` from the delivery process that hit the `**`.
    fn bounce_for(&mut self, t: u64, orig: &Msg) {
        if !matches!(orig.sender, Addr::Local { .. } | Addr::System(_)) {
            return;
        }
        let mut m = self.blank(t, Origin::Bounce(orig.id));
        m.pid = orig.pid.wrapping_add(self.rng.range(1, 9) as u32);
        m.sender = Addr::Null;
        m.subject = Subject::Bounce;
        m.size = orig.size.min(100_000) + 1500;
        m.nrcpt = 1;
        m.rcpts[0] = Rcpt {
            addr: orig.sender,
            dest: 0,
            fate: Fate::Local,
            done: false,
        };
        self.insert(m, t + 1);
    }

    // ---------------------------------------------------------------- daemon

    fn daemon_start(&mut self, t: u64) -> io::Result<()> {
        self.daemon_pid = self.next_pid();
        let pid = self.daemon_pid;
        self.sink.begin(t, pid);
        let b = &mut self.sink.buf;
        s(b, "exim 4.98 daemon started: pid=");
        num(b, u64::from(pid));
        s(b, ", -q");
        num(b, self.cfg.queue_run_interval_s / 60);
        s(b, "m, listening for SMTP on [");
        for (i, port) in ["25", "587"].iter().enumerate() {
            if i > 0 {
                s(b, " [");
            }
            s(b, LOCAL_V4);
            s(b, "]:");
            s(b, port);
            s(b, " [");
            s(b, LOCAL_V6);
            s(b, "]:");
            s(b, port);
        }
        s(b, " and for SMTPS on [");
        s(b, LOCAL_V4);
        s(b, "]:465 [");
        s(b, LOCAL_V6);
        s(b, "]:465");
        self.sink.end()
    }

    fn restart(&mut self, t: u64) -> io::Result<()> {
        self.sink.begin(t, self.daemon_pid);
        s(&mut self.sink.buf, "pid ");
        num(&mut self.sink.buf, u64::from(self.daemon_pid));
        s(&mut self.sink.buf, ": SIGHUP received: re-exec daemon");
        self.sink.end()?;
        self.daemon_start(t + 150)
    }
}
