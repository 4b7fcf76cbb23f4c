//! A model that grows: the builder of a load kept open, so that lines read later
//! (from a [`follow::Follower`](super::follow::Follower)) are folded in exactly
//! as a whole load would have folded them.
//!
//! Each append is a source of its own (owned bytes, `base` = the previous end),
//! so every line stays reachable by its offset, and goes through the loader's
//! own per-line path (`load::index_source`): the message index, the IP index,
//! continuation lines and syslog years carry on across appends, and the result
//! equals loading the same bytes at once (`tests/live_append.rs`).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use super::budget::{Budget, Limit};
use super::load::{self, LoadError, LoadOptions, Progress, Stop};
use super::source::{Bytes, SourceError};
use super::{Builder, Model, NONE, Source};

/// Appends of one file are gathered into one source up to this size; then a new
/// piece starts (so growing one never copies more than this).
const MERGE_UP_TO: usize = 16 << 20;

/// What one append added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// The new lines' indexes.
    pub lines: Range<u32>,
    /// Messages created by the new lines (`messages[range]`).
    pub new_messages: Range<u32>,
    /// Every message with a line among the new ones (new or older), ascending.
    pub touched: Vec<u32>,
}

impl Appended {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// This append and `next`, the one right after it, as one.
    pub fn then(mut self, next: Appended) -> Appended {
        self.lines.end = next.lines.end;
        self.new_messages.end = next.new_messages.end;
        self.touched.extend(next.touched);
        self.touched.sort_unstable();
        self.touched.dedup();
        self
    }
}

/// A model that lines can be appended to. Read it through [`Live::model`].
pub struct Live {
    b: Builder,
    opts: LoadOptions,
    budget: Budget,
    /// The global offset the next append starts at.
    end: u64,
    /// Appends of one file are gathered into its last source while it stays
    /// under this size (0: every append a source of its own).
    pub merge_up_to: usize,
}

impl Live {
    /// An empty model, to be filled by appends.
    pub fn new(opts: LoadOptions) -> Live {
        let budget = Budget::new(Limit::new(opts.max_memory));
        Live::from_builder(Builder::new(), budget, opts)
    }

