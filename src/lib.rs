//! CWR Station (实名制登记工作站): enrolls construction workers and reports them to the
//! Shenzhen real-name and wage-split platform (实名分账平台).
//!
//! This package is the binary; the layers are crates of the workspace
//! (`crates/`), re-exported here under their layer names so that the integration tests, the
//! examples and the commands see one map: `domain` ← `protocol` ← `api`; `host`; `store` ←
//! `outbox`; `media` ← `card`; `excel`; `sim`; `station` (every use case) ← `ui`, `cli`.

pub use api;
pub use card;
pub use cli;
pub use domain;
pub use excel;
pub use host;
pub use media;
pub use outbox;
pub use protocol;
pub use sim;
pub use station;
pub use store;
pub use ui;

pub use host::{input_file, logging, output_file, paths, secret};
pub use station::{acceptance, config, generate};
