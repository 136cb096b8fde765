//! SSE wire text, written in Rust: the `patch` event of a batch of change ops, and any event
//! whose payload is a Python value (`done`, `error`).
//!
//! The SSE helper used to turn each op into a dict with a JSON Pointer string and `json.dumps`
//! every event: tens of microseconds of Python per chunk, most of a streaming server's cost.
//! Here the ops are read where the parser keeps them (string growth straight from its bytes)
//! and written as the event's text in one pass. The output is what the Python encoder wrote,
//! byte for byte (`core::json_text` writes as `json.dumps(..., ensure_ascii=False,
//! separators=(",", ":"))` does), so the wire format and `deltajson.js` are unchanged:
//!
//! - consecutive `append`s to one string, and an `add` of a string followed by its `append`s,
//!   are merged into one op;
//! - a float with no JSON form (`NaN` read with `allow_nan`, `1e400`) is sent as `null`, and the
//!   event's `"nonfinite"` maps its JSON Pointer to `"NaN"`, `"Infinity"` or `"-Infinity"`;
//! - a lone surrogate is sent as its `\uDXXX` escape;
//! - anything that is not a JSON value is sent as its `str()` (as `json.dumps(default=str)`);
//! - values are walked without recursion, so a value nested as deep as the parser allows is
//!   written like any other.
//!
//! The same walk writes a value's JSON text for the typed layer ([`json_text`]), which
//! validates a completed value with Pydantic's JSON mode from its text: there a non-finite
//! float is written as `json.dumps` writes it (`NaN`, `Infinity`), and a value that is not
//! JSON data is refused (the caller falls back to `json.dumps`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::core::json_text::{
    push_float, push_int, push_pointer_segment, push_string, push_string_content,
};

/// Containers nested deeper than this in a value to send are refused (a value the parser
/// built is at most `max_depth` deep; this only stops a cyclic payload of the caller's).
const MAX_NESTING: usize = 100_000;

/// The bytes of a `str`: UTF-8, or WTF-8 when it holds a lone surrogate.
fn str_bytes<'a>(text: &'a Bound<'_, PyString>, scratch: &'a mut Vec<u8>) -> PyResult<&'a [u8]> {
    if let Ok(utf8) = text.to_str() {
        return Ok(utf8.as_bytes());
    }
    let encoded = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
    scratch.clear();
    scratch.extend_from_slice(encoded.cast::<PyBytes>()?.as_bytes());
    Ok(scratch)
}

/// The JSON Pointer of a path tuple (keys and indexes), written as JSON string content.
fn push_pointer(out: &mut Vec<u8>, path: &Bound<'_, PyTuple>) -> PyResult<()> {
    let mut scratch = Vec::new();
    for part in path.iter() {
        if let Ok(key) = part.cast::<PyString>() {
            push_pointer_segment(out, str_bytes(key, &mut scratch)?);
        } else {
            let text = part.str()?;
            push_pointer_segment(out, str_bytes(&text, &mut scratch)?);
        }
    }
    Ok(())
}

/// Floats with no JSON form met while writing, by JSON Pointer (written as string content).
#[derive(Default)]
struct NonFinite {
    entries: Vec<u8>,
}

impl NonFinite {
    fn record(&mut self, pointer: &[u8], value: f64) {
        if !self.entries.is_empty() {
            self.entries.push(b',');
        }
        self.entries.push(b'"');
        self.entries.extend_from_slice(pointer);
        self.entries.extend_from_slice(b"\":");
        self.entries.extend_from_slice(if value.is_nan() {
            b"\"NaN\"".as_slice()
        } else if value > 0.0 {
            b"\"Infinity\"".as_slice()
        } else {
            b"\"-Infinity\"".as_slice()
        });
    }

    /// Writes `,"nonfinite":{...}` if any was met.
    fn push_member(&self, out: &mut Vec<u8>) {
        if !self.entries.is_empty() {
            out.extend_from_slice(b",\"nonfinite\":{");
            out.extend_from_slice(&self.entries);
            out.push(b'}');
        }
    }
}

/// A container being written.
enum Open<'py> {
    List {
        list: Bound<'py, PyList>,
        next: usize,
    },
    Tuple {
        tuple: Bound<'py, PyTuple>,
        next: usize,
    },
    Dict {
        items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
        next: usize,
    },
}

/// How a value is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// For the wire: a non-finite float as `null` (named in `"nonfinite"`), anything that is
    /// not JSON data as its `str()`.
    Wire,
    /// As `json.dumps` writes JSON data: a non-finite float as `NaN`, `Infinity` or
    /// `-Infinity`; anything else refused.
    Exact,
}

