//! The site queue on a real server: claims by two and four stations on one database, and a
//! few queue behaviours run against both backends (SQLite and PostgreSQL).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use host::pg_server::PgServer;

use super::super::{Changes, PgStore, SiteDatabase};
use crate::seams::prelude::*;
use crate::{ItemId, ItemKind, ParkReason, Parking, Store};
use domain::ItemState;

fn site(label: &str) -> SiteDatabase {
    SiteDatabase::parse(&PgServer::shared().fresh_database(label)).expect("address")
}

fn open(site: &SiteDatabase, station: &str) -> PgStore {
    PgStore::open(site, station).expect("open")
}

/// A waiting item, as an enqueue leaves it (the enqueue helpers are another area's).
fn insert(store: &PgStore, kind: ItemKind, key: &str) -> ItemId {
    let now = crate::timestamp(Utc::now());
    let id: i64 = store
        .with(|c| {
            Ok(c.query_one(
                "INSERT INTO outbox (kind, record_key, label, state, created_at, updated_at)
                 VALUES ($1, $2, $3, 'waiting', $4, $4) RETURNING id",
                &[&kind.as_str(), &key, &format!("测试 {key}"), &now],
            )?
            .get(0))
        })
        .expect("insert");
    ItemId::new(id)
}

fn claim_of(store: &PgStore, id: ItemId) -> (String, bool) {
    store
        .with(|c| {
            let r = c.query_one(
                "SELECT claimed_by, lease_until IS NOT NULL FROM outbox WHERE id = $1",
                &[&id.get()],
            )?;
            Ok((r.get(0), r.get(1)))
        })
        .expect("claim")
}

#[test]
fn an_item_claimed_by_one_station_is_not_claimable_by_another() {
    let site = site("claims");
    let (jia, yi) = (open(&site, "甲"), open(&site, "乙"));
    let id = insert(&jia, ItemKind::Register, "440305199203150027");
    assert!(jia.mark_sending(id).expect("claim"));
    assert_eq!(claim_of(&jia, id), ("甲".to_string(), true));
    assert!(!yi.mark_sending(id).expect("claim"), "甲 holds it");
    assert!(yi.due_items(Utc::now()).expect("due").is_empty());
    // 甲 claims it again before a log of a taken-apart batch goes alone: the lease is renewed.
    let lease_left = |s: &PgStore| -> f64 {
        s.with(|c| {
            Ok(c.query_one(
                "SELECT EXTRACT(EPOCH FROM lease_until - now())::FLOAT8 FROM outbox WHERE id = $1",
                &[&id.get()],
            )?
            .get(0))
        })
        .expect("lease")
    };
    assert!(lease_left(&jia) > (super::LEASE_SECS - 60) as f64);
    let mut short = open(&site, "甲");
    short.lease_secs = 30;
    assert!(short.mark_sending(id).expect("renew"));
    assert!(lease_left(&jia) < 31.0, "renewed with the new length");
    let item = jia.outbox_item(id).expect("item");
    assert_eq!(
        (item.attempts, item.maybe_delivered),
        (2, false),
        "its own claim: no doubt"
    );
    assert!(!yi.mark_sending(id).expect("claim"), "甲 still holds it");
    // 乙 neither parks, retries nor releases what 甲 is sending.
    yi.mark_retry(id, Utc::now(), "", "乙", "").expect("retry");
    yi.release_sending(id).expect("release");
    assert_eq!(yi.outbox_item(id).expect("item").state, ItemState::Sending);
    // 甲's outcome ends the claim.
    jia.mark_retry(id, Utc::now(), "", "网络", "").expect("retry");
    assert_eq!(claim_of(&jia, id), (String::new(), false));
    assert!(yi.mark_sending(id).expect("claim"), "due again, for anyone");
}

