//! One acceptance run as the window and the command both make it: the station's own store
//! connection, the saved run resumed when it was made with the same settings and is not
//! finished (else a new plan from the success counts), then the runner.

use std::collections::BTreeMap;
use std::path::Path;

use api::PlatformClient;
use domain::PhotoKind;
use outbox::SendSettings;
use store::{StoreError, StoreReads};

use super::{AcceptanceRun, RunEnd, Runner, load, plan};
use crate::config::Config;

/// Where a run starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The saved run, from its first step not done.
    Resumed,
    /// A new plan: steps only for the interfaces still short of their successes.
    Planned,
}

/// The successes counted per interface in this environment.
pub fn success_counts(store: &dyn StoreReads, environment: &str) -> Result<BTreeMap<String, u64>, StoreError> {
    store.success_counts(environment).map(|c| c.into_iter().collect())
}

/// Runs (or resumes) the acceptance on `data_dir`'s store. `on_start` sees the plan before the
/// first call (not called when nothing is left to do: then the run ends `Finished` with no
/// steps); `on_step` sees it after every call; `stop` is asked between calls.
pub fn run_acceptance(
    data_dir: &Path,
    config: &Config,
    client: &PlatformClient,
    on_start: &mut dyn FnMut(&AcceptanceRun, Start),
    on_step: &mut dyn FnMut(&AcceptanceRun),
    stop: &dyn Fn() -> bool,
) -> Result<(RunEnd, AcceptanceRun), StoreError> {
    let mut store = store::open_backend(data_dir, &config.store_location(data_dir)?)?;
    let env = config.environment_label();
    let fingerprint = SendSettings::for_client(client, &config.project_id, env).fingerprint;
    // A saved run that does not read is planned anew (the successes are counted apart);
    // the window said it when it opened, a command's log says it here.
    let saved = match load(&*store) {
        Err(StoreError::Corrupt(why)) => {
            tracing::warn!("saved acceptance run not read, planning anew: {why}");
            None
        }
        other => other?,
    };
    let (mut run, start) = match saved {
        Some(saved) if saved.fingerprint == fingerprint && !saved.finished() => (saved, Start::Resumed),
        _ => (plan(&success_counts(&*store, env)?, env, &fingerprint), Start::Planned),
    };
    if run.steps.is_empty() {
        return Ok((RunEnd::Finished, run));
    }
    on_start(&run, start);
    let mut runner = Runner {
        client,
        store: &mut *store,
        project_id: &config.project_id,
        device_id: &config.device_id,
        site_photo_bytes: config.photo_budgets.bytes_for(PhotoKind::Site),
    };
    let end = runner.run(&mut run, on_step, stop)?;
    Ok((end, run))
}
