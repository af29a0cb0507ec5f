//! The integration tests: one binary, so the library and its dependencies are linked once
//! and every test shares the two test threads (`cargo test --test it NAME` runs some).
//! `card_reader` stays a binary of its own: it sets an environment variable that a fake
//! reader library loaded into the process reads, which is unsafe beside other threads.

#[path = "../common/mod.rs"]
mod common;

mod acceptance;
mod accepted_forms;
mod api_against_sim;
mod api_version;
mod attend_cli;
mod attendance;
mod cli_lists;
mod config_cli;
mod device_id;
mod export_xlsx;
mod face_cli;
mod faces;
mod fault_soak;
mod hostile_disk;
mod hostile_files;
mod import_cli;
mod import_files;
mod import_hostile;
mod import_quotes;
mod import_xlsx;
mod outbox_cli;
mod partial_answers;
mod responsive;
mod sim_cli;
mod site_stations;
mod store_maintenance;
mod trust;
mod ui_acceptance;
mod ui_attendance;
mod ui_attendance_faces;
mod ui_card;
mod ui_companies;
mod ui_config_problem;
mod ui_enroll;
mod ui_excel;
mod ui_face_check;
mod ui_layout;
mod ui_queue;
mod ui_roster;
mod ui_settings;
mod ui_site_database;
mod ui_window_state;
