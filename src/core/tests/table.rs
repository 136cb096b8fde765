//! Table tests: every grammar rule of RFC 8259, valid and invalid, with exact error positions.

use super::{parse_values, scan_chunks};
use crate::core::{ErrorKind, Expected, Found, Literal, Options, Value};

fn opts() -> Options {
    Options::default()
}

/// (offset, line, column) of the error for `input`, or None if it parses.
fn error_position(opts: &Options, input: &[u8]) -> Option<(u64, u64, u64, ErrorKind)> {
    let (_, result) = scan_chunks(opts, [input]);
    result.err().map(|e| (e.offset, e.line, e.column, e.kind))
}

fn unexpected(expected: Expected, found: u8) -> ErrorKind {
    ErrorKind::Unexpected {
        expected,
        found: Found::Byte(found),
    }
}

fn eof(expected: Expected) -> ErrorKind {
    ErrorKind::Unexpected {
        expected,
        found: Found::EndOfInput,
    }
}

fn num(text: &str) -> Value {
    Value::Number(text.into())
}

#[test]
fn valid_documents_match_serde_json() {
    let docs = [
        "0",
        "-0",
        "1",
        "-1",
        "12345678901234567890123",
        "1.5",
        "-0.0",
        "1e3",
        "1E-3",
        "2.5e+10",
        "true",
        "false",
        "null",
        "\"\"",
        "\"abc\"",
        "\"\\u00e9\\n\\t\\\\\\\"\\/\"",
        "\"\\ud83d\\ude00\"",
        "\"é😀\"",
        "[]",
        "{}",
        "[1,2,3]",
        " [ 1 , [ ] , { } ] ",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "\t\r\n {\"k\" : \"v\"}\n",
        "[[[[[[[[[[1]]]]]]]]]]",
        "{\"\":0}",
        "\"\\u0000\"",
        "\"\u{7f}\"",
    ];
    for doc in docs {
        let ours = parse_values(&opts(), doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert_eq!(canonical(ours), vec![from_serde(&theirs)], "{doc}");
    }
}

/// A number's text in a form that does not depend on how it was written: integers as they are
/// (minus a sign on zero), other numbers as the nearest f64.
fn canonical_number(text: &str) -> String {
    if text.contains(['.', 'e', 'E']) {
        format!("{:?}", text.parse::<f64>().unwrap_or(f64::NAN))
    } else if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Our values with numbers in canonical form.
pub fn canonical(values: Vec<Value>) -> Vec<Value> {
    fn one(v: Value) -> Value {
        match v {
            Value::Number(n) => Value::Number(canonical_number(&n)),
            Value::Array(items) => Value::Array(items.into_iter().map(one).collect()),
            Value::Object(members) => {
                Value::Object(members.into_iter().map(|(k, v)| (k, one(v))).collect())
            }
            other => other,
        }
    }
    values.into_iter().map(one).collect()
}

/// serde_json's value in our tree form, numbers canonical (its maps dedupe keys, so inputs
/// here have none).
pub fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(canonical_number(&n.to_string())),
        serde_json::Value::String(s) => Value::String(s.as_bytes().to_vec()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), from_serde(v)))
                .collect(),
        ),
    }
}