/// Writes `value` as JSON. `pointer` is its JSON Pointer in the document (as string content):
/// a non-finite float is recorded in `nonfinite` under its own pointer. Pointers are followed
/// only once one is met (the value is then written again, tracking them), so the common value
/// costs no pointer bookkeeping.
fn push_value(
    out: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    pointer: &[u8],
    nonfinite: &mut NonFinite,
) -> PyResult<()> {
    let start = out.len();
    if walk(out, value, None, nonfinite, Mode::Wire)? {
        return Ok(());
    }
    out.truncate(start);
    let mut tracked = pointer.to_vec();
    walk(out, value, Some(&mut tracked), nonfinite, Mode::Wire)?;
    Ok(())
}

/// The walk of `push_value`, without recursion. It stops and returns false, untracked
/// (`pointer` is `None`) in `Mode::Wire`, at the first non-finite float; in `Mode::Exact`, at
/// the first value that is not JSON data.
fn walk(
    out: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    mut pointer: Option<&mut Vec<u8>>,
    nonfinite: &mut NonFinite,
    mode: Mode,
) -> PyResult<bool> {
    let mut scratch = Vec::new();
    // Each open container, and the length of the pointer before its current child's segment.
    let mut stack: Vec<(Open<'_>, usize)> = Vec::new();
    let mut current = Some(value.clone());
    loop {
        if let Some(value) = current.take() {
            match push_scalar_or_open(out, &value, &mut scratch, mode)? {
                Written::Scalar => {}
                Written::Foreign => return Ok(false),
                Written::NonFinite(f) => match pointer.as_deref() {
                    Some(at) => nonfinite.record(at, f),
                    None => return Ok(false),
                },
                Written::Open(open) => {
                    if stack.len() >= MAX_NESTING {
                        return Err(PyValueError::new_err(
                            "the value to send is nested too deep",
                        ));
                    }
                    let base = pointer.as_deref().map_or(0, Vec::len);
                    stack.push((open, base));
                }
            }
        }
        let Some((open, base)) = stack.last_mut() else {
            return Ok(true);
        };
        if let Some(at) = pointer.as_deref_mut() {
            at.truncate(*base);
        }
        let (index, len) = match open {
            Open::List { list, next } => (*next, list.len()),
            Open::Tuple { tuple, next } => (*next, tuple.len()),
            Open::Dict { items, next } => (*next, items.len()),
        };
        if index == len {
            out.push(if matches!(open, Open::Dict { .. }) {
                b'}'
            } else {
                b']'
            });
            stack.pop();
            continue;
        }
        if index > 0 {
            out.push(b',');
        }
        current = Some(match open {
            Open::List { list, next } => {
                *next += 1;
                push_index(pointer.as_deref_mut(), index);
                list.get_item(index)?
            }
            Open::Tuple { tuple, next } => {
                *next += 1;
                push_index(pointer.as_deref_mut(), index);
                tuple.get_item(index)?
            }
            Open::Dict { items, next } => {
                *next += 1;
                let (key, item) = &items[index];
                let key_text = match key.cast::<PyString>() {
                    Ok(key) => key.clone(),
                    Err(_) if mode == Mode::Exact => return Ok(false),
                    Err(_) => dict_key_text(key)?,
                };
                let bytes = str_bytes(&key_text, &mut scratch)?;
                push_string(out, bytes);
                out.push(b':');
                if let Some(at) = pointer.as_deref_mut() {
                    push_pointer_segment(at, bytes);
                }
                item.clone()
            }
        });
    }
}

fn push_index(pointer: Option<&mut Vec<u8>>, index: usize) {
    if let Some(at) = pointer {
        at.push(b'/');
        push_int(at, index as i64);
    }
}

/// A dict key that is not a `str`, as `json.dumps` writes it (`1`, `true`, `null`, ...).
fn dict_key_text<'py>(key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    let py = key.py();
    if key.is_none() {
        return Ok(PyString::new(py, "null"));
    }
    if let Ok(flag) = key.cast::<PyBool>() {
        return Ok(PyString::new(
            py,
            if flag.is_true() { "true" } else { "false" },
        ));
    }
    key.str()
}

/// What `push_scalar_or_open` wrote.
enum Written<'py> {
    Scalar,
    /// `null`, for this float that JSON has no form for (`Mode::Wire`).
    NonFinite(f64),
    /// Nothing: this is not JSON data (`Mode::Exact`).
    Foreign,
    /// The opening bracket of this container, to be walked.
    Open(Open<'py>),
}

