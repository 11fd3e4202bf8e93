// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Bundle.h"
#include "x509/Lint.h"

#include <QString>

namespace certrotor::gui {

/// Every field of one certificate of a bundle as HTML (escaped), its findings, and the chain found
/// inside the bundle (IssuerIndex: by name and key identifier, signatures not checked).
QString certificateDetailsHtml(const Bundle& bundle, int entry, const QList<Finding>& findings, qint64 now);

} // namespace certrotor::gui
