//! The typed layer's common ops, applied natively (`deltajson._engine`).
//!
//! The model engine is Python: it reads the parser's change ops and keeps a typed view of the
//! document (partial models, lists, dicts) with Pydantic as the contract. Most ops of a
//! stream are small and alike — the open string grew, a number or a string completed at a
//! known field of a model or as a list item, a string opened there — and in Python each costs
//! a hundred bytecodes or more, several times what the parser spent reading it. A [`Lane`]
//! applies those ops to the engine's own objects, exactly as the engine's inline fast paths
//! (`ModelEngine._apply`, `_string_slot`, `_show_open_string`) would, from the first op of a
//! batch on; the engine applies the rest. So the engine's state is always what it would be
//! without the lane, and the tests compare the two.
//!
//! One difference needs care: the lane shows the open string as it grows, where the engine
//! shows it when a partial is asked for, after the batch. A string that opens or grows and
//! then fails in the same batch was never shown by the engine, and must not be by the lane:
//! so where the engine would complete, in the rest of the batch, a string the lane showed in
//! it, the lane leaves that string's ops of the batch to the engine too (`takeable`). For the
//! same reason the engine runs no lane where partials are throttled (not asked for after
//! every batch that changed anything).
//!
//! What the lane takes, in the innermost open container only:
//!
//! - `append`: the open string grew, where it is shown (the engine noted the place,
//!   `_open_target`, the first time it showed it): its text is extended and set there;
//! - `add` of a number or literal: nothing to do (the engine shows values once complete);
//! - `add` of a string at a known field of a model view, or as an item of a list view, where
//!   partial strings are shown: it is shown there, and the engine's open-string state set;
//! - `done` of a string, number or literal there, whose place checks nothing or gives it back
//!   unchanged (a bare `str`, `int`, `float` or `bool`: `Schemas.validate`'s shortcut): it is
//!   recorded and shown.
//!
//! Which keys are known, and what their places are, the engine says per shape (`Shape.lane`:
//! for a model, `{key: (field name, plain type or None, checked, null as is, shows strings)}`;
//! for a list, `(plain type or None, checked, null as is, shows strings)`; `False` where the
//! lane takes nothing: `AliasPath`s, keys that are not the preferred alias, dicts, tuples,
//! anything untyped).

use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PySet, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::python::copies::{generic_getattr, instance_dict, ListCopies, ModelCopies};

/// What the lane knows of the innermost open container. It holds while only the lane acts:
/// the engine, which alone opens and closes containers and replaces views, makes the lane
/// forget it whenever it applies ops itself (`Lane::forget`).
struct Top {
    entry: Py<PyAny>,
    view: Py<PyAny>,
    /// `None`: the lane takes nothing here.
    kind: Option<TopKind>,
    depth: usize,
    /// The entry's `open_key` is `_UNSET` and its `open_name` is `None`, as the lane left them
    /// (false: not known).
    clear: bool,
}

enum TopKind {
    Model {
        fields: Py<PyDict>,
        fields_set: Py<PySet>,
        done: Py<PyDict>,
        winners: Py<PyDict>,
        table: Py<PyDict>,
    },
    List {
        view: Py<PyList>,
        item: Py<PyTuple>,
    },
}

/// The engine's objects the lane works on.
struct Engine {
    engine: Py<PyAny>,
    stack: Py<PyList>,
    completed_fields: Py<PyList>,
    /// The engine's marker of "no open child" (`_UNSET`).
    unset: Py<PyAny>,
}

/// Applies the common ops of a typed stream to its engine's objects (see the module docs).
/// The engine holds its lane and the lane its engine: the cycle is the garbage collector's
/// to break (`__traverse__`, `__clear__`).
#[pyclass(module = "deltajson._deltajson", name = "Lane")]
pub struct Lane {
    /// `None` once cleared by the garbage collector.
    engine: Option<Engine>,
    top: Option<Top>,
}

