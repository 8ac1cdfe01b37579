//! The analysis, checked through its public API. One test binary, a module per area.

mod common;
mod contact;
mod keywords;
mod language;
mod robustness;
mod score;
mod sections;
