//! The worker's fields, each named once: its label, its platform key, whether it is required,
//! its longest allowed text, and where it lives in [`Worker`]. The form, the checks, the
//! commands and the exports all go through this table.

use serde::{Deserialize, Serialize};

use super::PhotoKind;
use super::field_spec::{Field, FieldSpec, spec};
use super::worker::Worker;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorkerField {
    IdCode,
    EmpName,
    EmpPhone,
    EmpNativeplace,
    IdAgency,
    IdValiddate,
    EmpNation,
    EmpCompany,
    EmpCategory,
    JobTypename,
    JobName,
    PassPeriod,
    MatchFlag,
    ContractStatus,
    EmpDept,
    JobDept,
    TeamName,
    EmpBankname,
    EmpCardnum,
    IdPhoto,
    Facephoto,
    IdphotoScan,
    IdphotoScan2,
}

/// One list of where each text field lives, for both the shared and the mutable accessor.
macro_rules! text_fields {
    ($field:expr, $w:expr, $($borrow:tt)+) => {
        Some(match $field {
            WorkerField::IdCode => $($borrow)+ $w.id_code,
            WorkerField::EmpName => $($borrow)+ $w.emp_name,
            WorkerField::EmpPhone => $($borrow)+ $w.emp_phone,
            WorkerField::EmpNativeplace => $($borrow)+ $w.emp_nativeplace,
            WorkerField::IdAgency => $($borrow)+ $w.id_agency,
            WorkerField::IdValiddate => $($borrow)+ $w.id_validdate,
            WorkerField::EmpNation => $($borrow)+ $w.emp_nation,
            WorkerField::EmpCompany => $($borrow)+ $w.emp_company,
            WorkerField::EmpCategory => $($borrow)+ $w.emp_category,
            WorkerField::JobTypename => $($borrow)+ $w.job_typename,
            WorkerField::JobName => $($borrow)+ $w.job_name,
            WorkerField::PassPeriod => $($borrow)+ $w.pass_period,
            WorkerField::MatchFlag => $($borrow)+ $w.match_flag,
            WorkerField::ContractStatus => $($borrow)+ $w.contract_status,
            WorkerField::EmpDept => $($borrow)+ $w.emp_dept,
            WorkerField::JobDept => $($borrow)+ $w.job_dept,
            WorkerField::TeamName => $($borrow)+ $w.team_name,
            WorkerField::EmpBankname => $($borrow)+ $w.emp_bankname,
            WorkerField::EmpCardnum => $($borrow)+ $w.emp_cardnum,
            WorkerField::IdPhoto | WorkerField::Facephoto | WorkerField::IdphotoScan | WorkerField::IdphotoScan2 => {
                return None;
            }
        })
    };
}

impl WorkerField {
    /// Every field in the form's order: the text fields, then the four photos.
    pub const ALL: [WorkerField; 23] = [
        WorkerField::IdCode,
        WorkerField::EmpName,
        WorkerField::EmpPhone,
        WorkerField::EmpNativeplace,
        WorkerField::IdAgency,
        WorkerField::IdValiddate,
        WorkerField::EmpNation,
        WorkerField::EmpCompany,
        WorkerField::EmpCategory,
        WorkerField::JobTypename,
        WorkerField::JobName,
        WorkerField::PassPeriod,
        WorkerField::MatchFlag,
        WorkerField::ContractStatus,
        WorkerField::EmpDept,
        WorkerField::JobDept,
        WorkerField::TeamName,
        WorkerField::EmpBankname,
        WorkerField::EmpCardnum,
        WorkerField::IdPhoto,
        WorkerField::Facephoto,
        WorkerField::IdphotoScan,
        WorkerField::IdphotoScan2,
    ];

    pub const PHOTOS: [WorkerField; 4] = [
        WorkerField::IdPhoto,
        WorkerField::Facephoto,
        WorkerField::IdphotoScan,
        WorkerField::IdphotoScan2,
    ];

    /// A two-way choice: the code each way sends and the words the enrollment form's radio
    /// buttons show for it, yes first. One table for the form and for the import, so a list
    /// may say a choice as the window does.
    pub fn choice(self) -> Option<[(&'static str, &'static str); 2]> {
        match self {
            WorkerField::MatchFlag => Some([("Y", "人证一致"), ("N", "人证不一致")]),
            WorkerField::ContractStatus => Some([("1", "已签合同"), ("0", "未签合同")]),
            _ => None,
        }
    }

    /// Filled at the station when a draft is completed, not by a subcontractor's list: the
    /// four photos, the face match, and what only the ID card's chip carries reliably
    /// (address, issuing office, validity, ethnic group). A draft may leave these empty.
    pub fn completed_at_station(self) -> bool {
        matches!(
            self,
            WorkerField::IdPhoto
                | WorkerField::Facephoto
                | WorkerField::IdphotoScan
                | WorkerField::IdphotoScan2
                | WorkerField::MatchFlag
                | WorkerField::EmpNativeplace
                | WorkerField::IdAgency
                | WorkerField::IdValiddate
                | WorkerField::EmpNation
        )
    }