#[pymethods]
impl Lane {
    #[new]
    #[pyo3(signature = (engine, unset, /))]
    fn new(engine: &Bound<'_, PyAny>, unset: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = engine.py();
        Ok(Lane {
            engine: Some(Engine {
                engine: engine.clone().unbind(),
                stack: engine
                    .getattr(intern!(py, "stack"))?
                    .cast_into::<PyList>()?
                    .unbind(),
                completed_fields: engine
                    .getattr(intern!(py, "completed_fields"))?
                    .cast_into::<PyList>()?
                    .unbind(),
                unset: unset.clone().unbind(),
            }),
            top: None,
        })
    }

    /// Applies the ops of `ops` (as `Parser.changes()` gives them) from the first on, as long
    /// as it takes them; returns how many it applied.
    #[pyo3(signature = (ops, /))]
    fn run(&mut self, ops: &Bound<'_, PyList>) -> PyResult<usize> {
        self.apply(ops)
    }

    /// Forgets what the lane knows of the engine's open containers (after the engine applied
    /// ops itself).
    pub fn forget(&mut self) {
        self.top = None;
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(engine) = &self.engine {
            visit.call(&engine.engine)?;
            visit.call(&engine.stack)?;
            visit.call(&engine.completed_fields)?;
            visit.call(&engine.unset)?;
        }
        if let Some(top) = &self.top {
            visit.call(&top.entry)?;
            visit.call(&top.view)?;
            match &top.kind {
                Some(TopKind::Model {
                    fields,
                    fields_set,
                    done,
                    winners,
                    table,
                }) => {
                    visit.call(fields)?;
                    visit.call(fields_set)?;
                    visit.call(done)?;
                    visit.call(winners)?;
                    visit.call(table)?;
                }
                Some(TopKind::List { view, item }) => {
                    visit.call(view)?;
                    visit.call(item)?;
                }
                None => {}
            }
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.engine = None;
        self.top = None;
    }
}

impl Lane {
    fn engine(&self) -> PyResult<&Engine> {
        self.engine
            .as_ref()
            .ok_or_else(|| PyRuntimeError::new_err("the lane was cleared"))
    }

    /// The ops taken from the start of `ops` (see `run`).
    pub fn apply(&mut self, ops: &Bound<'_, PyList>) -> PyResult<usize> {
        let py = ops.py();
        // One op (most batches) is taken or not: nothing can follow it in the batch.
        let takeable = if ops.len() == 1 {
            1
        } else {
            self.takeable(py, ops)?
        };
        for (index, op) in ops.iter().take(takeable).enumerate() {
            let op = op.cast_into::<PyTuple>()?;
            let (name, path, value) = (op.get_item(0)?, op.get_item(1)?, op.get_item(2)?);
            let name = name.cast_into::<PyString>()?;
            let taken = match name.to_str()? {
                "append" => self.grow(py, &value)?,
                "add" => {
                    if is_container(&value) {
                        false
                    } else if let Ok(text) = value.cast::<PyString>() {
                        self.open_string(py, path.cast::<PyTuple>()?, text)?
                    } else {
                        true // a number or literal: shown once complete
                    }
                }
                "done" => {
                    !is_container(&value) && self.done(py, path.cast::<PyTuple>()?, &value)?
                }
                _ => false,
            };
            if !taken {
                return Ok(index);
            }
        }
        Ok(takeable)
    }

