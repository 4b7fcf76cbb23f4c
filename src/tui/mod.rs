//! The terminal UI: app state, key table, one file per pane, the event loop.
//!
//! Reads the model through `query` and never parses log text itself, except one
//! message's lines for the detail pane and the timestamps of the log lines view's
//! rows on screen (`parse::exim::parse_line`).

pub mod app;
pub mod backend;
pub mod block;
pub mod components;
pub mod data;
pub mod feed;
pub mod following;
pub mod guard;
pub mod index;
pub mod keys;
pub mod layout;
pub mod live;
pub mod logs;
mod middle;
pub mod reaper;
pub mod render;
pub mod scope;
pub mod status;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod views;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use anyhow::Context;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::model::{LoadOptions, Progress};
use crate::query::{AggKey, Grouping, NetPrefix};
use app::App;
use index::GroupIndex;
use keys::KeyMap;
use logs::Loaded;
use theme::Theme;

/// What wakes the event loop. Nothing else does: no frame is drawn without one.
pub enum Msg {
    Input(Event),
    /// The input thread lost the terminal (e.g. the SSH session went away).
    InputGone(String),
    Progress(Progress),
    Loaded(Box<Loaded>),
    LoadFailed(String),
    Grouping(Arc<GroupIndex>),
    BlockFacts(Arc<block::BlockFacts>),
    /// The followed log grew: new data, ready to show.
    Refresh(Box<feed::Refresh>),
    Rate(feed::Rate),
    /// Lines read while paused.
    Waiting(u64),
    /// What happened to the followed file (rotated, truncated, gone).
    Notice(String),
    Signal(i32),
}

impl From<feed::Event> for Msg {
    fn from(e: feed::Event) -> Msg {
        use feed::Event as E;
        match e {
            E::Progress(p) => Msg::Progress(p),
            E::Loaded(l) => Msg::Loaded(l),
            E::Grouping(g) => Msg::Grouping(g),
            E::Refresh(r) => Msg::Refresh(r),
            E::Rate(r) => Msg::Rate(r),
            E::Waiting(n) => Msg::Waiting(n),
            E::Notice(n) => Msg::Notice(n),
            E::Failed(e) => Msg::LoadFailed(e),
        }
    }
}

