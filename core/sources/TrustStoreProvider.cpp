// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/TrustStoreProvider.h"

#include "sources/WatchLog.h"

#include <QMutexLocker>

namespace certrotor {

TrustStoreProvider::TrustStoreProvider(QObject* parent) : TrustStoreProvider(std::make_shared<BundleCache>(64), parent)
{
}

TrustStoreProvider::TrustStoreProvider(std::shared_ptr<BundleCache> cache, QObject* parent)
    : QObject(parent), m_cache(std::move(cache))
{
}

TrustStoreProvider::~TrustStoreProvider()
{
    // Cut every source's connections to us before our members go: taken sources are deleted later,
    // by ~QObject, and borrowed ones outlive us.
    for (const Held& held : std::as_const(m_sources))
        if (held.source)
            disconnect(held.source, nullptr, this, nullptr);
}

bool TrustStoreProvider::addSource(Source* source, Ownership ownership)
{
    if (!source)
        return false;
    const QString id = source->id();
    if (m_sources.contains(id)) {
        qCWarning(lcWatch).noquote() << "a source with id" << id << "is already in the trust store provider";
        return false;
    }
    if (ownership == Ownership::Take)
        source->setParent(this);
    m_sources.insert(id, Held{source, ownership});
    {
        QMutexLocker lock(&m_mutex);
        m_ids << id;
        if (source->current().bundle)
            m_snapshots.insert(id, source->current());
    }
    source->setBundleCache(m_cache);
    connect(source, &Source::updated, this, [this, id](const SourceUpdate& u) { onUpdated(id, u); });
    connect(source, &Source::statusChanged, this,
            [this, id](Source::Status status, const QString& error) { Q_EMIT sourceStatusChanged(id, status, error); });
    connect(source, &QObject::destroyed, this, [this, id] {
        // A borrowed source deleted by its owner (taken ones die with us or in removeSource).
        Q_EMIT sourceRemoved(id);
        m_sources.remove(id);
        QMutexLocker lock(&m_mutex);
        m_ids.removeAll(id);
        m_snapshots.remove(id);
    });
    Q_EMIT sourceAdded(id);
    source->start();
    return true;
}

bool TrustStoreProvider::removeSource(const QString& sourceId)
{
    const auto it = m_sources.find(sourceId);
    if (it == m_sources.end())
        return false;
    Q_EMIT sourceRemoved(sourceId);
    const Held held = it.value();
    m_sources.erase(it);
    {
        QMutexLocker lock(&m_mutex);
        m_ids.removeAll(sourceId);
        m_snapshots.remove(sourceId);
    }
    if (held.source) {
        disconnect(held.source, nullptr, this, nullptr);
        held.source->stop();
        if (held.ownership == Ownership::Take)
            delete held.source.data();
    }
    return true;
}

Source* TrustStoreProvider::source(const QString& sourceId) const
{
    return m_sources.value(sourceId).source.data();
}

QStringList TrustStoreProvider::sourceIds() const
{
    QMutexLocker lock(&m_mutex);
    return m_ids;
}

std::shared_ptr<const Bundle> TrustStoreProvider::snapshot(const QString& sourceId) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_snapshots.constFind(sourceId);
    return it == m_snapshots.constEnd() ? nullptr : it->bundle;
}

SourceUpdate TrustStoreProvider::update(const QString& sourceId) const
{
    QMutexLocker lock(&m_mutex);
    return m_snapshots.value(sourceId);
}

void TrustStoreProvider::onUpdated(const QString& sourceId, const SourceUpdate& update)
{
    {
        QMutexLocker lock(&m_mutex);
        if (!m_ids.contains(sourceId))
            return;
        m_snapshots.insert(sourceId, update);
    }
    Q_EMIT changed(sourceId);
}

} // namespace certrotor
