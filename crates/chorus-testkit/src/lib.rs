//! Everything tests need to stand up real parts: a SQLite file or a throwaway PostgreSQL cluster, a running
//! Chorus on its own port, and a headless Chromium to drive its pages.
//!
//! Test code may panic on set-up failures: a test that cannot start its database should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod bluesky;
pub mod browser;
pub mod forms;
pub mod images;
pub mod mastodon;
pub mod postgres;
pub mod s3;
pub mod sqlite;
pub mod storage_suite;
