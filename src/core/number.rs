//! Number lexing: the RFC 8259 number grammar as a byte-at-a-time state machine.
//!
//! `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
//!
//! A number is complete only when a byte that cannot continue it arrives (or the input ends),
//! which is why a partial value never shows `1` that later becomes `1000`.

use crate::core::error::Expected;

/// Where the scanner is inside a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumState {
    /// After the leading `-`.
    Minus,
    /// After a leading `0` (no more integer digits may follow).
    Zero,
    /// Inside the integer digits of a number that does not start with `0`.
    Int,
    /// After the `.`.
    Dot,
    /// Inside the fraction digits.
    Frac,
    /// After `e` or `E`.
    Exp,
    /// After the exponent's sign.
    ExpSign,
    /// Inside the exponent digits.
    ExpDigits,
}

/// The outcome of one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumStep {
    /// The byte belongs to the number.
    Continue(NumState),
    /// The byte does not belong to the number, which is complete before it.
    End,
    /// The byte is wrong here.
    Invalid(Expected),
    /// `-I`: with `allow_nan` this starts `-Infinity`.
    NegInfinity,
}

impl NumState {
    /// The state after the first byte of a number (`-` or a digit).
    #[inline]
    pub fn start(first: u8) -> NumState {
        match first {
            b'-' => NumState::Minus,
            b'0' => NumState::Zero,
            _ => NumState::Int,
        }
    }

    /// Feeds one byte.
    #[inline]
    pub fn step(self, b: u8, allow_nan: bool) -> NumStep {
        use NumState::*;
        let digit = b.is_ascii_digit();
        let next = match self {
            Minus if b == b'0' => Zero,
            Minus if digit => Int,
            Minus if b == b'I' && allow_nan => return NumStep::NegInfinity,
            Minus => return NumStep::Invalid(Expected::Digit),
            Int if digit => Int,
            Zero | Int if b == b'.' => Dot,
            Zero | Int | Frac if b == b'e' || b == b'E' => Exp,
            Dot if digit => Frac,
            Dot => return NumStep::Invalid(Expected::Digit),
            Frac if digit => Frac,
            Exp if b == b'+' || b == b'-' => ExpSign,
            Exp if digit => ExpDigits,
            Exp => return NumStep::Invalid(Expected::ExponentStart),
            ExpSign if digit => ExpDigits,
            ExpSign => return NumStep::Invalid(Expected::Digit),
            ExpDigits if digit => ExpDigits,
            Zero | Int | Frac | ExpDigits => return NumStep::End,
        };
        NumStep::Continue(next)
    }

    /// Whether the number read so far is a complete number.
    #[inline]
    pub fn is_complete(self) -> bool {
        matches!(
            self,
            NumState::Zero | NumState::Int | NumState::Frac | NumState::ExpDigits
        )
    }

    /// Whether the number read so far is an integer (no fraction, no exponent).
    #[inline]
    pub fn is_integer(self) -> bool {
        matches!(self, NumState::Zero | NumState::Int)
    }

    /// What an incomplete number still needs.
    pub fn expected(self) -> Expected {
        if self == NumState::Exp {
            Expected::ExponentStart
        } else {
            Expected::Digit
        }
    }
}

/// Fast path for a number that ends inside `bytes` (which starts at its first byte): the
/// length of the number and whether it is an integer, if the byte after it cannot continue it.
/// `None` sends the caller to the byte-at-a-time machine (cut by the chunk end, or invalid).
#[inline]
pub fn whole_number(bytes: &[u8]) -> Option<(usize, bool)> {
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(i),
        _ => return None,
    }
    let mut integer = true;
    if bytes.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
        integer = false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let n = digits(i + 1 + sign);
        if n == 0 {
            return None;
        }
        i += 1 + sign + n;
        integer = false;
    }
    // The number must be followed by a byte that cannot continue it, inside this chunk.
    match bytes.get(i) {
        Some(b) if !b.is_ascii_digit() && !matches!(b, b'.' | b'e' | b'E') => Some((i, integer)),
        _ => None,
    }
}
