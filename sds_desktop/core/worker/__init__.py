"""Transfers in a process of their own, so that the window's thread never waits for them.

``job``: one queue item's transfer as plain data (``JobSpec``) and the function that runs
it (``run_job``), the same on a thread or in the child. ``wire``: the framed pipe.
``child``: the transfer process. ``host``: the window's side (``WorkerProcess``).

Why (issue 13): HTTP, hashing and JSON on sixteen worker threads held the interpreter
lock the GUI thread needs to paint; measured, the window's worst pauses were 3-5x longer
than with the same work in another process (``bench/worker_process.py``).
"""
