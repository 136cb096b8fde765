//! What repair mode (`Options::repair`) decides from bytes alone: which bytes may start or
//! continue an unquoted word, which end a string after a held quote, and what a finished
//! unquoted word is (a literal, a fixed number, or text). The state machine that uses these
//! lives in `scanner/repair_states.rs`; everything here is a pure function, tested on its own.

use crate::core::sink::Literal;

/// Whether `b` ends an unquoted value (`{"city": New York}`) besides a tab (which ends any
/// word): a structural byte of the container it is in, the end of its line, or a double quote (the next key or item, its
/// comma missing: `{"ok": true "n": 1}`).
#[inline]
pub fn ends_word_value(b: u8) -> bool {
    matches!(b, b',' | b'}' | b']' | b'\n' | b'\r' | b'"')
}

/// Whether `b` ends an unquoted key (`{first name: "Ada"}`) besides a tab: its colon, or
/// the end of its line (the colon may follow on the next).
#[inline]
pub fn ends_word_key(b: u8) -> bool {
    matches!(b, b':' | b'\n' | b'\r')
}

/// Whether `b` may not be part of an unquoted key (a structural byte or a quote: the key is
/// missing its colon).
#[inline]
pub fn refused_in_key(b: u8) -> bool {
    matches!(b, b',' | b'{' | b'}' | b'[' | b']' | b'"')
}

/// Whether `b` may begin an unquoted key or value: not whitespace, a control character, a
/// quote, a structural byte, or the start of a comment.
#[inline]
pub fn starts_word(b: u8) -> bool {
    b > b' '
        && !matches!(
            b,
            b',' | b':' | b'{' | b'}' | b'[' | b']' | b'"' | b'\'' | b'/' | b'#'
        )
}

/// Whether `b`, right after a number, makes it a word instead (`1_000`, `12px`, `007`, `1.2.3`,
/// `2024-05-01`, `10:30`, `45%`): the number is judged with what follows it, as one token.
/// Any byte of a character beyond ASCII does too (`20°C`, `5€`, `3½`): a word is one value
/// whatever script it is written in, and such a byte never ends a number in JSON anyway.
#[inline]
pub fn continues_number_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'_' | b'.' | b'-' | b'+' | b':' | b'%')
}

/// Whether `b` after a held quote ends the string whatever came before it: the structural
/// bytes that can only follow a complete string.
#[inline]
pub fn closes_string(b: u8) -> bool {
    matches!(b, b',' | b'}' | b']' | b':')
}

/// Whether `b`, after a held quote and whitespace, starts the next item rather than
/// continuing the text (`["a" "b"]`, `["a" 1]`, `"a" // note`); a letter continues it
/// (`"he said "hi" to me"`).
#[inline]
pub fn starts_next_item(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'\'' | b'{' | b'[' | b'/' | b'#' | b'-' | b'0'..=b'9'
    )
}

/// Whether `b`, after an unquoted literal or number and a space, starts the next item, so
/// that the word ends there as whitespace ends a number in JSON (`[true 2]`, `[.5 [1]]`,
/// `[.5 .25]`, `{"a": true # note}`): what starts the next item after a held quote, and a
/// `+` or `.` (numbers as models write them). A letter continues the word as text
/// (`True Love`).
#[inline]
pub fn ends_atom_word(b: u8) -> bool {
    starts_next_item(b) || matches!(b, b'+' | b'.')
}

/// Whether the quote at `rest[end]` certainly ends its string in repair mode: the next byte
/// that is not whitespace is in `rest` and [`closes_string`].
#[inline]
pub fn close_is_certain(rest: &[u8], end: usize) -> bool {
    rest[end + 1..]
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| closes_string(b))
}

/// The words a literal may be written as in repair mode.
const LITERAL_WORDS: [&[u8]; 9] = [
    b"true",
    b"false",
    b"null",
    b"True",
    b"False",
    b"None",
    b"NaN",
    b"Infinity",
    b"-Infinity",
];

