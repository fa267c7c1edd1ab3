//! How long checking one post for every network takes: the composer checks as someone types, and an import checks
//! every row. Run with `cargo bench -p chorus-text --bench validate`.

use std::hint::black_box;
use std::time::Duration;

use chorus_text::networks::{self, Draft, Field, Network};
use criterion::{Criterion, criterion_group, criterion_main};

/// 280 characters with 3 links and 5 hashtags.
fn post() -> String {
    let mut text = String::from(
        "Our autumn roast is here: plum, cocoa and a long finish. Read the story https://example.com/autumn \
         and the brewing guide https://example.com/brew or shop https://shop.example.com/roast #coffee #autumn \
         #roastery #specialty #brew ",
    );
    while text.chars().count() < 280 {
        text.push('.');
    }
    text.chars().take(280).collect()
}

fn validate(c: &mut Criterion) {
    let text = post();
    assert_eq!(text.chars().count(), 280);
    let draft = Draft::new(&text);
    c.bench_function("check one post for all ten networks", |b| {
        b.iter(|| {
            let mut issues = 0;
            for network in Network::ALL {
                issues += networks::check(network, black_box(&draft)).len();
            }
            issues += networks::count(Network::X, Field::Text, black_box(&text)).map_or(0, |c| c.used);
            issues
        })
    });
    c.bench_function("X weighted length", |b| b.iter(|| chorus_text::x::weighted_length(black_box(&text))));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = validate
}
criterion_main!(benches);
