//! Repair mode: what each kind of repair reads, where it is reported, byte by byte as in one
//! feed; valid JSON needs none; hopeless input fails at its byte.

use super::table::{canonical, from_serde};
use crate::core::{Error, ErrorKind, Literal, Options, RepairKind, Scanner, TreeBuilder, Value};

fn repair() -> Options {
    Options {
        repair: true,
        ..Options::default()
    }
}

/// A repair as `(kind, offset, length)`.
type Found = (RepairKind, u64, u64);

/// The value and the repairs of `input`, fed in chunks of `size` bytes.
fn read(input: &str, size: usize) -> (Vec<Value>, Vec<Found>) {
    let mut scanner = Scanner::new(repair());
    let mut tree = TreeBuilder::default();
    for chunk in input.as_bytes().chunks(size) {
        scanner.feed(chunk, &mut tree).unwrap();
    }
    scanner.finish(&mut tree).unwrap();
    let repairs = scanner.repairs();
    (
        tree.values,
        repairs
            .iter()
            .map(|r| (r.kind, r.offset, r.length))
            .collect(),
    )
}

fn json(text: &str) -> Value {
    from_serde(&serde_json::from_str(text).unwrap())
}

#[test]
fn each_kind_reads_what_was_meant_and_says_where() {
    use RepairKind::*;
    let cases: [(&str, &str, &[Found]); 9] = [
        (
            "{name: 'Ada'}",
            r#"{"name": "Ada"}"#,
            &[(UnquotedKey, 1, 4), (SingleQuotes, 7, 1)],
        ),
        (
            r#"{"c": New York}"#,
            r#"{"c": "New York"}"#,
            &[(UnquotedValue, 6, 8)],
        ),
        (
            r#"[True, None]"#,
            "[true, null]",
            &[(PythonLiteral, 1, 4), (PythonLiteral, 7, 4)],
        ),
        (
            "[1 // a\n, 2 /* b */]",
            "[1, 2]",
            &[(Comment, 3, 4), (Comment, 12, 7)],
        ),
        (
            r#"{"a": 1 "b": 2}"#,
            r#"{"a": 1, "b": 2}"#,
            &[(MissingComma, 8, 0)],
        ),
        ("[\"a\tb\"]", r#"["a\tb"]"#, &[(ControlInString, 3, 1)]),
        (
            r#"["say "hi" now"]"#,
            r#"["say \"hi\" now"]"#,
            &[(InnerQuote, 6, 1), (InnerQuote, 9, 1)],
        ),
        (
            r#"[.5, 1_0]"#,
            "[0.5, 10]",
            &[(NumberFixed, 1, 2), (NumberFixed, 5, 3)],
        ),
        (
            r#"{"a": [1, "x"#,
            r#"{"a": [1, "x"]}"#,
            &[(Truncated, 12, 0)],
        ),
    ];
    for (input, meant, repairs) in cases {
        for size in [1, 2, 3, input.len()] {
            let (values, found) = read(input, size);
            assert_eq!(
                canonical(values),
                vec![json(meant)],
                "{input} in chunks of {size}"
            );
            assert_eq!(found, repairs, "{input} in chunks of {size}");
        }
    }
}

#[test]
fn valid_json_needs_no_repair() {
    let input = r#" {"a": [1, -2.5e3, "x\"y", true, null, {"b": "c"}], "d": ""} "#;
    for size in [1, 2, 5, input.len()] {
        let (values, found) = read(input, size);
        assert_eq!(canonical(values), vec![json(input)]);
        assert_eq!(found, vec![]);
    }
}

#[test]
fn a_document_that_is_a_scalar_is_its_value() {
    for (input, meant) in [
        ("42", "42"),
        (r#" "a {b}" "#, r#""a {b}""#),
        ("true", "true"),
    ] {
        for size in [1, 2, input.len()] {
            let (values, found) = read(input, size);
            assert_eq!(
                canonical(values),
                vec![json(meant)],
                "{input} in chunks of {size}"
            );
            assert_eq!(found, vec![], "{input}");
        }
    }
    // Prose before a bracket is still prose.
    let (values, found) = read(r#"42 is it: {"a": 1}"#, 3);
    assert_eq!(canonical(values), vec![json(r#"{"a": 1}"#)]);
    assert_eq!(found, vec![(RepairKind::SkippedPrefix, 0, 10)]);
}

#[test]
fn hopeless_input_fails_at_its_byte() {
    for (input, offset) in [(r#"{"a": }"#, 6), ("[1, 2 / 3]", 6), ("{a: 1, b}", 8)] {
        let mut scanner = Scanner::new(repair());
        let mut tree = TreeBuilder::default();
        let e = scanner.feed(input.as_bytes(), &mut tree).unwrap_err();
        assert_eq!(e.offset, offset, "{input}");
    }
}

/// The values and repairs of a stream, or its error (kind, offset, line, column).
type Outcome = Result<(Vec<Value>, Vec<Found>), (ErrorKind, u64, u64, u64)>;

/// The values and repairs of `input` fed in chunks of `size` bytes with `opts` (repair mode
/// on), or the error.
fn read_with(input: &[u8], opts: &Options, size: usize) -> Outcome {
    let mut scanner = Scanner::new(opts.clone());
    let mut tree = TreeBuilder::default();
    let key = |e: Error| (e.kind, e.offset, e.line, e.column);
    for chunk in input.chunks(size.max(1)) {
        scanner.feed(chunk, &mut tree).map_err(key)?;
    }
    scanner.finish(&mut tree).map_err(key)?;
    let repairs = scanner.repairs();
    Ok((
        canonical(tree.values),
        repairs
            .iter()
            .map(|r| (r.kind, r.offset, r.length))
            .collect(),
    ))
}

/// Every chunking of `input` in pieces of one size (1 to its length) reads as one feed does.
fn read_every_size(input: &[u8], opts: &Options) -> Outcome {
    let whole = read_with(input, opts, input.len());
    for size in 1..input.len() {
        assert_eq!(
            read_with(input, opts, size),
            whole,
            "{} in chunks of {size}",
            String::from_utf8_lossy(input)
        );
    }
    whole
}

#[test]
fn a_word_is_one_value_whatever_its_script() {
    // A number followed by a character beyond ASCII reads on as one word (issue 24, item 7),
    // as `20C` does; a byte at a time as in one feed (item 6).
    use RepairKind::*;
    let cases: [(&str, &str, &[Found]); 6] = [
        (
            r#"{"t": 20°C}"#,
            r#"{"t": "20°C"}"#,
            &[(UnquotedValue, 6, 5)],
        ),
        (r#"{"p": 5€}"#, r#"{"p": "5€"}"#, &[(UnquotedValue, 6, 4)]),
        ("[3½ cups]", r#"["3½ cups"]"#, &[(UnquotedValue, 1, 8)]),
        ("[1é]", r#"["1é"]"#, &[(UnquotedValue, 1, 3)]),
        (r#"{"t": 20C}"#, r#"{"t": "20C"}"#, &[(UnquotedValue, 6, 3)]),
        (
            "[-°, 1.5µs]",
            r#"["-°", "1.5µs"]"#,
            &[(UnquotedValue, 1, 3), (UnquotedValue, 6, 6)],
        ),
    ];
    for (input, meant, repairs) in cases {
        let found = read_every_size(input.as_bytes(), &repair()).unwrap();
        assert_eq!(found, (vec![json(meant)], repairs.to_vec()), "{input}");
    }
}

#[test]
fn a_literal_or_number_ends_before_the_next_item() {
    // After a space, a byte that starts the next item (a quote, a bracket, a digit, a sign,
    // `.`, a comment) ends a fixed number (item 9) or a literal (item 10), as whitespace ends
    // a number in JSON; a letter, or a word that is neither, keeps it text.
    use RepairKind::*;
    let cases: [(&str, &str, &[Found]); 13] = [
        (
            "[.5 .25 +3]",
            "[0.5, 0.25, 3]",
            &[
                (NumberFixed, 1, 2),
                (MissingComma, 4, 0),
                (NumberFixed, 4, 3),
                (MissingComma, 8, 0),
                (NumberFixed, 8, 2),
            ],
        ),
        (
            "[.5 [1]]",
            "[0.5, [1]]",
            &[(NumberFixed, 1, 2), (MissingComma, 4, 0)],
        ),
        (
            r#"[1_000 {"a": 1}]"#,
            r#"[1000, {"a": 1}]"#,
            &[(NumberFixed, 1, 5), (MissingComma, 7, 0)],
        ),
        ("[true 2]", "[true, 2]", &[(MissingComma, 6, 0)]),
        (
            "[True  'x']",
            r#"[true, "x"]"#,
            &[
                (PythonLiteral, 1, 4),
                (MissingComma, 7, 0),
                (SingleQuotes, 7, 1),
            ],
        ),
        ("{\"a\": true # c\n}", r#"{"a": true}"#, &[(Comment, 11, 3)]),
        (
            r#"{"a": true # c}"#,
            r#"{"a": true}"#,
            &[(Comment, 11, 4), (Truncated, 15, 0)],
        ),
        (
            "[1. -2, +3 #x\n]",
            "[1.0, -2, 3]",
            &[
                (NumberFixed, 1, 2),
                (MissingComma, 4, 0),
                (NumberFixed, 8, 2),
                (Comment, 11, 2),
            ],
        ),
        (
            "[null /* n */, None // x\n]",
            "[null, null]",
            &[(Comment, 6, 7), (PythonLiteral, 15, 4), (Comment, 20, 4)],
        ),
        (
            "[True Love, tru 2, - 1]",
            r#"["True Love", "tru 2", "- 1"]"#,
            &[
                (UnquotedValue, 1, 9),
                (UnquotedValue, 12, 5),
                (UnquotedValue, 19, 3),
            ],
        ),
        (
            "[1_000 apples, NaN 1]",
            r#"["1_000 apples", "NaN 1"]"#,
            &[(UnquotedValue, 1, 12), (UnquotedValue, 15, 5)],
        ),
        (
            r#"{"a": False "b": 1}"#,
            r#"{"a": false, "b": 1}"#,
            &[(PythonLiteral, 6, 5), (MissingComma, 12, 0)],
        ),
        ("[1 2]", "[1, 2]", &[(MissingComma, 3, 0)]),
    ];
    for (input, meant, repairs) in cases {
        let found = read_every_size(input.as_bytes(), &repair()).unwrap();
        assert_eq!(found, (vec![json(meant)], repairs.to_vec()), "{input}");
    }
}

fn limited(max_string_bytes: usize) -> Options {
    Options {
        max_string_bytes: Some(max_string_bytes),
        ..repair()
    }
}

fn too_long(max_string_bytes: usize, offset: u64) -> (ErrorKind, u64, u64, u64) {
    let kind = ErrorKind::StringTooLong { max_string_bytes };
    (kind, offset, 1, offset + 1)
}

#[test]
fn max_string_bytes_counts_the_bytes_of_strings_of_the_result() {
    // Item 12: a word counts only once it is text (not while it may be a literal or a
    // number, not the spaces it ends with); NaN and Infinity are text without allow_nan,
    // and a cut-off `-` too; an error is at the first byte past the limit.
    let ok: [(&str, usize, &str); 9] = [
        ("[null ]", 1, "[null]"),
        (r#"{"a": abc   }"#, 3, r#"{"a": "abc"}"#),
        ("{abc   : 1}", 3, r#"{"abc": 1}"#),
        ("[1_000_000, .5, 1.  ]", 0, "[1000000, 0.5, 1.0]"),
        ("[True , None]", 0, "[true, null]"),
        ("[-]", 1, r#"["-"]"#),
        ("[ab  cd]", 6, r#"["ab  cd"]"#),
        ("[ab /x]", 5, r#"["ab /x"]"#),
        (r#""ab" {"a": "cd"}"#, 2, r#"{"a": "cd"}"#),
    ];
    for (input, limit, meant) in ok {
        let found = read_every_size(input.as_bytes(), &limited(limit));
        assert_eq!(found.map(|(v, _)| v), Ok(vec![json(meant)]), "{input}");
    }
    let fails: [(&str, usize, u64); 7] = [
        ("[NaN]", 1, 2),
        ("[Infinity]", 2, 3),
        ("[-Infinity]", 2, 3),
        ("[-]", 0, 1),
        ("[tru]", 2, 3),
        ("[ab  cd]", 3, 4),
        ("[1.2.3]", 2, 3),
    ];
    for (input, limit, offset) in fails {
        let found = read_every_size(input.as_bytes(), &limited(limit));
        assert_eq!(found, Err(too_long(limit, offset)), "{input}");
    }
    // With allow_nan they are literals, no strings.
    let nan = Options {
        allow_nan: true,
        ..limited(0)
    };
    let found = read_every_size(b"[NaN, Infinity]", &nan).map(|(v, _)| v);
    assert_eq!(
        found,
        Ok(vec![Value::Array(vec![
            Value::NonFinite(Literal::NaN),
            Value::NonFinite(Literal::Infinity)
        ])])
    );
}

#[test]
fn valid_json_keeps_strict_limits() {
    // Items 8 and 12: valid JSON reads as in strict mode, limits included: the same value,
    // or the same error at the same place (a document that is one string fails when the
    // input ends, once it is known to be the document and not prose before one).
    let docs: [(&str, Option<usize>, Option<usize>); 9] = [
        ("[null ]", Some(1), None),
        (r#""abcd""#, Some(2), None),
        ("  \"ab\\ncd\"  ", Some(3), None),
        (r#"["abcd"]"#, Some(2), None),
        (r#"{"abcd": 1}"#, Some(3), None),
        ("\"caf\u{e9}\"", Some(4), None),
        ("123456", None, Some(3)),
        ("[123456 ]", None, Some(3)),
        ("-12", Some(0), Some(2)),
    ];
    for (input, max_string_bytes, max_int_digits) in docs {
        let opts = Options {
            max_string_bytes,
            max_int_digits,
            ..repair()
        };
        let strict = Options {
            repair: false,
            ..opts.clone()
        };
        let strict = read_with(input.as_bytes(), &strict, input.len()).map(|(v, _)| (v, vec![]));
        assert_eq!(read_every_size(input.as_bytes(), &opts), strict, "{input}");
    }
}

#[test]
fn the_repairs_only_grow() {
    // Item 13: the text ignored after the value is reported once, when the input ends.
    let mut scanner = Scanner::new(repair());
    let mut tree = TreeBuilder::default();
    scanner.feed(br#"{"a": 1} and"#, &mut tree).unwrap();
    assert_eq!(scanner.repairs(), &[]);
    scanner.feed(b" more", &mut tree).unwrap();
    assert_eq!(scanner.repairs(), &[]);
    scanner.finish(&mut tree).unwrap();
    let found: Vec<Found> = scanner
        .repairs()
        .iter()
        .map(|r| (r.kind, r.offset, r.length))
        .collect();
    assert_eq!(found, vec![(RepairKind::IgnoredSuffix, 9, 8)]);
}
