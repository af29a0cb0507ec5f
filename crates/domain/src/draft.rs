//! A worker from a subcontractor's list, saved before the station has seen the person: the
//! photos, the face match and the card's own fields come later, when the clerk completes
//! the draft through the normal enrollment. A draft is a type of its own so that the store
//! can never queue one for upload: only a [`Validated<Worker>`] goes to the platform.

use super::worker::errors;
use super::{Field, PhotoKind, PhotosPresent, Validated, Worker, WorkerField, WorkerProblem, WorkerRules};

/// A worker checked with every rule except what the station completes.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerDraft {
    pub worker: Worker,
}

impl Worker {
    /// The worker's checks (the same rules as enrollment: format, dictionaries, company,
    /// blacklist, age, card validity) without the findings "still missing" for the fields
    /// the station fills when the draft is completed ([`WorkerField::completed_at_station`]).
    /// A value given for such a field is still checked.
    pub fn validate_draft(&self, rules: &WorkerRules) -> Vec<WorkerProblem> {
        let w = self.normalized();
        self.validate(PhotosPresent::of(PhotoKind::ALL), rules)
            .into_iter()
            .filter(|p| {
                let missing = p.field.text(&w).is_some_and(|v| v.is_empty());
                !(p.field.completed_at_station() && missing)
            })
            .collect()
    }

    /// The normalised draft when nothing blocks it, with its warnings; the problems otherwise.
    pub fn into_validated_draft(
        self,
        rules: &WorkerRules,
    ) -> Result<(Validated<WorkerDraft>, Vec<WorkerProblem>), Vec<WorkerProblem>> {
        let problems = self.validate_draft(rules);
        if errors(&problems).next().is_some() {
            return Err(problems);
        }
        Ok((
            Validated::new(WorkerDraft {
                worker: self.normalized(),
            }),
            problems,
        ))
    }
}

/// Which of the fields the station completes are still empty (for "what is left to do").
pub fn still_to_complete(w: &Worker) -> Vec<WorkerField> {
    WorkerField::ALL
        .into_iter()
        .filter(|f| f.completed_at_station() && f.text(w).is_none_or(|v| v.trim().is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed() -> Worker {
        let body = "44030519900101123";
        Worker {
            id_code: format!("{body}{}", crate::id_check_char(body)),
            emp_name: "张三".into(),
            emp_phone: "13800138000".into(),
            emp_company: "某公司".into(),
            emp_category: "00".into(),
            job_typename: "1".into(),
            job_name: "J1".into(),
            contract_status: "1".into(),
            pass_period: "2026-11-01:".into(),
            ..Default::default()
        }
    }

    fn rules() -> WorkerRules {
        WorkerRules {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_needs_no_photos_nor_card_fields_but_what_it_has_is_checked() {
        let w = listed();
        assert!(
            w.validate_draft(&rules()).is_empty(),
            "{:?}",
            w.validate_draft(&rules())
        );
        let full = w.validate(PhotosPresent::default(), &rules());
        assert!(full.iter().any(|p| p.field == WorkerField::Facephoto));
        assert!(full.iter().any(|p| p.field == WorkerField::IdAgency));
        let mut bad = listed();
        bad.id_validdate = "2015-06-01".into();
        bad.emp_phone = String::new();
        let fields: Vec<WorkerField> = bad.validate_draft(&rules()).iter().map(|p| p.field).collect();
        assert_eq!(fields, vec![WorkerField::EmpPhone, WorkerField::IdValiddate]);
        assert!(bad.into_validated_draft(&rules()).is_err());
        let (draft, _) = listed().into_validated_draft(&rules()).expect("valid");
        assert_eq!(
            still_to_complete(&draft.worker),
            vec![
                WorkerField::EmpNativeplace,
                WorkerField::IdAgency,
                WorkerField::IdValiddate,
                WorkerField::EmpNation,
                WorkerField::MatchFlag,
                WorkerField::IdPhoto,
                WorkerField::Facephoto,
                WorkerField::IdphotoScan,
                WorkerField::IdphotoScan2,
            ]
        );
    }
}
