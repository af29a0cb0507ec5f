//! The four photo slots of the form and the webcam panel. Decoding, shrinking and
//! thumbnails happen on background threads; the UI only uploads textures.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use egui::{ColorImage, RichText, TextureHandle, TextureOptions};

use super::widgets::{error_red, warn_amber};
use domain::PhotoKind;
use media::camera::{CameraError, CameraInfo, CameraProvider, CameraWorker, Frame};

/// The photos the platform requires, in the order the clerk fills them.
pub const FORM_PHOTOS: [PhotoKind; 4] = [
    PhotoKind::Face,
    PhotoKind::IdPortrait,
    PhotoKind::IdScanFront,
    PhotoKind::IdScanBack,
];

/// One attached photo: the normalised JPEG and its thumbnail.
pub struct SlotPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub texture: TextureHandle,
}

#[derive(Default)]
pub struct PhotoSlots {
    pub photos: BTreeMap<PhotoKind, SlotPhoto>,
    /// A photo being prepared, per slot.
    pub busy: BTreeMap<PhotoKind, bool>,
    pub errors: BTreeMap<PhotoKind, String>,
    /// Where each slot was drawn last frame, for file drops.
    pub rects: BTreeMap<PhotoKind, egui::Rect>,
}

impl PhotoSlots {
    pub fn set(
        &mut self,
        ctx: &egui::Context,
        kind: PhotoKind,
        jpeg: Vec<u8>,
        width: u32,
        height: u32,
        thumb: Arc<ColorImage>,
    ) {
        let texture = ctx.load_texture(
            format!("photo-{kind:?}"),
            Arc::unwrap_or_clone(thumb),
            TextureOptions::LINEAR,
        );
        self.photos.insert(
            kind,
            SlotPhoto {
                jpeg,
                width,
                height,
                texture,
            },
        );
        self.busy.remove(&kind);
        self.errors.remove(&kind);
    }

    pub fn clear(&mut self) {
        self.photos.clear();
        self.busy.clear();
        self.errors.clear();
    }

    /// Which slot a file dropped at `pos` belongs to: the one under the pointer, else the
    /// first empty scan slot, else the face.
    pub fn drop_target(&self, pos: Option<egui::Pos2>) -> PhotoKind {
        if let Some(pos) = pos
            && let Some((kind, _)) = self.rects.iter().find(|(_, r)| r.contains(pos))
        {
            return *kind;
        }
        FORM_PHOTOS
            .into_iter()
            .find(|k| !self.photos.contains_key(k))
            .unwrap_or(PhotoKind::Face)
    }
}

/// What a slot's buttons asked for.
pub enum SlotAction {
    PickFile(PhotoKind),
    OpenCamera,
    Remove(PhotoKind),
}

const SLOT_SIZE: egui::Vec2 = egui::vec2(196.0, 150.0);

pub fn slot_ui(
    ui: &mut egui::Ui,
    slots: &mut PhotoSlots,
    kind: PhotoKind,
    error: Option<&str>,
    actions: &mut Vec<SlotAction>,
) {
    ui.vertical(|ui| {
        ui.set_width(SLOT_SIZE.x + 10.0);
        ui.set_max_width(SLOT_SIZE.x + 10.0);
        ui.label(RichText::new(kind.label()).strong());
        let frame = egui::Frame::group(ui.style()).inner_margin(4.0);
        let resp = frame.show(ui, |ui| {
            ui.set_min_size(SLOT_SIZE);
            ui.set_max_size(SLOT_SIZE);
            ui.centered_and_justified(|ui| {
                if let Some(p) = slots.photos.get(&kind) {
                    let size = p.texture.size_vec2();
                    let scale = (SLOT_SIZE.x / size.x).min(SLOT_SIZE.y / size.y).min(1.0);
                    ui.add(egui::Image::new(&p.texture).fit_to_exact_size(size * scale))
                        .on_hover_text("把新照片拖到这里可以替换");
                } else if slots.busy.get(&kind).copied().unwrap_or(false) {
                    ui.spinner();
                } else {
                    ui.label(RichText::new(format!("拖入{}", short(kind))).weak());
                }
            });
        });
        slots.rects.insert(kind, resp.response.rect);
        if let Some(p) = slots.photos.get(&kind) {
            ui.label(RichText::new(format!("{} KB · {}×{}", p.jpeg.len().div_ceil(1024), p.width, p.height)).small());
        }
        if let Some(e) = slots.errors.get(&kind) {
            ui.label(RichText::new(e).color(error_red(ui)).small());
        } else if let Some(e) = error {
            ui.label(RichText::new(e).color(error_red(ui)).small());
        }
        ui.horizontal_wrapped(|ui| {
            let camera_text = if slots.photos.contains_key(&kind) {
                "重拍"
            } else {
                "摄像头"
            };
            if kind == PhotoKind::Face && ui.button(camera_text).clicked() {
                actions.push(SlotAction::OpenCamera);
            }
            if ui.button(format!("选择{}文件", short(kind))).clicked() {
                actions.push(SlotAction::PickFile(kind));
            }
            if slots.photos.contains_key(&kind) && ui.small_button(format!("删除{}", short(kind))).clicked() {
                actions.push(SlotAction::Remove(kind));
            }
        });
    });
}

