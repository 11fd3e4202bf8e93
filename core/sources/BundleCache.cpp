// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/BundleCache.h"

#include "x509/OpenSsl.h"

#include <QMutexLocker>

namespace certrotor {

Bundle renamedBundle(const Bundle& bundle, const QString& name)
{
    Bundle copy = bundle;
    const QString old = bundle.name;
    copy.name = name;
    for (BundleEntry& e : copy.entries)
        if (e.source.file == old)
            e.source.file = name;
    for (ParseIssue& i : copy.issues)
        if (i.where.file == old)
            i.where.file = name;
    return copy;
}

BundleCache::BundleCache(int capacity) : m_capacity(qMax(1, capacity)) {}

std::shared_ptr<const Bundle> BundleCache::parse(QByteArrayView data, const QString& name, QByteArray sha256)
{
    if (sha256.isEmpty())
        sha256 = ossl::sha256(data);
    std::shared_ptr<const Bundle> found;
    {
        QMutexLocker lock(&m_mutex);
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
            if (it->sha256 == sha256) {
                found = it->bundle;
                m_entries.splice(m_entries.begin(), m_entries, it);
                ++m_hits;
                break;
            }
        }
        if (!found)
            ++m_misses;
    }
    if (found) {
        if (found->name == name)
            return found;
        return std::make_shared<const Bundle>(renamedBundle(*found, name));
    }

    // Parse outside the lock: a big bundle must not stall the other sources' lookups. Two threads
    // parsing the same new bytes at once both parse; the second insert is dropped.
    auto parsed = std::make_shared<const Bundle>(parseBundle(data, name));
    QMutexLocker lock(&m_mutex);
    for (const Entry& e : m_entries)
        if (e.sha256 == sha256)
            return parsed;
    m_entries.push_front(Entry{sha256, parsed});
    while (int(m_entries.size()) > m_capacity)
        m_entries.pop_back();
    return parsed;
}

int BundleCache::hits() const
{
    QMutexLocker lock(&m_mutex);
    return m_hits;
}

int BundleCache::misses() const
{
    QMutexLocker lock(&m_mutex);
    return m_misses;
}

int BundleCache::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_entries.size());
}

void BundleCache::clear()
{
    QMutexLocker lock(&m_mutex);
    m_entries.clear();
}

} // namespace certrotor
