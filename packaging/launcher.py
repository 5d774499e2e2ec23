"""PyInstaller entry point: run the ``sds_desktop`` package's ``main()``.

PyInstaller runs its entry script as ``__main__``; pointing it at this tiny launcher (rather
than at ``sds_desktop/__main__.py`` itself) keeps ``sds_desktop`` a proper package, so its
imports and ``python -m sds_desktop`` behave the same frozen and unfrozen.
"""

import sys

from sds_desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
