//! The owner's life over one data dir: open the station (or say why it cannot be opened and
//! offer the backups), serve the clerk's intents, and put the store back from a backup when
//! asked, then open it again.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};

use super::Owner;
use crate::backend::{Event, Intent, InternalEvent};
use station::Station;
use station::sending::SenderCommand;

/// While the site database cannot be reached at start, it is tried again this often.
const SITE_RETRY_SECS: u64 = 3;

/// Why the owner stopped serving a station.
enum AfterServing {
    /// The window closes.
    Close,
    /// Put the store back from this backup, then open again.
    Restore(std::path::PathBuf),
    /// The records are kept elsewhere now: open there.
    Reopen,
}

impl Owner {
    pub fn run(mut self, rx: Receiver<Intent>) {
        loop {
            let Some(station) = self.open_station(&rx) else {
                return;
            };
            match self.serve(station, &rx) {
                AfterServing::Close => return,
                // The sender and the station have let go of the file: put the copy in its
                // place, then open again.
                AfterServing::Restore(backup) => {
                    match station::maintenance::restore(&self.setup.data_dir, &backup, true) {
                        Ok(aside) => self.emit(Event::StoreRestored(Ok(restored_words(&backup, aside.as_deref())))),
                        Err(e) => self.emit(Event::StoreRestored(Err(format!("没有恢复：{e}")))),
                    }
                }
                // The records are elsewhere now (数据存放): open there.
                AfterServing::Reopen => {}
            }
        }
    }

