//! `incentive`: exact, explainable sales bonus payouts from CRM exports and YAML schemes.
//!
//! Data flows one way: read inputs ([`data`], a CRM export through a [`mapping`]) → validate into typed rows → compute metrics while
//! streaming ([`metrics`]) → score ([`scoring`], pure) → render outputs ([`report`]) → write them, only inside `--out`
//! ([`output`]).
//! [`run`] wires the stages together for the command line ([`cli`]).
#![forbid(unsafe_code)]

pub mod analysis;
pub mod audit;
pub mod cli;
pub mod close;
pub mod data;
pub mod engine;
pub mod error;
pub mod fraction;
pub mod load;
pub mod mapping;
pub mod metrics;
pub mod num;
pub mod output;
pub mod payout;
pub mod period;
pub mod progress;
pub mod report;
pub mod results;
pub mod run;
pub mod scheme;
pub mod scoring;
pub mod threads;
pub mod yaml;
