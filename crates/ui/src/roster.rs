//! 人员花名册: the project's workers in a table the clerk can search, filter and sort; one or
//! many selected workers are marked leaving through a confirmation (see `leave`); the
//! filtered view exports to Excel.

mod drafts;
mod leave;
mod view;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use egui::{Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};
use serde::{Deserialize, Serialize};

use super::app::Command;
use super::backend::{Event, Intent, Snapshot};
use super::dialogs::FileDialog;
use super::export::RosterLine;
use super::widgets::{error_red, local_time, ok_green, warn_amber};
use domain::mask_id;
use domain::{DepartureState, RecordState};
use station::platform::Endpoint;
use station::records::WorkerRow;

pub use leave::{LeaveDialog, LeaveOutcome, check_exit_time};
pub use station::snapshot::WorkerRanks;
pub use view::{ViewLine, build_view};
use view::{leaving_on_its_way, selectable};

/// Columns the roster sorts by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Name,
    IdCode,
    Company,
    Trade,
    Category,
    State,
    EmpId,
    Updated,
}

/// The clerk's search, filters and sort, kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RosterPrefs {
    pub search: String,
    /// `RecordState::as_str` of the state shown, empty for all.
    pub state: String,
    /// Full company name, empty for all.
    pub company: String,
    pub sort: SortKey,
    pub descending: bool,
}

impl RosterPrefs {
    fn filtering(&self) -> bool {
        !self.search.trim().is_empty() || !self.state.is_empty() || !self.company.is_empty()
    }
}

#[derive(Default)]
pub struct RosterScreen {
    /// id_codes ticked, also those the current filter hides.
    selected: BTreeSet<String>,
    dialog: Option<LeaveDialog>,
    /// Why the last departure stored nothing.
    message: Option<String>,
    /// The draft whose 删除 was pressed once: a second press deletes it.
    confirm_delete: Option<String>,
    /// The filtered, sorted view, rebuilt only when the snapshot or the prefs change: with
    /// 20,000 workers, building it takes longer than a frame.
    cache: Option<ViewCache>,
    /// Pictures of the rows seen lately (`None`: the worker has no photo), and those asked for.
    thumbs: HashMap<String, Option<egui::TextureHandle>>,
    thumbs_arrived: Vec<(String, Option<Arc<egui::ColorImage>>)>,
    thumbs_asked: HashSet<String>,
}

/// Pictures kept before the oldest are let go (they are asked for again when scrolled to).
const THUMBS_KEPT: usize = 400;
const ROW_HEIGHT: f32 = 44.0;

struct ViewCache {
    generation: u64,
    prefs: RosterPrefs,
    lines: Vec<ViewLine>,
    /// By place in the snapshot's workers: is that worker in `lines`?
    shown: Vec<bool>,
    /// Of the lines, how many can be selected.
    pickable: usize,
    companies: Vec<String>,
}

/// A dictionary code's name for one drawn row (a short scan of the dictionary).
fn dict_text<'a>(snap: &'a Snapshot, kind: Endpoint, code: &'a str) -> &'a str {
    snap.dict_name(kind, code).unwrap_or(code)
}

/// The initial widths of the roster's columns that shrink on a narrow window.
const ROSTER_SCALABLE_WIDTH: f32 = 90.0 + 170.0 + 210.0 + 100.0 + 130.0 + 110.0 + 150.0 + 150.0;

fn state_color(ui: &egui::Ui, s: RecordState) -> egui::Color32 {
    match s {
        RecordState::Pending => warn_amber(ui),
        RecordState::Sent => ok_green(ui),
        RecordState::NeedsFix => error_red(ui),
        RecordState::Departed => super::widgets::muted_gray(ui),
        RecordState::Draft => super::widgets::draft_blue(ui),
    }
}

impl RosterScreen {
    /// The ID numbers ticked for 标记离场, those the filter hides included.
    pub fn selected(&self) -> &BTreeSet<String> {
        &self.selected
    }

