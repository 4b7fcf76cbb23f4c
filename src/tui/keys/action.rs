//! The named actions a key can trigger, with the words help and the footer show for them.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    Drill,
    Back,
    NextPane,
    PrevPane,
    Family,
    FamilyBack,
    Dkim,
    DkimBack,
    GroupBy,
    GroupByBack,
    Sort,
    SortBack,
    Search,
    Regex,
    Time,
    Block,
    Widen,
    Narrow,
    Unblock,
    OtherLines,
    Help,
    Quit,
}

impl Action {
    /// In the order the help overlay lists them.
    pub const ALL: [Action; 28] = [
        Action::Down,
        Action::Up,
        Action::PageDown,
        Action::PageUp,
        Action::First,
        Action::Last,
        Action::Drill,
        Action::Back,
        Action::NextPane,
        Action::PrevPane,
        Action::Family,
        Action::FamilyBack,
        Action::Dkim,
        Action::DkimBack,
        Action::GroupBy,
        Action::GroupByBack,
        Action::Sort,
        Action::SortBack,
        Action::Search,
        Action::Regex,
        Action::Time,
        Action::Block,
        Action::Widen,
        Action::Narrow,
        Action::Unblock,
        Action::OtherLines,
        Action::Help,
        Action::Quit,
    ];

    /// The name used in keys.toml.
    pub fn name(self) -> &'static str {
        match self {
            Action::Down => "down",
            Action::Up => "up",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::First => "first",
            Action::Last => "last",
            Action::Drill => "drill",
            Action::Back => "back",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::Family => "family",
            Action::FamilyBack => "family_back",
            Action::Dkim => "dkim",
            Action::DkimBack => "dkim_back",
            Action::GroupBy => "group_by",
            Action::GroupByBack => "group_by_back",
            Action::Sort => "sort",
            Action::SortBack => "sort_back",
            Action::Search => "search",
            Action::Regex => "regex",
            Action::Time => "time",
            Action::OtherLines => "other_lines",
            Action::Block => "block",
            Action::Widen => "widen",
            Action::Narrow => "narrow",
            Action::Unblock => "unblock",
            Action::Help => "help",
            Action::Quit => "quit",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Down => "move down",
            Action::Up => "move up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::First => "first row",
            Action::Last => "last row",
            Action::Drill => "open: senders -> messages -> detail",
            Action::Back => "back to the previous pane",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::Family => "family filter: all, ipv4, ipv6",
            Action::Dkim => "DKIM filter: any, pass, fail, invalid, none",
            Action::GroupBy => "group by: ip, net, host, sender, domain, dkim-domain",
            Action::Sort => "sort: messages, bytes, last seen, DKIM failures",
            Action::FamilyBack => "family filter, the other way round",
            Action::DkimBack => "DKIM filter, the other way round",
            Action::GroupByBack => "group by, the other way round",
            Action::SortBack => "sort, the other way round",
            Action::Search => "fuzzy search the list (Enter keeps, Esc clears)",
            Action::Regex => "regex over raw lines, exigrep style (empty clears)",
            Action::Time => "time range: A..B, last 24h, today (empty clears)",
            Action::OtherLines => "log lines of no message or sender; again: unrecognized",
            Action::Block => "block the sender: preview the entry, Enter adds it",
            Action::Widen => "in the block preview: wider prefix (/32 /24 /16)",
            Action::Narrow => "in the block preview: narrower prefix",
            Action::Unblock => "remove the blocklist entry covering the sender",
            Action::Help => "this help",
            Action::Quit => "quit",
        }
    }

    /// Short label for the footer, or `None` if the footer leaves it out.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            Action::Drill => Some("open"),
            Action::Back => Some("back"),
            Action::Family => Some("family"),
            Action::Dkim => Some("dkim"),
            Action::GroupBy => Some("group"),
            Action::Sort => Some("sort"),
            Action::Search => Some("search"),
            Action::Regex => Some("regex"),
            Action::Time => Some("time"),
            Action::OtherLines => Some("lines"),
            Action::Block => Some("block"),
            Action::Unblock => Some("unblock"),
            Action::Help => Some("help"),
            Action::Quit => Some("quit"),
            _ => None,
        }
    }

    pub(super) fn from_name(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }
}
