//! The incremental scanner: bytes in, events out, state kept between chunks.
//!
//! The scanner is a flat state machine over an explicit stack of open containers, so it never
//! recurses and nesting depth costs one byte of stack per level. `feed` looks at each byte of a
//! chunk once (strings are skipped in runs with `memchr`), and only the unfinished token — a
//! number, a key, a literal or a held partial character — is kept between chunks: consumed
//! input is never retained.
//!
//! Errors are raised by the `feed` that delivers the first invalid byte. When several problems
//! touch one place, the first offending byte wins; at one offset invalid UTF-8 comes first, then
//! a size limit, then the grammar. After an error the scanner stays failed.
//!
//! This file holds the scanner's types, its public interface and the loop; the states are in
//! files of their own under `scanner/`: `structure` (values, keys, colons, containers),
//! `strings`, `scalars` (literals and numbers), `lenient` (the text around the value and the
//! repairs list), `repair_states` (repair mode's strings, comments and end of input), `words`
//! (its unquoted words) and `candidate` (its scalar candidate).

use crate::core::descent::{parse_whole, ValueBuilder};
use crate::core::error::{excerpt_of, Error, ErrorKind, Expected, Found};
use crate::core::number::NumState;
use crate::core::options::Options;
use crate::core::position::{Position, RecentBytes};
use crate::core::repair::NumWord;
use crate::core::sink::{Literal, Sink};
use crate::core::string::{Escapes, PendingUtf8, RawSurrogates};

mod candidate;
mod lenient;
mod repair_states;
mod scalars;
mod strings;
mod structure;
mod words;

/// Kind of an open container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Object,
    Array,
}

/// Where the grammar is between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a value: at the top level, after `:`, or after `,` in an array.
    Value,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    ObjectKey,
    /// After a key: `:`.
    Colon,
    /// After a complete value.
    AfterValue,
    /// Inside a string (a key or a value).
    Str,
    /// Inside a number.
    Number,
    /// Inside a literal (`true`, `false`, `null`, `NaN`, `Infinity`, `-Infinity`).
    Literal,
    /// Lenient mode, before the value: prose or a code fence, skipped up to the first `{`/`[`.
    Prose,
    /// Lenient mode, after the value: everything is ignored.
    Stopped,
    /// Repair mode: inside a string (a key or a value, quoted with `quote`).
    RStr,
    /// Repair mode: after a quote that may end its string (see `at_string_end`).
    StrEnd,
    /// Repair mode: inside an unquoted key or value.
    Word,
    /// Repair mode: inside a comment; `resume` is the state it interrupted.
    Comment,
    /// An error happened; see `Scanner::error`.
    Failed,
}

/// Overall progress of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No value has begun.
    Empty,
    /// A value has begun and is not complete.
    Partial,
    /// The (last) top-level value is complete.
    Complete,
    /// The input is invalid.
    Error,
}

/// Where a comment is (repair mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CommentKind {
    /// After its first `/`.
    Slash,
    /// A `//` or `#` comment: up to the end of the line.
    Line,
    /// Inside `/* */`.
    Block,
    /// Inside `/* */`, just after a `*`.
    BlockStar,
}

/// An error on its way out of the scanning loop: boxed, so that every step's result fits in
/// two registers (the loop returns one per token).
type Fail = Box<Error>;

