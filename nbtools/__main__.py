"""``python -m nbtools``: see :mod:`nbtools.cli`."""

import sys

from nbtools.cli import main

if __name__ == "__main__":
    sys.exit(main())
