// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/IncomingAnalysis.h"

namespace certrotor {

IncomingAnalysis analyzeIncoming(std::shared_ptr<const Bundle> store, std::shared_ptr<const Bundle> incoming,
                                 qint64 now, int thresholdDays)
{
    IncomingAnalysis a;
    a.now = now;
    a.thresholdDays = thresholdDays;
    const QList<Certificate> oldCerts = store ? store->certificates() : QList<Certificate>();
    const QList<Certificate> newCerts = incoming ? incoming->certificates() : QList<Certificate>();
    a.diff = diffBundles(oldCerts, newCerts);
    a.overlap = buildOverlap(oldCerts, newCerts);
    if (incoming)
        a.findings = lintBundle(*incoming, LintOptions { now, thresholdDays });
    a.store = std::move(store);
    a.incoming = std::move(incoming);
    return a;
}

} // namespace certrotor
