use std::sync::Mutex;

use super::*;
use crate::{DemoCards, RawCard};

/// Far beyond any passing run: an event not there by then is taken as never coming.
const EVENT_DEADLINE: Duration = Duration::from_secs(60);

/// A reader with one card on it, handed over at the first look.
struct OneCard(Mutex<Option<RawCard>>);

struct OneCardReader(Option<RawCard>);

impl CardReader for OneCardReader {
    fn poll(&mut self) -> Result<Option<RawCard>, ReaderError> {
        Ok(self.0.take())
    }

    fn describe(&self) -> String {
        "test".into()
    }
}

impl CardReaderProvider for OneCard {
    fn open(&self) -> Result<Box<dyn CardReader>, ReaderError> {
        let card = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        Ok(Box::new(OneCardReader(card)))
    }
}

#[test]
fn a_chip_name_with_a_bidi_override_reaches_the_window_as_a_problem_never_as_a_card() {
    let cards = DemoCards::default();
    cards.place_next();
    let mut raw = cards.reader().poll().expect("demo").expect("a card");
    // The name's first character becomes U+202E (UCS-2 little-endian at offset 0).
    raw.text[0..2].copy_from_slice(&0x202Eu16.to_le_bytes());
    let (shown, repainted) = mpsc::channel();
    let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        let _ = shown.send(());
    });
    let poller = CardPoller::start(Arc::new(OneCard(Mutex::new(Some(raw)))), false, 50 * 1024, repaint);
    poller.read_now();
    repainted.recv_timeout(EVENT_DEADLINE).expect("an event");
    let events = poller.poll();
    match events.as_slice() {
        [CardEvent::Problem(message)] => {
            assert!(message.contains("姓名") && message.contains("U+202E"), "{message}");
        }
        other => panic!("the window was given {other:?}"),
    }
}
