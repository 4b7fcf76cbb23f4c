//! The detail pane: one message's parsed fields, its arrival and DKIM lines, signatures,
//! deliveries and the rest of its raw lines, how far it is scrolled, and whether long
//! lines wrap or scroll sideways.

use super::list::{Sideways, scroll_text};
use super::text;
use crate::model::Model;
use crate::parse::{LineKind, ParseContext};
use crate::query::RejectionRow;
use crate::tui::data::{self, Detail};
use crate::tui::keys::Action;
use crate::tui::view::{Outcome, Row, Tone};

#[derive(Debug, Default)]
pub struct DetailPane {
    pub message: Option<Detail>,
    /// The first row on screen.
    pub scroll: usize,
    pub side: Sideways,
}

/// The arrival and DKIM lines answer the first questions (who sent it, did it pass), so
/// they come right after the fields, before the deliveries.
fn is_key_line(kind: LineKind) -> bool {
    matches!(
        kind,
        LineKind::Arrival | LineKind::FakeReject | LineKind::DkimSignature | LineKind::DkimOther
    )
}

fn raw_row(kind: LineKind, text: &str) -> Row {
    let (mark, tone) = match kind {
        LineKind::Arrival | LineKind::FakeReject => ("<=", Tone::Arrival),
        LineKind::DkimSignature | LineKind::DkimOther => ("DK", Tone::Dkim),
        _ => ("  ", Tone::Plain),
    };
    vec![(format!("{mark} "), tone), (text.to_string(), tone)]
}

impl DetailPane {
    /// Shows message `msg` (or nothing); a different message is read from its top.
    pub fn show(&mut self, m: Option<&Model>, msg: Option<u32>, ctx: &ParseContext) {
        let current = self.message.as_ref().map(|d| d.id.clone());
        self.message = match (m, msg) {
            (Some(m), Some(i)) => data::detail(m, i, ctx),
            _ => None,
        };
        if self.message.as_ref().map(|d| d.id.clone()) != current {
            self.scroll = 0;
            self.side.hscroll = 0;
        }
    }

    /// Shows one rejection (or nothing): its fields and raw line, read from the top when
    /// it is another one.
    pub fn show_rejection(&mut self, m: Option<&Model>, r: Option<&RejectionRow>) {
        let next = match (m, r) {
            (Some(m), Some(r)) => Some(data::rejection_detail(m, r)),
            _ => None,
        };
        if next.as_ref().map(|d| &d.id) != self.message.as_ref().map(|d| &d.id) {
            self.scroll = 0;
            self.side.hscroll = 0;
        }
        self.message = next;
    }

    pub fn is_empty(&self) -> bool {
        self.message.is_none()
    }

    /// The pane's rows before wrapping or cutting; the fields flow across `width` in
    /// `key value` pairs, so a short pane still has room for the raw lines.
    pub fn rows(&self, width: usize) -> Vec<Row> {
        let Some(d) = &self.message else {
            return Vec::new();
        };
        let mut rows: Vec<Row> = Vec::new();
        let mut row: Row = Vec::new();
        let mut used = 0usize;
        for (k, v) in &d.fields {
            let need = k.len() + 1 + v.chars().count() + 2;
            if used > 0 && used + need > width {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            row.push((format!("{k} "), Tone::Dim));
            row.push((format!("{v}  "), Tone::Plain));
            used += need;
        }
        if !row.is_empty() {
            rows.push(row);
        }
        let heading = |t: String| vec![(t, Tone::Title)];
        if d.rejection {
            // A rejection is one line: the fields read from it, then the line as logged.
            rows.push(heading("Log line".into()));
            for (kind, t) in &d.lines {
                rows.push(raw_row(*kind, t));
            }
            return rows;
        }
        let key = d.lines.iter().filter(|(k, _)| is_key_line(*k)).count();
        rows.push(heading(format!("Arrival and DKIM lines ({key})")));
        for (kind, t) in d.lines.iter().filter(|(k, _)| is_key_line(*k)) {
            rows.push(raw_row(*kind, t));
        }
        rows.push(heading(format!("DKIM signatures ({})", d.signatures.len())));
        for s in &d.signatures {
            let tone = if s.contains("result=pass") {
                Tone::Pass
            } else {
                Tone::Fail
            };
            rows.push(vec![("  ".into(), Tone::Plain), (s.clone(), tone)]);
        }
        rows.push(heading(format!("Deliveries ({})", d.deliveries.len())));
        for s in &d.deliveries {
            rows.push(vec![(format!("  {s}"), Tone::Plain)]);
        }
        // Rejections are not deliveries: a heading of their own, only when there are some.
        if !d.rejections.is_empty() {
            rows.push(heading(format!("Rejections ({})", d.rejections.len())));
            for s in &d.rejections {
                rows.push(vec![(format!("  {s}"), Tone::Fail)]);
            }
        }
        let other = d.lines.len() - key;
        rows.push(heading(format!("Other log lines ({other})")));
        for (kind, t) in d.lines.iter().filter(|(k, _)| !is_key_line(*k)) {
            rows.push(raw_row(*kind, t));
        }
        rows
    }

    /// The rows on screen for a pane of `width` cells: wrapped, or cut at the sideways
    /// offset with a mark.
    pub fn laid_out(&self, width: usize) -> Vec<Row> {
        let rows = self.rows(width);
        text::lay_out(&rows, width, self.side.hscroll, self.side.wrap)
    }

    /// Keeps the last row at the bottom or above after the pane changed size.
    pub fn clamp(&mut self, width: usize, height: usize) {
        let len = self.laid_out(width).len();
        self.scroll = self.scroll.min(len.saturating_sub(height));
    }

    /// Scroll keys over a pane of `width` by `height` cells.
    pub fn act(&mut self, a: Action, width: usize, height: usize) -> Outcome {
        let rows = self.rows(width);
        let widest = rows.iter().map(text::width).max().unwrap_or(0);
        if let Some(o) = self.side.act(a, width, widest) {
            self.scroll = self
                .scroll
                .min(self.laid_out(width).len().saturating_sub(height));
            return o;
        }
        if !super::list::ListState::moves(a) {
            return Outcome::Ignored;
        }
        let len = text::lay_out(&rows, width, self.side.hscroll, self.side.wrap).len();
        self.scroll = scroll_text(self.scroll, a, len, height);
        Outcome::Moved
    }
}
