"""`make dist`: the README's first example, run as a doctest against an installed deltajson.

Takes the first ```python block of the README's "## Use" section (the one that starts with
`>>> import deltajson`) from README.md as it is, and runs it with doctest. It first checks that
deltajson is the installed one (not the source tree) with its Rust engine loaded.

Usage: PYTHON readme_example.py README.md  (PYTHON: the venv the sdist was installed into)
"""

from __future__ import annotations

import doctest
import re
import sys
import sysconfig
from pathlib import Path


def first_use_example(readme: str) -> str:
    """The first ```python block under "## Use", up to the next "## " heading."""
    section = re.search(r"^## Use\n(.*?)(?=^## )", readme, flags=re.M | re.S)
    if section is None:
        raise SystemExit("readme-example: README.md has no '## Use' section")
    block = re.search(r"```python\n(.*?)```", section.group(1), flags=re.S)
    if block is None or not block.group(1).startswith(">>> import deltajson"):
        raise SystemExit("readme-example: '## Use' has no ```python block that imports deltajson")
    return block.group(1)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    readme = Path(argv[0])
    # The script's own directory (scripts/) is on sys.path; the source tree's python/ is not.
    import deltajson

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    where = Path(deltajson.__file__).resolve()
    print(f"readme-example: deltajson from {where}, engines {', '.join(deltajson.BACKENDS)}")
    if not where.is_relative_to(site):
        print(f"readme-example: deltajson is not the installed one (expected under {site})")
        return 1
    if "rust" not in deltajson.BACKENDS:
        print("readme-example: the Rust extension did not load")
        return 1

    example = first_use_example(readme.read_text("utf-8"))
    test = doctest.DocTestParser().get_doctest(example, {}, "README ## Use", str(readme), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    if result.failed or not result.attempted:
        return 1
    print(f"readme-example: {result.attempted} examples passed under {sys.executable}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
