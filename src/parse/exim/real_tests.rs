//! One test per line kind that real servers wrote and the parser once missed,
//! on lines copied from `../shared/samples/realworld/` (the file is named above
//! each line).

use super::*;
use crate::parse::time::format_log;

fn p(line: &str) -> Event<'_> {
    parse_line(line.as_bytes(), &ParseContext { syslog_year: 2022 })
}

fn when(ev: &Event<'_>) -> String {
    ev.time.map(format_log).unwrap_or_default()
}

fn id(ev: &Event<'_>) -> String {
    ev.msgid.map(|m| m.to_string()).unwrap_or_default()
}

fn peer<'a>(ev: &'a Event<'a>) -> &'a Host<'a> {
    match &ev.payload {
        Payload::Peer(Some(h)) => h,
        other => panic!("no peer: {other:?}"),
    }
}

fn ip(h: &Host<'_>) -> String {
    h.ip.map(|i| i.to_string()).unwrap_or_default()
}

#[test]
fn arguments_lines() {
    // artik292-ddos-exim_mainlog.log
    let ev = p(
        "2023-04-23 03:47:01 cwd=/var/spool/exim 6 args: /usr/sbin/exim -ps -bd -q15m -oP /var/spool/exim/exim-daemon.pid",
    );
    assert_eq!(ev.kind, LineKind::Arguments);
    assert_eq!(when(&ev), "2023-04-23 03:47:01");
    // mysociety-alaveteli-spec.log (`+pid`)
    let ev = p(
        "2016-02-03 06:58:11 [16006] cwd=/var/spool/exim4 3 args: /usr/sbin/exim4 -Mc 1aQrOE-0004A7-TL",
    );
    assert_eq!((ev.kind, ev.pid), (LineKind::Arguments, Some(16006)));
    assert!(ev.client().is_none());
}

#[test]
fn acl_warnings_are_the_clients() {
    // perericr-ddgrey-mainlog.log, no id
    let ev = p(
        "2020-02-22 00:48:43 H=([185.143.223.163]) [185.143.223.168] Warning: unknown recipient explain@dissonantia.se from fhlon4qcwjl2f1m@mirdifphysiorehab.com",
    );
    assert_eq!(ev.kind, LineKind::AclWarning);
    assert_eq!(ip(ev.client().unwrap()), "185.143.223.168");
    // ait-aecid-aminer-cpanel-guide-exim.log, with an id: not a delivery host
    let ev = p(
        r#"2014-10-01 15:12:26 1XZKdg-0001g3-JS H=mail.fictional.example [10.5.40.204]:4779 Warning: "SpamAssassin as marka22 detected message as spam (11.0)""#,
    );
    assert_eq!(ev.kind, LineKind::AclWarning);
    assert_eq!(id(&ev), "1XZKdg-0001g3-JS");
    let h = ev.client().unwrap();
    assert_eq!((ip(h).as_str(), h.port), ("10.5.40.204", Some(4779)));
}

#[test]
fn old_per_host_errors_are_delivery_attempts() {
    // parisnw-debian-vm-mainlog.log (Exim 4.84)
    let ev = p(
        "2016-12-18 19:51:15 1cImAN-0001CD-0m ASPMX.L.GOOGLE.COM [2607:f8b0:400d:c06::1a] Network is unreachable",
    );
    assert_eq!(
        (ev.kind, id(&ev).as_str()),
        (LineKind::HostAttempt, "1cImAN-0001CD-0m")
    );
    let h = peer(&ev);
    assert_eq!(h.name, Some(&b"ASPMX.L.GOOGLE.COM"[..]));
    assert_eq!(ip(h), "2607:f8b0:400d:c06::1a");
    assert!(ev.client().is_none(), "the host is the destination");
    // dsfedor-fedorkov1-out.log
    for (line, host, addr) in [
        (
            "2012-02-13 14:40:21 1RwtJt-0009RI-MA SMTP error from remote mail server after initial connection: host mta6.am0.yahoodns.net [67.195.103.232]: 420 Resources unavailable temporarily. Please try later (mta1042.mail.gq1.yahoo.com)",
            "mta6.am0.yahoodns.net",
            "67.195.103.232",
        ),
        (
            "2012-02-13 14:41:04 1Rwr8T-000Ljk-Of Remote host MAIL.diamonds.ru [89.221.55.146] closed connection in response to initial connection",
            "MAIL.diamonds.ru",
            "89.221.55.146",
        ),
        (
            "2012-02-13 14:41:26 1RwtJy-0009RI-9W tempo.di-net.ru [2a00:1c48:0:4002::2] No route to host",
            "tempo.di-net.ru",
            "2a00:1c48:0:4002::2",
        ),
        // ait-aecid-aminer-cpanel-guide-exim.log: a `:` inside the command.
        (
            "2014-09-29 21:27:08 1XYdJu-002e6P-9F SMTP error from remote mail server after MAIL FROM:<someone@someaddress.com> SIZE=6601: host mta5.am0.yahoodns.net [66.196.118.240]: 421 4.7.0 [GL01] Message from (184.171.253.133) temporarily deferred - 4.16.50. Please refer to http://postmaster.yahoo.com/errors/postmaster-21.html",
            "mta5.am0.yahoodns.net",
            "66.196.118.240",
        ),
    ] {
        let ev = p(line);
        assert_eq!(ev.kind, LineKind::HostAttempt, "{line}");
        let h = peer(&ev);
        assert_eq!(
            (h.name, ip(h).as_str()),
            (Some(host.as_bytes()), addr),
            "{line}"
        );
        assert!(ev.client().is_none());
    }
    // Without an id it is nobody's delivery: left alone.
    assert_eq!(
        p("2012-02-13 14:41:26 tempo.di-net.ru [2a00:1c48:0:4002::2] No route to host").kind,
        LineKind::Unrecognized
    );
}

