//! The activity sparkline (issue 9, item 5): one bucket per cell of its column, over
//! the time filter's window when there is one, and its heading says what a cell spans.

mod common;

use mailtriage::query::NetPrefix;
use mailtriage::tui::app::App;
use mailtriage::tui::keys::KeyMap;
use mailtriage::tui::render::render;
use mailtriage::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn demo(size: (u16, u16)) -> App {
    App::with_model(
        KeyMap::defaults().expect("default keys"),
        common::demo_model(),
        NetPrefix::default(),
        size,
    )
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| render(f, app, Theme { color: false }))
        .expect("draw");
    let b = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn first_spark(a: &App) -> Vec<u32> {
    let r = a.senders.selected_row().expect("a row");
    a.senders.spark(r.group).expect("its sparkline").clone()
}

#[test]
fn a_sparkline_has_one_bucket_per_cell_and_its_heading_says_what_a_cell_spans() {
    // The demo spans 181 days: 8 cells of ~23d at 80 columns, 16 of ~11d at 120,
    // 40 of ~5d at 200.
    for ((w, h), cells, heading) in [
        ((80, 24), 8, "23d/cell"),
        ((120, 40), 16, "activity 11d"),
        ((200, 50), 40, "activity 5d"),
    ] {
        let a = demo((w, h));
        let spark = first_spark(&a);
        assert_eq!(spark.len(), cells, "{w}x{h}");
        let row = a.senders.selected_row().expect("row");
        // Every message and rejection of the row is in one bucket (no time filter).
        assert_eq!(
            spark.iter().sum::<u32>() as u64,
            row.arrivals + row.rejections + row.auth_failures,
            "{w}x{h}"
        );
        let s = screen(&a);
        assert!(s.contains(heading), "{w}x{h} lacks {heading:?}:\n{s}");
    }
}

#[test]
fn the_sparkline_follows_the_time_filter() {
    let mut a = demo((120, 40));
    let whole = first_spark(&a);
    a.set_time("last 30m");
    let s = screen(&a);
    // 30 minutes over 16 cells: 112.5 s each.
    assert!(s.contains("activity 113s"), "{s}");
    let r = a
        .senders
        .selected_row()
        .expect("a row in the last 30 minutes")
        .clone();
    let recent = a.senders.spark(r.group).expect("sparkline").clone();
    assert_eq!(recent.len(), 16);
    let n = recent.iter().sum::<u32>() as u64;
    assert_eq!(n, r.arrivals + r.rejections + r.auth_failures, "{recent:?}");
    assert_ne!(recent, whole);
}
