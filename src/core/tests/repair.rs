//! Repair mode: what each kind of repair reads, where it is reported, byte by byte as in one
//! feed; valid JSON needs none; hopeless input fails at its byte.

use super::table::{canonical, from_serde};
use crate::core::{Options, RepairKind, Scanner, TreeBuilder, Value};

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
