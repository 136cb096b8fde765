//! Lenient mode (prose, fences, trailing commas) never panics, and its events, error and
//! repairs do not depend on chunking either.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Some((opts, points, doc)) = common::setup(data, common::Mode::Lenient) {
        common::assert_chunking_independent(&opts, doc, &points);
    }
});
