//! The body of each kind of record, built from the store at the moment it is sent (fresh
//! timestamp, photos read then), and what the platform's acceptance changes in the store.

use base64::Engine;

use super::{SendFailure, Sender};
use api::envelope::CODE_PARTIAL;
use api::types::{AddCompany, LeaveItem, ProjectRemoveCompany, RegisterEmployee, UserLeaveProject};
use api::{Endpoint, LeaveOutcome};
use domain::{Company, PhotoKind, mask_id};
use store::OutboxItem;

impl Sender<'_> {
    pub(super) fn send_register(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let Some(rec) = self.store.worker(&item.record_key)? else {
            return Err(SendFailure::Local("本机找不到这条人员记录：请重新登记".into()));
        };
        let photos = self.store.worker_photos(&item.record_key)?;
        let b64 = |k: PhotoKind| {
            photos
                .get(&k)
                .map(|j| base64::engine::general_purpose::STANDARD.encode(j))
                .unwrap_or_default()
        };
        let req = RegisterEmployee::from_worker(
            &rec.worker,
            &self.settings.project_id,
            [
                b64(PhotoKind::IdPortrait),
                b64(PhotoKind::Face),
                b64(PhotoKind::IdScanFront),
                b64(PhotoKind::IdScanBack),
            ],
        );
        let answer = self.client.register_employee(&req)?;
        self.store.mark_worker_registered(item.id, &item.record_key, &answer)?;
        self.count_success(Endpoint::RegisterEmployee)?;
        Ok(())
    }

    pub(super) fn send_leave(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let pending = self.store.unsent_departures(item.id)?;
        if pending.is_empty() {
            self.store.apply_leave_answer(item.id, &[])?;
            return Ok(());
        }
        let body = UserLeaveProject {
            project_id: self.settings.project_id.clone(),
            list: pending
                .into_iter()
                .map(|(id_code, exit_time)| LeaveItem {
                    id_code,
                    exit_time: (!exit_time.is_empty()).then_some(exit_time),
                })
                .collect(),
        };
        let failures = match self.client.leave_project(&body)? {
            LeaveOutcome::AllLeft => Vec::new(),
            LeaveOutcome::Partial(failures) => failures,
            LeaveOutcome::Unmatched { words, result_data } => {
                return Err(SendFailure::Unmatched { words, result_data });
            }
        };
        let all_done = self.store.apply_leave_answer(item.id, &failures)?;
        if failures.len() < body.list.len() {
            self.count_success(Endpoint::UserLeaveProject)?;
        }
        if all_done {
            return Ok(());
        }
        let names: Vec<String> = failures
            .iter()
            .map(|f| {
                format!(
                    "{}：{}",
                    mask_id(&f.id_code),
                    if f.message.is_empty() { "未接受" } else { &f.message }
                )
            })
            .collect();
        Err(SendFailure::Partial {
            code: CODE_PARTIAL.into(),
            message: format!("部分失败，{} 人未离场（{}）", failures.len(), names.join("；")),
        })
    }

    pub(super) fn send_add_company(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let Some(rec) = self.store.company(&item.record_key)? else {
            return Err(SendFailure::Local("本机找不到这个单位：请重新添加".into()));
        };
        self.client
            .add_company(&AddCompany::from_company(&rec.company, &self.settings.project_id))?;
        self.store.mark_company_sent(item.id, &item.record_key, false)?;
        self.count_success(Endpoint::AddCompany)?;
        Ok(())
    }

    pub(super) fn send_remove_company(&mut self, item: &OutboxItem) -> Result<(), SendFailure> {
        let company: Company = self
            .store
            .company(&item.record_key)?
            .map(|c| c.company)
            .unwrap_or_else(|| Company {
                suid: item.record_key.clone(),
                ..Default::default()
            });
        self.client.remove_company(&ProjectRemoveCompany {
            project_id: self.settings.project_id.clone(),
            company_name: company.company_name,
            suid: company.suid,
        })?;
        self.store.mark_company_sent(item.id, &item.record_key, true)?;
        self.count_success(Endpoint::ProjectRemoveCompany)?;
        Ok(())
    }
}
