// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Certificate.h"

#include <QList>
#include <QPair>

namespace certrotor {

/// What changes when the trust store goes from `old` to `new`, by SHA-256 of each certificate.
/// `renewed` pairs an old and a new certificate with the same subject and the same key but another
/// validity: both also appear in removed and added, which stay the plain set difference.
struct BundleDiff
{
    QList<Certificate> added;
    QList<Certificate> removed;
    QList<Certificate> kept;
    QList<QPair<Certificate, Certificate>> renewed; // (old, new)

    bool isEmpty() const { return added.isEmpty() && removed.isEmpty(); }
};

/// Duplicates within one side count once; order follows each bundle.
BundleDiff diffBundles(const QList<Certificate>& oldCerts, const QList<Certificate>& newCerts);

/// The overlap bundle for a rotation: the union of old and new, deduplicated, with the moments
/// when at least one old and at least one new certificate are both valid.
struct Overlap
{
    enum class Order { NewFirst, OldFirst };
    struct Window
    {
        qint64 start = 0;
        qint64 end = 0;
    };

    QList<Certificate> certificates;
    QList<Window> windows; // sorted, disjoint; empty when old and new are never valid together
    int fromOld = 0; // certificates of the union that came only from the old bundle
    int fromNew = 0; // certificates that came from the new bundle
};

/// The window compares what is retired (old certificates the new bundle drops) with what is added
/// (new certificates the old bundle lacks) — falling back to the whole side when one is empty — so it
/// is the hand-over period of the rotation, not the life of a certificate both sides keep.
Overlap buildOverlap(const QList<Certificate>& oldCerts, const QList<Certificate>& newCerts,
                     Overlap::Order order = Overlap::Order::NewFirst);

} // namespace certrotor
