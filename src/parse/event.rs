//! The event vocabulary: what one log line says, borrowed from the line's bytes.

use std::net::IpAddr;

use super::msgid::MsgId;

/// What kind of line this is. Stored per line in the model (one byte), so the
/// order and values are part of the in-memory format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum LineKind {
    Arrival,
    FakeReject,
    Delivery,
    DeliveryMore,
    Cutthrough,
    Suppressed,
    Bounce,
    Deferral,
    DkimSignature,
    DkimOther,
    Rejection,
    SenderVerifyFail,
    Session,
    AuthFailure,
    HostAttempt,
    Completed,
    Frozen,
    Lifecycle,
    QueueRun,
    Daemon,
    /// ACL `warn` text about a client: `H=… Warning: …` (the client's line).
    AclWarning,
    /// A spam scanner's line, e.g. sa-exim `SA: Action: … score=… required=…`.
    SpamScan,
    /// `+arguments`: `cwd=/var/spool/exim 2 args: /usr/sbin/exim -q`.
    Arguments,
    /// A line that starts with a space: more of the line above.
    Continuation,
    Unrecognized,
}

impl LineKind {
    pub const ALL: [LineKind; 25] = [
        LineKind::Arrival,
        LineKind::FakeReject,
        LineKind::Delivery,
        LineKind::DeliveryMore,
        LineKind::Cutthrough,
        LineKind::Suppressed,
        LineKind::Bounce,
        LineKind::Deferral,
        LineKind::DkimSignature,
        LineKind::DkimOther,
        LineKind::Rejection,
        LineKind::SenderVerifyFail,
        LineKind::Session,
        LineKind::AuthFailure,
        LineKind::HostAttempt,
        LineKind::Completed,
        LineKind::Frozen,
        LineKind::Lifecycle,
        LineKind::QueueRun,
        LineKind::Daemon,
        LineKind::AclWarning,
        LineKind::SpamScan,
        LineKind::Arguments,
        LineKind::Continuation,
        LineKind::Unrecognized,
    ];

    pub fn from_u8(v: u8) -> LineKind {
        LineKind::ALL
            .get(v as usize)
            .copied()
            .unwrap_or(LineKind::Unrecognized)
    }

    pub fn is_rejection(self) -> bool {
        matches!(self, LineKind::Rejection | LineKind::SenderVerifyFail)
    }

    pub fn name(self) -> &'static str {
        match self {
            LineKind::Arrival => "arrival",
            LineKind::FakeReject => "fake_reject",
            LineKind::Delivery => "delivery",
            LineKind::DeliveryMore => "delivery_more",
            LineKind::Cutthrough => "cutthrough",
            LineKind::Suppressed => "suppressed",
            LineKind::Bounce => "bounce",
            LineKind::Deferral => "deferral",
            LineKind::DkimSignature => "dkim",
            LineKind::DkimOther => "dkim_other",
            LineKind::Rejection => "rejection",
            LineKind::SenderVerifyFail => "sender_verify_fail",
            LineKind::Session => "session",
            LineKind::AuthFailure => "auth_failure",
            LineKind::HostAttempt => "host_attempt",
            LineKind::Completed => "completed",
            LineKind::Frozen => "frozen",
            LineKind::Lifecycle => "lifecycle",
            LineKind::QueueRun => "queue_run",
            LineKind::Daemon => "daemon",
            LineKind::AclWarning => "acl_warning",
            LineKind::SpamScan => "spam_scan",
            LineKind::Arguments => "arguments",
            LineKind::Continuation => "continuation",
            LineKind::Unrecognized => "unrecognized",
        }
    }
}

/// The result of one DKIM signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum DkimResult {
    Pass,
    Fail,
    Invalid,
}

/// The result of one DKIM signature as the per-signature counts read it:
/// [`DkimResult`] with the results that are neither a pass, a failure nor a
/// key or signature problem kept apart (`[not verified]`, an ACL's `none`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum SigResult {
    /// `[verification succeeded]`, or an ACL's `pass`.
    Pass,
    /// `[verification failed - …]`, or an ACL's `fail - …`.
    Fail,
    /// `[invalid - …]` (no key, bad key record, bad signature tags) and
    /// `[failed key import]`.
    Invalid,
    /// Anything else: `[not verified]`, an ACL's `none - …`, a text Exim does not write.
    #[default]
    Other,
}

impl SigResult {
    pub const ALL: [SigResult; 4] = [
        SigResult::Pass,
        SigResult::Fail,
        SigResult::Invalid,
        SigResult::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SigResult::Pass => "pass",
            SigResult::Fail => "fail",
            SigResult::Invalid => "invalid",
            SigResult::Other => "other",
        }
    }

    /// The three-way result the per-message status folds (`Other` counts as
    /// `Invalid` there, as it always has).
    pub fn coarse(self) -> DkimResult {
        match self {
            SigResult::Pass => DkimResult::Pass,
            SigResult::Fail => DkimResult::Fail,
            SigResult::Invalid | SigResult::Other => DkimResult::Invalid,
        }
    }
}

/// A message's DKIM status: pass if any signature verified, else fail if any
/// failed, else invalid if any other result, else none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum DkimStatus {
    Pass,
    Fail,
    Invalid,
    None,
}

impl DkimStatus {
    pub const ALL: [DkimStatus; 4] = [
        DkimStatus::Pass,
        DkimStatus::Fail,
        DkimStatus::Invalid,
        DkimStatus::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DkimStatus::Pass => "pass",
            DkimStatus::Fail => "fail",
            DkimStatus::Invalid => "invalid",
            DkimStatus::None => "none",
        }
    }

    /// Folds one more signature result into the status.
    pub fn with(self, r: DkimResult) -> DkimStatus {
        match (self, r) {
            (DkimStatus::Pass, _) | (_, DkimResult::Pass) => DkimStatus::Pass,
            (DkimStatus::Fail, _) | (_, DkimResult::Fail) => DkimStatus::Fail,
            _ => DkimStatus::Invalid,
        }
    }
}

