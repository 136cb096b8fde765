//! Table tests of the number grammar machine and its whole-number fast path.

use crate::core::error::Expected;
use crate::core::number::{whole_number, NumState, NumStep};

/// Runs the machine over `text` followed by a space; returns the length of the number it
/// accepted, or the index and expectation of the first bad byte.
fn lex(text: &str) -> Result<usize, (usize, Expected)> {
    let bytes = text.as_bytes();
    let mut state = NumState::start(bytes[0]);
    for (i, &b) in bytes
        .iter()
        .enumerate()
        .skip(1)
        .chain([(bytes.len(), &b' ')])
    {
        match state.step(b, false) {
            NumStep::Continue(s) => state = s,
            NumStep::End => return Ok(i),
            NumStep::Invalid(e) => return Err((i, e)),
            NumStep::NegInfinity => unreachable!("allow_nan is off"),
        }
    }
    unreachable!("the trailing space always ends the number")
}

#[test]
fn grammar_table() {
    for ok in [
        "0", "-0", "1", "-1", "10", "1.5", "0.0", "-0.25", "1e5", "1E+5", "1e-05", "0e0",
        "12.34e56",
    ] {
        assert_eq!(lex(ok), Ok(ok.len()), "{ok}");
    }
    // A number ends where its grammar stops; the byte after it is judged by the caller.
    assert_eq!(lex("01"), Ok(1));
    assert_eq!(lex("1-"), Ok(1));
    assert_eq!(lex("1.5.3"), Ok(3));
    assert_eq!(lex("-"), Err((1, Expected::Digit)));
    assert_eq!(lex("-a"), Err((1, Expected::Digit)));
    assert_eq!(lex("1."), Err((2, Expected::Digit)));
    assert_eq!(lex("1.e3"), Err((2, Expected::Digit)));
    assert_eq!(lex("1e"), Err((2, Expected::ExponentStart)));
    assert_eq!(lex("1e+"), Err((3, Expected::Digit)));
    assert_eq!(lex("-.5"), Err((1, Expected::Digit)));
}

#[test]
fn whole_number_agrees_with_the_machine() {
    for text in [
        "0 ", "-0,", "12]", "1.5}", "-2.5e-3 ", "1E9,", "01", "1.", "1e", "-", "12", "1.5.", "0x",
        "-a", "1e+", "9.9e9e",
    ] {
        let want = match lex(text.trim_end()) {
            Ok(n) if n < text.len() => {
                let b = text.as_bytes()[n];
                (!b.is_ascii_digit() && !matches!(b, b'.' | b'e' | b'E'))
                    .then(|| (n, !text[..n].contains(['.', 'e', 'E'])))
            }
            _ => None,
        };
        assert_eq!(whole_number(text.as_bytes()), want, "{text}");
    }
}

#[test]
fn neg_infinity_only_with_allow_nan() {
    assert_eq!(NumState::Minus.step(b'I', true), NumStep::NegInfinity);
    assert_eq!(
        NumState::Minus.step(b'I', false),
        NumStep::Invalid(Expected::Digit)
    );
}
