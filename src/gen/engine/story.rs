//! Planted events: the demo's monthly /64 newsletter and hostile lines, and spam runs
//! (fixed ones for the demo, random ones for `generate()`).

use super::*;

impl<W: Write> Engine<'_, W> {
    pub(super) fn plant(&mut self, p: Plant) -> io::Result<()> {
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

    pub(super) fn story_message(&mut self, t: u64, n: u8) -> Msg {
        let mut m = self.blank(t, Origin::Story);
        // Interface ids differ every time; the /64 stays the same.
        m.ip = world::v6(
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
        m
    }

    /// Moves to the next spam run: the next fixed one, else a random one if configured.
    pub(super) fn advance_burst(&mut self, after: u64) {
        let next = if let Some(b) = self.plan.bursts.get(self.burst_ix) {
            self.burst_ix += 1;
            Some(b.clone())
        } else {
            self.plan
                .random_bursts_every_ms
                .map(|every| self.random_burst(after, every))
        };
        match &next {
            Some(b) => {
                self.burst_hosts = burst_hosts(&mut self.burst_rng, &self.world, b.net);
                self.next_burst = b.start_ms.max(after);
            }
            None => self.next_burst = u64::MAX,
        }
        self.burst = next;
    }

    fn random_burst(&mut self, after: u64, every_ms: u64) -> Burst {
        let r = &mut self.burst_rng;
        let start_ms = after + r.exp(every_ms as f64) as u64;
        let end_ms = start_ms + r.range(15, 90) * 60_000;
        let net = if r.pct(60) {
            BurstNet::V4(world::random_v4_net(r))
        } else {
            BurstNet::V6(world::random_v6_48(r))
        };
        Burst {
            start_ms,
            end_ms,
            net,
            mean_gap_ms: r.range(1500, 8000) as f64,
        }
    }

    pub(super) fn burst_event(&mut self) -> io::Result<()> {
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

/// 48 spamming hosts inside one network: distinct addresses in a /24, or distinct
/// /64s in a /48 (half of them rotating addresses inside their /64).
pub(super) fn burst_hosts(rng: &mut Rng, world: &World, net: BurstNet) -> Vec<Host> {
    let template = world.spam_hosts.first().cloned();
    let mut slots: Vec<u16> = (2..=253).collect();
    for i in 0..slots.len() {
        let j = rng.below_usize(slots.len());
        slots.swap(i, j);
    }
    slots
        .iter()
        .take(48)
        .filter_map(|&o| {
            let mut h = template.clone()?;
            match net {
                BurstNet::V4(n) => {
                    let ip = Ipv4Addr::new(n[0], n[1], n[2], o as u8);
                    h.ip = HostIp::Fixed(IpAddr::V4(ip));
                    h.name = rng.pct(30).then(|| {
                        format!("host{o}.{}-{}-{}.static.bulkhost.example", n[0], n[1], n[2])
                    });
                    h.helo = Some(match rng.below(3) {
                        0 => format!("[{ip}]"),
                        1 => format!("mail{o}.promo-{}.example", rng.below(20)),
                        _ => "User".to_string(),
                    });
                }
                BurstNet::V6(p48) => {
                    let prefix = p48 | (u64::from(o) << 4) | rng.below(16);
                    h.ip = if rng.pct(50) {
                        HostIp::Rotating(prefix)
                    } else {
                        HostIp::Fixed(world::v6(prefix, rng.range(2, 0x200)))
                    };
                    h.name = None;
                    h.helo = Some(match rng.below(3) {
                        0 => format!("mail{o}.promo-{}.example", rng.below(20)),
                        1 => "localhost".to_string(),
                        _ => "User".to_string(),
                    });
                }
            }
            h.domain = rng.below_usize(world.domains.len()) as u32;
            h.signs = true;
            h.algo = DkimAlgo::Rsa2048;
            h.dkim_fail_pm = 900;
            h.spammy = true;
            Some(h)
        })
        .collect()
}
