# SPDX-License-Identifier: MIT
# The cffi extension (ipcx._ipcx) is declared here: pyproject.toml has no
# key for cffi_modules.  libipcx is found with pkg-config (ipcx/_build.py).
from setuptools import setup

setup(cffi_modules=["ipcx/_build.py:ffibuilder"])
