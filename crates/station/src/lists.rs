//! What the command line lists and shows from the store, the window's roster, blacklist and
//! drafts (待补全) read the same way: a worker in full with its queue items and its history,
//! and the drafts imported from lists. Each reads a `Store`, so it works on a store opened
//! for reading only.

use serde::Serialize;

use domain::{DepartureState, IdNumber, PhotoKind, RecordState, mask_id};
use store::{ItemKind, OutboxItem, StoreError, StoreReads, WorkerRecord, WorkerRow};

/// The audit lines a worker's history is looked for in (newest first).
pub const HISTORY_SCAN: usize = 20_000;

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryLine {
    /// RFC 3339, UTC.
    pub at: String,
    pub action: String,
    pub detail: String,
}

/// A worker (or a draft) in full: the record, what the roster shows, the photos on file,
/// the blacklist's reason if listed, its queue items (registrations and departures, newest
/// first) and its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerDetail {
    pub record: WorkerRecord,
    /// The state the roster shows (a refused departure shows as 需处理).
    pub shown_state: RecordState,
    /// The latest departure's state, if ever marked leaving.
    pub departure: Option<DepartureState>,
    pub photos: Vec<PhotoKind>,
    pub blacklist_reason: Option<String>,
    pub items: Vec<OutboxItem>,
    /// The audit trail's lines naming this worker (by masked ID number), newest first.
    pub history: Vec<HistoryLine>,
}

/// The worker or draft with this ID number (18 characters, as `parse_id_number` gives it);
/// `None` when the station knows nobody by it.
pub fn worker_detail(store: &dyn StoreReads, id_code: &IdNumber) -> Result<Option<WorkerDetail>, StoreError> {
    let id_code = id_code.as_str();
    let Some(record) = store.worker_or_draft(id_code)? else {
        return Ok(None);
    };
    let row = store.worker_row(id_code)?;
    let shown_state = row.as_ref().map(crate::export::roster_state).unwrap_or(record.state);
    let mut items = Vec::new();
    for item in store.outbox_items(true)? {
        let his = match item.kind {
            ItemKind::Register => item.record_key == id_code,
            ItemKind::Leave => store.departures_of(item.id)?.iter().any(|(id, _, _)| id == id_code),
            _ => false,
        };
        if his {
            items.push(item);
        }
    }
    let masked = mask_id(id_code);
    let history = store
        .audit_trail(HISTORY_SCAN)?
        .into_iter()
        .filter(|(_, _, record, _)| *record == masked)
        .map(|(at, action, _, detail)| HistoryLine { at, action, detail })
        .collect();
    Ok(Some(WorkerDetail {
        photos: store.worker_photo_kinds(id_code)?,
        blacklist_reason: store.blacklist_reasons()?.remove(id_code),
        departure: row.and_then(|r| r.departure),
        shown_state,
        record,
        items,
        history,
    }))
}

/// The drafts (待补全) as roster lines, by name; `sync_message` says which file and row each
/// came from.
pub fn drafts(store: &dyn StoreReads) -> Result<Vec<WorkerRow>, StoreError> {
    Ok(store
        .roster_rows()?
        .into_iter()
        .filter(|w| w.state == RecordState::Draft)
        .collect())
}

/// One draft in full, with the file and row it came from; `None` when there is no such draft
/// (never imported, or enrolled or deleted since).
pub fn draft(store: &dyn StoreReads, id_code: &IdNumber) -> Result<Option<(WorkerRecord, String)>, StoreError> {
    let id_code = id_code.as_str();
    let Some(record) = store.draft(id_code)? else {
        return Ok(None);
    };
    let source = drafts(store)?
        .into_iter()
        .find(|w| w.id_code == id_code)
        .map(|w| w.sync_message)
        .unwrap_or_default();
    Ok(Some((record, source)))
}