    /// Printed on the ID card (and read from its chip): for a worker already enrolled, the
    /// card is the authority, not a list typed by someone else.
    pub fn on_id_card(self) -> bool {
        matches!(
            self,
            WorkerField::IdCode
                | WorkerField::EmpName
                | WorkerField::EmpNativeplace
                | WorkerField::IdAgency
                | WorkerField::IdValiddate
                | WorkerField::EmpNation
        )
    }

    /// The photo this field carries, for the four photo fields.
    pub fn photo_kind(self) -> Option<PhotoKind> {
        match self {
            WorkerField::IdPhoto => Some(PhotoKind::IdPortrait),
            WorkerField::Facephoto => Some(PhotoKind::Face),
            WorkerField::IdphotoScan => Some(PhotoKind::IdScanFront),
            WorkerField::IdphotoScan2 => Some(PhotoKind::IdScanBack),
            _ => None,
        }
    }

    pub fn for_photo(kind: PhotoKind) -> Option<WorkerField> {
        WorkerField::PHOTOS.into_iter().find(|f| f.photo_kind() == Some(kind))
    }
}

/// The worker's table: label, RegisterEmployee key (the canonical spelling; three keys are
/// renamed on the wire by the protocol table; `team_name` is local only), required by the
/// platform, longest text. What the chip of an ID card holds bounds the card's fields: name
/// 15, address 35, issuing office 15.
impl Field for WorkerField {
    type Record = Worker;

    const ALL: &'static [WorkerField] = &WorkerField::ALL;

    fn spec(self) -> FieldSpec {
        match self {
            WorkerField::IdCode => spec("身份证号码", "id_code", true, 18),
            WorkerField::EmpName => spec("姓名", "emp_name", true, 50),
            WorkerField::EmpPhone => spec("手机号", "emp_phone", true, 20),
            WorkerField::EmpNativeplace => spec("身份证地址", "emp_nativeplace", true, 100),
            WorkerField::IdAgency => spec("签发机关", "id_agency", true, 50),
            WorkerField::IdValiddate => spec("有效期限", "id_validdate", true, 30),
            WorkerField::EmpNation => spec("民族", "emp_nation", true, 20),
            WorkerField::EmpCompany => spec("所属单位", "emp_company", true, 100),
            WorkerField::EmpCategory => spec("人员类型", "emp_category", true, 40),
            WorkerField::JobTypename => spec("工种/岗位类别", "job_typename", true, 40),
            WorkerField::JobName => spec("工种名称", "job_name", true, 64),
            WorkerField::PassPeriod => spec("通行时段", "pass_period", true, 30),
            WorkerField::MatchFlag => spec("人证比对", "match_flag", true, 1),
            WorkerField::ContractStatus => spec("合同办理", "contract_status", true, 1),
            WorkerField::EmpDept => spec("所属部门", "emp_dept", false, 50),
            WorkerField::JobDept => spec("现工作部门", "job_dept", false, 50),
            WorkerField::TeamName => spec("班组", "team_name", false, 50),
            WorkerField::EmpBankname => spec("开户银行", "emp_bankname", false, 60),
            WorkerField::EmpCardnum => spec("银行账号", "emp_cardnum", false, 32),
            WorkerField::IdPhoto => spec("身份证芯片照片", "id_photo", true, 0),
            WorkerField::Facephoto => spec("人脸照片", "facephoto", true, 0),
            WorkerField::IdphotoScan => spec("身份证正面", "idphoto_scan", true, 0),
            WorkerField::IdphotoScan2 => spec("身份证反面", "idphoto_scan2", true, 0),
        }
    }

    /// The text of a text field; `None` for the photos.
    fn text(self, w: &Worker) -> Option<&String> {
        text_fields!(self, w, &)
    }

    /// The text of a text field to edit; `None` for the photos.
    fn text_mut(self, w: &mut Worker) -> Option<&mut String> {
        text_fields!(self, w, &mut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_one_key_and_every_text_field_a_place() {
        let mut keys: Vec<&str> = WorkerField::ALL.iter().map(|f| f.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), WorkerField::ALL.len(), "a key is used twice");
        let mut w = Worker::default();
        for f in WorkerField::ALL {
            assert_eq!(WorkerField::from_key(f.key()), Some(f));
            match f.photo_kind() {
                Some(kind) => {
                    assert!(f.text(&w).is_none());
                    assert_eq!(WorkerField::for_photo(kind), Some(f));
                }
                None => {
                    *f.text_mut(&mut w).expect("text field") = f.key().to_string();
                    assert!(f.max_chars() > 0);
                }
            }
        }
        // Each text field wrote its own place: reading back gives each its own key.
        for f in WorkerField::ALL.into_iter().filter(|f| f.photo_kind().is_none()) {
            assert_eq!(f.text(&w).map(String::as_str), Some(f.key()));
        }
    }
}
