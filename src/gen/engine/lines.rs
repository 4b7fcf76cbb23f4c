//! The lines of one message transaction: DKIM, SA, arrival, deliveries, deferrals, bounces.
//! Formats only what the message already decided; no new randomness beyond text details.

use super::*;

impl<W: Write> Engine<'_, W> {
    pub(super) fn step(&mut self, slot: u32) -> io::Result<()> {
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
    pub(super) fn deliver_step(&mut self, t: u64, m: &mut Msg) -> io::Result<Option<u64>> {
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

    pub(super) fn addr(&self, b: &mut Vec<u8>, a: Addr) {
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

    pub(super) fn local_part(&self, b: &mut Vec<u8>, a: Addr) {
        match a {
            Addr::Local { user, .. } => s(b, &self.world.users[usize::from(user)]),
            Addr::StoryRcpt => s(b, STORY_LOCAL_PART),
            Addr::System(u) => s(b, SYSTEM_USERS[usize::from(u)].0),
            _ => s(b, "postmaster"),
        }
    }

    /// `name (helo) [ip]:port` — the client part of `H=` and of session lines.
    pub(super) fn fullhost(
        b: &mut Vec<u8>,
        name: Option<&str>,
        helo: Option<&str>,
        ip: IpAddr,
        port: u16,
    ) {
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

    pub(super) fn interface(b: &mut Vec<u8>, ip: IpAddr, port: u16) {
        s(b, " I=[");
        s(b, if ip.is_ipv6() { LOCAL_V6 } else { LOCAL_V4 });
        s(b, "]:");
        num(b, u64::from(port));
    }

    pub(super) fn sig_domain(&self, d: SigDom) -> &str {
        match d {
            SigDom::Dom(i) => &self.world.domains[i as usize],
            SigDom::Story => STORY_DOMAIN,
        }
    }

    pub(super) fn dkim_line(&mut self, t: u64, m: &Msg, sig: &Sig) -> io::Result<()> {
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

    pub(super) fn host_parts(&self, m: &Msg) -> (Option<&str>, Option<&str>) {
        match m.origin {
            Origin::Remote(r) => {
                let h = self.host(r);
                (h.name.as_deref(), h.helo.as_deref())
            }
            Origin::Client(c) => (None, self.world.clients[usize::from(c)].helo.as_deref()),
            Origin::Story => (None, Some(STORY_HELO)),
            Origin::Local(_) | Origin::Bounce(_) => (None, None),
        }
    }

    pub(super) fn sa_line(&mut self, t: u64, m: &Msg, reject: bool) -> io::Result<()> {
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

    pub(super) fn header_id(&self, b: &mut Vec<u8>, m: &Msg) {
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

    pub(super) fn arrival_line(&mut self, t: u64, m: &Msg) -> io::Result<()> {
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

    pub(super) fn local_delivery(&mut self, t: u64, m: &Msg, r: &Rcpt) -> io::Result<()> {
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

    pub(super) fn dest_host(&self, b: &mut Vec<u8>, r: &Rcpt) {
        let d = &self.world.dests[usize::from(r.dest)];
        s(b, " H=");
        s(b, &d.mx);
        s(b, " [");
        ip_text(b, d.ip);
        b.push(b']');
    }

    pub(super) fn remote_delivery(
        &mut self,
        t: u64,
        m: &Msg,
        r: &Rcpt,
        cont: bool,
    ) -> io::Result<()> {
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

    pub(super) fn defer_line(&mut self, t: u64, m: &Msg, r: &Rcpt) -> io::Result<()> {
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

    pub(super) fn bounce_line(
        &mut self,
        t: u64,
        m: &Msg,
        r: &Rcpt,
        after_defers: bool,
    ) -> io::Result<()> {
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
}
