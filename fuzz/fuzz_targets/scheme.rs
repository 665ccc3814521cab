//! The YAML tree parser and the scheme loader on arbitrary text; a scheme that loads is then
//! evaluated over no rows and scored with made-up metric values, as a run would.
#![no_main]

use incentive::metrics::{Evaluator, MetricValue};
use incentive::num::exact_int;
use incentive::period::Period;
use incentive::{scheme, scoring, yaml};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // The loader reads a scheme with `read_to_string`: text that is not UTF-8 never gets further.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = yaml::parse(text);
    let Ok(mut s) = scheme::parse_str(Path::new("fuzz.yaml"), text) else {
        return;
    };
    s.localize("ru");
    let period = Period::parse("2026-02").expect("a valid period");
    let schemes = [s];
    let s = &schemes[0];
    let emp = scoring::employment(period, None, None);
    let plan = |_: &str| Some(Decimal::new(1_000_000, 0));
    let targets = scoring::targets(s, emp, &plan);
    let unit = vec![incentive::metrics::Unit {
        period: 0,
        scheme: 0,
    }];
    let ev = Evaluator::new(&schemes, &[period], &[unit], true);
    if let Ok(values) = ev.finish() {
        let _ = scoring::score(s, Decimal::new(100_000, 0), emp, &values[0][0], &targets);
    }
    let values: Vec<MetricValue> = (0..s.metrics.len())
        .map(|i| MetricValue {
            value: Some(exact_int(i as i64 * 370_001 + 1)),
            rows: 1,
        })
        .collect();
    let _ = scoring::score(s, Decimal::new(100_000, 0), emp, &values, &targets);
});