/// Writes a scalar, or the opening bracket of a container.
fn push_scalar_or_open<'py>(
    out: &mut Vec<u8>,
    value: &Bound<'py, PyAny>,
    scratch: &mut Vec<u8>,
    mode: Mode,
) -> PyResult<Written<'py>> {
    if let Ok(text) = value.cast::<PyString>() {
        push_string(out, str_bytes(text, scratch)?);
    } else if value.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(flag) = value.cast::<PyBool>() {
        out.extend_from_slice(if flag.is_true() { b"true" } else { b"false" });
    } else if let Ok(int) = value.cast::<PyInt>() {
        match int.extract::<i64>() {
            Ok(n) => push_int(out, n),
            Err(_) => {
                // Beyond 64 bits: CPython's own digits (`int.__repr__`, as `json.dumps`).
                let digits = int.call_method0("__repr__")?;
                out.extend_from_slice(digits.cast::<PyString>()?.to_str()?.as_bytes());
            }
        }
    } else if let Ok(float) = value.cast::<PyFloat>() {
        let f = float.value();
        if !push_float(out, f) {
            if mode == Mode::Exact {
                out.extend_from_slice(match f {
                    f if f.is_nan() => b"NaN".as_slice(),
                    f if f > 0.0 => b"Infinity".as_slice(),
                    _ => b"-Infinity".as_slice(),
                });
                return Ok(Written::Scalar);
            }
            out.extend_from_slice(b"null");
            return Ok(Written::NonFinite(f));
        }
    } else if let Ok(list) = value.cast::<PyList>() {
        out.push(b'[');
        return Ok(Written::Open(Open::List {
            list: list.clone(),
            next: 0,
        }));
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        out.push(b'[');
        return Ok(Written::Open(Open::Tuple {
            tuple: tuple.clone(),
            next: 0,
        }));
    } else if let Ok(dict) = value.cast::<PyDict>() {
        out.push(b'{');
        // The items as they are now: a value is not changed while it is being sent.
        let items = dict.iter().collect();
        return Ok(Written::Open(Open::Dict { items, next: 0 }));
    } else {
        if mode == Mode::Exact {
            return Ok(Written::Foreign);
        }
        // Not a JSON value (a Decimal with float_mode="decimal", a date): its str().
        let text = value.str()?;
        push_string(out, str_bytes(&text, scratch)?);
    }
    Ok(Written::Scalar)
}

/// The op waiting to be written, kept while the next may extend it: an `add` of a string or
/// an `append`, with its pointer and text so far.
struct Pending {
    append: bool,
    pointer: Vec<u8>,
    text: Vec<u8>,
}

/// Builds one `patch` event from a batch of ops.
#[derive(Default)]
pub struct PatchWriter {
    ops: Vec<u8>,
    completed: Vec<u8>,
    nonfinite: NonFinite,
    pending: Option<Pending>,
    /// An op was written or is pending (a batch of only `done`s still makes an event).
    any: bool,
}

impl PatchWriter {
    /// Adds a `(op, path, value)` or `("remove", path)` tuple, as `Parser.changes()` gives.
    pub fn op(&mut self, op: &Bound<'_, PyAny>) -> PyResult<()> {
        let op = op.cast::<PyTuple>()?;
        let kind_item = op.get_item(0)?;
        let kind = kind_item.cast::<PyString>()?.to_str()?;
        let path_item = op.get_item(1)?;
        let path = path_item.cast::<PyTuple>()?;
        let mut pointer = Vec::new();
        push_pointer(&mut pointer, path)?;
        self.any = true;
        match kind {
            "append" => {
                let value = op.get_item(2)?;
                let mut scratch = Vec::new();
                let text = str_bytes(value.cast::<PyString>()?, &mut scratch)?.to_vec();
                self.append(pointer, &text);
            }
            "add" => {
                let value = op.get_item(2)?;
                if let Ok(text) = value.cast::<PyString>() {
                    self.flush();
                    let mut scratch = Vec::new();
                    let text = str_bytes(text, &mut scratch)?.to_vec();
                    self.pending = Some(Pending {
                        append: false,
                        pointer,
                        text,
                    });
                } else {
                    self.flush();
                    self.start_op(b"add", &pointer);
                    self.ops.extend_from_slice(b",\"value\":");
                    push_value(&mut self.ops, &value, &pointer, &mut self.nonfinite)?;
                    self.ops.push(b'}');
                }
            }
            "done" => {
                if !self.completed.is_empty() {
                    self.completed.push(b',');
                }
                self.completed.push(b'"');
                self.completed.extend_from_slice(&pointer);
                self.completed.push(b'"');
            }
            "remove" => {
                self.flush();
                self.start_op(b"remove", &pointer);
                self.ops.push(b'}');
            }
            other => return Err(PyValueError::new_err(format!("unknown op {other:?}"))),
        }
        Ok(())
    }

    /// Adds new text of the string at `pointer` (merged into the op before it when that is
    /// the same string's).
    pub fn append(&mut self, pointer: Vec<u8>, text: &[u8]) {
        self.any = true;
        if let Some(pending) = self.pending.as_mut() {
            if pending.pointer == pointer {
                pending.text.extend_from_slice(text);
                return;
            }
        }
        self.flush();
        self.pending = Some(Pending {
            append: true,
            pointer,
            text: text.to_vec(),
        });
    }