#[test]
fn scalars_and_containers() {
    assert_eq!(parse_values(&opts(), b" 42 ").unwrap(), vec![num("42")]);
    assert_eq!(
        parse_values(&opts(), br#"{"a":1,"a":2}"#).unwrap(),
        vec![Value::Object(vec![
            (b"a".to_vec(), num("1")),
            (b"a".to_vec(), num("2"))
        ])]
    );
    // A lone surrogate escape survives, in WTF-8 form, as json.loads keeps it.
    assert_eq!(
        parse_values(&opts(), br#""\ud800x""#).unwrap(),
        vec![Value::String(b"\xED\xA0\x80x".to_vec())]
    );
}

#[test]
fn invalid_documents_with_positions() {
    use Expected::*;
    let cases: Vec<(&[u8], u64, u64, u64, ErrorKind)> = vec![
        // value
        (b"", 0, 1, 1, eof(Value)),
        (b"   ", 3, 1, 4, eof(Value)),
        (b"x", 0, 1, 1, unexpected(Value, b'x')),
        (b"'a'", 0, 1, 1, unexpected(Value, b'\'')),
        (b"[,1]", 1, 1, 2, unexpected(ValueOrArrayEnd, b',')),
        (b"[1,]", 3, 1, 4, unexpected(Value, b']')),
        (b"[1 2]", 3, 1, 4, unexpected(CommaOrArrayEnd, b'2')),
        (b"[1", 2, 1, 3, eof(CommaOrArrayEnd)),
        (b"[", 1, 1, 2, eof(ValueOrArrayEnd)),
        (b"]", 0, 1, 1, unexpected(Value, b']')),
        // objects
        (b"{1:2}", 1, 1, 2, unexpected(KeyOrObjectEnd, b'1')),
        (b"{\"a\" 1}", 5, 1, 6, unexpected(Colon, b'1')),
        (b"{\"a\":}", 5, 1, 6, unexpected(Value, b'}')),
        (b"{\"a\":1,}", 7, 1, 8, unexpected(Key, b'}')),
        (
            b"{\"a\":1 \"b\":2}",
            7,
            1,
            8,
            unexpected(CommaOrObjectEnd, b'"'),
        ),
        (b"{\"a\":1]", 6, 1, 7, unexpected(CommaOrObjectEnd, b']')),
        (b"[1}", 2, 1, 3, unexpected(CommaOrArrayEnd, b'}')),
        (b"{\"a\"", 4, 1, 5, eof(Colon)),
        // trailing data
        (b"1 2", 2, 1, 3, unexpected(EndOfInput, b'2')),
        (b"{}x", 2, 1, 3, unexpected(EndOfInput, b'x')),
        (b"01", 1, 1, 2, unexpected(EndOfInput, b'1')),
        // numbers
        (b"-", 1, 1, 2, eof(Digit)),
        (b"-x", 1, 1, 2, unexpected(Digit, b'x')),
        (b"+1", 0, 1, 1, unexpected(Value, b'+')),
        (b".5", 0, 1, 1, unexpected(Value, b'.')),
        (b"1.", 2, 1, 3, eof(Digit)),
        (b"1.x", 2, 1, 3, unexpected(Digit, b'x')),
        (b"1e", 2, 1, 3, eof(ExponentStart)),
        (b"1e+", 3, 1, 4, eof(Digit)),
        (b"[1ex]", 3, 1, 4, unexpected(ExponentStart, b'x')),
        (b"[-]", 2, 1, 3, unexpected(Digit, b']')),
        (b"[0x1]", 2, 1, 3, unexpected(CommaOrArrayEnd, b'x')),
        (b"NaN", 0, 1, 1, unexpected(Value, b'N')),
        (b"-Infinity", 1, 1, 2, unexpected(Digit, b'I')),
        // literals
        (
            b"tru",
            3,
            1,
            4,
            eof(Expected::Literal(crate::core::Literal::True)),
        ),
        (
            b"trUe",
            2,
            1,
            3,
            unexpected(Expected::Literal(crate::core::Literal::True), b'U'),
        ),
        (
            b"nul1",
            3,
            1,
            4,
            unexpected(Expected::Literal(crate::core::Literal::Null), b'1'),
        ),
        (b"True", 0, 1, 1, unexpected(Value, b'T')),
        // strings
        (b"\"abc", 4, 1, 5, eof(StringEnd)),
        (b"\"a\\", 3, 1, 4, eof(EscapeChar)),
        (b"\"a\\x\"", 3, 1, 4, unexpected(EscapeChar, b'x')),
        (b"\"\\u12\"", 5, 1, 6, unexpected(HexDigit, b'"')),
        (b"\"\\u12G4\"", 5, 1, 6, unexpected(HexDigit, b'G')),
        (b"\"a\x01\"", 2, 1, 3, ErrorKind::ControlInString(1)),
        (b"\"a\nb\"", 2, 1, 3, ErrorKind::ControlInString(b'\n')),
        (b"\"\xFF\"", 1, 1, 2, ErrorKind::InvalidUtf8),
        (b"\"\xC3\"", 1, 1, 2, ErrorKind::InvalidUtf8),
        (b"\"\xED\xA0\x80\"", 1, 1, 2, ErrorKind::InvalidUtf8),
        (b"\"\xC0\xAF\"", 1, 1, 2, ErrorKind::InvalidUtf8),
        (b"\"\xC3\xA9\xFF\"", 3, 1, 3, ErrorKind::InvalidUtf8),
        (b"\xC3\xA9", 0, 1, 1, unexpected(Value, 0xC3)),
        // positions across lines, columns in characters
        (b"[\n1,\n x]", 6, 3, 2, unexpected(Value, b'x')),
        (
            b"{\"\xC3\xA9\xC3\xA9\": x}",
            9,
            1,
            8,
            unexpected(Value, b'x'),
        ),
    ];
    for (input, offset, line, column, kind) in cases {
        let got = error_position(&opts(), input);
        assert_eq!(
            got,
            Some((offset, line, column, kind)),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn allow_nan_literals() {
    let o = Options {
        allow_nan: true,
        ..opts()
    };
    assert_eq!(
        parse_values(&o, b"[NaN, Infinity, -Infinity, -1]").unwrap(),
        vec![Value::Array(vec![
            Value::NonFinite(Literal::NaN),
            Value::NonFinite(Literal::Infinity),
            Value::NonFinite(Literal::NegInfinity),
            num("-1"),
        ])]
    );
    assert!(matches!(error_position(&o, b"-Inf"), Some((4, _, _, _))));
}

#[test]
fn limits() {
    let deep = Options {
        max_depth: 3,
        ..opts()
    };
    assert_eq!(parse_values(&deep, b"[[[1]]]").unwrap().len(), 1);
    assert_eq!(
        error_position(&deep, b"[[[[1]]]]").map(|e| (e.0, e.3)),
        Some((3, ErrorKind::TooDeep { max_depth: 3 }))
    );
    let bytes = Options {
        max_bytes: Some(4),
        ..opts()
    };
    assert_eq!(
        error_position(&bytes, b"[1, 2]").map(|e| (e.0, e.3)),
        Some((4, ErrorKind::TooManyBytes { max_bytes: 4 }))
    );
    let strings = Options {
        max_string_bytes: Some(3),
        ..opts()
    };
    assert!(parse_values(&strings, br#"["abc", "\n"]"#).is_ok());
    assert_eq!(
        error_position(&strings, br#"["abcd"]"#).map(|e| (e.0, e.3)),
        Some((
            5,
            ErrorKind::StringTooLong {
                max_string_bytes: 3
            }
        ))
    );
    assert_eq!(
        error_position(&strings, br#"{"ab\n":1}"#).map(|e| (e.0, e.3)),
        Some((
            5,
            ErrorKind::StringTooLong {
                max_string_bytes: 3
            }
        ))
    );
    let digits = Options {
        max_int_digits: Some(5),
        ..opts()
    };
    assert!(parse_values(&digits, b"[12345, 1234567.5, -12345]").is_ok());
    assert_eq!(
        error_position(&digits, b"[1, 123456]").map(|e| (e.0, e.3)),
        Some((
            4,
            ErrorKind::IntegerTooLong {
                digits: 6,
                limit: 5
            }
        ))
    );
}

#[test]
fn very_deep_nesting_is_an_error_not_a_crash() {
    let input = vec![b'['; 100_000];
    let (_, result) = scan_chunks(&opts(), [input.as_slice()]);
    let e = result.unwrap_err();
    assert_eq!(
        (e.offset, e.kind),
        (1024, ErrorKind::TooDeep { max_depth: 1024 })
    );
    // Without a depth limit the explicit stack handles it: no recursion anywhere.
    let unlimited = Options {
        max_depth: usize::MAX,
        ..opts()
    };
    let (_, result) = scan_chunks(&unlimited, [input.as_slice()]);
    assert!(result.unwrap_err().is_eof());
}

#[test]
fn multiple_values() {
    let o = Options {
        multiple: true,
        ..opts()
    };
    let values = parse_values(&o, b"{\"a\":1}\n[2] 3\n\"x\"true{}").unwrap();
    assert_eq!(values.len(), 6);
    assert_eq!(parse_values(&o, b"  \n").unwrap(), vec![]);
    assert_eq!(parse_values(&o, b"1 2").unwrap(), vec![num("1"), num("2")]);
    // A number ends where its grammar ends, so "1-2" is two values, like raw_decode.
    assert_eq!(parse_values(&o, b"1-2").unwrap(), vec![num("1"), num("-2")]);
    assert!(error_position(&o, b"{} ]").is_some());
}

#[test]
fn errors_stick_and_state_is_reported() {
    use crate::core::{EventLog, Scanner, Status};
    let mut s = Scanner::new(opts());
    let mut log = EventLog::default();
    assert_eq!(s.status(), Status::Empty);
    s.feed(b"  [1", &mut log).unwrap();
    assert_eq!(s.status(), Status::Partial);
    assert!(s.scalar_in_progress());
    let e = s.feed(b", x", &mut log).unwrap_err();
    assert_eq!((e.offset, e.column), (6, 7));
    assert_eq!(s.feed(b"]", &mut log).unwrap_err(), e);
    assert_eq!(s.status(), Status::Error);
    assert!(e.to_string().contains("near \"  [1, x\""), "{e}");
}

#[test]
fn lenient_skips_prose_and_fences_and_reports_every_repair() {
    use crate::core::{Repair, RepairKind, Scanner, TreeBuilder};
    let lenient = Options {
        lenient: true,
        ..opts()
    };
    let run = |input: &[u8]| {
        let mut s = Scanner::new(lenient.clone());
        let mut tree = TreeBuilder::default();
        s.feed(input, &mut tree).unwrap();
        s.finish(&mut tree).unwrap();
        (tree.values, s.repairs().to_vec())
    };
    let reply = b"Sure! Here is the JSON:\n```json\n{\"a\": [1, 2,], \"b\": {\"c\": 3,},}\n```\nHope it helps.";
    let (values, repairs) = run(reply);
    assert_eq!(values.len(), 1);
    let at = |needle: &[u8]| {
        reply
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap() as u64
    };
    let brace = at(b"{\"a\"");
    assert_eq!(
        repairs,
        vec![
            Repair {
                kind: RepairKind::SkippedPrefix,
                offset: 0,
                length: brace
            },
            Repair {
                kind: RepairKind::TrailingComma,
                offset: at(b",]"),
                length: 1
            },
            Repair {
                kind: RepairKind::TrailingComma,
                offset: at(b",}"),
                length: 1
            },
            Repair {
                kind: RepairKind::TrailingComma,
                offset: at(b",}\n"),
                length: 1
            },
            Repair {
                kind: RepairKind::IgnoredSuffix,
                offset: at(b"```\nHope"),
                length: reply.len() as u64 - at(b"```\nHope")
            },
        ]
    );
    // Clean JSON needs no repair; whitespace around it is not a repair either.
    assert_eq!(run(b"  \n[1, 2]\n ").1, vec![]);
    // Without lenient, the same reply is an error at its first byte.
    assert!(error_position(&opts(), reply).is_some());
    // Lenient still rejects what is broken inside the value.
    assert!(error_position(&lenient, b"text [1 2]").is_some());
    assert!(error_position(&lenient, b"no json here").unwrap().3 == eof(Expected::Value));
}

#[test]
fn a_tape_replays_every_kind_of_event_with_its_flags() {
    use crate::core::{Literal, Sink, Tape};
    let mut tape = Tape::default();
    tape.begin_array();
    tape.begin_object();
    tape.key(b"k", false);
    tape.string(b"\xED\xA0\x80", true);
    tape.key(b"n", false);
    tape.number(b"-1.5", false);
    tape.key(b"s", false);
    tape.begin_string();
    tape.string_piece(b"ab", false);
    tape.string_piece(b"\xED\xA0\x80", true);
    tape.end_string();
    tape.end_object();
    tape.literal(Literal::Null);
    tape.number(b"7", true);
    tape.end_array();
    let mut copy = Tape::default();
    tape.replay(&mut copy);
    assert_eq!(format!("{tape:?}"), format!("{copy:?}"));
    assert_eq!(tape.len(), 15);
}

#[test]
fn a_tape_refers_to_its_chunk_and_copies_only_made_text() {
    use crate::core::{EventLog, Scanner, Tape};
    // Plain strings and numbers are slices of the chunk; the escaped string, and the key and
    // number begun in the first chunk, are text the scanner made.
    let first = br#"{"ab"#;
    let second = br#"c": "x\ny", "n": 12"#;
    let third = br#"3, "plain": [1.5, "z", true]}"#;
    let mut direct = EventLog::default();
    let mut replayed = EventLog::default();
    let (mut a, mut b) = (
        Scanner::new(Options::default()),
        Scanner::new(Options::default()),
    );
    for chunk in [&first[..], &second[..], &third[..]] {
        a.feed(chunk, &mut direct).unwrap();
        let mut tape = Tape::for_chunk(chunk);
        b.feed(chunk, &mut tape).unwrap();
        tape.replay(&mut replayed);
    }
    assert_eq!(direct, replayed);
}

/// Feeds `chunks` as WTF-8 text (see `Scanner::feed_wtf8`), then finishes.
fn parse_wtf8_chunks(opts: &Options, chunks: &[&[u8]]) -> Result<Vec<Value>, crate::core::Error> {
    let mut scanner = crate::core::Scanner::new(opts.clone());
    let mut tree = crate::core::TreeBuilder::default();
    for chunk in chunks {
        scanner.feed_wtf8(chunk, &mut tree)?;
    }
    scanner.finish(&mut tree)?;
    Ok(tree.values)
}

#[test]
fn raw_lone_surrogates_in_text_input_are_kept_in_strings() {
    // `{"\ud800k": "a\udfffb", "x": "\ud83d\ude00"}` with every surrogate raw, as a Python
    // `str` encoded with `surrogatepass` holds them (two raw halves stay two code points).
    let doc: &[u8] =
        b"{\"\xED\xA0\x80k\": \"a\xED\xBF\xBFb\", \"x\": \"\xED\xA0\xBD\xED\xB8\x80\"}";
    let expected = vec![Value::Object(vec![
        (
            b"\xED\xA0\x80k".to_vec(),
            Value::String(b"a\xED\xBF\xBFb".to_vec()),
        ),
        (
            b"x".to_vec(),
            Value::String(b"\xED\xA0\xBD\xED\xB8\x80".to_vec()),
        ),
    ])];
    assert_eq!(parse_wtf8_chunks(&opts(), &[doc]).unwrap(), expected);
    // Split anywhere a `str` can be split: between characters.
    let starts: Vec<usize> = (0..doc.len())
        .filter(|&i| (doc[i] & 0xC0) != 0x80)
        .collect();
    for &cut in &starts {
        let (a, b) = doc.split_at(cut);
        assert_eq!(
            parse_wtf8_chunks(&opts(), &[a, b]).unwrap(),
            expected,
            "cut at {cut}"
        );
    }
    // Bytes input: invalid UTF-8, at the start of the sequence.
    let e = parse_values(&opts(), doc).unwrap_err();
    assert_eq!((e.offset, e.kind), (2, ErrorKind::InvalidUtf8));
    // Refused on request, at the surrogate itself, with the escape's error.
    let refuse = Options {
        lone_surrogates: false,
        ..opts()
    };
    let e = parse_wtf8_chunks(&refuse, &[b"[\"ab\xED\xA0\x80\"]"]).unwrap_err();
    assert_eq!(
        (e.offset, e.column, e.kind),
        (4, 5, ErrorKind::LoneSurrogate)
    );
    // Outside a string, not a character JSON knows.
    let e = parse_wtf8_chunks(&opts(), &[b"[\xED\xA0\x80]"]).unwrap_err();
    assert_eq!(e.offset, 1);
    // Columns count a surrogate as one character.
    let e = parse_wtf8_chunks(&opts(), &[b"[\"\xED\xA0\x80\", x]"]).unwrap_err();
    assert_eq!((e.offset, e.column), (8, 7));
}
