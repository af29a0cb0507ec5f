//! Valid data the platform takes is taken everywhere it is entered: a company registered
//! under the 9-character organisation code of an old registration, a worker whose phone is a
//! Hong Kong, Macau or Taiwan number. Each goes in from the command line against the simulator.

use crate::common;
use cwr_station::store::prelude::*;

use common::cli::*;
use common::*;
use cwr_station::store::Store;

#[test]
fn a_company_under_an_organisation_code_is_added_and_removed_however_the_code_is_written() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = sim.base_url();
    let name = "深圳市老证照建筑劳务有限公司";
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), "192203821", name)));
    assert_eq!(code, 0, "{out}");
    let sent = &sim.state().companies["19220382-1"];
    assert_eq!(sent["SUID"], "19220382-1", "sent in the form of its certificate");
    let store = Store::open_in(&data).expect("store");
    assert!(store.company("19220382-1").expect("read").is_some());
    drop(store);

    let (code, out) = run(station(&data, &url).args(["company", "remove", "--suid", "192203821", "--name", name]));
    assert_eq!(code, 0, "{out}");
    assert!(!sim.state().companies.contains_key("19220382-1"));

    let (code, out) = run(station(&data, &url).args(["company", "remove", "--suid", "19220382-2", "--name", name]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("组织机构代码校验位不对（应为 1"), "{out}");
}

#[test]
fn workers_with_hong_kong_macau_and_taiwan_phones_are_registered() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = sim.base_url();
    let company = "深圳市港澳台工友劳务有限公司";
    let (code, out) = run(station(&data, &url)
        .args(["company", "add", "--file"])
        .arg(write_company_file(dir.path(), &uscc(7400), company)));
    assert_eq!(code, 0, "{out}");
    for (seed, typed, kept) in [
        (7401, "+852 9123 4567", "+85291234567"),
        (7402, "+853 6612 3456", "+85366123456"),
        (7403, "+886 912 345 678", "+886912345678"),
    ] {
        let id = id_code(seed);
        let file = write_worker_file(dir.path(), &id, "陈大文", company);
        let mut body: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        body["emp_phone"] = typed.into();
        std::fs::write(&file, body.to_string()).expect("write");
        let (code, out) = run(station(&data, &url).arg("register").arg("--worker").arg(&file));
        assert_eq!(code, 0, "{typed}: {out}");
        assert_eq!(sim.state().workers[&id].body["emp_phone"], kept);
    }
    let file = write_worker_file(dir.path(), &id_code(7404), "陈小文", company);
    let mut body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    body["emp_phone"] = "+1 415 555 0100".into();
    std::fs::write(&file, body.to_string()).expect("write");
    let (code, out) = run(station(&data, &url).arg("register").arg("--worker").arg(&file));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("+852") && out.contains("+886"),
        "the message says which forms are taken: {out}"
    );
}
