//! The simulated Internet around our mail server: sending hosts, networks, domains, users.
//! Built once from the seed; sized by the config, never by the output length (constant memory).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::rng::Rng;

/// The server's own names and addresses. Documentation ranges, because they are ours.
pub const PRIMARY_HOSTNAME: &str = "mail.example.org";
pub const LOCAL_DOMAINS: &[&str] = &["example.org", "example.net", "lists.example.org"];
pub const LOCAL_V4: &str = "192.0.2.25";
pub const LOCAL_V6: &str = "2001:db8:25::25";

/// The demo's noisy /24; ordinary hosts never live there.
pub const SPAM_RUN_NET: [u8; 3] = [45, 137, 21];

/// The demo's planted recipient: no generated user may ever get this name.
pub const STORY_LOCAL_PART: &str = "webpage-contact";

const FIRST: &[&str] = &[
    "anna", "ben", "carla", "dirk", "elena", "felix", "greta", "hugo", "ines", "jonas", "katrin",
    "lars", "maria", "nils", "olga", "paul", "quentin", "rosa", "stefan", "tanja", "ulrich",
    "vera", "walter", "yusuf", "zoe", "amir", "bianca", "claude", "dana", "emil", "fatima",
    "georg", "hanna", "ivan", "julia", "kemal", "lena", "marco", "nina", "oscar", "petra",
    "rafael", "sara", "tom", "uwe", "viktor", "wiebke", "xenia", "yara",
];
const LAST: &[&str] = &[
    "schmidt",
    "meyer",
    "weber",
    "wagner",
    "becker",
    "hoffmann",
    "koch",
    "richter",
    "klein",
    "wolf",
    "neumann",
    "braun",
    "zimmermann",
    "krueger",
    "hartmann",
    "lange",
    "werner",
    "krause",
    "lehmann",
    "koehler",
    "martin",
    "bernard",
    "dubois",
    "moreau",
    "laurent",
    "rossi",
    "russo",
    "ferrari",
    "costa",
    "silva",
    "jansen",
    "devries",
    "novak",
    "horvat",
    "nowak",
    "kowalski",
];
const ROLES: &[&str] = &[
    "info",
    "office",
    "sales",
    "support",
    "accounts",
    "billing",
    "hr",
    "jobs",
    "postmaster",
    "abuse",
    "noc",
    "admin",
    "webmaster",
    "press",
    "events",
    "orders",
    "invoices",
    "legal",
    "team",
    "it",
    "helpdesk",
    "marketing",
    "reception",
    "kontakt",
    "board",
    "members",
];
const BULK_LOCALS: &[&str] = &[
    "newsletter",
    "noreply",
    "no-reply",
    "news",
    "notifications",
    "mailer",
    "bounce",
    "info",
    "hello",
    "team",
    "orders",
    "billing",
    "support",
    "alerts",
    "updates",
    "offers",
    "service",
    "do-not-reply",
    "postmaster",
    "marketing",
    "community",
    "digest",
    "security",
    "receipts",
];
const SYL_A: &[&str] = &[
    "vel", "quill", "nor", "brim", "cas", "dor", "ember", "fal", "gor", "hal", "iri", "jun", "kes",
    "lum", "mar", "nim", "orb", "pel", "quor", "ros", "sil", "tam", "ulv", "ver", "wyn", "zen",
    "alta", "bero", "cora", "delta", "esca", "fira", "glen", "hexa", "isla", "kora",
];
const SYL_B: &[&str] = &[
    "antra", "ix", "ora", "tek", "line", "net", "wave", "field", "mont", "haven", "stone", "brook",
    "ford", "gate", "mark", "port", "ridge", "scape", "tron", "vale", "works", "ly", "sys",
    "cloud", "hub", "link", "media", "soft", "data", "labs",
];
const TLDS: &[&str] = &[
    "com", "com", "com", "net", "org", "de", "de", "fr", "nl", "it", "es", "pl", "co.uk", "io",
    "info", "biz", "eu", "ch", "at", "se", "cz", "shop", "online", "xyz", "top", "ru", "br", "in",
];
const HOST_PREFIX: &[&str] = &[
    "mail", "mail", "mx", "smtp", "out", "mta", "relay", "mailout", "smtp-out", "o", "mx1", "mx2",
    "mail2", "outbound", "bounce", "send", "em", "mo",
];
const BOT_HELOS: &[&str] = &[
    "User",
    "localhost",
    "WIN-4J5KQ2P8L1M",
    "ylmf-pc",
    "DESKTOP-7QH2M9K",
    "admin",
    "mail",
    "example.com",
    "HELO",
    "windows",
    "test",
    "host",
    "ubuntu",
    "default",
    "pc",
];
pub const SELECTORS: &[&str] = &[
    "s1",
    "s2",
    "selector1",
    "selector2",
    "default",
    "mail",
    "dkim",
    "k1",
    "k2",
    "202401",
    "sel2023",
    "mx",
    "smtp",
    "key1",
    "s2048",
    "mta",
    "dk",
    "20230601",
    "em",
    "pm",
];
pub const TLS_CIPHERS: &[&str] = &[
    "TLS1.3:TLS_AES_256_GCM_SHA384:256",
    "TLS1.3:TLS_AES_256_GCM_SHA384:256",
    "TLS1.3:TLS_AES_256_GCM_SHA384:256",
    "TLS1.3:TLS_AES_128_GCM_SHA256:128",
    "TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256",
    "TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256",
    "TLS1.2:ECDHE-ECDSA-AES128-GCM-SHA256:128",
    "TLS1.2:ECDHE-RSA-AES128-GCM-SHA256:128",
];
/// First octets that look like ordinary allocated unicast space.
const V4_FIRST: &[u8] = &[
    5, 23, 31, 37, 45, 46, 49, 62, 64, 66, 69, 72, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88,
    89, 91, 92, 93, 94, 95, 101, 103, 109, 112, 116, 117, 121, 125, 141, 151, 159, 176, 178, 185,
    188, 190, 193, 194, 195, 200, 201, 212, 213, 217,
];
/// Leading 32 bits of IPv6 /48s: a few looking like RIR space, one documentation block.
const V6_TOP: &[u32] = &[
    0x2a01_04f8,
    0x2a02_0c7f,
    0x2a05_d014,
    0x2a0b_4e07,
    0x2a10_3781,
    0x2001_0db8,
    0x2604_5500,
    0x2607_f8b0,
    0x2803_9810,
    0x2c0f_f248,
    0x2400_8901,
    0x2406_da18,
    0x2a03_b0c0,
    0x2001_067c,
];

