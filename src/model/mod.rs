//! The index: every line of every input, grouped into message transactions, with
//! what triage needs about each message kept in compact structs.
//!
//! Owns no presentation: the TUI and CLI read it through `query`. Lines are offsets
//! into the sources (never copied), strings are interned, ids are integers. The
//! model is appendable: `live::Live` keeps a load's builder and folds in the
//! lines `follow::Follower` reads from a growing file.

pub mod budget;
pub mod build;
pub mod compact;
pub mod fault;
mod fingerprint;
pub mod follow;
mod huge;
mod in_order;
pub mod intern;
pub mod line_text;
pub mod lines;
pub mod live;
pub mod load;
pub mod packed;
mod prefetch;
mod readahead;
pub mod rotation;
pub mod source;
pub mod tail;
pub mod watch;

use std::net::IpAddr;

use crate::parse::{DkimResult, DkimStatus, Family, LineKind, MsgId, SigResult};
pub use build::Builder;
pub use intern::{Interner, NONE};
pub use line_text::LineText;
pub use load::{LoadError, LoadOptions, Progress, load};
pub use source::Source;

/// What a message came to, derived from its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// `rejected after DATA` and friends: an id, but never accepted.
    Rejected,
    Bounced,
    /// Some recipients delivered, some bounced.
    Partial,
    Delivered,
    Frozen,
    Deferred,
    /// Arrived, nothing delivered yet (or the rest is in another file).
    Queued,
    /// Only lines without an arrival (e.g. a delivery whose `<=` is in an older file).
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Rejected => "rejected",
            Outcome::Bounced => "bounced",
            Outcome::Partial => "partial",
            Outcome::Delivered => "delivered",
            Outcome::Frozen => "frozen",
            Outcome::Deferred => "deferred",
            Outcome::Queued => "queued",
            Outcome::Unknown => "unknown",
        }
    }
}

pub mod flags {
    pub const ARRIVED: u16 = 1;
    pub const DELIVERED: u16 = 1 << 1;
    pub const BOUNCED: u16 = 1 << 2;
    pub const DEFERRED: u16 = 1 << 3;
    pub const COMPLETED: u16 = 1 << 4;
    pub const FROZEN: u16 = 1 << 5;
    pub const REJECTED: u16 = 1 << 6;
    pub const TLS: u16 = 1 << 7;
    pub const AUTH: u16 = 1 << 8;
    pub const BOUNCE_MSG: u16 = 1 << 9;
    pub const FAKE_REJECT: u16 = 1 << 10;
    pub const LOCAL: u16 = 1 << 11;
    /// At least one of the message's DKIM signatures failed (`verification
    /// failed`), whatever its per-message status (another may have passed).
    pub const SIG_FAIL: u16 = 1 << 12;
    /// At least one of its signatures was `invalid` (no key, bad key record…).
    pub const SIG_INVALID: u16 = 1 << 13;
}

/// One message transaction. 56 bytes; a 1 GiB log has about 1.3 M of them.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: MsgId,
    /// Arrival time if it arrived, else the time of its first line.
    pub time: i64,
    /// `S=` of the arrival; a (theoretical) message over 4 GiB counts as 4 GiB.
    pub size: u32,
    pub first_line: u32,
    pub last_line: u32,
    pub arrival_line: u32,
    /// Interned envelope sender (`NONE` if unknown; empty string for `<>`).
    pub sender: u32,
    /// Index into `Model::ips`, or `NONE`.
    pub ip: u32,
    /// Interned client name: the verified reverse name, else the HELO (the `host`
    /// key). HELO, protocol and the rest are read from the arrival line on demand.
    pub host: u32,
    pub flags: u16,
    pub dkim: DkimStatus,
}

impl Message {
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }

    pub fn outcome(&self) -> Outcome {
        use flags::*;
        if self.has(REJECTED) && !self.has(ARRIVED) {
            Outcome::Rejected
        } else if self.has(BOUNCED) && self.has(DELIVERED) {
            Outcome::Partial
        } else if self.has(BOUNCED) {
            Outcome::Bounced
        } else if self.has(DELIVERED) {
            Outcome::Delivered
        } else if self.has(FROZEN) {
            Outcome::Frozen
        } else if self.has(DEFERRED) {
            Outcome::Deferred
        } else if self.has(ARRIVED) {
            Outcome::Queued
        } else {
            Outcome::Unknown
        }
    }
}

