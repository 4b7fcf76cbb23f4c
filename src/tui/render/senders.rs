//! The sender list: one row per aggregate, only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::frame::{inner, pane_block, visible_offset};
use crate::query::AggKey;
use crate::tui::app::App;
use crate::tui::data::{bucket_span, count_fit, short_time, spark_text, spark_window};
use crate::tui::status;
use crate::tui::theme::Theme;
use crate::tui::view::Pane;

// Widths of the numeric columns: the table's constraints and the counts' formatting
// must agree, or a cell cuts a count's leading digits.
/// The key column is never narrower than its title and a short address.
const KEY_MIN_W: u16 = 15;
const W_MSGS: u16 = 5;
const W_BYTES: u16 = 5;
const W_PASS: u16 = 4;
const W_FAIL: u16 = 4;
const W_INV: u16 = 3;
const W_NONE: u16 = 4;
const W_REJ: u16 = 3;
const W_SIGF: u16 = 4;
const W_ALIGNED: u16 = 4;
const W_IPS: u16 = 4;
const W_ARR: u16 = 5;
const W_RCPT: u16 = 4;
/// `5m` / `1h`: messages of the last 5 minutes / hour, while following.
const W_RECENT: u16 = 4;
/// `last seen` as `HH:MM` where a followed log's `5m` column needs the room.
const W_SEEN_SHORT: u16 = 5;
/// `first seen` / `last seen`: `MM-DD HH:MM`.
const W_SEEN: u16 = 11;
/// An optional column is shown only if the key column keeps this many cells (what
/// it has at 80 columns without one: an IPv6 address cut in the middle still reads).
const KEY_KEEP_W: u16 = 20;

/// The numeric columns between `fam` and `rej`, for the grouping and the width.
/// Under `dkim-domain` they are the domain's own signatures (`query::SigTally`:
/// `inv` counts invalid and other results), else the status of the messages.
/// `First` is not numeric and is drawn before `last seen`, not here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    /// Arrivals: of `msgs`, those that arrived; the DKIM columns after it add up to it.
    Arrivals,
    Pass,
    Fail,
    Inv,
    None,
    SigFail,
    SigPass,
    SigFailOwn,
    SigInv,
    Aligned,
    /// Distinct client addresses (under `dkim-domain`, the signatures' own).
    Ips,
    /// Distinct recipients.
    Rcpts,
    First,
    /// Messages of the last 5 minutes / hour before the log's newest time.
    Recent5m,
    Recent1h,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Arrivals => "arr",
            Col::Pass | Col::SigPass => "pass",
            Col::Fail | Col::SigFailOwn => "fail",
            Col::Inv | Col::SigInv => "inv",
            Col::None => "none",
            Col::SigFail => "sigf",
            Col::Aligned => "algn",
            Col::Ips => "ips",
            Col::Rcpts => "rcpt",
            Col::First => "first seen",
            Col::Recent5m => "5m",
            Col::Recent1h => "1h",
        }
    }

    fn width(self) -> u16 {
        match self {
            Col::Arrivals => W_ARR,
            Col::Pass | Col::SigPass => W_PASS,
            Col::Fail | Col::SigFailOwn => W_FAIL,
            Col::Inv | Col::SigInv => W_INV,
            Col::None => W_NONE,
            Col::SigFail => W_SIGF,
            Col::Aligned => W_ALIGNED,
            Col::Ips => W_IPS,
            Col::Rcpts => W_RCPT,
            Col::First => W_SEEN,
            Col::Recent5m | Col::Recent1h => W_RECENT,
        }
    }

    fn value(self, r: &crate::tui::index::Agg) -> u64 {
        let sig = r.signatures.as_deref().copied().unwrap_or_default();
        match self {
            Col::Arrivals => r.arrivals,
            Col::Pass => r.dkim.pass,
            Col::Fail => r.dkim.fail,
            Col::Inv => r.dkim.invalid,
            Col::None => r.dkim.none,
            Col::SigFail => r.messages_sig_bad,
            Col::SigPass => sig.pass,
            Col::SigFailOwn => sig.fail,
            Col::SigInv => sig.invalid + sig.other,
            Col::Aligned => sig.aligned,
            Col::Ips => r.clients,
            Col::Rcpts => r.recipients,
            Col::First => 0,
            Col::Recent5m => r.recent_5m,
            Col::Recent1h => r.recent_1h,
        }
    }
}

