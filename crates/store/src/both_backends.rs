//! The record areas behave the same on both backends: each scenario is written once,
//! generic over the seams, and run on a SQLite `Store` (a temp dir) and on a `PgStore` (a
//! fresh database on the test server). Then what only a site database has: two stations
//! on one database.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{
    Company, CompanyRemoval, DepartureBatch, DepartureState, Direction, IdNumber, Identified, ItemState, Pass, Passer,
    PhotoKind, PhotosPresent, RecordState, Validated, Worker, WorkerDraft, WorkerRules,
};
use host::pg_server::PgServer;
use protocol::Endpoint;
use protocol::types::{DictEntry, LeaveFailure, RegisterAnswer};

use crate::pg::{Changes, PgStore, SiteDatabase};
use crate::seams::prelude::*;
use crate::{
    BlacklistEntry, BulkWorker, DescriptorSource, DraftSource, ItemId, Pruned, Store, StoreError, Thumbnail,
    WorkerPhotos,
};

/// A queue item's kind, record and state, read behind the seams (the queue's own traits
/// are another area's).
trait Peek {
    fn item(&self, id: ItemId) -> (String, String, String);

    /// Parks an item as the sender does on a 47 (what it needs is not on the platform yet).
    fn park_for_dependency(&self, id: ItemId);
}

impl Peek for Store {
    fn item(&self, id: ItemId) -> (String, String, String) {
        self.conn
            .query_row("SELECT kind, record_key, state FROM outbox WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .expect("item")
    }

    fn park_for_dependency(&self, id: ItemId) {
        self.conn.execute(&format!("{PARK}?1"), [id]).expect("park");
    }
}

const PARK: &str = "UPDATE outbox SET state = 'needs_fix', park_reason = 'dependency' WHERE id = ";

impl Peek for PgStore {
    fn item(&self, id: ItemId) -> (String, String, String) {
        self.with(|c| {
            let r = c.query_one("SELECT kind, record_key, state FROM outbox WHERE id = $1", &[&id.get()])?;
            Ok((r.get(0), r.get(1), r.get(2)))
        })
        .expect("item")
    }

    fn park_for_dependency(&self, id: ItemId) {
        self.with(|c| Ok(c.execute(&format!("{PARK}$1"), &[&id.get()])?))
            .expect("park");
    }
}

/// Every record area, read and written (a station's backend), and a look at its rows: what
/// the scenarios need of a backend.
trait Records: Backend + Peek {}

impl<T: Backend + Peek> Records for T {}

fn fresh_site(label: &str) -> SiteDatabase {
    SiteDatabase::parse(&PgServer::shared().fresh_database(label)).expect("address")
}

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                let dir = tempfile::tempdir().expect("tempdir");
                let mut store = crate::Store::open_in(dir.path()).expect("open");
                super::$name(&mut store);
            }

            #[test]
            fn postgres() {
                let site = crate::both_backends::fresh_site(stringify!($name));
                let mut store = crate::pg::PgStore::open(&site, "测试站").expect("open");
                super::$name(&mut store);
            }
        }
    };
}

/// A valid ID number (born 1990-01-01 in Beijing), numbered `n`.
fn id(n: u32) -> String {
    let body = format!("11010119900101{:03}", n % 1000);
    format!("{body}{}", domain::id_check_char(&body))
}

const COMPANY: &str = "深圳市测试建筑有限公司";

fn rules() -> WorkerRules {
    WorkerRules {
        today: protocol::beijing_date(Utc::now()),
        ..Default::default()
    }
}

fn raw_worker(id_code: &str, name: &str) -> Worker {
    Worker {
        id_code: id_code.into(),
        emp_name: name.into(),
        emp_phone: "13800138000".into(),
        emp_nativeplace: "广东省深圳市南山区科技园1号".into(),
        emp_nation: "汉".into(),
        pass_period: format!("{}:", protocol::beijing_date(Utc::now()).format("%Y-%m-%d")),
        match_flag: "Y".into(),
        emp_company: COMPANY.into(),
        emp_category: "00".into(),
        job_typename: "1".into(),
        job_name: "J1".into(),
        contract_status: "1".into(),
        id_agency: "深圳市公安局南山分局".into(),
        id_validdate: "2015.06.01-2035.06.01".into(),
        ..Default::default()
    }
}

fn worker(id_code: &str, name: &str) -> Validated<Worker> {
    raw_worker(id_code, name)
        .into_validated(PhotosPresent::of(PhotoKind::ALL), &rules())
        .expect("valid worker")
        .0
}

fn draft(id_code: &str, name: &str) -> (Validated<WorkerDraft>, DraftSource) {
    let d = raw_worker(id_code, name)
        .into_validated_draft(&rules())
        .expect("valid draft")
        .0;
    let source = DraftSource {
        file: "名单.xlsx".into(),
        row: 3,
    };
    (d, source)
}

fn photos(seed: u8) -> WorkerPhotos {
    [
        (PhotoKind::Face, vec![seed; 300]),
        (PhotoKind::IdPortrait, vec![seed.wrapping_add(1); 200]),
    ]
    .into_iter()
    .collect()
}

fn suid(n: u32) -> String {
    let body = format!("9144030010000000{n}");
    format!("{body}{}", domain::uscc_check_char(&body).expect("digits"))
}

fn company(n: u32, name: &str) -> Validated<Company> {
    Company {
        suid: suid(n),
        company_name: name.into(),
        legal_person: "甲".into(),
        ..Default::default()
    }
    .into_validated(&domain::CompanyRules::default())
    .expect("valid company")
}

fn pass(id_code: &str, direction: Direction, passed_at: DateTime<Utc>) -> Validated<Pass> {
    let passer = Passer::Worker {
        id_code: id_code.into(),
    };
    Pass::validate(passer, direction, passed_at, Utc::now(), 7200).expect("valid pass")
}

fn actions(s: &impl Records, n: usize) -> Vec<String> {
    s.audit_trail(n)
        .expect("audit")
        .into_iter()
        .map(|(_, action, _, _)| action)
        .collect()
}

mod records;
mod site;