#[test]
fn spool_file_lines() {
    // dsfedor-fedorkov1-out.log
    let ev = p(
        "2012-02-13 14:39:32 1RwtJj-0009RI-OD Spool file is locked (another process is handling this message)",
    );
    assert_eq!(
        (ev.kind, id(&ev).as_str()),
        (LineKind::Lifecycle, "1RwtJj-0009RI-OD")
    );
    let ev = p("2012-02-13 14:41:22 1RwtJf-0009RI-4G Spool file 1RwtJf-0009RI-4G-D not found");
    assert_eq!(ev.kind, LineKind::Lifecycle);
    // Exim 4.9x names the id in the text (deliver.c); no real sample has it yet.
    let ev = p(
        "2024-01-01 10:00:00 Spool file for 1rwtJj-0009RI-OD is locked (another process is handling this message)",
    );
    assert_eq!(
        (ev.kind, id(&ev).as_str()),
        (LineKind::Lifecycle, "1rwtJj-0009RI-OD")
    );
}

#[test]
fn error_ignored_lines() {
    // 2ndy-raspim-mainlog.3.log
    let ev =
        p("2014-04-03 15:17:31 1WUzNA-0000qL-Hf pi@raspberrypi <root@raspberrypi>: error ignored");
    assert_eq!(
        (ev.kind, id(&ev).as_str()),
        (LineKind::Lifecycle, "1WUzNA-0000qL-Hf")
    );
    // perericr-ddgrey-mainlog.log
    let ev = p("2020-02-22 02:36:30 1j5JiV-0007yT-5O noreply@pilgrimbrevet.se: error ignored");
    assert_eq!(ev.kind, LineKind::Lifecycle);
}

#[test]
fn sa_exim_lines_carry_the_score() {
    // perericr-ddgrey-mainlog.log
    let ev = p(
        "2020-02-22 00:58:55 1j5IBw-00064P-De SA: Action: permanently rejected message: score=18.8 required=5.0 trigger=5.0 (scanned in 9/9 secs | Message-Id: 38D0E1EF.03222D21@evowpmy.com). From <toyaedypo@evowpmy.com> (host=xdsl-178-35-123-109.soes.su [178.35.123.109]) for margareta@rosnix.net",
    );
    assert_eq!(
        (ev.kind, id(&ev).as_str()),
        (LineKind::SpamScan, "1j5IBw-00064P-De")
    );
    let Payload::Spam(s) = &ev.payload else {
        panic!("{:?}", ev.payload)
    };
    assert_eq!((s.score, s.required), (Some(188), Some(50)));
    assert_eq!(s.action, Some(&b"permanently rejected message"[..]));
    assert_eq!(ip(ev.client().unwrap()), "178.35.123.109");
    let ev = p(
        "2020-02-22 01:31:25 1j5IhX-0006pK-Rt SA: Action: scanned but message isn't spam: score=-0.1 required=5.0 (scanned in 1/1 secs | Message-Id: xPvw9194h6.plusgirot@nordea.com). From <plusgirot@nordea.com> (host=mail1.bemta26.messagelabs.com [85.158.142.5]) for kassor@ucf.se",
    );
    let Payload::Spam(s) = &ev.payload else {
        panic!()
    };
    assert_eq!((s.score, s.required), (Some(-1), Some(50)));
    let ev = p(
        "2020-02-22 01:02:22 1j5IFS-0006Qu-M5 SA: Action: Not running SA because SAEximRunCond expanded to false (Message-Id: 1j5IFS-0006Qu-M5). From <logcheck@edward.rosnix.net> (local) for logcheck@edward.rosnix.net",
    );
    let Payload::Spam(s) = &ev.payload else {
        panic!()
    };
    assert_eq!((s.score, s.host), (None, None));
    assert_eq!(
        s.action,
        Some(&b"Not running SA because SAEximRunCond expanded to false"[..])
    );
    let ev =
        p("2020-02-22 00:58:46 1j5IBw-00064P-De SA: Debug: SAEximRunCond expand returned: 'true'");
    assert_eq!(ev.kind, LineKind::SpamScan);
    assert_eq!(ev.payload, Payload::Spam(SpamScan::default()));
    assert_eq!(parse_tenths(b"7"), Some(70));
    assert_eq!(parse_tenths(b"99999999.9"), Some(i16::MAX));
    assert_eq!(parse_tenths(b"-x"), None);
}

