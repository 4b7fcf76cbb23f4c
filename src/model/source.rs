//! Where log bytes come from: a memory map for plain files, a decompressed buffer
//! for `.gz`, a read buffer for stdin.
//!
//! A map is a view of the file, not a copy. Exim and logrotate rotate by renaming,
//! which leaves a mapped file intact; `copytruncate` shrinks it under us and the
//! kernel would signal SIGBUS on the vanished pages, so `--no-mmap` reads into
//! memory instead for setups that truncate.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

pub enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// One input file as loaded.
pub struct Source {
    /// What the user named (`-` for stdin).
    pub name: String,
    pub data: Bytes,
    /// Offset of this source's first byte in the model's global offset space.
    pub base: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "{path}: no such file (pass the path of an Exim main log, e.g. /var/log/exim4/mainlog)"
    )]
    NotFound { path: String },
    #[error("{path}: permission denied (try sudo, or add yourself to the adm group)")]
    PermissionDenied { path: String },
    #[error("{path}: is a directory (pass the log file inside it, e.g. {path}/mainlog)")]
    Directory { path: String },
    #[error("{path}: not a valid gzip file: {source}")]
    Gzip { path: String, source: io::Error },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

fn io_error(path: &str, e: io::Error) -> SourceError {
    match e.kind() {
        io::ErrorKind::NotFound => SourceError::NotFound {
            path: path.to_string(),
        },
        io::ErrorKind::PermissionDenied => SourceError::PermissionDenied {
            path: path.to_string(),
        },
        _ => SourceError::Io {
            path: path.to_string(),
            source: e,
        },
    }
}

/// Reads or maps one input. `-` is stdin; a name ending in `.gz` (or starting with
/// the gzip magic) is decompressed.
pub fn open(path: &Path, allow_mmap: bool) -> Result<Bytes, SourceError> {
    let name = path.display().to_string();
    if name == "-" {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| io_error(&name, e))?;
        return Ok(Bytes::Owned(maybe_gunzip(&name, buf)?));
    }
    let meta = std::fs::metadata(path).map_err(|e| io_error(&name, e))?;
    if meta.is_dir() {
        return Err(SourceError::Directory { path: name });
    }
    let mut file = File::open(path).map_err(|e| io_error(&name, e))?;
    let gz = name.ends_with(".gz") || sniff_gzip(&mut file);
    if gz {
        let mut buf = Vec::with_capacity(meta.len() as usize * 4);
        file.read_to_end(&mut buf).map_err(|e| io_error(&name, e))?;
        return Ok(Bytes::Owned(maybe_gunzip(&name, buf)?));
    }
    if allow_mmap && meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is read-only and private to us. The file can still change
        // underneath (see the module comment); that is the documented trade-off.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| io_error(&name, e))?;
        return Ok(Bytes::Mapped(map));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut buf).map_err(|e| io_error(&name, e))?;
    Ok(Bytes::Owned(buf))
}

fn sniff_gzip(file: &mut File) -> bool {
    use std::io::{Seek, SeekFrom};
    let mut magic = [0u8; 2];
    let ok = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let _ = file.seek(SeekFrom::Start(0));
    ok
}

fn maybe_gunzip(name: &str, buf: Vec<u8>) -> Result<Vec<u8>, SourceError> {
    if buf.len() < 2 || buf[0] != 0x1f || buf[1] != 0x8b {
        return Ok(buf);
    }
    let mut out = Vec::with_capacity(buf.len() * 6);
    flate2::read::MultiGzDecoder::new(&buf[..])
        .read_to_end(&mut out)
        .map_err(|e| SourceError::Gzip {
            path: name.to_string(),
            source: e,
        })?;
    Ok(out)
}

/// The logs mailtriage opens when given no file, in the order tried.
pub const DEFAULT_LOGS: [&str; 3] = [
    "/var/log/exim4/mainlog",
    "/var/log/exim/main.log",
    "/var/spool/exim/log/mainlog",
];

pub fn default_log() -> Option<PathBuf> {
    DEFAULT_LOGS.iter().map(PathBuf::from).find(|p| p.is_file())
}
