use super::*;
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, Rgb};

/// Noisy gradient: noise defeats JPEG's easy wins the way real skin/fabric texture does.
pub(crate) fn noisy_image(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut rng = fastrand::Rng::with_seed(seed);
    RgbImage::from_fn(width, height, |x, y| {
        let n = rng.u8(..) / 4;
        Rgb([
            ((x * 255 / width) as u8).saturating_add(n),
            ((y * 255 / height) as u8).saturating_add(n),
            (((x + y) * 127 / (width + height)) as u8).saturating_add(n),
        ])
    })
}

fn encode_as(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

fn jpeg_of(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode test jpeg");
    out
}

fn decode_back(photo: &NormalizedPhoto) -> RgbImage {
    assert_eq!(image::guess_format(&photo.jpeg).ok(), Some(ImageFormat::Jpeg));
    let img = image::load_from_memory(&photo.jpeg).expect("output decodes");
    assert_eq!((img.width(), img.height()), (photo.width, photo.height));
    img.into_rgb8()
}

/// APP1 "Exif" segment holding a big-endian TIFF with a single Orientation entry.
fn exif_app1(orientation: u16) -> Vec<u8> {
    let mut tiff = vec![b'M', b'M', 0, 42, 0, 0, 0, 8]; // header, IFD0 at offset 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation tag
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding to 4 bytes
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    seg.extend_from_slice(&payload);
    seg
}

#[test]
fn large_noisy_photo_meets_face_budget() {
    let budget = PhotoBudgets::default().bytes_for(PhotoKind::Face);
    let source = jpeg_of(&noisy_image(4000, 3000, 7), 90);
    assert!(source.len() > budget * 5, "test image should be far over budget");
    let photo = normalize_photo(&source, budget).expect("normalize");
    assert!(photo.jpeg.len() <= budget, "{} > {budget}", photo.jpeg.len());
    assert!(photo.width <= MAX_LONG_SIDE && photo.height <= 1200, "{photo:?}");
    let aspect = f64::from(photo.width) / f64::from(photo.height);
    assert!((aspect - 4.0 / 3.0).abs() < 0.01, "{photo:?}");
    assert!((MIN_QUALITY..=MAX_QUALITY).contains(&photo.quality));
    decode_back(&photo);
    let b64 = photo.to_base64();
    assert!(!b64.starts_with("data:"));
    let round = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("valid base64");
    assert_eq!(round, photo.jpeg);
}

#[test]
fn a_large_jpeg_is_decoded_at_a_reduced_dct_scale_to_the_same_picture() {
    // The smallest n/8 that keeps the long side at 1600 or more.
    assert_eq!(jpeg_scaled::scale_numerator(4000, 3000, MAX_LONG_SIDE), Some(4));
    assert_eq!(jpeg_scaled::scale_numerator(3000, 4000, MAX_LONG_SIDE), Some(4));
    assert_eq!(jpeg_scaled::scale_numerator(6400, 4800, MAX_LONG_SIDE), Some(2));
    assert_eq!(jpeg_scaled::scale_numerator(1700, 1000, MAX_LONG_SIDE), None);
    assert_eq!(jpeg_scaled::scale_numerator(1600, 1200, MAX_LONG_SIDE), None);

    let (w, h) = (3300, 2000);
    let smooth = RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x / 40 + y / 40) % 2 * 200) as u8,
        ])
    });
    let source = jpeg_of(&smooth, 95);
    let scaled = jpeg_scaled::decode(&source, 4, u32::MAX).expect("libjpeg decodes it");
    assert_eq!(scaled.dimensions(), (1650, 1000));
    // Resized while it decodes, band by band on the other thread: the very pixels of a
    // decode followed by a resize.
    let shrunk = jpeg_scaled::decode(&source, 4, MAX_LONG_SIDE).expect("libjpeg decodes it");
    assert_eq!(shrunk.dimensions(), (1600, 970));
    assert!(shrunk == downscale(&scaled, 1600, 970));
    let full = image::load_from_memory(&source).expect("decodes").into_rgb8();
    let reference = downscale(&full, 1650, 1000);
    let diff: u64 = scaled
        .as_raw()
        .iter()
        .zip(reference.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = diff as f64 / scaled.as_raw().len() as f64;
    assert!(mean < 4.0, "mean difference {mean} from a full decode and resize");

    let photo = normalize_photo(&source, 200 * 1024).expect("normalize");
    assert_eq!((photo.width, photo.height), (1600, 970));
    // What libjpeg refuses falls back to the ordinary decoder, which reports it.
    assert_eq!(jpeg_scaled::decode(b"not a jpeg at all", 4, MAX_LONG_SIDE), None);
}

