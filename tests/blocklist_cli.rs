//! The `block` subcommands driven through clap as `mailtriage block ...` will be.

use std::fs;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use mailtriage::blocklist::OwnedFacts;
use mailtriage::cli::block::{BlockArgs, LogFacts, run_with};

/// Mirrors how the top-level CLI registers `block`.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand)]
enum Top {
    Block(BlockArgs),
}

struct Outcome {
    code: i32,
    out: String,
    err: String,
}

fn arrivals(_files: &[PathBuf]) -> anyhow::Result<LogFacts> {
    let facts: Vec<OwnedFacts> =
        serde_json::from_str(include_str!("fixtures/blocklist/arrivals.json"))?;
    Ok(facts.into())
}

fn block(list: &Path, args: &[&str]) -> anyhow::Result<Outcome> {
    // This host's own addresses would make the documentation ranges used here risky entries
    // on a test machine that happens to sit in them.
    let argv = ["mailtriage", "block", "--no-host-addrs", "--blocklist"]
        .into_iter()
        .map(String::from)
        .chain([list.display().to_string()])
        .chain(args.iter().map(|s| s.to_string()));
    let Top::Block(args) = Cli::try_parse_from(argv)?.command;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with(&args, &mut out, &mut err, arrivals)?;
    Ok(Outcome {
        code,
        out: String::from_utf8(out)?,
        err: String::from_utf8(err)?,
    })
}

#[test]
fn add_list_rm_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("conf/blocklist");
    let o = block(
        &list,
        &["add", "192.0.2.77/24", "--comment", "snowshoe\nrun"],
    )
    .expect("add");
    assert_eq!(
        (o.code, o.out.as_str()),
        (
            0,
            format!("added 192.0.2.0/24 to {}\n", list.display()).as_str()
        )
    );
    let o = block(&list, &["add", "192.0.2.1/24"]).expect("add again");
    assert!(o.out.contains("already in"), "{}", o.out);
    block(&list, &["add", "domain:Spam.Example"]).expect("add domain");

    let text = fs::read_to_string(&list).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("192.0.2.0/24 # added 20"), "{text}");
    assert!(lines[0].ends_with("; snowshoe run"), "{text}");

    let o = block(&list, &["list"]).expect("list");
    let listed: Vec<&str> = o.out.lines().map(str::trim_start).collect();
    assert!(
        listed[0].starts_with("1  192.0.2.0/24  # added"),
        "{}",
        o.out
    );
    assert_eq!(
        listed[1],
        format!("2  {}", lines[1].replacen(" # ", "  # ", 1))
    );

    let o = block(&list, &["rm", "192.0.2.200/24"]).expect("rm");
    assert_eq!(o.code, 0);
    let o = block(&list, &["rm", "192.0.2.0/24"]).expect("rm twice");
    assert_eq!(o.code, 1);
    assert!(o.err.contains("not in"), "{}", o.err);
    assert!(
        fs::read_to_string(&list)
            .expect("read")
            .starts_with("domain:spam.example # added")
    );
}

#[test]
fn hostile_entries_are_refused_by_add_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    fs::write(&list, "# mine\n").expect("write");
    for bad in [
        "1.2.3.4; rm -rf",
        "domain:exa mple.org",
        "192.0.2.1\n10.0.0.0/8",
        "dkim:\u{1b}x.example",
    ] {
        let err = block(&list, &["add", bad]).err().expect("refused");
        assert!(format!("{err:#}").contains("cannot use"), "{err:#}");
    }
    assert_eq!(fs::read_to_string(&list).expect("read"), "# mine\n");
}

#[test]
fn list_reports_foreign_lines_with_their_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    fs::write(&list, "192.0.2.1\nrubbish here\n").expect("write");
    let o = block(&list, &["list"]).expect("list");
    assert_eq!(o.out.trim(), "1  192.0.2.1");
    assert!(o.err.contains(":2: kept as is"), "{}", o.err);
}

#[test]
fn check_counts_messages_and_senders_per_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    fs::write(
        &list,
        "192.0.2.0/24\n# note\ndkim:mailer.example\n203.0.113.0/24\n",
    )
    .expect("write");
    let o = block(&list, &["check", "mainlog"]).expect("check");
    assert_eq!(
        o.out,
        "    1  192.0.2.0/24  5 messages from 3 senders: 192.0.2.10, 192.0.2.11, 192.0.2.200\n\
         \x20   3  dkim:mailer.example  2 messages from 2 senders: 198.51.100.20, 2001:db8:1:2::/64\n\
         \x20   4  203.0.113.0/24  0 messages from 0 senders\n"
    );
}

#[test]
fn export_to_stdout_file_and_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    fs::write(
        &list,
        "192.0.2.0/25\n192.0.2.128/25\n2001:db8::1\ndomain:spam.example\n",
    )
    .expect("write");

    let o = block(&list, &["export", "--format", "plain"]).expect("plain");
    assert_eq!(o.out, "192.0.2.0/24\n2001:db8::1\n");
    assert!(o.err.contains("left out: domain:spam.example"), "{}", o.err);

    let out_file = dir.path().join("blocked.nft");
    let o = block(
        &list,
        &[
            "export",
            "--format",
            "nft",
            "-o",
            out_file.to_str().expect("utf8"),
        ],
    )
    .expect("nft");
    assert!(o.out.is_empty());
    assert!(
        fs::read_to_string(&out_file)
            .expect("read")
            .contains("192.0.2.0/24,")
    );

    let exim_dir = dir.path().join("exim");
    block(
        &list,
        &[
            "export",
            "--format",
            "exim",
            "-o",
            exim_dir.to_str().expect("utf8"),
        ],
    )
    .expect("exim");
    let domains = fs::read_to_string(exim_dir.join("sender_domains")).expect("read");
    assert!(
        domains.ends_with("spam.example\n*.spam.example\n"),
        "{domains}"
    );
    assert!(exim_dir.join("hosts").is_file() && exim_dir.join("dkim_domains").is_file());

    let o = block(&list, &["export", "--format", "postfix"]).expect("postfix");
    assert!(
        o.out.starts_with("# ==> client_access.cidr <==\n"),
        "{}",
        o.out
    );
    assert!(o.out.contains("# ==> sender_access <==\n"), "{}", o.out);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("blocklist");
    assert!(block(&list, &["export", "--format", "csv"]).is_err());
}