/// A remote party: `name (helo) [ip]:port` as Exim prints it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Host<'a> {
    pub name: Option<&'a [u8]>,
    pub helo: Option<&'a [u8]>,
    /// The bytes inside the last brackets, even when they are not an address
    /// (test-suite placeholders, redactions).
    pub addr_text: Option<&'a [u8]>,
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrival<'a> {
    /// Envelope sender without angle brackets; empty for the null sender `<>`.
    pub sender: Option<&'a [u8]>,
    pub host: Option<Host<'a>>,
    pub interface: Option<&'a [u8]>,
    pub ident: Option<&'a [u8]>,
    pub protocol: Option<&'a [u8]>,
    pub tls: Option<&'a [u8]>,
    pub cert_verified: Option<&'a [u8]>,
    pub auth: Option<&'a [u8]>,
    pub size: Option<u64>,
    pub dkim_domain: Option<&'a [u8]>,
    pub message_id: Option<&'a [u8]>,
    /// Subject as logged, still escaped (`\"`, octal); see `text::unescape_exim`.
    pub subject: Option<&'a [u8]>,
    pub bounce_of: Option<&'a [u8]>,
    /// Space separated recipients after ` for `.
    pub recipients: Option<&'a [u8]>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery<'a> {
    pub address: &'a [u8],
    pub original: Option<&'a [u8]>,
    pub router: Option<&'a [u8]>,
    pub transport: Option<&'a [u8]>,
    pub host: Option<Host<'a>>,
    pub tls: Option<&'a [u8]>,
    pub confirmation: Option<&'a [u8]>,
    /// The error text of a bounce or deferral.
    pub message: Option<&'a [u8]>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DkimSignature<'a> {
    pub domain: Option<&'a [u8]>,
    pub selector: Option<&'a [u8]>,
    pub algorithm: Option<&'a [u8]>,
    pub canonicalization: Option<&'a [u8]>,
    pub bits: Option<&'a [u8]>,
    pub identity: Option<&'a [u8]>,
    /// The bracketed text, e.g. `verification failed - body hash mismatch …`.
    pub result_text: &'a [u8],
    pub result: Option<DkimResult>,
    /// The same result with `other` kept apart (see [`SigResult`]).
    pub verdict: SigResult,
    /// Reason after ` - `, kept for fail and invalid.
    pub reason: Option<&'a [u8]>,
}

/// Where in the SMTP dialogue a rejection happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectStage {
    Connect,
    Helo,
    Mail,
    Rcpt,
    Data,
    AfterData,
    LocalScan,
    Size,
    SenderVerify,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection<'a> {
    pub host: Option<Host<'a>>,
    pub sender: Option<&'a [u8]>,
    pub stage: RejectStage,
    pub temporary: bool,
    /// The command argument (`RCPT <x>` → `<x>`).
    pub argument: Option<&'a [u8]>,
    pub reason: Option<&'a [u8]>,
}

/// A spam scanner's verdict, in tenths of a point as SpamAssassin prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpamScan<'a> {
    /// `score=18.8` → 188.
    pub score: Option<i16>,
    /// `required=5.0` → 50.
    pub required: Option<i16>,
    /// What the scanner did (`permanently rejected message`, `scanned but message isn't spam`).
    pub action: Option<&'a [u8]>,
    /// The client the scanner names (`(host=NULL [192.0.2.1])`).
    pub host: Option<Host<'a>>,
}

// Variants are unboxed on purpose: an event lives on the stack for one line, and a
// heap allocation per line would cost more than copying a few hundred bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload<'a> {
    Arrival(Arrival<'a>),
    Delivery(Delivery<'a>),
    Dkim(DkimSignature<'a>),
    Rejection(Rejection<'a>),
    /// Session lines, auth failures, host attempts: the remote party if named.
    Peer(Option<Host<'a>>),
    /// Auth failure: authenticator name, client, `set_id`.
    Auth {
        authenticator: &'a [u8],
        host: Option<Host<'a>>,
        set_id: Option<&'a [u8]>,
    },
    Spam(SpamScan<'a>),
    None,
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// Milliseconds since the epoch of the log's wall clock.
    pub time: Option<i64>,
    /// `+hhmm` offset in minutes when `log_timezone` is on.
    pub zone: Option<i32>,
    pub pid: Option<u32>,
    /// The time came from a classic syslog stamp, which has no year: the year is
    /// the context's, and the model moves it on when a log crosses New Year.
    pub yearless: bool,
    pub msgid: Option<MsgId>,
    pub kind: LineKind,
    /// Text after the prefix and id.
    pub body: &'a [u8],
    pub payload: Payload<'a>,
}

impl<'a> Event<'a> {
    pub fn unrecognized(body: &'a [u8]) -> Self {
        Event {
            time: None,
            zone: None,
            pid: None,
            yearless: false,
            msgid: None,
            kind: LineKind::Unrecognized,
            body,
            payload: Payload::None,
        }
    }

    /// The remote client this line is about, if any. Only arrivals, rejections and
    /// session lines name a client: delivery lines name the destination.
    pub fn client(&self) -> Option<&Host<'a>> {
        match &self.payload {
            Payload::Arrival(a) => a.host.as_ref(),
            Payload::Rejection(r) => r.host.as_ref(),
            Payload::Peer(h) if self.kind != LineKind::HostAttempt => h.as_ref(),
            Payload::Auth { host, .. } => host.as_ref(),
            Payload::Spam(s) => s.host.as_ref(),
            _ => None,
        }
    }
}
