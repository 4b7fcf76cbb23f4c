//! Writers that turn the blocklist into files real consumers load (pf/spamd, Exim, Postfix,
//! nftables, JSON). Must never emit an item it has not re-validated, nor a multi-line comment.

use std::fmt::Write as _;

use ipnet::IpNet;
use serde::Serialize;

use super::entry::{Entry, EntryError, net_to_string, normalise_domain, sanitise_comment};
use super::policy::{always_forbidden, describe};

/// Text Postfix returns to a rejected client; fixed, so nothing from a log reaches the SMTP reply.
pub const REJECT_TEXT: &str = "REJECT blocked by local policy (mailtriage)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One address or CIDR per line (pf table, spamd-setup, Exim host list file).
    Plain,
    /// Exim list files: `hosts`, `sender_domains`, `dkim_domains`.
    Exim,
    /// Postfix access tables: `client_access.cidr` and `sender_access`.
    Postfix,
    /// An nftables file with one interval set per family, loadable with `nft -f`.
    Nft,
    /// Every entry with its comment and metadata.
    Json,
}

impl Format {
    /// Formats made of several files take a directory for `-o`.
    pub fn is_multi_file(self) -> bool {
        matches!(self, Format::Exim | Format::Postfix)
    }
}

/// One file of an export. `name` is the file name inside the `-o` directory for multi-file
/// formats; single-file formats use `-o` as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub name: &'static str,
    pub contents: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub files: Vec<ExportFile>,
    /// Entries the format cannot express (e.g. domains in a host-only format), counted so the
    /// CLI can say what was left out.
    pub skipped: Vec<Entry>,
}