/// How a host's address behaves across messages.
#[derive(Clone, Copy, Debug)]
pub enum HostIp {
    Fixed(IpAddr),
    /// A new random interface id inside one /64 for every connection (privacy addresses,
    /// or a sender dodging per-address blocks). Holds the /64 prefix (top 64 bits).
    Rotating(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DkimAlgo {
    Rsa2048,
    Rsa1024,
    Ed25519Pair,
    /// 4.7x-era shape: `s=... a=rsa-sha1 t=... l=...` without `d=` (as in the seed log).
    OldNoDomain,
}

/// A host that connects to us to deliver mail.
#[derive(Clone, Debug)]
pub struct Host {
    pub ip: HostIp,
    /// Verified reverse name.
    pub name: Option<String>,
    /// HELO text, shown only when it differs from `name` (Exim hides a matching HELO).
    pub helo: Option<String>,
    pub domain: u32,
    pub signs: bool,
    pub algo: DkimAlgo,
    pub selector: u16,
    /// Index of a second signer (an ESP), if any.
    pub esp: Option<u32>,
    /// Per-mille chance a signature fails here (spam sources fail often).
    pub dkim_fail_pm: u32,
    /// 0 = no TLS (P=esmtp), else 1 + index into `TLS_CIPHERS`.
    pub tls: u8,
    pub spammy: bool,
}

impl Host {
    pub fn draw_ip(&self, rng: &mut Rng) -> IpAddr {
        match self.ip {
            HostIp::Fixed(ip) => ip,
            HostIp::Rotating(prefix) => v6(prefix, rng.next_u64() | 0x0200_0000_0000_0000),
        }
    }
}

pub fn v6(prefix64: u64, iid: u64) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(
        (u128::from(prefix64) << 64) | u128::from(iid),
    ))
}

