//! Lines without a message: rejections, session failures, auth failures, hostile input.
//! Each event picks its own host, so spam sources show up across many kinds of line.

use super::*;

impl<W: Write> Engine<'_, W> {
    pub(super) fn noise_host(&mut self) -> HostRef {
        if self.rng.pct(70) {
            HostRef::Spam(self.world.spam_zipf.sample(&mut self.rng) as u32)
        } else {
            HostRef::Main(self.world.host_zipf.sample(&mut self.rng) as u32)
        }
    }

    pub(super) fn spam_sender(&mut self, b: &mut Vec<u8>, h: &Host) {
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
    pub(super) fn bogus_local(&mut self, b: &mut Vec<u8>) {
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

    pub(super) fn noise(&mut self, t: u64) -> io::Result<()> {
        if self.rng.below(20_000) == 0 {
            return self.overflow(t);
        }
        let r = self.noise_host();
        self.noise_from(t, r)
    }

    pub(super) fn noise_from(&mut self, t: u64, r: HostRef) -> io::Result<()> {
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
    pub(super) fn rejection(
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
    pub(super) fn rejected_after_data(
        &mut self,
        t: u64,
        r: HostRef,
        ip: IpAddr,
        port: u16,
    ) -> io::Result<()> {
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
    pub(super) fn escape_helo(
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
    pub(super) fn overflow(&mut self, t: u64) -> io::Result<()> {
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
}
