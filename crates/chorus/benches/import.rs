//! How long importing a large CSV file takes: 10,000 rows for three networks into a fresh SQLite store, through
//! the import service (read, check every row, store all posts in one transaction). Run with
//! `cargo bench -p chorus --bench import`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up should stop loudly

use std::time::Duration;

use chorus_domain::{Actor, ClientId};
use chorus_testkit::app::{TestApp, spawn_app};
use chorus_web::services::import::{import_posts, prepare_import};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const ROWS: usize = 10_000;

fn file() -> Vec<u8> {
    let mut csv = String::from("title,text,networks,status,sponsored,x_text,link\n");
    for n in 0..ROWS {
        csv.push_str(&format!(
            "Post {n},\"Our roast no. {n} is here: plum, cocoa and a long finish. #coffee\",x;bluesky;linkedin,draft,no,\
             Roast no. {n} 🍂,https://example.com/roast/{n}\n"
        ));
    }
    csv.into_bytes()
}

/// A fresh app with an organization and a client; the owner imports.
async fn fresh() -> (TestApp, Actor, ClientId) {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Bench").await;
    let client = app.client(&org, "Client").await.id;
    (app, Actor::for_person(&owner.person, None), client)
}

fn import(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let csv = file();
    let mut group = c.benchmark_group("import");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(1));
    group.bench_function("10,000 CSV rows into a fresh SQLite store", |b| {
        b.iter_batched(
            || runtime.block_on(fresh()),
            |(app, actor, client)| {
                runtime.block_on(async {
                    let target = prepare_import(&app.state, &actor, client).await.unwrap();
                    let report = import_posts(&app.state, &actor, &target, &csv, false).await.unwrap();
                    assert_eq!((report.created, report.errors), (ROWS, 0), "{:?}", report.problems.first());
                });
                app
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
