"""``python -m t2v_desktop``: the same as the ``t2v-desktop`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