    /// How many ops from the start of `ops` the lane takes: those `apply` would take op by
    /// op, found without changing anything (the open string's state and the keys completed
    /// in the batch followed as they would change), less those of a string it would show
    /// and the engine then complete (see the module docs).
    fn takeable(&mut self, py: Python<'_>, ops: &Bound<'_, PyList>) -> PyResult<usize> {
        self.find_top(py)?;
        let (Some(top), Some(refs)) = (self.top.as_ref(), self.engine.as_ref()) else {
            return Ok(0);
        };
        let Some(kind) = top.kind.as_ref() else {
            return Ok(0);
        };
        let engine = refs.engine.bind(py);
        let mut shown = !engine.getattr(intern!(py, "_open_target"))?.is_none()
            && engine
                .getattr(intern!(py, "_open_text"))?
                .cast::<PyList>()?
                .len()
                == 1;
        let mut open_path = engine.getattr(intern!(py, "_open_path"))?;
        let none = py.None().into_bound(py);
        let mut completed: Vec<Bound<'_, PyAny>> = Vec::new();
        // The first op of the batch that showed the string still open, if one did.
        let mut showing: Option<usize> = None;
        // Where the lane stops: before the ops of a string it showed in the batch and that
        // is still open there (the engine may complete it in the rest of the batch).
        let stop = |index: usize, showing: Option<usize>| Ok(showing.unwrap_or(index));
        for (index, op) in ops.iter().enumerate() {
            let op = op.cast_into::<PyTuple>()?;
            let (name, path, value) = (op.get_item(0)?, op.get_item(1)?, op.get_item(2)?);
            let path = path.cast_into::<PyTuple>()?;
            match name.cast_into::<PyString>()?.to_str()? {
                "append" if shown => {
                    showing.get_or_insert(index);
                }
                "add" if is_container(&value) => return stop(index, showing),
                "add" if value.is_instance_of::<PyString>() => {
                    if path.len() != top.depth + 1 {
                        return stop(index, showing);
                    }
                    let key = path.get_item(path.len() - 1)?;
                    let strings = match kind {
                        TopKind::Model { done, table, .. } => {
                            match table.bind(py).get_item(&key)? {
                                Some(field) => {
                                    let fresh = !done.bind(py).contains(&key)?
                                        && !contains(&completed, &key)?;
                                    fresh
                                        && field.cast_into::<PyTuple>()?.get_item(4)?.is_truthy()?
                                }
                                None => false,
                            }
                        }
                        TopKind::List { item, .. } => item.bind(py).get_item(3)?.is_truthy()?,
                    };
                    if !strings {
                        return stop(index, showing);
                    }
                    shown = true;
                    open_path = path.into_any();
                    showing = Some(index);
                }
                "add" => {}
                "done" if !is_container(&value) => {
                    let closes = value.is_instance_of::<PyString>()
                        && !open_path.is_none()
                        && (open_path.is(&path) || open_path.eq(&path)?);
                    let key = path.get_item(path.len().saturating_sub(1))?;
                    let taken = match kind {
                        TopKind::Model { table, .. } => match table.bind(py).get_item(&key)? {
                            Some(field) => shown_as_is(&field.cast_into::<PyTuple>()?, 1, &value)?,
                            None => false,
                        },
                        TopKind::List { item, .. } => shown_as_is(item.bind(py), 0, &value)?,
                    };
                    if !taken {
                        return stop(index, showing);
                    }
                    if closes {
                        shown = false;
                        open_path = none.clone();
                        showing = None;
                    }
                    completed.push(key);
                }
                _ => return stop(index, showing),
            }
        }
        Ok(ops.len())
    }

    /// `append`: extends the open string where the engine shows it.
    fn grow(&mut self, py: Python<'_>, piece: &Bound<'_, PyAny>) -> PyResult<bool> {
        let engine = self.engine()?.engine.bind(py);
        let target = engine.getattr(intern!(py, "_open_target"))?;
        if target.is_none() {
            return Ok(false);
        }
        let pieces = engine.getattr(intern!(py, "_open_text"))?;
        let pieces = pieces.cast::<PyList>()?;
        if pieces.len() != 1 {
            return Ok(false);
        }
        // `partial()`'s join, now: the text so far and the new piece, as one `str`.
        let text = pieces.get_item(0)?.add(piece)?;
        pieces.set_item(0, &text)?;
        let target = target.cast::<PyTuple>()?;
        target.get_item(0)?.set_item(target.get_item(1)?, &text)?;
        Ok(true)
    }

