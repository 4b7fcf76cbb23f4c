//! The TUI's fast aggregates must equal the CLI's `query::group` + `sort_rows`,
//! and its message lists `query::messages_of`, for every key, filter and sort.

mod common;

use std::sync::Arc;

use mailtriage::model::Model;
use mailtriage::parse::{DkimStatus, Family};
use mailtriage::query::{self, AggKey, Filter, Grouping, NetPrefix, SortKey};
use mailtriage::tui::index::{GroupIndex, aggregate, sort_aggs};

fn model(fixture: &str) -> Model {
    common::fixture_model(fixture)
}

fn filters(m: &Model) -> Vec<Filter> {
    let re = query::grep::compile("peter|mailbox", &Default::default()).expect("regex");
    let matches = Some(Arc::new(query::grep(m, &re)));
    let mut out = vec![Filter::default()];
    for fam in [Family::Ipv4, Family::Ipv6, Family::Unknown] {
        out.push(Filter {
            family: Some(fam),
            ..Filter::default()
        });
    }
    for d in DkimStatus::ALL {
        out.push(Filter {
            dkim: Some(d),
            ..Filter::default()
        });
    }
    if let (Some(a), Some(b)) = (m.first_time, m.last_time) {
        out.push(Filter {
            time: Some((a + (b - a) / 2, b)),
            ..Filter::default()
        });
    }
    out.push(Filter {
        matches,
        ..Filter::default()
    });
    out
}

#[test]
fn fast_aggregates_equal_the_query_module() {
    for fixture in ["seed-main.log", "tui-mixed.log"] {
        let m = model(fixture);
        let prefix = NetPrefix::default();
        for by in AggKey::ALL {
            let g = Arc::new(Grouping::new(&m, by, prefix));
            let ix = GroupIndex::new(&m, g.clone(), prefix);
            for f in filters(&m) {
                for sort in SortKey::ALL {
                    let mut cli = query::group(&m, &g, &f, false);
                    query::sort_rows(&mut cli, sort);
                    let mut tui = aggregate(&m, &ix, &f);
                    sort_aggs(&mut tui, sort, &ix);
                    let cli: Vec<_> = cli
                        .iter()
                        .map(|r| {
                            (
                                r.key.clone(),
                                r.family,
                                r.messages,
                                r.bytes,
                                r.dkim,
                                r.rejections,
                                r.first,
                                r.last,
                                r.messages_sig_fail,
                                r.messages_sig_invalid,
                                r.signatures.clone(),
                                (r.recent_5m, r.recent_1h),
                            )
                        })
                        .collect();
                    let tui: Vec<_> = tui
                        .iter()
                        .map(|r| {
                            (
                                ix.label(r.group).to_string(),
                                r.family(),
                                r.messages,
                                r.bytes,
                                r.dkim,
                                r.rejections,
                                r.first,
                                r.last,
                                r.messages_sig_fail,
                                r.messages_sig_invalid,
                                r.signatures.clone(),
                                (r.recent_5m, r.recent_1h),
                            )
                        })
                        .collect();
                    assert_eq!(
                        cli,
                        tui,
                        "{fixture} by={} sort={}",
                        by.as_str(),
                        sort.as_str()
                    );
                    for r in query::group(&m, &g, &f, false) {
                        assert_eq!(
                            query::messages_of(&m, &g, r.group, &f),
                            ix.messages_of(&m, r.group, &f)
                        );
                    }
                }
            }
        }
    }
}

/// On the demo log (messages with several signatures, domains whose signatures fail
/// under a passing message): the per-signature fields equal the CLI's, every filter.
#[test]
fn signature_fields_equal_the_query_module_on_the_demo_log() {
    let m = common::demo_model();
    let prefix = NetPrefix::default();
    let mut seen_sig_fail = false;
    for by in AggKey::ALL {
        let g = Arc::new(Grouping::new(&m, by, prefix));
        let ix = GroupIndex::new(&m, g.clone(), prefix);
        for f in filters(&m) {
            for sort in [SortKey::Messages, SortKey::DkimFail] {
                let mut cli = query::group(&m, &g, &f, false);
                query::sort_rows(&mut cli, sort);
                let mut tui = aggregate(&m, &ix, &f);
                sort_aggs(&mut tui, sort, &ix);
                let cli: Vec<_> = cli
                    .iter()
                    .map(|r| {
                        (
                            r.key.clone(),
                            r.messages,
                            r.dkim,
                            r.messages_sig_fail,
                            r.messages_sig_invalid,
                            r.signatures.clone(),
                        )
                    })
                    .collect();
                let tui: Vec<_> = tui
                    .iter()
                    .map(|r| {
                        (
                            ix.label(r.group).to_string(),
                            r.messages,
                            r.dkim,
                            r.messages_sig_fail,
                            r.messages_sig_invalid,
                            r.signatures.clone(),
                        )
                    })
                    .collect();
                seen_sig_fail |= cli.iter().any(|r| r.3 > r.2.fail);
                assert_eq!(cli, tui, "demo by={} sort={}", by.as_str(), sort.as_str());
            }
        }
    }
    assert!(
        seen_sig_fail,
        "the demo has messages whose failing signature another one covers"
    );
}

/// Distinct recipients and client addresses (and the counts beside rejections)
/// equal the CLI's for every key and filter, on the fixtures and the demo log:
/// the TUI marks them in tables where the CLI sorts pairs.
#[test]
fn distinct_counts_equal_the_query_module() {
    let mut models: Vec<(&str, Model)> = ["seed-main.log", "tui-mixed.log"]
        .into_iter()
        .map(|f| (f, model(f)))
        .collect();
    models.push(("demo", common::demo_model()));
    let mut seen = [false; 2];
    for (name, m) in &models {
        let prefix = NetPrefix::default();
        for by in AggKey::ALL {
            let g = Arc::new(Grouping::new(m, by, prefix));
            let ix = GroupIndex::new(m, g.clone(), prefix);
            for f in filters(m) {
                let mut cli = query::group(m, &g, &f, true);
                query::sort_rows(&mut cli, SortKey::Messages);
                let mut tui = aggregate(m, &ix, &f);
                sort_aggs(&mut tui, SortKey::Messages, &ix);
                let cli: Vec<_> = cli
                    .iter()
                    .map(|r| {
                        let row = (
                            r.key.clone(),
                            r.recipients,
                            r.clients,
                            r.auth_failures,
                            r.protocol_errors,
                        );
                        (row, r.first, r.last)
                    })
                    .collect();
                let tui: Vec<_> = tui
                    .iter()
                    .map(|r| {
                        let row = (
                            ix.label(r.group).to_string(),
                            r.recipients,
                            r.clients,
                            r.auth_failures,
                            r.protocol_errors,
                        );
                        (row, r.first, r.last)
                    })
                    .collect();
                seen[0] |= cli.iter().any(|r| r.0.1 > 1);
                seen[1] |= by != AggKey::Ip && cli.iter().any(|r| r.0.2 > 1);
                assert_eq!(cli, tui, "{name} by={} filter={f:?}", by.as_str());
            }
        }
    }
    assert_eq!(
        seen,
        [true, true],
        "groups with several recipients and clients"
    );
}
