//! The acceptance run for the window: on a helper thread with its own store (the owner never
//! waits on the network), each call reported as it ends, stoppable between calls.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::{Event, Intent, InternalEvent};
use station::acceptance::{self, RunEnd};
use station::config::Config;
use station::platform::PlatformClient;

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
            return emit(Event::AcceptanceEnded(Err(why.to_string())));
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
    let mut on_start = |run: &acceptance::AcceptanceRun, _: acceptance::Start| {
        emit(Event::AcceptanceProgress(Some(Box::new(run.clone()))));
    };
    let mut on_step = |run: &acceptance::AcceptanceRun| {
        emit(Event::AcceptanceProgress(Some(Box::new(run.clone()))));
        let _ = intents.send(Intent::Internal(InternalEvent::StoreChanged));
    };
    let stop = || stop.load(Ordering::SeqCst);
    acceptance::run_acceptance(data_dir, config, client, &mut on_start, &mut on_step, &stop)
        .map(|(end, _)| end)
        .map_err(|e| e.to_string())
}