/// A mail client of one of our users (authenticated submission on port 587).
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: IpAddr,
    /// `None` when the client's HELO is not shown (an IP literal equal to its address).
    pub helo: Option<String>,
    pub user: u16,
    pub dom: u8,
}

/// A remote domain we send to, with its MX.
#[derive(Clone, Debug)]
pub struct Dest {
    pub domain: u32,
    pub mx: String,
    pub ip: IpAddr,
}

/// Zipf-weighted choice over a table: cumulative integer weights, binary search.
#[derive(Clone, Debug, Default)]
pub struct Zipf {
    cum: Vec<u64>,
}

impl Zipf {
    pub fn new(n: usize) -> Self {
        let mut cum = Vec::with_capacity(n);
        let mut total = 0u64;
        for rank in 0..n {
            total += (1u64 << 40) / (rank as u64 + 1);
            cum.push(total);
        }
        Zipf { cum }
    }

    pub fn weight(&self, i: usize) -> u64 {
        self.cum[i] - if i == 0 { 0 } else { self.cum[i - 1] }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(1);
        let x = rng.below(total);
        self.cum
            .partition_point(|&c| c <= x)
            .min(self.cum.len().saturating_sub(1))
    }
}

pub struct World {
    pub domains: Vec<String>,
    pub users: Vec<String>,
    pub user_zipf: Zipf,
    pub bulk_locals: Vec<String>,
    pub hosts: Vec<Host>,
    pub host_zipf: Zipf,
    pub spam_hosts: Vec<Host>,
    pub spam_zipf: Zipf,
    pub clients: Vec<Client>,
    pub dests: Vec<Dest>,
    pub dest_zipf: Zipf,
    /// /48 prefixes (top 48 bits in a u64 shifted left by 16) of the IPv6 providers.
    pub providers: Vec<u64>,
}

fn word(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SYL_A), rng.pick(SYL_B))
}

fn domain_name(rng: &mut Rng) -> String {
    let w = word(rng);
    let tld = rng.pick(TLDS);
    match rng.below(10) {
        0 => format!("{w}-{}.{tld}", rng.pick(SYL_A)),
        1 => format!("{w}{}.{tld}", rng.range(2, 99)),
        _ => format!("{w}.{tld}"),
    }
}

fn initial(name: &str) -> &str {
    name.char_indices()
        .nth(1)
        .and_then(|(i, _)| name.get(..i))
        .unwrap_or(name)
}

fn user_name(rng: &mut Rng) -> String {
    let f = rng.pick(FIRST);
    let l = rng.pick(LAST);
    match rng.below(6) {
        0 => f.to_string(),
        1 => format!("{}.{l}", initial(f)),
        2 => format!("{f}{l}"),
        3 => format!("{}{l}", initial(f)),
        _ => format!("{f}.{l}"),
    }
}

/// A /24 for a spam run: ordinary-looking public space.
pub fn random_v4_net(rng: &mut Rng) -> [u8; 3] {
    v4_net(rng)
}

/// A /48 for a spam run (top 48 bits in the layout of `World::providers`). Spam runs
/// use subnet ids below 0x1000, so even a /48 that happens to equal a provider's never
/// reaches the story's /64 (`STORY_SUBNET`).
pub fn random_v6_48(rng: &mut Rng) -> u64 {
    let top = u64::from(V6_TOP[rng.below_usize(V6_TOP.len())]);
    (top << 32) | (rng.below(0x10000) << 16)
}

