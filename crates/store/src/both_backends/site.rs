//! What only a site database has: two stations on one database.

use super::*;

fn two_stations(label: &str) -> (SiteDatabase, PgStore, PgStore) {
    let site = fresh_site(label);
    let a = PgStore::open(&site, "甲").expect("甲");
    let b = PgStore::open(&site, "乙").expect("乙");
    (site, a, b)
}

fn taken_by(e: &StoreError) -> Option<(&str, &str, &str)> {
    match e {
        StoreError::TakenBy { masked_id, by, at } => Some((masked_id, by, at)),
        _ => None,
    }
}

#[test]
fn two_stations_enrolling_one_new_id_at_once_end_with_one_record() {
    let (_site, a, b) = two_stations("taken");
    let who = id(101);
    let start = Arc::new(Barrier::new(2));
    let enroll = |mut store: PgStore, name: &'static str| {
        let (start, who) = (Arc::clone(&start), who.clone());
        std::thread::spawn(move || {
            let w = worker(&who, name);
            start.wait();
            let result = store.save_worker(&w, &photos(name.len() as u8));
            (store, result)
        })
    };
    let (ta, tb) = (enroll(a, "张三"), enroll(b, "张叁"));
    let (a, ra) = ta.join().expect("甲's thread");
    let (b, rb) = tb.join().expect("乙's thread");
    let (winner, refused) = match (ra, rb) {
        (Ok(_), Err(e)) => ("甲", e),
        (Err(e), Ok(_)) => ("乙", e),
        other => panic!("exactly one save must win: {other:?}"),
    };
    let (masked, by, at) = taken_by(&refused).unwrap_or_else(|| panic!("not TakenBy: {refused}"));
    assert_eq!((masked, by), (domain::mask_id(&who).as_str(), winner));
    assert_eq!(at.len(), 16, "Beijing time to the minute: {at}");
    assert!(refused.to_string().contains(winner), "{refused}");
    let count: i64 = a
        .with(|c| Ok(c.query_one("SELECT COUNT(*) FROM workers", &[])?.get(0)))
        .expect("count");
    assert_eq!(count, 1);
    let items: i64 = b
        .with(|c| Ok(c.query_one("SELECT COUNT(*) FROM outbox", &[])?.get(0)))
        .expect("items");
    assert_eq!(items, 1, "nothing of the refused save was written");
    let (created_by, saved_by): (String, String) = a
        .with(|c| {
            let r = c.query_one("SELECT created_by, saved_by FROM workers", &[])?;
            Ok((r.get(0), r.get(1)))
        })
        .expect("by");
    assert_eq!((created_by.as_str(), saved_by.as_str()), (winner, winner));
}