/// Whether `word` is a prefix of (or is) a word a literal may be written as: `NaN`,
/// `Infinity` and `-Infinity` only with `allow_nan` (otherwise they are text, and text counts
/// against `max_string_bytes` from its first byte).
#[inline]
pub fn may_be_literal(word: &[u8], allow_nan: bool) -> bool {
    let words = if allow_nan {
        &LITERAL_WORDS[..]
    } else {
        &LITERAL_WORDS[..6]
    };
    words.iter().any(|full| full.starts_with(word))
}

/// Where an unquoted word is in the grammar of the numbers [`fix_number`] rewrites, byte by
/// byte, so that whether a word may still be a number (and is one so far) costs O(1) a byte:
/// `[+-]? D? (. D?)? ([eE] [+-]? D?)?`, `D` digits with single `_` between them, and a digit
/// before the exponent. Tested against [`fix_number`] on every short word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumWord {
    /// Nothing read.
    Start,
    /// A sign.
    Sign,
    /// Digits of the integer part.
    Int,
    /// An `_` after integer digits.
    IntScore,
    /// A `.` with no integer digits before it (`.5`).
    Dot,
    /// A `.` after integer digits (`1.`).
    Point,
    /// Digits of the fraction.
    Frac,
    /// An `_` after fraction digits.
    FracScore,
    /// An `e` or `E` after digits.
    Exp,
    /// The exponent's sign.
    ExpSign,
    /// Digits of the exponent.
    ExpDigits,
    /// An `_` after exponent digits.
    ExpScore,
    /// No number starts with what was read.
    Dead,
}

impl NumWord {
    /// The state of `word` read from the start.
    pub fn of(word: &[u8]) -> NumWord {
        word.iter().fold(NumWord::Start, |state, &b| state.step(b))
    }

    /// The state after one more byte.
    #[inline]
    pub fn step(self, b: u8) -> NumWord {
        use NumWord::*;
        let digit = b.is_ascii_digit();
        match (self, b) {
            (Start, b'+' | b'-') => Sign,
            (Start | Sign, b'.') => Dot,
            (Start | Sign | Int | IntScore, _) if digit => Int,
            (Int, b'_') => IntScore,
            (Int, b'.') => Point,
            (Int | Point | Frac, b'e' | b'E') => Exp,
            (Dot | Point | Frac | FracScore, _) if digit => Frac,
            (Frac, b'_') => FracScore,
            (Exp, b'+' | b'-') => ExpSign,
            (Exp | ExpSign | ExpDigits | ExpScore, _) if digit => ExpDigits,
            (ExpDigits, b'_') => ExpScore,
            _ => Dead,
        }
    }

    /// Whether what was read is a number [`fix_number`] rewrites (`1`, `.5`, `1.`, `1e`).
    #[inline]
    pub fn is_number(self) -> bool {
        use NumWord::*;
        matches!(self, Int | Point | Frac | Exp | ExpSign | ExpDigits)
    }
}

/// What a finished unquoted value is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Word {
    /// A literal; `repaired` when written the Python way (`True`, `False`, `None`) or cut short
    /// at the end of input (`tru`).
    Literal { literal: Literal, repaired: bool },
    /// A number, rewritten as JSON (`.5` is `0.5`).
    Number { text: Vec<u8>, is_integer: bool },
    /// Anything else: a string of the word's text.
    Text,
}

