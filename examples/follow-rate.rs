//! How fast a live model takes appended lines: `cargo run --release --example
//! follow-rate -- LOG [PIECE_BYTES]`. Feeds LOG to `model::live::Live` through
//! a `Follower` in pieces of PIECE_BYTES (default 64 KiB, about what a 200 ms
//! poll of a busy server brings), and prints lines per second.

use std::io::Write;
use std::time::Instant;

use mailtriage::model::LoadOptions;
use mailtriage::model::follow::Follower;
use mailtriage::model::live::Live;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let log = args.next().ok_or("usage: follow-rate LOG [PIECE_BYTES]")?;
    let piece: usize = args.next().map_or(Ok(64 << 10), |s| s.parse())?;
    let data = std::fs::read(&log)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("mainlog");
    let mut file = std::fs::File::create(&path)?;
    let mut follower = Follower::new(&path);
    let mut live = Live::new(LoadOptions::default());
    let started = Instant::now();
    let mut busy = std::time::Duration::ZERO;
    for chunk in data.chunks(piece.max(1)) {
        file.write_all(chunk)?;
        let t = Instant::now();
        loop {
            let p = follower.poll();
            let more = p.more;
            live.append("mainlog", p.lines, true)?;
            if !more {
                break;
            }
        }
        busy += t.elapsed();
    }
    let lines = live.model().line_count();
    let secs = busy.as_secs_f64();
    println!(
        "{lines} lines, {} MB in pieces of {piece} bytes: {:.0} lines/s, {:.0} MB/s (poll + append; {:.1} s wall with writing)",
        data.len() / 1_000_000,
        lines as f64 / secs,
        data.len() as f64 / 1e6 / secs,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
