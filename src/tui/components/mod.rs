//! One room per pane, in the way of gitui's components: each holds its own state and
//! answers its own keys; drawing reads them (`render/`, one file per pane). None of them
//! knows the app: the app routes actions to them and passes what they need.
//!
//! - `list`: selection and scroll, shared by every list pane (add a list by holding one).
//! - `senders`, `messages`: the two lists of the triage path; `rejections` stands in for
//!   `messages` in the middle pane (`R`).
//! - `detail`: one message.
//! - `lines`: the log lines view; `history`: the sender history view.
//! - `jump`: which filters would hide a jump's target.
//! - `block`: the blocklist and the block preview overlay; `blockfile` its writes and undo.
//! - `prompt`, `help`: the footer prompt and the help overlay.
//! - `text`: long rows cut to a window with marks, or wrapped.

pub mod block;
pub mod blockfile;
pub mod detail;
pub mod help;
pub mod history;
pub mod jump;
pub mod lines;
pub mod list;
pub mod messages;
pub mod prompt;
pub mod rejections;
pub mod senders;
pub mod text;