/// A /24 whose first three octets look like ordinary public space.
fn v4_net(rng: &mut Rng) -> [u8; 3] {
    loop {
        let net = match rng.below(40) {
            0 => [198, 51, 100],
            1 => [203, 0, 113],
            _ => [
                *rng.pick(V4_FIRST),
                rng.below(256) as u8,
                rng.below(256) as u8,
            ],
        };
        if net != SPAM_RUN_NET {
            return net;
        }
    }
}

/// Reverse names in the styles real ISPs and senders use.
fn rdns_name(rng: &mut Rng, ip: IpAddr, own_domain: &str, isp_domain: &str) -> String {
    match (ip, rng.below(4)) {
        (IpAddr::V4(v4), 0) => {
            let o = v4.octets();
            format!("static-{}-{}-{}-{}.{isp_domain}", o[0], o[1], o[2], o[3])
        }
        (IpAddr::V4(v4), 1) => {
            let o = v4.octets();
            format!("{}-{}-{}-{}.dsl.{isp_domain}", o[3], o[2], o[1], o[0])
        }
        (_, 2) => format!("{}{}.{own_domain}", rng.pick(HOST_PREFIX), rng.range(1, 40)),
        _ => format!("{}.{own_domain}", rng.pick(HOST_PREFIX)),
    }
}

fn private_v4_literal(rng: &mut Rng) -> String {
    if rng.pct(70) {
        format!("[192.168.{}.{}]", rng.below(3), rng.range(2, 254))
    } else {
        format!(
            "[10.{}.{}.{}]",
            rng.below(256),
            rng.below(256),
            rng.range(2, 254)
        )
    }
}

fn pick_tls(rng: &mut Rng) -> u8 {
    if rng.pct(18) {
        0
    } else {
        1 + rng.below(TLS_CIPHERS.len() as u64) as u8
    }
}

fn pick_algo(rng: &mut Rng) -> DkimAlgo {
    match rng.below(100) {
        0..=79 => DkimAlgo::Rsa2048,
        80..=89 => DkimAlgo::Rsa1024,
        90..=96 => DkimAlgo::Ed25519Pair,
        _ => DkimAlgo::OldNoDomain,
    }
}

struct AddrPool {
    v4_nets: Vec<[u8; 3]>,
    /// The first `n_providers` entries are provider /48s with many /64s; the rest are
    /// standalone sites with one /64 each.
    v6_subnets: Vec<Vec<u64>>,
    n_providers: usize,
    used_v4: HashSet<[u8; 4]>,
    used_v6: HashSet<u128>,
}

impl AddrPool {
    fn v4(&mut self, rng: &mut Rng) -> IpAddr {
        loop {
            // Squaring the uniform draw skews hosts toward the first /24s: a few crowded
            // networks and many sparse ones, like real hosting ranges.
            let u = rng.unit();
            let net = self.v4_nets[((u * u) * self.v4_nets.len() as f64) as usize];
            let o = [net[0], net[1], net[2], rng.range(1, 254) as u8];
            if self.used_v4.insert(o) {
                return IpAddr::V4(Ipv4Addr::from(o));
            }
        }
    }

    fn v6_prefix(&mut self, rng: &mut Rng) -> u64 {
        // Most IPv6 mail comes from a few big hosting networks, so that a /48 or /64
        // view of the log groups many addresses together.
        let p = if rng.pct(75) {
            rng.below_usize(self.n_providers)
        } else {
            self.n_providers + rng.below_usize(self.v6_subnets.len() - self.n_providers)
        };
        let subs = &self.v6_subnets[p];
        let u = rng.unit();
        subs[((u * u) * subs.len() as f64) as usize]
    }

    fn v6(&mut self, rng: &mut Rng) -> (IpAddr, u64) {
        loop {
            let prefix = self.v6_prefix(rng);
            let iid = match rng.below(4) {
                0 => rng.range(1, 0x30),
                1 => rng.range(0x100, 0xffff),
                _ => rng.next_u64() | 0x0200_0000_0000_0000,
            };
            let full = (u128::from(prefix) << 64) | u128::from(iid);
            if self.used_v6.insert(full) {
                return (v6(prefix, iid), prefix);
            }
        }
    }
}

