//! README's *Wiring it into Exim, Postfix, nftables, pf* against the real programs: each test
//! takes its configuration lines out of README.md's code blocks (found by their first line), so
//! the lines README shows are the lines that were checked, and breaking one fails a test.
//! Exports are made by the real binary. A missing program skips with a notice (`tests/prereq`),
//! which fails under CI, where `.ci/install-consumers.sh` installs them.

use std::fs;
use std::path::Path;
use std::process::Command;

#[path = "prereq/mod.rs"]
mod prereq;
use prereq::{find_postmap, find_program};

#[path = "consumer/mod.rs"]
mod consumer;
use consumer::{in_netns, postfix_command, postmap_query, report_version, run, text};

const README: &str = include_str!("../README.md");
const SAMPLE: &str = include_str!("fixtures/blocklist/sample.blocklist");

/// The one fenced code block of README whose first line starts with `first_line`.
fn readme_block(first_line: &str) -> String {
    let mut found = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        let fence = line.trim_start();
        if !fence.starts_with("```") {
            continue;
        }
        // Whitespace is ASCII here, so the fence's indent is that many leading spaces.
        let indent = " ".repeat(line.len() - fence.len());
        let mut body = Vec::new();
        for l in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            body.push(l.strip_prefix(indent.as_str()).unwrap_or(l));
        }
        if body.first().is_some_and(|f| f.starts_with(first_line)) {
            found.push(body.join("\n") + "\n");
        }
    }
    assert_eq!(
        found.len(),
        1,
        "README.md must have exactly one code block starting with {first_line:?}"
    );
    found.remove(0)
}

/// The binary, with the blocklist location taken from nowhere but what the test passes.
fn mailtriage(tmp: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mailtriage"));
    c.env_remove("MAILTRIAGE_BLOCKLIST")
        .env(
            "MAILTRIAGE_SYSTEM_BLOCKLIST",
            tmp.join("no-system-blocklist"),
        )
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("HOME", tmp.join("home"));
    c
}

/// Exports the sample blocklist (`tests/fixtures/blocklist/sample.blocklist`) with `-o dest`.
fn export_sample(tmp: &Path, format: &str, dest: &Path) {
    let bl = tmp.join("sample.blocklist");
    fs::write(&bl, SAMPLE).expect("write blocklist");
    let out = run(
        mailtriage(tmp)
            .args(["-q", "block", "--blocklist"])
            .arg(&bl)
            .args(["export", "--format", format, "-o"])
            .arg(dest),
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "export --format {format}: {}",
        text(&out.stderr)
    );
}