#[test]
fn a_claim_that_ran_out_goes_to_another_station_maybe_delivered() {
    let site = site("lease");
    let (mut jia, yi) = (open(&site, "甲"), open(&site, "乙"));
    jia.lease_secs = 1;
    let via_due = insert(&jia, ItemKind::Register, "a");
    let via_claim = insert(&jia, ItemKind::Register, "b");
    assert!(jia.mark_sending(via_due).expect("claim"));
    assert!(jia.mark_sending(via_claim).expect("claim"));
    assert!(!yi.mark_sending(via_claim).expect("claim"), "the lease still holds");
    std::thread::sleep(Duration::from_millis(1500));
    // Claimed straight away: taken over, and marked maybe-delivered.
    assert!(yi.mark_sending(via_claim).expect("claim"));
    let item = yi.outbox_item(via_claim).expect("item");
    assert!(item.maybe_delivered);
    assert_eq!(item.attempts, 2);
    assert_eq!(claim_of(&yi, via_claim).0, "乙");
    // Found by due_items: back to waiting, maybe-delivered, no one's claim.
    let due = yi.due_items(Utc::now()).expect("due");
    assert_eq!(due.iter().map(|i| i.id).collect::<Vec<_>>(), vec![via_due]);
    assert!(due[0].maybe_delivered);
    assert_eq!(due[0].state, ItemState::Waiting);
    assert_eq!(claim_of(&yi, via_due), (String::new(), false));
    assert!(yi.mark_sending(via_due).expect("claim"));
    // 甲's late outcome does not overwrite 乙's live claim.
    jia.mark_retry(via_due, Utc::now(), "", "甲迟到的结果", "")
        .expect("retry");
    assert_eq!(yi.outbox_item(via_due).expect("item").state, ItemState::Sending);
}

