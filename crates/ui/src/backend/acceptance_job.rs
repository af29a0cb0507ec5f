//! The acceptance run for the window: on a helper thread with its own store (the owner never
//! waits on the network), each call reported as it ends, stoppable between calls.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::{Event, Intent, InternalEvent};
use api::PlatformClient;
use domain::PhotoKind;
use outbox::SendSettings;
use station::acceptance::{self, RunEnd, Runner};
use station::config::Config;
use store::Store;

pub struct AcceptanceJob {
    pub stop: Arc<AtomicBool>,
    pub running: Arc<AtomicBool>,
}

impl AcceptanceJob {
    pub fn new() -> AcceptanceJob {
        AcceptanceJob {
            stop: Arc::new(AtomicBool::new(false)),
            running: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Starts (or resumes) the run; a run already going is left alone.
    pub fn start(
        &self,
        data_dir: PathBuf,
        config: Config,
        client: Option<Arc<PlatformClient>>,
        events: Sender<Event>,
        intents: Sender<Intent>,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) {
        let emit = move |event| {
            let _ = events.send(event);
            repaint();
        };
        if let Err(why) = acceptance::allowed(config.environment, config.custom_is) {
            return emit(Event::AcceptanceEnded(Err(why)));
        }
        let Some(client) = client else {
            let missing = "还没有设置好平台连接：请先填写并保存“平台连接”，测试连接成功后再开始联调";
            return emit(Event::AcceptanceEnded(Err(missing.into())));
        };
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        self.stop.store(false, Ordering::SeqCst);
        let (stop, running) = (Arc::clone(&self.stop), Arc::clone(&self.running));
        std::thread::spawn(move || {
            let end = run(&data_dir, &config, &client, &stop, &|event| emit(event), &intents);
            running.store(false, Ordering::SeqCst);
            let _ = intents.send(Intent::Internal(InternalEvent::StoreChanged));
            emit(Event::AcceptanceEnded(end));
        });
    }
}

fn run(
    data_dir: &std::path::Path,
    config: &Config,
    client: &PlatformClient,
    stop: &AtomicBool,
    emit: &dyn Fn(Event),
    intents: &Sender<Intent>,
) -> Result<RunEnd, String> {
    let mut store = Store::open_in(data_dir).map_err(|e| e.to_string())?;
    let env = config.environment_label();
    let fingerprint = SendSettings::for_client(client, &config.project_id, env).fingerprint;
    let mut plan = match acceptance::load(&store).map_err(|e| e.to_string())? {
        Some(saved) if saved.fingerprint == fingerprint && !saved.finished() => saved,
        _ => {
            let counts = store.success_counts(env).map_err(|e| e.to_string())?;
            acceptance::plan(&counts.into_iter().collect(), env, &fingerprint)
        }
    };
    if plan.steps.is_empty() {
        return Ok(RunEnd::Finished);
    }
    emit(Event::AcceptanceProgress(Some(Box::new(plan.clone()))));
    let mut runner = Runner {
        client,
        store: &mut store,
        project_id: &config.project_id,
        device_id: &config.device_id,
        site_photo_bytes: config.photo_budgets.bytes_for(PhotoKind::Site),
    };
    let mut on_step = |r: &acceptance::AcceptanceRun| {
        emit(Event::AcceptanceProgress(Some(Box::new(r.clone()))));
        let _ = intents.send(Intent::Internal(InternalEvent::StoreChanged));
    };
    runner
        .run(&mut plan, &mut on_step, &|| stop.load(Ordering::SeqCst))
        .map_err(|e| e.to_string())
}