/// Button texts must be unique per slot for the tests and screen readers.
fn short(kind: PhotoKind) -> &'static str {
    match kind {
        PhotoKind::Face => "人脸",
        PhotoKind::IdPortrait => "芯片照",
        PhotoKind::IdScanFront => "正面",
        PhotoKind::IdScanBack => "反面",
        PhotoKind::Site => "现场照",
    }
}

/// The webcam: a camera picker, a live preview fed by a background [`CameraWorker`], and
/// capture/retake. Without a camera it says so and points to the file button.
pub struct CameraPanel {
    provider: Arc<dyn CameraProvider>,
    listing: Option<Receiver<Result<Vec<CameraInfo>, CameraError>>>,
    cameras: Option<Result<Vec<CameraInfo>, CameraError>>,
    selected: Option<String>,
    worker: Option<CameraWorker>,
    texture: Option<TextureHandle>,
    last_sequence: u64,
    pub open: bool,
    ctx: egui::Context,
    /// Shows 拍照 (the attendance point takes the picture at its own buttons).
    capture_button: bool,
}

impl CameraPanel {
    pub fn new(provider: Arc<dyn CameraProvider>, ctx: egui::Context) -> CameraPanel {
        CameraPanel {
            provider,
            listing: None,
            cameras: None,
            selected: None,
            worker: None,
            texture: None,
            last_sequence: 0,
            open: false,
            ctx,
            capture_button: true,
        }
    }

    /// Without 拍照: the owner takes [`latest_frame`](Self::latest_frame) itself.
    pub fn without_capture(mut self) -> CameraPanel {
        self.capture_button = false;
        self
    }

    /// Opens the panel and lists cameras off the UI thread.
    pub fn show(&mut self) {
        self.open = true;
        self.refresh();
    }

