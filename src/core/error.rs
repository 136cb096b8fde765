//! Errors of the scanner: what was expected, what was found, and where.
//!
//! Every error carries the byte offset of the first invalid byte (or of the end of input when
//! the input merely stopped early), the 1-based line and the 1-based column counted in
//! characters, plus a short excerpt of the input that led to it. `is_eof()` tells a caller
//! whether more input could have fixed the document, the way serde_json's `Category::Eof` does.

use std::fmt;

use crate::core::sink::Literal;

/// What the scanner was ready to accept when it met something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Any JSON value.
    Value,
    /// A value or the `]` closing an empty array.
    ValueOrArrayEnd,
    /// A key (a string) or the `}` closing an empty object.
    KeyOrObjectEnd,
    /// A key after `,` inside an object.
    Key,
    /// The `:` between a key and its value.
    Colon,
    /// `,` or `]` after an array item.
    CommaOrArrayEnd,
    /// `,` or `}` after an object member.
    CommaOrObjectEnd,
    /// Nothing but whitespace after the top-level value.
    EndOfInput,
    /// A decimal digit inside a number.
    Digit,
    /// A digit or a sign at the start of an exponent.
    ExponentStart,
    /// The rest of a literal such as `true`.
    Literal(Literal),
    /// One of `" \ / b f n r t u` after a backslash.
    EscapeChar,
    /// A hexadecimal digit inside a `\uXXXX` escape.
    HexDigit,
    /// More string content or the closing `"`.
    StringEnd,
}

impl Expected {
    /// The human-readable description used in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Expected::Value => "a JSON value",
            Expected::ValueOrArrayEnd => "a JSON value or ']'",
            Expected::KeyOrObjectEnd => "an object key (a string) or '}'",
            Expected::Key => "an object key (a string)",
            Expected::Colon => "':' after the object key",
            Expected::CommaOrArrayEnd => "',' or ']' after an array item",
            Expected::CommaOrObjectEnd => "',' or '}' after an object member",
            Expected::EndOfInput => "end of input after the JSON value",
            Expected::Digit => "a digit",
            Expected::ExponentStart => "a digit or a sign in the exponent",
            Expected::Literal(Literal::True) => "'true'",
            Expected::Literal(Literal::False) => "'false'",
            Expected::Literal(Literal::Null) => "'null'",
            Expected::Literal(Literal::NaN) => "'NaN'",
            Expected::Literal(Literal::Infinity) => "'Infinity'",
            Expected::Literal(Literal::NegInfinity) => "'-Infinity'",
            Expected::EscapeChar => "an escape character (one of \" \\ / b f n r t u)",
            Expected::HexDigit => "a hexadecimal digit in the \\u escape",
            Expected::StringEnd => "the closing '\"' of the string",
        }
    }
}

/// What the scanner met instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// A byte of the input.
    Byte(u8),
    /// The input ended (only raised by `finish`).
    EndOfInput,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Found::EndOfInput => f.write_str("end of input"),
            Found::Byte(b) if b >= 0x80 => write!(f, "non-ASCII byte 0x{b:02X}"),
            Found::Byte(b) if b < 0x20 || b == 0x7f => write!(f, "control character U+{b:04X}"),
            Found::Byte(b'\'') => f.write_str("\"'\""),
            Found::Byte(b) => write!(f, "'{}'", b as char),
        }
    }
}

/// The category of an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The grammar did not allow the byte (or the end of input) found at this position.
    Unexpected { expected: Expected, found: Found },
    /// A raw control character (below U+0020) inside a string.
    ControlInString(u8),
    /// Bytes that are not UTF-8 (the offset is the start of the bad sequence).
    InvalidUtf8,
    /// More nested containers than `max_depth`.
    TooDeep { max_depth: usize },
    /// More input than `max_bytes`.
    TooManyBytes { max_bytes: u64 },
    /// A string longer than `max_string_bytes` raw bytes.
    StringTooLong { max_string_bytes: usize },
    /// An integer with more digits than the interpreter converts (CPython's
    /// `sys.get_int_max_str_digits()`); the offset is the start of the number.
    IntegerTooLong { digits: usize, limit: usize },
    /// A `\uD800`-`\uDFFF` escape that is not half of a pair, with `lone_surrogates` off.
    LoneSurrogate,
    /// `feed` after `finish`.
    AfterFinish,
}

impl ErrorKind {
    /// Whether the input broke a size limit of a string or an integer, which valid JSON can
    /// do (repair mode must then fail as strict mode does).
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            ErrorKind::StringTooLong { .. } | ErrorKind::IntegerTooLong { .. }
        )
    }
}

/// A parse error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset of the first invalid byte, or of the end of input.
    pub offset: u64,
    /// 1-based line of `offset`.
    pub line: u64,
    /// 1-based column of `offset`, in characters.
    pub column: u64,
    /// A short piece of the input up to and including the offending byte.
    pub excerpt: String,
}

impl Error {
    /// True when the input merely ended early: more bytes could have made it valid.
    pub fn is_eof(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Unexpected {
                found: Found::EndOfInput,
                ..
            }
        )
    }

    /// The message without position: what was expected and what was found.
    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::Unexpected { expected, found } => {
                format!("expected {}, found {}", expected.describe(), found)
            }
            ErrorKind::ControlInString(b) => {
                format!("control character U+{b:04X} must be escaped inside a string")
            }
            ErrorKind::InvalidUtf8 => "invalid UTF-8".to_owned(),
            ErrorKind::TooDeep { max_depth } => {
                format!("nesting is deeper than max_depth={max_depth}")
            }
            ErrorKind::TooManyBytes { max_bytes } => {
                format!("input is longer than max_bytes={max_bytes}")
            }
            ErrorKind::StringTooLong { max_string_bytes } => {
                format!("string is longer than max_string_bytes={max_string_bytes}")
            }
            ErrorKind::IntegerTooLong { digits, limit } => format!(
                "integer has {digits} digits, more than the limit of {limit} \
                 (see sys.set_int_max_str_digits)"
            ),
            ErrorKind::LoneSurrogate => {
                "a lone surrogate (a \\uD800-\\uDFFF escape or character that is not half of \
                 a surrogate pair) is refused (allow_lone_surrogates=False)"
                    .to_owned()
            }
            ErrorKind::AfterFinish => "feed() after finish()".to_owned(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: line {} column {} (byte {}), near {:?}",
            self.message(),
            self.line,
            self.column,
            self.offset,
            self.excerpt
        )
    }
}

impl std::error::Error for Error {}

/// Longest excerpt, in bytes, kept in error messages.
pub const EXCERPT_BYTES: usize = 24;

/// Builds the excerpt shown in messages from the bytes that precede the error (inclusive).
///
/// Keeps at most [`EXCERPT_BYTES`] bytes of the current line, starting on a character
/// boundary, decoded lossily (the excerpt is for humans; the offset is the exact position).
pub fn excerpt_of(bytes: &[u8]) -> String {
    let mut start = bytes.len().saturating_sub(EXCERPT_BYTES);
    if let Some(nl) = memchr::memrchr(b'\n', &bytes[start..]) {
        start += nl + 1;
    }
    while start < bytes.len() && (bytes[start] & 0xC0) == 0x80 {
        start += 1;
    }
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}