/// One DKIM signature: a `DKIM:` line, or the arrival's `DKIM=` tag when no
/// `DKIM:` line of that domain passed before it. A `DKIM=` tag naming the domain
/// of a passing `DKIM:` line of the same message is that signature, not a
/// second one (it gets [`sig_flags::TAG`]). 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub msg: u32,
    /// The `DKIM:` line (the arrival line for a signature known only from `DKIM=`).
    pub line: u32,
    /// Interned `d=` as logged (`NONE` when the line has none).
    pub domain: u32,
    /// Interned `s=` (`NONE` when not logged, as for `DKIM=`).
    pub selector: u32,
    /// Where the text inside the result's brackets (`verification failed - …`)
    /// starts in the line and how long it is; `text_len == 0` when not kept (then
    /// [`Model::signature_text`] reads the line again).
    pub text_at: u16,
    pub text_len: u16,
    pub algo: SigAlgo,
    /// Pass, fail or invalid, as the per-message status folds it (`other` counts
    /// as invalid here, as it always has; kept for the code that reads it).
    pub result: DkimResult,
    /// The result with `other` kept apart: what the per-signature counts read.
    pub verdict: SigResult,
    /// [`sig_flags`].
    pub flags: u8,
}

pub mod sig_flags {
    /// The arrival's `DKIM=` named this signature's domain (the first that passed).
    pub const TAG: u8 = 1;
    /// Known only from `DKIM=` (no `DKIM:` line logged): no selector, algorithm or text.
    pub const TAG_ONLY: u8 = 2;
    /// pdkim's `[failed key import]` line; the signature's own result line, when
    /// logged after it, takes its place.
    pub const KEY_IMPORT: u8 = 4;
}

/// A signature's `a=`, as a small number (the text is `as_str`, or the line's for `Other`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[repr(u8)]
pub enum SigAlgo {
    /// Not logged (`DKIM=`, or a line without `a=`).
    #[default]
    Unknown,
    RsaSha1,
    RsaSha256,
    RsaSha512,
    Ed25519Sha256,
    /// Another text: read it from the line.
    Other,
}

impl SigAlgo {
    pub fn from_bytes(a: Option<&[u8]>) -> SigAlgo {
        let Some(a) = a else {
            return SigAlgo::Unknown;
        };
        for (name, v) in [
            (&b"rsa-sha256"[..], SigAlgo::RsaSha256),
            (b"rsa-sha1", SigAlgo::RsaSha1),
            (b"ed25519-sha256", SigAlgo::Ed25519Sha256),
            (b"rsa-sha512", SigAlgo::RsaSha512),
        ] {
            if a.eq_ignore_ascii_case(name) {
                return v;
            }
        }
        SigAlgo::Other
    }

    fn from_u8(v: u8) -> SigAlgo {
        match v {
            1 => SigAlgo::RsaSha1,
            2 => SigAlgo::RsaSha256,
            3 => SigAlgo::RsaSha512,
            4 => SigAlgo::Ed25519Sha256,
            5 => SigAlgo::Other,
            _ => SigAlgo::Unknown,
        }
    }

    /// The text Exim logs, for the known ones.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            SigAlgo::RsaSha1 => Some("rsa-sha1"),
            SigAlgo::RsaSha256 => Some("rsa-sha256"),
            SigAlgo::RsaSha512 => Some("rsa-sha512"),
            SigAlgo::Ed25519Sha256 => Some("ed25519-sha256"),
            SigAlgo::Unknown | SigAlgo::Other => None,
        }
    }
}

/// A signature's text fields packed into `compact::Rec::size`: where the result
/// text is in the line (offset, length) and the algorithm.
pub mod sig_bits {
    use super::SigAlgo;

