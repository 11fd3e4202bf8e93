// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/Logging.h"

Q_LOGGING_CATEGORY(lcX509, "certrotor.x509", QtInfoMsg)
