//! The use cases against a real store in a temp dir: what is refused stores nothing, what is
//! stored carries its outbox entry, and a store that cannot be read is an error, never "no
//! rules".

use std::io::Cursor;

use chrono::TimeZone;

use super::*;
use api::types::DictEntry;
use domain::{ItemState, Severity};
use store::prelude::*;
use store::{BlacklistEntry, ItemKind};

const COMPANY: &str = "深圳市用例测试劳务有限公司";

fn id(seed: u32) -> String {
    let body = format!("440305{:04}0101{:03}", 1980 + seed % 20, seed % 1000);
    format!("{body}{}", domain::id_check_char(&body))
}

fn uscc(seed: u32) -> String {
    let body = format!("91440300{:09}", 100_000_000 + seed);
    format!("{body}{}", domain::uscc_check_char(&body).expect("digits"))
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

fn photos(face_px: u32) -> WorkerPhotos {
    let mut p: WorkerPhotos = [PhotoKind::IdPortrait, PhotoKind::IdScanFront, PhotoKind::IdScanBack]
        .into_iter()
        .map(|k| (k, jpeg(120, 150)))
        .collect();
    p.insert(PhotoKind::Face, jpeg(face_px, face_px));
    p
}

fn worker(id_code: &str) -> Worker {
    Worker {
        id_code: id_code.into(),
        emp_name: "吴珺".into(),
        emp_phone: "13800138000".into(),
        emp_nativeplace: "广东省深圳市南山区科技园1号".into(),
        emp_nation: "汉".into(),
        pass_period: "2026-11-01:".into(),
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

/// A station whose clock says 2026-11-28 12:00 Beijing time, with one company on file.
fn station() -> (tempfile::TempDir, Station) {
    let dir = tempfile::tempdir().expect("tmp");
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 28, 4, 0, 0)
        .single()
        .expect("time");
    let clock = Arc::new(PlatformClock::new(Arc::new(move || now)));
    let mut st = Station::open(dir.path(), Config::default(), clock).expect("open");
    st.save_company(Company {
        company_name: COMPANY.into(),
        legal_person: "负责人".into(),
        suid: uscc(1),
        ..Default::default()
    })
    .expect("company");
    (dir, st)
}

fn field_errors(e: StationError) -> Vec<WorkerField> {
    match e {
        StationError::Worker(p) => p
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.field)
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_enrolled_worker_is_stored_with_its_queue_item_and_wakes_the_sender() {
    let (_d, mut st) = station();
    let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let w = Arc::clone(&woken);
    st.on_queued(move || {
        w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let e = st.enroll(worker(&id(1)), photos(200)).expect("enrolled");
    let item = st.store().outbox_item(e.item_id).expect("item");
    assert_eq!((item.kind, item.state), (ItemKind::Register, ItemState::Waiting));
    assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 1);
    // An update later needs no photos: the ones on file count.
    let mut again = worker(&id(1));
    again.emp_name = "吴珺珺".into();
    st.enroll(again, WorkerPhotos::new()).expect("update");
}

#[test]
fn a_refused_worker_stores_nothing() {
    let (_d, mut st) = station();
    let mut w = worker(&id(2));
    w.emp_company = "不在本项目的公司".into();
    w.emp_name = "张\u{202E}三".into();
    let errors = field_errors(st.enroll(w, photos(200)).expect_err("refused"));
    assert!(
        errors.contains(&WorkerField::EmpCompany) && errors.contains(&WorkerField::EmpName),
        "{errors:?}"
    );
    assert!(st.store().worker(&id(2)).expect("read").is_none());
    assert_eq!(
        st.store().outbox_counts().expect("counts").waiting,
        1,
        "only the company"
    );
}

#[test]
fn a_face_under_100_px_is_refused_with_the_photo_named() {
    let (_d, mut st) = station();
    let errors = field_errors(st.enroll(worker(&id(3)), photos(90)).expect_err("too small"));
    assert_eq!(errors, vec![WorkerField::Facephoto]);
}

#[test]
fn a_blacklisted_id_number_is_a_hard_stop_with_the_reason() {
    let (_d, mut st) = station();
    st.store
        .add_to_blacklist(&[BlacklistEntry {
            id_code: id(4),
            name: "某人".into(),
            reason: "伪造证件".into(),
            added_by: "项目部".into(),
            added_at: String::new(),
        }])
        .expect("blacklist");
    match st.enroll(worker(&id(4)), photos(200)).expect_err("refused") {
        StationError::Worker(p) => {
            let m = &p
                .iter()
                .find(|p| p.field == WorkerField::IdCode)
                .expect("on the ID")
                .message;
            assert!(m.contains("黑名单") && m.contains("伪造证件"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_dictionary_that_cannot_be_read_is_an_error_not_a_switched_off_check() {
    let (dir, mut st) = station();
    st.save_dictionary(
        Endpoint::DictListJobName,
        &[DictEntry {
            orders: "J1".into(),
            value: "木工".into(),
            flag: "N".into(),
        }],
    )
    .expect("dictionary");
    // Another connection breaks the cached dictionary's table under the station's feet.
    let raw = rusqlite::Connection::open(dir.path().join(store::DB_FILE)).expect("open");
    raw.execute_batch("ALTER TABLE dictionary_entries RENAME TO broken")
        .expect("break");
    match st.enroll(worker(&id(5)), photos(200)) {
        Err(StationError::Local(_)) => {}
        other => panic!("expected a local failure, got {other:?}"),
    }
    assert!(st.store().worker(&id(5)).is_ok_and(|w| w.is_none()));
}

#[test]
fn leave_drops_repeats_wherever_they_stand_and_refuses_bad_numbers() {
    let (_d, mut st) = station();
    let ids = vec![id(6), id(7), id(6).to_lowercase(), id(7), id(6)];
    let items = st.leave(&ids, Some("2026-11-28 11:00:00")).expect("leave");
    let departures = st.store().departures_of(items[0]).expect("departures");
    let who: Vec<&str> = departures.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(who, vec![id(6).as_str(), id(7).as_str()]);
    match st.leave(&["123".to_string()], None) {
        Err(StationError::Refused(why)) => assert!(why[0].starts_with("123"), "{why:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_company_under_a_name_already_in_use_is_refused() {
    let (_d, mut st) = station();
    let twin = Company {
        company_name: COMPANY.into(),
        legal_person: "另一人".into(),
        suid: uscc(2),
        ..Default::default()
    };
    match st.save_company(twin) {
        Err(StationError::Company(p)) => assert!(p.iter().any(|p| p.field == domain::CompanyField::CompanyName)),
        other => panic!("{other:?}"),
    }
    // The same company saved again (an update) is fine.
    st.save_company(Company {
        company_name: COMPANY.into(),
        legal_person: "新负责人".into(),
        suid: uscc(1),
        ..Default::default()
    })
    .expect("update");
}

#[test]
fn the_clock_offset_taught_by_the_platform_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open_in(dir.path()).expect("store");
    // 20:30 UTC on the 28th is 04:30 on the 29th in Beijing; a PC 5 hours behind.
    store.remember_clock_offset_ms(5 * 3600 * 1000).expect("remember");
    drop(store);
    let local = chrono::Utc
        .with_ymd_and_hms(2026, 11, 28, 15, 30, 0)
        .single()
        .expect("time");
    let clock = Arc::new(PlatformClock::new(Arc::new(move || local)));
    let st = Station::open(dir.path(), Config::default(), clock).expect("open");
    assert_eq!(st.today(), NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"));
}

/// A draft (待补全) whose data no longer reads is told once when the station opens, stays on
/// the roster marked damaged (the roster does not fail for it), and can be deleted.
#[test]
fn a_damaged_draft_is_told_once_and_marked_not_dropped() {
    let (dir, mut st) = station();
    let db = rusqlite::Connection::open(dir.path().join(store::DB_FILE)).expect("db");
    for (n, data) in [(1, "{\"emp_name\": \"半"), (2, "[1, 2]")] {
        db.execute(
            "INSERT INTO worker_drafts (id_code, emp_name, emp_company, data, source, created_at, updated_at)
             VALUES (?1, '损坏', ?2, ?3, 'list.xlsx 第 2 行', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
            rusqlite::params![id(n), COMPANY, data],
        )
        .expect("row");
    }
    let told: Vec<String> = st.warnings().into_iter().filter(|w| w.contains("待补全")).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("有 2 条") && told[0].contains("已损坏") && told[0].contains("删除"),
        "{}",
        told[0]
    );
    let rows = st.store().roster_rows().expect("the roster still reads");
    let damaged: Vec<_> = rows.iter().filter(|r| r.sync_message == store::DAMAGED_DRAFT).collect();
    assert_eq!(damaged.len(), 2, "{rows:?}");
    st.delete_draft(&domain::IdNumber::parse(&id(1)).expect("valid"))
        .expect("deleted");
    st.delete_draft(&domain::IdNumber::parse(&id(2)).expect("valid"))
        .expect("deleted");
    assert!(st.warnings().iter().all(|w| !w.contains("待补全")));
}

fn test_face(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../face/tests/faces")
        .join(name);
    std::fs::read(path).expect("test face")
}

#[test]
fn enrollment_keeps_the_face_descriptor_and_a_photo_without_a_face_is_a_note_not_a_refusal() {
    let (_d, mut st) = station();
    let models = host::paths::models_dir().expect("the repository's models");
    st.use_face_engine(Arc::new(face::LazyEngine::new(models)));
    let mut with_face = photos(200);
    with_face.insert(PhotoKind::Face, test_face("obama.jpg"));
    let e = st.enroll(worker(&id(11)), with_face).expect("enrolled");
    assert_eq!(e.face_note, None);
    let row = st.store().face_row(&id(11)).expect("read").expect("kept");
    assert_eq!(row.source, faces::DescriptorSource::Enrollment);
    assert_eq!(row.descriptor.map(|d| d.len()), Some(512));

    // A plain picture: saved and queued all the same, with the note.
    let e = st
        .enroll(worker(&id(12)), photos(200))
        .expect("enrolled without a face");
    assert!(
        e.face_note.as_deref().is_some_and(|n| n.contains("没有找到人脸")),
        "{e:?}"
    );
    assert!(st.store().worker(&id(12)).expect("read").is_some());
    assert_eq!(
        st.store().face_row(&id(12)).expect("read").and_then(|r| r.descriptor),
        None
    );
    // Only the face is in the gallery, and it is that worker's.
    assert_eq!(st.gallery_len().expect("gallery"), 1);
}
