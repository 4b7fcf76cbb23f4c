//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mailtriage::model::{self, LoadOptions, Model};
use mailtriage::parse::ParseContext;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[path = "prereq/mod.rs"]
pub mod prereq;

/// `../shared/samples` beside the checkout, when present (CI has it; a fresh
/// clone does not, and then the tests that need it say so and pass, or fail under CI).
pub fn samples() -> Option<PathBuf> {
    let p = prereq::samples_dir();
    if p.is_none() {
        prereq::skip(
            "tests on the shared real-log samples",
            "../shared/samples is absent",
        );
    }
    p
}

pub fn opts() -> LoadOptions {
    LoadOptions {
        ctx: ParseContext { syslog_year: 2022 },
        threads: 2,
        mmap: true,
        chunk_bytes: 1 << 10,
        ..LoadOptions::default()
    }
}

pub fn load(paths: &[PathBuf]) -> Model {
    model::load(paths, &opts(), &mut |_| {}).expect("load")
}

/// A model of a file in `tests/fixtures/`, built in memory on one thread, as the
/// TUI tests want it (a stable, default context).
pub fn fixture_model(name: &str) -> Model {
    model_of(&fixture(name), name)
}

/// The bundled demo log (`assets/demo/mainlog`), built as `fixture_model` builds one.
pub fn demo_model() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mainlog");
    model_of(&path, "demo")
}

fn model_of(path: &Path, name: &str) -> Model {
    let data = std::fs::read(path).expect("the log exists");
    let opts = LoadOptions {
        threads: 1,
        ..LoadOptions::default()
    };
    model::load::from_bytes(name, data, &opts)
}

/// The TUI over the demo log at `size`, with the default keys and prefixes.
pub fn demo_app(size: (u16, u16)) -> mailtriage::tui::app::App {
    mailtriage::tui::app::App::with_model(
        mailtriage::tui::keys::KeyMap::defaults().expect("default keys"),
        demo_model(),
        mailtriage::query::NetPrefix::default(),
        size,
    )
}

/// What `app` draws, one string per row, without colour (ratatui's `TestBackend`).
pub fn screen(app: &mailtriage::tui::app::App) -> Vec<String> {
    use ratatui::{Terminal, backend::TestBackend};
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| {
        mailtriage::tui::render::render(f, app, mailtriage::tui::theme::Theme { color: false })
    })
    .expect("draw");
    let b = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| b[(x, y)].symbol().to_string()).collect())
        .collect()
}
