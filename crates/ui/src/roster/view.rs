//! The roster's lines for the clerk's search, filters and sort: which workers, in what order.
//! Built once per snapshot or change of prefs, never per frame.

use super::{RosterPrefs, SortKey};
use crate::backend::Snapshot;
use domain::{DepartureState, RecordState};
use station::records::WorkerRow;
use station::snapshot::WorkerRanks;

/// The state the roster shows: a refused departure needs the clerk as much as a refused
/// registration does, although the worker's own record is still "sent".
fn shown_state(w: &WorkerRow) -> RecordState {
    station::export::roster_state(w)
}

/// Marked leaving, the platform has not answered yet: selecting again would send it twice.
pub(super) fn leaving_on_its_way(w: &WorkerRow) -> bool {
    w.state != RecordState::Departed && w.departure == Some(DepartureState::Pending)
}

pub(super) fn selectable(w: &WorkerRow) -> bool {
    w.state != RecordState::Departed && w.state != RecordState::Draft && !leaving_on_its_way(w)
}

/// One roster line: its worker's place in the snapshot and the state shown. Names of
/// dictionary codes are looked up for the rows drawn, not for all 20,000.
#[derive(Debug, Clone, Copy)]
pub struct ViewLine {
    pub index: usize,
    pub state: RecordState,
}

/// What the clerk typed, prepared once for every worker it is matched against.
pub(super) struct Needle {
    text: String,
    /// The ID number's check digit is an upper-case X; the clerk may type a lower-case one.
    upper: String,
}

impl Needle {
    pub(super) fn new(search: &str) -> Needle {
        let text = search.trim().to_string();
        let upper = text.to_uppercase();
        Needle { text, upper }
    }

    /// Name and company by substring; the ID number also when typed in full or in part.
    pub(super) fn matches(&self, w: &WorkerRow) -> bool {
        self.text.is_empty()
            || w.emp_name.contains(&self.text)
            || w.emp_company.contains(&self.text)
            || w.id_code.contains(&self.upper)
    }
}

fn state_order(s: RecordState) -> u8 {
    match s {
        RecordState::NeedsFix => 0,
        RecordState::Draft => 1,
        RecordState::Pending => 2,
        RecordState::Sent => 3,
        RecordState::Departed => 4,
    }
}

/// The lines shown for these prefs. The snapshot's workers come in name and ID order (the
/// store reads them so), so a worker's place breaks ties: the same order as comparing names
/// and ID numbers again, for a fraction of the time.
pub fn build_view(snap: &Snapshot, prefs: &RosterPrefs) -> Vec<ViewLine> {
    let needle = Needle::new(&prefs.search);
    let mut view: Vec<ViewLine> = snap
        .workers
        .iter()
        .enumerate()
        .filter(|(_, w)| needle.matches(w))
        .filter(|(_, w)| prefs.company.is_empty() || w.emp_company == prefs.company)
        .map(|(index, w)| ViewLine {
            index,
            state: shown_state(w),
        })
        .filter(|v| prefs.state.is_empty() || v.state.as_str() == prefs.state)
        .collect();
    // The owner ranks every snapshot it makes; one made elsewhere (a test) is ranked here.
    let built;
    let ranks = if snap.ranks.fits(snap.workers.len()) {
        &*snap.ranks
    } else {
        built = WorkerRanks::build(&snap.workers, |kind| snap.dictionary(kind));
        &built
    };
    let column: &[u32] = match prefs.sort {
        SortKey::Name => &ranks.name,
        SortKey::IdCode => &ranks.id_code,
        SortKey::Company => &ranks.company,
        SortKey::Trade => &ranks.trade,
        SortKey::Category => &ranks.category,
        SortKey::EmpId => &ranks.emp_id,
        SortKey::Updated => &ranks.updated,
        SortKey::State => &[],
    };
    let rank = |v: &ViewLine| match prefs.sort {
        SortKey::State => u32::from(state_order(v.state)),
        _ => column[v.index],
    };
    // Ties keep the snapshot's order (name, then ID number), also when descending.
    if prefs.descending {
        view.sort_unstable_by_key(|v| (u32::MAX - rank(v), v.index));
    } else {
        view.sort_unstable_by_key(|v| (rank(v), v.index));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, id: &str, company: &str, state: RecordState, departure: &str) -> WorkerRow {
        let departure = (!departure.is_empty()).then(|| DepartureState::parse(departure));
        WorkerRow {
            id_code: id.into(),
            emp_name: name.into(),
            emp_company: company.into(),
            emp_category: "00".into(),
            job_name: String::new(),
            emp_id: String::new(),
            state,
            sync_message: String::new(),
            updated_at: String::new(),
            departure,
        }
    }

    #[test]
    fn search_matches_name_company_and_id_in_full_or_part() {
        let w = row(
            "张三",
            "44030519900101123X",
            "深圳市鹏城建设集团有限公司",
            RecordState::Sent,
            "",
        );
        for needle in ["张", "鹏城", "44030519900101123x", " 44030519900101123X ", "123X", ""] {
            assert!(Needle::new(needle).matches(&w), "{needle}");
        }
        for needle in ["李四", "44030519900101124X", "安居"] {
            assert!(!Needle::new(needle).matches(&w), "{needle}");
        }
    }

    #[test]
    fn refused_departure_shows_as_needs_fix_and_pending_one_cannot_be_selected() {
        let refused = row("甲", "1", "c", RecordState::Sent, "needs_fix");
        assert_eq!(shown_state(&refused), RecordState::NeedsFix);
        assert!(selectable(&refused));
        let on_its_way = row("乙", "2", "c", RecordState::Sent, "pending");
        assert_eq!(shown_state(&on_its_way), RecordState::Sent);
        assert!(!selectable(&on_its_way));
        let gone = row("丙", "3", "c", RecordState::Departed, "sent");
        assert_eq!(shown_state(&gone), RecordState::Departed);
        assert!(!selectable(&gone));
    }

    #[test]
    fn view_filters_by_state_and_sorts_descending() {
        let snap = Snapshot {
            workers: vec![
                row("甲", "1", "A", RecordState::Sent, ""),
                row("乙", "2", "B", RecordState::Departed, "sent"),
                row("丙", "3", "A", RecordState::Pending, ""),
            ],
            ..Default::default()
        };
        let prefs = RosterPrefs {
            company: "A".into(),
            sort: SortKey::IdCode,
            descending: true,
            ..Default::default()
        };
        let ids: Vec<&str> = build_view(&snap, &prefs)
            .iter()
            .map(|v| snap.workers[v.index].id_code.as_str())
            .collect();
        assert_eq!(ids, ["3", "1"]);
        let prefs = RosterPrefs {
            state: "departed".into(),
            ..Default::default()
        };
        let ids: Vec<&str> = build_view(&snap, &prefs)
            .iter()
            .map(|v| snap.workers[v.index].id_code.as_str())
            .collect();
        assert_eq!(ids, ["2"]);
    }
}
