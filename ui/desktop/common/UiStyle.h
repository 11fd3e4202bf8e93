// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Lint.h"

#include <QColor>
#include <QIcon>

class QApplication;

namespace certrotor::gui {

/// The one source of the console's status colours: every banner, verdict strip, status light and table
/// highlight takes its colours from here (never from a style sheet of its own).
enum class Tone { Info, Warning, Error, Success, Neutral };

/// True when the application palette is dark (its window colour is darker than its text).
bool paletteIsDark();
/// Background + text pair of a tone, chosen for the current palette: on a dark palette the backgrounds are
/// deeper so that a strip does not glare; the text is always set with its background (contrast ≥ 4.5:1).
QColor toneBackground(Tone tone);
QColor toneForeground(Tone tone);
/// A style sheet for one frame (by object name) painted in a tone, its labels in the tone's text colour.
QString toneStyleSheet(const QString& objectName, Tone tone);

/// Colours that mark what a thing is rather than how it stands (diffs, timelines, chain trees).
enum class Accent { Renewed, OldCa, NewCa, Muted, Overlap, WarningLine };
QColor accentColor(Accent accent);

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
