//! 待上传 (placeholder until the queue screen lands).

use super::app::Command;
use super::backend::{Event, Snapshot};

#[derive(Default)]
pub struct QueueScreen {}

impl QueueScreen {
    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, _out: &mut Vec<Command>) {
        for i in &snap.outbox {
            ui.label(format!("#{} {} {}", i.id, i.label, i.state.label()));
        }
    }
    pub fn on_event(&mut self, _event: &Event) {}
}