/// Opens the TUI over `paths`. Returns once the user quits; the terminal is
/// restored on every path out (error, panic, any fatal signal; see `terminal` and
/// `guard`). SIGINT, SIGTERM and SIGHUP stop it cleanly, then the process dies of
/// the signal.
/// `blocklist` is the file `b` writes and the markers come from; `None` means the location
/// `blocklist::locate` picks, as for every `block` subcommand.
/// `notes` are what the command line found about the inputs (rotations
/// reordered, a gap in a set): the first status-line notice.
/// `follow`: the last file keeps being read as it grows, when it is a regular,
/// uncompressed file (`feed::followable`); the others are read once.
pub fn run(
    paths: Vec<PathBuf>,
    notes: Vec<String>,
    opts: LoadOptions,
    prefix: NetPrefix,
    blocklist: Option<PathBuf>,
    block_policy: crate::blocklist::Policy,
    follow: bool,
) -> anyhow::Result<()> {
    // A missing file is reported before the screen is taken over, and before the
    // terminal is asked for: a wrong path is the error to fix first.
    // `-` is standard input (keys then come from the terminal, /dev/tty), which
    // cannot be the terminal too: the log and the keys would fight over it.
    for p in &paths {
        if p.as_os_str() == "-" {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                anyhow::bail!(
                    "`-` reads the log from standard input, which is the terminal here; pipe a log in, e.g. `zcat mainlog.1.gz | mailtriage -`"
                );
            }
            continue;
        }
        // The error `summary` would give (no such file, a directory, permission).
        crate::model::source::probe(p)?;
    }
    if paths.is_empty() {
        anyhow::bail!("no log file given");
    }
    // Inputs that cannot fit are said before the screen is taken over, too.
    crate::model::load::check_fit(&paths, &opts)?;
    terminal::check()?;
    let keys = KeyMap::load_user()?;
    let files = paths.iter().map(|p| p.display().to_string()).collect();
    let mut app = App::new(keys, files, prefix, opts.ctx);
    app.open_blocklist(blocklist);
    app.block.policy = block_policy;
    if !notes.is_empty() {
        // After the blocklist's own notice, which is about a file the view writes.
        let blocklist = app.notice.take();
        app.notice = Some(
            notes
                .into_iter()
                .chain(blocklist)
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    let theme = Theme::from_env();
    let followed = paths
        .last()
        .filter(|p| follow && p.as_os_str() != "-" && feed::followable(p))
        .cloned();
    let control = followed
        .as_ref()
        .map(|p| app.start_live(p.display().to_string()));

    let (tx, rx) = mpsc::channel();
    spawn_signals(tx.clone())?;
    let mut tui = terminal::init()?;
    let result = (|| {
        let size = tui.size()?;
        app.resize(size.width, size.height);
        tui.draw(|f| render::render(f, &app, theme))?;
        match (followed, control) {
            (Some(last), Some(control)) => {
                let older = paths[..paths.len() - 1].to_vec();
                let to_screen = tx.clone();
                let send: feed::Send = Box::new(move |e| to_screen.send(Msg::from(e)).is_ok());
                feed::spawn(older, last, opts, control, send);
            }
            _ => spawn_loader(paths, opts, prefix, tx.clone()),
        }
        spawn_input(tx);
        event_loop(&mut tui, &mut app, theme, &rx)
    })();
    let restored = terminal::leave();
    match result {
        Err(e) => {
            if let Some(Stopped(sig)) = e.downcast_ref::<Stopped>() {
                eprintln!("mailtriage: {e}");
                terminal::die_of(*sig);
            }
            Err(e)
        }
        Ok(()) => restored.context("cannot restore the terminal"),
    }
}

/// The event loop ended because a signal asked us to stop.
#[derive(Debug)]
struct Stopped(i32);

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.0 {
            libc::SIGHUP => "SIGHUP",
            libc::SIGTERM => "SIGTERM",
            libc::SIGINT => "SIGINT",
            _ => "a signal",
        };
        write!(f, "stopped by {name}")
    }
}

impl std::error::Error for Stopped {}

/// What the event loop does after a message, the strongest of a batch winning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum After {
    Nothing,
    Redraw,
    /// The terminal may have been reset and drawn over: set it up again, repaint all.
    Repaint,
    Suspend,
}

fn event_loop(
    tui: &mut terminal::Tui,
    app: &mut App,
    theme: Theme,
    rx: &Receiver<Msg>,
) -> anyhow::Result<()> {
    loop {
        let Ok(msg) = rx.recv() else {
            return Ok(());
        };
        let mut after = handle(app, msg)?;
        // Drain what queued up meanwhile (key repeat, progress) into one frame.
        while let Ok(more) = rx.try_recv() {
            after = after.max(handle(app, more)?);
        }
        if app.quit {
            return Ok(());
        }
        match after {
            After::Nothing => continue,
            After::Redraw => {}
            After::Repaint => terminal::resume(tui)?,
            After::Suspend => terminal::suspend(tui)?,
        }
        // The size may have changed while stopped.
        if after >= After::Repaint {
            let size = tui.size()?;
            app.resize(size.width, size.height);
        }
        tui.draw(|f| render::render(f, app, theme))?;
    }
}

/// Ctrl-Z, which raw mode delivers as a key instead of a SIGTSTP.
fn is_suspend_key(k: &event::KeyEvent) -> bool {
    k.kind == KeyEventKind::Press
        && k.code == KeyCode::Char('z')
        && k.modifiers == KeyModifiers::CONTROL
}