/// The demo story lives in this /64 subnet id of the first provider; generated hosts
/// never use subnet ids at or above 0x4000, so the story /64 stays the sender's alone.
pub const STORY_SUBNET: u64 = 0x4d2a;

impl World {
    pub fn build(seed: u64, n_hosts: usize) -> World {
        let mut rng = Rng::new(seed ^ 0x05EE_D0F0_A11D);
        let n_hosts = n_hosts.max(50);

        let domains: Vec<String> = (0..(n_hosts / 2).max(200))
            .map(|_| domain_name(&mut rng))
            .collect();

        let mut seen = HashSet::new();
        let mut users: Vec<String> = ROLES.iter().map(|s| s.to_string()).collect();
        seen.extend(users.iter().cloned());
        while users.len() < 260 {
            let u = user_name(&mut rng);
            if u != STORY_LOCAL_PART && seen.insert(u.clone()) {
                users.push(u);
            }
        }
        // Mix roles into the Zipf head so info@ and sales@ are popular, as they are.
        for i in 0..users.len() {
            let j = rng.below_usize(users.len());
            users.swap(i, j);
        }
        let user_zipf = Zipf::new(users.len());

        let mut bulk_locals: Vec<String> = BULK_LOCALS.iter().map(|s| s.to_string()).collect();
        for _ in 0..400 {
            bulk_locals.push(user_name(&mut rng));
        }

        let providers: Vec<u64> = (0..6)
            .map(|i| {
                let top = V6_TOP[(i * 3 + rng.below_usize(3)) % V6_TOP.len()];
                (u64::from(top) << 32) | (rng.below(0x10000) << 16)
            })
            .collect();
        let mut v6_subnets: Vec<Vec<u64>> = providers
            .iter()
            .map(|&p48| {
                let n = rng.range(40, 400);
                let mut subs: Vec<u64> = (0..n).map(|_| p48 | rng.range(1, 0x3fff)).collect();
                subs.sort_unstable();
                subs.dedup();
                subs
            })
            .collect();
        // Standalone sites with their own /48 and a single /64.
        for _ in 0..(n_hosts / 25).max(4) {
            let top = *rng.pick(V6_TOP);
            let p48 = (u64::from(top) << 32) | (rng.below(0x10000) << 16);
            v6_subnets.push(vec![p48 | rng.range(0, 0x20)]);
        }
        let v4_nets: Vec<[u8; 3]> = (0..(n_hosts / 6).max(20))
            .map(|_| v4_net(&mut rng))
            .collect();
        let mut pool = AddrPool {
            v4_nets,
            v6_subnets,
            n_providers: providers.len(),
            used_v4: HashSet::new(),
            used_v6: HashSet::new(),
        };
        let isp_domains: Vec<String> = (0..30).map(|_| domain_name(&mut rng)).collect();

        let host_zipf = Zipf::new(n_hosts);
        let mut hosts = Vec::with_capacity(n_hosts);
        let (mut w_all, mut w_v6) = (0u64, 0u64);
        for rank in 0..n_hosts {
            let w = host_zipf.weight(rank);
            // Greedy balance keeps IPv6 near 40% of *arrivals*, not merely of hosts,
            // whatever the Zipf head happens to draw.
            // Aim a little above 40%: IPv4-only clients and spam sources dilute the share.
            let want_v6 = (w_v6 + w / 2) * 100 < 42 * (w_all + w);
            w_all += w;
            if want_v6 {
                w_v6 += w;
            }
            hosts.push(make_host(
                &mut rng,
                &mut pool,
                &domains,
                &isp_domains,
                want_v6,
                false,
            ));
        }

        let n_spam = (n_hosts / 2).max(50);
        let spam_zipf = Zipf::new(n_spam);
        let spam_hosts = (0..n_spam)
            .map(|_| {
                let v6 = rng.pct(25);
                make_host(&mut rng, &mut pool, &domains, &isp_domains, v6, true)
            })
            .collect();

        let clients = (0..120)
            .map(|_| {
                let ip = if rng.pct(40) {
                    pool.v6(&mut rng).0
                } else {
                    pool.v4(&mut rng)
                };
                Client {
                    ip,
                    helo: match (rng.below(3), ip) {
                        // A laptop behind NAT greets with its private address.
                        (0, IpAddr::V4(_)) => Some(private_v4_literal(&mut rng)),
                        (0, IpAddr::V6(_)) => None,
                        (1, _) => Some(format!("{}-laptop", rng.pick(FIRST))),
                        _ => Some("localhost".to_string()),
                    },
                    user: rng.below_usize(users.len()) as u16,
                    dom: rng.below(2) as u8,
                }
            })
            .collect();

        let n_dest = 300usize.min(domains.len());
        let dests = (0..n_dest)
            .map(|_| {
                let domain = rng.below_usize(domains.len()) as u32;
                let ip = if rng.pct(35) {
                    pool.v6(&mut rng).0
                } else {
                    pool.v4(&mut rng)
                };
                let mx = format!(
                    "{}.{}",
                    rng.pick(&["mx", "mx1", "mail", "mx01", "in1.smtp", "smtp"]),
                    domains[domain as usize]
                );
                Dest { domain, mx, ip }
            })
            .collect();
        let dest_zipf = Zipf::new(n_dest);

        World {
            domains,
            users,
            user_zipf,
            bulk_locals,
            hosts,
            host_zipf,
            spam_hosts,
            spam_zipf,
            clients,
            dests,
            dest_zipf,
            providers,
        }
    }

