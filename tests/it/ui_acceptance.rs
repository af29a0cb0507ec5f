//! 联调向导 in the window against the simulator: the clerk consents, starts, watches the calls
//! go, and the checklist beside it reaches 5 / 5 for all nine interfaces; an injected refusal
//! stops it with the platform's words, and 继续联调 resumes there.

use crate::common;

use std::time::Duration;

use common::ui::*;
use common::*;
use cwr_station::ui::app::Screen;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn open_settings(h: &mut Harness<'static, UiState>) {
    step_until(h, "dictionaries", Duration::from_secs(30), |app| {
        app.snapshot.dictionaries.len() == 4
    });
    h.state_mut().app_mut().saved.screen = Screen::Settings;
    settle(h, 3);
}

#[test]
fn the_wizard_reaches_five_for_every_interface_and_resumes_after_a_refusal() {
    let sim = start_sim();
    sim.set_under_construction(false);
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(&dir.path().join("data"), &sim.base_url());
    open_settings(&mut h);
    assert!(
        h.query_by_label_contains("44030519900101901").is_some(),
        "the reserved range is shown"
    );

    // Nothing happens without consent.
    h.get_by_label("开始联调").click();
    settle(&mut h, 3);
    assert!(!h.state().app().settings.wizard().running);
    h.get_by_label("我同意在测试平台上生成以上测试数据").click();
    settle(&mut h, 2);
    h.get_by_label("开始联调").click();
    step_until(
        &mut h,
        "the run stops at the attendance refusal",
        Duration::from_secs(60),
        |app| !app.settings.wizard().running && app.settings.wizard().message.is_some(),
    );
    settle(&mut h, 3);
    let wizard = &h.state().app().settings.wizard();
    let run = wizard.run.as_ref().expect("progress");
    let (step, outcome) = run.stopped_at().expect("stopped");
    assert!(outcome.words.contains("在建"), "{}", outcome.words);
    assert_eq!(
        h.query_all_by_label_contains(&format!("停在第 {} 步", step + 1))
            .count(),
        2
    );
    assert!(h.query_by_label_contains("平台原话：代码 11").is_some());

    sim.set_under_construction(true);
    h.get_by_label("继续联调").click();
    step_until(&mut h, "the run finishes", Duration::from_secs(90), |app| {
        !app.settings.wizard().running && app.settings.wizard().run.as_ref().is_some_and(|r| r.finished())
    });
    step_until(&mut h, "the checklist counts", Duration::from_secs(10), |app| {
        cwr_station::acceptance::INTERFACES
            .iter()
            .all(|e| app.snapshot.successes.get(e.name()).copied() == Some(5))
    });
    settle(&mut h, 3);
    assert_eq!(h.query_all_by_label("5 / 5").count(), 9);
    assert!(h.query_by_label_contains("联调完成").is_some());
}
