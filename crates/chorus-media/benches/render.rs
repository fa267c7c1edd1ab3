//! How long turning a camera photo into an Instagram portrait takes: a 4000×3000 JPEG (12 megapixels) cropped to
//! 4:5 around its focal point and shrunk to 1080×1350, decode and encode included; and its library thumbnail.
//! Run with `cargo bench -p chorus-media --bench render`.

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use chorus_media::{Aspect, Fit, FocalPoint, MediaType, RenditionSpec, render, thumbnail};
use criterion::{Criterion, criterion_group, criterion_main};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// A 4000×3000 photo-like JPEG: smooth gradients with fine detail, so the encoder and decoder have real work.
fn camera_photo() -> Vec<u8> {
    let image = RgbImage::from_fn(4000, 3000, |x, y| {
        let detail = ((x * 7 + y * 13) % 32) as u8;
        Rgb([(x / 16) as u8 ^ detail, (y / 12) as u8, ((x + y) / 28) as u8 ^ (detail / 2)])
    });
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(image).write_to(&mut Cursor::new(&mut bytes), ImageFormat::Jpeg).unwrap_or_default();
    bytes
}

fn renditions(c: &mut Criterion) {
    let photo = camera_photo();
    let spec = RenditionSpec {
        aspect: Aspect { width: 4, height: 5 },
        fit: Fit::Crop,
        focal: FocalPoint { x: 600, y: 400 },
        max_long_edge: 1350,
    };
    match render(&photo, MediaType::Jpeg, &spec) {
        Ok(out) => assert_eq!((out.width, out.height), (1080, 1350)),
        Err(e) => panic!("the benchmark photo does not render: {e}"),
    }
    c.bench_function("render 4000x3000 JPEG to a 1080x1350 crop", |b| {
        b.iter(|| render(black_box(&photo), MediaType::Jpeg, &spec).map(|r| r.bytes.len()))
    });
    c.bench_function("thumbnail of a 4000x3000 JPEG", |b| {
        b.iter(|| thumbnail(black_box(&photo), MediaType::Jpeg).map(|r| r.bytes.len()))
    });
}

criterion_group! {
    name = benches;
    // Each iteration takes a good part of a second; ten samples over about 20 s are enough to see a regression.
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(20));
    targets = renditions
}
criterion_main!(benches);