    /// Adds new text of the string at `path` (the parser's own record of string growth).
    pub fn append_at(&mut self, path: &Bound<'_, PyTuple>, text: &[u8]) -> PyResult<()> {
        let mut pointer = Vec::new();
        push_pointer(&mut pointer, path)?;
        self.append(pointer, text);
        Ok(())
    }

    fn start_op(&mut self, name: &[u8], pointer: &[u8]) {
        if !self.ops.is_empty() {
            self.ops.push(b',');
        }
        self.ops.extend_from_slice(b"{\"op\":\"");
        self.ops.extend_from_slice(name);
        self.ops.extend_from_slice(b"\",\"path\":\"");
        self.ops.extend_from_slice(pointer);
        self.ops.push(b'"');
    }

    fn flush(&mut self) {
        if let Some(pending) = self.pending.take() {
            let name: &[u8] = if pending.append { b"append" } else { b"add" };
            self.start_op(name, &pending.pointer);
            self.ops.extend_from_slice(b",\"value\":\"");
            push_string_content(&mut self.ops, &pending.text);
            self.ops.extend_from_slice(b"\"}");
        }
    }

    /// The event's bytes (`None` when the batch held no op), with `"progress"` if given.
    pub fn event<'py>(
        mut self,
        py: Python<'py>,
        progress: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        if !self.any {
            return Ok(None);
        }
        self.flush();
        let mut out = Vec::with_capacity(self.ops.len() + self.completed.len() + 64);
        out.extend_from_slice(b"event: patch\ndata: {\"ops\":[");
        out.extend_from_slice(&self.ops);
        out.extend_from_slice(b"],\"completed\":[");
        out.extend_from_slice(&self.completed);
        out.push(b']');
        if let Some(progress) = progress {
            out.extend_from_slice(b",\"progress\":");
            if !push_float(&mut out, progress) {
                out.extend_from_slice(b"null");
            }
        }
        self.nonfinite.push_member(&mut out);
        out.extend_from_slice(b"}\n\n");
        Ok(Some(PyBytes::new(py, &out)))
    }
}

/// `patch_event(ops, progress=None)`: the `patch` event of a list of change ops (as
/// `Parser.changes()` returns them), or `None` when the list is empty.
#[pyfunction]
#[pyo3(signature = (ops, /, progress=None))]
pub fn patch_event<'py>(
    py: Python<'py>,
    ops: &Bound<'py, PyList>,
    progress: Option<f64>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let mut writer = PatchWriter::default();
    for op in ops.iter() {
        writer.op(&op)?;
    }
    writer.event(py, progress)
}

/// `value_event(name, value)`: the event `name` whose data is `{"value": value}` (the `done`
/// event), a non-finite float named in `"nonfinite"` by its pointer in the value.
#[pyfunction]
#[pyo3(signature = (name, value, /))]
pub fn value_event<'py>(
    py: Python<'py>,
    name: &str,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    write_event(py, name, value, true)
}

/// `event(name, payload)`: the event `name` whose data is `payload` as JSON (an `error`
/// event's dict), non-finite floats as `null`.
#[pyfunction]
#[pyo3(signature = (name, payload, /))]
pub fn event<'py>(
    py: Python<'py>,
    name: &str,
    payload: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    write_event(py, name, payload, false)
}

/// `json_text(value)`: the JSON text of `value` in UTF-8, as `json.dumps(value,
/// ensure_ascii=False, separators=(",", ":"))` writes it (floats in `repr`'s form, `NaN` and
/// `Infinity` as it writes them), a lone surrogate as its `\uDXXX` escape; `None` when
/// `value` holds anything that is not JSON data (a `Decimal`, a dict key that is not a
/// `str`). The typed layer validates completed values from this text.
#[pyfunction]
#[pyo3(signature = (value, /))]
pub fn json_text<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let mut out = Vec::with_capacity(128);
    let mut nonfinite = NonFinite::default();
    if !walk(&mut out, value, None, &mut nonfinite, Mode::Exact)? {
        return Ok(None);
    }
    Ok(Some(PyBytes::new(py, &out)))
}

/// `event: NAME` and one `data:` line: `{"value": ...}` (naming non-finite floats) when
/// `wrapped`, else the payload itself.
fn write_event<'py>(
    py: Python<'py>,
    name: &str,
    data: &Bound<'py, PyAny>,
    wrapped: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    let mut nonfinite = NonFinite::default();
    if wrapped {
        out.extend_from_slice(b"{\"value\":");
    }
    push_value(&mut out, data, b"", &mut nonfinite)?;
    if wrapped {
        nonfinite.push_member(&mut out);
        out.push(b'}');
    }
    out.extend_from_slice(b"\n\n");
    Ok(PyBytes::new(py, &out))
}
