//! Photos and cameras: everything that turns pixels into the Base64 JPEG the platform takes.

pub mod camera;
pub mod photo;

pub use photo::*;
