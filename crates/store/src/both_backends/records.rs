//! The scenarios, each run on both backends (see `both!`).

use super::*;

both!(saves_and_reads_a_worker_with_photos_and_its_queue_item);
fn saves_and_reads_a_worker_with_photos_and_its_queue_item(s: &mut impl Records) {
    let a = id(1);
    let item = s.save_worker(&worker(&a, "吴珺"), &photos(7)).expect("save");
    assert_eq!(s.item(item), ("register".into(), a.clone(), "waiting".into()));
    let rec = s.worker(&a).expect("read").expect("there");
    assert_eq!(rec.worker.emp_name, "吴珺");
    assert_eq!(rec.state, RecordState::Pending);
    assert_eq!(s.worker_photos(&a).expect("photos"), photos(7));
    let mut kinds = s.worker_photo_kinds(&a).expect("kinds");
    kinds.sort();
    assert_eq!(kinds, vec![PhotoKind::Face, PhotoKind::IdPortrait]);
    assert_eq!(
        s.thumbnails_or_faces(std::slice::from_ref(&a)).expect("thumbs"),
        vec![(a.clone(), Thumbnail::FromFace(vec![7; 300]))]
    );
    s.save_thumbnail(&a, &[1, 2, 3]).expect("thumb");
    assert_eq!(
        s.thumbnails_or_faces(&[a.clone(), id(2)]).expect("thumbs"),
        vec![(a.clone(), Thumbnail::Made(vec![1, 2, 3])), (id(2), Thumbnail::None)]
    );
    // An edit before it went: the same waiting item carries it; photos not given are kept.
    let again = s
        .save_worker(
            &worker(&a, "吴珺珺"),
            &[(PhotoKind::Face, vec![9; 10])].into_iter().collect(),
        )
        .expect("edit");
    assert_eq!(again, item);
    assert_eq!(s.worker_photos(&a).expect("photos").len(), 2);
    assert_eq!(s.worker_row(&a).expect("row").expect("there").emp_name, "吴珺珺");
    assert_eq!(actions(s, 2), vec!["修改人员", "登记人员"]);
    let answer = RegisterAnswer {
        emp_id: "E1".into(),
        pass_period: String::new(),
        modify_time: "2026-12-01 10:00:00".into(),
    };
    s.mark_worker_registered(item, &a, &answer).expect("registered");
    let rec = s.worker(&a).expect("read").expect("there");
    assert_eq!((rec.emp_id.as_str(), rec.locked_category.as_str()), ("E1", "00"));
    assert_eq!(rec.state, RecordState::Sent);
    assert_eq!(s.item(item).2, "sent");
    s.set_record_state(crate::ItemKind::Register, &a, RecordState::NeedsFix, "手机号不对")
        .expect("state");
    let row = s.worker_row(&a).expect("row").expect("there");
    assert_eq!(
        (row.state, row.sync_message.as_str()),
        (RecordState::NeedsFix, "手机号不对")
    );
    assert_eq!(s.worker(&id(3)).expect("read"), None);
}

both!(lists_the_roster_and_finds_workers);
fn lists_the_roster_and_finds_workers(s: &mut impl Records) {
    s.save_worker(&worker(&id(11), "张三"), &photos(1)).expect("save");
    s.save_worker(&worker(&id(12), "李四"), &photos(2)).expect("save");
    s.save_drafts(&[draft(&id(13), "王五")]).expect("draft");
    let roster: Vec<(String, RecordState)> = s
        .roster_rows()
        .expect("roster")
        .into_iter()
        .map(|r| (r.emp_name, r.state))
        .collect();
    // By name, as Rust orders text (code points): the same on both.
    assert_eq!(
        roster,
        vec![
            ("张三".into(), RecordState::Pending),
            ("李四".into(), RecordState::Pending),
            ("王五".into(), RecordState::Draft)
        ]
    );
    let rows = s.worker_rows().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].emp_category.as_str(), rows[0].job_name.as_str()), ("00", "J1"));
    assert!(rows.iter().all(|r| r.on_site() && r.departure.is_none()));
    let names = |q: &str| -> Vec<String> {
        s.find_workers(q, 10)
            .expect("find")
            .into_iter()
            .map(|r| r.emp_name)
            .collect()
    };
    assert_eq!(names("李"), vec!["李四"]);
    assert_eq!(names(&id(11)[..10]), vec!["张三", "李四"]);
    assert_eq!(names(&id(12)), vec!["李四"]);
    assert!(names("%").is_empty(), "a wildcard is a character, not a pattern");
    assert!(names("  ").is_empty());
    assert_eq!(s.find_workers(&id(11)[..10], 1).expect("find").len(), 1);
    // An ID number ending in X is found by a lower-case x too.
    let x = (200..300).map(id).find(|c| c.ends_with('X')).expect("an X");
    s.save_worker(&worker(&x, "赵六"), &photos(3)).expect("save");
    let found = s.find_workers(&x.to_lowercase(), 10).expect("find");
    assert_eq!(
        found.iter().map(|r| r.emp_name.as_str()).collect::<Vec<_>>(),
        vec!["赵六"]
    );
}

