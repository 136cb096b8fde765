//! Conversions of complete tokens to Python objects: strings, keys (through a bounded cache),
//! numbers. Each is called exactly once per completed value.

use std::cell::Cell;

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyFloat, PyString};

use crate::python::strings::str_from_utf8;

/// How non-integer numbers become Python objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatMode {
    /// `float`, correctly rounded (as `json.loads`).
    Float,
    /// `decimal.Decimal`, exact (as `json.loads(parse_float=Decimal)`).
    Decimal,
}

/// A Python `str` from decoded string bytes: UTF-8, or WTF-8 when `wtf8` says a lone
/// surrogate (from a `\uD800`-style escape) is inside, which `json.loads` keeps as is.
#[inline]
pub fn make_str<'py>(py: Python<'py>, bytes: &[u8], wtf8: bool) -> PyResult<Bound<'py, PyString>> {
    if !wtf8 {
        return str_from_utf8(py, bytes);
    }
    let len = bytes.len() as ffi::Py_ssize_t;
    let ptr = bytes.as_ptr().cast();
    // SAFETY: `ptr`/`len` describe a live slice for the duration of the call; CPython copies
    // the bytes, validates them and returns a new reference or NULL with an exception set.
    let raw = unsafe { ffi::PyUnicode_DecodeUTF8(ptr, len, c"surrogatepass".as_ptr()) };
    // SAFETY: `raw` is a new reference to a `str` (or NULL, turned into the pending exception).
    unsafe { Ok(Bound::from_owned_ptr_or_err(py, raw)?.cast_into_unchecked()) }
}

// ---- keys ---------------------------------------------------------------------------------

/// Keys longer than this are not cached.
const MAX_CACHED_KEY: usize = 64;
/// String values longer than this are not cached: values that repeat (tags, enum members,
/// names) are short, and a longer one (a title, a sentence) rarely repeats, so caching it
/// would cost a hash, a copy and an eviction for nothing.
pub const MAX_CACHED_VALUE: usize = 16;
/// Slots in the direct-mapped cache (a power of two).
const KEY_CACHE_SLOTS: usize = 4096;

/// A cached string with its bytes kept inline (no allocation per entry: a value cached once
/// and evicted soon, like a title, costs no `malloc`/`free`).
struct CachedKey {
    hash: u64,
    len: u8,
    bytes: [u8; MAX_CACHED_KEY],
    value: Py<PyString>,
}

impl CachedKey {
    #[inline]
    fn holds(&self, hash: u64, bytes: &[u8]) -> bool {
        self.hash == hash && usize::from(self.len) == bytes.len() && same_bytes(&self.bytes, bytes)
    }
}

/// Whether `bytes` is the start of `cached`: for up to 16 bytes with two overlapping word
/// compares (exact, since the lengths are known equal), not a `memcmp` call.
#[inline]
fn same_bytes(cached: &[u8; MAX_CACHED_KEY], bytes: &[u8]) -> bool {
    let n = bytes.len();
    let word = |b: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if (8..=16).contains(&n) {
        word(cached, 0) == word(bytes, 0) && word(cached, n - 8) == word(bytes, n - 8)
    } else if n < 8 {
        small_word(&cached[..n]) == small_word(bytes)
    } else {
        cached[..n] == *bytes
    }
}

/// A bounded, direct-mapped cache of key strings, one per thread: LLM output repeats a handful
/// of keys thousands of times, and a cached key also keeps its computed hash, which makes the
/// dict insertion cheaper. At most `KEY_CACHE_SLOTS` keys of at most `MAX_CACHED_KEY` bytes
/// are held per thread that parses (slots of about 360 KiB, made at its first key, freed with
/// the thread).
///
/// Per thread, not per process: parsers of different threads share nothing mutable, so on a
/// free-threaded interpreter they never contend for it (a shared cache would be one lock, or
/// one cache line, for every thread's keys), and with the GIL a thread never finds it taken by
/// another. The strings it hands out are immutable and may be shared like any `str`.
struct KeyCache {
    slots: Vec<Option<CachedKey>>,
}

