// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Bundle.h"
#include "x509/BundleDiff.h"
#include "x509/Lint.h"

#include <memory>

namespace certrotor {

/// Everything the incoming preview shows (console) and the workspace knows about an incoming bundle:
/// its diff against the store, the overlap (new first, as everywhere) and its lint findings. No
/// widgets: computed once on a worker thread when a source delivers a bundle that differs from the store.
struct IncomingAnalysis {
    QString sourceId;
    QString sourceName;
    QString revision;
    std::shared_ptr<const Bundle> store;
    std::shared_ptr<const Bundle> incoming;
    BundleDiff diff;
    Overlap overlap;
    QList<Finding> findings; // lint of the incoming bundle
    qint64 now = 0;
    int thresholdDays = 30;

    bool differs() const { return !diff.isEmpty(); }
};

/// Pure and thread-safe: run it off the GUI thread (runThenCallback).
IncomingAnalysis analyzeIncoming(std::shared_ptr<const Bundle> store, std::shared_ptr<const Bundle> incoming,
                                 qint64 now, int thresholdDays);

} // namespace certrotor
