//! The fast path of a whole document against the scanner: the same values where it takes a
//! document, the scanner left in the same place, and `None` wherever it must not decide.

use crate::core::{EventLog, Options, Scanner, TreeBuilder, TreeValues, Value};

/// The descent's value for `doc`, after checking it against the scanner's.
fn descend(opts: &Options, doc: &[u8]) -> Option<Value> {
    let mut fast = Scanner::new(opts.clone());
    let value = fast.feed_whole(doc, &mut TreeValues::default())?;
    let mut slow = Scanner::new(opts.clone());
    let mut tree = TreeBuilder::default();
    slow.feed(doc, &mut tree).expect("the scanner rejects it");
    assert_eq!(tree.values, vec![value.clone()]);
    // Left where a feed leaves the scanner: the same error, position and excerpt after it.
    let mut log = EventLog::default();
    let after = fast.clone().feed(b"\n \xC3\xA9x", &mut log).err();
    assert!(after.is_some());
    assert_eq!(after, slow.clone().feed(b"\n \xC3\xA9x", &mut log).err());
    assert_eq!(fast.finish(&mut log), slow.finish(&mut log));
    Some(value)
}

#[test]
fn whole_documents_are_read_as_the_scanner_reads_them() {
    let opts = Options::default();
    for doc in [
        &br#"{"a": [1, -2.5e3, true, false, null, "x"], "b": {}, "c": []}"#[..],
        b"\n[\n {\n  \"id\": 0,\n  \"t\": \"caf\xC3\xA9 \xF0\x9F\x98\x80\"\n }\n]\n",
        br#"[" \"quoted\" \\ \/ \b\f\n\r\t", "\u00e9\ud83d\ude00", "\ud800 lone"]"#,
        br#"{"a": 1, "a": 2}"#,
        b"[[[[[]]]]]",
        b"{\"k\xC3\xA9y\": \"v\"}  \r\n\t",
    ] {
        assert!(
            descend(&opts, doc).is_some(),
            "{:?}",
            String::from_utf8_lossy(doc)
        );
    }
}

#[test]
fn anything_the_descent_should_not_decide_is_left_to_the_scanner() {
    let opts = Options::default();
    for doc in [
        // Incomplete, invalid, or not one container.
        &b"[1, 2"[..],
        b"{\"a\": [1}",
        b"[1,]",
        b"[01]",
        b"[1] [2]",
        b"[1] x",
        b"\"top-level string\"",
        b"42",
        b"[\"a\x01\"]",
        b"[\"\xFF\"]",
        b"[\"\\x\"]",
        b"[tru]",
        b"[NaN]",
        b"{\"a\" 1}",
        b"\xEF\xBB\xBF[]",
    ] {
        assert_eq!(
            descend(&opts, doc),
            None,
            "{:?}",
            String::from_utf8_lossy(doc)
        );
    }
    // Limits are the scanner's to report.
    let limited = |f: fn(&mut Options)| {
        let mut o = Options::default();
        f(&mut o);
        o
    };
    let cases: [(Options, &[u8]); 5] = [
        (limited(|o| o.max_depth = 2), b"[[[]]]"),
        (limited(|o| o.max_string_bytes = Some(2)), br#"["abc"]"#),
        (limited(|o| o.max_bytes = Some(3)), b"[1, 2]"),
        (limited(|o| o.max_int_digits = Some(3)), b"[1234]"),
        (limited(|o| o.lone_surrogates = false), br#"["\ud800"]"#),
    ];
    for (o, doc) in cases {
        assert_eq!(descend(&o, doc), None);
        let mut relaxed = Scanner::new(Options::default());
        assert!(relaxed
            .feed_whole(doc, &mut TreeValues::default())
            .is_some());
    }
    // Deeper than the descent goes: the scanner's heap stack takes it.
    let deep = [vec![b'['; 200], vec![b']'; 200]].concat();
    assert_eq!(descend(&Options::default(), &deep), None);
    // Only at the start of a single-value stream.
    for o in [
        limited(|o| o.multiple = true),
        limited(|o| o.lenient = true),
    ] {
        assert_eq!(descend(&o, b"[1]"), None);
    }
    let mut started = Scanner::new(Options::default());
    started.feed(b" ", &mut EventLog::default()).unwrap();
    assert!(started
        .feed_whole(b"[1]", &mut TreeValues::default())
        .is_some());
    started.feed(b"x", &mut EventLog::default()).unwrap_err();
    let mut opened = Scanner::new(Options::default());
    opened.feed(b"[", &mut EventLog::default()).unwrap();
    assert!(opened
        .feed_whole(b"[1]", &mut TreeValues::default())
        .is_none());
}
