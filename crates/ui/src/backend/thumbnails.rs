//! Roster pictures: decoded off the UI thread; a worker enrolled before thumbnails existed
//! gets one made from the face photo, kept for the next time.

use std::sync::Arc;

use station::records::Thumbnail;

type Shown = Vec<(String, Option<Arc<egui::ColorImage>>)>;
type Made = Vec<(String, Vec<u8>)>;

pub fn prepare(found: Vec<(String, Thumbnail)>) -> (Shown, Made) {
    let mut shown = Vec::with_capacity(found.len());
    let mut made = Vec::new();
    for (id, thumb) in found {
        let jpeg = match thumb {
            Thumbnail::Made(jpeg) => Some(jpeg),
            Thumbnail::FromFace(face) => match media::thumbnail(&face) {
                Ok(jpeg) => {
                    made.push((id.clone(), jpeg.clone()));
                    Some(jpeg)
                }
                Err(e) => {
                    tracing::warn!("no thumbnail from a face photo: {e}");
                    None
                }
            },
            Thumbnail::None => None,
        };
        let image = jpeg.and_then(|j| image::load_from_memory(&j).ok()).map(|img| {
            let rgb = img.to_rgb8();
            Arc::new(egui::ColorImage::from_rgb(
                [rgb.width() as usize, rgb.height() as usize],
                rgb.as_raw(),
            ))
        });
        shown.push((id, image));
    }
    (shown, made)
}
