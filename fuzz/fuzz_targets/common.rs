//! What the fuzz targets share: options and cut points drawn from the input's first bytes, and
//! a scan that records events and the error.
// Each target uses part of what is here.
#![allow(dead_code)]

use deltajson::core::{Error, EventLog, Options, Scanner, TreeBuilder, TreeValues};

/// Which grammar a target reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Strict,
    Lenient,
    Repair,
}

/// Splits fuzz input into (options, cut points, document): byte 0 picks the options, byte 1
/// the number of cuts, the next bytes their positions (modulo the document's length + 1).
pub fn setup(data: &[u8], mode: Mode) -> Option<(Options, Vec<usize>, &[u8])> {
    let lenient = mode != Mode::Strict;
    let (&flags, rest) = data.split_first()?;
    let (&cuts, rest) = rest.split_first()?;
    let ncuts = usize::from(cuts % 16).min(rest.len());
    let (cut_bytes, doc) = rest.split_at(ncuts);
    let mut opts = Options {
        multiple: flags & 1 != 0,
        allow_nan: flags & 2 != 0,
        lone_surrogates: flags & 4 == 0,
        lenient,
        repair: mode == Mode::Repair,
        ..Options::default()
    };
    if flags & 8 != 0 {
        opts.max_depth = usize::from(flags >> 4) + 1;
    }
    if flags & 16 != 0 {
        opts.max_string_bytes = Some(usize::from(cuts >> 4));
    }
    if flags & 32 != 0 {
        opts.max_bytes = Some(u64::from(flags) * 3);
    }
    if flags & 64 != 0 {
        opts.max_int_digits = Some(usize::from(cuts >> 5) + 1);
    }
    let mut points: Vec<usize> = cut_bytes
        .iter()
        .map(|&c| usize::from(c) * doc.len() / 255)
        .collect();
    points.sort_unstable();
    points.dedup();
    Some((opts, points, doc))
}

/// The events, the first error (its kind and position) and the repairs of a scan of `doc`
/// fed in pieces split at `points`, then finished.
pub fn scan(
    opts: &Options,
    doc: &[u8],
    points: &[usize],
) -> (EventLog, Option<Error>, Vec<deltajson::core::Repair>) {
    let mut scanner = Scanner::new(opts.clone());
    let mut log = EventLog::default();
    let mut start = 0;
    let mut error = None;
    for &p in points.iter().chain(std::iter::once(&doc.len())) {
        if let Err(e) = scanner.feed(&doc[start..p], &mut log) {
            error = Some(e);
            break;
        }
        start = p;
    }
    if error.is_none() {
        error = scanner.finish(&mut log).err();
    }
    (log, error, scanner.repairs().to_vec())
}

/// What must not depend on chunking: events, error kind and position, repairs.
pub fn assert_chunking_independent(opts: &Options, doc: &[u8], points: &[usize]) {
    let (whole_log, whole_err, whole_repairs) = scan(opts, doc, &[]);
    let (split_log, split_err, split_repairs) = scan(opts, doc, points);
    assert_eq!(whole_log, split_log, "events differ (cuts {points:?})");
    let key = |e: &Option<Error>| {
        e.as_ref()
            .map(|e| (format!("{:?}", e.kind), e.offset, e.line, e.column))
    };
    assert_eq!(
        key(&whole_err),
        key(&split_err),
        "errors differ (cuts {points:?})"
    );
    assert_eq!(
        whole_repairs, split_repairs,
        "repairs differ (cuts {points:?})"
    );
}

/// The fast path of a whole document (`Scanner::feed_whole`, recursive descent) builds what the
/// events build, and leaves the scanner where a feed leaves it: the same error, excerpt
/// included, for a byte fed after it, and the same `finish`.
pub fn assert_descent_agrees(opts: &Options, doc: &[u8]) {
    let mut fast = Scanner::new(opts.clone());
    let Some(value) = fast.feed_whole(doc, &mut TreeValues::default()) else {
        return;
    };
    let mut slow = Scanner::new(opts.clone());
    let mut tree = TreeBuilder::default();
    if let Err(e) = slow.feed(doc, &mut tree) {
        panic!("the descent accepted what the scanner rejects: {e}");
    }
    assert_eq!(tree.values, vec![value], "the descent built another value");
    let mut fast_after = fast.clone();
    let mut slow_after = slow.clone();
    let mut log = EventLog::default();
    assert_eq!(
        fast_after.feed(b" x", &mut log).err(),
        slow_after.feed(b" x", &mut log).err(),
        "the descent left the scanner elsewhere"
    );
    assert_eq!(fast.finish(&mut log), slow.finish(&mut log));
}

/// Valid JSON reads in repair mode as in strict mode, with no repair: whatever one value strict
/// mode accepts (an object, an array, or a document that is a scalar) gives the same events.
/// Limits included: valid JSON that strict mode refuses for a limit (`max_string_bytes`,
/// `max_int_digits`, `max_depth`) fails with the same error, after the same events (unless
/// `max_bytes` stops the input first: repair mode reads a document that is a scalar only
/// once the input has ended).
pub fn assert_valid_json_needs_no_repair(opts: &Options, doc: &[u8], points: &[usize]) {
    // One value: with `multiple`, repair mode skips what is not an object or an array.
    let opts = &Options {
        multiple: false,
        ..opts.clone()
    };
    let strict = Options {
        lenient: false,
        repair: false,
        ..opts.clone()
    };
    let (strict_log, strict_err, _) = scan(&strict, doc, &[]);
    if strict_err.is_some() {
        let unlimited = Options {
            max_depth: Options::default().max_depth,
            max_bytes: None,
            max_string_bytes: None,
            max_int_digits: None,
            ..strict.clone()
        };
        let cut = opts.max_bytes.is_some_and(|max| doc.len() as u64 > max);
        if cut || scan(&unlimited, doc, &[]).1.is_some() {
            return;
        }
    }
    let (log, err, repairs) = scan(opts, doc, points);
    let key = |e: &Option<Error>| {
        e.as_ref()
            .map(|e| (format!("{:?}", e.kind), e.offset, e.line, e.column))
    };
    assert_eq!(
        key(&err),
        key(&strict_err),
        "repair mode read valid JSON otherwise (an error, or another error)"
    );
    assert_eq!(log, strict_log, "repair mode read valid JSON otherwise");
    assert_eq!(repairs, vec![], "repair mode repaired valid JSON");
}
