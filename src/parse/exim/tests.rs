//! Parser tests on real lines quoted in the format reference and the samples.

use super::*;
use crate::parse::net::Family;

fn p(line: &str) -> Event<'_> {
    parse_line(line.as_bytes(), &ParseContext { syslog_year: 2022 })
}

fn arrival<'a>(ev: &'a Event<'a>) -> &'a Arrival<'a> {
    match &ev.payload {
        Payload::Arrival(a) => a,
        other => panic!("not an arrival: {other:?}"),
    }
}

fn s(b: Option<&[u8]>) -> Option<&str> {
    b.map(|b| std::str::from_utf8(b).unwrap())
}

#[test]
fn seed_redacted_arrival_has_client_address_and_no_sender() {
    let ev =
        p("2011-04-28 12:40:26 1QFOdo-0001zq-E9 <= [2a01:238:20a:202:53f0::1] P=esmtp S=2210478");
    assert_eq!(ev.kind, LineKind::Arrival);
    assert_eq!(ev.msgid.unwrap().to_string(), "1QFOdo-0001zq-E9");
    let a = arrival(&ev);
    assert_eq!(a.sender, None);
    assert_eq!(Family::of(a.host.unwrap().ip), Family::Ipv6);
    assert_eq!(a.size, Some(2210478));
    assert_eq!(s(a.protocol), Some("esmtp"));
    let ev = p("2010-11-07 14:21:44 1PF5Bm-0006RI-KB <= [] P=esmtp S=251712");
    let a = arrival(&ev);
    assert_eq!(a.host.unwrap().ip, None);
    assert_eq!(a.size, Some(251712));
}