/// What lenient mode repaired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepairKind {
    /// Text before the value (prose, a code fence; with `multiple`, between values) was
    /// skipped.
    SkippedPrefix,
    /// A `,` right before `]` or `}` was ignored.
    TrailingComma,
    /// Text after the complete value was ignored.
    IgnoredSuffix,
    /// A string or key in single quotes (at its opening quote).
    SingleQuotes,
    /// A key without quotes (`{name: "x"}`).
    UnquotedKey,
    /// A value without quotes (`{"city": New York}`), read as a string.
    UnquotedValue,
    /// `True`, `False` or `None`.
    PythonLiteral,
    /// A `//`, `/* */` or `#` comment was skipped.
    Comment,
    /// A missing `,` between two members or items (at the second, length 0).
    MissingComma,
    /// A raw control character (a newline, a tab) in a string, kept.
    ControlInString,
    /// A quote inside a string that is not its end (`"he said "hi""`), kept.
    InnerQuote,
    /// An escape JSON lacks: `\'` read as a quote, any other kept with its backslash.
    InvalidEscape,
    /// A number written as JSON does not (`.5`, `+1`, `1_000`, `1.`, `1e`), rewritten.
    NumberFixed,
    /// The input ended inside the value: what was open is closed (at the end, length 0),
    /// or a literal cut short is completed (over its bytes).
    Truncated,
}

impl RepairKind {
    /// The name used in the Python API.
    pub fn name(self) -> &'static str {
        match self {
            RepairKind::SkippedPrefix => "skipped_prefix",
            RepairKind::TrailingComma => "trailing_comma",
            RepairKind::IgnoredSuffix => "ignored_suffix",
            RepairKind::SingleQuotes => "single_quotes",
            RepairKind::UnquotedKey => "unquoted_key",
            RepairKind::UnquotedValue => "unquoted_value",
            RepairKind::PythonLiteral => "python_literal",
            RepairKind::Comment => "comment",
            RepairKind::MissingComma => "missing_comma",
            RepairKind::ControlInString => "control_in_string",
            RepairKind::InnerQuote => "inner_quote",
            RepairKind::InvalidEscape => "invalid_escape",
            RepairKind::NumberFixed => "number_fixed",
            RepairKind::Truncated => "truncated",
        }
    }
}

/// One repair made in lenient mode: what, at which byte offset, over how many bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repair {
    pub kind: RepairKind,
    pub offset: u64,
    pub length: u64,
}

/// Each step of the scanning loop returns the position of the next unread byte.
type Step = Result<usize, Fail>;

/// An incremental JSON scanner. Feed it chunks; it calls a [`Sink`] for each event.
#[derive(Clone, Debug)]
pub struct Scanner {
    opts: Options,
    state: State,
    stack: Vec<Container>,
    // The open string.
    str_is_key: bool,
    str_raw: usize,
    key_buf: Vec<u8>,
    key_wtf8: bool,
    /// Where a string found whole in a chunk is decoded (reused from string to string).
    scratch: Vec<u8>,
    escapes: Escapes,
    /// What a surrogate in WTF-8 is in the chunk being scanned (see [`Scanner::feed_wtf8`]).
    raw_surrogates: RawSurrogates,
    held: PendingUtf8,
    held_start: u64,
    // The open number.
    num: NumState,
    num_buf: Vec<u8>,
    num_start: u64,
    // The open literal.
    lit: Literal,
    lit_matched: usize,
    // Progress.
    pos: Position,
    recent: RecentBytes,
    values_done: u64,
    error: Option<Error>,
    finished: bool,
    // Lenient mode.
    repairs: Vec<Repair>,
    prose_start: Option<u64>,
    suffix_start: Option<u64>,
    last_comma: u64,
    // Repair mode.
    /// The open string's quote (`"`, or `'` in repair mode).
    quote: u8,
    /// Where a held quote is, and the whitespace after it.
    quote_at: u64,
    held_ws: Vec<u8>,
    /// The open unquoted value (a key goes to `key_buf`), and where it began.
    word: Vec<u8>,
    word_start: u64,
    word_wtf8: bool,
    /// The word's bytes so far are a prefix of a literal (not counted as a string's).
    word_may_be_literal: bool,
    /// Where the word's bytes so far are in the grammar of numbers (not counted either while
    /// they may be one).
    word_num: NumWord,
    /// Spaces at the end of the word, not counted (trimmed if the word ends there), and the
    /// offset of the first.
    word_spaces: usize,
    word_spaces_at: u64,
    /// The chunk ended with ` /` in a value word: the next byte says if it starts a comment.
    word_slash: bool,
    comment: CommentKind,
    comment_start: u64,
    resume: State,
    /// Repair mode, one value: the text before any `{`/`[` read strictly, in case the whole
    /// document is a scalar (see `ScalarCandidate`).
    candidate: Option<Box<candidate::ScalarCandidate>>,
}

