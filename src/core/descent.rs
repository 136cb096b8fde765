//! The fast path of a feed that holds one whole document: recursive descent straight into the
//! values, the way one-shot parsers (jiter, serde_json) read, without the events of the
//! incremental machine.
//!
//! It only ever takes the easy way. It reads an object or array that opens and closes in the
//! chunk, with whitespace around it and nothing else, and gives up (`None`) on anything more:
//! an incomplete document, any error, a limit that is reached, `NaN`, nesting deeper than
//! [`MAX_DESCENT_DEPTH`], a lone surrogate that is refused. The caller then feeds the same
//! chunk to the [`Scanner`](crate::core::Scanner), which reports exactly what and where. So it
//! has no error paths of its own, and what it accepts it builds exactly as the scanner would:
//! the fuzz target `serde_agreement` and the tests check the two against each other.
//!
//! Strings are checked for control characters here, but not for UTF-8: the builder's string
//! decoder refuses invalid UTF-8 (the descent then gives up, and the scanner reports the byte),
//! so each byte of text is checked once, where it is decoded, not twice. A string holding an
//! escaped lone surrogate (WTF-8, which that decoder must take) has its raw runs checked here.

use crate::core::number::whole_number;
use crate::core::options::Options;
use crate::core::sink::Literal;
use crate::core::string::{
    decode_closed, find_quote_or_backslash, plain_ascii_len, run_has_no_control, RawSurrogates,
};

/// Deepest nesting the descent takes on (each level is a native stack frame); deeper
/// documents are left to the scanner, whose stack is on the heap.
pub const MAX_DESCENT_DEPTH: usize = 128;

/// Makes the values of a document read by descent. Every method may give up (`None`), for
/// instance when the host language fails to make a value; the descent then gives up too.
pub trait ValueBuilder {
    type Value;
    type Key;
    type Object;
    /// A string value: decoded bytes, WTF-8 if `wtf8`, not checked for UTF-8 (the builder
    /// gives up, `None`, on anything that is not valid UTF-8, or WTF-8 if `wtf8`).
    fn string(&mut self, text: &[u8], wtf8: bool) -> Option<Self::Value>;
    /// A number (its text, grammar checked).
    fn number(&mut self, text: &[u8], is_integer: bool) -> Option<Self::Value>;
    /// `true`, `false` or `null`.
    fn literal(&mut self, literal: Literal) -> Option<Self::Value>;
    /// An object key, made before its value is read (its text as for `string`).
    fn key(&mut self, text: &[u8], wtf8: bool) -> Option<Self::Key>;
    fn begin_object(&mut self) -> Option<Self::Object>;
    /// Adds a member; a repeated key replaces the earlier value, as the scanner's sinks do.
    fn member(
        &mut self,
        object: &mut Self::Object,
        key: Self::Key,
        value: Self::Value,
    ) -> Option<()>;
    fn end_object(&mut self, object: Self::Object) -> Self::Value;
    /// Adds an item to the innermost open array; items wait on the builder's own stack.
    fn push_item(&mut self, value: Self::Value);
    /// Ends the innermost array, made of the last `len` items pushed.
    fn end_array(&mut self, len: usize) -> Option<Self::Value>;
}

/// Reads `buf` as one whole object or array with optional whitespace around it, or gives up.
/// `scratch` is where strings with escapes are decoded. After `None` the builder may hold
/// items of an array left unfinished: discard it.
pub fn parse_whole<B: ValueBuilder>(
    buf: &[u8],
    opts: &Options,
    scratch: &mut Vec<u8>,
    builder: &mut B,
) -> Option<B::Value> {
    // A document that does not end with `}` or `]` is incomplete or invalid: not worth trying.
    let last = buf.iter().rposition(|&b| !is_whitespace(b))?;
    if !matches!(buf[last], b'}' | b']') {
        return None;
    }
    let mut descent = Descent {
        buf: &buf[..=last],
        opts,
        scratch,
        max_depth: opts.max_depth.min(MAX_DESCENT_DEPTH),
    };
    let start = descent.skip_whitespace(0);
    if !matches!(descent.buf.get(start), Some(b'{' | b'[')) {
        return None;
    }
    let (value, end) = descent.value(start, 0, builder)?;
    (end == descent.buf.len()).then_some(value)
}

#[inline(always)]
fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

struct Descent<'a> {
    buf: &'a [u8],
    opts: &'a Options,
    scratch: &'a mut Vec<u8>,
    max_depth: usize,
}

