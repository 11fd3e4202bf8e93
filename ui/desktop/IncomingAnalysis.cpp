// SPDX-License-Identifier: GPL-3.0-or-later
#include "IncomingAnalysis.h"

#include <QObject>

namespace certrotor::gui {

namespace {

/// How many located parse errors the banner lists before "and N more".
constexpr int kMaxIssuesShown = 5;

} // namespace

QString bundleErrorsText(const Bundle& bundle)
{
    QStringList lines;
    int errors = 0;
    for (const ParseIssue& issue : bundle.issues) {
        if (issue.severity != ParseIssue::Severity::Error)
            continue;
        if (errors++ < kMaxIssuesShown)
            lines << issue.text();
    }
    if (errors > kMaxIssuesShown)
        lines << QObject::tr("… and %1 more errors").arg(errors - kMaxIssuesShown);
    return lines.join(QLatin1Char('\n'));
}

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
        a.findings = lintBundle(*incoming, LintOptions{now, thresholdDays});
    a.store = std::move(store);
    a.incoming = std::move(incoming);
    return a;
}

} // namespace certrotor::gui
