//! "Did you mean": a file argument that does not exist but names a subcommand (misspelt,
//! or given after the files) is almost surely a command line in the wrong order, and
//! "no such file" would send the user looking for a file.

use std::ffi::OsString;
use std::path::Path;

/// Edits (insertions, deletions, substitutions) from `a` to `b`.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diag = above;
        }
    }
    row[b.len()]
}

/// The subcommand a missing file most likely meant: its exact name (a subcommand after
/// the files), else the closest name within two edits.
pub fn subcommand_for<'a>(arg: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (distance(arg, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// For the interactive view's FILE arguments: the one-line error for the first that does
/// not exist and looks like a subcommand, with the command line it probably meant (the
/// subcommand first, the other arguments after it).
pub fn misplaced_subcommand(files: &[std::path::PathBuf], names: &[&str]) -> Option<String> {
    let argv: Vec<OsString> = std::env::args_os().skip(1).collect();
    files.iter().find_map(|f| {
        let text = f.to_str()?;
        if text == "-" || Path::new(f).symlink_metadata().is_ok() {
            return None;
        }
        let sub = subcommand_for(text, names)?;
        let rest: Vec<String> = argv
            .iter()
            .filter(|a| a.as_os_str() != f.as_os_str())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let rest = if rest.is_empty() {
            "…".to_string()
        } else {
            rest.join(" ")
        };
        Some(format!(
            "no file `{text}`; did you mean `mailtriage {sub} {rest}`?"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("sumary", "summary"), 1);
        assert_eq!(distance("sendres", "senders"), 2);
        assert_eq!(distance("", "man"), 3);
        assert_eq!(distance("grep", "grep"), 0);
    }

    #[test]
    fn only_near_names_are_suggested() {
        let names = ["summary", "senders", "man", "lines"];
        assert_eq!(subcommand_for("sumary", &names), Some("summary"));
        assert_eq!(subcommand_for("summary", &names), Some("summary"));
        assert_eq!(subcommand_for("mainlog", &names), None);
        assert_eq!(subcommand_for("/var/log/exim4/mainlog", &names), None);
    }
}
