//! The Jobunivers host: the sandboxed runtime for building blocks, the capabilities it
//! offers them, and the `jobunivers` command.
#![warn(missing_docs)]

pub mod caps;
pub mod db;
pub mod demo;
pub mod runtime;
pub mod template;
