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
    DkimAlgo, Host, HostIp, LOCAL_DOMAINS, LOCAL_V4, LOCAL_V6, PRIMARY_HOSTNAME, SELECTORS,
    STORY_LOCAL_PART, TLS_CIPHERS, World,
};
use super::{GenConfig, GenStats};

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

/// A short, dense run of spam from one IPv4 /24.
#[derive(Clone, Debug)]
pub struct Burst {
    pub start_ms: u64,
    pub end_ms: u64,
    pub net: [u8; 3],
    pub mean_gap_ms: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Sorted by time.
    pub plants: Vec<(u64, Plant)>,
    pub burst: Option<Burst>,
    /// Forces the first few message ids of the demo story to come out in a given form.
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
    burst_hosts: Vec<Host>,
    next_burst: u64,
    story_seen: u8,
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
        let burst_hosts = plan
            .burst
            .as_ref()
            .map(|b| burst_hosts(&mut rng.fork(0xB0257), &world, b.net))
            .unwrap_or_default();
        let start = cfg.start_epoch * 1000;
        let next_burst = plan.burst.as_ref().map_or(u64::MAX, |b| b.start_ms);
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
            burst_hosts,
            next_burst,
            story_seen: 0,
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

        while !self.sink.full {
            let t_heap = self.heap.peek().map_or(u64::MAX, |r| r.0.0);
            let t_plant = self
                .plan
                .plants
                .get(self.plant_ix)
                .map_or(u64::MAX, |p| p.0);
            let t_qend = qrun_end.map_or(u64::MAX, |q| q.0);
            let t_burst = match &self.plan.burst {
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
                let mean = self.plan.burst.as_ref().map_or(1000.0, |b| b.mean_gap_ms);
                self.next_burst = t + self.gap(mean);
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

    // ---------------------------------------------------------------- message lines

    fn step(&mut self, slot: u32) -> io::Result<()> {
        let mut m = self.slots[slot as usize];
        let t = self.now;
        let next = match m.phase {
            Phase::Dkim(i) => {
                if let Some(sig) = m.sigs[usize::from(i)] {
                    self.dkim_line(t, &m, &sig)?;
                }
                let more =
                    usize::from(i) + 1 < m.sigs.len() && m.sigs[usize::from(i) + 1].is_some();
                m.phase = if more {
                    Phase::Dkim(i + 1)
                } else if m.sa {
                    Phase::Sa
                } else {
                    Phase::Arrival
                };
                Some(t + self.rng.below(30))
            }
            Phase::Sa => {
                self.sa_line(t, &m, false)?;
                m.phase = Phase::Arrival;
                Some(t + self.rng.below(20))
            }
            Phase::Arrival => {
                self.arrival_line(t, &m)?;
                m.phase = Phase::Deliver;
                m.cursor = 0;
                Some(t + 40 + self.rng.exp(500.0) as u64)
            }
            Phase::Deliver => self.deliver_step(t, &mut m)?,
            Phase::Completed => {
                self.sink.begin_id(t, m.pid, &m.id);
                s(&mut self.sink.buf, "Completed");
                self.sink.end()?;
                None
            }
        };
        self.slots[slot as usize] = m;
        match next {
            Some(at) => self.schedule(slot, at),
            None => self.free.push(slot),
        }
        Ok(())
    }

    /// One recipient per call; returns when to come back.
    fn deliver_step(&mut self, t: u64, m: &mut Msg) -> io::Result<Option<u64>> {
        let n = usize::from(m.nrcpt);
        while usize::from(m.cursor) < n && m.rcpts[usize::from(m.cursor)].done {
            m.cursor += 1;
        }
        if usize::from(m.cursor) >= n {
            if m.rcpts[..n].iter().all(|r| r.done) {
                m.phase = Phase::Completed;
                return Ok(Some(t + self.rng.below(15)));
            }
            // Next queue run picks the deferred addresses up again.
            m.cursor = 0;
            return Ok(Some(t + self.rng.range(10 * 60_000, 75 * 60_000)));
        }
        let i = usize::from(m.cursor);
        let r = m.rcpts[i];
        let same_dest_as_prev = i > 0
            && r.fate != Fate::Local
            && m.rcpts[i - 1].dest == r.dest
            && m.rcpts[i - 1].fate == Fate::Deliver
            && m.rcpts[i - 1].done;
        match r.fate {
            Fate::Local => {
                self.local_delivery(t, m, &r)?;
                m.rcpts[i].done = true;
            }
            Fate::Deliver => {
                self.remote_delivery(t, m, &r, same_dest_as_prev)?;
                m.rcpts[i].done = true;
            }
            Fate::Bounce => {
                self.bounce_line(t, m, &r, false)?;
                m.rcpts[i].done = true;
                let orig = *m;
                self.bounce_for(t, &orig);
            }
            Fate::Defer { left, bounce } => {
                if left == 0 {
                    if bounce {
                        self.bounce_line(t, m, &r, true)?;
                        let orig = *m;
                        self.bounce_for(t, &orig);
                    } else {
                        self.remote_delivery(t, m, &r, false)?;
                    }
                    m.rcpts[i].done = true;
                } else {
                    self.defer_line(t, m, &r)?;
                    m.rcpts[i].fate = Fate::Defer {
                        left: left - 1,
                        bounce,
                    };
                }
            }
        }
        m.cursor += 1;
        Ok(Some(t + self.rng.below(400)))
    }

    fn addr(&self, b: &mut Vec<u8>, a: Addr) {
        match a {
            Addr::Null => s(b, "<>"),
            Addr::Local { user, dom } => {
                s(b, &self.world.users[usize::from(user)]);
                b.push(b'@');
                s(b, LOCAL_DOMAINS[usize::from(dom)]);
            }
            Addr::Remote { local, dom } => {
                s(b, &self.world.bulk_locals[usize::from(local)]);
                b.push(b'@');
                s(b, &self.world.domains[dom as usize]);
            }
            Addr::System(u) => {
                s(b, SYSTEM_USERS[usize::from(u)].0);
                b.push(b'@');
                s(b, PRIMARY_HOSTNAME);
            }
            Addr::StorySender => {
                s(b, STORY_SENDER_LOCAL);
                b.push(b'@');
                s(b, STORY_DOMAIN);
            }
            Addr::StoryRcpt => {
                s(b, STORY_LOCAL_PART);
                b.push(b'@');
                s(b, LOCAL_DOMAINS[0]);
            }
        }
    }

    fn local_part(&self, b: &mut Vec<u8>, a: Addr) {
        match a {
            Addr::Local { user, .. } => s(b, &self.world.users[usize::from(user)]),
            Addr::StoryRcpt => s(b, STORY_LOCAL_PART),
            Addr::System(u) => s(b, SYSTEM_USERS[usize::from(u)].0),
            _ => s(b, "postmaster"),
        }
    }

    /// `name (helo) [ip]:port` — the client part of `H=` and of session lines.
    fn fullhost(b: &mut Vec<u8>, name: Option<&str>, helo: Option<&str>, ip: IpAddr, port: u16) {
        if let Some(n) = name {
            s(b, n);
            b.push(b' ');
        }
        if let Some(h) = helo {
            b.push(b'(');
            s(b, h);
            s(b, ") ");
        }
        b.push(b'[');
        ip_text(b, ip);
        s(b, "]:");
        num(b, u64::from(port));
    }

    fn interface(b: &mut Vec<u8>, ip: IpAddr, port: u16) {
        s(b, " I=[");
        s(b, if ip.is_ipv6() { LOCAL_V6 } else { LOCAL_V4 });
        s(b, "]:");
        num(b, u64::from(port));
    }

    fn sig_domain(&self, d: SigDom) -> &str {
        match d {
            SigDom::Dom(i) => &self.world.domains[i as usize],
            SigDom::Story => STORY_DOMAIN,
        }
    }

    fn dkim_line(&mut self, t: u64, m: &Msg, sig: &Sig) -> io::Result<()> {
        self.sink.begin_id(t, m.pid, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        let dom = self.sig_domain(sig.dom);
        let sel = match sig.dom {
            SigDom::Story => STORY_SELECTOR,
            SigDom::Dom(_) => SELECTORS[usize::from(sig.sel)],
        };
        if sig.algo == DkimAlgo::OldNoDomain && sig.dom != SigDom::Story {
            s(&mut b, "DKIM: s=");
            s(&mut b, sel);
            s(&mut b, " c=relaxed/relaxed a=rsa-sha1 t=");
            num(&mut b, sig.t);
            s(&mut b, " l=");
            num(&mut b, u64::from(m.size.saturating_sub(2400)));
        } else {
            s(&mut b, "DKIM: d=");
            s(&mut b, dom);
            s(&mut b, " s=");
            s(&mut b, sel);
            if sig.ed {
                s(&mut b, "ed c=relaxed/relaxed a=ed25519-sha256 b=256");
            } else {
                s(
                    &mut b,
                    if sig.sel % 5 == 3 {
                        " c=relaxed/simple"
                    } else {
                        " c=relaxed/relaxed"
                    },
                );
                s(&mut b, " a=rsa-sha256 b=");
                s(
                    &mut b,
                    if sig.algo == DkimAlgo::Rsa1024 {
                        "1024"
                    } else {
                        "2048"
                    },
                );
            }
            if sig.ident {
                s(&mut b, " i=@");
                s(&mut b, dom);
            }
            s(&mut b, " t=");
            num(&mut b, sig.t);
            if sig.expiry {
                s(&mut b, " x=");
                num(&mut b, sig.t + 604_800);
            }
        }
        b.push(b' ');
        s(
            &mut b,
            if sig.ok {
                DKIM_RESULTS_OK
            } else {
                DKIM_RESULTS_BAD[usize::from(sig.bad)]
            },
        );
        self.sink.buf = b;
        self.sink.end()
    }

    fn host_parts(&self, m: &Msg) -> (Option<&str>, Option<&str>) {
        match m.origin {
            Origin::Remote(r) => {
                let h = self.host(r);
                (h.name.as_deref(), h.helo.as_deref())
            }
            Origin::Client(c) => (None, Some(self.world.clients[usize::from(c)].helo.as_str())),
            Origin::Story => (None, Some(STORY_HELO)),
            Origin::Local(_) | Origin::Bounce(_) => (None, None),
        }
    }

    fn sa_line(&mut self, t: u64, m: &Msg, reject: bool) -> io::Result<()> {
        self.sink.begin_id(t, m.pid, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        let score = if reject {
            150 + self.rng.below(250)
        } else {
            self.rng.below(80)
        };
        s(
            &mut b,
            if reject {
                "SA: Action: permanently rejected message: score="
            } else if score >= 50 {
                "SA: Action: flagged as Spam but accepted: score="
            } else {
                "SA: Action: scanned but message isn't spam: score="
            },
        );
        num(&mut b, score / 10);
        b.push(b'.');
        num(&mut b, score % 10);
        s(&mut b, " required=5.0 (scanned in ");
        num(&mut b, 1 + score % 3);
        b.push(b'/');
        num(&mut b, 1 + score % 3);
        s(&mut b, " secs | Message-Id: ");
        self.header_id(&mut b, m);
        s(&mut b, "). From <");
        self.addr(&mut b, m.sender);
        s(&mut b, "> (host=");
        let (name, _) = self.host_parts(m);
        s(&mut b, name.unwrap_or("NULL"));
        s(&mut b, " [");
        ip_text(&mut b, m.ip);
        s(&mut b, "]) for ");
        self.addr(&mut b, m.rcpts[0].addr);
        self.sink.buf = b;
        self.sink.end()
    }

    fn header_id(&self, b: &mut Vec<u8>, m: &Msg) {
        let r = m.hdr_id;
        match (m.origin, r % 4) {
            (Origin::Local(_) | Origin::Bounce(_), _) => {
                b.push(b'E');
                b.extend_from_slice(m.id.as_bytes());
                b.push(b'@');
                s(b, PRIMARY_HOSTNAME);
                return;
            }
            (_, 0) => {
                let _ = write!(b, "{:016x}", r);
            }
            (_, 1) => {
                let _ = write!(
                    b,
                    "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    r >> 32,
                    (r >> 16) & 0xffff,
                    0x4000 | (r & 0x0fff),
                    0x8000 | ((r >> 20) & 0x3fff),
                    r.rotate_left(17) & 0xffff_ffff_ffff
                );
            }
            (_, 2) => {
                let _ = write!(
                    b,
                    "{}.{}.JavaMail.app",
                    r % 10_000_000,
                    (r >> 24) % 1_000_000
                );
            }
            _ => {
                let _ = write!(b, "{:x}.{:x}", r >> 40, r & 0xff_ffff);
            }
        }
        b.push(b'@');
        match (m.sender, m.origin) {
            (Addr::Remote { dom, .. }, _) => s(b, &self.world.domains[dom as usize]),
            (Addr::StorySender, _) => s(b, STORY_DOMAIN),
            (_, Origin::Remote(r)) => {
                let dom = self.host(r).domain;
                s(b, &self.world.domains[dom as usize]);
            }
            _ => s(b, PRIMARY_HOSTNAME),
        }
    }

    fn arrival_line(&mut self, t: u64, m: &Msg) -> io::Result<()> {
        self.arrivals += 1;
        self.sink.begin_id(t, m.pid, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(&mut b, "<= ");
        self.addr(&mut b, m.sender);
        match m.origin {
            Origin::Bounce(r) => {
                s(&mut b, " R=");
                b.extend_from_slice(r.as_bytes());
                s(&mut b, " U=Debian-exim P=local");
            }
            Origin::Local(u) => {
                s(&mut b, " U=");
                s(&mut b, SYSTEM_USERS[usize::from(u)].0);
                s(&mut b, " P=local");
            }
            Origin::Remote(_) | Origin::Story | Origin::Client(_) => {
                s(&mut b, " H=");
                let (name, helo) = self.host_parts(m);
                Self::fullhost(&mut b, name, helo, m.ip, m.port);
                let client = matches!(m.origin, Origin::Client(_));
                Self::interface(&mut b, m.ip, if client { 587 } else { 25 });
                s(
                    &mut b,
                    match (client, m.tls) {
                        (true, _) => " P=esmtpsa",
                        (false, 0) => " P=esmtp",
                        _ => " P=esmtps",
                    },
                );
                if m.tls > 0 {
                    s(&mut b, " X=");
                    s(&mut b, TLS_CIPHERS[usize::from(m.tls - 1)]);
                    s(&mut b, " CV=no");
                }
                if let (Origin::Client(_), Addr::Local { .. }) = (m.origin, m.sender) {
                    s(&mut b, " A=dovecot_plain:");
                    self.addr(&mut b, m.sender);
                }
            }
        }
        s(&mut b, " S=");
        num(&mut b, u64::from(m.size));
        if let Some(sig) = m
            .sigs
            .iter()
            .flatten()
            .find(|g| g.ok && (g.algo != DkimAlgo::OldNoDomain || g.dom == SigDom::Story))
        {
            s(&mut b, " DKIM=");
            s(&mut b, self.sig_domain(sig.dom));
        }
        if !matches!(m.origin, Origin::Bounce(_)) && !m.hdr_id.is_multiple_of(23) {
            s(&mut b, " id=");
            self.header_id(&mut b, m);
        }
        s(&mut b, " T=\"");
        match m.subject {
            Subject::Plain(i) => s(&mut b, SUBJECTS[usize::from(i)]),
            Subject::Spam(i) => s(&mut b, SPAM_SUBJECTS[usize::from(i)]),
            Subject::System(u, i) => {
                let text = SYSTEM_USERS[usize::from(u)].1[usize::from(i)];
                match text.split_once("{n}") {
                    Some((head, tail)) => {
                        s(&mut b, head);
                        num(&mut b, 100_000 + m.hdr_id % 900_000);
                        s(&mut b, tail);
                    }
                    None => s(&mut b, text),
                }
            }
            Subject::Story(i) => s(
                &mut b,
                STORY_SUBJECTS[usize::from(i) % STORY_SUBJECTS.len()],
            ),
            Subject::Raw(i) => {
                b.extend_from_slice(RAW_SUBJECTS[usize::from(i) % RAW_SUBJECTS.len()])
            }
            Subject::Long => {
                s(&mut b, "Re: Fwd: Re: ");
                for k in 0..40 {
                    let _ = write!(b, "IMPORTANT update {k} regarding your account, ");
                }
                s(&mut b, "please read");
            }
            Subject::Bounce => s(&mut b, "Mail delivery failed: returning message to sender"),
            Subject::Dsn => s(&mut b, "Undelivered Mail Returned to Sender"),
        }
        s(&mut b, "\" for");
        for r in &m.rcpts[..usize::from(m.nrcpt)] {
            b.push(b' ');
            self.addr(&mut b, r.addr);
        }
        self.sink.buf = b;
        self.sink.end()
    }

    fn local_delivery(&mut self, t: u64, m: &Msg, r: &Rcpt) -> io::Result<()> {
        self.sink.begin_id(t, m.pid + 1, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(&mut b, "=> ");
        self.local_part(&mut b, r.addr);
        s(&mut b, " <");
        self.addr(&mut b, r.addr);
        s(&mut b, "> R=localuser T=local_delivery");
        self.sink.buf = b;
        self.sink.end()
    }

    fn dest_host(&self, b: &mut Vec<u8>, r: &Rcpt) {
        let d = &self.world.dests[usize::from(r.dest)];
        s(b, " H=");
        s(b, &d.mx);
        s(b, " [");
        ip_text(b, d.ip);
        b.push(b']');
    }

    fn remote_delivery(&mut self, t: u64, m: &Msg, r: &Rcpt, cont: bool) -> io::Result<()> {
        self.sink.begin_id(t, m.pid + 1, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(&mut b, if cont { "-> " } else { "=> " });
        self.addr(&mut b, r.addr);
        s(&mut b, " R=dnslookup T=remote_smtp");
        self.dest_host(&mut b, r);
        let tls = usize::from(r.dest) % (TLS_CIPHERS.len() + 2);
        if tls < TLS_CIPHERS.len() {
            s(&mut b, " X=");
            s(&mut b, TLS_CIPHERS[tls]);
            s(
                &mut b,
                if r.dest.is_multiple_of(3) {
                    " CV=no"
                } else {
                    " CV=yes"
                },
            );
        }
        s(&mut b, " C=\"250 2.0.0 Ok: queued as ");
        let q = self.rng.next_u64();
        let _ = write!(b, "{:X}", q & 0xff_ffff_ffff);
        b.push(b'"');
        self.sink.buf = b;
        self.sink.end()
    }

    fn defer_line(&mut self, t: u64, m: &Msg, r: &Rcpt) -> io::Result<()> {
        self.sink.begin_id(t, m.pid + 1, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        let start = b.len();
        s(&mut b, "== ");
        self.addr(&mut b, r.addr);
        match self.rng.below(10) {
            0..=5 => {
                s(&mut b, " R=dnslookup T=remote_smtp defer (-44)");
                self.dest_host(&mut b, r);
                let reason = *self.rng.pick(DEFER_REASONS);
                let mut rcpt = Vec::with_capacity(64);
                self.addr(&mut rcpt, r.addr);
                let mut snd = Vec::with_capacity(64);
                self.addr(&mut snd, m.sender);
                let reason = reason
                    .replace("{}", &String::from_utf8_lossy(&rcpt))
                    .replace("{s}", &String::from_utf8_lossy(&snd))
                    .replace("{z}", &m.size.to_string());
                s(&mut b, &reason);
            }
            6 | 7 => s(
                &mut b,
                " R=dnslookup T=remote_smtp defer (111): Connection refused",
            ),
            8 => {
                // Exim logs the failed host attempt on its own line before the summary.
                let mut attempt = Vec::with_capacity(96);
                self.dest_host(&mut attempt, r);
                b.truncate(start);
                b.extend_from_slice(&attempt[1..]);
                s(&mut b, " Connection timed out");
                self.sink.buf = b;
                self.sink.end()?;
                self.sink.begin_id(t, m.pid + 1, &m.id);
                b = std::mem::take(&mut self.sink.buf);
                s(&mut b, "== ");
                self.addr(&mut b, r.addr);
                s(
                    &mut b,
                    " R=dnslookup T=remote_smtp defer (110): Connection timed out",
                );
            }
            _ => {
                s(
                    &mut b,
                    " R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host for '",
                );
                let d = &self.world.dests[usize::from(r.dest)];
                s(&mut b, &self.world.domains[d.domain as usize]);
                b.push(b'\'');
            }
        }
        self.sink.buf = b;
        self.sink.end()
    }

    fn bounce_line(&mut self, t: u64, m: &Msg, r: &Rcpt, after_defers: bool) -> io::Result<()> {
        self.sink.begin_id(t, m.pid + 1, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(&mut b, "** ");
        self.addr(&mut b, r.addr);
        if after_defers && self.rng.pct(50) {
            s(&mut b, " R=dnslookup T=remote_smtp: retry timeout exceeded");
        } else {
            s(&mut b, " R=dnslookup T=remote_smtp");
            if self.rng.pct(50) {
                self.dest_host(&mut b, r);
            }
            s(
                &mut b,
                ": SMTP error from remote mail server after RCPT TO:<",
            );
            self.addr(&mut b, r.addr);
            s(&mut b, ">: ");
            let reason = *self.rng.pick(BOUNCE_REASONS);
            if reason.contains("{}") {
                let mut rcpt = Vec::with_capacity(64);
                self.addr(&mut rcpt, r.addr);
                s(
                    &mut b,
                    &reason.replace("{}", &String::from_utf8_lossy(&rcpt)),
                );
            } else {
                s(&mut b, reason);
            }
        }
        self.sink.buf = b;
        self.sink.end()
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

    // ---------------------------------------------------------------- rejections and sessions

    fn noise_host(&mut self) -> HostRef {
        if self.rng.pct(70) {
            HostRef::Spam(self.world.spam_zipf.sample(&mut self.rng) as u32)
        } else {
            HostRef::Main(self.world.host_zipf.sample(&mut self.rng) as u32)
        }
    }

    fn spam_sender(&mut self, b: &mut Vec<u8>, h: &Host) {
        let l = self.rng.below_usize(self.world.bulk_locals.len());
        s(b, &self.world.bulk_locals[l]);
        if self.rng.pct(40) {
            num(b, self.rng.below(1000));
        }
        b.push(b'@');
        let d = if self.rng.pct(60) {
            h.domain as usize
        } else {
            self.rng.below_usize(self.world.domains.len())
        };
        s(b, &self.world.domains[d]);
    }

    /// A plausible but non-existent local recipient (dictionary attacks).
    fn bogus_local(&mut self, b: &mut Vec<u8>) {
        const GUESSES: &[&str] = &[
            "admin",
            "test",
            "sales1",
            "j.doe",
            "contact",
            "mail",
            "user",
            "marketing2",
            "ceo",
            "finance",
            "hello",
            "service",
            "web",
            "root1",
            "backup",
        ];
        s(b, GUESSES[self.rng.below_usize(GUESSES.len())]);
        if self.rng.pct(30) {
            num(b, self.rng.below(100));
        }
        b.push(b'@');
        s(b, LOCAL_DOMAINS[self.rng.below_usize(2)]);
    }

    fn noise(&mut self, t: u64) -> io::Result<()> {
        if self.rng.below(20_000) == 0 {
            return self.overflow(t);
        }
        let r = self.noise_host();
        self.noise_from(t, r)
    }

    fn noise_from(&mut self, t: u64, r: HostRef) -> io::Result<()> {
        let host = self.host(r).clone();
        let ip = host.draw_ip(&mut self.rng);
        let port = self.rng.range(1024, 65535) as u16;
        let pid = self.next_pid();
        let name = host.name.as_deref();
        let helo = host.helo.as_deref();
        let kind = self.rng.below(1000);
        if kind < 800 {
            if self.rng.permille(1) {
                return self.escape_helo(t, &host, ip, port, pid);
            }
            self.rejection(t, kind, &host, ip, port, pid)
        } else if kind < 850 {
            self.rejected_after_data(t, r, ip, port)
        } else {
            self.sink.begin(t, pid);
            let mut b = std::mem::take(&mut self.sink.buf);
            match kind {
                850..=879 => {
                    s(&mut b, "SMTP connection from ");
                    Self::fullhost(&mut b, name, helo, ip, port);
                    Self::interface(&mut b, ip, 25);
                    s(&mut b, " lost D=");
                    num(&mut b, self.rng.range(1, 300));
                    b.push(b's');
                }
                880..=899 => {
                    s(
                        &mut b,
                        "unexpected disconnection while reading SMTP command from ",
                    );
                    Self::fullhost(&mut b, name, helo, ip, port);
                    Self::interface(&mut b, ip, 25);
                    s(&mut b, " D=");
                    num(&mut b, self.rng.range(1, 30));
                    b.push(b's');
                }
                900..=919 => {
                    s(
                        &mut b,
                        "SMTP protocol synchronization error (input sent without waiting for greeting): rejected connection from H=[",
                    );
                    ip_text(&mut b, ip);
                    s(&mut b, "]:");
                    num(&mut b, u64::from(port));
                    Self::interface(&mut b, ip, 25);
                    s(&mut b, " input=\"GET / HTTP/1.1\\r\\nHost: ");
                    s(&mut b, LOCAL_V4);
                    s(&mut b, "\\r\\nUser-Agent: Mozilla/5.0\\r\\n\\r\\n\"");
                }
                920..=929 => {
                    s(
                        &mut b,
                        "SMTP protocol synchronization error (next input sent too soon: pipelining was not advertised): rejected \"EHLO ",
                    );
                    s(&mut b, helo.unwrap_or("User"));
                    s(&mut b, "\" H=");
                    Self::fullhost(&mut b, name, helo, ip, port);
                    Self::interface(&mut b, ip, 25);
                    s(&mut b, " next input=\"MAIL FROM:<>\\r\\n\"");
                }
                930..=959 => {
                    s(&mut b, "TLS error on connection from ");
                    Self::fullhost(&mut b, name, helo, ip, port);
                    Self::interface(&mut b, ip, 25);
                    s(
                        &mut b,
                        " (SSL_accept): error:0A000102:SSL routines::unsupported protocol",
                    );
                }
                960..=974 => {
                    s(&mut b, "SMTP call from ");
                    Self::fullhost(&mut b, name, helo, ip, port);
                    Self::interface(&mut b, ip, 25);
                    s(
                        &mut b,
                        " dropped: too many syntax or protocol errors (last command was \"AUTH LOGIN\", C=EHLO,AUTH,AUTH,AUTH)",
                    );
                }
                975..=989 => {
                    s(&mut b, "SMTP protocol error in \"AUTH LOGIN\" H=");
                    Self::fullhost(&mut b, name, helo, ip, port);
                    Self::interface(&mut b, ip, 25);
                    s(&mut b, " AUTH command used when not advertised");
                }
                _ => {
                    s(&mut b, "no host name found for IP address ");
                    ip_text(&mut b, ip);
                }
            }
            self.sink.buf = b;
            self.sink.end()
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rejection(
        &mut self,
        t: u64,
        kind: u64,
        host: &Host,
        ip: IpAddr,
        port: u16,
        pid: u32,
    ) -> io::Result<()> {
        let name = host.name.as_deref();
        let helo = host.helo.as_deref();
        self.sink.begin(t, pid);
        let mut b = std::mem::take(&mut self.sink.buf);
        if (640..700).contains(&kind) {
            // Password guessing on the submission port: set_id is whatever they tried.
            s(
                &mut b,
                if kind.is_multiple_of(2) {
                    "dovecot_login authenticator failed for "
                } else {
                    "dovecot_plain authenticator failed for "
                },
            );
            let shown_helo = helo.or(Some("User"));
            Self::fullhost(&mut b, None, shown_helo, ip, port);
            s(&mut b, ": 535 Incorrect authentication data (set_id=");
            if self.rng.pct(50) {
                self.bogus_local(&mut b);
            } else {
                let u = self.world.user_zipf.sample(&mut self.rng);
                s(&mut b, &self.world.users[u]);
                if self.rng.pct(50) {
                    s(&mut b, "@");
                    s(&mut b, LOCAL_DOMAINS[0]);
                }
            }
            b.push(b')');
        } else if kind >= 700 {
            s(&mut b, "H=");
            Self::fullhost(&mut b, name, helo, ip, port);
            Self::interface(&mut b, ip, 25);
            if kind < 740 {
                s(
                    &mut b,
                    " temporarily rejected connection in \"connect\" ACL: \"Host is ratelimited (",
                );
                num(&mut b, self.rng.range(2, 9));
                s(&mut b, ".");
                num(&mut b, self.rng.below(10));
                s(&mut b, "/1h max:2.0)\"");
            } else {
                s(&mut b, " sender verify fail for <");
                let mut snd = Vec::with_capacity(64);
                self.spam_sender(&mut snd, host);
                b.extend_from_slice(&snd);
                s(&mut b, ">: Unrouteable address");
                self.sink.buf = b;
                self.sink.end()?;
                // Exim follows with the RCPT rejection that the failed verify caused.
                self.sink.begin(t, pid);
                b = std::mem::take(&mut self.sink.buf);
                s(&mut b, "H=");
                Self::fullhost(&mut b, name, helo, ip, port);
                Self::interface(&mut b, ip, 25);
                s(&mut b, " F=<");
                b.extend_from_slice(&snd);
                s(&mut b, "> rejected RCPT <");
                let rc = self.local_rcpt();
                self.addr(&mut b, rc);
                s(&mut b, ">: Sender verify failed");
            }
        } else {
            s(&mut b, "H=");
            Self::fullhost(&mut b, name, helo, ip, port);
            Self::interface(&mut b, ip, 25);
            if host.tls > 0 && self.rng.pct(50) {
                s(&mut b, " X=");
                s(&mut b, TLS_CIPHERS[usize::from(host.tls - 1)]);
                s(&mut b, " CV=no");
            }
            s(&mut b, " F=<");
            self.spam_sender(&mut b, host);
            b.push(b'>');
            match kind {
                0..=179 => {
                    s(&mut b, " rejected RCPT <");
                    let u = self.rng.below_usize(self.world.bulk_locals.len());
                    s(&mut b, &self.world.bulk_locals[u]);
                    b.push(b'@');
                    let d = self.rng.below_usize(self.world.domains.len());
                    s(&mut b, &self.world.domains[d]);
                    s(&mut b, ">: relay not permitted");
                }
                180..=379 => {
                    s(&mut b, " rejected RCPT <");
                    self.bogus_local(&mut b);
                    s(&mut b, ">: Unrouteable address");
                }
                380..=559 => {
                    s(&mut b, " rejected RCPT <");
                    let rc = self.local_rcpt();
                    self.addr(&mut b, rc);
                    s(&mut b, ">: Rejected because ");
                    ip_text(&mut b, ip);
                    s(&mut b, " is in a black list at ");
                    s(
                        &mut b,
                        if kind.is_multiple_of(3) {
                            "bl.dnsbl.example"
                        } else {
                            "zen.rbl.example.net"
                        },
                    );
                }
                _ => {
                    s(&mut b, " temporarily rejected RCPT <");
                    let rc = self.local_rcpt();
                    self.addr(&mut b, rc);
                    s(&mut b, ">: Greylisted, please try again later");
                }
            }
        }
        self.sink.buf = b;
        self.sink.end()
    }

    /// A message refused after its data was read: it gets an id, maybe DKIM and SA lines,
    /// but never a `<=`.
    fn rejected_after_data(&mut self, t: u64, r: HostRef, ip: IpAddr, port: u16) -> io::Result<()> {
        let host = self.host(r).clone();
        let mut m = self.blank(t, Origin::Remote(r));
        m.ip = ip;
        m.port = port;
        m.sender = Addr::Remote {
            local: self.rng.below_usize(self.world.bulk_locals.len()) as u16,
            dom: host.domain,
        };
        m.nrcpt = 1;
        m.rcpts[0].addr = self.local_rcpt();
        for sig in self.sign(&host, t, true).iter().flatten() {
            self.dkim_line(t, &m, sig)?;
        }
        let sa = self.rng.pct(15);
        if sa {
            self.sa_line(t, &m, true)?;
        }
        self.sink.begin_id(t, m.pid, &m.id);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(&mut b, "H=");
        Self::fullhost(&mut b, host.name.as_deref(), host.helo.as_deref(), ip, port);
        Self::interface(&mut b, ip, 25);
        s(&mut b, " F=<");
        self.addr(&mut b, m.sender);
        s(&mut b, "> rejected after DATA: ");
        if sa || self.rng.pct(60) {
            s(&mut b, "This message scored ");
            num(&mut b, self.rng.range(6, 40));
            b.push(b'.');
            num(&mut b, self.rng.below(10));
            s(&mut b, " spam points.");
        } else {
            s(
                &mut b,
                "This message contains a virus (Sanesecurity.Phishing.Generic.",
            );
            num(&mut b, self.rng.range(1000, 99_999));
            s(&mut b, ".UNOFFICIAL).");
        }
        self.sink.buf = b;
        self.sink.end()
    }

    /// Exim escapes control bytes in the HELO as octal, so the colour codes a spammer
    /// sends arrive in the log as text, not as live terminal escapes.
    fn escape_helo(
        &mut self,
        t: u64,
        host: &Host,
        ip: IpAddr,
        port: u16,
        pid: u32,
    ) -> io::Result<()> {
        self.sink.begin(t, pid);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(
            &mut b,
            "H=(\\033[31mFREE\\033[5m-MONEY\\033[0m\\033]0;pwned\\007) [",
        );
        ip_text(&mut b, ip);
        s(&mut b, "]:");
        num(&mut b, u64::from(port));
        Self::interface(&mut b, ip, 25);
        s(&mut b, " F=<");
        self.spam_sender(&mut b, host);
        s(&mut b, "> rejected RCPT <");
        let rc = self.local_rcpt();
        self.addr(&mut b, rc);
        s(&mut b, ">: relay not permitted");
        self.sink.buf = b;
        self.sink.end()
    }

    /// Exim cuts a line at its 8 KiB log buffer and says so at the end.
    fn overflow(&mut self, t: u64) -> io::Result<()> {
        let r = HostRef::Spam(self.world.spam_zipf.sample(&mut self.rng) as u32);
        let host = self.host(r).clone();
        let ip = host.draw_ip(&mut self.rng);
        let pid = self.next_pid();
        let start = self.sink.buf.len();
        self.sink.begin(t, pid);
        let mut b = std::mem::take(&mut self.sink.buf);
        s(
            &mut b,
            "SMTP protocol synchronization error (input sent without waiting for greeting): rejected connection from H=[",
        );
        ip_text(&mut b, ip);
        s(&mut b, "]:");
        num(&mut b, self.rng.range(1024, 65535));
        Self::interface(&mut b, ip, 25);
        s(&mut b, " input=\"");
        const TAIL: &str = "**** log string overflowed log buffer ****";
        let body_end = start + 8191 - TAIL.len();
        while b.len() < body_end {
            s(&mut b, "AAAA%n%n%n\\x90\\x90\\r\\n");
        }
        b.truncate(body_end);
        s(&mut b, TAIL);
        self.sink.buf = b;
        self.sink.end()
    }

    // ---------------------------------------------------------------- the demo's plants

    fn plant(&mut self, p: Plant) -> io::Result<()> {
        let t = self.now;
        match p {
            Plant::StoryMessage(n) => {
                let m = self.story_message(t, n);
                self.insert(m, t);
            }
            Plant::EscapeHelo => {
                let r = HostRef::Spam(0);
                let host = self.host(r).clone();
                let ip = host.draw_ip(&mut self.rng);
                let pid = self.next_pid();
                self.escape_helo(t, &host, ip, 40_000 + (pid % 20_000) as u16, pid)?;
            }
            Plant::RawSubject(i) => {
                let r = HostRef::Spam(self.world.spam_zipf.sample(&mut self.rng) as u32);
                let mut m = self.inbound(t, r);
                m.subject = Subject::Raw(i);
                self.insert(m, t);
            }
            Plant::LongSubject => {
                let r = HostRef::Spam(self.world.spam_zipf.sample(&mut self.rng) as u32);
                let mut m = self.inbound(t, r);
                m.subject = Subject::Long;
                self.insert(m, t);
            }
            Plant::Overflow => self.overflow(t)?,
        }
        Ok(())
    }

    fn story_message(&mut self, t: u64, n: u8) -> Msg {
        let mut m = self.blank(t, Origin::Story);
        // Interface ids differ every time; the /64 stays the same.
        m.ip = super::world::v6(
            self.world.story_prefix(),
            self.rng.next_u64() | 0x0200_0000_0000_0000,
        );
        m.tls = 1;
        m.sender = Addr::StorySender;
        m.subject = Subject::Story(n);
        m.size = 38_000 + self.rng.below(30_000) as u32;
        m.nrcpt = 1;
        m.rcpts[0] = Rcpt {
            addr: Addr::StoryRcpt,
            dest: 0,
            fate: Fate::Local,
            done: false,
        };
        m.sigs[0] = Some(Sig {
            dom: SigDom::Story,
            sel: 0,
            algo: DkimAlgo::Rsa2048,
            ed: false,
            ok: true,
            bad: 0,
            ident: true,
            expiry: true,
            t: t / 1000 - self.rng.range(2, 20),
        });
        m.phase = Phase::Dkim(0);
        self.story_seen += 1;
        m
    }

    fn burst_event(&mut self) -> io::Result<()> {
        let t = self.now;
        let i = self.rng.below_usize(self.burst_hosts.len().max(1)) as u32;
        let r = HostRef::Burst(i);
        match self.rng.below(10) {
            0..=5 => self.noise_from(t, r),
            6 | 7 => {
                let host = self.host(r).clone();
                let ip = host.draw_ip(&mut self.rng);
                let port = self.rng.range(1024, 65535) as u16;
                self.rejected_after_data(t, r, ip, port)
            }
            _ => {
                let mut m = self.inbound(t, r);
                let host = self.host(r).clone();
                m.sigs = self.sign(&host, t, true);
                m.phase = self.first_phase(&m);
                self.insert(m, t);
                Ok(())
            }
        }
    }
}

fn burst_hosts(rng: &mut Rng, world: &World, net: [u8; 3]) -> Vec<Host> {
    let template = world.spam_hosts.first().cloned();
    let mut octets: Vec<u8> = (2..=253).collect();
    for i in 0..octets.len() {
        let j = rng.below_usize(octets.len());
        octets.swap(i, j);
    }
    octets
        .iter()
        .take(48)
        .filter_map(|&o| {
            let mut h = template.clone()?;
            h.ip = HostIp::Fixed(IpAddr::V4(Ipv4Addr::new(net[0], net[1], net[2], o)));
            h.name = rng.pct(30).then(|| {
                format!(
                    "host{o}.{}-{}-{}.static.bulkhost.example",
                    net[0], net[1], net[2]
                )
            });
            h.helo = Some(match rng.below(3) {
                0 => format!("[{}.{}.{}.{o}]", net[0], net[1], net[2]),
                1 => format!("mail{o}.promo-{}.example", rng.below(20)),
                _ => "User".to_string(),
            });
            h.domain = rng.below_usize(world.domains.len()) as u32;
            h.signs = true;
            h.algo = DkimAlgo::Rsa2048;
            h.dkim_fail_pm = 900;
            h.spammy = true;
            Some(h)
        })
        .collect()
}
