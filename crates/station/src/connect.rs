//! The one place a platform client and the sender's settings are made from the settings.

use std::sync::Arc;

use crate::config::Config;
use api::{PlatformClient, PlatformClock, Secret};
use outbox::SendSettings;

/// A client for the configured platform, or what is missing, in Chinese.
pub fn platform_client(
    config: &Config,
    secret: &Secret,
    clock: Arc<PlatformClock>,
) -> Result<PlatformClient, NotConnectable> {
    let missing = config.missing_for_platform(secret);
    if !missing.is_empty() {
        return Err(NotConnectable::Missing(missing));
    }
    PlatformClient::new(
        config.credentials(secret.clone()),
        config.protocol.clone(),
        clock,
        config.timeouts(),
    )
    .map_err(NotConnectable::Client)
}

/// Why no platform client could be made from the settings.
#[derive(Debug, thiserror::Error)]
pub enum NotConnectable {
    /// The settings still to fill in, by their labels.
    #[error("还没有设置：{}。请到“设置”里填写", .0.join("、"))]
    Missing(Vec<&'static str>),
    #[error(transparent)]
    Client(api::ApiError),
}

/// What the sender needs besides the client: the project, the environment's label, and the
/// fingerprint of the settings it signs with.
pub fn send_settings(config: &Config, client: &PlatformClient) -> SendSettings {
    SendSettings {
        departed_photo_keep_days: config.departed_photo_keep_days,
        site_photo_keep_days: config.site_photo_keep_days,
        attendance_window_secs: config.attendance_window_secs,
        ..SendSettings::for_client(client, &config.project_id, config.environment_label())
            .with_device_id(&config.device_id)
    }
}
