"""PySide6 desktop application: windows, models, dialogs and transfer workers."""