impl Export {
    /// All files as one stream (for stdout): files are introduced by a `# ==> NAME <==` comment
    /// line when there is more than one.
    pub fn to_stream(&self) -> String {
        if let [only] = self.files.as_slice() {
            return only.contents.clone();
        }
        let mut out = String::new();
        for f in &self.files {
            let _ = writeln!(out, "# ==> {} <==", f.name);
            out.push_str(&f.contents);
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("refusing to export line {line_no}: {source}")]
    Invalid { line_no: usize, source: EntryError },
    #[error("refusing to export line {line_no}: {reason}")]
    Forbidden { line_no: usize, reason: String },
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// An entry as handed to an exporter: 1-based line number, entry, comment.
pub type Row<'e> = (usize, &'e Entry, Option<&'e str>);

struct Sorted {
    v4: Vec<IpNet>,
    v6: Vec<IpNet>,
    sender_domains: Vec<String>,
    dkim_domains: Vec<String>,
}

/// Re-validates every entry (an `Entry` can be built directly, bypassing `Entry::parse`), merges
/// networks into the fewest CIDRs per family and sorts domains.
fn sort_and_check(rows: &[Row<'_>]) -> Result<Sorted, ExportError> {
    let mut nets = Vec::new();
    let mut sender_domains = Vec::new();
    let mut dkim_domains = Vec::new();
    for &(line_no, entry, _) in rows {
        let invalid = |source| ExportError::Invalid { line_no, source };
        let forbidden = always_forbidden(entry);
        if !forbidden.is_empty() {
            return Err(ExportError::Forbidden {
                line_no,
                reason: describe(&forbidden),
            });
        }
        match entry {
            Entry::Net(n) => nets.push(n.trunc()),
            Entry::SenderDomain(d) => sender_domains.push(normalise_domain(d).map_err(invalid)?),
            Entry::DkimDomain(d) => dkim_domains.push(normalise_domain(d).map_err(invalid)?),
        }
    }
    let merged = IpNet::aggregate(&nets);
    let (v4, v6) = merged.into_iter().partition(|n| matches!(n, IpNet::V4(_)));
    for list in [&mut sender_domains, &mut dkim_domains] {
        list.sort();
        list.dedup();
    }
    Ok(Sorted {
        v4,
        v6,
        sender_domains,
        dkim_domains,
    })
}

pub fn export(rows: &[Row<'_>], format: Format) -> Result<Export, ExportError> {
    let s = sort_and_check(rows)?;
    let nets = || s.v4.iter().chain(&s.v6).copied();
    let domain_entries = || {
        s.sender_domains
            .iter()
            .map(|d| Entry::SenderDomain(d.clone()))
            .chain(s.dkim_domains.iter().map(|d| Entry::DkimDomain(d.clone())))
    };
    let one = |contents| {
        vec![ExportFile {
            name: "blocklist",
            contents,
        }]
    };
    let (files, skipped) = match format {
        Format::Plain => (
            one(lines(nets().map(net_to_string))),
            domain_entries().collect(),
        ),
        Format::Exim => (exim(&s), Vec::new()),
        Format::Postfix => (
            postfix(&s),
            s.dkim_domains
                .iter()
                .map(|d| Entry::DkimDomain(d.clone()))
                .collect(),
        ),
        Format::Nft => (one(nft(&s)), domain_entries().collect()),
        Format::Json => (one(json(rows, &s)?), Vec::new()),
    };
    Ok(Export { files, skipped })
}

/// How many blocking items a file of `format` holds: what must not silently drop to zero when
/// an export replaces it. Used on what is on disk (which anyone may have edited, so anything
/// not recognisably empty counts) and on what we are about to write.
pub fn items_in(format: Format, bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let lines = || {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    };
    match format {
        Format::Plain | Format::Exim | Format::Postfix => lines().count(),
        // Elements are the lines of an `add element` block, each ending with a comma.
        Format::Nft => lines().filter(|l| l.ends_with(',')).count(),
        Format::Json => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(doc) => doc
                .get("entries")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len),
            Err(_) => lines().count(),
        },
    }
}

fn lines(items: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    for i in items {
        out.push_str(&i);
        out.push('\n');
    }
    out
}

/// A domain and every subdomain, as an Exim domain list spells it.
fn exim_domain_items(domains: &[String]) -> impl Iterator<Item = String> + '_ {
    domains.iter().flat_map(|d| [d.clone(), format!("*.{d}")])
}

fn exim(s: &Sorted) -> Vec<ExportFile> {
    // Files hold one item per line, so IPv6 colons need no `<;` list-separator change.
    let header = "# generated by mailtriage block export; one item per line\n";
    let with_header = |body: String| format!("{header}{body}");
    vec![
        ExportFile {
            name: "hosts",
            contents: with_header(lines(s.v4.iter().chain(&s.v6).map(|n| net_to_string(*n)))),
        },
        ExportFile {
            name: "sender_domains",
            contents: with_header(lines(exim_domain_items(&s.sender_domains))),
        },
        ExportFile {
            name: "dkim_domains",
            contents: with_header(lines(exim_domain_items(&s.dkim_domains))),
        },
    ]
}

fn postfix(s: &Sorted) -> Vec<ExportFile> {
    let client = lines(
        s.v4.iter()
            .chain(&s.v6)
            .map(|n| format!("{} {REJECT_TEXT}", net_to_string(*n))),
    );
    // `.domain` covers subdomains when parent_domain_matches_subdomains lacks smtpd_access_maps.
    let sender = lines(
        s.sender_domains
            .iter()
            .flat_map(|d| [d.clone(), format!(".{d}")])
            .map(|k| format!("{k} {REJECT_TEXT}")),
    );
    let header = "# generated by mailtriage block export\n";
    vec![
        ExportFile {
            name: "client_access.cidr",
            contents: format!("{header}{client}"),
        },
        ExportFile {
            name: "sender_access",
            contents: format!("{header}{sender}"),
        },
    ]
}

pub const NFT_TABLE: &str = "inet mailtriage";
pub const NFT_SET_V4: &str = "blocked_v4";
pub const NFT_SET_V6: &str = "blocked_v6";

fn nft(s: &Sorted) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/sbin/nft -f");
    let _ = writeln!(
        out,
        "# generated by mailtriage block export: {} IPv4 and {} IPv6 networks",
        s.v4.len(),
        s.v6.len()
    );
    // Declaring an existing table or set is a no-op, so this file both creates the sets and
    // refills them on every load without touching the admin's rules.
    let _ = writeln!(out, "table {NFT_TABLE} {{");
    for (set, ty) in [(NFT_SET_V4, "ipv4_addr"), (NFT_SET_V6, "ipv6_addr")] {
        let _ = writeln!(
            out,
            "\tset {set} {{\n\t\ttype {ty}\n\t\tflags interval\n\t}}"
        );
    }
    let _ = writeln!(out, "}}");
    for (set, nets) in [(NFT_SET_V4, &s.v4), (NFT_SET_V6, &s.v6)] {
        let _ = writeln!(out, "flush set {NFT_TABLE} {set}");
        if nets.is_empty() {
            continue;
        }
        let _ = writeln!(out, "add element {NFT_TABLE} {set} {{");
        for n in nets.iter() {
            let _ = writeln!(out, "\t{},", net_to_string(*n));
        }
        let _ = writeln!(out, "}}");
    }
    out
}

#[derive(Serialize)]
struct JsonExport<'a> {
    entries: Vec<JsonEntry<'a>>,
    /// Networks merged into the fewest CIDRs, as the host-list formats contain them.
    aggregated_networks: Vec<String>,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    line: usize,
    entry: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    family: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix_len: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<&'a str>,
    comment: Option<String>,
}

fn json(rows: &[Row<'_>], s: &Sorted) -> Result<String, ExportError> {
    let entries = rows
        .iter()
        .map(|&(line, entry, comment)| {
            let (kind, family, prefix_len, domain) = match entry {
                Entry::Net(IpNet::V4(n)) => ("network", Some("ipv4"), Some(n.prefix_len()), None),
                Entry::Net(IpNet::V6(n)) => ("network", Some("ipv6"), Some(n.prefix_len()), None),
                Entry::SenderDomain(d) => ("sender_domain", None, None, Some(d.as_str())),
                Entry::DkimDomain(d) => ("dkim_domain", None, None, Some(d.as_str())),
            };
            JsonEntry {
                line,
                entry: entry.to_string(),
                kind,
                family,
                prefix_len,
                domain,
                comment: comment.map(sanitise_comment).filter(|c| !c.is_empty()),
            }
        })
        .collect();
    let doc = JsonExport {
        entries,
        aggregated_networks: s
            .v4
            .iter()
            .chain(&s.v6)
            .map(|n| net_to_string(*n))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}
