// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

namespace certrotor {

/// certrotor.watch: file and Secret watching (signals, debounce, reads, deliveries). Never logs content.
Q_DECLARE_LOGGING_CATEGORY(lcWatch)

} // namespace certrotor