    /// `add` of a string: shows it in the innermost container, as `_string_slot` and
    /// `_show_open_string` would, where that is a known field or a list item.
    fn open_string(
        &mut self,
        py: Python<'_>,
        path: &Bound<'_, PyTuple>,
        text: &Bound<'_, PyString>,
    ) -> PyResult<bool> {
        self.find_top(py)?;
        let (Some(top), Some(refs)) = (self.top.as_mut(), self.engine.as_ref()) else {
            return Ok(false);
        };
        if path.len() != top.depth + 1 {
            return Ok(false);
        }
        let key = path.get_item(path.len() - 1)?;
        let entry = top.entry.bind(py);
        let engine = refs.engine.bind(py);
        let unset = refs.unset.bind(py);
        let (slot_name, target) = match top.kind.as_ref() {
            Some(TopKind::Model {
                fields,
                fields_set,
                done,
                table,
                ..
            }) => {
                let Some(field) = table.bind(py).get_item(&key)? else {
                    return Ok(false);
                };
                let field = field.cast_into::<PyTuple>()?;
                if !field.get_item(4)?.is_truthy()? || done.bind(py).contains(&key)? {
                    return Ok(false);
                }
                let name = field.get_item(0)?;
                let fields = fields.bind(py);
                fields.set_item(&name, text)?;
                fields_set.bind(py).add(&name)?;
                entry.setattr(intern!(py, "open_name"), &name)?;
                (name.clone(), PyTuple::new(py, [fields.as_any(), &name])?)
            }
            Some(TopKind::List { view, item }) => {
                if !item.bind(py).get_item(3)?.is_truthy()? {
                    return Ok(false);
                }
                let view = view.bind(py);
                if top.clear || entry.getattr(intern!(py, "open_key"))?.is(unset) {
                    view.append(text)?;
                } else {
                    let last = view.len().saturating_sub(1);
                    view.set_item(last, text)?;
                }
                let last = (-1i32).into_pyobject(py)?.into_any();
                (
                    py.None().into_bound(py),
                    PyTuple::new(py, [view.as_any(), &last])?,
                )
            }
            None => return Ok(false),
        };
        entry.setattr(intern!(py, "open_key"), &key)?;
        top.clear = false;
        let pieces = PyList::new(py, [text])?;
        let slot = PyTuple::new(py, [entry.clone(), key, slot_name])?;
        engine.setattr(intern!(py, "_open_path"), path)?;
        engine.setattr(intern!(py, "_open_text"), pieces)?;
        engine.setattr(intern!(py, "_open_slot"), slot)?;
        engine.setattr(intern!(py, "_open_target"), target)?;
        Ok(true)
    }

    /// `done` of a string, number or literal in the innermost container: recorded and shown
    /// as `ModelEngine._apply`'s fast path does, where it takes it.
    fn done(
        &mut self,
        py: Python<'_>,
        path: &Bound<'_, PyTuple>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let none = py.None().into_bound(py);
        if value.is_instance_of::<PyString>() {
            // Only a string can be the open string.
            let engine = self.engine()?.engine.bind(py);
            let open_path = engine.getattr(intern!(py, "_open_path"))?;
            if !open_path.is_none() && (open_path.is(path) || open_path.eq(path)?) {
                // The open string completed (done whether or not the lane takes the rest).
                engine.setattr(intern!(py, "_open_path"), &none)?;
                engine.setattr(intern!(py, "_open_slot"), &none)?;
                engine.setattr(intern!(py, "_open_target"), &none)?;
            }
        }
        self.find_top(py)?;
        let (Some(top), Some(refs)) = (self.top.as_mut(), self.engine.as_ref()) else {
            return Ok(false);
        };
        let entry = top.entry.bind(py);
        let unset = refs.unset.bind(py);
        let key = path.get_item(path.len().saturating_sub(1))?;
        match top.kind.as_ref() {
            Some(TopKind::Model {
                fields,
                fields_set,
                done,
                winners,
                table,
            }) => {
                let Some(field) = table.bind(py).get_item(&key)? else {
                    return Ok(false);
                };
                let field = field.cast_into::<PyTuple>()?;
                if !shown_as_is(&field, 1, value)? {
                    return Ok(false);
                }
                let name = field.get_item(0)?;
                done.bind(py).set_item(&key, value)?;
                winners.bind(py).set_item(&name, 0)?;
                if top.depth == 0 {
                    let completed = refs.completed_fields.bind(py);
                    if !completed.contains(&name)? {
                        completed.append(&name)?;
                    }
                }
                fields.bind(py).set_item(&name, value)?;
                fields_set.bind(py).add(&name)?;
                if !top.clear {
                    entry.setattr(intern!(py, "open_name"), &none)?;
                }
            }
            Some(TopKind::List { view, item }) => {
                if !shown_as_is(item.bind(py), 0, value)? {
                    return Ok(false);
                }
                let view = view.bind(py);
                if top.clear || entry.getattr(intern!(py, "open_key"))?.is(unset) {
                    view.append(value)?;
                } else {
                    view.set_item(view.len().saturating_sub(1), value)?;
                }
            }
            None => return Ok(false),
        }
        if !top.clear {
            entry.setattr(intern!(py, "open_key"), unset)?;
            top.clear = true;
        }
        Ok(true)
    }

