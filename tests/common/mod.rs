//! Shared by the integration tests: a simulator on a free port, a client for it, and valid
//! sample data (ID numbers and credit codes with correct check characters, real JPEGs).
#![allow(dead_code)]

pub mod cli;
pub mod fake;
pub mod hostile;
pub mod hostile_cases;
pub mod immutable;
pub mod sheets;
pub mod ui;

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use cwr_station::api::types::{AddCompany, RegisterEmployee};
use cwr_station::api::{
    Credentials, PlatformClient, PlatformClock, ProtocolTable, Secret, TimeSource, Timeouts, clock,
};
use cwr_station::sim::{self, SimConfig, SimHandle};

pub const JOB_NAME_CARPENTER: &str = "7D4DDE53D08D97CF7FFBB561D1E17624";

pub fn sim_config() -> SimConfig {
    let mut c = SimConfig::demo();
    c.addr = "127.0.0.1:0".parse().expect("addr");
    c
}

pub fn start_sim() -> SimHandle {
    sim::start(sim_config()).expect("simulator starts")
}

pub fn credentials(base_url: &str) -> Credentials {
    let demo = SimConfig::demo();
    Credentials {
        base_url: base_url.to_string(),
        api_key: demo.api_key,
        api_secret: Secret::new(demo.api_secret),
        client_serial: demo.client_serial,
    }
}

pub fn client_with_clock(base_url: &str, time: TimeSource) -> PlatformClient {
    client_on(base_url, &Arc::new(PlatformClock::new(time)), ProtocolTable::default())
}

/// A client for `base_url` with the demo credentials, on a clock the test shares (a station, a
/// sender) and the protocol table it gives.
pub fn client_on(base_url: &str, clock: &Arc<PlatformClock>, protocol: ProtocolTable) -> PlatformClient {
    PlatformClient::new(
        credentials(base_url),
        protocol,
        Arc::clone(clock),
        Timeouts {
            connect_secs: 2,
            call_secs: 10,
        },
    )
    .expect("client")
}

pub fn client(base_url: &str) -> PlatformClient {
    client_with_clock(base_url, clock::system_time())
}

/// A valid 18-digit resident ID: Shenzhen region, born 1980–1999, check char by MOD 11-2.
pub fn id_code(seed: u32) -> String {
    let year = 1980 + seed % 20;
    let month = 1 + (seed / 20) % 12;
    let day = 1 + (seed / 240) % 28;
    let seq = seed % 1000;
    let body = format!("440305{year:04}{month:02}{day:02}{seq:03}");
    format!("{body}{}", cwr_station::domain::id_check_char(&body))
}

/// A valid unified social credit code (GB 32100-2015 check character).
pub fn uscc(seed: u32) -> String {
    let body = format!("91440300{:09}", 100_000_000 + seed);
    format!(
        "{body}{}",
        cwr_station::domain::uscc_check_char(&body).expect("digits only")
    )
}

/// A small real JPEG with some texture.
pub fn jpeg_bytes(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

pub fn jpeg_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(jpeg_bytes(64, 80))
}

/// Beijing's today, the platform's "today", whatever this PC's zone.
pub fn today_pass_period() -> String {
    format!(
        "{}:",
        cwr_station::api::beijing_date(chrono::Utc::now()).format("%Y-%m-%d")
    )
}

pub fn worker_request(id_code: &str, name: &str, company: &str) -> RegisterEmployee {
    RegisterEmployee {
        project_id: sim::DEMO_PROJECT_ID.into(),
        id_code: id_code.into(),
        id_photo: jpeg_b64(),
        emp_name: name.into(),
        emp_phone: "13800138000".into(),
        emp_nativeplace: "广东省深圳市南山区科技园1号".into(),
        emp_nation: "汉".into(),
        pass_period: today_pass_period(),
        match_flag: "Y".into(),
        facephoto: jpeg_b64(),
        emp_company: company.into(),
        emp_category: "00".into(),
        emp_dept: None,
        job_typename: "1".into(),
        job_name: JOB_NAME_CARPENTER.into(),
        contract_status: "1".into(),
        id_agency: "深圳市公安局南山分局".into(),
        id_validdate: "2015.06.01-2035.06.01".into(),
        emp_bankname: None,
        emp_cardnum: None,
        job_dept: None,
        idphoto_scan: jpeg_b64(),
        idphoto_scan2: jpeg_b64(),
    }
}

