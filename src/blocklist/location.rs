//! Which blocklist file a run uses: one rule for the CLI and the TUI, so blocks added in the
//! interactive view as oneself and exported by root's cron read the same file.
//!
//! The rule (README, *Blocklist: the file*), first match wins:
//! 1. `--blocklist PATH`;
//! 2. `$MAILTRIAGE_BLOCKLIST`;
//! 3. the system file `/etc/mailtriage/blocklist` when it exists, or when running as root
//!    (root's cron exports for the mail server, so its blocks belong in the shared file);
//! 4. the per-user file `$XDG_CONFIG_HOME/mailtriage/blocklist` or
//!    `~/.config/mailtriage/blocklist`.
//!
//! `$MAILTRIAGE_SYSTEM_BLOCKLIST` moves the system file (for tests and packagers), so tests
//! never touch `/etc`.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use super::store::StoreError;

pub const SYSTEM_PATH: &str = "/etc/mailtriage/blocklist";
pub const ENV_PATH: &str = "MAILTRIAGE_BLOCKLIST";
pub const ENV_SYSTEM_PATH: &str = "MAILTRIAGE_SYSTEM_BLOCKLIST";

/// Why a location was chosen; shown by `block path` and in the TUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Flag,
    Env,
    SystemExists,
    SystemRoot,
    PerUser,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Why::Flag => "--blocklist",
            Why::Env => "$MAILTRIAGE_BLOCKLIST",
            Why::SystemExists => "system file: exists",
            Why::SystemRoot => "system file: running as root",
            Why::PerUser => "per-user file: no system file, not root",
        })
    }
}

/// The blocklist file a run uses and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub why: Why,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.path.display(), self.why)
    }
}

/// What the rule looks at besides `--blocklist`; injected so the rule is tested without
/// changing the process environment or being root.
pub struct Env<'a> {
    pub var: &'a dyn Fn(&str) -> Option<OsString>,
    pub is_root: bool,
    pub exists: &'a dyn Fn(&Path) -> bool,
}

/// The location for this process: its environment, its effective user, the file system.
pub fn locate(flag: Option<&Path>) -> Result<Location, StoreError> {
    let var = |name: &str| std::env::var_os(name);
    // SAFETY: geteuid has no preconditions and cannot fail.
    let is_root = unsafe { libc::geteuid() } == 0;
    let exists = |p: &Path| p.exists();
    locate_in(
        flag,
        &Env {
            var: &var,
            is_root,
            exists: &exists,
        },
    )
}

/// The rule itself (see the module comment).
pub fn locate_in(flag: Option<&Path>, env: &Env<'_>) -> Result<Location, StoreError> {
    let at = |path: PathBuf, why| Ok(Location { path, why });
    if let Some(p) = flag {
        return at(p.to_owned(), Why::Flag);
    }
    // An empty variable is treated as unset: `MAILTRIAGE_BLOCKLIST= cmd` must not mean "".
    let non_empty = |name: &str| (env.var)(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = non_empty(ENV_PATH) {
        return at(p, Why::Env);
    }
    let system = non_empty(ENV_SYSTEM_PATH).unwrap_or_else(|| PathBuf::from(SYSTEM_PATH));
    if (env.exists)(&system) {
        return at(system, Why::SystemExists);
    }
    if env.is_root {
        return at(system, Why::SystemRoot);
    }
    at(per_user(env)?, Why::PerUser)
}

/// `$XDG_CONFIG_HOME/mailtriage/blocklist`, else `~/.config/mailtriage/blocklist`. A relative
/// XDG_CONFIG_HOME is ignored, as the XDG spec says.
fn per_user(env: &Env<'_>) -> Result<PathBuf, StoreError> {
    let base = (env.var)("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| (env.var)("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or(StoreError::NoDefaultPath)?;
    Ok(base.join("mailtriage").join("blocklist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locate_with(
        flag: Option<&str>,
        vars: &[(&str, &str)],
        is_root: bool,
        existing: &[&str],
    ) -> Location {
        let var = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        };
        let exists = |p: &Path| existing.iter().any(|e| Path::new(e) == p);
        locate_in(
            flag.map(Path::new),
            &Env {
                var: &var,
                is_root,
                exists: &exists,
            },
        )
        .expect("a location")
    }

    #[test]
    fn location_rule_first_match_wins() {
        let home = [("HOME", "/home/u")];
        let all = [("HOME", "/home/u"), (ENV_PATH, "/srv/bl")];
        let sys = [SYSTEM_PATH];
        assert_eq!(
            locate_with(Some("/x"), &all, true, &sys).to_string(),
            "/x (--blocklist)"
        );
        assert_eq!(
            locate_with(None, &all, true, &sys).to_string(),
            "/srv/bl ($MAILTRIAGE_BLOCKLIST)"
        );
        assert_eq!(
            locate_with(None, &home, false, &sys).to_string(),
            "/etc/mailtriage/blocklist (system file: exists)"
        );
        assert_eq!(
            locate_with(None, &home, true, &[]).to_string(),
            "/etc/mailtriage/blocklist (system file: running as root)"
        );
        assert_eq!(
            locate_with(None, &home, false, &[]).to_string(),
            "/home/u/.config/mailtriage/blocklist (per-user file: no system file, not root)"
        );
    }

    #[test]
    fn location_system_path_is_overridable_and_empty_vars_are_unset() {
        let vars = [
            ("HOME", "/home/u"),
            (ENV_PATH, ""),
            (ENV_SYSTEM_PATH, "/tmp/sys/bl"),
            ("XDG_CONFIG_HOME", "relative"),
        ];
        let l = locate_with(None, &vars, false, &["/tmp/sys/bl"]);
        assert_eq!(
            (l.path.as_path(), l.why),
            (Path::new("/tmp/sys/bl"), Why::SystemExists)
        );
        // A missing system file does not win for a user; a relative XDG_CONFIG_HOME is ignored.
        let l = locate_with(None, &vars, false, &[SYSTEM_PATH]);
        assert_eq!(l.path, Path::new("/home/u/.config/mailtriage/blocklist"));
    }
}