    /// Finds the innermost open container (`self.top`; read again only when it or its view
    /// changed), or `None` when there is none.
    fn find_top(&mut self, py: Python<'_>) -> PyResult<()> {
        let stack = self.engine()?.stack.bind(py);
        let Some(last) = stack.len().checked_sub(1) else {
            self.top = None;
            return Ok(());
        };
        let entry = stack.get_item(last)?;
        if !self.top.as_ref().is_some_and(|top| top.entry.is(&entry)) {
            let view = entry.getattr(intern!(py, "view"))?;
            self.top = Some(read_top(py, &entry, &view)?);
        }
        Ok(())
    }
}

/// What the lane needs of an open container (`_Open`) with view `view`.
fn read_top(py: Python<'_>, entry: &Bound<'_, PyAny>, view: &Bound<'_, PyAny>) -> PyResult<Top> {
    let depth: usize = entry.getattr(intern!(py, "depth"))?.extract()?;
    let mut top = Top {
        entry: entry.clone().unbind(),
        view: view.clone().unbind(),
        kind: None,
        depth,
        clear: false,
    };
    if !entry.getattr(intern!(py, "decided"))?.is_truthy()? {
        return Ok(top);
    }
    let table = entry
        .getattr(intern!(py, "shape"))?
        .getattr(intern!(py, "lane"))?;
    let fields = entry.getattr(intern!(py, "fields"))?;
    if let (Ok(table), false) = (table.cast::<PyDict>(), fields.is_none()) {
        top.kind = Some(TopKind::Model {
            fields: fields.cast_into::<PyDict>()?.unbind(),
            fields_set: entry
                .getattr(intern!(py, "fields_set"))?
                .cast_into::<PySet>()?
                .unbind(),
            done: entry
                .getattr(intern!(py, "done"))?
                .cast_into::<PyDict>()?
                .unbind(),
            winners: entry
                .getattr(intern!(py, "winners"))?
                .cast_into::<PyDict>()?
                .unbind(),
            table: table.clone().unbind(),
        });
    } else if let (Ok(item), Ok(list)) = (table.cast::<PyTuple>(), view.cast::<PyList>()) {
        if entry.getattr(intern!(py, "is_list"))?.is_truthy()? {
            top.kind = Some(TopKind::List {
                view: list.clone().unbind(),
                item: item.clone().unbind(),
            });
        }
    }
    Ok(top)
}

/// Whether `keys` holds `key` (compared as a dict would).
fn contains(keys: &[Bound<'_, PyAny>], key: &Bound<'_, PyAny>) -> PyResult<bool> {
    for known in keys {
        if known.is(key) || known.eq(key)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn is_container(value: &Bound<'_, PyAny>) -> bool {
    value.is_exact_instance_of::<PyDict>() || value.is_exact_instance_of::<PyList>()
}

/// Whether a completed value is shown as it is at a place described by `place[at..]`
/// (plain type or `None`, checked, null as is): what `Schemas.validate`'s shortcut decides
/// (`_as_is` in the engine).
fn shown_as_is(place: &Bound<'_, PyTuple>, at: usize, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !place.get_item(at + 1)?.is_truthy()? {
        return Ok(true); // nothing is checked there
    }
    if value.is_none() {
        return place.get_item(at + 2)?.is_truthy();
    }
    let plain = place.get_item(at)?;
    if plain.is_none() || !value.get_type().is(&plain) {
        return Ok(false);
    }
    if let Ok(text) = value.cast::<PyString>() {
        // A lone surrogate is Pydantic's to judge.
        return Ok(text.to_str().is_ok());
    }
    if let Ok(number) = value.cast::<PyFloat>() {
        return Ok(number.value().is_finite());
    }
    Ok(true)
}

/// `copy_spine(stack, /)`: a copy of the typed views of the open containers `stack` (the
/// engine's `_Open` entries, root first), each holding the next one's copy where its view
/// holds the open child; completed children shared. What `_engine._copy_spine` does, in one
/// call, from each entry's `spine` (`(view, fields, fields_set, copies)`, set with its view):
/// a list view's copy comes from its `ListCopies` and a model view's from its `ModelCopies`
/// (a copy nobody holds any more, brought up to date in place, or a new one), a dict view's
/// is a shallow copy. The levels are copied from the root down, each from its live view, so
/// that a reused copy lets go of its old child before that child's level looks for a free
/// copy; then each is linked to the next.
#[pyfunction]
#[pyo3(signature = (stack, /))]
pub fn copy_spine<'py>(stack: &Bound<'py, PyList>) -> PyResult<Bound<'py, PyAny>> {
    let py = stack.py();
    let none = py.None().into_bound(py);
    let levels = stack.len();
    let mut copies: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = Vec::with_capacity(levels);
    for level in 0..levels {
        let entry = stack.get_item(level)?;
        let spine = entry
            .getattr(intern!(py, "spine"))?
            .cast_into::<PyTuple>()?;
        let view = spine.get_item(0)?;
        let keeper = spine.get_item(3)?;
        let copied = if let Ok(lists) = keeper.cast::<ListCopies>() {
            lists
                .borrow_mut()
                .copy(view.cast::<PyList>()?, &none)?
                .into_any()
        } else if let Ok(models) = keeper.cast::<ModelCopies>() {
            let fields = spine.get_item(1)?;
            let fields_set = spine.get_item(2)?;
            models.borrow_mut().copy(
                &view,
                fields.cast::<PyDict>()?,
                fields_set.cast::<PySet>()?,
            )?
        } else if let Ok(fields) = spine.get_item(1)?.cast::<PyDict>() {
            // A model view without a keeper (live mode asked for a copy): a new one.
            ModelCopies::new().copy(&view, fields, spine.get_item(2)?.cast::<PySet>()?)?
        } else if let Ok(list) = view.cast::<PyList>() {
            list.get_slice(0, list.len()).into_any()
        } else {
            view.cast::<PyDict>()?.copy()?.into_any()
        };
        copies.push((entry, copied));
    }
    for pair in copies.windows(2) {
        let [(holder_entry, holder), (child_entry, child)] = pair else {
            continue;
        };
        if let Ok(list) = holder.cast::<PyList>() {
            if let Some(last) = list.len().checked_sub(1) {
                list.set_item(last, child)?;
            }
        } else if let Ok(dict) = holder.cast::<PyDict>() {
            dict.set_item(child_entry.getattr(intern!(py, "key"))?, child)?;
        } else {
            let name = holder_entry.getattr(intern!(py, "open_name"))?;
            if !name.is_none() {
                let values = instance_dict(holder)?;
                let values = values.cast::<PyDict>()?;
                if values.contains(&name)? {
                    values.set_item(&name, child)?;
                } else if let Ok(extra) =
                    generic_getattr(holder, intern!(py, "__pydantic_extra__"))?.cast::<PyDict>()
                {
                    extra.set_item(&name, child)?;
                }
            }
        }
    }
    Ok(copies.into_iter().next().map_or(none, |(_, root)| root))
}