both!(keeps_drafts_and_never_turns_an_enrolled_worker_back);
fn keeps_drafts_and_never_turns_an_enrolled_worker_back(s: &mut impl Records) {
    let (a, b) = (id(21), id(22));
    assert!(
        s.save_drafts(&[draft(&a, "甲一"), draft(&b, "乙二")])
            .expect("drafts")
            .is_empty()
    );
    assert_eq!(s.draft_count().expect("count"), 2);
    assert_eq!(s.draft(&a).expect("draft").expect("there").state, RecordState::Draft);
    assert_eq!(s.draft_workers().expect("workers").len(), 2);
    assert!(s.damaged_drafts().expect("damaged").is_empty());
    s.save_worker(&worker(&a, "甲一"), &photos(3)).expect("complete");
    assert_eq!(actions(s, 1), vec!["补全导入人员"]);
    assert_eq!(s.draft_count().expect("count"), 1);
    assert_eq!(
        s.worker_or_draft(&a).expect("read").expect("there").state,
        RecordState::Pending
    );
    assert_eq!(
        s.worker_or_draft(&b).expect("read").expect("there").state,
        RecordState::Draft
    );
    assert_eq!(s.save_drafts(&[draft(&a, "甲一")]).expect("again"), vec![a.clone()]);
    let b_id = IdNumber::parse(&b).expect("id");
    assert!(s.delete_draft(&b_id).expect("delete"));
    assert!(!s.delete_draft(&b_id).expect("delete again"));
    assert_eq!(s.draft_count().expect("count"), 0);
}

both!(saves_removes_and_marks_companies_sent);
fn saves_removes_and_marks_companies_sent(s: &mut impl Records) {
    let item = s.save_company(&company(1, COMPANY)).expect("save");
    assert_eq!(s.item(item), ("add_company".into(), suid(1), "waiting".into()));
    let c = s.company(&suid(1)).expect("read").expect("there");
    assert_eq!((c.state, c.removing), (RecordState::Pending, false));
    assert_eq!(s.company_suid_by_name(COMPANY).expect("by name"), Some(suid(1)));
    s.save_worker(&worker(&id(31), "张三"), &photos(1)).expect("worker");
    assert_eq!(s.workers_in_company(COMPANY).expect("count"), 1);
    s.mark_company_sent(item, &suid(1), false).expect("sent");
    assert_eq!(
        s.company(&suid(1)).expect("read").expect("there").state,
        RecordState::Sent
    );
    assert_eq!(s.item(item).2, "sent");
    let removal = CompanyRemoval::validate(&suid(1), COMPANY).expect("valid");
    let gone = s.remove_company(&removal).expect("remove");
    assert!(s.company(&suid(1)).expect("read").expect("listed").removing);
    assert_eq!(s.company_suid_by_name(COMPANY).expect("by name"), None);
    s.mark_company_sent(gone, &suid(1), true).expect("removed");
    assert_eq!(s.company(&suid(1)).expect("read"), None);
    // One added on the platform's web site: remembered for the queue, marked.
    let other = CompanyRemoval::validate(&suid(2), "别的单位").expect("valid");
    s.remove_company(&other).expect("remove unknown");
    let listed = s.companies().expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].removing);
    assert_eq!(actions(s, 1), vec!["移除参建单位"]);
}

