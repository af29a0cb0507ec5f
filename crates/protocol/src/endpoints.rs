//! The one table of what the document leaves ambiguous: per-endpoint `api_version`, the
//! service path segment, and the spellings of three RegisterEmployee keys. Defaults follow
//! `shared/spec/NOTES.md`; every entry can be overridden from the config without a rebuild.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The nine live endpoints of the platform (UploadSafetyEducation and UploadPayroll are closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Endpoint {
    DictListEmpCategory,
    DictListJobTypeName,
    DictListJobName,
    GetCompanyType,
    RegisterEmployee,
    UploadPassedLog,
    #[serde(rename = "userLeaveProject")]
    UserLeaveProject,
    AddCompany,
    ProjectRemoveCompany,
}

impl Endpoint {
    pub const ALL: [Endpoint; 9] = [
        Endpoint::DictListEmpCategory,
        Endpoint::DictListJobTypeName,
        Endpoint::DictListJobName,
        Endpoint::GetCompanyType,
        Endpoint::RegisterEmployee,
        Endpoint::UploadPassedLog,
        Endpoint::UserLeaveProject,
        Endpoint::AddCompany,
        Endpoint::ProjectRemoveCompany,
    ];

    /// The name as it appears in the URL path (case matters: `userLeaveProject`).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::DictListEmpCategory => "DictListEmpCategory",
            Endpoint::DictListJobTypeName => "DictListJobTypeName",
            Endpoint::DictListJobName => "DictListJobName",
            Endpoint::GetCompanyType => "GetCompanyType",
            Endpoint::RegisterEmployee => "RegisterEmployee",
            Endpoint::UploadPassedLog => "UploadPassedLog",
            Endpoint::UserLeaveProject => "userLeaveProject",
            Endpoint::AddCompany => "AddCompany",
            Endpoint::ProjectRemoveCompany => "ProjectRemoveCompany",
        }
    }

    /// Accepts the URL name in any letter case, so `userleaveproject` on a command line works.
    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The clerk's name for what the endpoint does.
    pub fn label_zh(self) -> &'static str {
        match self {
            Endpoint::DictListEmpCategory => "人员类型字典",
            Endpoint::DictListJobTypeName => "工种/岗位类别字典",
            Endpoint::DictListJobName => "工种名称字典",
            Endpoint::GetCompanyType => "单位类型字典",
            Endpoint::RegisterEmployee => "上报人员实名制信息",
            Endpoint::UploadPassedLog => "上传考勤",
            Endpoint::UserLeaveProject => "人员离场",
            Endpoint::AddCompany => "添加参建单位",
            Endpoint::ProjectRemoveCompany => "移除参建单位",
        }
    }

    /// Reads only: safe to call at any time, nothing changes on the platform.
    pub fn is_dictionary(self) -> bool {
        matches!(
            self,
            Endpoint::DictListEmpCategory
                | Endpoint::DictListJobTypeName
                | Endpoint::DictListJobName
                | Endpoint::GetCompanyType
        )
    }

    /// The revision of 2019-01-17 moved the dictionaries and RegisterEmployee to 1.1.
    pub fn default_version(self) -> &'static str {
        match self {
            Endpoint::DictListEmpCategory
            | Endpoint::DictListJobTypeName
            | Endpoint::DictListJobName
            | Endpoint::GetCompanyType
            | Endpoint::RegisterEmployee => "1.1",
            Endpoint::UploadPassedLog
            | Endpoint::UserLeaveProject
            | Endpoint::AddCompany
            | Endpoint::ProjectRemoveCompany => "1.0",
        }
    }
}

