//! The window comes back as the clerk left it (eframe keeps it in the data dir), and a kept
//! state that cannot be read is said once, never silently dropped, with the window on its
//! defaults.

use crate::common;

use common::ui::*;
use common::*;
use cwr_station::ui::app::{SavedState, Screen};
use egui_kittest::Harness;

fn opened_with(data: &std::path::Path, base_url: &str, kept: &str) -> Harness<'static, UiState> {
    let mut h = harness_restoring(data, base_url, kept);
    settle(&mut h, 3);
    h
}

fn state_errors(h: &Harness<'static, UiState>) -> Vec<String> {
    h.state()
        .app()
        .errors
        .iter()
        .filter(|e| e.contains("窗口上次的状态"))
        .cloned()
        .collect()
}

#[test]
fn the_window_opens_on_the_screen_and_filters_it_was_left_with() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let mut left = SavedState {
        screen: Screen::Roster,
        ..Default::default()
    };
    left.roster.search = "王五".into();
    let kept = serde_json::to_string(&left).expect("json");

    let h = opened_with(&dir.path().join("data"), &sim.base_url(), &kept);
    let app = h.state().app();
    assert_eq!(app.saved, left, "the screen and the roster's search come back");
    assert!(state_errors(&h).is_empty(), "nothing to report: {:?}", app.errors);
    let again: SavedState = serde_json::from_str(&app.window_state().expect("kept")).expect("readable");
    assert_eq!(again, left, "what eframe is given to keep reads back the same");
}

#[test]
fn a_window_state_that_cannot_be_read_is_said_once_and_the_defaults_take_over() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = opened_with(&dir.path().join("data"), &sim.base_url(), r#"{"screen": 42, "roster""#);
    settle(&mut h, 5);

    let errors = state_errors(&h);
    assert_eq!(errors.len(), 1, "said exactly once: {errors:?}");
    assert!(errors[0].contains("已用默认值"), "{}", errors[0]);
    let app = h.state().app();
    assert_eq!(app.saved, SavedState::default(), "the defaults, not a half-read state");
    let replaced: SavedState = serde_json::from_str(&app.window_state().expect("kept")).expect("readable");
    assert_eq!(
        replaced,
        SavedState::default(),
        "the defaults are what is kept in its place"
    );
}
