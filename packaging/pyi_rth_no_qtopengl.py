"""PyInstaller runtime hook: a placeholder for ``PySide6.QtOpenGL`` in the frozen app.

pyqtgraph 0.14 imports ``PySide6.QtOpenGL`` when it is imported, but uses it only to draw
with OpenGL (``useOpenGL``), which SDS Desktop never turns on. Its Python bindings are
8.5 MiB, so the bundle leaves them out (``pyinstaller.spec``) and this hook registers a
module that answers any use with a clear ImportError instead. ``QtOpenGLWidgets`` (small,
and subclassed by pyqtgraph at import time) is bundled for real. The self-test draws a
pyqtgraph plot in the frozen app to prove the quick look works without it.
"""

import sys
import types

_NAME = "PySide6.QtOpenGL"


class _NotBundled(types.ModuleType):
    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise ImportError(
            f"{_NAME}.{attr} is not included in this build of SDS Desktop "
            "(OpenGL drawing is not used)"
        )


if _NAME not in sys.modules:
    sys.modules[_NAME] = _NotBundled(_NAME)
