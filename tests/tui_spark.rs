//! The activity sparkline (issue 9, item 5): one bucket per cell of its column, over
//! the time filter's window when there is one, and its heading says what a cell spans.

mod common;

use common::demo_app as demo;
use mailtriage::tui::app::App;

fn screen(app: &App) -> String {
    common::screen(app).join("\n")
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
