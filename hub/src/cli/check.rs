//! `clearway check`: the config and every plugin it names; every problem with
//! file, line and column; exit 1 on any.

use std::path::Path;
use std::process::ExitCode;

use crate::config::{self, Config, Problem};
use crate::pipeline::{resolve_connector_config, runtime_limits};
use crate::runtime::Runtime;
use crate::transport::test_clearinghouse;

/// Run `check`.
pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let mut problems = config::check(path);
    let mut summary = None;
    if problems.is_empty() {
        match config::load(path) {
            Ok(cfg) => {
                problems.extend(check_plugins(&cfg));
                summary = Some(format!(
                    "{}: OK ({} connector(s), {} endpoint(s), {} route(s))",
                    path.display(),
                    cfg.connectors.len(),
                    cfg.endpoints.len(),
                    cfg.routes.len()
                ));
            }
            Err(errors) => problems.extend(errors.0),
        }
    }
    if problems.is_empty() {
        println!("{}", summary.unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        eprintln!("{p}");
    }
    eprintln!("{} problem(s) in {}", problems.len(), path.display());
    Ok(ExitCode::FAILURE)
}

/// Load every connector as `serve` would, and check that routes ask connectors
/// only for kinds they handle.
fn check_plugins(cfg: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    let runtime = match super::cache_dir().and_then(|d| Runtime::new(&d)) {
        Ok(r) => r,
        Err(e) => {
            out.push(Problem {
                file: cfg.path.clone(),
                pos: None,
                message: format!("cannot start the plugin runtime: {e:#}"),
            });
            return out;
        }
    };
    let mut loaded = std::collections::BTreeMap::new();
    for (name, c) in &cfg.connectors {
        let values = match resolve_connector_config(c) {
            Ok(v) => v,
            Err(e) => {
                out.push(Problem {
                    file: cfg.path.clone(),
                    pos: Some(c.at),
                    message: format!("{e:#}"),
                });
                continue;
            }
        };
        match runtime.load(
            name,
            &c.plugin,
            c.sha256.as_deref(),
            runtime_limits(&c.limits),
            values,
        ) {
            Ok(p) => {
                loaded.insert(name.clone(), p);
            }
            Err(e) => out.push(Problem {
                file: cfg.path.clone(),
                pos: Some(c.plugin_at),
                message: format!("connector `{name}`: {e}"),
            }),
        }
    }
    for ep in cfg.endpoints.values() {
        if ep.acknowledgments.is_some()
            && let Some(p) = loaded.get(&ep.connector)
            && !p.description().acknowledges
        {
            out.push(Problem {
                file: cfg.path.clone(),
                pos: Some(ep.at),
                message: format!(
                    "endpoint `{}` sends acknowledgments, but connector `{}` makes none (describe().acknowledges is false)",
                    ep.name,
                    p.name()
                ),
            });
        }
    }
    for ep in cfg.endpoints.values() {
        let crate::config::Transport::TestClearinghouse(tc) = &ep.transport else {
            continue;
        };
        let problems = test_clearinghouse::connector_problems(cfg, &ep.name, |c| {
            loaded
                .get(c)
                .map(|p: &std::sync::Arc<crate::runtime::Plugin>| p.description())
        });
        for (side, message) in problems {
            let pos = match side {
                test_clearinghouse::Side::Endpoint => ep.at,
                test_clearinghouse::Side::RepliesTo => tc.replies_to_at,
            };
            out.push(Problem {
                file: cfg.path.clone(),
                pos: Some(pos),
                message,
            });
        }
    }
    for route in &cfg.routes {
        let Some(kinds) = &route.kinds else { continue };
        let connector_of = |ep: &str| cfg.endpoints.get(ep).and_then(|e| loaded.get(&e.connector));
        if let Some(p) = connector_of(&route.from) {
            for k in kinds {
                if !p.description().decodes.iter().any(|d| d == k.as_str()) {
                    out.push(Problem {
                        file: cfg.path.clone(),
                        pos: Some(route.at),
                        message: format!(
                            "route from `{}`: connector `{}` does not decode `{k}`",
                            route.from,
                            p.name()
                        ),
                    });
                }
            }
        }
        for to in &route.to {
            if let Some(p) = connector_of(to) {
                for k in kinds {
                    if !p.description().encodes.iter().any(|d| d == k.as_str()) {
                        out.push(Problem {
                            file: cfg.path.clone(),
                            pos: Some(route.at),
                            message: format!(
                                "route to `{to}`: connector `{}` does not encode `{k}`",
                                p.name()
                            ),
                        });
                    }
                }
            }
        }
    }
    out
}