    /// Loads `paths` as `model::load` does (older rotations: mapped or read
    /// once), then appends can follow. The followed file itself should not be
    /// among them: it is read by appends, never mapped.
    pub fn load(
        paths: &[PathBuf],
        opts: LoadOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Live, LoadError> {
        let (b, budget) = load::load_builder(paths, &opts, progress)?;
        Ok(Live::from_builder(b, budget, opts))
    }

    fn from_builder(mut b: Builder, budget: Budget, opts: LoadOptions) -> Live {
        b.settle();
        let end = b.model.sources.last().map_or(0, |s| s.base + s.len());
        Live {
            b,
            opts,
            budget,
            end,
            merge_up_to: MERGE_UP_TO,
        }
    }

    pub fn model(&self) -> &Model {
        &self.b.model
    }

    /// A copy of the model as it stands, for a reader on another thread while
    /// appends go on here. The text is shared; the indexes are copied (about a
    /// third of the model's size in bytes per message, see `Model`).
    pub fn snapshot(&self) -> Model {
        self.b.model.clone()
    }

    pub fn into_model(self) -> Model {
        self.b.finish()
    }

    /// Folds `bytes` (complete lines) into the model as a source named `name`.
    /// `continues`: the bytes are more of the same file as the last append (its
    /// lines are numbered on); false for a new file, or a file started again
    /// after a rotation or truncation.
    pub fn append(
        &mut self,
        name: &str,
        bytes: Vec<u8>,
        continues: bool,
    ) -> Result<Appended, LoadError> {
        let m = &self.b.model;
        let (lines0, msgs0) = (m.line_count() as u32, m.messages.len() as u32);
        if bytes.is_empty() {
            return Ok(Appended {
                lines: lines0..lines0,
                new_messages: msgs0..msgs0,
                touched: Vec::new(),
            });
        }
        let held = bytes.capacity() as u64;
        if !self.budget.can_read(held) {
            return Err(SourceError::TooBig {
                path: name.to_string(),
                read: self.budget.read,
                limit: self.budget.limit,
            }
            .into());
        }
        self.budget.read += held;
        let len = bytes.len() as u64;
        let indexed = load::index_source(
            &mut self.b,
            &bytes,
            self.end,
            &self.opts,
            &self.budget,
            &mut |_| {},
            0,
            len,
        );
        // The lines folded so far stay reachable whatever stopped the rest.
        // More of the same file goes into its last piece while that is small:
        // a source per poll would cost a name and a notice each, for hours.
        let last = self.b.model.sources.last_mut();
        let same_file = continues && last.as_ref().is_some_and(|s| s.name == name);
        let grow = last.filter(|s| {
            same_file
                && matches!(&s.data, Bytes::Owned(v) if v.len() + bytes.len() <= self.merge_up_to)
        });
        match grow {
            Some(last) => {
                // A snapshot being read elsewhere holds the piece: it keeps its copy and
                // this one grows a copy of its own (at most `merge_up_to` bytes).
                if Arc::get_mut(last).is_none()
                    && let Some(copy) = last.owned_copy()
                {
                    *last = Arc::new(copy);
                }
                if let Some(Source {
                    data: Bytes::Owned(v),
                    ..
                }) = Arc::get_mut(last)
                {
                    let before = v.capacity();
                    v.extend_from_slice(&bytes);
                    self.budget.read = self.budget.read - held + (v.capacity() - before) as u64;
                }
            }
            None => {
                let mut src = Source::new(name.to_string(), Bytes::Owned(bytes), self.end);
                if same_file {
                    src = src.continuing();
                }
                self.b.model.sources.push(Arc::new(src));
            }
        }
        self.end += len;
        self.b.settle();
        match indexed {
            Ok(()) => {}
            Err(Stop::TooManyLines) => {
                return Err(LoadError::TooManyLines {
                    path: name.to_string(),
                });
            }
            Err(Stop::OverBudget) => {
                return Err(LoadError::OverBudget {
                    path: name.to_string(),
                    lines: self.b.model.line_count() as u64,
                    limit: self.budget.limit,
                });
            }
        }
        let m = &self.b.model;
        let lines1 = m.line_count() as u32;
        let mut touched: Vec<u32> = m
            .line_msg
            .get(lines0 as usize..)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|&x| x != NONE)
            .collect();
        touched.sort_unstable();
        touched.dedup();
        Ok(Appended {
            lines: lines0..lines1,
            new_messages: msgs0..m.messages.len() as u32,
            touched,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_lines_are_reachable_and_numbered_on() {
        let mut live = Live::new(LoadOptions::default());
        let a = live
            .append(
                "log",
                b"2020-01-01 00:00:00 1aaaaa-000000-00 <= a@b.example H=(x) [192.0.2.1] P=esmtp S=1\n"
                    .to_vec(),
                false,
            )
            .expect("append");
        assert_eq!((a.lines, a.new_messages, a.touched), (0..1, 0..1, vec![0]));
        let a = live
            .append(
                "log",
                b"2020-01-01 00:00:01 1aaaaa-000000-00 Completed\nnoise\n".to_vec(),
                true,
            )
            .expect("append");
        assert_eq!((a.lines, a.new_messages, a.touched), (1..3, 1..1, vec![0]));
        let m = live.model();
        assert_eq!(m.line(1), b"2020-01-01 00:00:01 1aaaaa-000000-00 Completed");
        assert_eq!(m.line(2), b"noise");
        assert_eq!(m.line_place(2), Some(("log", 3)));
        assert_eq!(m.files(), ["log"]);
        assert!(m.messages[0].has(crate::model::flags::COMPLETED));
        assert_eq!(m.message_lines(0).collect::<Vec<_>>(), [0, 1]);
        // A new file starts its numbering again.
        live.append("log", b"x\n".to_vec(), false).expect("append");
        assert_eq!(live.model().line_place(3), Some(("log", 1)));
        assert_eq!(live.model().files(), ["log", "log"]);
    }
}
