//! `deltajson._deltajson.Parser`: the scanner and the object builder behind one Python class.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyMemoryView, PyString, PyTuple};

use crate::core::{Error, Options, Scanner, Sink, Status, Tape};
use crate::python::builder::PyBuilder;
use crate::python::changes::Selector;
use crate::python::convert::FloatMode;
use crate::python::errors::to_py_err;
use crate::python::input::read_chunk;
use crate::python::typed::Lane;
use crate::python::whole::PyValues;
use crate::python::wire::PatchWriter;

/// Chunks of at least this many bytes are scanned with the GIL released (into a tape of events,
/// replayed into the builder afterwards) while other Python threads run. Below it the release
/// and the tape would cost more than other threads gain.
const DETACH_ABOVE: usize = 256 * 1024;

/// Scans one chunk: a `str` that held a lone surrogate is WTF-8 (see `Scanner::feed_wtf8`).
fn scan<S: Sink>(
    scanner: &mut Scanner,
    bytes: &[u8],
    wtf8: bool,
    sink: &mut S,
) -> Result<(), Error> {
    if wtf8 {
        scanner.feed_wtf8(bytes, sink)
    } else {
        scanner.feed(bytes, sink)
    }
}

/// Whether releasing the GIL around the scan of a big chunk lets other threads run meanwhile:
/// only while there is a GIL to release, and another Python thread of this interpreter is
/// running. Releasing it then is worth the tape (about 6% more instructions on a list of
/// records); alone, a parser scans and builds in one pass.
///
/// On a free-threaded interpreter (3.13t) the GIL is off unless something turned it back on
/// (`PYTHON_GIL=1`, or an extension module that does not declare itself free-threading ready):
/// threads already run side by side, and the one-pass path is taken. If the GIL is on, big
/// chunks are scanned detached as on any other build.
fn detach_pays(py: Python<'_>) -> bool {
    gil_enabled(py) && other_threads_run(py)
}

/// `sys._is_gil_enabled()` (CPython 3.13+; before, always true). Read each time, since the GIL
/// of a free-threaded interpreter can be turned on while it runs; the function itself is looked
/// up once. If the question cannot be answered, the answer is yes.
fn gil_enabled(py: Python<'_>) -> bool {
    static IS_GIL_ENABLED: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    let get = IS_GIL_ENABLED.get_or_init(py, || {
        let sys = py.import("sys").ok()?;
        Some(sys.getattr("_is_gil_enabled").ok()?.unbind())
    });
    let Some(get) = get else {
        return true;
    };
    !matches!(
        get.call0(py).and_then(|on| on.extract::<bool>(py)),
        Ok(false)
    )
}

/// Whether another Python thread of this interpreter is running (`_thread._count()`, which
/// counts every thread started by `threading` or `_thread`). A thread started later waits for
/// the GIL as it would during any call that holds it. If the question cannot be answered, the
/// answer is yes.
fn other_threads_run(py: Python<'_>) -> bool {
    static COUNT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    let count = COUNT.get_or_init(py, || {
        let thread = py.import("_thread").ok()?;
        Some(thread.getattr("_count").ok()?.unbind())
    });
    let Some(count) = count else {
        return true;
    };
    !matches!(count.call0(py).and_then(|n| n.extract::<usize>(py)), Ok(0))
}

/// An incremental JSON parser: `feed()` chunks, read `snapshot()` at any time, `finish()`.
#[pyclass(module = "deltajson._deltajson", name = "Parser")]
pub struct Parser {
    scanner: Scanner,
    builder: PyBuilder,
    /// A Python exception raised while building values (e.g. MemoryError); fails the parser.
    build_error: Option<PyErr>,
    partial_strings: bool,
    float_mode: FloatMode,
}