    /// The view for this snapshot and these prefs, rebuilt only when either changed.
    fn refresh(&mut self, snap: &Snapshot, prefs: &RosterPrefs) {
        let fresh = self
            .cache
            .as_ref()
            .is_some_and(|c| c.generation == snap.generation && c.prefs == *prefs);
        if fresh {
            return;
        }
        let old = self.cache.take();
        let new_snapshot = old.as_ref().is_none_or(|c| c.generation != snap.generation);
        if new_snapshot {
            // Departed workers cannot leave again, and gone ones cannot be selected at all.
            self.selected.retain(|id| snap.worker(id).is_some_and(selectable));
        }
        let companies = match old {
            Some(c) if !new_snapshot => c.companies,
            _ => {
                let mut companies: BTreeSet<&str> = snap.workers.iter().map(|w| w.emp_company.as_str()).collect();
                companies.extend(snap.companies.iter().map(|c| c.company.company_name.as_str()));
                companies.remove("");
                companies.into_iter().map(str::to_string).collect()
            }
        };
        let lines = build_view(snap, prefs);
        let mut shown = vec![false; snap.workers.len()];
        let mut pickable = 0;
        for l in &lines {
            shown[l.index] = true;
            pickable += usize::from(selectable(&snap.workers[l.index]));
        }
        self.cache = Some(ViewCache {
            generation: snap.generation,
            prefs: prefs.clone(),
            lines,
            shown,
            pickable,
            companies,
        });
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, snap: &Snapshot, prefs: &mut RosterPrefs, out: &mut Vec<Command>) {
        ui.heading("人员花名册");
        if let Some(m) = &self.message {
            ui.label(RichText::new(m).color(error_red(ui)));
        }
        self.refresh(snap, prefs);
        let Some(cache) = self.cache.take() else { return };
        self.filters_ui(ui, &cache.companies, prefs);
        let view = &cache.lines;
        self.actions_ui(ui, snap, prefs, &cache, out);
        ui.separator();
        if snap.workers.is_empty() {
            ui.label("还没有登记人员：到“人员登记”登记第一位。");
        } else if view.is_empty() {
            ui.horizontal(|ui| {
                ui.label(RichText::new("没有符合条件的人员：请检查搜索词或筛选条件。").color(warn_amber(ui)));
                if ui.button("清除筛选").clicked() {
                    prefs.search.clear();
                    prefs.state.clear();
                    prefs.company.clear();
                }
            });
        } else {
            let wanted = self.table_ui(ui, snap, prefs, view, out);
            self.thumbs_logic(ui.ctx(), wanted, out);
        }
        self.cache = Some(cache);
        if let Some(dialog) = &mut self.dialog {
            match dialog.ui(ui.ctx()) {
                Some(LeaveOutcome::Confirm { id_codes, exit_time }) => {
                    out.push(Command::Backend(Intent::MarkLeaving { id_codes, exit_time }));
                    self.selected.clear();
                    self.dialog = None;
                }
                Some(LeaveOutcome::Cancel) => self.dialog = None,
                None => {}
            }
        }
    }

    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::LeavingRecorded(result) => self.message = result.as_ref().err().map(|f| f.message()),
            Event::Thumbnails(found) => self.thumbs_arrived.extend(found.iter().cloned()),
            _ => {}
        }
    }

    /// `Some(true)` when this worker's picture is shown, `Some(false)` when it has none.
    pub fn thumbnail_shown(&self, id_code: &str) -> Option<bool> {
        self.thumbs.get(id_code).map(Option::is_some)
    }

    /// Turns arrived pictures into textures; asks for the ones `wanted` that are missing.
    fn thumbs_logic(&mut self, ctx: &egui::Context, wanted: Vec<String>, out: &mut Vec<Command>) {
        if self.thumbs.len() > THUMBS_KEPT {
            self.thumbs.clear();
            self.thumbs_asked.clear();
        }
        for (id, image) in self.thumbs_arrived.drain(..) {
            let texture =
                image.map(|img| ctx.load_texture(format!("thumb-{id}"), (*img).clone(), egui::TextureOptions::LINEAR));
            self.thumbs.insert(id, texture);
        }
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|id| !self.thumbs.contains_key(id) && !self.thumbs_asked.contains(id))
            .collect();
        if !missing.is_empty() {
            self.thumbs_asked.extend(missing.iter().cloned());
            out.push(Command::Backend(Intent::LoadThumbnails(missing)));
        }
    }

    fn filters_ui(&mut self, ui: &mut egui::Ui, companies: &[String], prefs: &mut RosterPrefs) {
        ui.horizontal_wrapped(|ui| {
            let l = ui.label("搜索");
            ui.add(
                egui::TextEdit::singleline(&mut prefs.search)
                    .hint_text("姓名、身份证号码或单位")
                    .desired_width(240.0),
            )
            .labelled_by(l.id);
            ui.add_space(12.0);
            let l = ui.label("状态");
            let shown = RecordState::parse(&prefs.state);
            let text = if prefs.state.is_empty() {
                "全部"
            } else {
                shown.label()
            };
            egui::ComboBox::from_id_salt("roster_state")
                .selected_text(text)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut prefs.state, String::new(), "全部");
                    for s in [
                        RecordState::Pending,
                        RecordState::Sent,
                        RecordState::NeedsFix,
                        RecordState::Departed,
                        RecordState::Draft,
                    ] {
                        ui.selectable_value(&mut prefs.state, s.as_str().to_string(), s.label());
                    }
                })
                .response
                .labelled_by(l.id);
            ui.add_space(12.0);
            let l = ui.label("单位");
            let text = if prefs.company.is_empty() {
                "全部单位"
            } else {
                prefs.company.as_str()
            };
            egui::ComboBox::from_id_salt("roster_company")
                .selected_text(text)
                .width(260.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut prefs.company, String::new(), "全部单位");
                    for c in companies {
                        ui.selectable_value(&mut prefs.company, c.clone(), c);
                    }
                })
                .response
                .labelled_by(l.id);
            if prefs.filtering() && ui.button("清除筛选").clicked() {
                prefs.search.clear();
                prefs.state.clear();
                prefs.company.clear();
            }
        });
    }

    fn actions_ui(
        &mut self,
        ui: &mut egui::Ui,
        snap: &Snapshot,
        prefs: &RosterPrefs,
        cache: &ViewCache,
        out: &mut Vec<Command>,
    ) {
        let view = &cache.lines;
        ui.horizontal_wrapped(|ui| {
            let is_shown = |id: &String| snap.worker_index.get(id).is_some_and(|&i| cache.shown[i]);
            // Every selected worker is selectable (`refresh` keeps it so): shown ones are picked.
            let picked = self.selected.iter().filter(|id| is_shown(id)).count();
            let mut all = cache.pickable > 0 && picked == cache.pickable;
            let r = ui
                .add_enabled(cache.pickable > 0, egui::Checkbox::new(&mut all, "全选"))
                .on_hover_text("选中或取消当前列表里所有可以离场的人员（已离场的不能选）");
            if r.changed() {
                let pickable = view.iter().map(|l| &snap.workers[l.index]).filter(|w| selectable(w));
                for w in pickable {
                    if all {
                        self.selected.insert(w.id_code.clone());
                    } else {
                        self.selected.remove(&w.id_code);
                    }
                }
            }
            let n = self.selected.len();
            let hidden = n - picked;
            if n > 0 {
                let text = if hidden > 0 {
                    format!("已选 {n} 人（{hidden} 人不在当前列表中）")
                } else {
                    format!("已选 {n} 人")
                };
                ui.label(text);
                if ui.button("清除选择").clicked() {
                    self.selected.clear();
                }
            }
            let leave = ui
                .add_enabled(n > 0, egui::Button::new(format!("标记离场 ({n})")))
                .on_disabled_hover_text("先在列表左边勾选要离场的人员");
            if leave.clicked() {
                self.dialog = Some(LeaveDialog::new(snap, &self.selected));
            }
            ui.separator();
            let shown = view.len();
            ui.label(if prefs.filtering() {
                format!("共 {} 人，显示 {shown} 人", snap.workers.len())
            } else {
                format!("共 {shown} 人")
            });
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let export = ui
                    .add_enabled(shown > 0, egui::Button::new("导出 Excel"))
                    .on_hover_text("把当前列表（按现在的搜索、筛选和排序）存成 Excel 文件，身份证号码完整保存");
                if export.clicked() {
                    out.push(Command::File(FileDialog::SaveRoster(
                        view.iter().map(|v| roster_line(snap, v)).collect(),
                    )));
                }
            });
        });
    }

    fn table_ui(
        &mut self,
        ui: &mut egui::Ui,
        snap: &Snapshot,
        prefs: &mut RosterPrefs,
        view: &[ViewLine],
        out: &mut Vec<Command>,
    ) -> Vec<String> {
        let mut wanted = Vec::new();
        let headers = [
            ("姓名", SortKey::Name),
            ("身份证号码", SortKey::IdCode),
            ("所属单位", SortKey::Company),
            ("工种", SortKey::Trade),
            ("人员类型", SortKey::Category),
            ("状态", SortKey::State),
            ("平台工号", SortKey::EmpId),
            ("最后修改", SortKey::Updated),
        ];
        // The widths suit a 1366-point window; narrower (a 1366×768 laptop at 125 % text is
        // 1093 points) they shrink together, so 操作 stays on screen: the table does not
        // scroll sideways. Resized widths are kept per text size.
        // Fixed: the checkbox and photo columns, 操作's least, the gaps between 11 columns.
        let fixed = 28.0 + 40.0 + 96.0 + 10.0 * ui.spacing().item_spacing.x;
        let scale = ((ui.available_width() - fixed) / ROSTER_SCALABLE_WIDTH).clamp(0.5, 1.0);
        let col = |initial: f32, least: f32| Column::initial(initial * scale).at_least(least.min(initial * scale));
        let zoom_percent = (ui.ctx().zoom_factor() * 100.0).round() as u32;
        TableBuilder::new(ui)
            .id_salt(("roster_table", zoom_percent))
            .striped(true)
            .resizable(true)
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(Column::exact(28.0))
            .column(Column::exact(40.0))
            .column(col(90.0, 60.0))
            .column(col(170.0, 120.0))
            .column(col(210.0, 100.0).clip(true))
            .column(col(100.0, 60.0).clip(true))
            .column(col(130.0, 60.0).clip(true))
            .column(col(110.0, 70.0).clip(true))
            .column(col(150.0, 60.0).clip(true))
            .column(col(150.0, 100.0))
            // Wide enough for a draft's 补全 and 删除.
            .column(Column::remainder().at_least(96.0))
            .min_scrolled_height(0.0)
            .header(26.0, |mut header| {
                header.col(|_| {});
                header.col(|ui| {
                    ui.strong("照片");
                });
                for (label, key) in headers {
                    header.col(|ui| {
                        let active = prefs.sort == key;
                        let arrow = if !active {
                            ""
                        } else if prefs.descending {
                            " ▼"
                        } else {
                            " ▲"
                        };
                        let r = ui
                            .selectable_label(active, RichText::new(format!("{label}{arrow}")).strong())
                            .on_hover_text("点击按此列排序，再点一次倒序");
                        if r.clicked() {
                            if active {
                                prefs.descending = !prefs.descending;
                            } else {
                                prefs.sort = key;
                                prefs.descending = false;
                            }
                        }
                    });
                }
                header.col(|ui| {
                    ui.strong("操作");
                });
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, view.len(), |mut row| {
                    let v = &view[row.index()];
                    let w = &snap.workers[v.index];
                    row.set_selected(self.selected.contains(&w.id_code));
                    row.col(|ui| {
                        let mut ticked = self.selected.contains(&w.id_code);
                        let r = ui
                            .add_enabled(selectable(w), egui::Checkbox::without_text(&mut ticked))
                            .accessible_name(format!("选择 {}", w.emp_name))
                            .on_disabled_hover_text(if w.state == RecordState::Departed {
                                "已离场，不能再选"
                            } else if w.state == RecordState::Draft {
                                "待补全的人员还没有登记，不能离场"
                            } else {
                                "离场正在上传，等平台回复"
                            });
                        if r.changed() {
                            if ticked {
                                self.selected.insert(w.id_code.clone());
                            } else {
                                self.selected.remove(&w.id_code);
                            }
                        }
                    });
                    row.col(|ui| match self.thumbs.get(&w.id_code) {
                        Some(Some(texture)) => {
                            ui.add(egui::Image::new(texture).fit_to_exact_size(egui::vec2(32.0, 40.0)));
                        }
                        Some(None) => {
                            ui.label(RichText::new("无照片").small().weak());
                        }
                        None => {
                            wanted.push(w.id_code.clone());
                        }
                    });
                    row.col(|ui| {
                        ui.label(&w.emp_name);
                    });
                    row.col(|ui| {
                        ui.monospace(mask_id(&w.id_code));
                    });
                    row.col(|ui| {
                        ui.label(&w.emp_company);
                    });
                    row.col(|ui| {
                        ui.label(dict_text(snap, Endpoint::DictListJobName, &w.job_name));
                    });
                    row.col(|ui| {
                        ui.label(dict_text(snap, Endpoint::DictListEmpCategory, &w.emp_category));
                    });
                    row.col(|ui| state_cell(ui, snap, w, v));
                    row.col(|ui| {
                        let text = if w.emp_id.is_empty() { "—" } else { w.emp_id.as_str() };
                        ui.label(RichText::new(text).small().monospace()).on_hover_text(text);
                    });
                    row.col(|ui| {
                        ui.label(local_time(&w.updated_at));
                    });
                    row.col(|ui| {
                        if w.state == RecordState::Draft {
                            drafts::draft_actions(ui, w, &mut self.confirm_delete, out);
                            return;
                        }
                        let r = ui
                            .small_button("修改")
                            .on_hover_text(format!("打开 {} 的资料修改后重新上传", w.emp_name));
                        if r.clicked() {
                            out.push(Command::EditWorker(w.id_code.clone()));
                        }
                    });
                });
            });
        wanted
    }
}

