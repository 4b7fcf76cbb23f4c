//! What the demo plants: the monthly /64 newsletter, the /24 spam run, hostile lines.
//! Only `demo()` schedules these; `generate()` never does.

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
        m.ip = crate::r#gen::world::v6(
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

pub(super) fn burst_hosts(rng: &mut Rng, world: &World, net: [u8; 3]) -> Vec<Host> {
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