both!(requeues_what_waited_for_a_company_or_a_worker);
fn requeues_what_waited_for_a_company_or_a_worker(s: &mut impl Records) {
    let head = s.save_company(&company(1, COMPANY)).expect("company");
    let rules = domain::CompanyRules {
        project_suids: [suid(1)].into_iter().collect(),
        ..Default::default()
    };
    let sub = Company {
        suid: suid(2),
        company_name: "分包单位".into(),
        legal_person: "乙".into(),
        suid_superior: suid(1),
        ..Default::default()
    }
    .into_validated(&rules)
    .expect("valid");
    let sub_item = s.save_company(&sub).expect("sub");
    let a = id(35);
    let enrol = s.save_worker(&worker(&a, "张三"), &photos(1)).expect("worker");
    // Refused (47) before the company reached the platform.
    for item in [sub_item, enrol] {
        s.park_for_dependency(item);
    }
    s.set_record_state(crate::ItemKind::Register, &a, RecordState::NeedsFix, "单位不存在")
        .expect("state");
    s.set_record_state(
        crate::ItemKind::AddCompany,
        &suid(2),
        RecordState::NeedsFix,
        "上级单位不存在",
    )
    .expect("state");
    s.mark_company_sent(head, &suid(1), false).expect("sent");
    assert_eq!(s.item(enrol).2, "waiting");
    assert_eq!(s.item(sub_item).2, "waiting");
    assert_eq!(
        s.worker_row(&a).expect("row").expect("there").state,
        RecordState::Pending
    );
    assert_eq!(
        s.company(&suid(2)).expect("read").expect("there").state,
        RecordState::Pending
    );
    assert_eq!(actions(s, 3), vec!["单位已上传", "重新排队", "重新排队"]);
    // A departure refused because the worker was not on the platform goes when it is.
    let batch = DepartureBatch::validate(std::slice::from_ref(&a), None, Utc::now()).expect("valid");
    let leave = s.record_departures(&batch, 10).expect("leave")[0];
    s.park_for_dependency(leave);
    s.refuse_departures(leave, "人员不存在").expect("refused");
    let answer = RegisterAnswer {
        emp_id: "E9".into(),
        ..Default::default()
    };
    s.mark_worker_registered(enrol, &a, &answer).expect("registered");
    assert_eq!(s.item(leave).2, "waiting");
    assert_eq!(s.departures_of(leave).expect("of")[0].1, DepartureState::Pending);
}

both!(records_departures_and_applies_leave_answers);
fn records_departures_and_applies_leave_answers(s: &mut impl Records) {
    let (a, b) = (id(41), id(42));
    s.save_worker(&worker(&a, "张三"), &photos(1)).expect("save");
    s.save_worker(&worker(&b, "李四"), &photos(2)).expect("save");
    let batch = DepartureBatch::validate(&[a.clone(), b.clone()], None, Utc::now()).expect("valid");
    let items = s.record_departures(&batch, 10).expect("departures");
    assert_eq!(items.len(), 1);
    assert_eq!(s.item(items[0]).0, "leave");
    assert_eq!(s.unsent_departures(items[0]).expect("unsent").len(), 2);
    assert!(!s.worker_row(&a).expect("row").expect("there").on_site());
    let failure = LeaveFailure {
        id_code: b.clone(),
        message: "人员不存在".into(),
    };
    assert!(!s.apply_leave_answer(items[0], &[failure]).expect("answer"));
    let states: Vec<DepartureState> = s
        .departures_of(items[0])
        .expect("of")
        .into_iter()
        .map(|(_, st, _)| st)
        .collect();
    assert_eq!(states, vec![DepartureState::Sent, DepartureState::NeedsFix]);
    assert_eq!(
        s.worker_row(&a).expect("row").expect("there").state,
        RecordState::Departed
    );
    let row_b = s.worker_row(&b).expect("row").expect("there");
    assert!(row_b.sync_message.contains("人员不存在"), "{}", row_b.sync_message);
    assert!(row_b.on_site(), "a refused departure leaves the worker on the site");
    s.reset_departures(items[0]).expect("reset");
    s.refuse_departures(items[0], "平台拒绝").expect("refuse");
    assert_eq!(s.departures_of(items[0]).expect("of")[1].2, "平台拒绝");
    assert!(s.apply_leave_answer(items[0], &[]).expect("answer"));
    assert_eq!(s.item(items[0]).2, "sent");
    assert_eq!(
        s.worker_row(&b).expect("row").expect("there").state,
        RecordState::Departed
    );
    let two = s.record_departures(&batch, 1).expect("one item each");
    assert_eq!(two.len(), 2);
}