impl Descent<'_> {
    #[inline(always)]
    fn skip_whitespace(&self, mut pos: usize) -> usize {
        while let Some(&b) = self.buf.get(pos) {
            if !is_whitespace(b) {
                break;
            }
            pos += 1;
        }
        pos
    }

    /// The value starting at `pos` (not whitespace) and the position after it; `depth`
    /// containers are open around it.
    fn value<B: ValueBuilder>(
        &mut self,
        pos: usize,
        depth: usize,
        b: &mut B,
    ) -> Option<(B::Value, usize)> {
        match *self.buf.get(pos)? {
            b'"' => {
                let (end, wtf8, decoded) = self.string(pos + 1)?;
                let value = match decoded {
                    false => b.string(&self.buf[pos + 1..end], wtf8)?,
                    true => b.string(self.scratch, wtf8)?,
                };
                Some((value, end + 1))
            }
            b'{' if depth < self.max_depth => self.object(pos + 1, depth + 1, b),
            b'[' if depth < self.max_depth => self.array(pos + 1, depth + 1, b),
            b'-' | b'0'..=b'9' => {
                let (len, is_integer) = whole_number(&self.buf[pos..])?;
                let text = &self.buf[pos..pos + len];
                if let (true, Some(limit)) = (is_integer, self.opts.max_int_digits) {
                    if len - usize::from(text[0] == b'-') > limit {
                        return None;
                    }
                }
                Some((b.number(text, is_integer)?, pos + len))
            }
            b't' => self.literal(pos, b"true", Literal::True, b),
            b'f' => self.literal(pos, b"false", Literal::False, b),
            b'n' => self.literal(pos, b"null", Literal::Null, b),
            _ => None,
        }
    }

    fn literal<B: ValueBuilder>(
        &mut self,
        pos: usize,
        word: &[u8],
        literal: Literal,
        b: &mut B,
    ) -> Option<(B::Value, usize)> {
        let end = pos + word.len();
        (self.buf.get(pos..end)? == word).then_some(())?;
        Some((b.literal(literal)?, end))
    }

    /// A string whose content starts at `pos`: the index of its closing quote, whether it
    /// holds a lone surrogate, and whether its text is in `scratch` (it had escapes) rather
    /// than in the buffer.
    fn string(&mut self, pos: usize) -> Option<(usize, bool, bool)> {
        let rest = &self.buf[pos..];
        let fits = |len: usize| self.opts.max_string_bytes.is_none_or(|max| len <= max);
        let plain = plain_ascii_len(rest);
        if rest.get(plain) == Some(&b'"') {
            return fits(plain).then_some((pos + plain, false, false));
        }
        let end = plain + find_quote_or_backslash(&rest[plain..])?;
        if rest[end] == b'"' {
            return (run_has_no_control(&rest[plain..end]) && fits(end)).then_some((
                pos + end,
                false,
                false,
            ));
        }
        // Unchecked first (the builder's decoder checks the UTF-8); a lone surrogate, written
        // as WTF-8 that such a decoder must take, is read again with every run checked.
        let (end, wtf8, _) = decode_closed(
            rest,
            self.scratch,
            RawSurrogates::Invalid,
            self.opts.lone_surrogates,
            false,
        )
        .or_else(|| {
            decode_closed(
                rest,
                self.scratch,
                RawSurrogates::Invalid,
                self.opts.lone_surrogates,
                true,
            )
        })?;
        fits(end).then_some((pos + end, wtf8, true))
    }

    /// An object whose content starts at `pos` (after its `{`).
    fn object<B: ValueBuilder>(
        &mut self,
        pos: usize,
        depth: usize,
        b: &mut B,
    ) -> Option<(B::Value, usize)> {
        let mut object = b.begin_object()?;
        let mut pos = self.skip_whitespace(pos);
        if self.buf.get(pos) == Some(&b'}') {
            return Some((b.end_object(object), pos + 1));
        }
        loop {
            if self.buf.get(pos) != Some(&b'"') {
                return None;
            }
            let (end, wtf8, decoded) = self.string(pos + 1)?;
            let key = match decoded {
                false => b.key(&self.buf[pos + 1..end], wtf8)?,
                true => b.key(self.scratch, wtf8)?,
            };
            pos = self.skip_whitespace(end + 1);
            if self.buf.get(pos) != Some(&b':') {
                return None;
            }
            pos = self.skip_whitespace(pos + 1);
            let (value, after) = self.value(pos, depth, b)?;
            b.member(&mut object, key, value)?;
            pos = self.skip_whitespace(after);
            match self.buf.get(pos) {
                Some(b',') => pos = self.skip_whitespace(pos + 1),
                Some(b'}') => return Some((b.end_object(object), pos + 1)),
                _ => return None,
            }
        }
    }

    /// An array whose content starts at `pos` (after its `[`).
    fn array<B: ValueBuilder>(
        &mut self,
        pos: usize,
        depth: usize,
        b: &mut B,
    ) -> Option<(B::Value, usize)> {
        let mut pos = self.skip_whitespace(pos);
        let mut len = 0;
        if self.buf.get(pos) != Some(&b']') {
            loop {
                let (item, after) = self.value(pos, depth, b)?;
                b.push_item(item);
                len += 1;
                pos = self.skip_whitespace(after);
                match self.buf.get(pos) {
                    Some(b',') => pos = self.skip_whitespace(pos + 1),
                    Some(b']') => break,
                    _ => return None,
                }
            }
        }
        Some((b.end_array(len)?, pos + 1))
    }
}