/// The columns that fit: `room` is what the key column would have without the
/// optional ones, which are added in priority order while it keeps `KEY_KEEP_W`
/// cells (a column that does not fit leaves room for a narrower one after it).
/// No `ips` under `ip`: there it is always 1.
/// `live`: a followed log shows `5m` always (before the status columns) and `1h`
/// first among the optional ones.
fn columns(by: AggKey, mut room: u16, live: bool) -> Vec<Col> {
    let (mut cols, mut optional) = if by == AggKey::DkimDomain {
        (
            vec![Col::SigPass, Col::SigFailOwn, Col::SigInv],
            vec![
                Col::Aligned,
                Col::Ips,
                Col::Rcpts,
                Col::First,
                Col::Arrivals,
            ],
        )
    } else {
        (
            vec![Col::Pass, Col::Fail, Col::Inv, Col::None],
            vec![
                Col::SigFail,
                Col::Ips,
                Col::Rcpts,
                Col::First,
                Col::Arrivals,
            ],
        )
    };
    if live {
        cols.insert(0, Col::Recent5m);
        optional.insert(0, Col::Recent1h);
    }
    for c in optional {
        let need = c.width() + 1;
        if (c != Col::Ips || by != AggKey::Ip) && room >= KEY_KEEP_W + need {
            room -= need;
            // `arr` goes before the status columns, which add up to it; `1h` after `5m`.
            if c == Col::Arrivals {
                let at = cols
                    .iter()
                    .take_while(|c| matches!(c, Col::Recent5m | Col::Recent1h))
                    .count();
                cols.insert(at, c);
            } else if c == Col::Recent1h {
                cols.insert(1, c);
            } else {
                cols.push(c);
            }
        }
    }
    cols
}

fn num<'a>(n: u64, width: u16) -> Cell<'a> {
    Cell::from(Line::from(count_fit(n, width as usize)).alignment(Alignment::Right))
}

/// The label in `width` cells, with the characters the search matched underlined.
fn key_line<'a>(app: &App, label: &str, width: usize, theme: Theme) -> Line<'a> {
    // Group labels are already terminal-safe (`query::key`); only cut, with a mark.
    let safe = crate::tui::data::fit_cells(label, width);
    if app.senders.search.is_empty() || safe != label {
        return Line::from(safe);
    }
    let marks = app.senders.highlights(label);
    let spans: Vec<Span> = safe
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if marks.contains(&i) {
                Span::styled(c.to_string(), theme.matched())
            } else {
                Span::raw(c.to_string())
            }
        })
        .collect();
    Line::from(spans)
}

