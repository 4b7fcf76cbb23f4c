//! Telling a wrong input from a quiet Exim log: when no line at all was recognised,
//! `messages 0` would read as "nothing happened", so the CLI says what the input
//! looks like instead (a Postfix log, other syslog, not text at all).

use crate::model::Model;
use crate::parse::LineKind;
use crate::text::plural;

/// Lines looked at to guess what the input is: the first ones are enough, and a
/// huge file must not be read twice.
const SAMPLE_LINES: usize = 200;

/// What the input looks like when it is not an Exim main log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    Postfix,
    Syslog,
    Binary,
    Unknown,
}

/// The one-line complaint when no line of a non-empty input was recognised; `None`
/// for an Exim log (at least one line recognised) and for an empty or blank input.
pub fn not_exim(m: &Model) -> Option<String> {
    let n = m.line_count() as u64;
    if n == 0 || m.kind_count(LineKind::Unrecognized) < n {
        return None;
    }
    // Blank lines say nothing either way: a file of them is as empty as an empty file
    // (and this pass runs only when nothing was recognised).
    if (0..n as u32).all(|i| m.line(i).trim_ascii().is_empty()) {
        return None;
    }
    let lines: Vec<_> = (0..n.min(SAMPLE_LINES as u64) as u32)
        .map(|i| m.line(i))
        .collect();
    let sample: Vec<&[u8]> = lines.iter().map(|l| &**l).collect();
    let what = match guess(&sample) {
        Looks::Postfix => "; it looks like a Postfix log (mailtriage reads Exim's main log)",
        Looks::Syslog => "; it looks like a syslog file with no Exim lines",
        Looks::Binary => "; it is not text",
        Looks::Unknown => "",
    };
    let name = match m.sources.as_slice() {
        [one] => one.name.clone(),
        all => format!("the input ({})", plural(all.len() as u64, "file", "files")),
    };
    Some(format!(
        "{name} does not look like an Exim main log (0 of {} recognised){what}",
        plural(n, "line", "lines")
    ))
}

/// Guesses from sample lines: Postfix's `postfix/smtpd[123]:` tag, any other syslog
/// header, or bytes that are not text.
pub fn guess(lines: &[&[u8]]) -> Looks {
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let odd: usize = lines
        .iter()
        .flat_map(|l| l.iter())
        .filter(|&&b| b == 0 || (b < 0x20 && b != b'\t') || b == 0x7f)
        .count();
    if bytes > 0 && (odd * 20 > bytes || lines.iter().any(|l| l.contains(&0))) {
        return Looks::Binary;
    }
    if lines.iter().any(|l| postfix_tag(l)) {
        return Looks::Postfix;
    }
    if lines.iter().filter(|l| syslog_tag(l)).count() * 2 > lines.len() {
        return Looks::Syslog;
    }
    Looks::Unknown
}

/// `postfix/smtpd[123]:` or `postfix/qmgr[9]:` anywhere in the line.
fn postfix_tag(l: &[u8]) -> bool {
    l.windows(8).enumerate().any(|(i, w)| {
        w == b"postfix/" && {
            let rest = &l[i + 8..];
            let name = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'/')
                .count();
            name > 0 && matches!(rest.get(name), Some(b'[' | b':'))
        }
    })
}

/// A syslog header: `Mon dd hh:mm:ss host tag[pid]:` or an ISO timestamp, host and
/// `tag:`; told by a `]: ` or `: ` after the third (or second) field.
fn syslog_tag(l: &[u8]) -> bool {
    let text = String::from_utf8_lossy(l);
    let fields: Vec<&str> = text.split_whitespace().take(5).collect();
    let bsd = fields.len() >= 5
        && fields[0].len() == 3
        && fields[0].chars().all(|c| c.is_ascii_alphabetic())
        && fields[2].len() == 8
        && fields[2].as_bytes()[2] == b':'
        && fields[4].ends_with(':');
    let iso = fields.len() >= 3
        && fields[0].len() >= 19
        && fields[0].as_bytes()[4] == b'-'
        && fields[0].as_bytes()[10] == b'T'
        && fields[2].ends_with(':');
    bsd || iso
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_syslog_and_binary_are_told_apart() {
        let pf: &[u8] = b"Jan  2 03:04:05 mx postfix/smtpd[123]: connect from unknown[192.0.2.1]";
        assert_eq!(guess(&[pf]), Looks::Postfix);
        let sys: &[u8] = b"Jan  2 03:04:05 mx sshd[99]: Accepted publickey for root";
        assert_eq!(guess(&[sys]), Looks::Syslog);
        let iso: &[u8] = b"2024-01-02T03:04:05.123+00:00 mx kernel: eth0 up";
        assert_eq!(guess(&[iso]), Looks::Syslog);
        let bin: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0";
        assert_eq!(guess(&[bin]), Looks::Binary);
        let shadow: &[u8] = b"root:$6$abc$def:19000:0:99999:7:::";
        assert_eq!(guess(&[shadow]), Looks::Unknown);
    }
}
