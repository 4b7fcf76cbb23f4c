//! The status line's words: the view in force and the counts, and why a list is empty.
//! Plain text from the app's state, so tests read what the user reads.

use super::app::App;
use super::keys::Action;
use super::view::Pane;

/// `by=ip family=all dkim=any sort=messages` and what else is set.
pub fn view_text(app: &App) -> String {
    if app.history.is_some() {
        // The history is under the filters in force, as the sender list is.
        return app.scope.text("", "");
    }
    if let Some(v) = &app.lines {
        // Only the regex narrows this list; the other filters are about senders.
        let mut s = String::from(if v.unrecognized_only {
            "lines=unrecognized"
        } else {
            "lines=other"
        });
        if let Some(r) = &app.scope.regex {
            s.push_str(&format!(" regex={r}"));
        }
        return s;
    }
    app.scope.text(&app.senders.search, &app.messages.search)
}

pub fn count_text(app: &App) -> String {
    if let Some(v) = &app.history {
        let mut s = format!("{}/{} rows", (v.cursor.selected + 1).min(v.len()), v.len());
        if let Some(p) = &v.place {
            s.push_str(&format!("  {p}"));
        }
        return s;
    }
    if let Some(v) = &app.lines {
        let mut s = format!("{}/{} lines", v.list().len(), v.total());
        if let Some(p) = &v.place {
            s.push_str(&format!("  {p}"));
        }
        return s;
    }
    let mut s = format!(
        "{}/{} senders",
        app.senders.shown.len(),
        app.logs.total(app.scope.by)
    );
    if app.focus != Pane::Senders && app.rejections.on {
        let r = &app.rejections;
        let at = (r.list.selected + 1).min(r.rows.len());
        s.push_str(&format!(" {at}/{} rejections", r.rows.len()));
    } else if app.focus != Pane::Senders {
        s.push_str(&format!(
            " {}/{} messages",
            app.messages.shown.len(),
            app.messages.all.len()
        ));
    }
    s
}

/// When the list is empty: which filters are on and the keys that clear them.
pub fn empty_reason(app: &App) -> Option<String> {
    if app.logs.is_loading() || !app.senders.shown.is_empty() {
        return None;
    }
    let (keys, scope) = (&app.keys, &app.scope);
    let mut clear = Vec::new();
    if !app.senders.search.is_empty() {
        clear.push("search (Esc)".to_string());
    }
    if scope.filter.family.is_some() {
        clear.push(format!("family ({})", keys.first(Action::Family)));
    }
    if scope.filter.dkim.is_some() {
        clear.push(format!("dkim ({})", keys.first(Action::Dkim)));
    }
    if scope.regex.is_some() {
        clear.push(format!(
            "regex ({} then Enter on an empty line)",
            keys.first(Action::Regex)
        ));
    }
    if scope.time_text.is_some() {
        clear.push(format!(
            "time ({} then Enter on an empty line)",
            keys.first(Action::Time)
        ));
    }
    if clear.is_empty() {
        Some("No senders in this log.".into())
    } else {
        Some(format!(
            "No sender matches these filters. Clear: {}",
            clear.join(", ")
        ))
    }
}
