//! The site database, seen from this window: a thread that listens for the other stations'
//! changes (LISTEN/NOTIFY, see `station::site::Changes`) and tells the owner to read its screens
//! again, and tells it when the database cannot be reached and when it is back. Nothing here
//! polls a table: a change costs the other stations one snapshot each.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use station::records::StoreLocation;
use station::site::{Changes, SiteDatabase};

use super::{Intent, InternalEvent};

/// What the watcher saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteNews {
    /// Another station changed these tables.
    Changed(Vec<String>),
    /// The database cannot be reached (the words say what to check).
    Unreachable(String),
    /// It answers again.
    Back,
}

/// How long one look waits: also how soon a stop is noticed.
const LOOK_SECS: u64 = 1;
/// Between attempts while the database cannot be reached.
const RETRY_SECS: u64 = 2;
/// Changes arriving this close together are read as one.
const GATHER_MS: u64 = 150;
/// At most one re-read a second, however busy the other stations are (a station computing
/// face descriptors for its earlier enrollments writes many times a second): another
/// station's change still shows within about a second and a half.
const BETWEEN_READS_MS: u64 = 1000;

pub struct SiteWatch {
    stop: Arc<AtomicBool>,
    join: Option<std::thread::JoinHandle<()>>,
}

impl SiteWatch {
    /// Watches the site database when the station keeps its records there; `None` on this PC's
    /// file (nobody else writes it).
    pub fn start(location: &StoreLocation, intents: Sender<Intent>) -> Option<SiteWatch> {
        let StoreLocation::Site { database, station, .. } = location else {
            return None;
        };
        let (database, station) = (database.clone(), station.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let join = std::thread::Builder::new()
            .name("site-watch".into())
            .spawn(move || watch(&database, &station, &intents, &thread_stop))
            .ok()?;
        Some(SiteWatch { stop, join: Some(join) })
    }
}

impl Drop for SiteWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(join) = self.join.take() {
            let _ = join.join();
        }
    }
}

fn watch(database: &SiteDatabase, station: &str, intents: &Sender<Intent>, stop: &AtomicBool) {
    let tell = |news| intents.send(Intent::Internal(InternalEvent::Site(news))).is_ok();
    let mut was_down = false;
    let mut last_read: Option<std::time::Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        // This station's own changes are not news: its owner re-reads after each of them.
        let mut changes = match Changes::listen_to_others(database, station) {
            Ok(c) => c,
            Err(e) => {
                if !was_down && !tell(SiteNews::Unreachable(e.to_string())) {
                    return;
                }
                was_down = true;
                pause(stop, Duration::from_secs(RETRY_SECS));
                continue;
            }
        };
        if was_down {
            was_down = false;
            // What the others saved meanwhile shows now.
            if !tell(SiteNews::Back) {
                return;
            }
        }
        while !stop.load(Ordering::SeqCst) {
            match changes.wait(Duration::from_secs(LOOK_SECS)) {
                Ok(tables) if tables.is_empty() => {}
                Ok(mut tables) => {
                    let since = last_read.map_or(Duration::MAX, |t| t.elapsed());
                    let wait = Duration::from_millis(BETWEEN_READS_MS)
                        .saturating_sub(since)
                        .max(Duration::from_millis(GATHER_MS));
                    std::thread::sleep(wait);
                    if let Ok(more) = changes.wait(Duration::ZERO) {
                        tables.extend(more);
                        tables.sort();
                        tables.dedup();
                    }
                    last_read = Some(std::time::Instant::now());
                    if !tell(SiteNews::Changed(tables)) {
                        return;
                    }
                }
                Err(e) => {
                    was_down = true;
                    if !tell(SiteNews::Unreachable(e.to_string())) {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

fn pause(stop: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while waited < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        waited += step;
    }
}
