"""``python -m nbtools``, the same commands as the ``nbtools`` console script: see :mod:`nbtools.cli`."""

import sys

from nbtools.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m nbtools"))