    fn refresh(&mut self) {
        self.stop();
        let (tx, rx) = mpsc::channel();
        let provider = Arc::clone(&self.provider);
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(provider.list());
            ctx.request_repaint();
        });
        self.listing = Some(rx);
        self.cameras = None;
    }

    fn start(&mut self, id: String) {
        self.stop();
        let ctx = self.ctx.clone();
        self.worker = Some(CameraWorker::start_with_callback(
            Arc::clone(&self.provider),
            id.clone(),
            Some(Box::new(move || ctx.request_repaint())),
        ));
        self.selected = Some(id);
    }

    pub fn stop(&mut self) {
        if let Some(mut w) = self.worker.take() {
            w.stop();
        }
        self.texture = None;
        self.last_sequence = 0;
    }

    pub fn close(&mut self) {
        self.stop();
        self.open = false;
    }

    /// The picture the camera shows now (the attendance point takes it at the button).
    pub fn latest_frame(&self) -> Option<Arc<Frame>> {
        self.latest_with_sequence().map(|(_, f)| f)
    }

    /// The picture the camera shows now and its number (a new number is a new picture).
    pub fn latest_with_sequence(&self) -> Option<(u64, Arc<Frame>)> {
        self.worker.as_ref().and_then(|w| w.latest_with_sequence())
    }

    /// The camera is showing a picture.
    pub fn has_picture(&self) -> bool {
        self.latest_frame().is_some()
    }

    /// Draws the panel; returns a captured frame when the clerk pressed 拍照.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<Arc<Frame>> {
        self.ui_beside(ui, None, |_| {})
    }

    /// Like [`ui`](Self::ui), with `beside` drawn left of the live picture (the chip portrait
    /// and the 人证比对 verdict) and `overlay` (one short hint) written across the picture's foot.
    pub fn ui_beside(
        &mut self,
        ui: &mut egui::Ui,
        overlay: Option<(&str, egui::Color32)>,
        beside: impl FnOnce(&mut egui::Ui),
    ) -> Option<Arc<Frame>> {
        if let Some(rx) = &self.listing
            && let Ok(list) = rx.try_recv()
        {
            self.listing = None;
            if let Ok(cams) = &list
                && let Some(first) = cams.first()
            {
                let id = self
                    .selected
                    .clone()
                    .filter(|s| cams.iter().any(|c| &c.id == s))
                    .unwrap_or_else(|| first.id.clone());
                self.start(id);
            }
            self.cameras = Some(list);
        }
        let mut captured = None;
        let latest = self.worker.as_ref().and_then(|w| w.latest_with_sequence());
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("摄像头").strong());
                if let Some((_, frame)) = &latest
                    && self.capture_button
                    && ui.button(RichText::new("拍照").strong()).clicked()
                {
                    captured = Some(Arc::clone(frame));
                }
                match &self.cameras {
                    None => {
                        ui.spinner();
                        ui.label("正在查找摄像头…");
                    }
                    Some(Err(e)) => {
                        ui.label(RichText::new(e.to_string()).color(warn_amber(ui)));
                    }
                    Some(Ok(cams)) if cams.is_empty() => {
                        ui.label(RichText::new(CameraError::NoCamera.to_string()).color(warn_amber(ui)));
                    }
                    Some(Ok(cams)) => {
                        let cams = cams.clone();
                        let current = self.selected.clone().unwrap_or_default();
                        let name = cams
                            .iter()
                            .find(|c| c.id == current)
                            .map(|c| c.name.clone())
                            .unwrap_or_default();
                        let l = ui.label("选择摄像头");
                        let mut choice = None;
                        egui::ComboBox::from_id_salt("camera_pick")
                            .selected_text(name)
                            .show_ui(ui, |ui| {
                                for c in &cams {
                                    if ui.selectable_label(c.id == current, &c.name).clicked() {
                                        choice = Some(c.id.clone());
                                    }
                                }
                            })
                            .response
                            .labelled_by(l.id);
                        if let Some(id) = choice {
                            self.start(id);
                        }
                    }
                }
                if ui.button("刷新").clicked() {
                    self.refresh();
                }
                if ui.button("关闭摄像头").clicked() {
                    self.close();
                }
            });
            if let Some(worker) = &self.worker {
                if let Some(e) = worker.error() {
                    ui.label(RichText::new(e.to_string()).color(error_red(ui)));
                }
                if let Some((seq, frame)) = latest {
                    if seq != self.last_sequence {
                        self.last_sequence = seq;
                        let image = ColorImage::from_rgb([frame.width as usize, frame.height as usize], &frame.rgb);
                        match &mut self.texture {
                            Some(t) => t.set(image, TextureOptions::LINEAR),
                            None => {
                                self.texture =
                                    Some(ui.ctx().load_texture("camera-preview", image, TextureOptions::LINEAR))
                            }
                        }
                    }
                    if let Some(t) = &self.texture {
                        let size = t.size_vec2();
                        let scale = (280.0 / size.x).min(1.0);
                        ui.horizontal_top(|ui| {
                            beside(ui);
                            let picture = ui.add(egui::Image::new(t).fit_to_exact_size(size * scale));
                            if let Some((text, color)) = overlay {
                                overlay_hint(ui, picture.rect, text, color);
                            }
                        });
                    }
                }
            }
        });
        // The camera stays open for the next worker: one click per capture.
        captured
    }
}

/// A hint on a dark band across the foot of the live picture, where the worker's eyes are
/// not: readable over any background.
fn overlay_hint(ui: &egui::Ui, picture: egui::Rect, text: &str, color: egui::Color32) {
    let band = egui::Rect::from_min_max(egui::pos2(picture.left(), picture.bottom() - 26.0), picture.max);
    let painter = ui.painter_at(picture);
    painter.rect_filled(band, 0.0, egui::Color32::from_black_alpha(170));
    painter.text(
        band.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(15.0),
        color,
    );
}