impl Scanner {
    /// A scanner at the start of a stream.
    pub fn new(mut opts: Options) -> Scanner {
        // Repair mode does all that lenient mode does.
        opts.lenient |= opts.repair;
        let state = if opts.lenient {
            State::Prose
        } else {
            State::Value
        };
        let candidate = candidate::ScalarCandidate::for_options(&opts);
        Scanner {
            opts,
            state,
            stack: Vec::new(),
            str_is_key: false,
            str_raw: 0,
            key_buf: Vec::new(),
            key_wtf8: false,
            scratch: Vec::new(),
            escapes: Escapes::default(),
            raw_surrogates: RawSurrogates::Invalid,
            held: PendingUtf8::default(),
            held_start: 0,
            num: NumState::Zero,
            num_buf: Vec::new(),
            num_start: 0,
            lit: Literal::Null,
            lit_matched: 0,
            pos: Position::default(),
            recent: RecentBytes::default(),
            values_done: 0,
            error: None,
            finished: false,
            repairs: Vec::new(),
            prose_start: None,
            suffix_start: None,
            last_comma: 0,
            quote: b'"',
            quote_at: 0,
            held_ws: Vec::new(),
            word: Vec::new(),
            word_start: 0,
            word_wtf8: false,
            word_may_be_literal: false,
            word_num: NumWord::Dead,
            word_spaces: 0,
            word_spaces_at: 0,
            word_slash: false,
            comment: CommentKind::Line,
            comment_start: 0,
            resume: State::Value,
            candidate,
        }
    }

