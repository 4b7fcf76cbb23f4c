//! The interactive view (lands with the TUI issue; until then the summary).

use std::path::PathBuf;

use crate::model::LoadOptions;
use crate::query::NetPrefix;

pub fn run(paths: Vec<PathBuf>, opts: LoadOptions, _prefix: NetPrefix) -> anyhow::Result<()> {
    let m = crate::model::load(&paths, &opts, &mut |_| {})?;
    let s = crate::query::summary(&m);
    println!("{}", serde_json::to_string_pretty(&s)?);
    Ok(())
}