#[test]
fn an_edit_from_another_station_is_refused_only_while_the_enrollment_is_fresh() {
    let (_site, mut a, mut b) = two_stations("edit");
    let who = id(102);
    a.save_worker(&worker(&who, "张三"), &photos(1)).expect("甲 enrolls");
    let e = b
        .save_worker(&worker(&who, "张叁"), &photos(2))
        .expect_err("乙 at once");
    assert_eq!(taken_by(&e).map(|t| t.1), Some("甲"));
    assert_eq!(b.worker(&who).expect("read").expect("there").worker.emp_name, "张三");
    assert_eq!(
        b.worker_photos(&who).expect("photos"),
        photos(1),
        "no photo of the refused save"
    );
    b.save_worker(&worker(&who, "张三"), &photos(1))
        .expect("the same data twice is no conflict");
    a.save_worker(&worker(&who, "张三丰"), &photos(1))
        .expect("甲 edits its own");
    // Aged on the server's clock, which is what the rule reads (the stations' clocks may differ).
    a.with(|c| {
        Ok(c.execute(
            "UPDATE workers SET created_on_server = now() - interval '10 minutes'",
            &[],
        )?)
    })
    .expect("age it");
    b.save_worker(&worker(&who, "张叁"), &photos(2))
        .expect("an older record is edited");
    let (created_by, saved_by): (String, String) = a
        .with(|c| {
            let r = c.query_one("SELECT created_by, saved_by FROM workers", &[])?;
            Ok((r.get(0), r.get(1)))
        })
        .expect("by");
    assert_eq!((created_by.as_str(), saved_by.as_str()), ("甲", "乙"));
    let stations: Vec<String> = a
        .with(|c| {
            Ok(c.query("SELECT station FROM audit ORDER BY id", &[])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
        .expect("audit");
    assert_eq!(
        stations,
        vec!["甲", "乙", "甲", "乙"],
        "each audit line names its station"
    );
}

#[test]
fn a_blacklist_entry_added_on_one_station_is_seen_on_the_other_at_once() {
    let (_site, mut a, b) = two_stations("blacklist");
    let entry = BlacklistEntry {
        id_code: id(103),
        name: "赵六".into(),
        reason: "偷盗".into(),
        added_by: "安全员".into(),
        added_at: String::new(),
    };
    a.add_to_blacklist(&[entry]).expect("add");
    assert_eq!(
        b.blacklist_reasons()
            .expect("reasons")
            .get(&id(103))
            .map(String::as_str),
        Some("偷盗")
    );
}

#[test]
fn a_save_on_one_station_is_announced_to_a_listener() {
    let (site, mut a, _b) = two_stations("changes");
    let mut changes = Changes::listen(&site).expect("listen");
    a.save_worker(&worker(&id(104), "张三"), &photos(1)).expect("save");
    let tables = changes.wait(Duration::from_secs(2)).expect("wait");
    assert!(tables.iter().any(|t| t == "workers"), "{tables:?}");
}

#[test]
fn a_station_listening_to_the_others_is_not_told_of_its_own_changes() {
    let (site, mut a, mut b) = two_stations("own_changes");
    let mut others = Changes::listen_to_others(&site, "甲").expect("listen");
    a.save_worker(&worker(&id(105), "张三"), &photos(1)).expect("甲 saves");
    assert_eq!(
        others.wait(Duration::from_millis(500)).expect("wait"),
        Vec::<String>::new(),
        "甲's own save is not news to 甲"
    );
    b.save_worker(&worker(&id(106), "李四"), &photos(1)).expect("乙 saves");
    let tables = others.wait(Duration::from_secs(2)).expect("wait");
    assert!(tables.iter().any(|t| t == "workers"), "乙's save is: {tables:?}");
    // A connection the network cut is opened again under the same name.
    a.with(|c| {
        c.batch_execute("SELECT pg_terminate_backend(pg_backend_pid())").ok();
        Ok(())
    })
    .expect("cut");
    // The call that finds the connection cut may fail (as the network cut it, the clerk is
    // told the database is out of reach); the next one opens it again.
    if let Err(e) = a.save_worker(&worker(&id(107), "王五"), &photos(1)) {
        assert!(e.is_site_unreachable(), "{e:?}");
        a.save_worker(&worker(&id(107), "王五"), &photos(1))
            .expect("甲 saves again");
    }
    assert_eq!(
        others.wait(Duration::from_millis(500)).expect("wait"),
        Vec::<String>::new(),
        "still 甲's own after reconnecting"
    );
}

#[test]
fn the_site_database_is_named_without_its_password_and_not_backed_up_by_a_station() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_site, a, _b) = two_stations("location");
    assert!(a.location().starts_with("postgres://"));
    assert_eq!(a.last_backup_at().expect("never"), None);
    assert_eq!(a.backup_automatically(dir.path(), Utc::now()).expect("skipped"), None);
    let files = host::output_file::StationFiles::of(dir.path(), &dir.path().join("config.json"));
    let e = a
        .backup_to(&dir.path().join("b.sqlite"), host::output_file::Existing::Keep, &files)
        .expect_err("refused");
    assert!(e.to_string().contains("pg_dump"), "{e}");
    assert!(!dir.path().join("b.sqlite").exists());
}

/// 甲's save held open half-way (its row inserted, not committed): 乙's save of the same ID
/// number waits for it instead of looking, finding nothing and writing, and is then refused;
/// when 甲's save is rolled back instead, 乙's goes ahead as the first enrollment.
#[test]
fn the_database_decides_the_race_not_a_look_before_the_write() {
    let (site, _a, b) = two_stations("race");
    let mut b = Some(b);
    for commit in [true, false] {
        let who = id(if commit { 105 } else { 106 });
        let mut held = site.connect().expect("connect");
        let mut tx = held.transaction().expect("transaction");
        tx.execute(
            "INSERT INTO workers (id_code, emp_name, emp_company, data, sync_state, created_at, updated_at,
               created_by, saved_by) VALUES ($1, '张三', $2, '{}', 'pending', $3, $3, '甲', '甲')",
            &[&who, &COMPANY, &crate::timestamp(Utc::now())],
        )
        .expect("甲's row");
        let (done, finished) = std::sync::mpsc::channel();
        let mut station = b.take().expect("乙");
        let saving = std::thread::spawn(move || {
            let result = station.save_worker(&worker(&who, "张叁"), &photos(2));
            let _ = done.send(());
            (station, result)
        });
        assert!(
            finished.recv_timeout(Duration::from_millis(500)).is_err(),
            "乙 must wait for 甲's transaction"
        );
        if commit {
            tx.commit().expect("commit");
        } else {
            tx.rollback().expect("rollback");
        }
        let (station, result) = saving.join().expect("乙's thread");
        match (commit, &result) {
            (true, Err(e)) => assert_eq!(taken_by(e).map(|t| t.1), Some("甲"), "{e}"),
            (false, Ok(_)) => {
                let created_by: String = station
                    .with(|c| {
                        Ok(
                            c.query_one("SELECT created_by FROM workers WHERE id_code = $1", &[&id(106)])?
                                .get(0),
                        )
                    })
                    .expect("by");
                assert_eq!(created_by, "乙");
            }
            _ => panic!("commit {commit}: {result:?}"),
        }
        b = Some(station);
    }
}