#[test]
fn continuation_lines() {
    // mashpy-ajenti_track-mainlog.log: the second line of a two-line entry.
    let ev = p(" Suggested action: use keep_environment.");
    assert_eq!(ev.kind, LineKind::Continuation);
    assert_eq!(
        (ev.time, ev.msgid),
        (None, None),
        "the model gives it the line above's"
    );
    assert_eq!(
        p("2016-09-10 06:06:35 Warning: purging the environment.").kind,
        LineKind::Daemon
    );
}

#[test]
fn syslog_ng_rfc3339_prefixes() {
    // fail2ban-issue-3060.log: no Exim stamp after the tag.
    let ev = p(
        r#"2024-03-24T02:05:21.420+00:00 info exim[8003]: [8003] SMTP protocol error in "AUTH LOGIN" H=(User) [194.33.191.29]:4816 I=[65.109.230.99]:25 Ci=8003 LOGIN authentication mechanism not supported"#,
    );
    assert_eq!(
        (ev.kind, ev.pid, ev.zone),
        (LineKind::Session, Some(8003), Some(0))
    );
    assert_eq!(
        ev.time.map(crate::parse::time::format_iso).unwrap(),
        "2024-03-24T02:05:21.420"
    );
    assert!(!ev.yearless);
    assert_eq!(ip(ev.client().unwrap()), "194.33.191.29");
    // Exim 4.98 writes `Ci=` before `from` on the closing line.
    let ev = p(
        "2024-03-24T02:05:21.471+00:00 info exim[8003]: [8003] SMTP connection Ci=8003 from (User) [194.33.191.29]:4816 I=[65.109.230.99]:25 D=0.152s closed by QUIT",
    );
    assert_eq!(ev.kind, LineKind::Session);
    assert_eq!(ip(ev.client().unwrap()), "194.33.191.29");
    // With Exim's own stamp after the tag, Exim's wins (format of mysociety-alaveteli-spec.log).
    let ev = p(
        "2024-03-24T02:05:22+00:00 mx exim[12105]: 2016-04-28 15:53:37 [12105] 1ayTvy-00039O-4m Completed",
    );
    assert_eq!(
        (ev.kind, when(&ev).as_str()),
        (LineKind::Completed, "2016-04-28 15:53:37")
    );
}

#[test]
fn classic_syslog_stamps_are_yearless() {
    // fail2ban-issue-2553.log (a TAB before `authenticator`, as posted).
    let ev = p(
        "Oct 22 03:39:17 mx1 exim[29786]: dovecot_login \tauthenticator failed for (User) [92.118.38.37]: 535 Incorrect authentication data (set_id=takeuchi@domain.com)",
    );
    assert_eq!(ev.kind, LineKind::AuthFailure);
    assert!(ev.yearless);
    assert_eq!(ip(ev.client().unwrap()), "92.118.38.37");
    let Payload::Auth { authenticator, .. } = ev.payload else {
        panic!()
    };
    assert_eq!(authenticator, b"dovecot_login");
    // mysociety-alaveteli-spec.log: Exim's stamp after the syslog one has a year.
    let ev = p(
        "Apr 28 15:53:37 server exim[12105]: 2016-04-28 15:53:37 [12105] 1ayTvy-00039O-4m => foi+request-123@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.1] C=\"250 OK\"",
    );
    assert!(!ev.yearless);
    assert_eq!(when(&ev), "2016-04-28 15:53:37");
}

