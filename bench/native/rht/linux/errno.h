/* SPDX-License-Identifier: GPL-2.0 */
/* The C library includes this one too: hand it the system header. */
#include_next <linux/errno.h>
