//! What the platform takes, written from the document and from what its own production
//! clients sent, and kept apart from the client's `ProtocolTable` on purpose: when the
//! simulator read the client's table, a wrong default in the client could never show up as a
//! refusal, because the simulator agreed with it by construction.

use serde::{Deserialize, Serialize};

use protocol::endpoints::Endpoint;

/// Which `api_version` values the platform takes on `endpoint`.
pub fn versions_taken(endpoint: Endpoint) -> &'static [&'static str] {
    match endpoint {
        // Revision table row 4 (2019-01-17, V2): "apiversion 可选值:1.1, 取消 1.0" for the
        // dictionaries and RegisterEmployee (its sections 3.1.3, 3.1.4, 3.2.2 are the
        // pre-2019-08 numbers). 3.1.3 "1.0 版本已删除，请不要使用".
        Endpoint::DictListEmpCategory => &["1.1"],
        // 3.1.3 table: "可选值:1.1".
        Endpoint::DictListJobTypeName => &["1.1"],
        // 3.1.4 table: "可选值:1.1".
        Endpoint::DictListJobName => &["1.1"],
        // 3.1.5 table: "可选值:1.1".
        Endpoint::GetCompanyType => &["1.1"],
        // 3.2.2 table: "可选值: 1.1"; its fields say "1.0 版本取消,不再支持".
        Endpoint::RegisterEmployee => &["1.1"],
        // 3.2.3 table: "可选值:1.0"; production clients of the live host (2017, 2019-20) sent
        // 1.1 and were taken (NOTES.md, api_version per endpoint): both.
        Endpoint::UploadPassedLog => &["1.0", "1.1"],
        // 3.2.4 table: "可选值:1.0"; production clients sent 1.1: both.
        Endpoint::UserLeaveProject => &["1.0", "1.1"],
        // 3.2.5 table: "可选值:1.0"; production clients sent 1.1: both.
        Endpoint::AddCompany => &["1.0", "1.1"],
        // 3.2.6 table: "可选值:1.0"; production clients sent 1.1: both.
        Endpoint::ProjectRemoveCompany => &["1.0", "1.1"],
    }
}

/// 3.2.3: "目前误差范围为2小时", and "以住建局通知为准": the bureau may change it, so it is a
/// setting (`SimConfig::attendance_window_secs`).
pub const DEFAULT_ATTENDANCE_WINDOW_SECS: i64 = 2 * 3600;
/// A window longer than this is not "real time" any more; it also keeps the arithmetic on
/// dates far from overflow.
pub const MAX_ATTENDANCE_WINDOW_SECS: i64 = 31 * 24 * 3600;

/// The service segment every request example in the document and every production client
/// uses (2.2, 3.2.1); the document also writes `/CWService/` in 3.1.1 and 3.2.5, which no
/// example or client ever sent.
pub const SERVICE: &str = "CWRService";

/// `/{service}/{Endpoint}` as the platform serves it.
pub fn path(service: &str, endpoint: Endpoint) -> String {
    format!("/{service}/{}", endpoint.name())
}

/// The three RegisterEmployee keys the platform reads. The field table of 3.2.2 and its JSON
/// example disagree on them; the spellings here are the ones production clients sent and
/// were taken with (NOTES.md, RegisterEmployee). A test moves one to show what a client that
/// spells it otherwise is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterKeys {
    /// Table: `job_tyname`, example: `job_typername`.
    pub job_typename: String,
    /// Table: `contract_statuses`, example: `contract_status`.
    pub contract_status: String,
    /// Table: `id_validddate`, example: `id_validdatetime`.
    pub id_validdate: String,
}

impl Default for RegisterKeys {
    fn default() -> Self {
        RegisterKeys {
            job_typename: "job_typename".into(),
            contract_status: "contract_status".into(),
            id_validdate: "id_validdate".into(),
        }
    }
}

/// The platform's side of the wire, for `SimConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformTable {
    pub service: String,
    pub register_keys: RegisterKeys,
}

impl Default for PlatformTable {
    fn default() -> Self {
        PlatformTable {
            service: SERVICE.into(),
            register_keys: RegisterKeys::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written out again from the document, row by row, so that a change to the table is a
    /// change a reader of this test has to agree with.
    #[test]
    fn the_table_is_the_documents() {
        let only_11 = [
            "DictListEmpCategory",
            "DictListJobTypeName",
            "DictListJobName",
            "GetCompanyType",
            "RegisterEmployee",
        ];
        let both = [
            "UploadPassedLog",
            "userLeaveProject",
            "AddCompany",
            "ProjectRemoveCompany",
        ];
        for e in Endpoint::ALL {
            let expected: &[&str] = if only_11.contains(&e.name()) {
                &["1.1"]
            } else {
                assert!(both.contains(&e.name()), "{e} is in neither list");
                &["1.0", "1.1"]
            };
            assert_eq!(versions_taken(e), expected, "{e}");
        }
        let t = PlatformTable::default();
        assert_eq!(
            path(&t.service, Endpoint::UserLeaveProject),
            "/CWRService/userLeaveProject"
        );
        assert_eq!(t.register_keys.job_typename, "job_typename");
        assert_eq!(DEFAULT_ATTENDANCE_WINDOW_SECS, 2 * 60 * 60);
    }
}