#[test]
fn daemon_socket_lines() {
    // volumio-rootfs-mainlog.log
    for line in [
        "2013-12-02 01:23:52 IPv6 socket creation failed: Address family not supported by protocol",
        "1970-01-01 00:00:19 socket bind() to port 25 for address 127.0.0.1 failed: Cannot assign requested address: waiting 30s before trying again (9 more tries)",
        // axray-dataware-dreamplug-mainlog.log
        "2009-08-08 09:30:02 socket bind() to port 25 for address 127.0.0.1 failed: Address already in use: waiting 30s before trying again (9 more tries)",
    ] {
        let ev = p(line);
        assert_eq!(ev.kind, LineKind::Daemon, "{line}");
        assert!(ev.time.is_some());
    }
}

#[test]
fn openssl_lines() {
    // politsin-exim-mainlog.log: during a delivery, so the address is the destination.
    let ev = p(
        "2016-08-31 20:59:34 1bfCbe-00000M-Fw [209.85.233.27] SSL verify error: depth=2 error=unable to get local issuer certificate cert=/C=US/O=GeoTrust Inc./CN=GeoTrust Global CA",
    );
    assert_eq!(ev.kind, LineKind::HostAttempt);
    assert_eq!(ip(peer(&ev)), "209.85.233.27");
    assert!(ev.client().is_none());
    let ev = p("2016-08-31 20:18:35 TLS client disconnected cleanly (rejected our certificate?)");
    assert_eq!((ev.kind, ev.client()), (LineKind::Session, None));
    // Without an id the check was on a client's certificate.
    let ev = p(
        "2016-08-31 20:59:34 [192.0.2.7] SSL verify error: depth=0 error=certificate has expired cert=/CN=x",
    );
    assert_eq!(
        (ev.kind, ip(ev.client().unwrap()).as_str()),
        (LineKind::Session, "192.0.2.7")
    );
}

#[test]
fn nul_padding_after_a_crash() {
    // 2ndy-raspim-mainlog.3.log line 4929: 475 NULs, then the restarted daemon.
    let mut line = vec![0u8; 475];
    line.extend_from_slice(
        b"2014-04-04 04:17:31 exim 4.80 daemon started: pid=2832, -q30m, listening for SMTP on [127.0.0.1]:25 [::1]:25",
    );
    let ev = parse_line(&line, &ParseContext::default());
    assert_eq!(
        (ev.kind, when(&ev).as_str()),
        (LineKind::Daemon, "2014-04-04 04:17:31")
    );
    assert!(ev.body.starts_with(b"exim 4.80"));
    let ev = parse_line(&[0u8; 9], &ParseContext::default());
    assert_eq!(ev.kind, LineKind::Unrecognized);
}

#[test]
fn other_lines_with_an_id() {
    for line in [
        // hestiacp-issue-2087.log (typographic quotes as posted)
        "2021-08-25 20:26:49 1mIxbt-0001eM-09 Tainted filename ‘/etc/exim4/domains/xxxx/ip’",
        // mailcleaner-issue-487.log
        "2022-08-25 15:25:03 1oRCr0-000EGN-2b unable to open file for reading: /var/mailcleaner/spool/tmp/mailcleaner/dkim/my.domain.de.pkey",
        // parisnw-debian-vm-mainlog.log
        "2016-12-18 19:49:30 1cIm8w-0000yI-6V Process failed (1) when writing error message to root@ETC_MAILNAME (frozen)",
        "2016-12-18 19:49:30 1cIm8w-0000yM-CW Error while reading message with no usable sender address (R=1cIm8w-0000yI-6V): at least one malformed recipient address: root@ETC_MAILNAME - malformed address: _MAILNAME may not follow root@ETC",
        // ait-aecid-aminer-cpanel-guide-exim.log (cPanel's own logwrite)
        "2014-09-10 13:06:56 1XRlM6-003yMv-KG SMTP connection outbound 1410368816 1XRlM6-003yMv-KG domain.com live@somedomain.com",
    ] {
        let ev = p(line);
        assert_eq!(ev.kind, LineKind::Lifecycle, "{line}");
        assert!(ev.msgid.is_some() && ev.client().is_none());
    }
    // ait-aecid-aminer-ait-lds-exim.log
    let ev = p("2020-03-04 19:21:48 VRFY failed for boyce@cup.com H=(x) [192.168.10.238]");
    assert_eq!(
        (ev.kind, ip(ev.client().unwrap()).as_str()),
        (LineKind::Session, "192.168.10.238")
    );
}
