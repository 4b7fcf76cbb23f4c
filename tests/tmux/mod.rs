//! A private tmux server for the tests that drive the real binary in a real terminal:
//! one session on its own socket, killed when the test ends however it ends.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../prereq/mod.rs"]
mod prereq;

/// Skips a test that cannot run here, with a visible notice; under CI it fails instead.
pub fn skip(why: &str) {
    prereq::skip("a tmux end-to-end test", why);
}

pub struct Tmux {
    socket: String,
    /// Whether `screen` joins the lines tmux wrapped (`capture-pane -J`).
    joined: bool,
}

impl Tmux {
    /// `cmd` in a `cols`x`rows` session; `None`, with a notice, where tmux is missing or
    /// cannot start one (the test then skips).
    pub fn start(name: &str, (cols, rows): (u16, u16), cmd: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            skip(&format!("tmux is not installed (test {name})"));
            return None;
        }
        let t = Tmux {
            socket: format!("mailtriage-{name}-{}", std::process::id()),
            joined: false,
        };
        let (cols, rows) = (cols.to_string(), rows.to_string());
        let ok = t
            .cmd(&["new-session", "-d", "-x", &cols, "-y", &rows, cmd])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip(&format!("tmux could not start a session (test {name})"));
            return None;
        }
        Some(t)
    }

    /// From now on `screen` (and so `wait`) reads wrapped lines joined again.
    pub fn joined(mut self) -> Tmux {
        self.joined = true;
        self
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        let _ = self.cmd(&args).status();
    }

    fn capture(&self, joined: bool) -> String {
        let args: &[&str] = if joined {
            &["capture-pane", "-p", "-J"]
        } else {
            &["capture-pane", "-p"]
        };
        self.cmd(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    pub fn screen(&self) -> String {
        self.capture(self.joined)
    }

    /// The screen with lines the terminal wrapped joined again.
    pub fn screen_joined(&self) -> String {
        self.capture(true)
    }

    pub fn display(&self, format: &str) -> String {
        self.cmd(&["display-message", "-p", format])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    }

    /// Waits up to 15 s until `pred` holds for the screen; the last screen either way.
    pub fn wait(&self, pred: impl Fn(&str) -> bool) -> Result<String, String> {
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if pred(&s) {
                return Ok(s);
            }
            if Instant::now() > until {
                return Err(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `wait` for a text on the screen; the last screen either way.
    pub fn wait_for(&self, what: &str) -> String {
        self.wait(|s| s.contains(what)).unwrap_or_else(|s| s)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}
