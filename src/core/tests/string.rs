//! Table tests of string lexing: escapes, surrogates, runs, held UTF-8, SWAR prefixes.

use crate::core::error::Expected;
use crate::core::string::{
    check_run, content_len, plain_ascii_len, Decoded, Escapes, PendingUtf8, RawSurrogates,
    RunCheck, RunError, Utf8Progress,
};

fn decode(escape_body: &[u8]) -> Result<(Vec<u8>, bool), Expected> {
    let mut esc = Escapes::default();
    let mut out = Vec::new();
    let mut wtf8 = false;
    for &b in escape_body {
        if esc.is_idle() {
            assert_eq!(b, b'\\');
            esc.begin();
            continue;
        }
        let mut d = Decoded::default();
        let consumed = esc.step(b, &mut d)?;
        out.extend_from_slice(d.as_bytes());
        wtf8 |= d.wtf8;
        assert!(consumed, "test input is escapes only");
    }
    let mut d = Decoded::default();
    esc.flush_high(&mut d);
    out.extend_from_slice(d.as_bytes());
    Ok((out, wtf8 | d.wtf8))
}

#[test]
fn escapes_table() {
    let cases: &[(&[u8], &[u8], bool)] = &[
        (b"\\n", b"\n", false),
        (b"\\\"", b"\"", false),
        (b"\\/", b"/", false),
        (b"\\u0041", b"A", false),
        (b"\\u00e9", "é".as_bytes(), false),
        (b"\\uD83D\\uDE00", "😀".as_bytes(), false),
        (b"\\ud83d\\ude00", "😀".as_bytes(), false),
        (b"\\uD800", b"\xED\xA0\x80", true),
        (b"\\uDC00", b"\xED\xB0\x80", true),
        (b"\\uD800\\u0041", b"\xED\xA0\x80A", true),
    ];
    for (input, want, want_wtf8) in cases {
        assert_eq!(decode(input), Ok((want.to_vec(), *want_wtf8)), "{input:?}");
    }
    // A high surrogate followed by a pair: the first stays lone, the pair combines.
    let (out, wtf8) = decode(b"\\uD800\\uD83D\\uDE00").unwrap();
    assert_eq!(out, [b"\xED\xA0\x80".as_slice(), "😀".as_bytes()].concat());
    assert!(wtf8);
}

#[test]
fn bad_escapes() {
    assert_eq!(decode(b"\\x"), Err(Expected::EscapeChar));
    assert_eq!(decode(b"\\u00G0"), Err(Expected::HexDigit));
    assert_eq!(decode(b"\\uD800\\x"), Err(Expected::EscapeChar));
}

#[test]
fn plain_ascii_prefix() {
    let naive = |b: &[u8]| {
        b.iter()
            .position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c))
            .unwrap_or(b.len())
    };
    let samples: &[&[u8]] = &[
        b"",
        b"abc",
        b"title\"",
        b"0123456789abcdef\"",
        b"0123456789abcdefg\\",
        b"a\x01",
        b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x80",
        "ééé".as_bytes(),
        b"!#$%&'()*+,-./\x1f",
        b"\x00\x00\x00\x00\x00\x00\x00\x00",
        b"        \"       ",
    ];
    for s in samples {
        assert_eq!(plain_ascii_len(s), naive(s), "{s:?}");
    }
    // Every byte value at every position of a 16-byte word pair.
    for pos in 0..16 {
        for b in 0..=255u8 {
            let mut buf = [b'x'; 16];
            buf[pos] = b;
            assert_eq!(plain_ascii_len(&buf), naive(&buf), "byte {b:#x} at {pos}");
        }
    }
}

#[test]
fn content_prefix() {
    let naive = |b: &[u8]| {
        b.iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .unwrap_or(b.len())
    };
    for pos in 0..16 {
        for b in 0..=255u8 {
            for fill in [b'x', 0xC3, 0xFF, 0x80] {
                let mut buf = [fill; 16];
                buf[pos] = b;
                assert_eq!(
                    content_len(&buf),
                    naive(&buf),
                    "byte {b:#x} at {pos} in {fill:#x}"
                );
            }
        }
    }
}

