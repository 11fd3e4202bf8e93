// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/InlineSource.h"

#include "x509/OpenSsl.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <chrono>

namespace certrotor {

namespace {

qint64 steadyNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

InlineSource::InlineSource(QString name, QByteArray pem, QObject* parent)
    : Source(parent), m_name(std::move(name)), m_pem(std::move(pem))
{
}

void InlineSource::start()
{
    if (m_started)
        return;
    m_started = true;
    m_lastSha256.clear();
    parseAndDeliver(-1);
}

void InlineSource::stop()
{
    if (!m_started)
        return;
    m_started = false;
    ++m_sequence;
    setStatus(Status::Idle);
}

void InlineSource::setPem(QByteArray pem)
{
    const qint64 requested = steadyNowNs();
    m_pem = std::move(pem);
    if (m_started)
        parseAndDeliver(requested);
}

void InlineSource::parseAndDeliver(qint64 requestedNs)
{
    const QByteArray sha = ossl::sha256(m_pem);
    if (sha == m_lastSha256)
        return;
    m_lastSha256 = sha;
    const quint64 sequence = ++m_sequence;
    auto* watcher = new QFutureWatcher<std::shared_ptr<const Bundle>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, sequence, sha, requestedNs] {
        watcher->deleteLater();
        if (watcher->isCanceled() || !m_started || sequence != m_sequence)
            return; // a newer setPem() is on its way
        if (current().bundle && current().revision == QString::fromLatin1(sha.toHex()))
            return; // set back to what was delivered before the newer bytes were parsed
        const std::shared_ptr<const Bundle> bundle = watcher->result();
        SourceUpdate update;
        update.bundle = bundle;
        update.revision = QString::fromLatin1(sha.toHex());
        update.seenAt = QDateTime::currentDateTimeUtc();
        update.detectionLatencyMs = requestedNs < 0 ? -1 : (steadyNowNs() - requestedNs) / 1000000;
        const QString firstError = bundleErrorSummary(*bundle);
        if (firstError.isEmpty())
            setStatus(Status::Watching);
        else
            setStatus(Status::Error, firstError);
        deliver(std::move(update));
    });
    watcher->setFuture(QtConcurrent::run(Source::readPool(), [pem = m_pem, name = id(), sha, cache = bundleCache()] {
        return cache->parse(pem, name, sha);
    }));
}

} // namespace certrotor
