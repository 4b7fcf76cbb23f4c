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
