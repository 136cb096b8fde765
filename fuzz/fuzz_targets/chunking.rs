//! Any chunking of any input gives the same events, the same error at the same offset, line
//! and column, as one feed — with options drawn from the input too. And where the fast path
//! of a whole document takes the input, it agrees with the scanner.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Some((opts, points, doc)) = common::setup(data, common::Mode::Strict) {
        common::assert_chunking_independent(&opts, doc, &points);
        common::assert_descent_agrees(&opts, doc);
    }
});
