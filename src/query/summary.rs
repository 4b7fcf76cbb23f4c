//! Whole-log totals (`mailtriage summary`).

use crate::model::{Model, flags};
use crate::parse::{DkimStatus, Family, LineKind, time};

#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct FamilyCounts {
    pub ipv4: u64,
    pub ipv6: u64,
    pub unknown: u64,
}

#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct DkimCounts {
    pub pass: u64,
    pub fail: u64,
    pub invalid: u64,
    pub none: u64,
}

impl DkimCounts {
    pub fn add(&mut self, s: DkimStatus) {
        match s {
            DkimStatus::Pass => self.pass += 1,
            DkimStatus::Fail => self.fail += 1,
            DkimStatus::Invalid => self.invalid += 1,
            DkimStatus::None => self.none += 1,
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files: Vec<String>,
    pub lines: u64,
    pub unrecognized_lines: u64,
    /// Message transactions: distinct ids (`arrivals + rejected_after_data +
    /// without_arrival`).
    pub messages: u64,
    /// Messages that arrived (a `<=` line, or a fake reject's `(=`), each once.
    pub arrivals: u64,
    /// Messages given an id and rejected, never accepted (`rejected after DATA`).
    pub rejected_after_data: u64,
    /// Messages with lines but no arrival in these files (the `<=` is in an older
    /// rotation): deliveries, deferrals, bounces of earlier arrivals.
    pub without_arrival: u64,
    /// `<=` and `(=` lines: more than `arrivals` only when an id was logged arriving
    /// more than once.
    pub arrival_lines: u64,
    pub deliveries: u64,
    pub deferrals: u64,
    pub bounces: u64,
    pub rejections: u64,
    pub family: FamilyCounts,
    pub dkim: DkimCounts,
    pub first: Option<String>,
    pub last: Option<String>,
}

pub fn summary(m: &Model) -> Summary {
    let mut s = Summary {
        files: m.files(),
        lines: m.line_count() as u64,
        unrecognized_lines: m.kind_count(LineKind::Unrecognized),
        messages: m.messages.len() as u64,
        arrival_lines: m.kind_count(LineKind::Arrival) + m.kind_count(LineKind::FakeReject),
        deliveries: m.kind_count(LineKind::Delivery) + m.kind_count(LineKind::DeliveryMore),
        deferrals: m.kind_count(LineKind::Deferral),
        bounces: m.kind_count(LineKind::Bounce),
        rejections: m.kind_count(LineKind::Rejection) + m.kind_count(LineKind::SenderVerifyFail),
        first: m.first_time.map(time::format_iso),
        last: m.last_time.map(time::format_iso),
        ..Summary::default()
    };
    // Messages, not lines: an id logged arriving twice is one arrival, as in a
    // sender row (only `arrival_lines` counts the lines).
    for msg in &m.messages {
        if msg.has(flags::ARRIVED) {
            s.arrivals += 1;
            s.dkim.add(msg.dkim);
            match m.family(msg) {
                Family::Ipv4 => s.family.ipv4 += 1,
                Family::Ipv6 => s.family.ipv6 += 1,
                Family::Unknown => s.family.unknown += 1,
            }
        } else if msg.has(flags::REJECTED) {
            s.rejected_after_data += 1;
        } else {
            s.without_arrival += 1;
        }
    }
    s
}