    /// The options this scanner was made with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Scans one chunk, calling `sink` for every event it completes.
    ///
    /// On an error the events before the offending byte have been delivered, and every later
    /// call returns the same error.
    pub fn feed<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), Error> {
        self.raw_surrogates = RawSurrogates::Invalid;
        self.feed_checked(chunk, sink)
    }

    /// Scans one chunk of WTF-8: text that may hold lone surrogates, as a Python `str`
    /// encoded with `surrogatepass` does. A surrogate in string content is kept (`json.loads`
    /// keeps it), or refused when lone surrogates are; anywhere else it is an error, as in
    /// [`Scanner::feed`]. Chunks of text split between characters, as `str` chunks do: a
    /// surrogate cut by the end of a chunk is held only to report a limit at the right place.
    pub fn feed_wtf8<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), Error> {
        self.raw_surrogates = if self.opts.lone_surrogates {
            RawSurrogates::Keep
        } else {
            RawSurrogates::Refuse
        };
        let result = self.feed_checked(chunk, sink);
        self.raw_surrogates = RawSurrogates::Invalid;
        result
    }

    /// The fast path of a chunk that holds a whole document: if the scanner is at the start
    /// of a single-value stream (not `multiple`, not `lenient`) and `chunk` is exactly one
    /// complete object or array with whitespace around it, reads it by recursive descent into
    /// `builder` (see [`descent`](crate::core::descent)) and returns it; the scanner is then
    /// where [`Scanner::feed`] would have left it, without sending any event. Otherwise
    /// returns `None` and changes nothing: feed the chunk as usual.
    pub fn feed_whole<B: ValueBuilder>(
        &mut self,
        chunk: &[u8],
        builder: &mut B,
    ) -> Option<B::Value> {
        let fresh = self.state == State::Value
            && self.stack.is_empty()
            && self.values_done == 0
            && self.error.is_none()
            && !self.finished
            && !self.opts.multiple
            && !self.opts.lenient;
        let fits = self
            .opts
            .max_bytes
            .is_none_or(|max| self.pos.consumed + chunk.len() as u64 <= max);
        if !(fresh && fits) {
            return None;
        }
        let value = parse_whole(chunk, &self.opts, &mut self.scratch, builder);
        release(&mut self.scratch);
        let value = value?;
        self.pos.advance_over(chunk);
        self.recent.remember(chunk);
        self.pos.consumed += chunk.len() as u64;
        self.value_done();
        Some(value)
    }

    fn feed_checked<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.finished {
            return Err(*self.error_at(chunk, 0, ErrorKind::AfterFinish));
        }
        let room = self
            .opts
            .max_bytes
            .map(|max| max.saturating_sub(self.pos.consumed));
        let over_limit = room
            .filter(|&r| (chunk.len() as u64) > r)
            .map(|r| r as usize);
        let buf = &chunk[..over_limit.unwrap_or(chunk.len())];
        let mut result = self.run(buf, sink).map_err(|e| *e);
        if let (Ok(()), Some(at), Some(max_bytes)) = (&result, over_limit, self.opts.max_bytes) {
            let offset = self.pos.consumed + at as u64;
            let kind = ErrorKind::TooManyBytes { max_bytes };
            let uncounted = self.held_continuation_bytes();
            result = Err(*self.error_at_offset(chunk, offset, uncounted, kind));
        }
        match result {
            Ok(()) => {
                self.recent.remember(buf);
                self.pos.consumed += buf.len() as u64;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Declares the end of input. Completes a trailing top-level number; fails with an
    /// `is_eof()` error if the document is incomplete.
    pub fn finish<S: Sink>(&mut self, sink: &mut S) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.finished {
            return Ok(());
        }
        if self.opts.repair {
            let finished = self
                .finish_candidate(sink)
                .and_then(|()| self.finish_repair(sink));
            if let Err(e) = finished {
                return Err(self.fail(*e));
            }
        }
        if self.state == State::Prose && self.opts.multiple {
            // Several values (lenient): the text after the last one is ignored.
            self.suffix_start = self.prose_start.take();
        }
        if self.state == State::Number && self.num.is_complete() {
            if let Err(e) = self.complete_number(&[], 0, 0, sink) {
                return Err(self.fail(*e));
            }
        }
        let expected = match self.state {
            State::AfterValue if self.stack.is_empty() => None,
            State::Value if self.stack.is_empty() && self.opts.multiple => None,
            State::Stopped => None,
            State::Prose if self.opts.multiple => None,
            State::Prose => Some(Expected::Value),
            State::Value => Some(Expected::Value),
            State::ArrayFirst => Some(Expected::ValueOrArrayEnd),
            State::ObjectFirst => Some(Expected::KeyOrObjectEnd),
            State::ObjectKey => Some(Expected::Key),
            State::Colon => Some(Expected::Colon),
            State::AfterValue => Some(self.expected_after_value()),
            State::Str => Some(self.escapes.expected_at_end()),
            State::Number => Some(self.num.expected()),
            State::Literal => Some(Expected::Literal(self.lit)),
            // Repair mode only, which has closed them above.
            State::RStr | State::StrEnd | State::Word | State::Comment => Some(Expected::Value),
            State::Failed => None,
        };
        match expected {
            None => {
                self.report_suffix(self.pos.consumed);
                self.finished = true;
                Ok(())
            }
            Some(expected) => {
                let offset = self.pos.consumed;
                let kind = ErrorKind::Unexpected {
                    expected,
                    found: Found::EndOfInput,
                };
                let e = self.error_at_offset(&[], offset, self.held_continuation_bytes(), kind);
                Err(self.fail(*e))
            }
        }
    }

    /// Bytes of heap the scanner holds (its open-container stack and token buffers): what a
    /// parser costs besides the value it builds. Consumed input is never kept, so this stays
    /// small whatever the stream's length.
    pub fn heap_size(&self) -> usize {
        self.stack.capacity() * std::mem::size_of::<Container>()
            + self.key_buf.capacity()
            + self.num_buf.capacity()
            + self.scratch.capacity()
            + self.held_ws.capacity()
            + self.word.capacity()
            + self.candidate.as_ref().map_or(0, |c| c.heap_size())
    }

    /// Overall progress.
    pub fn status(&self) -> Status {
        if self.error.is_some() {
            Status::Error
        } else if self.in_value() {
            Status::Partial
        } else if self.values_done > 0 {
            Status::Complete
        } else {
            Status::Empty
        }
    }

    /// Whether a top-level value has begun and is not complete.
    pub fn in_value(&self) -> bool {
        !self.stack.is_empty()
            || matches!(
                self.state,
                State::Str
                    | State::Number
                    | State::Literal
                    | State::RStr
                    | State::StrEnd
                    | State::Word
            )
    }

    /// Whether a string value, number or literal is being read.
    pub fn scalar_in_progress(&self) -> bool {
        match self.state {
            State::Str | State::RStr | State::StrEnd | State::Word => !self.str_is_key,
            State::Number | State::Literal => true,
            _ => false,
        }
    }

    /// Whether the innermost object has a complete key whose value has not begun.
    pub fn key_pending(&self) -> bool {
        // A comment interrupts a state without changing where the grammar is.
        let state = if self.state == State::Comment {
            self.resume
        } else {
            self.state
        };
        state == State::Colon
            || (state == State::Value && self.stack.last() == Some(&Container::Object))
    }

    /// What the scanner is in the middle of, named for the Python API (`Parser.tail`).
    pub fn tail_state(&self) -> &'static str {
        match self.state {
            State::Value => "value",
            State::ArrayFirst => "first_item",
            State::ObjectFirst => "first_key",
            State::ObjectKey => "key",
            State::Colon => "colon",
            State::AfterValue => "after_value",
            State::Str | State::RStr | State::StrEnd if self.str_is_key => "key_string",
            State::Str | State::RStr | State::StrEnd => "string",
            State::Word if self.str_is_key => "key_word",
            State::Word => "word",
            State::Comment => "comment",
            State::Number => "number",
            State::Literal => "literal",
            State::Prose => "prose",
            State::Stopped => "stopped",
            State::Failed => "error",
        }
    }

    /// How many of the last bytes fed belong to the token being read and are not part of any
    /// event yet: a number or literal so far, or the undecoded end of a string (a partial
    /// escape, a high surrogate waiting for its pair, a partial UTF-8 character). Zero
    /// elsewhere. Callers that keep the input can render an unfinished token their own way.
    pub fn pending_bytes(&self) -> u64 {
        match self.state {
            State::Number => self.pos.consumed - self.num_start,
            State::Literal => self.lit_matched as u64,
            State::Str | State::RStr => (self.held.len() + self.escapes.pending_len()) as u64,
            State::StrEnd => 1 + self.held_ws.len() as u64,
            State::Word => self.pos.consumed - self.word_start,
            _ => 0,
        }
    }

    /// The open containers, outermost first.
    pub fn stack(&self) -> &[Container] {
        &self.stack
    }

    /// Number of open containers.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Number of complete top-level values.
    pub fn values_done(&self) -> u64 {
        self.values_done
    }

    /// The error, if the input was invalid.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Whether `finish` succeeded.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Bytes consumed (the error's offset once failed).
    pub fn offset(&self) -> u64 {
        self.error.as_ref().map_or(self.pos.consumed, |e| e.offset)
    }

    /// 1-based line of `offset()`.
    pub fn line(&self) -> u64 {
        self.error.as_ref().map_or(self.pos.line(), |e| e.line)
    }

    /// 1-based column of `offset()`, in characters.
    pub fn column(&self) -> u64 {
        self.error.as_ref().map_or_else(
            || {
                self.pos
                    .column_at(self.pos.consumed, self.held_continuation_bytes())
            },
            |e| e.column,
        )
    }

    /// Continuation bytes of a held partial character, not counted for columns yet (the
    /// character counts as one column from its first byte on).
    fn held_continuation_bytes(&self) -> usize {
        self.held.len().saturating_sub(1)
    }

    // ---- the loop -------------------------------------------------------------------------

    fn run<S: Sink>(&mut self, buf: &[u8], sink: &mut S) -> Result<(), Fail> {
        let mut pos = 0;
        while pos < buf.len() {
            pos = match self.state {
                State::Value | State::ArrayFirst => self.at_value(buf, pos, sink)?,
                State::ObjectFirst | State::ObjectKey => self.at_key(buf, pos, sink)?,
                State::Colon => self.at_colon(buf, pos, sink)?,
                State::AfterValue => self.after_value(buf, pos, sink)?,
                State::Str => self.in_string(buf, pos, sink)?,
                State::Number => self.in_number(buf, pos, pos, sink)?,
                State::Literal => self.in_literal(buf, pos, sink)?,
                State::Prose => self.in_prose(buf, pos),
                State::Stopped => self.in_suffix(buf, pos),
                State::RStr => self.in_repair_string(buf, pos, sink)?,
                State::StrEnd => self.at_string_end(buf, pos, sink)?,
                State::Word => self.in_word(buf, pos, sink)?,
                State::Comment => self.in_comment(buf, pos)?,
                State::Failed => break,
            };
        }
        Ok(())
    }

    #[inline]
    fn skip_whitespace(&mut self, buf: &[u8], mut pos: usize) -> usize {
        // Spaces first (the indentation of pretty-printed JSON: most whitespace bytes), then
        // a bit mask, not a `match`, for the rest: the compiler turns a match on the byte
        // into a jump table whose one indirect branch the CPU mispredicts on most tokens.
        const WHITESPACE: u64 = 1 << b'\t' | 1 << b'\n' | 1 << b'\r';
        while let Some(&b) = buf.get(pos) {
            if b == b' ' {
                pos += 1;
                continue;
            }
            if b > b' ' || WHITESPACE & (1 << b) == 0 {
                break;
            }
            if b == b'\n' {
                self.pos.newline_at(self.pos.consumed + pos as u64);
            }
            pos += 1;
        }
        pos
    }

    // ---- errors ---------------------------------------------------------------------------

    /// Records `e` as the stream's error and returns it.
    #[cold]
    fn fail(&mut self, e: Error) -> Error {
        self.report_suffix(e.offset);
        self.state = State::Failed;
        self.error = Some(e.clone());
        e
    }

    #[cold]
    fn unexpected(&self, buf: &[u8], pos: usize, expected: Expected) -> Fail {
        let found = Found::Byte(buf[pos]);
        self.error_at(buf, pos, ErrorKind::Unexpected { expected, found })
    }

    #[cold]
    fn error_at(&self, buf: &[u8], pos: usize, kind: ErrorKind) -> Fail {
        let offset = self.pos.consumed + pos as u64;
        self.error_at_offset(buf, offset, 0, kind)
    }

    /// An error at absolute `offset` (in `buf` or before it); `uncounted` continuation bytes
    /// before `offset` (of a held character) have not been counted for columns yet.
    #[cold]
    fn error_at_offset(&self, buf: &[u8], offset: u64, uncounted: usize, kind: ErrorKind) -> Fail {
        let excerpt = excerpt_of(&self.recent.through(self.pos.consumed, buf, offset));
        let column = self.pos.column_at(offset, uncounted);
        Box::new(Error {
            kind,
            offset,
            line: self.pos.line(),
            column,
            excerpt,
        })
    }
}

/// Empties a token buffer, giving back an unusually large allocation (a huge key or number)
/// so that the memory a parser keeps does not grow with the largest token it has seen.
pub(crate) fn release(buf: &mut Vec<u8>) {
    const KEEP: usize = 4096;
    if buf.capacity() > KEEP {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}