    /// Applies the clerk's intents until the window closes (`None`) or the clerk asks to put
    /// the store back from a backup (`Some(backup)`, once the station is closed).
    fn serve(&mut self, mut station: Station, rx: &Receiver<Intent>) -> AfterServing {
        let wake = Arc::clone(&self.wake);
        station.on_queued(move || {
            if let Some(tx) = wake.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                let _ = tx.send(SenderCommand::Wake);
            }
        });
        for w in station.warnings() {
            self.emit(Event::Problem(w));
        }
        // What the clerk left last time: a store that cannot give it is said (once: the same
        // words for each key), and the window starts from its defaults.
        let (fields, photos) = station.load_draft().unwrap_or_else(|e| {
            tracing::warn!("enrollment draft not read: {e}");
            self.emit(Event::Problem(format!("上次没提交的登记读不出来：{e}。表单从空白开始")));
            (None, None)
        });
        self.emit(Event::DraftLoaded { fields, photos });
        let saved_run = station::acceptance::load(station.store()).unwrap_or_else(|e| {
            tracing::warn!("acceptance run not read: {e}");
            self.emit(Event::Problem(format!(
                "联调向导上次的进度读不出来：{e}。向导会按已成功的次数重新安排，已成功的调用不会丢"
            )));
            None
        });
        self.emit(Event::AcceptanceProgress(saved_run.map(Box::new)));
        self.read_only = station.store().is_read_only();
        if let Some(engine) = crate::backend::face::shared_engine() {
            station.use_face_engine(Arc::clone(&engine));
            if !self.read_only {
                self.start_face_backfill(engine);
            }
        }
        self.connect();
        self.publish(&station);
        self.fetch_dictionaries();
        self.emit(Event::StoreLocation(station.location().describe()));
        // Dropped on the way out: the watcher stops with the station it serves.
        let _watch = super::super::site::SiteWatch::start(station.location(), self.setup.intents.clone());
        let mut after = AfterServing::Close;
        while let Ok(intent) = rx.recv() {
            after = match intent {
                Intent::Shutdown => AfterServing::Close,
                Intent::RestoreStore(backup) => AfterServing::Restore(backup),
                Intent::SwitchStore(switch) => match self.use_store(*switch) {
                    Ok(words) => {
                        self.emit(Event::StoreSwitched(Ok(words)));
                        AfterServing::Reopen
                    }
                    Err(words) => {
                        self.emit(Event::StoreSwitched(Err(words)));
                        continue;
                    }
                },
                other => {
                    self.handle(&mut station, other);
                    continue;
                }
            };
            break;
        }
        // Bounded: a call hanging on a dead network is left to finish on its own.
        if let Some(sender) = self.sender.take() {
            sender.stop();
        }
        *self.wake.lock().unwrap_or_else(|e| e.into_inner()) = None;
        after
    }

    /// Opens the station; while its store cannot be used, says why and waits for the clerk to
    /// put it back from a backup (or to close the window: `None`). A store that may only be
    /// read opens for reading, so the clerk still sees the roster and the queue.
    fn open_station(&mut self, rx: &Receiver<Intent>) -> Option<Station> {
        loop {
            let s = &self.setup;
            let error = match Station::open(&s.data_dir, s.config.clone(), Arc::clone(&s.clock)) {
                Ok(st) => {
                    if st.store().is_read_only() {
                        self.emit(Event::StoreReadOnly(read_only_words(&s.data_dir)));
                    }
                    return Some(st);
                }
                Err(e) => e,
            };
            if error.is_site_unreachable() {
                // The site database is down or the network is: try again by itself, and let
                // the clerk go back to this PC's file meanwhile (设置 → 数据存放).
                self.emit(Event::Site(Some(error.to_string())));
                match rx.recv_timeout(std::time::Duration::from_secs(SITE_RETRY_SECS)) {
                    Ok(Intent::Shutdown) | Err(RecvTimeoutError::Disconnected) => return None,
                    Ok(Intent::SwitchStore(switch)) => {
                        let words = self.use_store(*switch);
                        self.emit(Event::StoreSwitched(words));
                    }
                    Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                }
                continue;
            }
            let s = &self.setup;
            if error.trouble() == Some(station::records::Trouble::ReadOnly)
                && let Ok(st) = Station::open_read_only(&s.data_dir, s.config.clone(), Arc::clone(&s.clock))
            {
                self.emit(Event::StoreReadOnly(read_only_words(&s.data_dir)));
                return Some(st);
            }
            self.emit(Event::StoreUnusable(Box::new(crate::backend::StoreProblem {
                message: error.explain(&s.data_dir),
                trouble: error.trouble(),
                backups: station::maintenance::list_backups(&s.data_dir),
                data_dir: s.data_dir.clone(),
            })));
            // Only putting a backup back (or closing) can change anything now.
            loop {
                match rx.recv() {
                    Ok(Intent::RestoreStore(backup)) => match station::maintenance::restore(&s.data_dir, &backup, true)
                    {
                        Ok(aside) => {
                            self.emit(Event::StoreRestored(Ok(restored_words(&backup, aside.as_deref()))));
                            break;
                        }
                        Err(e) => self.emit(Event::StoreRestored(Err(format!("没有恢复：{e}")))),
                    },
                    Ok(Intent::Shutdown) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        }
    }
}

impl Owner {
    /// Workers enrolled before the station knew faces get their descriptors in the
    /// background: its own thread and connection, one worker at a time (each kept as it is
    /// made, so a window closed midway goes on next time), then 1:N reads the store again.
    fn start_face_backfill(&self, engine: Arc<station::face::LazyEngine>) {
        let s = &self.setup;
        let (data_dir, config, clock) = (s.data_dir.clone(), s.config.clone(), Arc::clone(&s.clock));
        let intents = s.intents.clone();
        let spawned = std::thread::Builder::new().name("face-backfill".into()).spawn(move || {
            let mut station = match Station::open(&data_dir, config, clock) {
                Ok(station) => station,
                Err(e) => return tracing::warn!("face backfill not started: {e}"),
            };
            station.use_face_engine(engine);
            let mut kept = 0;
            loop {
                match station.backfill_next() {
                    Ok(Some((_, station::faces::Described::Kept))) => kept += 1,
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!("face backfill stopped: {e}");
                        break;
                    }
                }
            }
            if kept > 0 {
                let _ = intents.send(Intent::Internal(InternalEvent::FacesBackfilled(kept)));
            }
        });
        if let Err(e) = spawned {
            tracing::warn!("face backfill not started: {e}");
        }
    }
}

fn restored_words(backup: &std::path::Path, aside: Option<&std::path::Path>) -> String {
    let kept = aside
        .map(|p| format!("；原来的文件改名保留为 {}", p.display()))
        .unwrap_or_default();
    format!(
        "已从备份 {} 恢复数据{kept}。备份之后新登记或修改的记录不在里面，请核对花名册",
        backup.display()
    )
}

fn read_only_words(data_dir: &std::path::Path) -> String {
    let file = data_dir.join(station::records::DB_FILE);
    format!(
        "本机数据库是只读的（{}）：现在只能查看，不能登记或修改。{}",
        file.display(),
        station::records::Trouble::ReadOnly.advice()
    )
}
