//! Putting an export where its consumer reads it, without ever losing the blocks it enforces:
//! an output that holds entries is never replaced by one that holds none (unless asked), and a
//! file whose bytes would not change is not rewritten, so the caller can tell a consumer to
//! reload only when something changed.
//!
//! Every file is checked before any is written, so a refused multi-file export leaves the
//! whole directory as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::export::{Export, Format, items_in};
use super::replace::write_atomic;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "refusing to replace {path}, which holds {}, with an export that holds none; check the blocklist (`mailtriage block path`, `mailtriage block list`), or pass --allow-empty if it is meant to block nothing",
        crate::text::plural(*had as u64, "entry", "entries")
    )]
    WouldEmpty { path: PathBuf, had: usize },
    #[error("cannot read {path} to compare it with the export: {error}")]
    Read { path: PathBuf, error: io::Error },
    #[error("cannot create directory {path}: {error}")]
    Dir { path: PathBuf, error: io::Error },
    #[error("cannot write {path}: {error}")]
    Write { path: PathBuf, error: io::Error },
    #[error("the export has no file to write")]
    Nothing,
}

/// Which destination files were replaced and which already held exactly the export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
}

impl Published {
    pub fn changed(&self) -> bool {
        !self.written.is_empty()
    }
}

/// Writes `export` to `dest`: a directory for multi-file formats, else the file itself.
pub fn publish(
    export: &Export,
    format: Format,
    dest: &Path,
    allow_empty: bool,
) -> Result<Published, PublishError> {
    let targets: Vec<(PathBuf, &[u8])> = if format.is_multi_file() {
        export
            .files
            .iter()
            .map(|f| (dest.join(f.name), f.contents.as_bytes()))
            .collect()
    } else {
        let f = export.files.first().ok_or(PublishError::Nothing)?;
        vec![(dest.to_owned(), f.contents.as_bytes())]
    };
    let mut current = Vec::with_capacity(targets.len());
    for (path, new) in &targets {
        let now = read_current(path)?;
        if let Some(old) = &now {
            let had = items_in(format, old);
            if had > 0 && items_in(format, new) == 0 && !allow_empty {
                return Err(PublishError::WouldEmpty {
                    path: path.clone(),
                    had,
                });
            }
        }
        current.push(now);
    }
    if format.is_multi_file() {
        fs::create_dir_all(dest).map_err(|error| PublishError::Dir {
            path: dest.to_owned(),
            error,
        })?;
    }
    let mut done = Published::default();
    for ((path, new), now) in targets.into_iter().zip(current) {
        if now.as_deref() == Some(new) {
            done.unchanged.push(path);
            continue;
        }
        write_atomic(&path, new).map_err(|error| PublishError::Write {
            path: path.clone(),
            error,
        })?;
        done.written.push(path);
    }
    Ok(done)
}

/// The bytes at `path` now; `None` when there is no regular file to compare with (missing,
/// or something `write_atomic` will refuse with its own message: a directory, a device...).
fn read_current(path: &Path) -> Result<Option<Vec<u8>>, PublishError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => fs::read(path)
            .map(Some)
            .map_err(|error| PublishError::Read {
                path: path.to_owned(),
                error,
            }),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocklist::{Entry, export};

    fn export_of(entries: &[&str], format: Format) -> Export {
        let parsed: Vec<Entry> = entries
            .iter()
            .map(|e| Entry::parse(e).expect("entry"))
            .collect();
        let rows: Vec<_> = parsed
            .iter()
            .enumerate()
            .map(|(i, e)| (i + 1, e, None))
            .collect();
        export(&rows, format).expect("export")
    }

    #[test]
    fn publish_refuses_to_empty_any_format_and_writes_only_changes() {
        let formats = [
            (Format::Plain, "out"),
            (Format::Nft, "out"),
            (Format::Json, "out"),
            (Format::Exim, "dir"),
            (Format::Postfix, "dir"),
        ];
        for (format, name) in formats {
            let tmp = tempfile::tempdir().expect("tempdir");
            let dest = tmp.path().join(name);
            let full = export_of(&["192.0.2.1", "domain:spam.example"], format);
            let first = publish(&full, format, &dest, false).expect("first");
            assert!(first.changed() && first.unchanged.is_empty(), "{format:?}");
            let again = publish(&full, format, &dest, false).expect("again");
            assert!(!again.changed(), "{format:?}: {again:?}");

            let empty = export_of(&[], format);
            let err = publish(&empty, format, &dest, false).expect_err("refused");
            assert!(
                matches!(err, PublishError::WouldEmpty { .. }),
                "{format:?}: {err}"
            );
            assert!(
                !publish(&full, format, &dest, false)
                    .expect("same")
                    .changed()
            );
            assert!(
                publish(&empty, format, &dest, true)
                    .expect("allowed")
                    .changed()
            );
        }
    }

    #[test]
    fn publish_checks_every_file_before_writing_any() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("exim");
        publish(
            &export_of(&["192.0.2.1"], Format::Exim),
            Format::Exim,
            &dir,
            false,
        )
        .expect("first");
        let hosts = fs::read(dir.join("hosts")).expect("hosts");
        // Domains only: `hosts` would lose its entry, so `sender_domains` is not written either.
        let domains = export_of(&["domain:spam.example"], Format::Exim);
        assert!(publish(&domains, Format::Exim, &dir, false).is_err());
        assert_eq!(fs::read(dir.join("hosts")).expect("hosts"), hosts);
        let sender = fs::read_to_string(dir.join("sender_domains")).expect("sender");
        assert!(!sender.contains("spam.example"), "{sender}");
    }
}