both!(records_expires_and_lists_passes);
fn records_expires_and_lists_passes(s: &mut impl Records) {
    let a = id(51);
    s.save_worker(&worker(&a, "张三"), &photos(1)).expect("save");
    let now = Utc::now();
    let old = now - chrono::Duration::minutes(30);
    let first = s
        .record_pass(
            &pass(&a, Direction::In, old),
            "张三",
            COMPANY,
            Some(&[5; 50]),
            Identified::Clerk,
        )
        .expect("in");
    let second = s
        .record_pass(
            &pass(&a, Direction::Out, now),
            "张三",
            COMPANY,
            None,
            Identified::Face { distance: 0.25 },
        )
        .expect("out");
    assert_eq!(s.item(first).0, "attendance");
    let last = s.last_pass(&a, Direction::Out).expect("last").expect("there");
    assert_eq!(
        (last.item_id, last.identified),
        (second, Some(Identified::Face { distance: 0.25 }))
    );
    let (row, photo) = s.pass_of_item(first).expect("of item").expect("there");
    assert_eq!((row.direction, photo), (Direction::In, Some(vec![5; 50])));
    assert_eq!(s.item(first).1, row.log_id.to_string(), "the item names its log");
    assert_eq!(s.expire_passes(now, 600).expect("expire"), 1);
    let day = s
        .passes_between(now - chrono::Duration::hours(1), now + chrono::Duration::minutes(1))
        .expect("between");
    let states: Vec<ItemState> = day.iter().map(|p| p.state).collect();
    assert_eq!(states, vec![ItemState::Expired, ItemState::Waiting]);
    assert!(day[0].advice.contains("已过时限"));
    s.mark_passes_sent(&[second]).expect("sent");
    assert_eq!(
        s.last_pass(&a, Direction::Out).expect("last").expect("there").state,
        ItemState::Sent
    );
    assert!(
        s.passes_between(now - chrono::Duration::hours(3), old)
            .expect("none")
            .is_empty()
    );
}

both!(keeps_descriptors_for_the_workers_on_site);
fn keeps_descriptors_for_the_workers_on_site(s: &mut impl Records) {
    let (a, b) = (id(61), id(62));
    s.save_worker(&worker(&a, "张三"), &photos(1)).expect("save");
    s.save_worker(&worker(&b, "李四"), &photos(2)).expect("save");
    assert_eq!(
        s.workers_without_descriptor("m1", 10).expect("without"),
        vec![a.clone(), b.clone()]
    );
    s.keep_descriptor(&a, Some(&[1; 512]), "m1", DescriptorSource::Enrollment, "")
        .expect("keep");
    s.keep_descriptor(&b, None, "m1", DescriptorSource::Backfill, "照片里没有人脸")
        .expect("none");
    let row = s.face_row(&b).expect("row").expect("there");
    assert_eq!(
        (row.descriptor, row.source, row.note.as_str()),
        (None, DescriptorSource::Backfill, "照片里没有人脸")
    );
    assert!(s.workers_without_descriptor("m1", 10).expect("without").is_empty());
    assert_eq!(
        s.workers_without_descriptor("m2", 1).expect("new model"),
        vec![a.clone()]
    );
    assert_eq!(
        s.on_site_descriptors("m1").expect("gallery"),
        vec![(a.clone(), vec![1; 512])]
    );
    let batch = DepartureBatch::validate(std::slice::from_ref(&a), None, Utc::now()).expect("valid");
    s.record_departures(&batch, 10).expect("leaving");
    assert!(
        s.on_site_descriptors("m1").expect("gallery").is_empty(),
        "a departing worker is not proposed"
    );
}