fn first_line(out: &std::process::Output) -> String {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    all.lines().next().unwrap_or_default().trim().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Exim on Debian.
// ---------------------------------------------------------------------------------------------

/// The settings `update-exim4.conf` reads, fixed so the generated configuration does not depend
/// on how this machine's exim4-config was answered: a local-only server, as Debian installs it.
fn update_exim4_conf_conf(split: bool) -> String {
    format!(
        "dc_eximconfig_configtype='local'\ndc_other_hostnames='mx.mailtriage.test'\n\
         dc_local_interfaces='127.0.0.1 ; ::1'\ndc_readhost=''\ndc_relay_domains=''\n\
         dc_minimaldns='false'\ndc_relay_nets=''\ndc_smarthost=''\nCFILEMODE='644'\n\
         dc_use_split_config='{split}'\ndc_hide_mailname=''\ndc_mailname_in_oh='true'\n\
         dc_localdelivery='mail_spool'\n"
    )
}

/// The final reply lines of an `exim -bh` session: greeting, EHLO, MAIL, RCPT, QUIT.
fn smtp_session(exim: &Path, conf: &Path, client: &str, sender: &str) -> Vec<String> {
    let input =
        format!("EHLO client.test\r\nMAIL FROM:<{sender}>\r\nRCPT TO:<root@localhost>\r\nQUIT\r\n");
    let out = run(
        Command::new(exim)
            .arg("-C")
            .arg(conf)
            .arg("-bh")
            .arg(client),
        Some(&input),
    );
    text(&out.stdout)
        .lines()
        .filter(|l| l.len() > 3 && l.as_bytes()[..3].iter().all(u8::is_ascii_digit))
        .filter(|l| l.as_bytes()[3] == b' ')
        .map(|l| l.trim_end().to_owned())
        .collect()
}

#[test]
fn exim_debian_config_with_readme_acl_refuses_blocked_clients_and_senders() {
    let name = "exim_debian_config_with_readme_acl_refuses_blocked_clients_and_senders";
    let Some(exim) = find_program(&["exim4", "exim"]) else {
        prereq::skip(name, "no exim/exim4 binary (see .ci/install-consumers.sh)");
        return;
    };
    let Some(update) = find_program(&["update-exim4.conf"]) else {
        prereq::skip(name, "no update-exim4.conf (Debian's exim4-config)");
        return;
    };
    let debian = Path::new("/etc/exim4");
    if !debian.join("conf.d/acl").is_dir() || !debian.join("exim4.conf.template").is_file() {
        prereq::skip(name, "no Debian exim4-config in /etc/exim4");
        return;
    }
    report_version(
        "exim",
        &first_line(&run(Command::new(&exim).arg("-bV"), None)),
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    export_sample(tmp, "exim", &tmp.join("mailtriage"));
    // README's paths under /etc/exim4/mailtriage (the list directory and the .acl file beside
    // it) moved into the temporary directory; everything else stays Debian's.
    let moved = |b: String| {
        b.replace(
            "/etc/exim4/mailtriage",
            &format!("{}/mailtriage", tmp.display()),
        )
    };
    let rcpt_acl = moved(readme_block("# /etc/exim4/mailtriage.acl"));
    let dkim_acl = moved(readme_block(
        "# /etc/exim4/conf.d/acl/35_mailtriage_check_dkim",
    ));
    let main = moved(readme_block("# /etc/exim4/conf.d/main/000_localmacros"));
    fs::write(tmp.join("mailtriage.acl"), &rcpt_acl).expect("write acl");

    for split in [true, false] {
        let style = if split { "split" } else { "non-split" };
        let conf = tmp.join(style);
        fs::create_dir_all(&conf).expect("mkdir");
        let cp = run(
            Command::new("cp")
                .arg("-r")
                .arg(debian.join("conf.d"))
                .arg(debian.join("exim4.conf.template"))
                .arg(&conf),
            None,
        );
        assert!(cp.status.success(), "copy /etc/exim4: {}", text(&cp.stderr));
        fs::write(
            conf.join("update-exim4.conf.conf"),
            update_exim4_conf_conf(split),
        )
        .expect("write update-exim4.conf.conf");
        if split {
            fs::write(conf.join("conf.d/main/000_localmacros"), &main).expect("macros");
            fs::write(conf.join("conf.d/acl/35_mailtriage_check_dkim"), &dkim_acl).expect("acl");
        } else {
            let template = fs::read_to_string(conf.join("exim4.conf.template")).expect("template");
            let (head, tail) = template
                .split_once("\nbegin acl\n")
                .expect("Debian's template has `begin acl`");
            let mut template = format!("{head}\nbegin acl\n\n{dkim_acl}\n{tail}");
            fs::write(conf.join("exim4.conf.localmacros"), &main).expect("localmacros");
            // update-exim4.conf -d reads exim4.conf.localmacros from the given directory only
            // when /etc/exim4/exim4.conf.localmacros exists; otherwise put the macros where it
            // would have put them: before the template.
            if !debian.join("exim4.conf.localmacros").exists() {
                template = format!("{main}{template}");
            }
            fs::write(conf.join("exim4.conf.template"), template).expect("template");
        }
        let generated = conf.join("exim4.conf");
        let out = run(
            Command::new(&update)
                .arg("-d")
                .arg(&conf)
                .arg("-o")
                .arg(&generated),
            None,
        );
        assert!(
            out.status.success(),
            "{style}: update-exim4.conf failed: {}",
            text(&out.stderr)
        );
        let out = run(
            Command::new(&exim).arg("-C").arg(&generated).arg("-bV"),
            None,
        );
        assert!(
            out.status.success(),
            "{style}: exim -bV rejects the configuration: {}",
            text(&out.stderr)
        );
        let out = run(
            Command::new(&exim)
                .arg("-C")
                .arg(&generated)
                .args(["-bP", "acl_smtp_dkim"]),
            None,
        );
        assert_eq!(
            text(&out.stdout).trim(),
            "acl_smtp_dkim = acl_mailtriage_dkim",
            "{style}: {}",
            text(&out.stderr)
        );

        let cases = [
            ("203.0.113.5", "a@ok.example", "550 blocked by local policy"),
            (
                "2001:db8:1:2::9",
                "a@ok.example",
                "550 blocked by local policy",
            ),
            (
                "198.51.100.7",
                "a@ok.example",
                "550 blocked by local policy",
            ),
            ("10.0.0.1", "a@ok.example", "250 Accepted"),
            ("203.0.113.6", "a@mailer.example", "250 Accepted"),
            (
                "10.0.0.1",
                "a@mx.spam.example",
                "550 sender domain blocked by local policy",
            ),
            (
                "10.0.0.1",
                "a@bulk.example",
                "550 sender domain blocked by local policy",
            ),
        ];
        for (client, sender, want) in cases {
            let replies = smtp_session(&exim, &generated, client, sender);
            assert_eq!(
                replies.get(3).map(String::as_str),
                Some(want),
                "{style}: RCPT from {client} with sender {sender}: {replies:#?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Postfix.
// ---------------------------------------------------------------------------------------------

#[test]
fn postfix_main_cf_from_readme_finds_blocked_clients_and_senders() {
    let name = "postfix_main_cf_from_readme_finds_blocked_clients_and_senders";
    let Some(postmap) = find_postmap() else {
        prereq::skip(
            name,
            "no postmap (set MAILTRIAGE_POSTMAP or run .ci/install-consumers.sh)",
        );
        return;
    };
    if !postmap.with_file_name("postconf").is_file() {
        prereq::skip(name, "no postconf beside postmap");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    let tables = tmp.join("mailtriage");
    export_sample(tmp, "postfix", &tables);
    let block = readme_block("# /etc/postfix/main.cf")
        .replace("/etc/postfix/mailtriage", &tables.display().to_string());
    let conf = tmp.join("conf");
    fs::create_dir_all(&conf).expect("mkdir");
    consumer::write_main_cf(&conf, &block);

    let postconf = |args: &[&str]| {
        let out = run(
            postfix_command(&postmap, "postconf")
                .arg("-c")
                .arg(&conf)
                .arg("-h")
                .args(args),
            None,
        );
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "postconf {args:?}: {stderr}");
        // Only the missing master.cf of this minimal directory may be warned about.
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.contains("master.cf"))
            .collect();
        assert!(
            warnings.is_empty(),
            "postconf warns about README's main.cf: {warnings:#?}"
        );
        text(&out.stdout)
    };
    report_version("postfix", postconf(&["mail_version"]).trim());

    // Postfix itself says which tables the restrictions use.
    let restrictions = postconf(&["smtpd_client_restrictions", "smtpd_sender_restrictions"]);
    let tokens: Vec<&str> = restrictions
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let table_of = |restriction: &str| -> String {
        let i = tokens
            .iter()
            .position(|t| *t == restriction)
            .unwrap_or_else(|| panic!("README's main.cf has no {restriction}: {restrictions}"));
        tokens
            .get(i + 1)
            .unwrap_or_else(|| panic!("{restriction} without a table"))
            .to_string()
    };
    let client = table_of("check_client_access");
    let sender = table_of("check_sender_access");
    let reject = mailtriage::blocklist::export::REJECT_TEXT;
    let hit = |k: &str| format!("{k}\t{reject}");

    let (found, stderr) = postmap_query(
        &postmap,
        &client,
        &[
            "203.0.113.5",
            "192.0.2.9",
            "2001:db8:1:2::1",
            "203.0.113.6",
            "10.0.0.1",
        ],
    );
    assert!(!stderr.contains("warning"), "{client}: {stderr}");
    assert_eq!(
        found,
        [hit("203.0.113.5"), hit("192.0.2.9"), hit("2001:db8:1:2::1")],
        "{client}: {stderr}"
    );
    // check_sender_access looks up the domain, then `.parent` domains for a subdomain.
    let (found, stderr) = postmap_query(
        &postmap,
        &sender,
        &[
            "spam.example",
            ".spam.example",
            "bulk.example",
            "ok.example",
            "mailer.example",
        ],
    );
    assert!(!stderr.contains("warning"), "{sender}: {stderr}");
    assert_eq!(
        found,
        [
            hit("spam.example"),
            hit(".spam.example"),
            hit("bulk.example")
        ],
        "{sender}: {stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// nftables.
// ---------------------------------------------------------------------------------------------

#[test]
fn nft_rules_from_readme_load_with_the_export() {
    let name = "nft_rules_from_readme_load_with_the_export";
    let Some(nft) = find_program(&["nft"]) else {
        prereq::skip(name, "no nft binary (apt-get install nftables)");
        return;
    };
    report_version(
        "nft",
        &first_line(&run(Command::new(&nft).arg("--version"), None)),
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    let etc = tmp.join("etc");
    fs::create_dir_all(etc.join("nftables.d")).expect("mkdir");
    let moved = |b: String| b.replace("/etc/", &format!("{}/", etc.display()));
    let export = etc.join("nftables.d/mailtriage.nft");
    export_sample(tmp, "nft", &export);
    fs::write(
        etc.join("nftables.d/mailtriage-rules.nft"),
        moved(readme_block("# /etc/nftables.d/mailtriage-rules.nft")),
    )
    .expect("write rules");
    // Debian's /etc/nftables.conf starts by flushing the ruleset; README's line goes at its end.
    let conf = etc.join("nftables.conf");
    fs::write(
        &conf,
        format!(
            "flush ruleset\n{}",
            moved(readme_block("# /etc/nftables.conf"))
        ),
    )
    .expect("write nftables.conf");

    // The binary is passed as $1 so no path is spliced into another one by text replacement.
    let script = format!(
        "set -e
        nft=\"$1\"
        \"$nft\" -c -f '{conf}'
        \"$nft\" -f '{conf}'
        \"$nft\" -f '{conf}'
        echo '=== after nftables.conf'
        \"$nft\" list chain inet mailtriage input
        \"$nft\" -f '{export}'
        echo '=== after the export alone'
        \"$nft\" list chain inet mailtriage input
        \"$nft\" get element inet mailtriage blocked_v4 '{{ 203.0.113.5, 198.51.100.7 }}'
        \"$nft\" get element inet mailtriage blocked_v6 '{{ 2001:db8:1:2::1 }}'",
        conf = conf.display(),
        export = export.display()
    );
    let Some(out) = in_netns(&script, &nft) else {
        prereq::skip(name, "unshare -n is not available here");
        return;
    };
    let listing = text(&out.stdout);
    assert!(
        out.status.success(),
        "nft rejected README's rules with the export: {}\n{listing}",
        text(&out.stderr)
    );
    let (_, after) = listing
        .split_once("=== after nftables.conf")
        .expect("first listing");
    let (first, second) = after
        .split_once("=== after the export alone")
        .expect("second listing");
    for (when, chain) in [("after nftables.conf", first), ("after the export", second)] {
        for rule in [
            "tcp dport { 25, 465, 587 } ip saddr @blocked_v4 drop",
            "tcp dport { 25, 465, 587 } ip6 saddr @blocked_v6 drop",
            "type filter hook input priority",
        ] {
            assert!(chain.contains(rule), "{when}: no {rule:?} in\n{chain}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// pf: no pfctl here, so the pieces README puts together are checked against each other.
// ---------------------------------------------------------------------------------------------

/// The text between `open` and the next `close` after it.
fn between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let (_, rest) = s
        .split_once(open)
        .unwrap_or_else(|| panic!("no {open:?} in {s}"));
    rest.split_once(close)
        .unwrap_or_else(|| panic!("no {close:?} after {open:?} in {s}"))
        .0
}

#[test]
fn pf_table_from_readme_reads_the_plain_export() {
    let pf = readme_block("# /etc/pf.conf");
    let table = between(&pf, "table <", ">");
    let file = between(&pf, "persist file \"", "\"");
    let rule = pf
        .lines()
        .find(|l| l.starts_with("block "))
        .expect("a block rule");
    assert!(
        rule.contains(&format!("from <{table}>")),
        "the rule does not use table <{table}>: {rule}"
    );
    assert!(rule.contains("port { 25 465 587 }"), "{rule}");
    let cron = readme_block("# crontab -e as root (OpenBSD: pf)");
    let line = cron
        .lines()
        .find(|l| l.contains("--format plain"))
        .expect("a plain export line");
    assert!(
        line.contains(&format!("-o {file} ")),
        "the export does not write {file}: {line}"
    );
    assert!(
        line.contains(&format!("pfctl -q -t {table} -T replace -f {file}")),
        "pfctl does not replace <{table}> from {file}: {line}"
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let out_file = tmp.path().join("blocked.txt");
    export_sample(tmp.path(), "plain", &out_file);
    let written = fs::read_to_string(&out_file).expect("read export");
    // pf's table file: one host, address or network per line (and `#` comments). The plain
    // export must hold nothing else: no ports, no spaces, no domains (pf would resolve them).
    let items: Vec<ipnet::IpNet> = written
        .lines()
        .map(|l| {
            l.parse::<ipnet::IpNet>()
                .or_else(|_| l.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .unwrap_or_else(|_| panic!("not an address or CIDR for pf: {l:?}"))
        })
        .collect();
    assert_eq!(
        items.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "192.0.2.0/24",
            "198.51.100.0/24",
            "203.0.113.5/32",
            "2001:db8:1:2::/64",
            "2001:db8:1:3::1/128"
        ]
    );
    assert!(written.ends_with('\n'), "{written:?}");
}

// ---------------------------------------------------------------------------------------------
// Cron.
// ---------------------------------------------------------------------------------------------

/// One cron line of README: its command split at `&&` into the export and the reload.
struct CronLine {
    export: String,
    reload: String,
}

/// The command lines of a README crontab block; `fields` is 6 for /etc/cron.d (with the user
/// field, which must be root) and 5 for a user's crontab.
fn cron_lines(first_line: &str, fields: usize) -> Vec<CronLine> {
    readme_block(first_line)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.splitn(fields + 1, ' ').collect();
            assert_eq!(parts.len(), fields + 1, "{l}");
            if fields == 6 {
                assert_eq!(parts[5], "root", "{l}");
            }
            let (export, reload) = parts[fields]
                .split_once(" && ")
                .unwrap_or_else(|| panic!("no `&&` reload in {l}"));
            assert!(
                export.starts_with("mailtriage -q block export "),
                "cron would mail every warning: {l}"
            );
            CronLine {
                export: export.to_owned(),
                reload: reload.to_owned(),
            }
        })
        .collect()
}

#[test]
fn cron_lines_from_readme_reload_only_when_the_export_changed() {
    let mut lines = cron_lines("# /etc/cron.d/mailtriage", 6);
    lines.extend(cron_lines("# crontab -e as root (OpenBSD: pf)", 5));
    assert!(lines.len() >= 4, "exim, postfix, nft and pf lines");

    let tmp = tempfile::tempdir().expect("tempdir");
    let tmp = tmp.path();
    let etc = tmp.join("etc");
    for d in ["exim4", "postfix", "nftables.d", "mailtriage"] {
        fs::create_dir_all(etc.join(d)).expect("mkdir");
    }
    let moved = |s: &str| s.replace("/etc/", &format!("{}/", etc.display()));
    // Every format leaves some of these out (domains, DKIM), which -q must keep quiet.
    let system = etc.join("mailtriage/blocklist");
    fs::write(
        &system,
        "192.0.2.77\n2001:db8::/32\ndomain:spam.example\ndkim:mailer.example\n",
    )
    .expect("write blocklist");

    // The commands cron would run find `mailtriage` and the reloads on PATH: the real binary
    // and recorders standing in for systemctl, postfix, nft and pfctl.
    let bin = tmp.join("bin");
    fs::create_dir_all(&bin).expect("mkdir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mailtriage"), bin.join("mailtriage"))
        .expect("symlink");
    let log = tmp.join("reloads.log");
    for tool in ["systemctl", "postfix", "nft", "pfctl", "invoke-rc.d"] {
        let p = bin.join(tool);
        fs::write(
            &p,
            format!("#!/bin/sh\necho \"{tool} $*\" >> '{}'\n", log.display()),
        )
        .expect("write recorder");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let env_cmd = |program: &str| {
        let mut c = Command::new(program);
        c.env("PATH", &path)
            .env_remove("MAILTRIAGE_BLOCKLIST")
            .env("MAILTRIAGE_SYSTEM_BLOCKLIST", &system)
            .env("XDG_CONFIG_HOME", tmp.join("config"))
            .env("HOME", tmp.join("home"));
        c
    };
    let reloads = || -> Vec<String> {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let cron_run = |line: &CronLine, want_status: i32, want_reload: bool| {
        let before = reloads();
        let command = moved(&format!("{} && {}", line.export, line.reload));
        let out = run(env_cmd("sh").args(["-c", &command]), None);
        assert_eq!(
            out.status.code(),
            Some(want_status),
            "{command}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "cron would mail this: {command}");
        let mut want = before;
        if want_reload {
            want.push(moved(&line.reload));
        }
        assert_eq!(reloads(), want, "{command}");
    };

    for line in &lines {
        cron_run(line, 0, true);
        cron_run(line, 3, false);
    }
    let add = run(
        env_cmd(env!("CARGO_BIN_EXE_mailtriage")).args(["block", "add", "198.51.100.0/24"]),
        None,
    );
    assert!(add.status.success(), "block add: {}", text(&add.stderr));
    for line in &lines {
        cron_run(line, 0, true);
        cron_run(line, 3, false);
    }
}