/// Judges an unquoted value (trailing whitespace already trimmed). `at_end`: the input ended
/// right after it, so a prefix of a literal stands for that literal.
pub fn classify_word(word: &[u8], allow_nan: bool, at_end: bool) -> Word {
    let literal = |literal, repaired| Word::Literal { literal, repaired };
    match word {
        b"true" => return literal(Literal::True, false),
        b"false" => return literal(Literal::False, false),
        b"null" => return literal(Literal::Null, false),
        b"True" => return literal(Literal::True, true),
        b"False" => return literal(Literal::False, true),
        b"None" => return literal(Literal::Null, true),
        b"NaN" if allow_nan => return literal(Literal::NaN, false),
        b"Infinity" if allow_nan => return literal(Literal::Infinity, false),
        b"-Infinity" if allow_nan => return literal(Literal::NegInfinity, false),
        _ => {}
    }
    if let Some((text, is_integer)) = fix_number(word) {
        return Word::Number { text, is_integer };
    }
    if at_end {
        if let Some(lit) = literal_cut_short(word) {
            return literal(lit, true);
        }
    }
    Word::Text
}

/// The literal that `word` is a proper prefix of, if any (`tru`, `Fals`, `n`).
fn literal_cut_short(word: &[u8]) -> Option<Literal> {
    const WORDS: [(&[u8], Literal); 6] = [
        (b"true", Literal::True),
        (b"false", Literal::False),
        (b"null", Literal::Null),
        (b"True", Literal::True),
        (b"False", Literal::False),
        (b"None", Literal::Null),
    ];
    WORDS
        .iter()
        .find(|(full, _)| !word.is_empty() && word.len() < full.len() && full.starts_with(word))
        .map(|&(_, lit)| lit)
}

/// A number as models write it when they do not write JSON, rewritten as JSON: a `+` sign,
/// `_` between digits, a missing integer part (`.5`) or fraction (`1.`), an exponent without
/// digits (`1e`), leading zeros. `None` if `word` is not such a number (`1.2.3`, `12px`).
pub fn fix_number(word: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut i = 0;
    let negative = match word.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let (int_digits, next) = digits_with_underscores(word, i)?;
    i = next;
    let mut frac_digits = None;
    if word.get(i) == Some(&b'.') {
        let (digits, next) = digits_with_underscores(word, i + 1)?;
        frac_digits = Some(digits);
        i = next;
    }
    if int_digits.is_empty() && frac_digits.as_ref().is_none_or(|d| d.is_empty()) {
        return None;
    }
    let mut exponent = None;
    if matches!(word.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign = match word.get(i) {
            Some(&s @ (b'+' | b'-')) => {
                i += 1;
                Some(s)
            }
            _ => None,
        };
        let (digits, next) = digits_with_underscores(word, i)?;
        i = next;
        if !digits.is_empty() {
            exponent = Some((sign, digits));
        }
    }
    if i != word.len() {
        return None;
    }
    let mut text = Vec::with_capacity(word.len() + 2);
    if negative {
        text.push(b'-');
    }
    let significant = int_digits.iter().position(|&d| d != b'0');
    match significant {
        Some(first) => text.extend_from_slice(&int_digits[first..]),
        None => text.push(b'0'),
    }
    if let Some(frac) = &frac_digits {
        text.push(b'.');
        if frac.is_empty() {
            text.push(b'0');
        } else {
            text.extend_from_slice(frac);
        }
    }
    if let Some((sign, digits)) = &exponent {
        text.push(b'e');
        if let Some(sign) = sign {
            text.push(*sign);
        }
        text.extend_from_slice(digits);
    }
    let is_integer = frac_digits.is_none() && exponent.is_none();
    Some((text, is_integer))
}

