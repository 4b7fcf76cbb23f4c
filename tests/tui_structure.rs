//! The TUI reads as rooms: no file too long to read whole, and no two modules that
//! depend on each other (directly or round a loop), so each can be changed alone.
//!
//! Dependencies are read from the source text: `use` statements (braces expanded) and
//! paths written in code (`crate::tui::data::shown`, `super::backend::clamp_size`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

fn tui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src/tui is readable") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `render/senders.rs` → `["render", "senders"]`; a `mod.rs` is its folder.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).expect("under src/tui");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    let path = path.trim();
    let Some(open) = path.find('{') else {
        return vec![path.to_string()];
    };
    let prefix = path.get(..open).unwrap_or_default();
    let inner = path
        .get(open + 1..path.rfind('}').unwrap_or(path.len()))
        .unwrap_or_default();
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(inner.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(inner.get(start..).unwrap_or_default());
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(&format!("{prefix}{}", p.trim())))
        .collect()
}

/// The module a path names, as the longest prefix of it that is a module of the TUI.
fn resolve(from: &[String], path: &str, modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").map(str::trim).collect();
    let mut base: Vec<String> = from.to_vec();
    let mut rest = segs.as_slice();
    match rest.first() {
        Some(&"crate") => {
            if rest.get(1) != Some(&"tui") {
                return None;
            }
            base.clear();
            rest = rest.get(2..).unwrap_or_default();
        }
        Some(&"super") => {
            while rest.first() == Some(&"super") {
                base.pop()?;
                rest = rest.get(1..).unwrap_or_default();
            }
        }
        Some(&"self") => rest = rest.get(1..).unwrap_or_default(),
        // A child module named without `self::` (`use app::App;` in `tui/mod.rs`).
        Some(first) => {
            let mut child = base.clone();
            child.push(first.to_string());
            if !modules.contains(&child) {
                return None;
            }
        }
        None => return None,
    }
    let mut best = base.clone();
    let mut cur = base;
    for s in rest {
        cur.push(s.to_string());
        if modules.contains(&cur) {
            best = cur.clone();
        } else {
            break;
        }
    }
    Some(best)
}

/// Lines of code, without comments and without the unit tests (whose `super` is the
/// module itself, not its parent).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .map(|l| l.split("//").next().unwrap_or_default())
        .filter(|l| !l.trim().is_empty())
}

fn dependencies(
    from: &[String],
    text: &str,
    modules: &BTreeSet<Vec<String>>,
) -> BTreeSet<Vec<String>> {
    let mut paths = Vec::new();
    let code: Vec<&str> = code_lines(text).collect();
    let joined = code.join("\n");
    // `use` statements, which may span lines and hold braces.
    let mut rest = joined.as_str();
    while let Some(at) = rest.find("use ") {
        let before_ok = at == 0
            || rest
                .get(..at)
                .and_then(|b| b.chars().last())
                .is_some_and(|c| c.is_whitespace() || c == '{' || c == ';');
        let tail = rest.get(at + 4..).unwrap_or_default();
        let end = tail.find(';').unwrap_or(tail.len());
        if before_ok {
            paths.extend(expand(tail.get(..end).unwrap_or_default()));
        }
        rest = tail.get(end..).unwrap_or_default();
    }
    // Paths written in code.
    for line in &code {
        for start in ["crate::tui::", "super::"] {
            let mut l = *line;
            while let Some(at) = l.find(start) {
                let tail = l.get(at..).unwrap_or_default();
                let end = tail
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(tail.len());
                paths.push(tail.get(..end).unwrap_or_default().to_string());
                l = tail.get(end.max(1)..).unwrap_or_default();
            }
        }
    }
    paths
        .iter()
        .map(|p| p.trim_start_matches("pub ").trim().to_string())
        .filter_map(|p| resolve(from, &p, modules))
        .filter(|m| m.as_slice() != from)
        .collect()
}

fn read_tui() -> BTreeMap<Vec<String>, (PathBuf, String)> {
    let root = tui_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).expect("readable");
            (module_of(&root, &f), (f, text))
        })
        .collect()
}

#[test]
fn no_tui_file_is_over_500_lines() {
    let root = tui_dir();
    let mut long = Vec::new();
    for (_, (f, text)) in read_tui() {
        let rel = f.strip_prefix(&root).expect("under src/tui");
        let n = text.lines().count();
        if n > MAX_LINES {
            long.push(format!("{} has {n} lines", rel.display()));
        }
    }
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

#[test]
fn no_import_cycle_among_tui_modules() {
    let files = read_tui();
    let modules: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = files
        .iter()
        .map(|(m, (_, text))| (m.clone(), dependencies(m, text, &modules)))
        .collect();
    // The reading itself is checked on edges known to exist, so an empty graph cannot pass.
    let edge = |a: &str, b: &str| {
        let k = |s: &str| -> Vec<String> { s.split('/').map(String::from).collect() };
        graph.get(&k(a)).is_some_and(|d| d.contains(&k(b)))
    };
    assert!(
        edge("render/senders", "app"),
        "{:?}",
        graph.get(&vec!["render".to_string(), "senders".to_string()])
    );
    assert!(edge("app", "components/senders"));
    assert!(edge("layout", "view"));

    // Depth-first search for a back edge.
    fn visit(
        m: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let from = stack.iter().position(|x| x == m).unwrap_or(0);
                let mut cycle: Vec<String> = stack[from..].iter().map(|x| x.join("::")).collect();
                cycle.push(m.join("::"));
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for d in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        let mut stack = Vec::new();
        if let Some(c) = visit(m, &graph, &mut state, &mut stack) {
            panic!("import cycle in src/tui: {}", c.join(" -> "));
        }
    }
}
