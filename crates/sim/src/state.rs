//! What the platform holds, and its file on disk.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimState {
    /// Keyed by the normalised 18-character id_code.
    pub workers: BTreeMap<String, SimWorker>,
    /// Keyed by SUID; the AddCompany body as last received.
    pub companies: BTreeMap<String, Value>,
    /// Keyed by id_code.
    pub departures: BTreeMap<String, SimDeparture>,
    /// Every stored attendance item, with the request's `Device_ID` added.
    pub passed_logs: Vec<Value>,
    /// endpoint name → answer code → count; every processed platform call lands here.
    pub calls: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimWorker {
    /// The latest RegisterEmployee body, as received.
    pub body: Value,
    /// The platform's worker number: 32 upper-case hex, fixed at the first registration.
    pub emp_id: String,
    pub received_count: u32,
    pub first_received: String,
    pub modify_time: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimDeparture {
    /// The latest `exit_time` sent, if any.
    pub exit_time: Option<String>,
    pub received_count: u32,
}

impl SimState {
    /// How many calls to `endpoint` (URL name, e.g. `userLeaveProject`) were answered `code`.
    pub fn call_count(&self, endpoint: &str, code: &str) -> u64 {
        self.calls
            .get(endpoint)
            .and_then(|codes| codes.get(code))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn count_call(&mut self, endpoint: &str, code: &str) {
        *self
            .calls
            .entry(endpoint.to_string())
            .or_default()
            .entry(code.to_string())
            .or_default() += 1;
    }

    /// A missing file is an empty platform; an unreadable one is an error, so that a typo in
    /// the file does not silently wipe what a test run had stored.
    pub(crate) fn load(path: &Path) -> io::Result<SimState> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(SimState::default()),
            Err(e) => Err(e),
        }
    }

    /// Temp file + rename, so a crash mid-write leaves the previous state intact.
    pub(crate) fn save(&self, path: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        assert_eq!(SimState::load(&path).expect("missing is empty"), SimState::default());
        let mut s = SimState::default();
        s.count_call("AddCompany", "00");
        s.count_call("AddCompany", "00");
        s.departures.insert(
            "X".into(),
            SimDeparture {
                exit_time: None,
                received_count: 2,
            },
        );
        s.save(&path).expect("saves");
        let back = SimState::load(&path).expect("loads");
        assert_eq!(back, s);
        assert_eq!(back.call_count("AddCompany", "00"), 2);
        assert_eq!(back.call_count("AddCompany", "41"), 0);
        std::fs::write(&path, "not json").expect("write");
        assert!(SimState::load(&path).is_err());
    }
}