    pub fn pack(text_at: u16, text_len: u16, algo: SigAlgo) -> u64 {
        text_at as u64 | (text_len as u64) << 16 | (algo as u8 as u64) << 32
    }

    pub fn unpack(v: u64) -> (u16, u16, SigAlgo) {
        (
            v as u16,
            (v >> 16) as u16,
            SigAlgo::from_u8((v >> 32) as u8),
        )
    }
}

/// A spam scanner's score for a message (sa-exim `SA: Action: … score=18.8
/// required=5.0`), in tenths of a point as SpamAssassin prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpamScore {
    /// `score=18.8` → 188.
    pub tenths: i16,
    /// `required=5.0` → 50, when logged.
    pub required_tenths: Option<i16>,
}

impl SpamScore {
    pub fn score(self) -> f32 {
        f32::from(self.tenths) / 10.0
    }

    /// Whether the score reached the threshold, when the threshold was logged.
    pub fn is_spam(self) -> Option<bool> {
        self.required_tenths.map(|r| self.tenths >= r)
    }
}

/// A recipient named by an arrival's `for` list, a delivery, deferral or bounce.
#[derive(Debug, Clone, Copy)]
pub struct Recipient {
    pub msg: u32,
    pub addr: u32,
}

/// A line with a client but no accepted message: rejections, auth failures,
/// session events. This is how a spammer that never got a message through shows up.
#[derive(Debug, Clone, Copy)]
pub struct PeerEvent {
    pub line: u32,
    pub time: i64,
    pub ip: u32,
    pub sender: u32,
    pub host: u32,
}

impl Model {
    /// Whether line `line` is a `session` line that is a protocol error.
    pub fn is_protocol_error(&self, line: u32) -> bool {
        self.protocol_errors.binary_search(&line).is_ok()
    }

    /// What kind of line a peer event is (kept once, in `line_kind`).
    pub fn peer_kind(&self, p: &PeerEvent) -> LineKind {
        self.line_kind
            .get(p.line as usize)
            .copied()
            .unwrap_or(LineKind::Unrecognized)
    }
}

/// `Clone` is for the live view: a copy is cheap next to a load (the text is
/// shared, `Arc<Source>`), so one thread can append while another reads a snapshot.
#[derive(Default, Clone)]
pub struct Model {
    pub sources: Vec<std::sync::Arc<Source>>,
    /// Global offset of each line's first byte.
    pub line_start: lines::LineStarts,
    pub line_kind: Vec<LineKind>,
    /// Message index of each line, or `NONE`.
    pub line_msg: Vec<u32>,
    /// Next line of the same message, or `NONE`.
    pub line_next: lines::LineLinks,
    pub messages: Vec<Message>,
    pub signatures: Vec<Signature>,
    pub recipients: Vec<Recipient>,
    pub peer_events: Vec<PeerEvent>,
    /// The `session` lines that are protocol errors, ascending: tested on the
    /// parser threads while the line is at hand (`parse::exim::is_protocol_error`),
    /// not read again from the log on every count. See [`Model::is_protocol_error`].
    pub protocol_errors: Vec<u32>,
    /// Spam scores by message index; only scanned messages have one (the last
    /// scan logged wins). See [`Model::spam_score`].
    pub spam: rustc_hash::FxHashMap<u32, SpamScore>,
    pub strings: Interner,
    pub ips: Vec<IpAddr>,
    /// The server's own addresses, from the `I=[addr]:port` of arrivals, sorted: blocking one
    /// of them would block the server itself.
    pub interfaces: Vec<IpAddr>,
    pub kind_counts: [u64; LineKind::ALL.len()],
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    pub(crate) index: build::MsgIndex,
}

impl Model {
    pub fn line_count(&self) -> usize {
        self.line_start.len()
    }

    fn source_of(&self, start: u64) -> Option<&Source> {
        let i = self.sources.partition_point(|s| s.base <= start);
        self.sources.get(i.checked_sub(1)?).map(|s| &**s)
    }

