//! Analyses built on the results model: what HR, finance and the head of sales read beside the
//! payout. Pure: they take an [`crate::results::Evaluation`] and decide every figure, flag and
//! ranking once; the renderers in [`crate::report`] only lay them out.

pub mod compare;
pub mod plan;
pub mod progress;
pub mod team;
