//! Header: files, time span, totals; a progress gauge while indexing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
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
        .map(|f| {
            let name = std::path::Path::new(f)
                .file_name()
                .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned());
            crate::text::sanitize(name.as_bytes())
        })
        .collect();
    let mut first = vec![
        Span::styled("mailtriage ", theme.title()),
        Span::raw(files.join(" ")),
    ];
    let second = match &app.logs.load {
        LoadState::Loading { progress, started } => {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            let pct = if progress.bytes_total > 0 {
                progress.bytes_done as f64 * 100.0 / progress.bytes_total as f64
            } else {
                0.0
            };
            let width = (area.width as usize).saturating_sub(60).clamp(10, 40);
            let filled = ((pct / 100.0) * width as f64) as usize;
            Line::from(vec![
                Span::styled("indexing ", theme.notice()),
                Span::styled("█".repeat(filled.min(width)), theme.pass()),
                Span::styled("░".repeat(width - filled.min(width)), theme.dim()),
                Span::raw(format!(
                    " {pct:3.0}% {}/{} {}/s {} lines/s",
                    human_bytes(progress.bytes_done),
                    human_bytes(progress.bytes_total),
                    human_bytes((progress.bytes_done as f64 / secs) as u64),
                    crate::tui::data::compact((progress.lines as f64 / secs) as u64),
                )),
            ])
        }
        LoadState::Ready { seconds } => {
            let mut spans = Vec::new();
            if let Some(s) = &app.logs.summary {
                let c = crate::tui::data::compact;
                spans.push(Span::raw(format!(
                    "{} msgs {} lines  ",
                    c(s.arrivals),
                    c(s.lines)
                )));
                // Only when there is something the parser did not understand (`o` twice lists it).
                if s.unrecognized_lines > 0 {
                    spans.push(Span::styled(
                        format!("unrec {}", c(s.unrecognized_lines)),
                        theme.warn(),
                    ));
                    spans.push(Span::raw("  "));
                }
                spans.push(Span::raw("dkim "));
                spans.push(Span::styled(
                    format!("pass {} ", c(s.dkim.pass)),
                    theme.pass(),
                ));
                spans.push(Span::styled(
                    format!("fail {} ", c(s.dkim.fail)),
                    theme.fail(),
                ));
                spans.push(Span::styled(
                    format!("inv {} ", c(s.dkim.invalid)),
                    theme.warn(),
                ));
                spans.push(Span::raw(format!("none {}  ", c(s.dkim.none))));
                spans.push(Span::raw(format!(
                    "v4 {} v6 {}  rej {}  ",
                    c(s.family.ipv4),
                    c(s.family.ipv6),
                    c(s.rejections)
                )));
            }
            spans.push(Span::styled(format!("{seconds:.2}s"), theme.dim()));
            Line::from(spans)
        }
    };
    // A log truncated or rewritten since it was mapped: first after the title,
    // where a narrow screen does not cut it off.
    if let Some(m) = &app.logs.model {
        for src in m.changed_sources() {
            let name = std::path::Path::new(&src.name)
                .file_name()
                .map_or_else(|| src.name.clone(), |n| n.to_string_lossy().into_owned());
            let name = crate::text::sanitize(name.as_bytes());
            first.insert(
                1,
                Span::styled(
                    format!("{name} changed on disk since loaded  "),
                    theme.warn(),
                ),
            );
        }
    }
    if let Some(m) = &app.logs.model
        && let (Some(a), Some(b)) = (m.first_time, m.last_time)
    {
        first.push(Span::raw(format!(
            "  {} → {}",
            short_time(a),
            short_time(b)
        )));
    }
    frame.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}
