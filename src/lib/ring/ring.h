/* SPDX-License-Identifier: MIT */
/* The shared-memory ring channel, for every region facility (ring.c). */
#ifndef IPCX_RING_H
#define IPCX_RING_H

#include "../internal.h"

/* The channel role of every region facility: a ring in the region. */
extern const struct ipcx__chan_ops ipcx__ring_chan;

/* wait=spin|futex|adaptive: how a ring waits. */
extern const struct ipcx__opt ipcx__opt_wait;

#endif