#[test]
fn full_arrival_fields() {
    let ev = p(
        r#"2014-08-10 11:18:35 [28107] 1gsu1C-003dCu-Hb <= aaron@domain.com H=localhost (10.5.40.204) [127.0.0.1]:39753 I=[127.0.0.1]:25 P=esmtpa A=dovecot_plain:aaron@domain.com S=4315 M8S=0 id=d2b648f00f1a1b0813c483d552778dc6@domain.com T="what's up?!? \"for\" ;-)" from <aaron@domain.com> for aaron+forward@domain.com other@x"#,
    );
    assert_eq!(ev.pid, Some(28107));
    let a = arrival(&ev);
    assert_eq!(s(a.sender), Some("aaron@domain.com"));
    let h = a.host.unwrap();
    assert_eq!(s(h.name), Some("localhost"));
    assert_eq!(s(h.helo), Some("10.5.40.204"));
    assert_eq!(h.ip, Some("127.0.0.1".parse().unwrap()));
    assert_eq!(h.port, Some(39753));
    assert_eq!(s(a.interface), Some("[127.0.0.1]:25"));
    assert_eq!(s(a.auth), Some("dovecot_plain:aaron@domain.com"));
    assert_eq!(
        s(a.message_id),
        Some("d2b648f00f1a1b0813c483d552778dc6@domain.com")
    );
    assert_eq!(s(a.subject), Some(r#"what's up?!? \"for\" ;-)"#));
    assert_eq!(s(a.recipients), Some("aaron+forward@domain.com other@x"));
}

#[test]
fn modern_arrival_with_dkim_tag_and_tls() {
    let ev = p(
        r#"2021-03-01 14:29:57 1lGjYa-0004Dd-Ok <= masahiroy@kernel.org H=conuserg-10.nifty.com [210.131.2.77]:21701 I=[78.32.30.218]:25 P=esmtps X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 S=5966 DKIM=nifty.com id=20210301142903.345278-1-masahiroy@kernel.org T="[PATCH] ARM: syscalls: switch to generic syscallhdr.sh" for linux@armlinux.org.uk"#,
    );
    let a = arrival(&ev);
    assert_eq!(s(a.dkim_domain), Some("nifty.com"));
    assert_eq!(s(a.tls), Some("TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256"));
    assert_eq!(
        s(a.subject),
        Some("[PATCH] ARM: syscalls: switch to generic syscallhdr.sh")
    );
}

#[test]
fn new_long_ids_and_ipv6_ports() {
    let ev = p(
        "2016-02-25 20:08:55 1aZ1HS-0006iF-Rk <= m-2v@bounce.linkedin.com H=mail01.pyzuka.nl [2a01:7c8:c037:6::4]:47889 I=[2001:7b8:3:47:213:154:229:26]:25 P=esmtps X=TLS1.2:DHE_RSA_AES_128_CBC_SHA1:128 CV=no S=39472 id=1087531239.521310.1456427301019.JavaMail.app@ltx1-app7953.prod.linkedin.com",
    );
    let h = arrival(&ev).host.unwrap();
    assert_eq!(h.ip, Some("2a01:7c8:c037:6::4".parse().unwrap()));
    assert_eq!(h.port, Some(47889));
    let ev = p(
        "2024-09-07 01:34:11 1smkL5-00000000e65-24eQ <= nothing@change.this H=(v261955545.local) [43.6.92.12] P=esmtps X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no S=15813",
    );
    assert!(ev.msgid.unwrap().is_long());
    let h = arrival(&ev).host.unwrap();
    assert_eq!(s(h.helo), Some("v261955545.local"));
    assert_eq!(h.name, None);
}

#[test]
fn bounce_arrival_and_local_submission() {
    let ev = p(
        "1999-03-02 09:44:33 10HmaY-000000005vi-0000 <= <> R=10HmaX-000000005vi-0000 U=EXIMUSER P=local S=sss",
    );
    let a = arrival(&ev);
    assert_eq!(s(a.sender), Some(""));
    assert_eq!(s(a.bounce_of), Some("10HmaX-000000005vi-0000"));
    assert_eq!(a.size, None, "placeholder sizes are not numbers");
    assert!(a.host.is_none());
    let ev = p(
        "1999-03-02 09:44:33 10HmbC-000000005vi-0000 (= b2@dump.ex H=localhost (myhost.test.ex) [127.0.0.1] P=esmtp S=sss for rmt_fakereject@test.ex",
    );
    assert_eq!(ev.kind, LineKind::FakeReject);
}

#[test]
fn millis_zone_and_pid_prefixes() {
    let ev = p("2003-04-25 11:17:07 +0100 Start queue run: pid=12762");
    assert_eq!(ev.zone, Some(60));
    assert_eq!(ev.kind, LineKind::QueueRun);
    let ev = p("2017-07-30 18:51:05.712 [1234] 10HmaX-0005vi-00 Completed QT=0.304s");
    assert_eq!(ev.pid, Some(1234));
    assert_eq!(ev.kind, LineKind::Completed);
    assert_eq!(ev.time.unwrap() % 1000, 712);
}

#[test]
fn syslog_and_journald_prefixes() {
    let ev = p(
        "Jun 29 16:04:19 server exim[1234]: dovecot_login authenticator failed for ([1.2.3.5]) [1.2.3.4]:55379: 535 Incorrect authentication data (set_id=abuse@test.com)",
    );
    assert_eq!(ev.kind, LineKind::AuthFailure);
    assert_eq!(
        crate::parse::time::format_iso(ev.time.unwrap()),
        "2022-06-29T16:04:19"
    );
    assert_eq!(ev.client().unwrap().ip, Some("1.2.3.4".parse().unwrap()));
    match ev.payload {
        Payload::Auth {
            set_id,
            authenticator,
            ..
        } => {
            assert_eq!(s(set_id), Some("abuse@test.com"));
            assert_eq!(authenticator, b"dovecot_login");
        }
        _ => panic!(),
    }
    let ev = p(
        "mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain_server authenticator failed for ([192.0.2.17]) [192.0.2.27]: 535 Incorrect authentication data",
    );
    assert_eq!(ev.kind, LineKind::AuthFailure);
    assert_eq!(ev.client().unwrap().ip, Some("192.0.2.27".parse().unwrap()));
    let ev = p(
        "2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: dovecot_login authenticator failed for (User) [192.0.2.37]: 535 Incorrect authentication data (set_id=test@domain.com)",
    );
    assert_eq!(ev.kind, LineKind::AuthFailure);
    let ev = p(
        "2016-04-01 11:08:00 info exim[8001]: [8001] no MAIL in SMTP connection from (User) [192.0.2.29]:20042 I=[192.0.2.1]:25 Ci=8001 D=0.349s C=EHLO,AUTH,QUIT",
    );
    assert_eq!(ev.pid, Some(8001));
    assert_eq!(ev.kind, LineKind::Session);
    assert_eq!(ev.client().unwrap().ip, Some("192.0.2.29".parse().unwrap()));
}

#[test]
fn old_and_modern_dkim_lines() {
    let ev = p(
        "2010-11-07 14:21:43 1PF5Bm-0006RI-KB DKIM: s=domk c=relaxed/relaxed a=rsa-sha1 t=1289136101 l=251099 [verification failed - signature did not verify (headers probably modified in transit)]",
    );
    let Payload::Dkim(sig) = &ev.payload else {
        panic!("{ev:?}")
    };
    assert_eq!(sig.result, Some(DkimResult::Fail));
    assert_eq!(sig.domain, None);
    assert_eq!(s(sig.selector), Some("domk"));
    assert_eq!(
        s(sig.reason),
        Some("signature did not verify (headers probably modified in transit)")
    );
    let ev = p(
        "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 DKIM: d=kitterman.org s=ed25519 c=relaxed/simple a=ed25519-sha256 b=512 i=@kitterman.org t=T [verification succeeded]",
    );
    let Payload::Dkim(sig) = &ev.payload else {
        panic!()
    };
    assert_eq!(sig.result, Some(DkimResult::Pass));
    assert_eq!(s(sig.domain), Some("kitterman.org"));
    assert_eq!(s(sig.algorithm), Some("ed25519-sha256"));
    assert_eq!(sig.reason, None);
    for (text, want) in [
        (
            "[invalid - public key record (currently?) unavailable]",
            DkimResult::Invalid,
        ),
        ("[failed key import]", DkimResult::Invalid),
        ("[not verified]", DkimResult::Invalid),
        (
            "[verification failed - body hash mismatch (body probably modified in transit)]",
            DkimResult::Fail,
        ),
    ] {
        let line = format!("2020-01-01 00:00:00 10HmaX-0005vi-00 DKIM: d=test.ex s=sel {text}");
        let ev = p(&line);
        let Payload::Dkim(sig) = &ev.payload else {
            panic!("{line}")
        };
        assert_eq!(sig.result, Some(want), "{line}");
        assert!(sig.reason.is_some());
    }
    let ev =
        p("1999-03-02 09:44:33 10HmaX-0005vi-00 DKIM: acl called - signer: test.ex bits: 1024");
    assert_eq!(ev.kind, LineKind::DkimOther);
    let ev = p("1999-03-02 09:44:33 10HmaX-0005vi-00 DKIM: validation error: RSA_LONG_LINE");
    assert_eq!(ev.kind, LineKind::DkimOther);
}

#[test]
fn deliveries_deferrals_bounces() {
    let ev = p("2010-11-07 14:21:44 1PF5Bm-0006RI-KB => peter <> R=localuser T=local_delivery");
    assert_eq!(ev.kind, LineKind::Delivery);
    let Payload::Delivery(d) = &ev.payload else {
        panic!()
    };
    assert_eq!(d.address, b"peter");
    assert_eq!(s(d.router), Some("localuser"));
    let ev = p(
        r#"2024-09-07 01:34:12 1smkL5-00000000e65-24eQ => xxxxxxx@ya.ru R=dnslookup T=remote_smtp H=mx.yandex.ru [77.88.21.249] X=TLS1.3:ECDHE:256 CV=yes DN="C=RU,ST=Moscow" C="250 2.0.0 Ok: queued on x"#,
    );
    let Payload::Delivery(d) = &ev.payload else {
        panic!()
    };
    assert_eq!(s(d.confirmation), Some("250 2.0.0 Ok: queued on x"));
    assert!(
        ev.client().is_none(),
        "a delivery's H= is the destination, not a client"
    );
    let ev = p(
        "2002-12-19 16:20:23 16aiQz-0002Q5-00 == marvin@endrest.example R=dnslookup T=smtp defer (146): Connection refused",
    );
    assert_eq!(ev.kind, LineKind::Deferral);
    let Payload::Delivery(d) = &ev.payload else {
        panic!()
    };
    assert_eq!(d.address, b"marvin@endrest.example");
    assert_eq!(s(d.message), Some("Connection refused"));
    let ev = p("1999-03-02 09:44:33 10HmaY-000000005vi-0000 ** userx@bad.ex : Unrouteable address");
    let Payload::Delivery(d) = &ev.payload else {
        panic!()
    };
    assert_eq!(d.address, b"userx@bad.ex");
    assert_eq!(s(d.message), Some("Unrouteable address"));
    let ev = p(
        "1995-12-19 16:20:23 0tRiQz-0002Q5-00 ** jim@trek99.example <jim@trek99.example>: unknown mail domain",
    );
    let Payload::Delivery(d) = &ev.payload else {
        panic!()
    };
    assert_eq!(s(d.original), Some("jim@trek99.example"));
    assert_eq!(s(d.message), Some("unknown mail domain"));
    let ev =
        p("1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** userx@test.ex: retry timeout exceeded");
    let Payload::Delivery(d) = &ev.payload else {
        panic!()
    };
    assert_eq!(d.address, b"userx@test.ex");
}

#[test]
fn rejections_with_and_without_ids() {
    let ev = p(
        "2024-03-21 09:18:51 H=m05.horp.tld [9.12.1.21]:43030 I=[194.169.175.2]:25 Ci=7326 CV=no SNI=mail.leone.tld F=<user@example.tld> rejected RCPT <locus@leone.tld>: relay not permitted",
    );
    let Payload::Rejection(r) = &ev.payload else {
        panic!("{ev:?}")
    };
    assert_eq!(r.stage, RejectStage::Rcpt);
    assert_eq!(s(r.sender), Some("user@example.tld"));
    assert_eq!(s(r.argument), Some("locus@leone.tld"));
    assert_eq!(s(r.reason), Some("relay not permitted"));
    assert_eq!(r.host.unwrap().ip, Some("9.12.1.21".parse().unwrap()));
    let ev = p(
        r#"2022-06-29 14:33:43 H=test.sa.com [1.2.3.4]:18146 temporarily rejected connection in "connect" ACL: "Host is ratelimited (1.9/1h max:1.2)""#,
    );
    let Payload::Rejection(r) = &ev.payload else {
        panic!()
    };
    assert!(r.temporary);
    assert_eq!(r.stage, RejectStage::Connect);
    let ev = p(
        "2013-06-15 11:20:36 [2516] 1Unmew-0000ea-SE H=egeftech.static.otenet.gr [83.235.177.148]:32706 I=[1.2.3.4]:25 F=auguriesvbd40@google.com rejected after DATA: This message contains a virus (Sanesecurity.Junk.39934.UNOFFICIAL).",
    );
    assert!(ev.msgid.is_some());
    let Payload::Rejection(r) = &ev.payload else {
        panic!()
    };
    assert_eq!(r.stage, RejectStage::AfterData);
    assert_eq!(s(r.sender), Some("auguriesvbd40@google.com"));
    let ev = p(
        "2004-01-18 07:15:35 1Ai79e-0000Dq-8i F=uzwltcmwto24@melissacam.biz H=lsanca1.genuity.net [4.47.28.40] P=smtp rejected by local_scan(): Rejected: hits=7.5",
    );
    let Payload::Rejection(r) = &ev.payload else {
        panic!()
    };
    assert_eq!(r.stage, RejectStage::LocalScan);
    assert_eq!(r.host.unwrap().ip, Some("4.47.28.40".parse().unwrap()));
    let ev = p(
        "2013-06-10 10:10:59 H=ufficioestampa.it (srv.ufficioestampa.it) [193.169.56.211] sender verify fail for <user@example.com>: Unrouteable address",
    );
    assert_eq!(ev.kind, LineKind::SenderVerifyFail);
    let ev = p("1999-03-02 09:44:33 10HmaX-000000005vi-0000 H=(xxx) [127.0.0.1] rejected DKIM ");
    assert_eq!(ev.kind, LineKind::Rejection);
    let ev = p(
        "1999-03-02 09:44:33 10HmaY-000000005vi-0000 rejected from <CALLER@myhost.test.ex> U=CALLER: message too big: read=101 max=100",
    );
    let Payload::Rejection(r) = &ev.payload else {
        panic!()
    };
    assert_eq!(r.stage, RejectStage::Size);
    assert_eq!(s(r.sender), Some("CALLER@myhost.test.ex"));
    let ev = p(
        "2020-01-01 00:00:00 rejected EHLO from [1.2.3.4]: syntactically invalid argument(s): x_y",
    );
    let Payload::Rejection(r) = &ev.payload else {
        panic!()
    };
    assert_eq!(r.stage, RejectStage::Helo);
    assert_eq!(r.host.unwrap().ip, Some("1.2.3.4".parse().unwrap()));
}

#[test]
fn acl_drop_is_a_rejection() {
    let ev =
        p("2022-04-03 21:53:54 H=[192.0.2.101]:62839 dropped by 'connect' ACL: Country is banned");
    let Payload::Rejection(r) = &ev.payload else {
        panic!("{ev:?}")
    };
    assert_eq!(r.stage, RejectStage::Connect);
    assert_eq!(s(r.reason), Some("Country is banned"));
    assert_eq!(r.host.unwrap().port, Some(62839));
}

#[test]
fn session_lines_name_their_client() {
    for line in [
        "2001-09-16 16:09:47 SMTP connection from [127.0.0.1] closed by QUIT",
        "2013-06-10 18:33:32 SMTP call from (x) [198.51.100.7]:1234 dropped: too many nonmail commands (last was \"RSET\")",
        r#"2020-01-01 00:00:00 SMTP protocol synchronization error (input sent without waiting for greeting): rejected connection from H=[211.148.195.192]:25936 I=[1.2.3.4]:25 input="GET / HTTP/1.1\r\n\r\n""#,
        r#"2020-01-01 00:00:00 SMTP protocol error in "AUTH LOGIN" H=(ylmf-pc) [45.32.34.167]:60723 I=[172.89.0.6]:587 AUTH command used when not advertised"#,
        "2020-01-01 00:00:00 TLS error on connection from (v261955545.local) [43.6.92.12] (recv): The TLS connection was non-properly terminated.",
        "2020-01-01 00:00:00 no host name found for IP address 192.0.2.8",
    ] {
        let ev = p(line);
        assert_eq!(ev.kind, LineKind::Session, "{line}");
        assert!(ev.client().and_then(|h| h.ip).is_some(), "{line}");
    }
}

#[test]
fn lifecycle_and_host_attempts() {
    assert_eq!(
        p("2020-01-01 00:00:00 10HmaX-0005vi-00 Frozen (delivery error message)").kind,
        LineKind::Frozen
    );
    assert_eq!(
        p("2020-01-01 00:00:00 10HmaX-0005vi-00 Unfrozen by forced delivery").kind,
        LineKind::Lifecycle
    );
    let ev = p(
        "2024-09-07 01:34:11 1smkL5-00000000e65-24eQ H=mx.yandex.ru [2a02:6b8::311] Network is unreachable",
    );
    assert_eq!(ev.kind, LineKind::HostAttempt);
    assert!(
        ev.client().is_none(),
        "a host attempt names the destination"
    );
    assert_eq!(
        p("2020-01-01 00:00:00 exim 4.96 daemon started: pid=1, no queue runs").kind,
        LineKind::Daemon
    );
}

#[test]
fn unknown_text_is_kept_with_time_and_id() {
    let ev = p("2013-12-30 00:24:50 1VxPit-000MMd-U4 a site's own logwrite: x=1");
    assert_eq!(ev.kind, LineKind::Unrecognized);
    assert!(ev.time.is_some());
    assert!(ev.msgid.is_some());
    let ev = p("# failJSON: { \"time\": \"2013-01-04T17:03:46\" }");
    assert_eq!(ev.kind, LineKind::Unrecognized);
    assert!(ev.time.is_none());
    let ev = p("2020-01-01 00:00:00 => no id here");
    assert_eq!(ev.kind, LineKind::Unrecognized);
}

#[test]
fn hostile_bytes_do_not_panic() {
    for line in [
        &b"2020-01-01 00:00:00 10HmaX-0005vi-00 <= \xff\xfe H=(\x1b[31m) [1.2.3.4"[..],
        b"2020-01-01 00:00:00 H=",
        b"2020-01-01 00:00:00 H=(",
        b"2020-01-01 00:00:00 10HmaX-0005vi-00 DKIM: [",
        b"2020-01-01 00:00:00 10HmaX-0005vi-00 ** :",
        b"Jun 29 16:04:19 x",
        b"2020-01-01 00:00:00 [99999999999999999999] x",
        b"2020-01-01 00:00:00 x authenticator failed for ",
    ] {
        let _ = parse_line(line, &ParseContext::default());
    }
}

fn client_ip(line: &str) -> Option<std::net::IpAddr> {
    p(line).client().and_then(|h| h.ip)
}

fn ip(s: &str) -> Option<std::net::IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn a_helo_cannot_fake_the_client_of_an_arrival() {
    let pre = "2024-01-01 00:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=";
    let tail = " I=[10.0.0.1]:25 P=esmtp S=1 id=x@y for c@d";
    for group in [
        "(mail) [8.8.8.8]) [203.0.113.66]:40001",
        "(a) (b) [203.0.113.66]",
        "(x) [8.8.8.8]:25 I=[10.0.0.1]:25 P=esmtp S=1) [203.0.113.66]:40001",
        "(x) [8.8.8.8] for a@b) [203.0.113.66]:40001",
        "(x) [8.8.8.8] T=\") [203.0.113.66]:40001",
        "(]) [8.8.8.8] [) [203.0.113.66]",
        "name.test (x) [8.8.8.8]:1 rejected RCPT <a>: y) [203.0.113.66]:40001",
        "([8.8.8.8]) [203.0.113.66]:40001",
        "() [203.0.113.66]",
    ] {
        let line = format!("{pre}{group}{tail}");
        assert_eq!(client_ip(&line), ip("203.0.113.66"), "{line}");
        let ev = p(&line);
        let a = arrival(&ev);
        assert_eq!(a.size, Some(1), "{line}");
        assert_eq!(s(a.interface), Some("[10.0.0.1]:25"), "{line}");
    }
    let line = format!("{pre}(mail) [8.8.8.8]) [203.0.113.66]:40001{tail}");
    let ev = p(&line);
    let h = arrival(&ev).host.unwrap();
    assert_eq!(s(h.helo), Some("mail) [8.8.8.8]"));
    assert_eq!(h.port, Some(40001));
}

#[test]
fn client_text_after_the_group_cannot_fake_the_client() {
    let pre =
        "2024-01-01 00:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=(helo) [203.0.113.66]:40001";
    for tail in [
        " I=[10.0.0.1]:25 P=esmtp S=1 T=\"x) [8.8.8.8]:25 P=esmtp\"",
        " I=[10.0.0.1]:25 P=esmtp S=1 id=\"x) [8.8.8.8] y\"@z",
        " P=esmtp S=1 for \"x) [8.8.8.8]:25 P=y\"@z",
        " F=<\"a) [8.8.8.8] rejected RCPT <b>: c\"@d> rejected RCPT <e@f>: relay not permitted",
    ] {
        let line = format!("{pre}{tail}");
        assert_eq!(client_ip(&line), ip("203.0.113.66"), "{line}");
    }
    // A quoted local part before the group cannot inject an `H=` either.
    let line = "2004-01-18 07:15:35 1Ai79e-0000Dq-8i F=<\"x H=[8.8.8.8] y\"@z> H=r.test [203.0.113.66] P=smtp rejected by local_scan(): no";
    assert_eq!(client_ip(line), ip("203.0.113.66"));
}

#[test]
fn a_helo_cannot_fake_the_client_of_a_rejection() {
    for line in [
        "2024-01-01 00:00:00 H=(mail) [8.8.8.8]) [203.0.113.66]:40001 I=[10.0.0.1]:25 F=<a@b> rejected RCPT <c@d>: relay not permitted",
        "2024-01-01 00:00:00 H=(a) (b) [203.0.113.66] F=<a@b> rejected RCPT <c@d>: relay not permitted",
        "2024-01-01 00:00:00 H=(x) [8.8.8.8] F=<a@b> rejected RCPT <c@d>: y) [203.0.113.66]:1 F=<a@b> rejected RCPT <c@d>: relay not permitted",
        "2024-01-01 00:00:00 H=(x) [8.8.8.8] y) [203.0.113.66] rejected EHLO or HELO x) [8.8.8.8] y: syntactically invalid argument(s)",
        "2024-01-01 00:00:00 H=(x) [8.8.8.8] rejected EHLO or HELO x: z) [203.0.113.66] rejected EHLO or HELO x) [8.8.8.8] rejected EHLO or HELO x: z: invalid",
        "2024-01-01 00:00:00 H=(x) [8.8.8.8]) [203.0.113.66] sender verify fail for <a@b>: Unrouteable address",
        "2024-01-01 00:00:00 H=(x) [8.8.8.8]) [203.0.113.66]:5 dropped by 'connect' ACL: banned",
    ] {
        let ev = p(line);
        assert!(ev.kind.is_rejection(), "{line}: {ev:?}");
        assert_eq!(client_ip(line), ip("203.0.113.66"), "{line}");
    }
}

#[test]
fn a_helo_cannot_fake_the_client_of_session_and_auth_lines() {
    for line in [
        "2024-01-01 00:00:00 SMTP connection from (x) [8.8.8.8]:25 closed by QUIT) [203.0.113.66]:40001 closed by QUIT",
        "2024-01-01 00:00:00 SMTP protocol error in \"AUTH H=[8.8.8.8]\" H=(x) [8.8.8.8]) [203.0.113.66]:1 I=[10.0.0.1]:587 AUTH command used when not advertised",
        "2024-01-01 00:00:00 SMTP syntax error in \"x from [8.8.8.8]\" H=(y) [203.0.113.66]:1 I=[10.0.0.1]:25 unrecognized command",
        "2024-01-01 00:00:00 no MAIL in SMTP connection from (x) [8.8.8.8]) [203.0.113.66]:1 I=[10.0.0.1]:25 D=1s C=EHLO,QUIT",
        "2024-01-01 00:00:00 login authenticator failed for (x) [8.8.8.8]) [203.0.113.66]:1: 535 Incorrect authentication data (set_id=a)",
        "2024-01-01 00:00:00 login authenticator failed for H=(x) [8.8.8.8]:1 I=[10.0.0.1]:25) [203.0.113.66]:1 I=[10.0.0.1]:25: 535 Incorrect authentication data",
    ] {
        assert_eq!(client_ip(line), ip("203.0.113.66"), "{line}");
    }
}

#[test]
fn a_delivery_host_is_the_last_address_of_its_group() {
    let ev = p(
        "2024-01-01 00:00:00 1smkL5-00000000e65-24eQ => a@b R=r T=t H=mx.test [192.0.2.7]:25 X=TLS1.3 C=\"250 x) [8.8.8.8] ok\"",
    );
    let Payload::Delivery(d) = &ev.payload else {
        panic!("{ev:?}")
    };
    assert_eq!(d.host.unwrap().ip, ip("192.0.2.7"));
}

#[test]
fn a_line_with_an_impossible_stamp_is_unrecognized_and_has_no_time() {
    for line in [
        "2025-02-30 10:00:00 1smkL5-00000000e65-24eQ <= a@b.test H=[192.0.2.1] P=esmtp S=1",
        "2025-02-29 10:00:00.123 1smkL5-00000000e65-24eQ Completed",
        "2025-04-31 10:00:00 +0100 1smkL5-00000000e65-24eQ Completed",
        "2025-04-30 10:00:00 +0199 1smkL5-00000000e65-24eQ Completed",
        "mx exim[12]: 2025-02-30 10:00:00 1smkL5-00000000e65-24eQ Completed",
    ] {
        let ev = p(line);
        assert_eq!(ev.kind, LineKind::Unrecognized, "{line}");
        assert_eq!(ev.time, None, "{line}");
        assert_eq!(ev.body, line.as_bytes(), "{line}");
    }
    // A syslog Feb 29 in a year without one: the year is wrong, the time unknown.
    let ev = parse_line(
        b"Feb 29 16:04:19 mx exim[1]: 1smkL5-00000000e65-24eQ Completed",
        &ParseContext { syslog_year: 2025 },
    );
    assert_eq!((ev.kind, ev.time), (LineKind::Unrecognized, None));
    let ev = parse_line(
        b"Feb 29 16:04:19 mx exim[1]: 1smkL5-00000000e65-24eQ Completed",
        &ParseContext { syslog_year: 2024 },
    );
    assert_eq!(ev.kind, LineKind::Completed);
}

#[test]
fn crafted_lines_parse_in_linear_time() {
    // Each shape would cost a scan of the rest of the line per candidate.
    let n = 100_000;
    for unit in [
        &b") [1.2.3.4] "[..],
        b") [",
        b") [1] rejected EHLO or HELO x",
        b") [1] \" ",
        b"=\"",
    ] {
        let mut line = b"2024-01-01 00:00:00 H=(".to_vec();
        for _ in 0..n {
            line.extend_from_slice(unit);
        }
        line.extend_from_slice(b") [203.0.113.66] rejected EHLO or HELO x: bad");
        let t = std::time::Instant::now();
        let _ = parse_line(&line, &ParseContext::default());
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "{:?} took {:?}",
            String::from_utf8_lossy(unit),
            t.elapsed()
        );
    }
}

/// The size field read without `from_utf8` + `parse` reads as they did.
#[test]
fn sizes_read_as_str_parse_reads_them() {
    let by_str = |v: &[u8]| -> Option<u64> { std::str::from_utf8(v).ok()?.parse().ok() };
    for v in [
        &b""[..],
        b"0",
        b"+",
        b"+7",
        b"-7",
        b"++7",
        b"007",
        b"18446744073709551615",
        b"18446744073709551616",
        b"99999999999999999999",
        b"9999999999999999999",
        b"+18446744073709551615",
        b"000000000000000000000018446744073709551615",
        b"000000000000000000000018446744073709551616",
        b"0000000000000000000000000000000000000000000",
        b"1844674407370955161a",
        b"12a",
        b"\xff1",
        b"1 2",
    ] {
        assert_eq!(decimal_u64(v), by_str(v), "{v:?}");
    }
    proptest::proptest!(|(v in proptest::collection::vec(proptest::sample::select(b"0123456789+-a \xff".to_vec()), 0..24))| {
        proptest::prop_assert_eq!(decimal_u64(&v), by_str(&v));
    });
}

/// The DKIM result's ` - ` is found where `memmem` finds it.
#[test]
fn dash_separators_are_found_as_memmem_finds_them() {
    for v in [
        &b""[..],
        b"-",
        b" - ",
        b"a - b - c",
        b"x -- y - z",
        b"-- - ",
        b" -",
        b"- ",
        b"  -  ",
    ] {
        assert_eq!(dash_separator(v), memchr::memmem::find(v, b" - "), "{v:?}");
    }
    proptest::proptest!(|(v in proptest::collection::vec(proptest::sample::select(b" -a\xff".to_vec()), 0..40))| {
        proptest::prop_assert_eq!(dash_separator(&v), memchr::memmem::find(&v, b" - "));
    });
}

/// Ports and pids go through the same digits reader as sizes: the largest
/// value of their type is kept, one past it is none.
#[test]
fn ports_and_pids_stop_at_their_types_limit() {
    let port = |p: &str| {
        let line = format!(
            "2020-01-01 00:00:00 1PF5Bm-0006RI-KB <= a@b H=(x) [192.0.2.1]:{p} P=esmtp S=1"
        );
        let ev = parse_line(line.as_bytes(), &ParseContext::default());
        arrival(&ev).host.as_ref().and_then(|h| h.port)
    };
    assert_eq!(port("65535"), Some(65535));
    assert_eq!(port("065535"), Some(65535));
    assert_eq!(port("65536"), None);
    assert_eq!(port("99999999999999999999999"), None);
    let pid = |p: &str| {
        let line = format!("2020-01-01 00:00:00 [{p}] 1PF5Bm-0006RI-KB Completed");
        parse_line(line.as_bytes(), &ParseContext::default()).pid
    };
    assert_eq!(pid("4294967295"), Some(u32::MAX));
    assert_eq!(pid("4294967296"), None);
}