both!(adds_and_removes_blacklist_entries);
fn adds_and_removes_blacklist_entries(s: &mut impl Records) {
    let entry = |n: u32, reason: &str| BlacklistEntry {
        id_code: id(n),
        name: format!("人{n}"),
        reason: reason.into(),
        added_by: "安全员".into(),
        added_at: String::new(),
    };
    s.add_to_blacklist(&[entry(71, "打架"), entry(72, "")]).expect("add");
    s.add_to_blacklist(&[entry(71, "打架斗殴")]).expect("update");
    let reasons = s.blacklist_reasons().expect("reasons");
    assert_eq!(reasons.get(&id(71)).map(String::as_str), Some("打架斗殴"));
    assert_eq!(reasons.len(), 2);
    assert_eq!(s.blacklist().expect("list").len(), 2);
    let gone = IdNumber::parse(&id(72)).expect("id");
    assert!(s.remove_from_blacklist(&gone, "项目经理").expect("remove"));
    assert!(!s.remove_from_blacklist(&gone, "项目经理").expect("again"));
    assert_eq!(
        actions(s, 4),
        vec!["移出黑名单", "加入黑名单", "加入黑名单", "加入黑名单"]
    );
}

both!(replaces_cached_dictionaries);
fn replaces_cached_dictionaries(s: &mut impl Records) {
    let entry = |orders: &str, value: &str| DictEntry {
        orders: orders.into(),
        value: value.into(),
        flag: String::new(),
    };
    let kind = Endpoint::DictListEmpCategory;
    assert_eq!(s.dictionary(kind).expect("none"), None);
    let at = crate::parse_timestamp("2026-12-01T02:03:04.567Z").expect("time");
    s.save_dictionary(kind, &[entry("01", "管理人员"), entry("00", "建筑工人")], at)
        .expect("save");
    let (entries, fetched) = s.dictionary(kind).expect("read").expect("there");
    assert_eq!((entries[0].orders.as_str(), fetched), ("01", at));
    s.save_dictionary(kind, &[entry("00", "建筑工人")], at)
        .expect("replace");
    assert_eq!(
        s.dictionary_codes(kind).expect("codes"),
        ["00".to_string()].into_iter().collect()
    );
    assert!(s.dictionary_codes(Endpoint::DictListJobName).expect("codes").is_empty());
}

both!(keeps_settings_versions_and_the_audit_trail);
fn keeps_settings_versions_and_the_audit_trail(s: &mut impl Records) {
    s.set_setting("k", Some("v1")).expect("set");
    s.set_setting("k", Some("v2")).expect("again");
    assert_eq!(s.setting("k").expect("get").as_deref(), Some("v2"));
    s.set_setting("k", None).expect("clear");
    assert_eq!(s.setting("k").expect("get"), None);
    s.remember_version("测试", Endpoint::DictListJobName, "2.1")
        .expect("learn");
    let learnt = s.learnt_versions("测试").expect("learnt");
    assert_eq!(learnt.get(&Endpoint::DictListJobName).map(String::as_str), Some("2.1"));
    assert!(s.learnt_versions("正式").expect("other").is_empty());
    s.count_success("测试", "AddEmp").expect("count");
    s.count_success("测试", "AddEmp").expect("count");
    assert_eq!(
        s.success_counts("测试").expect("counts"),
        vec![("AddEmp".to_string(), 2)]
    );
    s.audit("试验", "记录", "细节").expect("audit");
    let trail = s.audit_trail(2).expect("trail");
    assert_eq!((trail[0].1.as_str(), trail[0].3.as_str()), ("试验", "细节"));
    assert_eq!(trail[1].1, "接口版本");
}

