//! Attendance knows faces (issue 21 item 5): descriptors kept per worker (through the store's
//! face area), 1:N over the workers on the site, the backfill and its command, and a log the
//! camera identified going with `way` 1 and the record saying how.

use crate::common;
use cwr_station::store::prelude::*;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::cli::*;
use common::*;
use cwr_station::api::PlatformClock;
use cwr_station::config::Config;
use cwr_station::domain::{Company, Direction, Identified, Passer, PhotoKind};
use cwr_station::station::faces::{BackfillCounts, DescriptorSource, LazyEngine};
use cwr_station::station::{PassRequest, SitePhoto, Station};
use cwr_station::store::{Store, WorkerPhotos};

const COMPANY: &str = "深圳市人脸考勤劳务有限公司";

fn face_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/face/tests/faces")
        .join(name)
}

fn face_bytes(name: &str) -> Vec<u8> {
    std::fs::read(face_file(name)).expect("test face")
}

fn picture(name: &str) -> image::RgbImage {
    image::load_from_memory(&face_bytes(name)).expect("decode").to_rgb8()
}

fn engine() -> Arc<LazyEngine> {
    Arc::new(LazyEngine::new(
        cwr_station::paths::models_dir().expect("the repository's models"),
    ))
}

/// Workers enrolled before the station knew faces: `(seed, name, face photo)`; `None` is a
/// picture with no face in it.
fn data_dir_with(dir: &Path, workers: &[(u32, &str, Option<&str>)]) -> PathBuf {
    let data = dir.join("data");
    let mut store = Store::open_in(&data).expect("store");
    store
        .save_company(&checked_company(&Company {
            company_name: COMPANY.into(),
            legal_person: "负责人".into(),
            suid: uscc(800),
            company_type: "03".into(),
            ..Default::default()
        }))
        .expect("company");
    for (seed, name, face) in workers {
        let mut photos: WorkerPhotos = test_photos();
        if let Some(face) = face {
            photos.insert(PhotoKind::Face, face_bytes(face));
        }
        store
            .save_worker(
                &checked_worker(&worker_request(&id_code(*seed), name, COMPANY).to_worker()),
                &photos,
            )
            .expect("worker");
    }
    data
}

fn station(data: &Path, base_url: &str) -> Station {
    let config = Config {
        base_url: base_url.into(),
        device_id: "GATE-FACE".into(),
        ..Config::default()
    };
    let mut station = Station::open(
        data,
        config,
        Arc::new(PlatformClock::new(cwr_station::api::clock::system_time())),
    )
    .expect("station");
    station.use_face_engine(engine());
    station
}

fn descriptor_of(name: &str) -> cwr_station::station::faces::Descriptor {
    let engine = engine().get().expect("models");
    engine
        .describe_largest(&picture(name))
        .expect("described")
        .expect("a face")
        .0
}

#[test]
fn the_face_area_keeps_a_descriptor_through_its_traits() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with(dir.path(), &[(901, "甲", Some("obama.jpg")), (902, "乙", None)]);
    let store: Box<dyn Backend> = cwr_station::store::open_backend(&data, &Default::default()).expect("backend");
    let bytes: Vec<u8> = (0..512u32).map(|i| (i % 251) as u8).collect();
    store
        .keep_descriptor(&id_code(901), Some(&bytes), "model-a", DescriptorSource::Enrollment, "")
        .expect("keep");
    store
        .keep_descriptor(&id_code(902), None, "model-a", DescriptorSource::Backfill, "没有人脸")
        .expect("keep none");
    let row = store.face_row(&id_code(901)).expect("read").expect("kept");
    assert_eq!(row.descriptor.as_deref(), Some(bytes.as_slice()));
    assert_eq!(
        (row.model.as_str(), row.source),
        ("model-a", DescriptorSource::Enrollment)
    );
    let none = store.face_row(&id_code(902)).expect("read").expect("kept");
    assert_eq!((none.descriptor, none.note.as_str()), (None, "没有人脸"));
    assert_eq!(
        store.on_site_descriptors("model-a").expect("gallery"),
        vec![(id_code(901), bytes.clone())],
        "the tried photo without a face is not in the gallery"
    );
    assert!(store.on_site_descriptors("model-b").expect("other model").is_empty());
    // Both tried under model-a; a new model makes both due again.
    assert!(store.workers_without_descriptor("model-a", 10).expect("due").is_empty());
    assert_eq!(store.workers_without_descriptor("model-b", 10).expect("due").len(), 2);
}