#[test]
fn png_file_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("照片.png");
    std::fs::write(&path, encode_as(&noisy_image(800, 600, 1), ImageFormat::Png)).expect("write");
    let photo = load_photo_file(&path, 200 * 1024).expect("png loads");
    assert_eq!((photo.width, photo.height), (800, 600));
    assert!(photo.jpeg.len() <= 200 * 1024);
    decode_back(&photo);
}

#[test]
fn id_chip_portrait_bmp_loads_at_full_size() {
    let bmp = encode_as(&noisy_image(102, 126, 2), ImageFormat::Bmp);
    assert_eq!(&bmp[..2], b"BM");
    let budget = PhotoBudgets::default().bytes_for(PhotoKind::IdPortrait);
    let photo = normalize_photo(&bmp, budget).expect("bmp loads");
    assert_eq!((photo.width, photo.height), (102, 126));
    assert_eq!(photo.quality, MAX_QUALITY, "a tiny portrait fits at top quality");
    decode_back(&photo);
}

#[test]
fn exif_orientation_6_is_applied() {
    // Left half red, right half blue; orientation 6 means "rotate 90° clockwise to view",
    // so the red half must end up on top.
    let source = RgbImage::from_fn(
        300,
        200,
        |x, _| {
            if x < 150 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) }
        },
    );
    let plain = jpeg_of(&source, 90);
    let mut rotated = plain[..2].to_vec();
    rotated.extend_from_slice(&exif_app1(6));
    rotated.extend_from_slice(&plain[2..]);

    let photo = normalize_photo(&rotated, 200 * 1024).expect("normalize");
    assert_eq!((photo.width, photo.height), (200, 300));
    let out = decode_back(&photo);
    let top = out.get_pixel(100, 20);
    let bottom = out.get_pixel(100, 280);
    assert!(top[0] > 200 && top[2] < 60, "top should be red, got {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom should be blue, got {bottom:?}"
    );

    let upright = normalize_photo(&plain, 200 * 1024).expect("normalize");
    assert_eq!((upright.width, upright.height), (300, 200));
}

#[test]
fn non_images_are_refused_as_not_an_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("readme.jpg");
    std::fs::write(&path, "这不是照片，是一段文字。\n").expect("write");
    assert_eq!(load_photo_file(&path, 200 * 1024), Err(PhotoError::NotAnImage));
    assert_eq!(normalize_photo(&[], 1024), Err(PhotoError::NotAnImage));
    // GIF is a real image, but the platform only takes what we can re-encode faithfully.
    assert_eq!(
        normalize_photo(b"GIF89a\x01\x00\x01\x00", 1024),
        Err(PhotoError::NotAnImage)
    );
    assert_eq!(
        PhotoError::NotAnImage.to_string(),
        "这个文件不是照片（支持 JPG、PNG、BMP）：请重新选择照片文件"
    );
}

#[test]
fn truncated_files_are_refused_as_corrupt() {
    let jpeg = jpeg_of(&noisy_image(640, 480, 3), 85);
    for cut in [jpeg.len() / 2, jpeg.len() - 2, 300] {
        let result = normalize_photo(&jpeg[..cut], 200 * 1024);
        assert!(matches!(result, Err(PhotoError::Corrupt(_))), "cut {cut}: {result:?}");
    }
    let png = encode_as(&noisy_image(64, 64, 4), ImageFormat::Png);
    let result = normalize_photo(&png[..png.len() / 2], 200 * 1024);
    assert!(matches!(result, Err(PhotoError::Corrupt(_))), "png: {result:?}");
}

#[test]
fn oversized_file_is_refused_from_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.jpg");
    let file = std::fs::File::create(&path).expect("create");
    // Sparse: costs no disk and would take seconds to read if the code tried.
    file.set_len(MAX_INPUT_BYTES + 1).expect("set_len");
    drop(file);
    let result = load_photo_file(&path, 200 * 1024);
    assert_eq!(
        result,
        Err(PhotoError::TooLarge {
            bytes: MAX_INPUT_BYTES + 1
        })
    );
    let message = PhotoError::TooLarge {
        bytes: MAX_INPUT_BYTES + 1,
    }
    .to_string();
    assert!(message.contains("40.0 MB"), "{message}");
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let result = load_photo_file(&dir.path().join("不存在.jpg"), 1024);
    assert!(matches!(result, Err(PhotoError::Io(_))), "{result:?}");
}

