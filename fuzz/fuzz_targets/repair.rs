//! Repair mode (the broken JSON models write) never panics; its events, error and repairs do
//! not depend on chunking; and valid JSON reads as in strict mode, with no repair.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Some((opts, points, doc)) = common::setup(data, common::Mode::Repair) {
        common::assert_chunking_independent(&opts, doc, &points);
        common::assert_valid_json_needs_no_repair(&opts, doc, &points);
    }
});