/// Applies one message; what the loop does next.
fn handle(app: &mut App, msg: Msg) -> anyhow::Result<After> {
    // Before a key reads lines: a log truncated or rewritten since it was mapped
    // then reads as a notice, never as the new file's bytes at the old offsets.
    if let (Msg::Input(_), Some(m)) = (&msg, &app.logs.model) {
        m.check_sources();
    }
    let redraw = |b: bool| if b { After::Redraw } else { After::Nothing };
    Ok(match msg {
        Msg::Input(Event::Key(k)) if is_suspend_key(&k) => After::Suspend,
        Msg::Input(Event::Key(k)) => redraw(app.key(k)),
        Msg::Input(Event::Paste(text)) => redraw(app.paste(&text)),
        Msg::Input(Event::Resize(w, h)) => {
            let (w, h) = backend::clamp_size(w, h);
            app.resize(w, h);
            After::Redraw
        }
        Msg::Input(_) => After::Nothing,
        Msg::InputGone(e) => anyhow::bail!("lost the terminal: {e}"),
        Msg::Progress(p) => {
            app.logs.progress(p);
            After::Redraw
        }
        Msg::Loaded(l) => {
            app.loaded(*l);
            After::Redraw
        }
        Msg::LoadFailed(e) => anyhow::bail!("{e}"),
        Msg::Grouping(g) => {
            app.logs.add_grouping(g);
            After::Nothing
        }
        Msg::BlockFacts(f) => {
            app.block.add_facts(f);
            After::Nothing
        }
        Msg::Refresh(r) => redraw(app.refreshed(*r)),
        Msg::Rate(r) => redraw(app.set_rate(r)),
        Msg::Waiting(n) => redraw(app.set_waiting(n)),
        Msg::Notice(n) => {
            app.notice = Some(n);
            After::Redraw
        }
        Msg::Signal(libc::SIGTSTP) => After::Suspend,
        Msg::Signal(libc::SIGCONT) => After::Repaint,
        Msg::Signal(s) => return Err(Stopped(s).into()),
    })
}

fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let m = match event::read() {
                Ok(e) => Msg::Input(e),
                Err(e) => Msg::InputGone(e.to_string()),
            };
            let gone = matches!(m, Msg::InputGone(_));
            if tx.send(m).is_err() || gone {
                return;
            }
        }
    });
}

/// Forwards the request signals (`terminal::REQUESTS`), SIGTSTP and SIGCONT to the event
/// loop. Should the loop not answer a request within a few seconds (stuck in a long
/// computation), this thread gives the terminal back and dies of the signal itself.
fn spawn_signals(tx: Sender<Msg>) -> anyhow::Result<()> {
    let mut wanted = terminal::REQUESTS.to_vec();
    wanted.extend([libc::SIGTSTP, libc::SIGCONT]);
    let mut signals =
        signal_hook::iterator::Signals::new(wanted).context("cannot install signal handlers")?;
    std::thread::spawn(move || {
        for s in signals.forever() {
            let _ = tx.send(Msg::Signal(s));
            if terminal::REQUESTS.contains(&s) {
                std::thread::sleep(Duration::from_secs(3));
                guard::restore_now();
                terminal::die_of(s);
            }
        }
    });
    Ok(())
}

/// Indexes on a thread, reporting progress at most every 50 ms, then builds the
/// other groupings so switching the key later costs nothing.
fn spawn_loader(paths: Vec<PathBuf>, opts: LoadOptions, prefix: NetPrefix, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        let work = std::panic::AssertUnwindSafe(|| {
            let mut last = Instant::now();
            let ptx = tx.clone();
            let mut progress = |p: Progress| {
                if last.elapsed() >= Duration::from_millis(50) {
                    last = Instant::now();
                    let _ = ptx.send(Msg::Progress(p));
                }
            };
            let model = match crate::model::load(&paths, &opts, &mut progress) {
                Ok(m) => Arc::new(m),
                Err(e) => {
                    let _ = tx.send(Msg::LoadFailed(e.to_string()));
                    return;
                }
            };
            let loaded = Loaded::build(model.clone(), prefix);
            if tx.send(Msg::Loaded(Box::new(loaded))).is_err() {
                return;
            }
            for by in AggKey::ALL.into_iter().filter(|k| *k != AggKey::Ip) {
                let g = Arc::new(Grouping::new(&model, by, prefix));
                let g = Arc::new(GroupIndex::new(&model, g, prefix));
                if tx.send(Msg::Grouping(g)).is_err() {
                    return;
                }
            }
            // A first `b` would otherwise wait for these (a quarter second at 1.3 M messages).
            let facts = Arc::new(block::BlockFacts::new(&model));
            let _ = tx.send(Msg::BlockFacts(facts));
        });
        if std::panic::catch_unwind(work).is_err() {
            let _ = tx.send(Msg::LoadFailed("the indexer crashed (see above)".into()));
        }
    });
}
