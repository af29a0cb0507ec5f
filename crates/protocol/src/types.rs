//! Typed bodies and answers of the nine endpoints, with the platform's key spellings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::endpoints::RegisterFieldNames;
use super::envelope::Envelope;

/// One entry of a dictionary: `orders` is the code that is sent, `value` the name shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictEntry {
    #[serde(deserialize_with = "lenient_string")]
    pub orders: String,
    #[serde(deserialize_with = "lenient_string")]
    pub value: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub flag: String,
}

impl DictEntry {
    pub fn is_default(&self) -> bool {
        self.flag.eq_ignore_ascii_case("Y")
    }
}

/// Reads `result_data.dict_list`; also a bare array, which some instances send.
pub fn parse_dict_list(env: &Envelope) -> Option<Vec<DictEntry>> {
    let list = match env.data_object() {
        Some(map) => map.get("dict_list").cloned()?,
        None => env.result_data.clone(),
    };
    let items = list.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect(),
    )
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// RegisterEmployee, field for field. Three keys are renamed at send time per
/// [`RegisterFieldNames`]; the others are spelled as in the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterEmployee {
    #[serde(rename = "Project_ID")]
    pub project_id: String,
    pub id_code: String,
    pub id_photo: String,
    pub emp_name: String,
    pub emp_phone: String,
    pub emp_nativeplace: String,
    pub emp_nation: String,
    pub pass_period: String,
    pub match_flag: String,
    pub facephoto: String,
    pub emp_company: String,
    pub emp_category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emp_dept: Option<String>,
    pub job_typename: String,
    pub job_name: String,
    pub contract_status: String,
    pub id_agency: String,
    pub id_validdate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emp_bankname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emp_cardnum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_dept: Option<String>,
    pub idphoto_scan: String,
    pub idphoto_scan2: String,
}

impl RegisterEmployee {
    /// The JSON object to send, with the configured spellings of the three disputed keys.
    pub fn to_body(&self, names: &RegisterFieldNames) -> Map<String, Value> {
        let mut map = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // A struct of strings always serialises to an object.
            _ => Map::new(),
        };
        rename_key(&mut map, "job_typename", &names.job_typename);
        rename_key(&mut map, "contract_status", &names.contract_status);
        rename_key(&mut map, "id_validdate", &names.id_validdate);
        map
    }

    /// Reads a body written with any of the known spellings (for `register --worker FILE`).
    pub fn from_body(mut map: Map<String, Value>, names: &RegisterFieldNames) -> Result<Self, String> {
        for (canonical, aliases) in [
            (
                "job_typename",
                [names.job_typename.as_str(), "job_tyname", "job_typername"],
            ),
            (
                "contract_status",
                [names.contract_status.as_str(), "contract_statuses", "contract_status"],
            ),
            (
                "id_validdate",
                [names.id_validdate.as_str(), "id_validddate", "id_validdatetime"],
            ),
        ] {
            if !map.contains_key(canonical)
                && let Some(v) = aliases.iter().find_map(|a| map.remove(*a))
            {
                map.insert(canonical.to_string(), v);
            }
        }
        for value in map.values_mut() {
            if let Value::Number(n) = value {
                *value = Value::String(n.to_string());
            }
        }
        serde_json::from_value(Value::Object(map)).map_err(|e| format!("人员资料格式不对：{e}"))
    }
}

fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) {
    if from != to
        && let Some(v) = map.remove(from)
    {
        map.insert(to.to_string(), v);
    }
}

/// What RegisterEmployee answers: keep all three.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterAnswer {
    #[serde(default, deserialize_with = "lenient_string")]
    pub emp_id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub pass_period: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub modify_time: String,
}

