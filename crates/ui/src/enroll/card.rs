//! The ID-card reader in the form: 读卡 (and, while the screen is open, a look about twice a
//! second), the card's fields filled and locked, its portrait in the chip-photo slot (and so
//! beside the live camera for 人证比对, see `face.rs`).

use egui::RichText;

use super::EnrollScreen;
use crate::backend::PhotoSource;
use crate::widgets::{error_red, ok_green};
use card::poller::CardEvent;
use card::{CardRead, CardText};
use domain::{PhotoKind, WorkerField};

impl EnrollScreen {
    /// The reader's bar at the top of the form.
    pub(super) fn reader_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button(RichText::new("读卡").strong())
                .on_hover_text("把身份证放在读卡器上，点这里读取；本页打开时也会自动读卡")
                .clicked()
            {
                self.card_message = Some(("正在读卡…".into(), false));
                self.reader.read_now();
            }
            if let Some(demo) = &self.demo_cards
                && ui
                    .button("模拟读卡")
                    .on_hover_text("演示模式：把一张准备好的身份证放到模拟读卡器上")
                    .clicked()
            {
                demo.place_next();
            }
            if self.auto_read {
                ui.label(RichText::new("放上身份证即自动读取").small().weak());
            }
            if !self.from_card.is_empty() {
                ui.label(RichText::new("灰色的项来自身份证芯片").small());
                if ui
                    .small_button("手工修改")
                    .on_hover_text("解开来自芯片的项，允许手工修改")
                    .clicked()
                {
                    self.from_card.clear();
                }
            }
            if let Some((text, is_error)) = &self.card_message {
                let color = if *is_error { error_red(ui) } else { ok_green(ui) };
                ui.label(RichText::new(text).color(color));
            }
        });
    }

    /// What the reader reported while this screen is shown.
    pub fn on_card(&mut self, event: CardEvent) {
        match event {
            CardEvent::Read(read) => self.apply_card(*read),
            CardEvent::NoCard => {
                self.card_message = Some(("读卡器上没有身份证：请把身份证平放在读卡器上".into(), true));
            }
            CardEvent::Problem(text) => self.card_message = Some((text, true)),
        }
    }

    /// A card fills the form: the next worker when the last one was submitted, the company,
    /// personnel type and job kept; a known ID number loads that worker for update, with the
    /// card's fields over the stored ones.
    fn apply_card(&mut self, read: CardRead) {
        if self.submitted.is_some() || self.form.worker.id_code.trim() != read.text.id_number {
            self.start_next();
        }
        let filled = read.text.fill(&mut self.form.worker);
        self.from_card = filled.iter().copied().collect();
        self.touched.extend(filled);
        self.card_portrait = read.portrait.as_ref().map(|p| p.jpeg.clone());
        self.place_card_portrait();
        self.card_message = Some((
            format!("已读卡：{}（{}）", read.text.name, read.text.kind.label()),
            false,
        ));
        self.card = Some(read.text);
    }

    pub(super) fn place_card_portrait(&mut self) {
        if let Some(jpeg) = self.card_portrait.clone() {
            self.put_photo(PhotoKind::IdPortrait, PhotoSource::Stored(jpeg));
        }
    }

    /// After a stored worker was loaded: the card just read is newer than the store.
    pub(super) fn reapply_card(&mut self) {
        let Some(text) = self.card.clone() else { return };
        if text.id_number != self.form.worker.id_code {
            return;
        }
        let filled = CardText::fill(&text, &mut self.form.worker);
        self.from_card = filled.into_iter().collect();
        self.place_card_portrait();
    }

    /// A field read from the card's chip (locked until 手工修改).
    pub fn is_from_card(&self, field: WorkerField) -> bool {
        self.from_card.contains(&field)
    }
}
