// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "MessageBanner.h"
#include "probe/ProbePlan.h"

namespace certrotor::gui {

/// The Probe panel's verdict strip: the console's MessageBanner (its tones, no close button), its text
/// in large bold type, the verdict's reasons on the details line. Green when the rotation may go on,
/// red when it would break something, blue while probing, grey when there is no verdict.
class ProbeVerdictBanner : public MessageBanner {
    Q_OBJECT
public:
    explicit ProbeVerdictBanner(QWidget* parent = nullptr);

    void showVerdict(const PlanVerdict& verdict);
    void showRunning(int targets, const QStringList& bundles);
    /// No verdict to show (none yet, cancelled, the inputs changed): `text` says why.
    void showNoVerdict(const QString& text);

private:
    void describe();
};

} // namespace certrotor::gui
