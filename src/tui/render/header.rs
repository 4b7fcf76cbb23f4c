//! Header: files, time span, totals; a progress gauge while indexing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::data::{human_bytes, short_time};
use crate::tui::logs::LoadState;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let files: Vec<String> = app
        .logs
        .files
        .iter()
        .map(|f| crate::text::sanitize(base_name(f).as_bytes()))
        .collect();
    // Items flow over the header's rows, each whole; what a narrow screen cannot hold is
    // left out with a mark, never cut mid-number.
    // Many files (a rotation set, a directory of samples) would take the header: the
    // first and how many more, so the counts still have their row.
    let mut names = files.join(" ");
    if files.len() > 1 && names.chars().count() > area.width as usize / 2 {
        let first = files.first().map_or("", String::as_str);
        names = format!("{first} +{} more", files.len() - 1);
    }
    let mut items: Vec<Vec<Span>> = vec![vec![
        Span::styled("mailtriage ", theme.title()),
        Span::raw(names),
    ]];
    // Following: the marker and what arrives, right after the names (a word, not only
    // a colour, so it reads with NO_COLOR).
    if let Some(l) = &app.live
        && !app.logs.is_loading()
    {
        items.push(live_item(app, l, theme));
    }
    // A log truncated or rewritten since it was mapped: right after the title, where a
    // narrow screen does not leave it out.
    if let Some(m) = &app.logs.model {
        for src in m.changed_sources() {
            let name = crate::text::sanitize(base_name(&src.name).as_bytes());
            items.push(vec![Span::styled(
                format!("{name} changed on disk since loaded"),
                theme.warn(),
            )]);
        }
    }
    if let Some(m) = &app.logs.model
        && let (Some(a), Some(b)) = (m.first_time, m.last_time)
    {
        items.push(vec![Span::raw(format!(
            "{} → {}",
            short_time(a),
            short_time(b)
        ))]);
    }
    match &app.logs.load {
        LoadState::Loading { progress, started } => {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            let pct = if progress.bytes_total > 0 {
                progress.bytes_done as f64 * 100.0 / progress.bytes_total as f64
            } else {
                0.0
            };
            let width = (area.width as usize).saturating_sub(60).clamp(10, 40);
            let filled = ((pct / 100.0) * width as f64) as usize;
            items.push(vec![
                Span::styled("indexing ", theme.notice()),
                Span::styled("█".repeat(filled.min(width)), theme.pass()),
                Span::styled("░".repeat(width - filled.min(width)), theme.dim()),
                Span::raw(format!(" {pct:3.0}%")),
            ]);
            items.push(vec![Span::raw(format!(
                "{}/{} {}/s {} lines/s",
                human_bytes(progress.bytes_done),
                human_bytes(progress.bytes_total),
                human_bytes((progress.bytes_done as f64 / secs) as u64),
                crate::tui::data::compact((progress.lines as f64 / secs) as u64),
            ))]);
        }
        LoadState::Ready { seconds } => {
            if let Some(s) = &app.logs.summary {
                let c = crate::tui::data::compact;
                // The names README's *What the numbers mean* defines, as `summary` prints them.
                items.push(vec![Span::raw(format!(
                    "{} msgs {} arr {} lines",
                    c(s.messages),
                    c(s.arrivals),
                    c(s.lines)
                ))]);
                // Only when there is something the parser did not understand (`o` twice lists it).
                if s.unrecognized_lines > 0 {
                    items.push(vec![Span::styled(
                        format!("unrec {}", c(s.unrecognized_lines)),
                        theme.warn(),
                    )]);
                }
                items.push(vec![
                    Span::raw("dkim "),
                    Span::styled(format!("pass {}", c(s.dkim.pass)), theme.pass()),
                    Span::styled(format!(" fail {}", c(s.dkim.fail)), theme.fail()),
                    Span::styled(format!(" inv {}", c(s.dkim.invalid)), theme.warn()),
                    Span::raw(format!(" none {}", c(s.dkim.none))),
                ]);
                items.push(vec![Span::raw(format!(
                    "v4 {} v6 {}",
                    c(s.family.ipv4),
                    c(s.family.ipv6)
                ))]);
                items.push(vec![Span::raw(format!("rej {}", c(s.rejections)))]);
            }
            items.push(vec![Span::styled(format!("{seconds:.2}s"), theme.dim())]);
        }
    }
    let lines = super::flow::flow(items, area.width as usize, area.height as usize);
    frame.render_widget(Paragraph::new(lines), area);
}

/// `live 20k lines/s 4.5k msgs/min`, or `paused 5k new lines (Space resumes)`.
fn live_item<'a>(app: &App, l: &crate::tui::following::LiveView, theme: Theme) -> Vec<Span<'a>> {
    let c = crate::tui::data::compact;
    if l.paused {
        let key = app.keys.first(crate::tui::keys::Action::Pause);
        return vec![
            Span::styled("paused", theme.warn()),
            Span::raw(format!(
                " {} new {} ({key} resumes)",
                c(l.waiting),
                if l.waiting == 1 { "line" } else { "lines" }
            )),
        ];
    }
    let mut v = vec![Span::styled("live", theme.pass())];
    if l.rate.lines_per_s > 0.0 {
        v.push(Span::raw(format!(
            " {} lines/s {} msgs/min",
            c(l.rate.lines_per_s.round() as u64),
            c(l.rate.messages_per_min.round() as u64)
        )));
    }
    v
}

/// A file's name without its directories, as the header shows it.
fn base_name(f: &str) -> String {
    std::path::Path::new(f)
        .file_name()
        .map_or_else(|| f.to_string(), |n| n.to_string_lossy().into_owned())
}