#[test]
fn oversized_dimensions_are_refused_before_decoding() {
    let wide = RgbImage::new(MAX_SIDE + 1, 1);
    let png = encode_as(&wide, ImageFormat::Png);
    assert_eq!(
        normalize_photo(&png, 200 * 1024),
        Err(PhotoError::TooManyPixels {
            width: MAX_SIDE + 1,
            height: 1
        })
    );
}

#[test]
fn tight_budget_shrinks_and_impossible_budget_fails() {
    let source = jpeg_of(&noisy_image(1600, 1200, 5), 90);
    let photo = normalize_photo(&source, 30 * 1024).expect("fits after shrinking");
    assert!(photo.jpeg.len() <= 30 * 1024);
    assert!(photo.width < 1600, "should have shrunk: {photo:?}");
    assert_eq!(normalize_photo(&source, 200), Err(PhotoError::CannotFitBudget));
}

#[test]
fn rgb_frames_go_through_the_same_pipeline() {
    let smooth = RgbImage::from_fn(2000, 1000, |x, y| Rgb([(x / 8) as u8, (y / 4) as u8, 128]));
    let photo = normalize_rgb(smooth, 100 * 1024).expect("normalize");
    assert_eq!((photo.width, photo.height), (1600, 800));
    assert!(photo.jpeg.len() <= 100 * 1024);
}