/// This thread's key cache, when no feed of this thread is using it.
enum CacheSlot {
    /// Not made yet (the thread has not parsed a key).
    Unmade,
    /// Free to take.
    Idle(Box<KeyCache>),
    /// Taken by a feed in progress on this thread (a re-entrant feed, from a finalizer run in
    /// the middle of it, goes without the cache).
    Taken,
}

thread_local! {
    /// Dropped when the thread ends: its strings are released then (by a later holder of the
    /// interpreter when the thread has left it; see PyO3's `Py` drop).
    static KEY_CACHE: Cell<CacheSlot> = const { Cell::new(CacheSlot::Unmade) };
}

/// Takes this thread's key cache for one feed (made on first use); `None` while a feed of this
/// thread holds it, or while the thread is ending.
fn take_key_cache() -> Option<Box<KeyCache>> {
    KEY_CACHE
        .try_with(|slot| match slot.replace(CacheSlot::Taken) {
            CacheSlot::Idle(cache) => Some(cache),
            CacheSlot::Unmade => Some(Box::new(KeyCache { slots: Vec::new() })),
            CacheSlot::Taken => None,
        })
        .ok()
        .flatten()
}

/// Gives the key cache back to this thread (see [`take_key_cache`]).
fn return_key_cache(cache: Box<KeyCache>) {
    // While the thread is ending there is nowhere to put it: it is dropped here instead.
    let _ = KEY_CACHE.try_with(|slot| slot.set(CacheSlot::Idle(cache)));
}

/// The bytes of a key of at most eight bytes as one word, from at most two loads (the two
/// halves may overlap: this is for hashing, and a hit is confirmed byte by byte).
#[inline]
fn small_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if n >= 4 {
        let (mut lo, mut hi) = ([0u8; 4], [0u8; 4]);
        lo.copy_from_slice(&bytes[..4]);
        hi.copy_from_slice(&bytes[n - 4..]);
        u64::from(u32::from_le_bytes(lo)) | (u64::from(u32::from_le_bytes(hi)) << 32)
    } else if n > 0 {
        u64::from(bytes[0]) | (u64::from(bytes[n / 2]) << 8) | (u64::from(bytes[n - 1]) << 16)
    } else {
        0
    }
}

/// A cheap hash of a short key: one multiply per eight bytes.
#[inline]
fn hash_key(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h = (h.rotate_left(5) ^ small_word(words.remainder())).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Access to this thread's key cache for the duration of one feed: taken at the first key and
/// given back when the feed ends, so a long chunk pays for it once, not once per key.
#[derive(Default)]
pub struct KeyCacheSession {
    /// `None` until the first key; then the cache, or `None` inside if it was taken.
    cache: Option<Option<Box<KeyCache>>>,
}

impl Drop for KeyCacheSession {
    fn drop(&mut self) {
        if let Some(Some(cache)) = self.cache.take() {
            return_key_cache(cache);
        }
    }
}

impl KeyCacheSession {
    /// The Python `str` for an object key, from the cache when possible.
    pub fn key<'py>(
        &mut self,
        py: Python<'py>,
        bytes: &[u8],
        wtf8: bool,
    ) -> PyResult<Bound<'py, PyString>> {
        self.with_str(py, bytes, wtf8, MAX_CACHED_KEY, |s| Ok(s.clone()))
    }

    /// Calls `use_it` with the `str` for `bytes`, borrowed from the cache when it is there:
    /// placing a repeated value then costs no reference-count calls of its own. Strings
    /// longer than `max_cached` bytes are made without the cache.
    pub fn with_str<'py, R>(
        &mut self,
        py: Python<'py>,
        bytes: &[u8],
        wtf8: bool,
        max_cached: usize,
        use_it: impl FnOnce(&Bound<'py, PyString>) -> PyResult<R>,
    ) -> PyResult<R> {
        if wtf8 || bytes.len() > max_cached.min(MAX_CACHED_KEY) {
            return use_it(&make_str(py, bytes, wtf8)?);
        }
        let cache = self.cache.get_or_insert_with(take_key_cache);
        let Some(cache) = cache.as_mut() else {
            return use_it(&make_str(py, bytes, false)?);
        };
        if cache.slots.is_empty() {
            cache.slots.resize_with(KEY_CACHE_SLOTS, || None);
        }
        let hash = hash_key(bytes);
        let slot = &mut cache.slots[(hash as usize) & (KEY_CACHE_SLOTS - 1)];
        if let Some(hit) = slot {
            if hit.holds(hash, bytes) {
                return use_it(hit.value.bind(py));
            }
        }
        let value = make_str(py, bytes, false)?;
        let result = use_it(&value);
        let mut inline = [0u8; MAX_CACHED_KEY];
        inline[..bytes.len()].copy_from_slice(bytes);
        let entry = CachedKey {
            hash,
            len: bytes.len() as u8,
            bytes: inline,
            value: value.unbind(),
        };
        // The evicted string released as a `Bound` (a plain decref; dropping a `Py` first asks
        // a thread-local whether the interpreter is attached).
        drop(slot.replace(entry).map(|old| old.value.into_bound(py)));
        result
    }
}

