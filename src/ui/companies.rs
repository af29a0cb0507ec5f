//! 参建单位 (placeholder until the companies screen lands).

use super::app::Command;
use super::backend::{Event, Snapshot};

#[derive(Default)]
pub struct CompaniesScreen {}

impl CompaniesScreen {
    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, _out: &mut Vec<Command>) {
        for c in &snap.companies {
            ui.label(format!("{} {} {}", c.company.company_name, c.company.suid, c.state.label()));
        }
    }
    pub fn on_event(&mut self, _event: &Event) {}
    pub fn open(&mut self, _suid: &str, _snap: &Snapshot) {}
}
