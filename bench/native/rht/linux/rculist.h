/* SPDX-License-Identifier: GPL-2.0 */
#include "../rht_shim.h"