// ---- numbers ------------------------------------------------------------------------------

/// Parses up to 18 digits (with an optional sign) without overflow.
fn small_int(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        n = n * 10 + i64::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, pyo3::types::PyType>> {
    static DECIMAL: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    DECIMAL.import(py, "decimal", "Decimal")
}

/// A Python number from the JSON text of a complete number (grammar already checked).
pub fn make_number<'py>(
    py: Python<'py>,
    text: &[u8],
    is_integer: bool,
    mode: FloatMode,
) -> PyResult<Bound<'py, PyAny>> {
    if is_integer {
        if let Some(n) = small_int(text) {
            return Ok(n.into_pyobject(py)?.into_any());
        }
        let mut c_text = Vec::with_capacity(text.len() + 1);
        c_text.extend_from_slice(text);
        c_text.push(0);
        // SAFETY: `c_text` is NUL-terminated and outlives the call; the result is a new
        // reference or NULL with an exception set (for instance CPython's digit limit).
        let raw =
            unsafe { ffi::PyLong_FromString(c_text.as_ptr().cast(), std::ptr::null_mut(), 10) };
        // SAFETY: as above.
        return unsafe { Bound::from_owned_ptr_or_err(py, raw) };
    }
    // The scanner only passes ASCII digits, signs, '.', 'e' and 'E'; checked anyway (cheaper
    // than `from_utf8` on a few bytes).
    if !text.is_ascii() {
        return Err(PyValueError::new_err("number is not ASCII"));
    }
    // SAFETY: ASCII (just checked) is valid UTF-8.
    let text_str = unsafe { std::str::from_utf8_unchecked(text) };
    match mode {
        FloatMode::Float => {
            if let Some(f) = crate::core::number::fast_f64(text) {
                return Ok(PyFloat::new(py, f).into_any());
            }
            let f: f64 = text_str
                .parse()
                .map_err(|_| PyValueError::new_err("invalid float"))?;
            Ok(PyFloat::new(py, f).into_any())
        }
        FloatMode::Decimal => decimal_type(py)?.call1((text_str,)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_ints() {
        assert_eq!(small_int(b"0"), Some(0));
        assert_eq!(small_int(b"-0"), Some(0));
        assert_eq!(small_int(b"-123"), Some(-123));
        assert_eq!(
            small_int(b"999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        assert_eq!(small_int(b"1000000000000000000"), None);
    }

    #[test]
    fn key_hash_spreads() {
        assert_ne!(hash_key(b"title"), hash_key(b"titles"));
        assert_ne!(hash_key(b"ab"), hash_key(b"ba"));
    }
}