#[test]
fn the_backfill_counts_identify_picks_the_worker_and_refuses_a_stranger_and_a_departed_one() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with(
        dir.path(),
        &[
            (911, "奥巴马", Some("obama.jpg")),
            (912, "拜登", Some("biden.jpg")),
            (913, "无脸", None),
        ],
    );
    let mut st = station(&data, &sim.base_url());
    assert_eq!(
        st.backfill_all().expect("backfill"),
        BackfillCounts {
            done: 2,
            no_face: 1,
            failed: 0
        }
    );
    assert_eq!(
        st.backfill_all().expect("again"),
        BackfillCounts::default(),
        "resumable: nothing twice"
    );
    assert_eq!(st.gallery_len().expect("gallery"), 2);

    let found = st
        .identify(&descriptor_of("obama2.jpg"))
        .expect("identify")
        .expect("obama");
    assert_eq!(
        (found.id_code.as_str(), found.name.as_str()),
        (id_code(911).as_str(), "奥巴马")
    );
    assert!(found.distance < cwr_station::station::faces::SAME_PERSON_BELOW);
    let biden = st
        .identify(&descriptor_of("biden.jpg"))
        .expect("identify")
        .expect("biden");
    assert_eq!(biden.id_code, id_code(912));
    assert_eq!(
        st.identify(&descriptor_of("astronaut.jpg")).expect("identify"),
        None,
        "a stranger"
    );

    // The camera's identification is the log's `way` 1, and the record says so.
    let attended = st
        .record_attendance(PassRequest {
            passer: Passer::Worker {
                id_code: found.id_code.clone(),
            },
            direction: Direction::In,
            passed_at: None,
            photo: Some(SitePhoto::File(face_bytes("obama2.jpg"))),
            identified: Identified::Face {
                distance: found.distance,
            },
        })
        .expect("recorded");
    let row = st.store().pass_of_item(attended.item_id).expect("read").expect("log").0;
    assert!(matches!(row.identified, Some(Identified::Face { distance }) if (distance - found.distance).abs() < 1e-4));
    let trail = st.store().audit_trail(5).expect("audit");
    assert!(
        trail
            .iter()
            .any(|(_, action, _, detail)| action == "记录考勤" && detail.contains("人脸识别")),
        "{trail:?}"
    );

    // A worker who left is never proposed.
    st.leave(&[id_code(911)], None).expect("leave");
    assert_eq!(st.identify(&descriptor_of("obama2.jpg")).expect("identify"), None);
    assert_eq!(st.gallery_len().expect("gallery"), 1);
}

#[test]
fn a_log_kept_before_the_station_knew_faces_is_not_sent_as_face() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with(dir.path(), &[]);
    let mut st = station(&data, &sim.base_url());
    let item = st
        .record_attendance(PassRequest {
            passer: Passer::Visitor {
                name: "旧访客".into(),
                id_code: id_code(921),
            },
            direction: Direction::In,
            passed_at: None,
            photo: Some(SitePhoto::File(jpeg_bytes(480, 640))),
            identified: Identified::Clerk,
        })
        .expect("recorded")
        .item_id;
    drop(st);
    // What an older station kept: no identification on the log.
    let conn = rusqlite::Connection::open(data.join(cwr_station::store::DB_FILE)).expect("open");
    conn.execute("UPDATE attendance_logs SET identified_by = ''", [])
        .expect("legacy");
    drop(conn);
    let mut store = Store::open_in(&data).expect("store");
    let client = client(&sim.base_url());
    let config = Config {
        project_id: cwr_station::sim::DEMO_PROJECT_ID.into(),
        device_id: "GATE-FACE".into(),
        ..Config::default()
    };
    let settings = cwr_station::station::send_settings(&config, &client);
    cwr_station::outbox::Sender::new(&mut store, &client, &settings)
        .drain()
        .expect("drain");
    assert!(sim.state().passed_logs.is_empty(), "nothing claimed 人脸识别");
    let parked = store.outbox_item(item).expect("item");
    assert_eq!(parked.state, cwr_station::domain::ItemState::NeedsFix);
    assert!(parked.last_message.contains("没有核对本人"), "{parked:?}");
}

#[test]
fn the_backfill_command_prints_its_counts() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = data_dir_with(dir.path(), &[(931, "甲", Some("obama.jpg")), (932, "乙", None)]);
    let url = format!("http://127.0.0.1:{}", free_port());
    let (code, text) = run(common::cli::station(&data, &url).args(["face", "backfill", "--json"]));
    assert_eq!(code, 0, "{text}");
    let counts: serde_json::Value = serde_json::from_str(text.trim().lines().last().unwrap_or("")).expect(&text);
    assert_eq!(counts, serde_json::json!({"done": 1, "no_face": 1, "failed": 0}));
    let (code, text) = run(common::cli::station(&data, &url).args(["face", "backfill"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("新算好 0 人"), "{text}");

    // With the descriptor kept, the command line's site photo is recognised: no --confirmed.
    let photo = format!("@{}", face_file("obama2.jpg").display());
    let (_, text) = run(common::cli::station(&data, &url).args(["attend", &id_code(931), "--in", "--photo", &photo]));
    assert!(text.contains("已记录 甲 进场"), "{text}");
    let store = Store::open_in(&data).expect("store");
    let now = chrono::Utc::now();
    let rows = store
        .passes_between(now - chrono::Duration::days(1), now + chrono::Duration::days(1))
        .expect("passes");
    assert!(matches!(rows[0].identified, Some(Identified::Face { .. })), "{rows:?}");
    // Someone else's photo for this worker is refused, saying whom it shows.
    let other = format!("@{}", face_file("obama2.jpg").display());
    let (code, text) =
        run(common::cli::station(&data, &url).args(["attend", &id_code(932), "--out", "--photo", &other]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("不是身份证号") && text.contains("--confirmed"), "{text}");
}
