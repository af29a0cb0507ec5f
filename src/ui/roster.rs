//! 人员花名册 (placeholder until the roster screen lands).

use serde::{Deserialize, Serialize};

use super::app::Command;
use super::backend::{Event, Snapshot};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RosterPrefs {
    pub search: String,
}

#[derive(Default)]
pub struct RosterScreen {}

impl RosterScreen {
    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, _prefs: &mut RosterPrefs, _out: &mut Vec<Command>) {
        for w in &snap.workers {
            ui.label(format!("{} {} {}", w.emp_name, crate::domain::mask_id(&w.id_code), w.state.label()));
        }
    }
    pub fn on_event(&mut self, _event: &Event) {}
}
