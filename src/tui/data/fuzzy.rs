//! Fuzzy narrowing of a list by a typed pattern, skim's rule at a fraction of its cost.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// Fuzzy narrowing: a candidate stays when the pattern's characters appear in
/// its text in order (smart case: case matters only if the pattern has capitals).
/// Candidates keep their order, so the list stays sorted by the chosen key.
///
/// Membership is a plain subsequence test, the same rule skim applies, so a
/// keystroke over 100 k senders costs a few milliseconds; the skim matcher
/// (`highlights`) only runs for the rows on screen, to mark matched characters.
pub struct Fuzzy {
    matcher: SkimMatcherV2,
}

impl Default for Fuzzy {
    fn default() -> Self {
        Fuzzy {
            matcher: SkimMatcherV2::default().smart_case(),
        }
    }
}

impl Fuzzy {
    pub fn narrow<'a>(
        &self,
        candidates: &[u32],
        pattern: &str,
        text: impl Fn(u32) -> &'a str,
    ) -> Vec<u32> {
        if pattern.is_empty() {
            return candidates.to_vec();
        }
        let p = Pattern::new(pattern);
        candidates
            .iter()
            .copied()
            .filter(|&i| p.matches(text(i)))
            .collect()
    }

    /// Char positions of `text` that the pattern matched, for highlighting.
    pub fn highlights(&self, text: &str, pattern: &str) -> Vec<usize> {
        if pattern.is_empty() {
            return Vec::new();
        }
        self.matcher
            .fuzzy_indices(text, pattern)
            .map(|(_, v)| v)
            .unwrap_or_default()
    }
}

struct Pattern {
    chars: Vec<char>,
    bytes: Option<Vec<u8>>,
    case_sensitive: bool,
}

impl Pattern {
    fn new(p: &str) -> Pattern {
        let case_sensitive = p.chars().any(char::is_uppercase);
        let chars: Vec<char> = if case_sensitive {
            p.chars().collect()
        } else {
            p.chars().flat_map(char::to_lowercase).collect()
        };
        let bytes = p
            .is_ascii()
            .then(|| chars.iter().map(|&c| c as u8).collect());
        Pattern {
            chars,
            bytes,
            case_sensitive,
        }
    }

    fn matches(&self, text: &str) -> bool {
        if let (Some(p), true) = (&self.bytes, text.is_ascii()) {
            let mut want = p.iter();
            let Some(mut w) = want.next() else {
                return true;
            };
            for &c in text.as_bytes() {
                let c = if self.case_sensitive {
                    c
                } else {
                    c.to_ascii_lowercase()
                };
                if c == *w {
                    match want.next() {
                        Some(n) => w = n,
                        None => return true,
                    }
                }
            }
            return false;
        }
        is_subsequence(text, &self.chars, self.case_sensitive)
    }
}

fn is_subsequence(text: &str, pattern: &[char], case_sensitive: bool) -> bool {
    let mut p = pattern.iter().peekable();
    for c in text.chars() {
        let Some(&&want) = p.peek() else { break };
        let hit = if case_sensitive {
            c == want
        } else {
            c == want || c.to_lowercase().eq(std::iter::once(want))
        };
        if hit {
            p.next();
        }
    }
    p.peek().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_is_a_smart_case_subsequence_like_skim() {
        let f = Fuzzy::default();
        let texts = [
            "mail.GMX.net",
            "mail.net",
            "Gmx.example",
            "2001:db8::25",
            "caf\u{e9}.example",
        ];
        for pat in [
            "gmx",
            "GMX",
            "G",
            "db8:2",
            "2001",
            "x",
            "CAF\u{c9}",
            "f\u{e9}",
            "",
        ] {
            let kept = f.narrow(&[0, 1, 2, 3, 4], pat, |i| texts[i as usize]);
            for (i, t) in texts.iter().enumerate() {
                let skim = f.matcher.fuzzy_match(t, pat).is_some() || pat.is_empty();
                assert_eq!(kept.contains(&(i as u32)), skim, "{pat:?} on {t:?}");
            }
        }
    }
}