impl RegisterAnswer {
    /// What an answer's `result_data` says, whatever its code (a `48` may carry it too);
    /// blanks for what it leaves out, which the store never writes over what it knows.
    pub fn from_result_data(result_data: &Value) -> RegisterAnswer {
        super::envelope::object_of(result_data)
            .and_then(|m| serde_json::from_value(Value::Object(m)).ok())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassedLog {
    pub person_type: String,
    pub person_id: String,
    pub person_name: String,
    pub passed_time: String,
    pub direction: String,
    pub way: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_photo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadPassedLog {
    #[serde(rename = "Project_ID")]
    pub project_id: String,
    #[serde(rename = "Device_ID")]
    pub device_id: String,
    pub passedlog_list: Vec<PassedLog>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveItem {
    pub id_code: String,
    /// Read by some platform instances only; harmless elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLeaveProject {
    #[serde(rename = "Project_ID")]
    pub project_id: String,
    #[serde(rename = "userLeaveProject_list")]
    pub list: Vec<LeaveItem>,
}

/// One worker of a leave batch that the platform refused (code 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveFailure {
    pub id_code: String,
    pub message: String,
}

/// Finds the per-worker failures in a partial answer, whatever the array is called:
/// any array of objects that carry an `id_code`.
pub fn parse_leave_failures(env: &Envelope) -> Vec<LeaveFailure> {
    fn walk(v: &Value, out: &mut Vec<LeaveFailure>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => {
                if let Some(id) = map.get("id_code").and_then(Value::as_str) {
                    let message = ["message", "msg", "reason", "detail_message"]
                        .iter()
                        .find_map(|k| map.get(*k).and_then(Value::as_str))
                        .unwrap_or_default();
                    out.push(LeaveFailure {
                        id_code: id.to_string(),
                        message: message.to_string(),
                    });
                } else {
                    map.values().for_each(|i| walk(i, out));
                }
            }
            Value::String(s) => {
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    walk(&inner, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&env.result_data, &mut out);
    out
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddCompany {
    #[serde(rename = "Project_ID")]
    pub project_id: String,
    #[serde(rename = "Company_Name")]
    pub company_name: String,
    #[serde(rename = "Short_Name", skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(rename = "Capital", skip_serializing_if = "Option::is_none")]
    pub capital: Option<String>,
    #[serde(rename = "Legal_Person")]
    pub legal_person: String,
    #[serde(rename = "SUID")]
    pub suid: String,
    #[serde(rename = "Bank_Open", skip_serializing_if = "Option::is_none")]
    pub bank_open: Option<String>,
    #[serde(rename = "Bank_Num", skip_serializing_if = "Option::is_none")]
    pub bank_num: Option<String>,
    #[serde(rename = "Address", skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(rename = "Contacts", skip_serializing_if = "Option::is_none")]
    pub contacts: Option<String>,
    #[serde(rename = "Mobile_Phone", skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(rename = "Email", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(rename = "Postcode", skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(rename = "Suid_Superior", skip_serializing_if = "Option::is_none")]
    pub suid_superior: Option<String>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub company_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRemoveCompany {
    #[serde(rename = "Project_ID")]
    pub project_id: String,
    #[serde(rename = "Company_Name")]
    pub company_name: String,
    #[serde(rename = "SUID")]
    pub suid: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_keys_are_the_working_clients_spellings_unless_configured() {
        let w = RegisterEmployee {
            job_typename: "1".into(),
            id_validdate: "2008.02.14-长期".into(),
            ..Default::default()
        };
        let body = w.to_body(&RegisterFieldNames::default());
        assert_eq!(body.get("job_typename"), Some(&Value::from("1")));
        assert!(body.get("emp_dept").is_none());
        assert!(body.contains_key("Project_ID"));
        let names = RegisterFieldNames {
            job_typename: "job_tyname".into(),
            ..Default::default()
        };
        let body = w.to_body(&names);
        assert_eq!(body.get("job_tyname"), Some(&Value::from("1")));
        assert!(!body.contains_key("job_typename"));
        let back = RegisterEmployee::from_body(body, &names).expect("reads back");
        assert_eq!(back, w);
    }

    #[test]
    fn register_reads_the_documents_spellings() {
        let map: Map<String, Value> = serde_json::from_str(
            r#"{"Project_ID":"1","id_code":"x","id_photo":"","emp_name":"张三","emp_phone":"","emp_nativeplace":"",
            "emp_nation":"汉","pass_period":"","match_flag":"Y","facephoto":"","emp_company":"","emp_category":"00",
            "job_typername":2,"job_name":"J","contract_statuses":"1","id_agency":"","id_validdatetime":"v",
            "idphoto_scan":"","idphoto_scan2":""}"#,
        )
        .expect("json");
        let w = RegisterEmployee::from_body(map, &RegisterFieldNames::default()).expect("reads");
        assert_eq!(w.job_typename, "2");
        assert_eq!(w.contract_status, "1");
        assert_eq!(w.id_validdate, "v");
    }

    #[test]
    fn dictionary_and_leave_answers() {
        let env = Envelope::parse(r#"{"code":"00","result_data":{"dict_list":[{"orders":"00","value":"劳务工人","flag":"Y"},{"orders":1,"value":"x"}]}}"#)
            .expect("env");
        let list = parse_dict_list(&env).expect("list");
        assert_eq!(list.len(), 2);
        assert!(list[0].is_default());
        assert_eq!(list[1].orders, "1");
        let env =
            Envelope::parse(r#"{"code":"10","result_data":{"fail_list":[{"id_code":"A","message":"未找到该人员"}]}}"#)
                .expect("env");
        assert_eq!(
            parse_leave_failures(&env),
            vec![LeaveFailure {
                id_code: "A".into(),
                message: "未找到该人员".into()
            }]
        );
    }
}
