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

use crate::core::descent::{parse_whole, ValueBuilder};
use crate::core::error::{excerpt_of, Error, ErrorKind, Expected, Found};
use crate::core::number::{whole_number, NumState, NumStep};
use crate::core::options::Options;
use crate::core::position::{Position, RecentBytes};
use crate::core::repair::{close_is_certain, NumWord};
use crate::core::sink::{Literal, Sink};
use crate::core::string::{
    check_run, content_len, count_continuation_bytes, decode_closed, find_quote_or_backslash,
    plain_ascii_len, utf8_sequence_len, Decoded, Escapes, PendingUtf8, RawSurrogates, RunError,
    Utf8Progress,
};

mod repair_states;

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
    candidate: Option<Box<repair_states::ScalarCandidate>>,
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
        let candidate = repair_states::ScalarCandidate::for_options(&opts);
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

    fn at_value<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        match buf.get(pos) {
            None => Ok(pos),
            Some(b']') if self.state == State::ArrayFirst => Ok(self.close(pos, sink)),
            Some(b']') if self.trailing_comma_allowed(Container::Array) => {
                self.repair(RepairKind::TrailingComma, self.last_comma, 1);
                Ok(self.close(pos, sink))
            }
            Some(_) => self.begin_value(buf, pos, sink),
        }
    }

    fn begin_value<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let b = buf[pos];
        // Strings first, outside the `match`: the most common value, and a test the CPU
        // predicts better than the jump table the `match` becomes.
        if b == b'"' {
            return self.begin_string(buf, pos + 1, false, sink);
        }
        match b {
            b'{' => {
                self.open(buf, pos, Container::Object)?;
                sink.begin_object();
                self.state = State::ObjectFirst;
                Ok(pos + 1)
            }
            b'[' => {
                self.open(buf, pos, Container::Array)?;
                sink.begin_array();
                self.state = State::ArrayFirst;
                Ok(pos + 1)
            }
            // Repair mode reads words whole (`true` and `True`, `null` and `None`, `NaN`).
            b't' | b'f' | b'n' | b'N' | b'I' if self.opts.repair => {
                self.repair_token(buf, pos, false, sink)
            }
            b'-' | b'0'..=b'9' => {
                // Fast path: the number ends inside this chunk (nothing is held over).
                let number = whole_number(&buf[pos..])
                    .filter(|&(len, _)| !self.number_continues_as_word(buf.get(pos + len)));
                if let Some((len, is_integer)) = number {
                    let text = &buf[pos..pos + len];
                    if let (true, Some(limit)) = (is_integer, self.opts.max_int_digits) {
                        let digits = len - usize::from(b == b'-');
                        if digits > limit {
                            let kind = ErrorKind::IntegerTooLong { digits, limit };
                            let offset = self.pos.consumed + pos as u64;
                            return Err(self.error_at_offset(buf, offset, 0, kind));
                        }
                    }
                    sink.number(text, is_integer);
                    self.value_done();
                    return Ok(pos + len);
                }
                self.num = NumState::start(b);
                self.num_start = self.pos.consumed + pos as u64;
                self.num_buf.clear();
                self.state = State::Number;
                self.in_number(buf, pos + 1, pos, sink)
            }
            b't' | b'f' | b'n' => {
                let lit = match b {
                    b't' => Literal::True,
                    b'f' => Literal::False,
                    _ => Literal::Null,
                };
                // Fast path: the whole word is in this chunk.
                let word = lit.text().as_bytes();
                if buf.get(pos..pos + word.len()) == Some(word) {
                    sink.literal(lit);
                    self.value_done();
                    return Ok(pos + word.len());
                }
                self.begin_literal(buf, pos, lit, sink)
            }
            b'N' if self.opts.allow_nan => self.begin_literal(buf, pos, Literal::NaN, sink),
            b'I' if self.opts.allow_nan => self.begin_literal(buf, pos, Literal::Infinity, sink),
            _ if self.opts.repair => self.repair_token(buf, pos, false, sink),
            _ => {
                let expected = if self.state == State::ArrayFirst {
                    Expected::ValueOrArrayEnd
                } else {
                    Expected::Value
                };
                Err(self.unexpected(buf, pos, expected))
            }
        }
    }

    fn at_key<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        match buf.get(pos) {
            None => Ok(pos),
            Some(b'"') => {
                let next = self.begin_string(buf, pos + 1, true, sink)?;
                // Go straight on to the ':' and the value: one trip through the dispatch loop
                // per member instead of three (this never leads back here, so no recursion).
                if self.state == State::Colon {
                    self.at_colon(buf, next, sink)
                } else {
                    Ok(next)
                }
            }
            Some(b'}') if self.state == State::ObjectFirst => Ok(self.close(pos, sink)),
            Some(b'}') if self.trailing_comma_allowed(Container::Object) => {
                self.repair(RepairKind::TrailingComma, self.last_comma, 1);
                Ok(self.close(pos, sink))
            }
            Some(_) if self.opts.repair => self.repair_token(buf, pos, true, sink),
            Some(_) => {
                let expected = if self.state == State::ObjectFirst {
                    Expected::KeyOrObjectEnd
                } else {
                    Expected::Key
                };
                Err(self.unexpected(buf, pos, expected))
            }
        }
    }

    fn at_colon<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        match buf.get(pos) {
            None => Ok(pos),
            Some(b':') => {
                self.state = State::Value;
                self.at_value(buf, pos + 1, sink)
            }
            Some(b'/' | b'#') if self.opts.repair => self.begin_comment(buf, pos),
            Some(_) => Err(self.unexpected(buf, pos, Expected::Colon)),
        }
    }

    fn after_value<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        let Some(&b) = buf.get(pos) else {
            return Ok(pos);
        };
        match (self.stack.last(), b) {
            (Some(Container::Object), b',') => {
                self.last_comma = self.pos.consumed + pos as u64;
                self.state = State::ObjectKey;
                self.at_key(buf, pos + 1, sink)
            }
            (Some(Container::Array), b',') => {
                self.last_comma = self.pos.consumed + pos as u64;
                self.state = State::Value;
                self.at_value(buf, pos + 1, sink)
            }
            (Some(Container::Array), b']') | (Some(Container::Object), b'}') => {
                Ok(self.close(pos, sink))
            }
            (Some(&container), _) if self.opts.repair => {
                self.repair_after_value(buf, pos, container, sink)
            }
            (Some(_), _) => Err(self.unexpected(buf, pos, self.expected_after_value())),
            (None, _) if self.opts.multiple => self.begin_value(buf, pos, sink),
            (None, _) => Err(self.unexpected(buf, pos, Expected::EndOfInput)),
        }
    }

    fn expected_after_value(&self) -> Expected {
        match self.stack.last() {
            Some(Container::Object) => Expected::CommaOrObjectEnd,
            Some(Container::Array) => Expected::CommaOrArrayEnd,
            None => Expected::EndOfInput,
        }
    }

    fn open(&mut self, buf: &[u8], pos: usize, container: Container) -> Result<(), Fail> {
        if self.stack.len() >= self.opts.max_depth {
            let kind = ErrorKind::TooDeep {
                max_depth: self.opts.max_depth,
            };
            return Err(self.error_at(buf, pos, kind));
        }
        self.stack.push(container);
        Ok(())
    }

    /// Closes the innermost container at `pos` (its `]` or `}`) and returns the next position.
    fn close<S: Sink>(&mut self, pos: usize, sink: &mut S) -> usize {
        match self.stack.pop() {
            Some(Container::Object) => sink.end_object(),
            _ => sink.end_array(),
        }
        self.value_done();
        pos + 1
    }

    #[inline]
    fn value_done(&mut self) {
        self.state = State::AfterValue;
        if self.stack.is_empty() {
            self.values_done += 1;
            if self.opts.lenient {
                // One value, or (`multiple`) the next one after prose, fences and commas.
                self.state = if self.opts.multiple {
                    State::Prose
                } else {
                    State::Stopped
                };
            }
        }
    }

    // ---- lenient mode ---------------------------------------------------------------------

    /// Whether a `]` or `}` right after a `,` may close `container` (lenient mode only).
    fn trailing_comma_allowed(&self, container: Container) -> bool {
        self.opts.lenient
            && self.stack.last() == Some(&container)
            && match container {
                Container::Array => self.state == State::Value,
                Container::Object => self.state == State::ObjectKey,
            }
    }

    fn repair(&mut self, kind: RepairKind, offset: u64, length: u64) {
        self.repairs.push(Repair {
            kind,
            offset,
            length,
        });
    }

    /// The repairs made so far, in input order (lenient mode). The list only grows: a repair
    /// is added once it is final, so what a caller read while streaming stays true. The text
    /// ignored after the value is therefore added when the input ends (at `finish`, or at an
    /// error), when its length is known.
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    /// Reports the text ignored after the value, which ran to `end` (the end of input).
    fn report_suffix(&mut self, end: u64) {
        if let Some(offset) = self.suffix_start.take() {
            self.repair(
                RepairKind::IgnoredSuffix,
                offset,
                end.saturating_sub(offset),
            );
        }
    }

    /// Skips text before the value up to the first `{` or `[`: LLMs wrap JSON in prose and in
    /// Markdown code fences, which in practice hold no bracket before the JSON.
    fn in_prose(&mut self, buf: &[u8], mut pos: usize) -> usize {
        loop {
            let (end, visible) = self.skip_text(buf, pos, true);
            if self.prose_start.is_none() {
                self.prose_start = visible;
            }
            self.feed_candidate(&buf[pos..end]);
            if end == buf.len() {
                return end;
            }
            if self.candidate_in_string() {
                // A bracket inside a string that may be the whole document (repair mode):
                // text, not the start of the value, if that string takes it (not after the
                // first bytes of a character or a backslash: then it is no scalar).
                self.feed_candidate(&buf[end..end + 1]);
                if self.candidate.is_some() {
                    self.prose_start = self.prose_start.or(Some(self.pos.consumed + end as u64));
                    pos = end + 1;
                    continue;
                }
            }
            self.candidate = None;
            if let Some(start) = self.prose_start.take() {
                let here = self.pos.consumed + end as u64;
                self.repair(RepairKind::SkippedPrefix, start, here - start);
            }
            self.state = State::Value;
            return end;
        }
    }

    /// Ignores everything after the value (a closing fence, prose), noting where it began.
    fn in_suffix(&mut self, buf: &[u8], pos: usize) -> usize {
        let (end, visible) = self.skip_text(buf, pos, false);
        if self.suffix_start.is_none() {
            self.suffix_start = visible;
        }
        end
    }

    /// Skips text unchecked (lenient mode, around the value) while keeping lines and columns,
    /// up to the first `{` or `[` if `until_value`. Returns where it stopped and the offset of
    /// the first byte that is not whitespace.
    fn skip_text(&mut self, buf: &[u8], mut pos: usize, until_value: bool) -> (usize, Option<u64>) {
        let mut visible = None;
        while let Some(&b) = buf.get(pos) {
            match b {
                b'{' | b'[' if until_value => break,
                b' ' | b'\t' | b'\r' => {}
                b'\n' => self.pos.newline_at(self.pos.consumed + pos as u64),
                _ => {
                    visible = visible.or(Some(self.pos.consumed + pos as u64));
                    if (b & 0xC0) == 0x80 {
                        self.pos.add_continuation_bytes(1);
                    }
                }
            }
            pos += 1;
        }
        (pos, visible)
    }

    // ---- literals and numbers -------------------------------------------------------------

    fn begin_literal<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        lit: Literal,
        sink: &mut S,
    ) -> Step {
        self.lit = lit;
        self.lit_matched = 1;
        self.state = State::Literal;
        self.in_literal(buf, pos + 1, sink)
    }

    fn in_literal<S: Sink>(&mut self, buf: &[u8], mut pos: usize, sink: &mut S) -> Step {
        let word = self.lit.text().as_bytes();
        while self.lit_matched < word.len() {
            let Some(&b) = buf.get(pos) else {
                return Ok(pos);
            };
            if b != word[self.lit_matched] {
                return Err(self.unexpected(buf, pos, Expected::Literal(self.lit)));
            }
            self.lit_matched += 1;
            pos += 1;
        }
        sink.literal(self.lit);
        self.value_done();
        Ok(pos)
    }

    /// Continues a number; `seg_start` is where its bytes in this chunk begin.
    fn in_number<S: Sink>(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        seg_start: usize,
        sink: &mut S,
    ) -> Step {
        loop {
            let Some(&b) = buf.get(pos) else {
                self.num_buf.extend_from_slice(&buf[seg_start..]);
                return Ok(pos);
            };
            match self.num.step(b, self.opts.allow_nan) {
                NumStep::Continue(next) => {
                    self.num = next;
                    pos += 1;
                }
                NumStep::End if self.number_continues_as_word(buf.get(pos)) => {
                    return self.number_becomes_word(buf, seg_start, pos, sink);
                }
                NumStep::End => {
                    self.complete_number(buf, seg_start, pos, sink)?;
                    return Ok(pos);
                }
                NumStep::Invalid(_) if self.opts.repair => {
                    return self.number_becomes_word(buf, seg_start, pos, sink);
                }
                NumStep::Invalid(expected) => return Err(self.unexpected(buf, pos, expected)),
                NumStep::NegInfinity => {
                    self.lit = Literal::NegInfinity;
                    self.lit_matched = 2;
                    self.state = State::Literal;
                    return self.in_literal(buf, pos + 1, sink);
                }
            }
        }
    }

    fn complete_number<S: Sink>(
        &mut self,
        buf: &[u8],
        start: usize,
        end: usize,
        sink: &mut S,
    ) -> Result<(), Fail> {
        let from_chunk = self.num_buf.is_empty();
        if !from_chunk {
            self.num_buf.extend_from_slice(&buf[start..end]);
        }
        let text: &[u8] = if from_chunk {
            &buf[start..end]
        } else {
            &self.num_buf
        };
        let is_integer = self.num.is_integer();
        if let (true, Some(limit)) = (is_integer, self.opts.max_int_digits) {
            let digits = text.len() - usize::from(text.first() == Some(&b'-'));
            if digits > limit {
                let kind = ErrorKind::IntegerTooLong { digits, limit };
                return Err(self.error_at_offset(buf, self.num_start, 0, kind));
            }
        }
        sink.number(text, is_integer);
        release(&mut self.num_buf);
        self.value_done();
        Ok(())
    }

    // ---- strings --------------------------------------------------------------------------

    /// Starts a string whose opening quote is just before `pos`.
    fn begin_string<S: Sink>(&mut self, buf: &[u8], pos: usize, key: bool, sink: &mut S) -> Step {
        let rest = &buf[pos..];
        let max_string_bytes = self.opts.max_string_bytes;
        // Repair mode takes a string whole only if what follows its quote proves it ends.
        let repair = self.opts.repair;
        let fits = |len: usize| {
            max_string_bytes.is_none_or(|max| len <= max)
                && (!repair || close_is_certain(rest, len))
        };
        // Fastest path: short printable ASCII, closed in this chunk (most keys and values).
        let plain = plain_ascii_len(rest);
        if rest.get(plain) == Some(&b'"') && fits(plain) {
            self.whole_string(&rest[..plain], key, false, sink);
            return Ok(pos + plain + 1);
        }
        // Fast path: a short string with multi-byte characters, closed in this chunk, no
        // escapes (longer ones go through memchr below).
        if rest.get(plain).is_some_and(|&b| b >= 0x80) {
            let window = &rest[plain..rest.len().min(plain + 64)];
            let end = plain + content_len(window);
            if rest.get(end) == Some(&b'"') && fits(end) {
                if let Ok(text) = std::str::from_utf8(&rest[plain..end]) {
                    self.pos
                        .add_continuation_bytes(count_continuation_bytes(text.as_bytes()));
                    self.whole_string(&rest[..end], key, false, sink);
                    return Ok(pos + end + 1);
                }
            }
        }
        match find_quote_or_backslash(rest) {
            // Fast path: the whole string is in this chunk, without escapes.
            Some(end) if rest[end] == b'"' => {
                let check = check_run(&rest[..end], false, self.raw_surrogates);
                if check.error.is_none() && fits(end) {
                    self.pos.add_continuation_bytes(check.continuation_bytes);
                    self.whole_string(&rest[..end], key, check.wtf8, sink);
                    return Ok(pos + end + 1);
                }
            }
            // Fast path: with escapes, decoded in one go if it closes in this chunk, so the sink
            // gets it whole too (no open string to build up piece by piece).
            Some(_) => {
                if let Some((end, wtf8, continuation_bytes)) = self.decode_whole(rest) {
                    if fits(end) {
                        self.pos.add_continuation_bytes(continuation_bytes);
                        let text = std::mem::take(&mut self.scratch);
                        if key {
                            sink.key(&text, wtf8);
                            self.state = State::Colon;
                        } else {
                            sink.string(&text, wtf8);
                            self.value_done();
                        }
                        self.scratch = text;
                        release(&mut self.scratch);
                        return Ok(pos + end + 1);
                    }
                }
            }
            None => {}
        }
        // Slow path: the general loop reports any error at its exact byte.
        self.open_string(key, b'"', sink);
        if self.opts.repair {
            self.in_repair_string(buf, pos, sink)
        } else {
            self.in_string(buf, pos, sink)
        }
    }

    /// Starts the general loop of a string (in repair mode, quoted with `quote`).
    fn open_string<S: Sink>(&mut self, key: bool, quote: u8, sink: &mut S) {
        self.str_is_key = key;
        self.str_raw = 0;
        self.state = if self.opts.repair {
            State::RStr
        } else {
            State::Str
        };
        self.quote = quote;
        self.escapes = Escapes::default();
        self.held.clear();
        if key {
            self.key_buf.clear();
            self.key_wtf8 = false;
        } else {
            sink.begin_string();
        }
    }

    /// Delivers a string found whole in one chunk, without escapes, as a key or a value.
    #[inline(always)]
    fn whole_string<S: Sink>(&mut self, text: &[u8], key: bool, wtf8: bool, sink: &mut S) {
        if key {
            sink.key(text, wtf8);
            self.state = State::Colon;
        } else {
            sink.string(text, wtf8);
            self.value_done();
        }
    }

    /// Decodes into `scratch` a string that closes in `rest`, with the chunk's surrogate rule
    /// (see [`decode_closed`]); nothing is emitted either way.
    fn decode_whole(&mut self, rest: &[u8]) -> Option<(usize, bool, usize)> {
        decode_closed(
            rest,
            &mut self.scratch,
            self.raw_surrogates,
            self.opts.lone_surrogates,
            true,
        )
    }

    fn in_string<S: Sink>(&mut self, buf: &[u8], mut pos: usize, sink: &mut S) -> Step {
        while pos < buf.len() {
            if !self.held.is_empty() {
                pos = self.continue_held_char(buf, pos, sink)?;
                continue;
            }
            if !self.escapes.is_idle() {
                pos = self.escape_byte(buf, pos, sink)?;
                continue;
            }
            let rest = &buf[pos..];
            let Some(len) = find_quote_or_backslash(rest) else {
                return self.string_run(buf, pos, rest.len(), true, sink);
            };
            pos = self.string_run(buf, pos, len, false, sink)?;
            if buf[pos] == b'"' {
                self.end_string(sink);
                return Ok(pos + 1);
            }
            self.count_string_byte(buf, pos)?;
            self.escapes.begin();
            pos += 1;
        }
        Ok(pos)
    }

    /// Emits a run of raw string bytes (no `"` or `\`) at `buf[pos..pos + len]`.
    fn string_run<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        len: usize,
        at_chunk_end: bool,
        sink: &mut S,
    ) -> Step {
        let run = &buf[pos..pos + len];
        let room = self
            .opts
            .max_string_bytes
            .map_or(usize::MAX, |m| m.saturating_sub(self.str_raw));
        let check = check_run(run, at_chunk_end, self.raw_surrogates);
        // The first offending byte wins: an invalid sequence counts from the byte that proves
        // it invalid (which wins a tie with the limit, as a held character's bytes are checked
        // before they are counted), a control character from itself (it loses the tie: it is
        // a content byte past the limit).
        let error_first = match check.error {
            Some(RunError::Utf8) => check.detected <= room,
            Some(RunError::Control(_) | RunError::LoneSurrogate) => check.valid < room,
            None => false,
        };
        if room < len && !error_first {
            // The run goes past the limit before any other problem: show the characters that
            // fit, then fail at the first byte beyond the limit.
            let mut fit = check.valid.min(room);
            // Back off to a character boundary (`check.valid` itself is one).
            while fit > 0 && fit < check.valid && (run[fit] & 0xC0) == 0x80 {
                fit -= 1;
            }
            self.emit_counted(&run[..fit], check.wtf8, sink);
            // Columns count characters that start before the error, so the continuation
            // bytes of a character cut by the limit must not count as characters.
            let cut = count_continuation_bytes(&run[fit..room.min(run.len())]);
            self.pos.add_continuation_bytes(cut);
            let max_string_bytes = self.opts.max_string_bytes.unwrap_or(usize::MAX);
            let kind = ErrorKind::StringTooLong { max_string_bytes };
            return Err(self.error_at(buf, pos + room, kind));
        }
        self.emit_counted(&run[..check.valid], check.wtf8, sink);
        self.str_raw += check.valid;
        match check.error {
            Some(RunError::LoneSurrogate) => {
                Err(self.error_at(buf, pos + check.valid, ErrorKind::LoneSurrogate))
            }
            Some(RunError::Control(b)) => {
                Err(self.error_at(buf, pos + check.valid, ErrorKind::ControlInString(b)))
            }
            Some(RunError::Utf8) => {
                Err(self.error_at(buf, pos + check.valid, ErrorKind::InvalidUtf8))
            }
            None => {
                if check.valid < len {
                    // A character cut by the end of the chunk: hold it until the rest arrives.
                    self.held.hold(&run[check.valid..]);
                    self.held_start = self.pos.consumed + (pos + check.valid) as u64;
                    self.str_raw += len - check.valid;
                }
                Ok(pos + len)
            }
        }
    }

    /// Emits valid text and counts its continuation bytes for column numbers.
    fn emit_counted<S: Sink>(&mut self, text: &[u8], wtf8: bool, sink: &mut S) {
        if !text.is_empty() {
            if !text.is_ascii() {
                let n = count_continuation_bytes(text);
                self.pos.add_continuation_bytes(n);
            }
            self.emit_text(text, wtf8, sink);
        }
    }

    /// Adds the next byte to a held partial character.
    fn continue_held_char<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        match self.held.push(&buf[pos..pos + 1]) {
            Utf8Progress::Invalid => {
                Err(self.error_at_offset(buf, self.held_start, 0, ErrorKind::InvalidUtf8))
            }
            progress => {
                if self.count_string_byte(buf, pos).is_err() {
                    // Past the limit inside a held character: its continuation bytes before
                    // this one are not columns (the character counts once, from its first byte).
                    let max_string_bytes = self.opts.max_string_bytes.unwrap_or(usize::MAX);
                    let kind = ErrorKind::StringTooLong { max_string_bytes };
                    let offset = self.pos.consumed + pos as u64;
                    let uncounted = self.held.len().saturating_sub(2);
                    return Err(self.error_at_offset(buf, offset, uncounted, kind));
                }
                if let Utf8Progress::Complete(_) = progress {
                    let char_bytes = self.held;
                    self.held.clear();
                    let n = utf8_sequence_len(char_bytes.bytes()[0]) - 1;
                    self.pos.add_continuation_bytes(n);
                    self.emit_text(char_bytes.bytes(), false, sink);
                }
                Ok(pos + 1)
            }
        }
    }

    /// Feeds one byte to the escape in progress.
    fn escape_byte<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let b = buf[pos];
        let consumes = self.escapes.consumes(b);
        if consumes {
            self.count_string_byte(buf, pos)?;
        }
        let mut out = Decoded::default();
        if let Err(expected) = self.escapes.step(b, &mut out) {
            return Err(self.unexpected(buf, pos, expected));
        }
        // Surrogate code points come out of escapes only alone (a pair makes one character).
        if out.wtf8 && !self.opts.lone_surrogates {
            return Err(self.error_at(buf, pos, ErrorKind::LoneSurrogate));
        }
        if !out.as_bytes().is_empty() {
            self.emit_text(out.as_bytes(), out.wtf8, sink);
        }
        Ok(if consumes { pos + 1 } else { pos })
    }

    /// Counts one raw content byte of the string against `max_string_bytes`.
    #[inline]
    fn count_string_byte(&mut self, buf: &[u8], pos: usize) -> Result<(), Fail> {
        if let Some(max_string_bytes) = self.opts.max_string_bytes {
            if self.str_raw >= max_string_bytes {
                return Err(self.error_at(buf, pos, ErrorKind::StringTooLong { max_string_bytes }));
            }
        }
        self.str_raw += 1;
        Ok(())
    }

    #[inline]
    fn emit_text<S: Sink>(&mut self, text: &[u8], wtf8: bool, sink: &mut S) {
        if self.str_is_key {
            self.key_buf.extend_from_slice(text);
            self.key_wtf8 |= wtf8;
        } else if self.state == State::Word {
            // An unquoted value is judged when it ends (repair mode).
            self.word.extend_from_slice(text);
            self.word_wtf8 |= wtf8;
        } else {
            sink.string_piece(text, wtf8);
        }
    }

    fn end_string<S: Sink>(&mut self, sink: &mut S) {
        if self.str_is_key {
            sink.key(&self.key_buf, self.key_wtf8);
            release(&mut self.key_buf);
            self.state = State::Colon;
        } else {
            sink.end_string();
            self.value_done();
        }
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