/// CPython's current limit on digits of `int(str)` (`None` when unlimited or before 3.11).
/// Read for every parser, since `sys.set_int_max_str_digits` may change it; the function
/// itself is looked up once.
fn int_max_str_digits(py: Python<'_>) -> Option<usize> {
    static GET_LIMIT: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    let get = GET_LIMIT.get_or_init(py, || {
        let sys = py.import("sys").ok()?;
        Some(sys.getattr("get_int_max_str_digits").ok()?.unbind())
    });
    match get.as_ref()?.call0(py).ok()?.extract::<usize>(py) {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

impl Parser {
    /// `_step` (see there), for Rust callers too.
    pub(crate) fn step(
        &mut self,
        py: Python<'_>,
        chunk: &Bound<'_, PyAny>,
        pieces: &Bound<'_, PyList>,
        apply: &Bound<'_, PyAny>,
        lane: Option<&Bound<'_, Lane>>,
    ) -> PyResult<u8> {
        if chunk.is_instance_of::<PyString>() || chunk.is_exact_instance_of::<PyBytes>() {
            pieces.append(chunk)?;
        } else if chunk.is_instance_of::<PyBytes>()
            || chunk.is_instance_of::<PyByteArray>()
            || chunk.is_instance_of::<PyMemoryView>()
        {
            pieces.append(py.get_type::<PyBytes>().call1((chunk,))?)?;
        }
        self.feed(py, chunk)?;
        if !self.builder.has_changes() {
            return Ok(0);
        }
        let ops = self.builder.changes(py)?;
        let taken = match lane {
            Some(lane) => lane.borrow_mut().apply(&ops)?,
            None => 0,
        };
        if taken == ops.len() {
            return Ok(1);
        }
        let applied = apply.call1((ops.get_slice(taken, ops.len()),));
        if let Some(lane) = lane {
            lane.borrow_mut().forget();
        }
        applied?;
        Ok(2)
    }

    /// Raises the Python error a build step met (then on every later call), if any.
    #[inline(always)]
    fn fail_on_build_error(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.build_error.is_none() && !self.builder.has_error() {
            return Ok(());
        }
        self.raise_build_error(py)
    }

    /// The slow half of `fail_on_build_error`, out of line.
    #[cold]
    fn raise_build_error(&mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(e) = self.builder.take_error() {
            self.build_error = Some(e.clone_ref(py));
            return Err(e);
        }
        match &self.build_error {
            Some(e) => Err(e.clone_ref(py)),
            None => Ok(()),
        }
    }

    /// Reads `bytes` by descent when it is the whole document of a fresh, unrecorded parser
    /// (the common one-shot call; see `Scanner::feed_whole`); false leaves everything as it
    /// was, for the scanner.
    fn read_whole(&mut self, py: Python<'_>, bytes: &[u8]) -> bool {
        if !self.builder.takes_whole() {
            return false;
        }
        let mut values = PyValues::new(py, self.builder.float_mode());
        match self.scanner.feed_whole(bytes, &mut values) {
            Some(value) => {
                self.builder.set_whole(value);
                true
            }
            None => false,
        }
    }

    /// The copy of the open spine's root (see `_open_spine`) when it is the whole partial value
    /// as a re-parsing peer in partial mode sees it: inside a container, nothing failed, and
    /// no number being read (the one unfinished token such peers complete); else `None`.
    pub(crate) fn settled_value(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.build_error.is_some()
            || self.scanner.depth() == 0
            || matches!(self.scanner.tail_state(), "number" | "error")
        {
            return Ok(None);
        }
        let copies = self.builder.fresh_spine(py)?;
        Ok(copies.into_iter().next().map(Bound::unbind))
    }

    fn raise(&mut self, py: Python<'_>, e: &crate::core::Error) -> PyErr {
        let builder = &mut self.builder;
        to_py_err(py, e, || builder.snapshot(py, true))
    }
}

#[pymethods]
impl Parser {
    #[new]
    #[pyo3(signature = (*, partial_strings=true, multiple=false, max_depth=1024, max_bytes=None, max_string_bytes=None, allow_nan=false, float_mode="float", lenient=false, allow_lone_surrogates=true, repair=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        partial_strings: bool,
        multiple: bool,
        max_depth: usize,
        max_bytes: Option<u64>,
        max_string_bytes: Option<usize>,
        allow_nan: bool,
        float_mode: &str,
        lenient: bool,
        allow_lone_surrogates: bool,
        repair: bool,
    ) -> PyResult<Self> {
        let float_mode = match float_mode {
            "float" => FloatMode::Float,
            "decimal" => FloatMode::Decimal,
            other => {
                return Err(PyValueError::new_err(format!(
                    "float_mode must be 'float' or 'decimal', not {other:?}"
                )))
            }
        };
        if max_depth == 0 {
            return Err(PyValueError::new_err("max_depth must be at least 1"));
        }
        let opts = Options {
            multiple,
            allow_nan,
            max_depth,
            max_bytes,
            max_string_bytes,
            max_int_digits: int_max_str_digits(py),
            lenient: lenient || repair,
            lone_surrogates: allow_lone_surrogates,
            repair,
        };
        Ok(Parser {
            scanner: Scanner::new(opts),
            builder: PyBuilder::new(multiple, partial_strings, float_mode),
            build_error: None,
            partial_strings,
            float_mode,
        })
    }

    /// Feeds the next chunk of the document.
    #[pyo3(signature = (chunk, /))]
    pub(crate) fn feed(&mut self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<()> {
        self.fail_on_build_error(py)?;
        let data = read_chunk(chunk)?;
        let bytes = data.as_bytes();
        let wtf8 = data.is_wtf8();
        let result = if bytes.len() >= DETACH_ABOVE && detach_pays(py) {
            // A big chunk while other threads wait for the GIL: scan it with the GIL released,
            // so that they run meanwhile, then build its values. `bytes` is immutable while we
            // hold `data` (a `bytes` or `str` object, or our own copy of a bytearray), so
            // reading it detached is safe.
            let scanner = &mut self.scanner;
            let mut tape = Tape::for_chunk(bytes);
            let scanned = py.detach(|| scan(scanner, bytes, wtf8, &mut tape));
            tape.replay(&mut self.builder.context(py));
            scanned
        } else if !wtf8 && self.read_whole(py, bytes) {
            Ok(())
        } else {
            scan(
                &mut self.scanner,
                bytes,
                wtf8,
                &mut self.builder.context(py),
            )
        };
        self.fail_on_build_error(py)?;
        result.map_err(|e| self.raise(py, &e))
    }

    /// The current partial value; never mutated by later feeds unless `copy=False`.
    #[pyo3(signature = (*, copy=true))]
    pub(crate) fn snapshot(&mut self, py: Python<'_>, copy: bool) -> PyResult<Py<PyAny>> {
        self.builder.snapshot(py, copy)
    }

    /// New shallow copies of the open containers, outermost first (empty when none is open),
    /// each holding the next one's copy: a snapshot that is the caller's to edit, never kept
    /// or reused by the parser. For the `deltajson.compat` shims.
    fn _open_spine<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let copies = self.builder.fresh_spine(py)?;
        PyList::new(py, copies)
    }

    /// Ends the input and returns the final value.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.fail_on_build_error(py)?;
        let result = self.scanner.finish(&mut self.builder.context(py));
        self.fail_on_build_error(py)?;
        if let Err(e) = result {
            return Err(self.raise(py, &e));
        }
        let value = self.builder.snapshot(py, false)?;
        if self.scanner.options().multiple && value.is_none(py) {
            return Ok(pyo3::types::PyList::empty(py).into_any().unbind());
        }
        Ok(value)
    }

    /// The changes since the last call: `("add", path, value)`, `("append", path, text)` and
    /// `("done", path, value)` ops. The first call starts recording and returns the current
    /// value as one `("add", (), value)` op.
    fn changes<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.builder.changes(py)
    }

    /// The typed layer's step, one call per chunk (`deltajson._engine`): keeps `chunk` in
    /// `pieces` (a `bytearray` or `memoryview` as `bytes`), feeds it, and if change ops were
    /// recorded since the last call, applies them (as `changes()` returns them): those `lane`
    /// takes from the start, if given, then the rest by `apply`. Returns 0 when there were
    /// none, 1 when the lane took them all, 2 when `apply` was called. What is not a chunk is
    /// not kept, and `feed` rejects it.
    #[pyo3(signature = (chunk, pieces, apply, lane, /))]
    fn _step(
        &mut self,
        py: Python<'_>,
        chunk: &Bound<'_, PyAny>,
        pieces: &Bound<'_, PyList>,
        apply: &Bound<'_, PyAny>,
        lane: Option<&Bound<'_, Lane>>,
    ) -> PyResult<u8> {
        self.step(py, chunk, pieces, apply, lane)
    }

    /// The SSE `patch` event of the ops since the last call (as `changes()` would return
    /// them), or `None` when there are none; see `wire.rs`.
    #[pyo3(signature = (progress=None))]
    fn patch_event<'py>(
        &mut self,
        py: Python<'py>,
        progress: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let mut writer = PatchWriter::default();
        self.builder.write_changes(py, &mut writer)?;
        writer.event(py, progress)
    }

    /// The `(path, value)` pairs completed since the last call (the first call starts
    /// recording and returns nothing).
    fn done<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.builder.take_done(py)
    }

    /// Selects the values completed at paths matching `path` (keys, indexes and `"*"`); with
    /// `drop`, a selected value is removed from the tree once complete.
    #[pyo3(signature = (path, /, *, drop=false))]
    fn select(&mut self, path: &Bound<'_, PyTuple>, drop: bool) -> PyResult<()> {
        let pattern = Selector::parse_pattern(path)?;
        self.builder.select(Selector {
            pattern,
            drop,
            taken: Vec::new(),
        });
        Ok(())
    }

    /// The `(path, value)` pairs selected since the last call.
    fn pop_selected<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.builder.take_selected(py)
    }

    /// Whether the value at `path` is complete (it exists and is not being written).
    #[pyo3(signature = (path, /))]
    fn completed(&self, py: Python<'_>, path: &Bound<'_, PyTuple>) -> PyResult<bool> {
        if path.is_empty() && self.scanner.options().multiple {
            return Ok(self.scanner.is_finished());
        }
        if self.scanner.in_value() {
            let open = self
                .builder
                .path(py, self.scanner.scalar_in_progress(), false)?;
            if path.len() <= open.len() && open.get_slice(0, path.len()).eq(path)? {
                return Ok(false);
            }
        }
        self.builder.exists(py, path)
    }

    /// Repairs made in lenient or repair mode: `(kind, offset, length)`, kinds as named by
    /// `RepairKind::name` (`"skipped_prefix"`, `"trailing_comma"`, `"single_quotes"`, ...).
    #[getter]
    fn repairs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .scanner
            .repairs()
            .iter()
            .map(|r| (r.kind.name(), r.offset, r.length));
        PyList::new(py, items)
    }

    /// "empty", "partial", "complete" or "error".
    #[getter]
    fn status(&self) -> &'static str {
        if self.build_error.is_some() {
            return "error";
        }
        match self.scanner.status() {
            Status::Empty => "empty",
            Status::Partial => "partial",
            Status::Complete => "complete",
            Status::Error => "error",
        }
    }

    /// Path of the value being written, e.g. `("items", 3, "title")`.
    #[getter]
    fn path<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.builder.path(
            py,
            self.scanner.scalar_in_progress(),
            self.scanner.key_pending(),
        )
    }

    /// What the parser is in the middle of: `(state, pending)`, where `pending` counts the
    /// last bytes fed that belong to an unfinished token and are not in `snapshot()` yet.
    #[getter]
    fn tail(&self) -> (&'static str, u64) {
        if self.build_error.is_some() {
            return ("error", 0);
        }
        (self.scanner.tail_state(), self.scanner.pending_bytes())
    }

    /// Bytes consumed so far (the error's offset once failed).
    #[getter]
    fn offset(&self) -> u64 {
        self.scanner.offset()
    }

    /// 1-based line of `offset`.
    #[getter]
    fn line(&self) -> u64 {
        self.scanner.line()
    }

    /// 1-based column of `offset`, in characters.
    #[getter]
    fn column(&self) -> u64 {
        self.scanner.column()
    }

    /// Number of open arrays and objects.
    #[getter]
    fn depth(&self) -> usize {
        self.scanner.depth()
    }

    /// Memory held by the parser itself, in bytes: the object, the scanner's stack and token
    /// buffers, the builder's frames (not the Python objects of the value it builds).
    fn __sizeof__(&self) -> usize {
        std::mem::size_of::<Self>() + self.scanner.heap_size() + self.builder.heap_size()
    }

    /// "rust".
    #[getter]
    fn backend(&self) -> &'static str {
        "rust"
    }

    fn __repr__(&self) -> String {
        let o = self.scanner.options();
        format!(
            "Parser(backend='rust', status={:?}, offset={}, partial_strings={}, multiple={}, float_mode={:?})",
            self.status(),
            self.offset(),
            if self.partial_strings { "True" } else { "False" },
            if o.multiple { "True" } else { "False" },
            match self.float_mode {
                FloatMode::Float => "float",
                FloatMode::Decimal => "decimal",
            }
        )
    }
}
