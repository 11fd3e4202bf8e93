// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcUi)

namespace certrotor::gui {
/// Registers the icons of resources/certrotor.qrc (a static library's resources are not
/// registered by themselves). Idempotent; MainWindow calls it.
void initResources();
} // namespace certrotor::gui
