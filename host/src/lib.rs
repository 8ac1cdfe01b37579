//! The Jobunivers host: the sandboxed runtime for building blocks, the capabilities it
//! offers them, and the `jobunivers` command.
#![warn(missing_docs)]
// A `Problem` carries its whole user-facing message (about 130 bytes); errors are the cold
// path of every request, so boxing them would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod caps;
pub mod citizen;
pub mod client;
pub mod db;
pub mod demo;
pub mod dialogue;
pub mod import;
pub mod market;
pub mod monitor;
pub mod package;
pub mod problem;
pub mod runtime;
pub mod screening;
pub mod seed;
pub mod server;
pub mod template;
pub mod ui;
pub mod universe;
pub mod web;
