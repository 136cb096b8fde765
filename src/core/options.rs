//! Settings of the scanner that change what input it accepts.

/// What the scanner accepts and how far it lets input grow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Read a sequence of values (concatenated or one per line) instead of exactly one.
    pub multiple: bool,
    /// Accept `NaN`, `Infinity` and `-Infinity` as values.
    pub allow_nan: bool,
    /// Deepest nesting of arrays and objects; one more opening bracket is an error.
    pub max_depth: usize,
    /// Largest number of input bytes accepted over the whole stream.
    pub max_bytes: Option<u64>,
    /// Largest number of raw bytes between the quotes of one string (key or value).
    pub max_string_bytes: Option<usize>,
    /// Largest number of digits of an integer (CPython refuses to convert longer ones).
    pub max_int_digits: Option<usize>,
    /// LLM quirks: skip text before the first `{`/`[`, stop after the value, accept trailing
    /// commas; every repair is recorded. With `multiple`, each value is an object or an array
    /// found that way (the text between values is skipped too).
    pub lenient: bool,
    /// Accept `\uD800`-`\uDFFF` escapes that are not half of a surrogate pair, keeping the
    /// lone surrogate as `json.loads` does; when false they are an error (jiter's rule, and
    /// what strict UTF-8 consumers need).
    pub lone_surrogates: bool,
    /// Repair mode: everything `lenient` does, and read the broken JSON that models write
    /// (single quotes, unquoted keys and values, Python literals, comments, missing commas,
    /// raw control characters and stray quotes in strings, numbers such as `.5`, and input
    /// cut short), each repair recorded. A repair that depends on what follows is held until
    /// it is decided.
    pub repair: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            multiple: false,
            allow_nan: false,
            max_depth: 1024,
            max_bytes: None,
            max_string_bytes: None,
            max_int_digits: None,
            lenient: false,
            lone_surrogates: true,
            repair: false,
        }
    }
}
