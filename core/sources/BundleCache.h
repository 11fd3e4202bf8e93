// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Bundle.h"

#include <QByteArray>
#include <QMutex>
#include <QString>

#include <list>
#include <memory>

namespace certrotor {

/// Parsed bundles keyed by the SHA-256 of their bytes, so one revision is parsed once: the same
/// bytes seen by two sources, or a revert to an earlier revision, reuse the earlier parse.
/// Thread-safe (sources parse on worker threads). Bounded: the least recently used entry goes
/// first once `capacity` entries are held.
///
/// A hit under another name returns a copy whose name and locations carry the new name (the
/// certificates themselves are shared, so that copy costs a few pointer copies, not a parse).
class BundleCache
{
public:
    explicit BundleCache(int capacity = 32);

    /// The parsed bundle for `data`, from the cache or parsed now. `sha256` may be given when the
    /// caller already hashed the bytes (raw digest, 32 bytes).
    std::shared_ptr<const Bundle> parse(QByteArrayView data, const QString& name, QByteArray sha256 = {});

    int hits() const;
    int misses() const;
    int size() const;
    void clear();

private:
    struct Entry
    {
        QByteArray sha256;
        std::shared_ptr<const Bundle> bundle;
    };

    mutable QMutex m_mutex;
    std::list<Entry> m_entries; // most recently used first
    int m_capacity;
    int m_hits = 0;
    int m_misses = 0;
};

/// `bundle` under another name: the same certificates, with the name and every location's file renamed.
Bundle renamedBundle(const Bundle& bundle, const QString& name);

} // namespace certrotor