#[test]
fn four_stations_claiming_at_once_claim_every_item_exactly_once() {
    let site = site("concurrent");
    let first = open(&site, "站0");
    let ids: Vec<ItemId> = (0..200)
        .map(|n| insert(&first, ItemKind::Attendance, &n.to_string()))
        .collect();
    let start = std::sync::Barrier::new(4);
    let began = std::time::Instant::now();
    let claimed: Vec<Vec<ItemId>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (site, ids, start) = (&site, &ids, &start);
                s.spawn(move || {
                    let store = open(site, &format!("站{t}"));
                    // Connected first, then all at once: the claims race.
                    start.wait();
                    // All walk the queue in the same order: the four race for every item.
                    let mut mine = Vec::new();
                    for &id in ids {
                        if store.mark_sending(id).expect("claim") {
                            mine.push(id);
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let took = began.elapsed();
    // The figure for the report: `cargo test -p cwr-store four_stations -- --nocapture`.
    eprintln!(
        "800 claim attempts (200 items × 4 stations) in {} ms, {:?} claimed per station",
        took.as_millis(),
        claimed.iter().map(Vec::len).collect::<Vec<_>>()
    );
    let total: usize = claimed.iter().map(Vec::len).sum();
    let distinct: BTreeSet<ItemId> = claimed.iter().flatten().copied().collect();
    assert_eq!(total, 200, "claimed twice: {claimed:?}");
    assert_eq!(distinct.len(), 200);
    for (t, mine) in claimed.iter().enumerate() {
        for id in mine {
            assert_eq!(claim_of(&first, *id).0, format!("站{t}"));
        }
    }
    let attempts: i64 = first
        .with(|c| Ok(c.query_one("SELECT SUM(attempts)::BIGINT FROM outbox", &[])?.get(0)))
        .expect("attempts");
    assert_eq!(attempts, 200, "a refused claim counts no attempt");
}

#[test]
fn a_pause_and_the_breaker_set_by_one_station_hold_for_the_other() {
    let site = site("pause");
    let (jia, yi) = (open(&site, "甲"), open(&site, "乙"));
    jia.set_queue_paused(Some(("密钥被拒", "fp-甲"))).expect("pause");
    assert_eq!(yi.queue_paused().expect("paused").as_deref(), Some("密钥被拒"));
    let until = Utc::now() + chrono::Duration::seconds(60);
    yi.open_breaker(until, 3).expect("breaker");
    let (seen, failures) = jia.breaker().expect("breaker").expect("open");
    assert_eq!(failures, 3);
    assert!((seen - until).num_milliseconds().abs() <= 1);
    jia.reset_breaker().expect("reset");
    assert_eq!(yi.breaker().expect("breaker"), None);
    yi.set_queue_paused(None).expect("resume");
    assert_eq!(jia.queue_paused().expect("paused"), None);
}

#[test]
fn stations_with_different_fingerprints_do_not_lift_each_others_pause() {
    let site = site("fingerprint");
    let (jia, yi) = (open(&site, "甲"), open(&site, "乙"));
    jia.requeue_after_settings_change("fp-甲").expect("first drain");
    yi.requeue_after_settings_change("fp-乙").expect("first drain");
    jia.set_queue_paused(Some(("密钥被拒", "fp-甲"))).expect("pause");
    let parked = insert(&jia, ItemKind::Register, "a");
    jia.park(parked, &settings_parking("fp-甲")).expect("park");
    for _ in 0..3 {
        assert_eq!(yi.requeue_after_settings_change("fp-乙").expect("drain"), 0);
        assert_eq!(jia.requeue_after_settings_change("fp-甲").expect("drain"), 0);
    }
    assert!(
        yi.queue_paused().expect("paused").is_some(),
        "乙's settings did not change"
    );
    // 乙's settings change: that lifts the pause, once.
    assert_eq!(yi.requeue_after_settings_change("fp-乙-新").expect("drain"), 1);
    assert_eq!(jia.queue_paused().expect("paused"), None);
    assert_eq!(yi.outbox_item(parked).expect("item").park_reason, ParkReason::None);
}

#[test]
fn recovery_takes_back_only_this_stations_claims_and_those_that_ran_out() {
    let site = site("recover");
    let (mut jia, yi) = (open(&site, "甲"), open(&site, "乙"));
    let jias = insert(&jia, ItemKind::Register, "a");
    let yis = insert(&jia, ItemKind::Register, "b");
    let lapsed = insert(&jia, ItemKind::Register, "c");
    assert!(jia.mark_sending(jias).expect("claim"));
    assert!(yi.mark_sending(yis).expect("claim"));
    jia.lease_secs = 0;
    assert!(jia.mark_sending(lapsed).expect("claim"));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        yi.recover_interrupted_sends().expect("recover"),
        2,
        "its own and the lapsed one"
    );
    assert_eq!(
        yi.outbox_item(jias).expect("item").state,
        ItemState::Sending,
        "甲 still sends it"
    );
    for id in [yis, lapsed] {
        let item = yi.outbox_item(id).expect("item");
        assert_eq!((item.state, item.maybe_delivered), (ItemState::Waiting, true));
        assert_eq!(claim_of(&yi, id), (String::new(), false));
    }
    assert_eq!(jia.recover_interrupted_sends().expect("recover"), 1);
    assert_eq!(jia.outbox_item(jias).expect("item").state, ItemState::Waiting);
}

fn settings_parking(under: &str) -> Parking<'_> {
    Parking {
        reason: ParkReason::Settings,
        code: "01",
        message: "密钥错误",
        detail: "",
        advice: "请检查设置",
        refused_under: under,
        queue_paused: true,
    }
}

/// What every backend's queue does alike. `add` queues a waiting item of that kind.
fn behaves_like_a_queue<S: QueueReads + QueueWrites>(s: &S, add: &dyn Fn(ItemKind, &str) -> ItemId) {
    let register = add(ItemKind::Register, "r");
    let later = add(ItemKind::AddCompany, "c");
    let pass = add(ItemKind::Attendance, "");
    let due: Vec<ItemId> = s.due_items(Utc::now()).expect("due").iter().map(|i| i.id).collect();
    assert_eq!(due, vec![pass, register, later], "logs first, then oldest first");

    // A retry is due only when its time has come.
    let soon = Utc::now() + chrono::Duration::seconds(600);
    s.mark_retry(later, soon, "", "网络", "稍后重试").expect("retry");
    assert!(!s.due_items(Utc::now()).expect("due").iter().any(|i| i.id == later));
    assert!(s.due_items(soon).expect("due").iter().any(|i| i.id == later));
    assert_eq!(
        s.next_retry_at().expect("next").map(|t| t.timestamp()),
        Some(soon.timestamp())
    );

    // Sending, then let go after a failed pass: back at once, maybe delivered.
    assert!(s.mark_sending(register).expect("claim"));
    let counts = s.outbox_counts().expect("counts");
    assert_eq!((counts.waiting, counts.sending, counts.retry), (1, 1, 1));
    assert!(
        s.has_pending_item_before(ItemKind::Register, "r", ItemId::MAX)
            .expect("pending")
    );
    s.release_sending(register).expect("release");
    let item = s.outbox_item(register).expect("item");
    assert_eq!(
        (item.state, item.maybe_delivered, item.attempts),
        (ItemState::Waiting, true, 1)
    );

    // Cut off mid-send: recovered at start-up.
    assert!(s.mark_sending(pass).expect("claim"));
    assert_eq!(s.recover_interrupted_sends().expect("recover"), 1);
    assert_eq!(s.outbox_item(pass).expect("item").state, ItemState::Waiting);

    // A settings refusal pauses the queue and leaves the item waiting; new settings lift both.
    s.park(register, &settings_parking("old")).expect("park");
    s.set_queue_paused(Some(("密钥错误", "old"))).expect("pause");
    let item = s.outbox_item(register).expect("item");
    assert_eq!(
        (item.state, item.park_reason),
        (ItemState::Waiting, ParkReason::Settings)
    );
    assert_eq!(s.requeue_after_settings_change("new").expect("requeue"), 1);
    assert_eq!(s.queue_paused().expect("paused"), None);
    assert_eq!(s.outbox_item(register).expect("item").park_reason, ParkReason::None);

    // A record refusal needs a person; 立即重试 puts it back.
    let record = Parking {
        reason: ParkReason::Record,
        queue_paused: false,
        ..settings_parking("new")
    };
    s.park(pass, &record).expect("park");
    assert_eq!(s.outbox_item(pass).expect("item").state, ItemState::NeedsFix);
    s.retry_now(pass).expect("retry now");
    assert_eq!(s.outbox_item(pass).expect("item").state, ItemState::Waiting);
    assert!(s.retry_now(ItemId::new(999_999)).is_err());
    assert_eq!(s.newest_item_id().expect("newest"), pass);
}

#[test]
fn the_sqlite_queue_behaves_as_a_queue() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open_in(dir.path()).expect("store");
    let add = |kind: ItemKind, key: &str| crate::outbox::insert_in(&store.conn, kind, key, "测试").expect("insert");
    behaves_like_a_queue(&store, &add);
}

#[test]
fn the_site_queue_behaves_as_a_queue() {
    let site = site("generic");
    let store = open(&site, "甲");
    let add = |kind: ItemKind, key: &str| insert(&store, kind, key);
    behaves_like_a_queue(&store, &add);
}

#[test]
fn an_idle_pass_announces_no_change_to_the_other_stations() {
    let site = site("quiet");
    let store = open(&site, "甲");
    let id = insert(&store, ItemKind::Register, "a");
    store.requeue_after_settings_change("fp").expect("first drain");
    let mut changes = Changes::listen(&site).expect("listen");
    // What a sender does on every pass over a queue where nothing is due or changes.
    for _ in 0..3 {
        store.requeue_after_settings_change("fp").expect("drain");
        assert_eq!(store.queue_paused().expect("paused"), None);
        store.due_items(Utc::now()).expect("due");
        store.reset_breaker().expect("breaker");
        store.set_last_refusal(None).expect("refusal");
        store.set_queue_paused(None).expect("pause");
    }
    assert_eq!(
        changes.wait(Duration::from_millis(300)).expect("wait"),
        Vec::<String>::new()
    );
    assert!(store.mark_sending(id).expect("claim"));
    store.open_breaker(Utc::now(), 1).expect("breaker");
    let seen = changes.wait(Duration::from_secs(2)).expect("wait");
    assert!(seen.contains(&"outbox".to_string()), "{seen:?}");
}

#[test]
fn a_lease_outlasts_the_stations_longest_call_and_no_more() {
    // The defaults (10 s to connect, 60 s per call): an item a dead station held is taken up
    // within two minutes.
    assert_eq!(super::lease_secs_for(10, 60), 100);
    // The longest timeouts the settings allow still fit inside the fallback.
    assert_eq!(super::lease_secs_for(120, 600), 750);
    assert!(super::lease_secs_for(120, 600) < super::LEASE_SECS);
    // Nonsense that overflows falls back rather than wrapping into a lease already over.
    assert_eq!(super::lease_secs_for(u64::MAX, 1), super::LEASE_SECS);
}
