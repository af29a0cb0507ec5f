//! CWR Station (实名制登记工作站): enrolls construction workers and reports them to the
//! Shenzhen real-name and wage-split platform (实名分账平台).
//!
//! Layers, arrows only downward: `api` (signing, transport, typed endpoints), `domain`
//! (workers, companies, validation, record states), `store` + `outbox` (SQLite, the durable
//! queue and its sender), `media` (camera, photos), `station` (the use cases: one path for the
//! window and the commands), `ui` and `cli` on top; `sim` is the platform simulator.

pub mod acceptance;
pub mod api;
pub mod card;
pub mod cli;
pub mod config;
pub mod domain;
pub mod excel;
pub mod generate;
pub mod input_file;
pub mod logging;
pub mod media;
pub mod outbox;
pub mod output_file;
pub mod paths;
pub mod secret;
pub mod sim;
pub mod station;
pub mod store;
pub mod ui;
