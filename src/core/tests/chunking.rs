//! Properties: any chunking of any input gives the same events and the same error, and valid
//! documents agree with serde_json.

use proptest::prelude::*;

use super::scan_chunks;
use super::table::{canonical, from_serde};
use crate::core::{Options, Scanner, TreeBuilder};

/// Splits `input` at the (sorted, deduplicated) cut points.
fn split<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut chunks = Vec::new();
    let mut start = 0;
    for p in points {
        chunks.push(&input[start..p]);
        start = p;
    }
    chunks.push(&input[start..]);
    chunks
}

/// The repairs lenient mode reports after feeding `chunks` (whatever the outcome).
fn repairs_of<'a>(
    opts: &Options,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<crate::core::Repair> {
    let mut scanner = Scanner::new(opts.clone());
    let mut log = crate::core::EventLog::default();
    for chunk in chunks {
        if scanner.feed(chunk, &mut log).is_err() {
            break;
        }
    }
    let _ = scanner.finish(&mut log);
    scanner.repairs().to_vec()
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
        // Characters that need escapes, and astral ones that need surrogate pairs.
        prop::collection::vec(prop::char::range('\u{0}', '\u{10FFFF}'), 0..6)
            .prop_map(|cs| serde_json::Value::String(cs.into_iter().collect())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z\u{e9}\u{1F600}]{0,4}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Serialises with whitespace sprinkled between tokens, and `\uXXXX` escapes for some
/// characters, so the scanner sees every kind of token boundary.
fn spaced(value: &serde_json::Value, ws: &mut impl Iterator<Item = u8>) -> String {
    let pad = |ws: &mut dyn Iterator<Item = u8>| -> &'static str {
        match ws.next().unwrap_or(0) % 5 {
            0 => "",
            1 => " ",
            2 => "\n",
            3 => "\t\r\n ",
            _ => "",
        }
    };
    match value {
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| format!("{}{}{}", pad(ws), spaced(v, ws), pad(ws)))
                .collect();
            format!("[{}{}]", parts.join(","), pad(ws))
        }
        serde_json::Value::Object(members) => {
            let parts: Vec<String> = members
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}{}{}:{}{}",
                        pad(ws),
                        escaped(k, ws),
                        pad(ws),
                        pad(ws),
                        spaced(v, ws)
                    )
                })
                .collect();
            format!("{{{}{}}}", parts.join(","), pad(ws))
        }
        serde_json::Value::String(s) => escaped(s, ws),
        other => other.to_string(),
    }
}

fn escaped(s: &str, ws: &mut dyn Iterator<Item = u8>) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        let force_escape = ws.next().unwrap_or(0) % 4 == 0;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || force_escape => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn valid_documents_any_chunking(value in json_value(), ws in prop::collection::vec(any::<u8>(), 64), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let text = spaced(&value, &mut ws.into_iter().cycle());
        let input = text.as_bytes();
        let opts = Options::default();
        let (whole, whole_end) = scan_chunks(&opts, [input]);
        prop_assert!(whole_end.is_ok(), "{text}: {whole_end:?}");
        let (pieces, pieces_end) = scan_chunks(&opts, split(input, &cuts));
        prop_assert_eq!(&whole, &pieces);
        prop_assert_eq!(whole_end, pieces_end);
        // And the value agrees with serde_json.
        let mut scanner = Scanner::new(opts);
        let mut tree = TreeBuilder::default();
        for chunk in split(input, &cuts) {
            scanner.feed(chunk, &mut tree).unwrap();
        }
        scanner.finish(&mut tree).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(canonical(tree.values), vec![from_serde(&theirs)]);
    }

    #[test]
    fn any_bytes_any_chunking_same_events_and_error(
        input in prop::collection::vec(prop::sample::select(b"[]{}:,\"\\ \n0123456789-+.eEtruefalsnNIy\xC3\xA9\xF0\x9F\x98\x80\xFFu\x01`H'/*#T_\t".to_vec()), 0..40),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
        multiple in any::<bool>(),
        allow_nan in any::<bool>(),
        max_string_bytes in prop::option::of(0usize..6),
        lenient in any::<bool>(),
        lone_surrogates in any::<bool>(),
        repair in any::<bool>(),
    ) {
        let lenient = lenient || repair;
        let opts = Options { multiple, allow_nan, max_string_bytes, lenient, lone_surrogates, repair, max_depth: 4, ..Options::default() };
        let (whole, whole_end) = scan_chunks(&opts, [input.as_slice()]);
        let (pieces, pieces_end) = scan_chunks(&opts, split(&input, &cuts));
        prop_assert_eq!(whole, pieces);
        prop_assert_eq!(whole_end, pieces_end);
        prop_assert_eq!(repairs_of(&opts, [input.as_slice()]), repairs_of(&opts, split(&input, &cuts)));
    }

    #[test]
    fn a_replayed_tape_gives_the_events_of_a_direct_scan(
        input in prop::collection::vec(prop::sample::select(b"[]{}:,\"\\ \n0123456789-.etruefalsnu\xC3\xA9\xF0\x9F\x98\x80d8".to_vec()), 0..60),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        // Each chunk scanned into a tape then replayed, as the extension does for big chunks.
        let opts = Options { multiple: true, ..Options::default() };
        let (direct, direct_end) = scan_chunks(&opts, split(&input, &cuts));
        let mut scanner = Scanner::new(opts);
        let mut log = crate::core::EventLog::default();
        let mut end = Ok(());
        for chunk in split(&input, &cuts) {
            let mut tape = crate::core::Tape::for_chunk(chunk);
            let fed = scanner.feed(chunk, &mut tape);
            tape.replay(&mut log);
            if fed.is_err() {
                end = fed;
                break;
            }
        }
        if end.is_ok() {
            end = scanner.finish(&mut log);
        }
        prop_assert_eq!(direct, log);
        prop_assert_eq!(direct_end, end);
    }

    #[test]
    fn byte_at_a_time_equals_one_feed(value in json_value()) {
        let text = value.to_string();
        let bytes: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        let opts = Options::default();
        prop_assert_eq!(scan_chunks(&opts, [text.as_bytes()]), scan_chunks(&opts, bytes));
    }

    #[test]
    fn pending_bytes_are_the_unfinished_token(value in json_value(), cut in any::<usize>()) {
        // Whatever the chunking, after each feed the pending bytes are the last bytes fed of
        // the token being read: a number or literal's text so far, or a string's undecoded
        // tail (never more than a surrogate pair of escapes).
        let text = value.to_string();
        let input = text.as_bytes();
        let at = cut % (input.len() + 1);
        let mut scanner = Scanner::new(Options::default());
        let mut tree = TreeBuilder::default();
        scanner.feed(&input[..at], &mut tree).unwrap();
        let pending = scanner.pending_bytes() as usize;
        let token = &input[at - pending..at];
        match scanner.tail_state() {
            "number" => prop_assert!(!token.is_empty() && token.iter().all(|b| b"-+.eE0123456789".contains(b))),
            "literal" => prop_assert!(["true", "false", "null"].iter().any(|w| w.as_bytes().starts_with(token) && !token.is_empty())),
            "string" | "key_string" => prop_assert!(pending <= 12 && (pending == 0 || token[0] == b'\\' || token[0] >= 0x80)),
            _ => prop_assert_eq!(pending, 0),
        }
    }
}