/// The digits from `word[from..]`, with single `_` between digits dropped; `None` if an
/// underscore is not between two digits. Returns the digits and where they end.
fn digits_with_underscores(word: &[u8], from: usize) -> Option<(Vec<u8>, usize)> {
    let mut digits = Vec::new();
    let mut i = from;
    while let Some(&b) = word.get(i) {
        match b {
            b'0'..=b'9' => digits.push(b),
            b'_' if !digits.is_empty() && word.get(i + 1).is_some_and(u8::is_ascii_digit) => {}
            b'_' => return None,
            _ => break,
        }
        i += 1;
    }
    Some((digits, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(word: &str) -> Option<(String, bool)> {
        fix_number(word.as_bytes()).map(|(t, i)| (String::from_utf8(t).unwrap(), i))
    }

    #[test]
    fn numbers_are_rewritten_as_json() {
        let cases = [
            (".5", Some(("0.5", false))),
            ("-.5", Some(("-0.5", false))),
            ("+1", Some(("1", true))),
            ("1_000", Some(("1000", true))),
            ("1.", Some(("1.0", false))),
            ("1e", Some(("1", true))),
            ("1e+", Some(("1", true))),
            ("2E-3", Some(("2e-3", false))),
            ("007", Some(("7", true))),
            ("0", Some(("0", true))),
            ("1.2.3", None),
            ("12px", None),
            ("_1", None),
            ("1__0", None),
            ("1_", None),
            ("+", None),
            (".", None),
            ("-", None),
            ("e5", None),
        ];
        for (word, want) in cases {
            let want = want.map(|(t, i)| (t.to_string(), i));
            assert_eq!(fixed(word), want, "{word}");
        }
    }

    #[test]
    fn words_are_literals_numbers_or_text() {
        let lit = |literal, repaired| Word::Literal { literal, repaired };
        assert_eq!(
            classify_word(b"True", false, false),
            lit(Literal::True, true)
        );
        assert_eq!(
            classify_word(b"null", false, false),
            lit(Literal::Null, false)
        );
        assert_eq!(classify_word(b"NaN", false, false), Word::Text);
        assert_eq!(classify_word(b"NaN", true, false), lit(Literal::NaN, false));
        assert_eq!(classify_word(b"tru", false, false), Word::Text);
        assert_eq!(classify_word(b"tru", false, true), lit(Literal::True, true));
        assert_eq!(classify_word(b"Non", false, true), lit(Literal::Null, true));
        assert_eq!(classify_word(b"New York", false, true), Word::Text);
        assert_eq!(
            classify_word(b"+2", false, false),
            Word::Number {
                text: b"2".to_vec(),
                is_integer: true
            }
        );
    }

    #[test]
    fn num_word_follows_fix_number_on_every_short_word() {
        // Every word of up to five bytes over the bytes that matter: the state machine says
        // "a number" exactly when fix_number rewrites the word, and "dead" exactly when no
        // longer word starting with it is one (two more bytes always suffice to finish one).
        const ALPHABET: &[u8] = b"01_.eE+-x";
        fn words(len: usize) -> Vec<Vec<u8>> {
            (0..len).fold(vec![vec![]], |words, _| {
                words
                    .iter()
                    .flat_map(|w| {
                        ALPHABET.iter().map(move |&b| {
                            let mut w = w.clone();
                            w.push(b);
                            w
                        })
                    })
                    .collect()
            })
        }
        let tails: Vec<Vec<u8>> = (0..=2).flat_map(words).collect();
        for len in 0..=5 {
            for word in words(len) {
                let state = NumWord::of(&word);
                assert_eq!(state.is_number(), fix_number(&word).is_some(), "{word:?}");
                let alive = tails.iter().any(|tail| {
                    let longer = [&word[..], tail].concat();
                    fix_number(&longer).is_some()
                });
                assert_eq!(state != NumWord::Dead, alive, "{word:?}");
            }
        }
    }

    #[test]
    fn nan_and_infinity_are_literal_words_only_with_allow_nan() {
        assert!(may_be_literal(b"Na", true));
        assert!(!may_be_literal(b"Na", false));
        assert!(!may_be_literal(b"I", false));
        assert!(may_be_literal(b"N", false)); // None
        assert!(may_be_literal(b"-Inf", true));
    }

    #[test]
    fn a_close_is_certain_only_when_the_next_byte_says_so() {
        assert!(close_is_certain(b"a\" ,", 1));
        assert!(close_is_certain(b"a\"}", 1));
        assert!(!close_is_certain(b"a\" ", 1));
        assert!(!close_is_certain(b"a\"b", 1));
        assert!(!close_is_certain(b"a\" \"", 1));
    }
}
