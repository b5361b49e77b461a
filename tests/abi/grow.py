#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes ipcx.h as a later release might: the structs a caller allocates
(ipcx_meta, ipcx_chan_info) each with one more field at the end."""
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
for name in ("ipcx_meta", "ipcx_chan_info"):
    pat = re.compile(r"(struct %s \{.*?)(\n\};)" % name, re.S)
    text, n = pat.subn(r"\1\n\tlong long added_in_a_later_release[4];\2",
                       text, count=1)
    if n != 1:
        sys.exit("grow.py: struct %s not found in %s" % (name, src))
open(dst, "w").write(text)