/// The activity column's heading says what one cell spans (`activity 11d`, or `4m/cell`
/// where that is all that fits), over the window the sparklines cover (`spark_window`).
fn spark_heading(app: &App, cells: usize) -> String {
    let Some(w) = app
        .logs
        .model
        .as_deref()
        .and_then(|m| spark_window(m, &app.scope.filter))
    else {
        return "activity".into();
    };
    let span = bucket_span(w, cells);
    [format!("activity {span}"), format!("{span}/cell")]
        .into_iter()
        .find(|t| t.chars().count() <= cells)
        .unwrap_or_else(|| "activity".into())
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: Theme, wide: bool) {
    let title = format!("senders by {}", app.scope.by_text());
    let block = pane_block(app, Pane::Senders, title, theme, (wide, area.width));
    let body = inner(&block, area);
    frame.render_widget(block, area);
    if app.logs.is_loading() {
        let p = Paragraph::new(vec![
            Line::from("Indexing the log; the list appears when it is ready."),
            Line::from(format!(
                "{} quits, {} shows the keys.",
                app.keys.first(crate::tui::keys::Action::Quit),
                app.keys.first(crate::tui::keys::Action::Help)
            )),
        ])
        .style(theme.dim());
        frame.render_widget(p, body);
        return;
    }
    if let Some(reason) = status::empty_reason(app) {
        let p = Paragraph::new(Span::styled(reason, theme.notice())).wrap(Wrap { trim: true });
        frame.render_widget(p, body);
        return;
    }
    let spark_w = crate::tui::layout::spark_cells(body.width as usize) as u16;
    let live = app.live.is_some();
    // Following, under 100 columns `last seen` is today's `HH:MM`: that pays for `5m`.
    let short_seen = live && body.width < 100;
    let last_w: u16 = if short_seen { W_SEEN_SHORT } else { W_SEEN };
    // The key column is as wide as its widest key on screen, up to what the others leave
    // (one cell between columns): at 200 columns it is not 130 cells of blanks.
    let by_domain = app.scope.by == AggKey::DkimDomain;
    let base = 3 + W_MSGS + W_BYTES + W_REJ + last_w + spark_w + 6;
    let mut status: u16 = if by_domain {
        W_PASS + W_FAIL + W_INV + 3
    } else {
        W_PASS + W_FAIL + W_INV + W_NONE + 4
    };
    if live {
        status += W_RECENT + 1;
    }
    let cols = columns(app.scope.by, body.width.saturating_sub(base + status), live);
    let show_first = cols.contains(&Col::First);
    let cols: Vec<Col> = cols.into_iter().filter(|c| *c != Col::First).collect();
    let fixed: u16 = base
        + cols.iter().map(|c| c.width() + 1).sum::<u16>()
        + if show_first { W_SEEN + 1 } else { 0 };
    let room = body.width.saturating_sub(fixed);
    let focused = app.focus == Pane::Senders;
    // A sender whose newest message came with the last refresh of a followed log.
    let fresh = |gid: u32| {
        app.live.as_ref().is_some_and(|l| {
            app.senders
                .index()
                .and_then(|ix| ix.messages(gid).last())
                .is_some_and(|&m| l.is_fresh(m))
        })
    };
    let height = body.height.saturating_sub(1) as usize;
    let offset = visible_offset(app.senders.list.offset, app.senders.list.selected, height);
    let widest = app
        .senders
        .shown
        .iter()
        .skip(offset)
        .take(height)
        .filter_map(|&i| app.senders.rows.get(i as usize))
        .map(|r| {
            let mark = if app.senders.cover(r.group).is_some() {
                2
            } else {
                0
            } + if fresh(r.group) { 2 } else { 0 };
            unicode_width::UnicodeWidthStr::width(app.label(r)) + mark
        })
        .max()
        .unwrap_or(0);
    let key_w = room.min((widest as u16).max(KEY_MIN_W));
    let seen_text = |t: i64| {
        let t = short_time(t);
        let from = if short_seen { 11 } else { 5 };
        t.get(from..).unwrap_or_default().to_string()
    };
    let rows: Vec<Row> = app
        .senders
        .shown
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .filter_map(|(pos, &i)| {
            let r = app.senders.rows.get(i as usize)?;
            let fam = match r.family() {
                "ipv4" => "v4",
                "ipv6" => "v6",
                "mixed" => "mix",
                _ => "-",
            };
            let seen = |t: Option<i64>| t.map(seen_text).unwrap_or_default();
            let last = seen(r.last);
            let spark = app
                .senders
                .spark(r.group)
                .map(|s| spark_text(s))
                .unwrap_or_default();
            let failing = if by_domain {
                r.signatures.as_ref().is_some_and(|s| s.fail > 0)
            } else {
                r.dkim.fail > 0
            };
            let fail_style = if failing { theme.fail() } else { theme.dim() };
            let blocked = app.senders.cover(r.group).is_some();
            let new = fresh(r.group);
            let marks = if blocked { 2 } else { 0 } + if new { 2 } else { 0 };
            let room = key_w.saturating_sub(marks);
            let mut key = key_line(app, app.label(r), room as usize, theme);
            if blocked {
                // A letter, not only a colour, so the marker survives NO_COLOR.
                key.spans.insert(0, Span::styled("B ", theme.fail()));
            }
            if new {
                key.spans.insert(0, Span::styled("+ ", theme.fresh()));
            }
            let mut cells = vec![
                Cell::from(key),
                Cell::from(fam),
                num(r.messages, W_MSGS),
                Cell::from(
                    Line::from(crate::tui::data::human_bytes(r.bytes)).alignment(Alignment::Right),
                ),
            ];
            for &c in &cols {
                let cell = num(c.value(r), c.width());
                cells.push(match c {
                    Col::Pass | Col::SigPass => cell.style(theme.pass()),
                    Col::Fail | Col::SigFailOwn => cell.style(fail_style),
                    Col::SigFail if r.messages_sig_bad > 0 => cell.style(theme.fail()),
                    _ => cell,
                });
            }
            cells.push(num(r.rejections, W_REJ));
            if show_first {
                cells.push(Cell::from(seen(r.first)));
            }
            cells.push(Cell::from(last));
            cells.push(Cell::from(Span::styled(spark, theme.spark())));
            let row = Row::new(cells);
            Some(if pos == app.senders.list.selected {
                row.style(theme.selected(focused))
            } else {
                row
            })
        })
        .collect();
    let right = |t: &'static str| Cell::from(Line::from(t).alignment(Alignment::Right));
    let mut titles = vec![
        Cell::from(app.scope.by.as_str()),
        Cell::from("fam"),
        right("msgs"),
        right("bytes"),
    ];
    titles.extend(cols.iter().map(|c| right(c.title())));
    titles.push(right("rej"));
    if show_first {
        titles.push(Cell::from(Col::First.title()));
    }
    titles.extend([
        Cell::from("last seen"),
        Cell::from(spark_heading(app, spark_w as usize)),
    ]);
    let head = Row::new(titles).style(theme.column_titles());
    let mut widths = vec![
        Constraint::Length(key_w),
        Constraint::Length(3),
        Constraint::Length(W_MSGS),
        Constraint::Length(W_BYTES),
    ];
    widths.extend(cols.iter().map(|c| Constraint::Length(c.width())));
    widths.push(Constraint::Length(W_REJ));
    if show_first {
        widths.push(Constraint::Length(W_SEEN));
    }
    widths.extend([Constraint::Length(last_w), Constraint::Length(spark_w)]);
    let table = Table::new(rows, widths).header(head).column_spacing(1);
    frame.render_widget(table, body);
}
