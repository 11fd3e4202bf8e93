// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/BundleCache.h"
#include "sources/Source.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <memory>

namespace certrotor {

/// The current bundle of each source as an immutable snapshot (`std::shared_ptr<const Bundle>`).
/// Snapshots, the revision and the list of ids can be read from ANY thread: the map is guarded by a
/// mutex and a reader copies the shared_ptr out, so a bundle stays valid for as long as the reader
/// holds it, whatever updates arrive meanwhile. Sources are added and removed on the provider's thread.
///
/// All sources added share one BundleCache, so one revision is parsed once: the same bytes from two
/// sources, or a revert to an earlier revision, reuse the earlier parse.
class TrustStoreProvider : public QObject
{
    Q_OBJECT
public:
    enum class Ownership {
        Take, // the provider becomes the source's QObject parent and deletes it (with itself or removeSource)
        Borrow, // the caller keeps ownership; if the source is destroyed first, it is removed from the provider
    };

    explicit TrustStoreProvider(QObject* parent = nullptr);
    /// With a cache shared beyond this provider (a workspace's stores and sources parse once together).
    explicit TrustStoreProvider(std::shared_ptr<BundleCache> cache, QObject* parent = nullptr);
    ~TrustStoreProvider() override;

    /// Adds a source (same thread as the provider), gives it the shared cache and starts it.
    /// False when another source with the same id() is present (the source is then left alone; with
    /// Ownership::Take the caller still owns it).
    bool addSource(Source* source, Ownership ownership = Ownership::Take);
    /// Stops the source and forgets it and its snapshot; deletes it if it was taken. False if unknown.
    bool removeSource(const QString& sourceId);
    /// The source object (provider thread only); null if unknown.
    Source* source(const QString& sourceId) const;

    /// Any thread.
    QStringList sourceIds() const;
    /// The current bundle of a source (any thread); null before its first update or if unknown.
    std::shared_ptr<const Bundle> snapshot(const QString& sourceId) const;
    /// The full last update (bundle, revision, seen at, latency) of a source (any thread).
    SourceUpdate update(const QString& sourceId) const;

    std::shared_ptr<BundleCache> cache() const { return m_cache; }

Q_SIGNALS:
    /// A source was added (it is in sourceIds() and source() already).
    void sourceAdded(const QString& sourceId);
    /// A source was removed or destroyed; emitted while source() still returns it (null if it was destroyed).
    void sourceRemoved(const QString& sourceId);
    /// A source delivered a new revision; snapshot(sourceId) already returns it.
    void changed(const QString& sourceId);
    /// A source's status changed (provider thread).
    void sourceStatusChanged(const QString& sourceId, certrotor::Source::Status status, const QString& error);

private:
    struct Held
    {
        QPointer<Source> source;
        Ownership ownership = Ownership::Take;
    };

    void onUpdated(const QString& sourceId, const SourceUpdate& update);

    std::shared_ptr<BundleCache> m_cache;
    QHash<QString, Held> m_sources; // provider thread only
    mutable QMutex m_mutex; // guards m_ids and m_snapshots
    QStringList m_ids;
    QHash<QString, SourceUpdate> m_snapshots;
};

} // namespace certrotor
