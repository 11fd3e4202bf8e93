// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/Source.h"

#include "sources/WatchLog.h"

#include <QThreadPool>

namespace certrotor {

Q_LOGGING_CATEGORY(lcWatch, "certrotor.watch", QtInfoMsg)

void Source::setBundleCache(std::shared_ptr<BundleCache> cache)
{
    if (cache)
        m_cache = std::move(cache);
}

QThreadPool* Source::readPool()
{
    static QThreadPool pool;
    static const bool configured = [] {
        pool.setMaxThreadCount(2);
        pool.setObjectName(QStringLiteral("certrotor source reads"));
        return true;
    }();
    Q_UNUSED(configured);
    return &pool;
}

QString Source::statusName(Status status)
{
    switch (status) {
    case Status::Idle:
        return QStringLiteral("idle");
    case Status::Watching:
        return QStringLiteral("watching");
    case Status::Reconnecting:
        return QStringLiteral("reconnecting");
    case Status::Error:
        return QStringLiteral("error");
    }
    return {};
}

QString Source::bundleErrorSummary(const Bundle& bundle)
{
    int errors = 0;
    QString first;
    for (const ParseIssue& issue : bundle.issues) {
        if (issue.severity != ParseIssue::Severity::Error)
            continue;
        if (errors++ == 0)
            first = issue.text();
    }
    if (errors > 1)
        first += QStringLiteral(" (and %1 more error(s))").arg(errors - 1);
    return first;
}

void Source::setStatus(Status status, const QString& error)
{
    if (status == m_status && error == m_lastError)
        return;
    m_status = status;
    m_lastError = error;
    qCDebug(lcWatch).noquote() << id() << "status" << statusName(status) << error;
    Q_EMIT statusChanged(status, error);
}

void Source::deliver(SourceUpdate update)
{
    m_current = update;
    qCDebug(lcWatch).noquote() << id() << "delivered revision" << update.revision << "latency"
                               << update.detectionLatencyMs << "ms";
    Q_EMIT updated(m_current);
}

} // namespace certrotor