/// The version to try when the platform refused `version`: the document knows only these
/// two, and the live platform's working clients send `1.1` where the document says `1.0`.
pub fn other_version(version: &str) -> Option<&'static str> {
    match version.trim() {
        "1.0" => Some("1.1"),
        "1.1" => Some("1.0"),
        _ => None,
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The three RegisterEmployee keys that the field table, the JSON example and working
/// clients spell three different ways. Default: what working clients send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegisterFieldNames {
    /// Job category code (table: `job_tyname`, example: `job_typername`).
    pub job_typename: String,
    /// Contract signed, "1"/"0" (table: `contract_statuses`).
    pub contract_status: String,
    /// ID card validity period (table: `id_validddate`, example: `id_validdatetime`).
    pub id_validdate: String,
}

impl Default for RegisterFieldNames {
    fn default() -> Self {
        RegisterFieldNames {
            job_typename: "job_typename".into(),
            contract_status: "contract_status".into(),
            id_validdate: "id_validdate".into(),
        }
    }
}

/// Everything about the wire that an integrator may need to change per platform instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProtocolTable {
    /// Path segment before the endpoint name; the document also writes `CWService`.
    pub service: String,
    /// Per-endpoint overrides of the service segment.
    pub service_overrides: BTreeMap<Endpoint, String>,
    /// Per-endpoint overrides of `api_version`.
    pub version_overrides: BTreeMap<Endpoint, String>,
    pub register_fields: RegisterFieldNames,
}

impl Default for ProtocolTable {
    fn default() -> Self {
        ProtocolTable {
            service: "CWRService".into(),
            service_overrides: BTreeMap::new(),
            version_overrides: BTreeMap::new(),
            register_fields: RegisterFieldNames::default(),
        }
    }
}

impl ProtocolTable {
    pub fn version(&self, endpoint: Endpoint) -> &str {
        self.version_overrides
            .get(&endpoint)
            .map(String::as_str)
            .unwrap_or_else(|| endpoint.default_version())
    }

    pub fn service(&self, endpoint: Endpoint) -> &str {
        self.service_overrides
            .get(&endpoint)
            .map(String::as_str)
            .unwrap_or(&self.service)
    }

    /// Was this endpoint's version set by hand in the config? Such a choice is the
    /// integrator's and is neither replaced by what a platform taught nor tried the other way.
    pub fn version_is_overridden(&self, endpoint: Endpoint) -> bool {
        self.version_overrides.contains_key(&endpoint)
    }

    /// `/{service}/{Endpoint}` for this endpoint.
    pub fn path(&self, endpoint: Endpoint) -> String {
        format!("/{}/{}", self.service(endpoint), endpoint.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_notes() {
        let t = ProtocolTable::default();
        assert_eq!(t.version(Endpoint::RegisterEmployee), "1.1");
        assert_eq!(t.version(Endpoint::DictListJobName), "1.1");
        assert_eq!(t.version(Endpoint::UserLeaveProject), "1.0");
        assert_eq!(t.path(Endpoint::UserLeaveProject), "/CWRService/userLeaveProject");
        assert_eq!(t.register_fields.id_validdate, "id_validdate");
    }

    #[test]
    fn overrides_come_from_config_json() {
        let t: ProtocolTable = serde_json::from_str(
            r#"{"service":"CWService","version_overrides":{"AddCompany":"1.1"},
                "register_fields":{"job_typename":"job_tyname"}}"#,
        )
        .expect("valid config");
        assert_eq!(t.path(Endpoint::AddCompany), "/CWService/AddCompany");
        assert_eq!(t.version(Endpoint::AddCompany), "1.1");
        assert_eq!(t.version(Endpoint::GetCompanyType), "1.1");
        assert_eq!(t.register_fields.job_typename, "job_tyname");
        assert_eq!(t.register_fields.contract_status, "contract_status");
    }

    #[test]
    fn names_round_trip() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::from_name(e.name()), Some(e));
        }
        assert_eq!(
            Endpoint::from_name("userleaveproject"),
            Some(Endpoint::UserLeaveProject)
        );
        assert_eq!(Endpoint::from_name("UploadPayroll"), None);
    }
}