fn state_cell(ui: &mut egui::Ui, snap: &Snapshot, w: &WorkerRow, v: &ViewLine) {
    let r = ui.label(RichText::new(v.state.label()).color(state_color(ui, v.state)).strong());
    if leaving_on_its_way(w) {
        ui.label(RichText::new("离场待上传").small().color(warn_amber(ui)));
    } else if w.departure == Some(DepartureState::NeedsFix) && w.state != RecordState::Departed {
        ui.label(RichText::new("离场未成功").small().color(error_red(ui)));
    }
    // On the project's blacklist, although already on the roster.
    if let Some(reason) = snap.worker_rules.blacklist.get(&w.id_code) {
        drafts::blacklist_flag(ui, reason);
    }
    if w.state == RecordState::Draft {
        r.on_hover_text(format!(
            "{}：还没有登记，不会上传。点“补全”读卡、拍照、扫描身份证后提交登记。",
            w.sync_message
        ));
    } else if !w.sync_message.is_empty() {
        r.on_hover_text(format!("{}。请到“待上传”查看平台的回复和处理办法。", w.sync_message));
    }
}

fn roster_line(snap: &Snapshot, v: &ViewLine) -> RosterLine {
    let w = &snap.workers[v.index];
    RosterLine {
        emp_name: w.emp_name.clone(),
        id_code: w.id_code.clone(),
        company: w.emp_company.clone(),
        trade: dict_text(snap, Endpoint::DictListJobName, &w.job_name).to_string(),
        category: dict_text(snap, Endpoint::DictListEmpCategory, &w.emp_category).to_string(),
        state: v.state.label().to_string(),
        emp_id: w.emp_id.clone(),
        updated_at: local_time(&w.updated_at),
    }
}
