//! The owner's side of the Excel requests: files are read and written on helper threads
//! (a large sheet never holds up a save), the station checks and saves on the owner.

use std::sync::Arc;

use super::{Owner, save_as};
use crate::backend::excel::{ExcelEvent, ExcelIntent, ImportCheck};
use crate::backend::{Event, Intent, SaveFailure};
use excel::write_template;
use station::{Station, StationError};

impl Owner {
    fn emit_excel(&self, e: ExcelEvent) {
        self.emit(Event::Excel(e));
    }

    /// Runs `work` on a helper thread and hands its result back to the owner as an intent.
    fn read_then(&self, work: impl FnOnce() -> ExcelIntent + Send + 'static) {
        let intents = self.setup.intents.clone();
        std::thread::spawn(move || {
            let _ = intents.send(Intent::Excel(work()));
        });
    }

    pub(super) fn handle_excel(&mut self, station: &mut Station, intent: ExcelIntent) {
        match intent {
            ExcelIntent::WriteTemplate(path) => match station.template_lists() {
                Ok(lists) => {
                    let files = self.station_files();
                    self.in_background(move || {
                        Event::Excel(ExcelEvent::TemplateWritten(
                            save_as(&files, &path, |tmp| write_template(tmp, &lists)).map(|n| (path, n)),
                        ))
                    })
                }
                Err(e) => self.emit_excel(ExcelEvent::TemplateWritten(Err(e.to_string()))),
            },
            ExcelIntent::CheckImport(path) => {
                self.emit_excel(ExcelEvent::Reading(path.clone()));
                self.read_then(move || {
                    let result = excel::read_worker_sheet(&path);
                    ExcelIntent::SheetRead { path, result }
                });
            }
            ExcelIntent::SheetRead { path, result } => {
                let checked = result.and_then(|sheet| {
                    let report = station.check_import(&sheet).map_err(|e| e.to_string())?;
                    Ok(ImportCheck {
                        path,
                        sheet: Arc::new(sheet),
                        report: Arc::new(report),
                    })
                });
                self.emit_excel(ExcelEvent::ImportChecked(checked));
            }
            ExcelIntent::Import(sheet) => {
                let result = station.import_workers(&sheet).map(Arc::new).map_err(SaveFailure::from);
                self.emit_excel(ExcelEvent::Imported(result));
                self.publish(station);
            }
            ExcelIntent::ExportReport { path, report } => {
                let files = self.station_files();
                self.in_background(move || {
                    Event::Excel(ExcelEvent::ReportExported(
                        save_as(&files, &path, |tmp| report.write_xlsx(tmp)).map(|()| path),
                    ))
                })
            }
            ExcelIntent::DeleteDraft(id_code) => {
                // The roster's rows hold checked numbers: a refusal here means a damaged row.
                let result = checked_id(&id_code)
                    .and_then(|id| station.delete_draft(&id))
                    .map(|()| id_code)
                    .map_err(SaveFailure::from);
                self.emit_excel(ExcelEvent::DraftDeleted(result));
                self.publish(station);
            }
            ExcelIntent::BlacklistAdd(entry) => {
                let result = station
                    .blacklist_add(&[entry])
                    .map(|a| a.message())
                    .map_err(SaveFailure::from);
                self.emit_excel(ExcelEvent::BlacklistChanged(result));
                self.publish(station);
            }
            ExcelIntent::BlacklistRemove { id_code, by } => {
                let result = checked_id(&id_code)
                    .and_then(|id| station.blacklist_remove(&id, &by))
                    .map(|()| format!("已移出黑名单：{}", domain::mask_id(&id_code)))
                    .map_err(SaveFailure::from);
                self.emit_excel(ExcelEvent::BlacklistChanged(result));
                self.publish(station);
            }
            ExcelIntent::BlacklistImport { path, added_by } => {
                self.read_then(move || ExcelIntent::BlacklistSheetRead {
                    result: excel::read_blacklist_sheet(&path),
                    added_by,
                })
            }
            ExcelIntent::BlacklistSheetRead { result, added_by } => {
                let result = result.and_then(|sheet| {
                    station
                        .import_blacklist(&sheet, &added_by)
                        .map(|r| r.message())
                        .map_err(|e| SaveFailure::from(e).message())
                });
                self.emit_excel(ExcelEvent::BlacklistImported(result));
                self.publish(station);
            }
            ExcelIntent::BlacklistExport(path) => match station.store().blacklist() {
                Ok(entries) => {
                    let files = self.station_files();
                    self.in_background(move || {
                        let written = save_as(&files, &path, |tmp| {
                            station::export::write_blacklist_xlsx(tmp, &entries)
                        });
                        Event::Excel(ExcelEvent::BlacklistExported(written.map(|()| (path, entries.len()))))
                    })
                }
                Err(e) => self.emit_excel(ExcelEvent::BlacklistExported(Err(e.to_string()))),
            },
        }
    }
}

fn checked_id(id_code: &str) -> Result<domain::IdNumber, StationError> {
    domain::IdNumber::parse(id_code).map_err(|why| StationError::Refused(vec![why.to_string()]))
}