#[test]
fn runs() {
    assert_eq!(
        check_run(b"plain", false, RawSurrogates::Invalid).error,
        None
    );
    assert_eq!(
        check_run(b"a\x01b", false, RawSurrogates::Invalid),
        RunCheck {
            valid: 1,
            continuation_bytes: 0,
            error: Some(RunError::Control(1)),
            detected: 1,
            wtf8: false,
        }
    );
    let e = "é".as_bytes();
    assert_eq!(
        check_run(e, false, RawSurrogates::Invalid).continuation_bytes,
        1
    );
    assert_eq!(
        check_run(&e[..1], true, RawSurrogates::Invalid),
        RunCheck {
            valid: 0,
            continuation_bytes: 0,
            error: None,
            detected: 1,
            wtf8: false,
        }
    );
    assert_eq!(
        check_run(&e[..1], false, RawSurrogates::Invalid).error,
        Some(RunError::Utf8)
    );
    assert_eq!(
        check_run(b"ab\xFFcd", true, RawSurrogates::Invalid).valid,
        2
    );
    assert_eq!(
        check_run(b"ab\xFFcd", true, RawSurrogates::Invalid).error,
        Some(RunError::Utf8)
    );
    // The byte that proves a sequence invalid: the byte itself if it can never start a
    // character, else the first byte that does not continue it.
    assert_eq!(
        check_run(b"ab\xFFcd", true, RawSurrogates::Invalid).detected,
        2
    );
    assert_eq!(
        check_run(b"a\xF0\x9F+", true, RawSurrogates::Invalid).detected,
        3
    );
    assert_eq!(
        check_run(b"a\xC3(", true, RawSurrogates::Invalid).detected,
        2
    );
    assert_eq!(
        check_run(b"a\xED\xA0\x80", true, RawSurrogates::Invalid).detected,
        2
    );
    assert_eq!(
        check_run(b"a\xC3", false, RawSurrogates::Invalid).detected,
        2
    );
    // An encoded surrogate is not UTF-8.
    assert_eq!(
        check_run(b"\xED\xA0\x80", true, RawSurrogates::Invalid).error,
        Some(RunError::Utf8)
    );
    let long = "x".repeat(40) + "\u{1F600}" + &"y".repeat(40);
    assert_eq!(
        check_run(long.as_bytes(), false, RawSurrogates::Invalid).continuation_bytes,
        3
    );
}

#[test]
fn runs_of_wtf8() {
    use RawSurrogates::{Keep, Refuse};
    // A lone surrogate (U+D800, U+DFFF) in WTF-8, kept from text input wherever it is.
    let run = b"a\xED\xA0\x80b\xC3\xA9\xED\xBF\xBFc";
    let kept = check_run(run, false, Keep);
    assert_eq!(kept.valid, run.len());
    assert_eq!(kept.error, None);
    assert!(kept.wtf8);
    // One character each: columns count its first byte only.
    assert_eq!(kept.continuation_bytes, 5);
    assert!(!check_run(b"a\xC3\xA9", false, Keep).wtf8);
    // Refused: an error at its first byte.
    let refused = check_run(b"ab\xED\xA0\x80", false, Refuse);
    assert_eq!(
        (refused.valid, refused.error),
        (2, Some(RunError::LoneSurrogate))
    );
    assert_eq!(refused.detected, 2);
    // A surrogate cut short, or followed by invalid bytes, is still invalid UTF-8.
    assert_eq!(
        check_run(b"\xED\xA0\x41", false, Keep).error,
        Some(RunError::Utf8)
    );
    assert_eq!(check_run(b"\xED\xA0\x80\xFF", false, Keep).valid, 3);
    assert_eq!(
        check_run(b"\xED\xA0\x80\xFF", false, Keep).error,
        Some(RunError::Utf8)
    );
    // The first bytes of one, cut by the end of the chunk, wait for the rest.
    for cut in [&b"x\xED"[..], b"x\xED\xA0"] {
        let check = check_run(cut, true, Keep);
        assert_eq!((check.valid, check.error), (1, None));
        assert_eq!(check_run(cut, false, Keep).error, Some(RunError::Utf8));
    }
}

#[test]
fn pending_utf8() {
    let bytes = "😀".as_bytes();
    let mut p = PendingUtf8::default();
    p.hold(&bytes[..1]);
    assert_eq!(p.push(&bytes[1..2]), Utf8Progress::NeedMore);
    assert_eq!(p.push(&bytes[2..]), Utf8Progress::Complete(2));
    assert_eq!(p.bytes(), bytes);
    let mut q = PendingUtf8::default();
    q.hold(&bytes[..2]);
    assert_eq!(q.push(b"\""), Utf8Progress::Invalid);
}