    /// The /64 prefix (top 64 bits) reserved for the demo story.
    pub fn story_prefix(&self) -> u64 {
        self.providers[0] | STORY_SUBNET
    }
}

fn make_host(
    rng: &mut Rng,
    pool: &mut AddrPool,
    domains: &[String],
    isp_domains: &[String],
    want_v6: bool,
    spammy: bool,
) -> Host {
    let domain = rng.below_usize(domains.len()) as u32;
    let own = &domains[domain as usize];
    let ip = if want_v6 {
        let (ip, prefix) = pool.v6(rng);
        if rng.pct(if spammy { 45 } else { 20 }) {
            HostIp::Rotating(prefix)
        } else {
            HostIp::Fixed(ip)
        }
    } else {
        HostIp::Fixed(pool.v4(rng))
    };
    let name_ip = match ip {
        HostIp::Fixed(ip) => ip,
        HostIp::Rotating(p) => v6(p, 1),
    };
    let has_name = !matches!(ip, HostIp::Rotating(_)) && rng.pct(if spammy { 45 } else { 85 });
    let isp = isp_domains[rng.below_usize(isp_domains.len())].as_str();
    let name = has_name.then(|| rdns_name(rng, name_ip, own, isp));
    let helo = match (has_name, rng.below(10)) {
        (true, 0..=6) => None,
        (true, _) => Some(format!("{}.{own}", rng.pick(HOST_PREFIX))),
        (false, 0..=3) => Some(format!("{}.{own}", rng.pick(HOST_PREFIX))),
        (false, 4..=6) if spammy => Some(rng.pick(BOT_HELOS).to_string()),
        // Exim hides a HELO literal equal to the connecting address (`H=[ip]`), so only
        // a NATed host's private literal shows.
        (false, 4) if name_ip.is_ipv4() && rng.pct(50) => Some(private_v4_literal(rng)),
        (false, 4) => None,
        (false, _) => Some(own.clone()),
    };
    // Exim also hides a HELO equal to the verified name.
    let helo = helo.filter(|h| Some(h) != name.as_ref());
    Host {
        ip,
        name,
        helo,
        domain,
        signs: rng.pct(if spammy { 45 } else { 82 }),
        algo: pick_algo(rng),
        selector: rng.below(SELECTORS.len() as u64) as u16,
        esp: rng.pct(15).then(|| rng.below_usize(domains.len()) as u32),
        dkim_fail_pm: if spammy {
            rng.range(200, 700) as u32
        } else {
            rng.range(5, 60) as u32
        },
        tls: pick_tls(rng),
        spammy,
    }
}
