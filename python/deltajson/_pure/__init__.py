"""The pure-Python twin of deltajson's engine: same API, same semantics, no compiler needed.

Used as a reference in differential tests, as a fallback where the extension is unavailable,
and as the baseline in benchmarks (``deltajson.Parser(backend="python")``).
"""

from deltajson._pure.parser import Parser

__all__ = ["Parser"]
