//! Repair mode's scalar candidate: the text before any `{`/`[`, read by a strict scanner as
//! well, in case the whole document is one scalar (see `ScalarCandidate`).

use super::{Fail, RawSurrogates, Scanner, State};
use crate::core::error::Error;
use crate::core::events::{Event, EventLog};
use crate::core::options::Options;
use crate::core::sink::{Literal, Sink};

/// Repair mode reads one value found after prose, so a document that is a scalar (`42`,
/// `"text"`, `true`) would be skipped as prose, yet it is valid JSON, which must read as in
/// strict mode. The text before any `{`/`[` is therefore also read by a strict scanner, its
/// events kept: if the input ends there and that text is one scalar, it is the value. The
/// candidate is dropped as soon as the text cannot be one (its first invalid byte), so it
/// holds at most one scalar's events.
///
/// Strict mode's limits hold too: a string over `max_string_bytes` (or an integer over
/// `max_int_digits`) fails with strict mode's error, but only once the input has ended and
/// the text is known to be the document rather than prose before one. So when a limit is
/// set, a second strict scanner without limits (`shape`, events dropped) reads the same
/// bytes, to tell whether the text is still one scalar after the limited one failed.
#[derive(Clone, Debug)]
pub(super) struct ScalarCandidate {
    scanner: Scanner,
    log: EventLog,
    shape: Option<Scanner>,
    /// The limited scanner's error, if it failed on a limit.
    over_limit: Option<Error>,
}

/// A sink that drops every event (the candidate's `shape` scanner only checks the grammar).
struct Ignore;

impl Sink for Ignore {
    fn begin_object(&mut self) {}
    fn end_object(&mut self) {}
    fn begin_array(&mut self) {}
    fn end_array(&mut self) {}
    fn key(&mut self, _: &[u8], _: bool) {}
    fn string(&mut self, _: &[u8], _: bool) {}
    fn begin_string(&mut self) {}
    fn string_piece(&mut self, _: &[u8], _: bool) {}
    fn end_string(&mut self) {}
    fn number(&mut self, _: &[u8], _: bool) {}
    fn literal(&mut self, _: Literal) {}
}

impl ScalarCandidate {
    /// A candidate for a repair-mode parser of one value; `None` otherwise.
    pub(super) fn for_options(opts: &Options) -> Option<Box<ScalarCandidate>> {
        if !opts.repair || opts.multiple {
            return None;
        }
        let strict = Options {
            lenient: false,
            repair: false,
            max_bytes: None,
            ..opts.clone()
        };
        let limited = strict.max_string_bytes.is_some() || strict.max_int_digits.is_some();
        let shape = limited.then(|| {
            Scanner::new(Options {
                max_string_bytes: None,
                max_int_digits: None,
                ..strict.clone()
            })
        });
        Some(Box::new(ScalarCandidate {
            scanner: Scanner::new(strict),
            log: EventLog::default(),
            shape,
            over_limit: None,
        }))
    }

    pub(super) fn heap_size(&self) -> usize {
        std::mem::size_of::<ScalarCandidate>()
            + self.scanner.heap_size()
            + self.shape.as_ref().map_or(0, Scanner::heap_size)
    }

    /// Reads `bytes`; false once the text cannot be one scalar.
    fn feed(&mut self, bytes: &[u8], raw_surrogates: RawSurrogates) -> bool {
        if self.over_limit.is_none() {
            self.scanner.raw_surrogates = raw_surrogates;
            if let Err(e) = self.scanner.feed_checked(bytes, &mut self.log) {
                if self.shape.is_none() || !e.kind.is_limit() {
                    return false;
                }
                self.over_limit = Some(e);
            }
        }
        match &mut self.shape {
            Some(shape) => {
                shape.raw_surrogates = raw_surrogates;
                shape.feed_checked(bytes, &mut Ignore).is_ok()
            }
            None => true,
        }
    }

    /// Whether the text read is inside a string.
    fn in_string(&self) -> bool {
        self.shape.as_ref().unwrap_or(&self.scanner).state == State::Str
    }
}

/// Delivers the candidate's events (its scalar, or what strict mode delivered before a
/// limit error).
fn replay<S: Sink>(log: &EventLog, sink: &mut S) {
    for event in &log.events {
        match event {
            Event::BeginString => sink.begin_string(),
            Event::Text(text) => sink.string_piece(text, std::str::from_utf8(text).is_err()),
            Event::EndString => sink.end_string(),
            Event::Number(text, is_integer) => sink.number(text.as_bytes(), *is_integer),
            Event::Literal(literal) => sink.literal(*literal),
            // A `{` or `[` outside a string ends the prose, so no container gets here.
            _ => {}
        }
    }
}

impl Scanner {
    /// Feeds prose to the scalar candidate, dropping it at its first error.
    pub(super) fn feed_candidate(&mut self, bytes: &[u8]) {
        let raw_surrogates = self.raw_surrogates;
        if let Some(candidate) = self.candidate.as_mut() {
            if !candidate.feed(bytes, raw_surrogates) {
                self.candidate = None;
            }
        }
    }

    /// Whether the scalar candidate is inside a string.
    pub(super) fn candidate_in_string(&self) -> bool {
        self.candidate.as_ref().is_some_and(|c| c.in_string())
    }

    /// At the end of input with no `{`/`[` found: if the text read is one scalar, it is the
    /// value (no repair: it is valid JSON), or strict mode's error if it passes a limit (the
    /// events before the error delivered first, as strict mode delivers them).
    pub(super) fn finish_candidate<S: Sink>(&mut self, sink: &mut S) -> Result<(), Fail> {
        let Some(mut candidate) = self.candidate.take() else {
            return Ok(());
        };
        if self.state != State::Prose {
            return Ok(());
        }
        let ScalarCandidate {
            scanner,
            log,
            shape,
            over_limit,
        } = &mut *candidate;
        if over_limit.is_none() {
            match scanner.finish(log) {
                Ok(()) => {}
                Err(e) if shape.is_some() && e.kind.is_limit() => *over_limit = Some(e),
                Err(_) => return Ok(()),
            }
        }
        if let Some(shape) = shape {
            if shape.finish(&mut Ignore).is_err() {
                return Ok(());
            }
        }
        replay(log, sink);
        if let Some(e) = over_limit.take() {
            return Err(Box::new(e));
        }
        self.prose_start = None;
        self.values_done += 1;
        self.state = State::Stopped;
        Ok(())
    }
}
