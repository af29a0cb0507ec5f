//! The window's reader: a thread that owns the reader (its calls block on serial I/O), looks
//! for a card about twice a second while asked to, and reports each new card once. The UI
//! never waits on it.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{CardRead, CardReader, ReaderError, read_card};

/// How often to look while automatic reading is on: a card placed fills the form within a
/// second.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// Opens the reader: from the settings, or the demo's prepared cards.
pub trait CardReaderProvider: Send + Sync {
    fn open(&self) -> Result<Box<dyn CardReader>, ReaderError>;
}

impl CardReaderProvider for super::DemoCards {
    fn open(&self) -> Result<Box<dyn CardReader>, ReaderError> {
        Ok(Box::new(self.reader()))
    }
}

/// The configured reader (settings, and where to decode portraits).
pub struct ConfiguredReader {
    pub settings: super::CardReaderSettings,
    pub work_dir: std::path::PathBuf,
}

impl CardReaderProvider for ConfiguredReader {
    fn open(&self) -> Result<Box<dyn CardReader>, ReaderError> {
        self.settings.open(&self.work_dir)
    }
}

#[derive(Debug, Clone)]
pub enum CardEvent {
    /// A new card, read and checked.
    Read(Box<CardRead>),
    /// 读卡 was pressed and no card lies on the reader.
    NoCard,
    /// The reader or the card cannot be used; in the clerk's words.
    Problem(String),
}

enum Command {
    ReadNow,
    Auto(bool),
    Provider(Arc<dyn CardReaderProvider>),
    Stop,
}

/// Asks the reader to look now, from wherever the 读卡 button is.
#[derive(Clone)]
pub struct CardRemote {
    tx: Sender<Command>,
}

impl CardRemote {
    pub fn read_now(&self) {
        let _ = self.tx.send(Command::ReadNow);
    }
}

pub struct CardPoller {
    tx: Sender<Command>,
    events: Receiver<CardEvent>,
    join: Option<JoinHandle<()>>,
}

impl CardPoller {
    pub fn start(
        provider: Arc<dyn CardReaderProvider>,
        auto: bool,
        portrait_budget: usize,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> CardPoller {
        let (tx, rx) = mpsc::channel();
        let (event_tx, events) = mpsc::channel();
        let join = std::thread::Builder::new()
            .name("card-reader".into())
            .spawn(move || {
                Looker {
                    provider,
                    reader: None,
                    auto,
                    portrait_budget,
                    last_card: None,
                    last_problem: None,
                    events: event_tx,
                    repaint,
                }
                .run(rx)
            })
            .ok();
        CardPoller { tx, events, join }
    }

    /// 读卡: look once now.
    pub fn read_now(&self) {
        let _ = self.tx.send(Command::ReadNow);
    }

    /// A handle for a screen's 读卡 button (the poller's events go to its owner).
    pub fn remote(&self) -> CardRemote {
        CardRemote { tx: self.tx.clone() }
    }

    /// Automatic reading on or off (off while the enrollment screen is not shown).
    pub fn set_auto(&self, on: bool) {
        let _ = self.tx.send(Command::Auto(on));
    }

    /// New settings: the reader is opened anew at the next look.
    pub fn set_provider(&self, provider: Arc<dyn CardReaderProvider>) {
        let _ = self.tx.send(Command::Provider(provider));
    }

    pub fn poll(&self) -> Vec<CardEvent> {
        self.events.try_iter().collect()
    }
}

impl Drop for CardPoller {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Stop);
        // A reader call in flight (a serial timeout) is left to finish on its own.
        drop(self.join.take());
    }
}

struct Looker {
    provider: Arc<dyn CardReaderProvider>,
    reader: Option<Box<dyn CardReader>>,
    auto: bool,
    portrait_budget: usize,
    /// The ID number of the card last reported, until the reader is seen empty: a card left
    /// lying on the reader fills the form once.
    last_card: Option<String>,
    /// Said once, not every half second.
    last_problem: Option<String>,
    events: Sender<CardEvent>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl Looker {
    fn run(mut self, rx: Receiver<Command>) {
        loop {
            let wait = if self.auto {
                POLL_EVERY
            } else {
                Duration::from_secs(3600)
            };
            match rx.recv_timeout(wait) {
                Ok(Command::ReadNow) => {
                    self.last_problem = None;
                    self.look(true);
                }
                Ok(Command::Auto(on)) => self.auto = on,
                Ok(Command::Provider(p)) => {
                    self.provider = p;
                    self.reader = None;
                    self.last_problem = None;
                }
                Err(RecvTimeoutError::Timeout) => self.look(false),
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn emit(&self, event: CardEvent) {
        let _ = self.events.send(event);
        (self.repaint)();
    }

    fn problem(&mut self, message: String, asked: bool) {
        if asked || self.last_problem.as_deref() != Some(message.as_str()) {
            self.last_problem = Some(message.clone());
            self.emit(CardEvent::Problem(message));
        }
    }

    fn look(&mut self, asked: bool) {
        if self.reader.is_none() {
            match self.provider.open() {
                Ok(r) => self.reader = Some(r),
                Err(e) => return self.problem(e.to_string(), asked),
            }
        }
        let Some(reader) = self.reader.as_mut() else { return };
        match reader.poll() {
            Ok(None) => {
                self.last_card = None;
                if asked {
                    self.emit(CardEvent::NoCard);
                }
            }
            Ok(Some(raw)) => match read_card(raw, self.portrait_budget) {
                Ok(read) => {
                    let id = read.text.id_number.clone();
                    if asked || self.last_card.as_deref() != Some(id.as_str()) {
                        tracing::info!(card = %domain::mask_id(&id), "card read");
                        self.last_card = Some(id);
                        self.last_problem = None;
                        self.emit(CardEvent::Read(Box::new(read)));
                    }
                }
                Err(e) => self.problem(e.to_string(), asked),
            },
            Err(e) => {
                if matches!(e, ReaderError::NoReader(_)) {
                    self.reader = None;
                }
                self.problem(e.to_string(), asked);
            }
        }
    }
}

#[cfg(test)]
mod tests;
