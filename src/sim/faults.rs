//! Which fault, if any, hits the next platform request.

use super::{FaultKind, Faults};

/// The current fault settings and the random source they are drawn from.
pub struct FaultDice {
    faults: Faults,
    rng: fastrand::Rng,
}

impl FaultDice {
    /// A seed makes the sequence of draws repeatable from the moment the faults are set.
    pub fn new(faults: Faults) -> FaultDice {
        let rng = faults.seed.map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        FaultDice { faults, rng }
    }

    /// The settings as they stand, the queue less what has been used.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn latency_ms(&self) -> u64 {
        self.faults.latency_ms
    }

    /// The queue first; otherwise one draw in 0..100 against the cumulative percentages,
    /// so that the four percentages add up the way a reader of the settings expects.
    pub fn next(&mut self) -> Option<FaultKind> {
        if !self.faults.queue.is_empty() {
            return Some(self.faults.queue.remove(0));
        }
        let f = &self.faults;
        let bands = [
            (f.http_500_pct, FaultKind::Http500),
            (f.close_pct, FaultKind::Close),
            (f.lose_answer_pct, FaultKind::LoseAnswer),
            (f.non_json_pct, FaultKind::NonJson),
        ];
        if bands.iter().all(|(pct, _)| *pct == 0) {
            return None;
        }
        let roll = u32::from(self.rng.u8(0..100));
        let mut upper = 0u32;
        for (pct, kind) in bands {
            upper += u32::from(pct);
            if roll < upper {
                return Some(kind);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_then_percentages() {
        let mut dice = FaultDice::new(Faults {
            queue: vec![FaultKind::Close, FaultKind::NonJson],
            ..Faults::default()
        });
        assert_eq!(dice.next(), Some(FaultKind::Close));
        assert_eq!(dice.next(), Some(FaultKind::NonJson));
        assert_eq!(dice.next(), None);

        let mut always = FaultDice::new(Faults {
            lose_answer_pct: 100,
            ..Faults::default()
        });
        assert!((0..50).all(|_| always.next() == Some(FaultKind::LoseAnswer)));
    }

    #[test]
    fn seeded_draws_repeat() {
        let faults = Faults {
            http_500_pct: 30,
            close_pct: 30,
            seed: Some(7),
            ..Faults::default()
        };
        let draw = |f: &Faults| {
            let mut d = FaultDice::new(f.clone());
            (0..200).map(|_| d.next()).collect::<Vec<_>>()
        };
        let a = draw(&faults);
        assert_eq!(a, draw(&faults));
        let hits = a.iter().filter(|k| k.is_some()).count();
        assert!((80..=160).contains(&hits), "{hits} of 200 at 60%");
        assert!(a.contains(&Some(FaultKind::Http500)) && a.contains(&Some(FaultKind::Close)));
        assert!(!a.contains(&Some(FaultKind::NonJson)));
    }
}
