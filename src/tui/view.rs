//! Small types every room of the TUI shares. This module imports nothing of the TUI, so
//! the app, the layout, the components and the drawing can all depend on it without one
//! of them depending back on another.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Senders,
    Messages,
    Detail,
}

impl Pane {
    pub fn name(self) -> &'static str {
        match self {
            Pane::Senders => "senders",
            Pane::Messages => "messages",
            Pane::Detail => "detail",
        }
    }

    /// Where `Back` leaves a pane for: one step up the triage path.
    pub fn back(self) -> Pane {
        match self {
            Pane::Detail => Pane::Messages,
            _ => Pane::Senders,
        }
    }

    /// The next pane round the triage path (Tab), or the one before (Shift-Tab).
    pub fn cycle(self, forward: bool) -> Pane {
        match (self, forward) {
            (Pane::Senders, true) | (Pane::Detail, false) => Pane::Messages,
            (Pane::Messages, true) | (Pane::Senders, false) => Pane::Detail,
            (Pane::Detail, true) | (Pane::Messages, false) => Pane::Senders,
        }
    }
}

/// What a component made of an action, for the app to follow up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not the component's action: the app decides what it means.
    Ignored,
    /// Handled; nothing else follows from it.
    Done,
    /// The selection or scroll moved: whatever follows the selection is refreshed.
    Moved,
    /// Handled, with something to tell the user.
    Notice(String),
    /// The component is done and closes.
    Close,
}

/// What a piece of text is, for the theme to colour: components say what, drawing says how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Dim,
    Title,
    Pass,
    Fail,
    Arrival,
    Dkim,
}

/// One screen row of a text pane: pieces of already terminal-safe text with their tones.
pub type Row = Vec<(String, Tone)>;
