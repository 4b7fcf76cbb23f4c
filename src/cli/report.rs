//! Errors as one line: `mailtriage: ` and the message, each cause once. Wrapped errors
//! often quote their source (`{path}: {source}`), and anyhow's `{:#}` would print the
//! source again after it; multi-line texts (a regex's caret diagram, clap's usage)
//! would spread one error over several lines.

/// The error and its causes joined by `: `, leaving out a cause whose text the
/// message before it already contains, on one line.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = flatten(&cause.to_string());
        if text.is_empty() || msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

/// A multi-line text on one line: its non-empty lines trimmed and joined by `; `.
pub fn flatten(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}

/// A regex syntax error as its cause alone: the crate's text is a diagram of the
/// pattern with a caret and `error: …` on its last line.
pub fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    last.trim().trim_start_matches("error: ").to_string()
}

/// A clap usage error on one line: its message and tips, without the usage block and the
/// "For more information" line, and where to look instead (`help`, as
/// `mailtriage senders --help`).
pub fn clap_error(e: &clap::Error, help: &str) -> String {
    let text = e.render().to_string();
    let mut msg = String::new();
    for line in text.lines().map(str::trim) {
        // The usage block comes after the message and its tips, and runs to the end.
        if line.starts_with("Usage:") {
            break;
        }
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        let line = line
            .trim_start_matches("error: ")
            .trim_start_matches("tip: ");
        if !msg.is_empty() {
            msg.push_str(if msg.ends_with(':') { " " } else { "; " });
        }
        msg.push_str(line);
    }
    format!("{msg} (see `{help}`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_quoted_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "unexpected end of file");
        let e =
            anyhow::Error::new(io).context("x.gz: not a valid gzip file: unexpected end of file");
        assert_eq!(
            one_line(&e),
            "x.gz: not a valid gzip file: unexpected end of file"
        );
        let e = anyhow::anyhow!("permission denied").context("reading /x");
        assert_eq!(one_line(&e), "reading /x: permission denied");
    }

    #[test]
    fn a_regex_error_is_its_last_line() {
        // Built at run time: a literal bad pattern is what clippy rightly refuses.
        let pattern = String::from("(");
        let Err(e) = regex::Regex::new(&pattern) else {
            panic!("`(` is not a regex");
        };
        assert_eq!(regex_error(&e), "unclosed group");
    }

    #[test]
    fn a_clap_error_keeps_its_message_and_tips_only() {
        use clap::{Arg, Command};
        let cmd = || {
            Command::new("mailtriage")
                .arg(Arg::new("kind").long("kind").required(true))
                .override_usage("mailtriage [OPTIONS]\n       mailtriage <COMMAND>")
        };
        let e = cmd()
            .try_get_matches_from(["mailtriage"])
            .expect_err("missing");
        let text = clap_error(&e, "mailtriage lines --help");
        assert_eq!(
            text,
            "the following required arguments were not provided: --kind <kind> (see `mailtriage lines --help`)"
        );
    }
}
