//! Black-box tests of the whole system. One binary, one module per area.
//!
//! The blocks under test are real components: `cargo xtask test` builds them first
//! (`cargo xtask blocks`).

mod api;
mod block_booking;
mod block_chatbot;
mod block_course;
mod block_job_feed;
mod block_job_log;
mod cache;
mod capabilities;
mod check;
mod db_provider;
mod helpers;
mod hostile;
mod import;
mod mail_servers;
mod runtime;
mod signin;
mod storage;
mod template;
mod ui;
mod ui_enrolments;
mod ui_profile;
mod ui_sessions;
mod ui_staff;
mod validation;