both!(prunes_photos_that_serve_no_one);
fn prunes_photos_that_serve_no_one(s: &mut impl Records) {
    let (gone, stays) = (id(81), id(82));
    s.save_worker(&worker(&gone, "张三"), &photos(1)).expect("save");
    s.save_worker(&worker(&stays, "李四"), &photos(2)).expect("save");
    s.save_thumbnail(&gone, &[1; 20]).expect("thumb");
    let batch = DepartureBatch::validate(std::slice::from_ref(&gone), None, Utc::now()).expect("valid");
    let leave = s.record_departures(&batch, 10).expect("leave");
    assert!(s.apply_leave_answer(leave[0], &[]).expect("left"));
    let log = s
        .record_pass(
            &pass(&stays, Direction::In, Utc::now()),
            "李四",
            COMPANY,
            Some(&[3; 40]),
            Identified::Clerk,
        )
        .expect("pass");
    s.mark_passes_sent(&[log]).expect("sent");
    let before = s.stats().expect("stats");
    assert_eq!((before.photos, before.site_photo_bytes), (4, 40));
    let later = Utc::now() + chrono::Duration::days(1);
    assert_eq!(s.prune_by_age(later, 2, 2).expect("too young"), Pruned::default());
    let pruned = s.prune_photos(later, later).expect("prune");
    assert_eq!(
        pruned,
        Pruned {
            workers: 1,
            photos: 2,
            site_photos: 1,
            bytes: 540
        }
    );
    assert!(s.worker_photos(&gone).expect("photos").is_empty());
    assert_eq!(s.worker_photos(&stays).expect("photos").len(), 2);
    assert!(s.worker(&gone).expect("read").is_some(), "the record stays");
    assert_eq!(
        s.thumbnails_or_faces(std::slice::from_ref(&gone)).expect("thumb")[0].1,
        Thumbnail::Made(vec![1; 20])
    );
    assert_eq!(s.pass_of_item(log).expect("log").expect("there").1, None);
    assert_eq!(actions(s, 1), vec!["清理照片"]);
    assert_eq!(s.prune_photos(later, later).expect("again"), Pruned::default());
}

both!(loads_in_bulk_and_reports_stats);
fn loads_in_bulk_and_reports_stats(s: &mut impl Records) {
    s.bulk_companies(&[company(1, COMPANY)]).expect("companies");
    assert_eq!(
        s.company(&suid(1)).expect("read").expect("there").state,
        RecordState::Sent
    );
    let set = photos(4);
    let at = Utc::now() - chrono::Duration::days(3);
    let states = [
        RecordState::Sent,
        RecordState::Pending,
        RecordState::NeedsFix,
        RecordState::Departed,
    ];
    let workers = states
        .iter()
        .enumerate()
        .map(|(i, state)| BulkWorker {
            worker: worker(&id(90 + i as u32), &format!("工人{i}")),
            photos: &set,
            thumbnail: Some(&[8; 16]),
            emp_id: format!("E{i}"),
            state: *state,
            message: String::new(),
            at,
        })
        .collect();
    assert_eq!(s.bulk_workers(workers).expect("bulk"), 4);
    let rows = s.worker_rows().expect("rows");
    let got: Vec<RecordState> = rows.iter().map(|r| r.state).collect();
    assert_eq!(got, states.to_vec());
    assert_eq!(rows[3].departure, Some(DepartureState::Sent));
    assert_eq!(rows[0].emp_id, "E0");
    let stats = s.stats().expect("stats");
    assert_eq!((stats.workers, stats.departed, stats.companies), (4, 1, 1));
    assert_eq!((stats.photos, stats.photo_bytes, stats.thumbnails), (8, 2000, 4));
    // Registers of Pending and NeedsFix are unsent; Sent and Departed are on the platform.
    assert_eq!((stats.unsent, stats.outbox_items), (2, 5));
    assert!(stats.file_bytes > 0);
    let oldest = s.oldest_unsent_at().expect("oldest").expect("some");
    assert!((oldest - at).num_seconds().abs() < 1);
    assert!(s.schema_version().expect("version") >= 1);
    assert_eq!(s.auto_vacuum_mode().expect("mode"), 2);
    assert!(!s.is_read_only());
}
