//! One message's DKIM signatures as the detail views list them: each with its
//! domain, selector, algorithm, result and reason, the `DKIM=` tag of the
//! arrival folded into the signature it names.

use crate::model::{Model, NONE, Signature, sig_flags};
use crate::parse::SigResult;

/// One signature, its text borrowed from the model (log bytes: sanitise to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigView<'m> {
    /// Index into `Model::signatures`.
    pub index: u32,
    pub line: u32,
    /// `d=`, `s=`, `a=` as logged.
    pub domain: Option<&'m [u8]>,
    pub selector: Option<&'m [u8]>,
    pub algorithm: Option<crate::model::LineText<'m>>,
    pub result: SigResult,
    /// The text inside the result's brackets.
    pub text: Option<crate::model::LineText<'m>>,
    /// Why it did not pass (see `Model::signature_reason`).
    pub reason: Option<crate::model::LineText<'m>>,
    /// The arrival's `DKIM=` named this signature.
    pub tagged: bool,
    /// Known only from that tag (no `DKIM:` line logged).
    pub tag_only: bool,
}

fn view<'m>(m: &'m Model, index: u32, s: &Signature) -> SigView<'m> {
    let opt = |id: u32| (id != NONE).then(|| m.str(id));
    SigView {
        index,
        line: s.line,
        domain: opt(s.domain),
        selector: opt(s.selector),
        algorithm: m.signature_algorithm(s),
        result: s.verdict,
        text: m.signature_text(s),
        reason: m.signature_reason(s),
        tagged: s.flags & sig_flags::TAG != 0,
        tag_only: s.flags & sig_flags::TAG_ONLY != 0,
    }
}

/// The signatures of message `msg`, in log order.
pub fn signatures(m: &Model, msg: u32) -> Vec<SigView<'_>> {
    m.signatures_of(msg)
        .into_iter()
        .filter_map(|i| Some(view(m, i, m.signatures.get(i as usize)?)))
        .collect()
}
