//! Valid data the platform takes is taken everywhere it is entered: a company registered
//! under the 9-character organisation code of an old registration, a worker whose phone is a
//! Hong Kong, Macau or Taiwan number. Each goes in from the command line against the simulator.

mod common;

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