#[test]
fn budgets_default_and_tolerate_missing_fields() {
    let budgets = PhotoBudgets::default();
    assert_eq!(budgets.bytes_for(PhotoKind::Face), 200 * 1024);
    assert_eq!(budgets.bytes_for(PhotoKind::Site), 200 * 1024);
    assert_eq!(budgets.bytes_for(PhotoKind::IdScanFront), 500 * 1024);
    assert_eq!(budgets.bytes_for(PhotoKind::IdScanBack), 500 * 1024);
    assert_eq!(budgets.bytes_for(PhotoKind::IdPortrait), 50 * 1024);
    let partial: PhotoBudgets = serde_json::from_str(r#"{"face_kb": 150}"#).expect("parse");
    assert_eq!(
        partial,
        PhotoBudgets {
            face_kb: 150,
            ..PhotoBudgets::default()
        }
    );
}

#[test]
fn kinds_have_distinct_chinese_labels() {
    let labels: std::collections::HashSet<_> = PhotoKind::ALL.iter().map(|k| k.label()).collect();
    assert_eq!(labels.len(), PhotoKind::ALL.len());
    assert_eq!(PhotoKind::IdPortrait.label(), "身份证芯片照片");
}

#[test]
fn every_error_message_tells_the_clerk_what_to_do() {
    let all = [
        PhotoError::NotAnImage,
        PhotoError::TooLarge { bytes: 50 << 20 },
        PhotoError::TooManyPixels {
            width: 20000,
            height: 20000,
        },
        PhotoError::Corrupt("x".into()),
        PhotoError::Io("x".into()),
        PhotoError::CannotFitBudget,
        PhotoError::TooMuchMemory {
            width: 10_000,
            height: 10_000,
            bytes_per_pixel: 8,
            needed_bytes: 1_100_000_000,
        },
        PhotoError::NotAFile { kind: "管道" },
    ];
    for e in all {
        let m = e.to_string();
        assert!(m.contains("：请"), "{m}");
    }
}

#[test]
fn a_face_smaller_than_100_px_is_refused_with_its_size() {
    let budgets = PhotoBudgets::default();
    let small = jpeg_of(&noisy_image(90, 120, 1), 90);
    match normalize_for(PhotoKind::Face, &small, &budgets) {
        Err(PhotoError::TooSmall { width, height, min, .. }) => {
            assert_eq!((width, height, min), (90, 120, 100));
            let text = normalize_for(PhotoKind::Face, &small, &budgets)
                .unwrap_err()
                .to_string();
            assert!(text.contains("90×120") && text.contains("100×100"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // The same picture is a fine scan, and a 100×100 face passes.
    assert!(normalize_for(PhotoKind::IdScanBack, &small, &budgets).is_ok());
    let ok = jpeg_of(&noisy_image(100, 100, 2), 90);
    assert!(normalize_for(PhotoKind::Face, &ok, &budgets).is_ok());
    assert_eq!(image_dimensions(&ok), Some((100, 100)));
    assert_eq!(image_dimensions(b"not an image"), None);
}

#[test]
fn a_thumbnail_is_a_few_kilobytes_within_its_box() {
    let face = image::RgbImage::from_fn(600, 800, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 120]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(face)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("encode");
    let thumb = super::thumbnail(jpeg.get_ref()).expect("thumbnail");
    let img = image::load_from_memory(&thumb).expect("decodes");
    assert_eq!((img.width(), img.height()), (60, 80));
    assert!(thumb.len() < 8 * 1024, "{} bytes", thumb.len());
    assert!(super::thumbnail(b"not a photo").is_err());
}

#[cfg(unix)]
#[test]
fn a_fifo_picked_as_a_photo_is_refused_instead_of_hanging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("face.jpg");
    host::testing::make_fifo(&path);
    let result = host::testing::returns(move || load_photo_file(&path, 200 * 1024));
    assert_eq!(result, Err(PhotoError::NotAFile { kind: "管道" }));
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("管道") && message.contains("：请选择照片文件本身"),
        "{message}"
    );
}

#[test]
fn a_16_bit_rgba_png_is_refused_by_what_it_decodes_to_not_by_its_pixel_count() {
    // 100 MP is within MAX_PIXELS; at 8 bytes a pixel, plus the RGB copy, it is 1.1 GB.
    let png = zero_png_rgba16(10_000, 10_000);
    assert!(png.len() < 6 * 1024 * 1024, "{} bytes", png.len());
    assert_eq!(image_dimensions(&png), Some((10_000, 10_000)));
    let result = normalize_photo(&png, 200 * 1024);
    assert_eq!(
        result,
        Err(PhotoError::TooMuchMemory {
            width: 10_000,
            height: 10_000,
            bytes_per_pixel: 8,
            needed_bytes: 1_100_000_000,
        })
    );
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("每像素 8 字节") && message.contains("1049 MB") && message.contains("最多 512 MB"),
        "{message}"
    );
    // An 8-bit RGB photo of as many pixels stays within the cap.
    assert_eq!(decode_peak_bytes(10_000, 10_000, ColorType::Rgb8), 300_000_000);
}

#[test]
fn the_hand_made_png_is_one_the_decoder_reads() {
    // The writer below is checked on a size that decodes in no time.
    let png = zero_png_rgba16(7, 300);
    let image = image::load_from_memory(&png).expect("decodes");
    assert_eq!(image.color(), ColorType::Rgba16);
    assert_eq!((image.width(), image.height()), (7, 300));
    assert!(image.as_bytes().iter().all(|&b| b == 0));
}

/// A PNG of `width`×`height` transparent black 16-bit RGBA pixels, written straight from its
/// definition: an encoder would first need the whole decoded image (800 MB for 100 MP).
/// The zlib stream is one fixed-Huffman block: a literal 0, then copies of 258 bytes at
/// distance 1 (13 bits each), so 100 MP take 5 MB.
fn zero_png_rgba16(width: u32, height: u32) -> Vec<u8> {
    let raw_bytes = u64::from(height) * (1 + u64::from(width) * 8);
    let mut bits = BitWriter::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman
    let literal_zero = 0b0011_0000; // literals 0–143: 8-bit codes from 0x30
    let copy_258 = 0b1100_0101; // length code 285 (258 bytes, no extra bits)
    bits.put_code(literal_zero, 8);
    let copies = (raw_bytes - 1) / 258;
    for _ in 0..copies {
        bits.put_code(copy_258, 8);
        bits.put_code(0, 5); // distance code 0: distance 1
    }
    for _ in 0..(raw_bytes - 1) % 258 {
        bits.put_code(literal_zero, 8);
    }
    bits.put_code(0, 7); // end of block
    let mut zlib = vec![0x78, 0x01];
    zlib.extend(bits.finish());
    // Adler-32 of zeros: a stays 1, b adds 1 per byte.
    zlib.extend(((((raw_bytes % 65_521) as u32) << 16) | 1).to_be_bytes());

    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([16, 6, 0, 0, 0]); // 16-bit, RGBA, deflate, no filter method, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend((data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend(kind);
        png.extend(&data);
        let crc = crc32(&png[start..]);
        png.extend(crc.to_be_bytes());
    }
    png
}

/// Deflate's bit order: fields from the least significant bit, Huffman codes from the most.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.count;
        self.count += count;
        while self.count >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count -= 8;
        }
    }

    fn put_code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| (0..8).fold(n, |c, _| if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 }))
        .collect();
    !bytes
        .iter()
        .fold(!0u32, |c, &b| table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8))
}