    /// The names of the files read, in order: a followed file read in pieces is
    /// named once (a rotation or truncation starts it again).
    pub fn files(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| !s.continues())
            .map(|s| s.name.clone())
            .collect()
    }

    /// Inputs known to have been truncated or rewritten since they were mapped
    /// (no system call; `check_sources` looks at the files).
    pub fn changed_sources(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().map(|s| &**s).filter(|s| s.changed())
    }

    /// Looks at every mapped input (an `fstat` and two small reads each) and
    /// returns the names of those that changed. Call it before showing lines:
    /// from then on a changed input's lines read as its notice.
    pub fn check_sources(&self) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| s.check())
            .map(|s| s.name.as_str())
            .collect()
    }

    /// The bytes of line `i`, without its terminator. For an input that changed
    /// on disk since it was mapped, a notice saying so: what sits at the old
    /// offsets now is another file's text.
    pub fn line(&self, i: u32) -> LineText<'_> {
        let i = i as usize;
        let Some(start) = self.line_start.get(i) else {
            return LineText::default();
        };
        let Some(src) = self.source_of(start) else {
            return LineText::default();
        };
        let end = src.base + src.len();
        let to = match self.line_start.get(i + 1) {
            Some(next) if next > start && next <= end => next,
            _ => end,
        };
        let from = (start - src.base) as usize;
        src.text(from, (to - src.base) as usize)
            .narrow(lines::without_terminator)
    }

    /// Where a line came from: its input's name and its number in that input,
    /// counted from 1 (as `FILE:N`).
    pub fn line_place(&self, i: u32) -> Option<(&str, usize)> {
        let start = self.line_start.get(i as usize)?;
        let mut at = self
            .sources
            .partition_point(|s| s.base <= start)
            .checked_sub(1)?;
        let src = self.sources.get(at)?;
        // A followed file's pieces are one file: count from its first piece.
        while at > 0 && self.sources.get(at).is_some_and(|s| s.continues()) {
            at -= 1;
        }
        let base = self.sources.get(at).map_or(src.base, |s| s.base);
        let first = self.line_start.partition_point(|x| x < base);
        Some((src.name.as_str(), (i as usize).saturating_sub(first) + 1))
    }

    pub fn kind_count(&self, k: LineKind) -> u64 {
        self.kind_counts[k as usize]
    }

    /// Lines of a message, in log order.
    pub fn message_lines(&self, msg: u32) -> MessageLines<'_> {
        let next = self
            .messages
            .get(msg as usize)
            .map_or(NONE, |m| m.first_line);
        MessageLines { model: self, next }
    }

    pub fn find_message(&self, id: MsgId) -> Option<u32> {
        self.index.get(id, &self.messages)
    }

    /// Indices into `signatures` of message `msg`'s signatures, in log order.
    /// Signatures are kept in line order, so each of the message's `DKIM:` and
    /// arrival lines finds its own by binary search.
    pub fn signatures_of(&self, msg: u32) -> Vec<u32> {
        let mut out = Vec::new();
        for line in self.message_lines(msg) {
            let k = self.line_kind.get(line as usize).copied();
            if k != Some(LineKind::DkimSignature) && k != Some(LineKind::Arrival) {
                continue;
            }
            let mut j = self.signatures.partition_point(|s| s.line < line);
            while let Some(s) = self.signatures.get(j) {
                if s.line != line {
                    break;
                }
                out.push(j as u32);
                j += 1;
            }
        }
        out
    }

    /// The text inside a signature's result brackets, as logged:
    /// `verification failed - signature did not verify (headers probably
    /// modified in transit)`, `invalid - public key record (currently?)
    /// unavailable`. `None` for a signature known only from `DKIM=`.
    pub fn signature_text(&self, s: &Signature) -> Option<LineText<'_>> {
        if s.flags & sig_flags::TAG_ONLY != 0 {
            return None;
        }
        let line = self.line(s.line);
        if s.text_len > 0 {
            let at = s.text_at as usize;
            if line.get(at..at + s.text_len as usize).is_some() {
                return line.try_narrow(|l| l.get(at..at + s.text_len as usize));
            }
        }
        line.try_narrow(|l| {
            match crate::parse::exim::parse_line(l, &crate::parse::ParseContext::default()).payload
            {
                crate::parse::Payload::Dkim(d) => Some(d.result_text),
                _ => None,
            }
        })
    }

    /// Why a signature did not pass: the result text after ` - `
    /// (`signature did not verify (headers probably modified in transit)`), or
    /// the whole text when it has no reason part (`failed key import`, `not
    /// verified`). `None` for a pass.
    pub fn signature_reason(&self, s: &Signature) -> Option<LineText<'_>> {
        if s.verdict == SigResult::Pass {
            return None;
        }
        let t = self.signature_text(s)?;
        Some(t.narrow(|t| match memchr::memmem::find(t, b" - ") {
            Some(i) => t.get(i + 3..).unwrap_or(t),
            None => t,
        }))
    }

    /// A signature's `a=` text, when logged.
    pub fn signature_algorithm(&self, s: &Signature) -> Option<LineText<'_>> {
        if let Some(a) = s.algo.as_str() {
            return Some(LineText::borrowed(a.as_bytes()));
        }
        if s.algo == SigAlgo::Unknown {
            return None;
        }
        self.line(s.line).try_narrow(|l| {
            match crate::parse::exim::parse_line(l, &crate::parse::ParseContext::default()).payload
            {
                crate::parse::Payload::Dkim(d) => d.algorithm,
                _ => None,
            }
        })
    }

    /// The spam score a scanner logged for message `msg`, if any.
    pub fn spam_score(&self, msg: u32) -> Option<SpamScore> {
        self.spam.get(&msg).copied()
    }

    pub fn ip(&self, idx: u32) -> Option<IpAddr> {
        self.ips.get(idx as usize).copied()
    }

    pub fn family(&self, m: &Message) -> Family {
        Family::of(self.ip(m.ip))
    }

    pub fn str(&self, id: u32) -> &[u8] {
        self.strings.get(id)
    }

    /// Bytes of the heap this model holds (the mapped files not included).
    pub fn heap_bytes(&self) -> usize {
        self.heap_parts().iter().map(|(_, n)| n).sum()
    }

    /// `heap_bytes` by part, for the load benchmark: what to shrink next.
    pub fn heap_parts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("sources", self.sources.iter().map(|s| s.heap_bytes()).sum()),
            ("line_start", self.line_start.capacity_bytes()),
            ("line_kind", self.line_kind.capacity()),
            ("line_msg", self.line_msg.capacity() * 4),
            ("line_next", self.line_next.capacity_bytes()),
            (
                "messages",
                self.messages.capacity() * std::mem::size_of::<Message>(),
            ),
            (
                "signatures",
                self.signatures.capacity() * std::mem::size_of::<Signature>(),
            ),
            (
                "recipients",
                self.recipients.capacity() * std::mem::size_of::<Recipient>(),
            ),
            (
                "peer_events",
                self.peer_events.capacity() * std::mem::size_of::<PeerEvent>(),
            ),
            (
                "protocol_errors",
                self.protocol_errors.capacity() * std::mem::size_of::<u32>(),
            ),
            (
                "spam",
                self.spam.capacity() * (std::mem::size_of::<(u32, SpamScore)>() + 1),
            ),
            ("strings", self.strings.heap_bytes()),
            ("ips", self.ips.capacity() * std::mem::size_of::<IpAddr>()),
            ("id index", self.index.heap_bytes()),
        ]
    }
}

pub struct MessageLines<'m> {
    model: &'m Model,
    next: u32,
}

impl Iterator for MessageLines<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.next == NONE {
            return None;
        }
        let cur = self.next;
        self.next = self.model.line_next.get(cur)?;
        Some(cur)
    }
}

#[cfg(test)]
mod tests {
    /// The memory budget (a quarter of the log's size) rests on these sizes.
    #[test]
    fn compact_sizes() {
        assert_eq!(std::mem::size_of::<super::Message>(), 56);
        assert_eq!(std::mem::size_of::<super::Signature>(), 24);
        assert_eq!(std::mem::size_of::<super::Recipient>(), 8);
        assert_eq!(std::mem::size_of::<super::PeerEvent>(), 24);
    }
}