pub fn company_request(suid: &str, name: &str) -> AddCompany {
    AddCompany {
        project_id: sim::DEMO_PROJECT_ID.into(),
        company_name: name.into(),
        legal_person: "李四".into(),
        suid: suid.into(),
        company_type: Some("02".into()),
        ..Default::default()
    }
}

/// Writes the worker as a `register --worker` file with photos as `@file` references.
pub fn write_worker_file(dir: &Path, id_code: &str, name: &str, company: &str) -> std::path::PathBuf {
    let photo = dir.join("face.jpg");
    if !photo.exists() {
        std::fs::write(&photo, jpeg_bytes(320, 400)).expect("write photo");
    }
    let mut body = serde_json::to_value(worker_request(id_code, name, company)).expect("json");
    let map = body.as_object_mut().expect("object");
    for key in ["id_photo", "facephoto", "idphoto_scan", "idphoto_scan2"] {
        map.insert(key.into(), serde_json::Value::String("@face.jpg".into()));
    }
    map.remove("Project_ID");
    let path = dir.join(format!("worker-{id_code}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&body).expect("json")).expect("write");
    path
}

pub fn write_company_file(dir: &Path, suid: &str, name: &str) -> std::path::PathBuf {
    let path = dir.join(format!("company-{suid}.json"));
    std::fs::write(
        &path,
        serde_json::to_string(&company_request(suid, name)).expect("json"),
    )
    .expect("write");
    path
}

/// The store takes only checked records: tests check theirs the way the station does, with
/// rules that know no dictionary or company (an empty set is not checked), so that records
/// the platform will refuse can still be queued on purpose.
pub fn checked_worker(w: &cwr_station::domain::Worker) -> cwr_station::domain::Validated<cwr_station::domain::Worker> {
    let rules = cwr_station::domain::WorkerRules {
        today: cwr_station::api::beijing_date(chrono::Utc::now()),
        ..Default::default()
    };
    let all = cwr_station::domain::PhotosPresent::of(cwr_station::domain::PhotoKind::ALL);
    match w.clone().into_validated(all, &rules) {
        Ok((v, _)) => v,
        Err(problems) => panic!("test worker is not valid: {problems:?}"),
    }
}

pub fn checked_company(
    c: &cwr_station::domain::Company,
) -> cwr_station::domain::Validated<cwr_station::domain::Company> {
    // The superior, if any, is taken to be on the project (tests add it first).
    let rules = cwr_station::domain::CompanyRules {
        project_suids: [c.suid_superior.trim().to_uppercase()].into_iter().collect(),
        ..Default::default()
    };
    match c.clone().into_validated(&rules) {
        Ok(v) => v,
        Err(problems) => panic!("test company is not valid: {problems:?}"),
    }
}

/// A data dir whose store already holds the demo's companies, so a form can name one.
pub fn data_dir_with_companies(dir: &Path) -> std::path::PathBuf {
    use cwr_station::store::prelude::*;
    let data = dir.join("data");
    let mut store = cwr_station::store::Store::open_in(&data).expect("store");
    for c in cwr_station::cli::demo_companies() {
        store.save_company(&checked_company(&c)).expect("company");
    }
    data
}

pub fn departure_batch(
    ids: &[String],
    exit_time: &str,
) -> cwr_station::domain::Validated<cwr_station::domain::DepartureBatch> {
    cwr_station::domain::DepartureBatch::validate(ids, Some(exit_time), chrono::Utc::now())
        .unwrap_or_else(|p| panic!("test departure is not valid: {p:?}"))
}

/// The four photos of a worker, each big enough for its use (a face is at least 100×100).
pub fn test_photos() -> cwr_station::store::WorkerPhotos {
    let jpeg = jpeg_bytes(120, 150);
    [
        cwr_station::domain::PhotoKind::Face,
        cwr_station::domain::PhotoKind::IdPortrait,
        cwr_station::domain::PhotoKind::IdScanFront,
        cwr_station::domain::PhotoKind::IdScanBack,
    ]
    .into_iter()
    .map(|k| (k, jpeg.clone()))
    .collect()
}
