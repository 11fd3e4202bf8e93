// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Lint.h"

#include <QColor>
#include <QIcon>

class QApplication;

namespace certrotor::gui {

/// How urgent a certificate's expiry is, against the warning threshold.
enum class Urgency { Expired, Soon, Fine };

Urgency urgencyFor(qint64 daysLeft, int thresholdDays);

/// Background + text pairs chosen to stay readable on light and dark palettes (the text colour is
/// always set together with the background, never left to the palette).
QColor urgencyBackground(Urgency u);
QColor urgencyForeground(Urgency u);

/// A round "status light" in a given colour, drawn once and cached.
QIcon statusLight(const QColor& color);
/// The icon for the worst severity of a certificate's findings.
QIcon findingIcon(Finding::Severity severity);
QColor severityColor(Finding::Severity severity);

/// Fusion with a dark palette (for dark desktops and the dark screenshot).
void applyDarkPalette(QApplication& app);

} // namespace certrotor::gui
