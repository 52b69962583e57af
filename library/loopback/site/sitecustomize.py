# ruff: noqa: INP001 - the child imports this file as the top-level module sitecustomize
"""Arm the loopback guard as Python starts, in a child whose PYTHONPATH names this folder.

library.loopback.environment() puts this folder and the repository on the child's PYTHONPATH
and names the record file; without that variable nothing is armed.
"""

import os

from library.loopback import GUARD_ENV, arm

if os.environ.get(GUARD_ENV):
    arm(os.environ[GUARD_ENV])
