use std::time::Instant;
use image::{imageops, ImageDecoder, ImageReader, DynamicImage};
use image::codecs::jpeg::JpegEncoder;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = Instant::now();
    let dec = ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format().unwrap().into_decoder().unwrap();
    let img = DynamicImage::from_decoder(dec).unwrap();
    println!("decode {:?}", t.elapsed());
    let t = Instant::now();
    let rgb = img.into_rgb8();
    println!("into_rgb8 {:?}", t.elapsed());
    let t = Instant::now();
    let th = imageops::thumbnail(&rgb, 1600, 1200);
    println!("thumbnail {:?}", t.elapsed());
    let t = Instant::now();
    let _tr = imageops::resize(&rgb, 1600, 1200, imageops::FilterType::Triangle);
    println!("triangle {:?}", t.elapsed());
    let t = Instant::now();
    let _n = imageops::resize(&rgb, 1600, 1200, imageops::FilterType::Nearest);
    println!("nearest {:?}", t.elapsed());
    for q in [35u8, 60, 83, 92] {
        let t = Instant::now();
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, q).encode_image(&th).unwrap();
        println!("encode q{q} {:?} {} bytes", t.elapsed(), out.len());
    }
}
