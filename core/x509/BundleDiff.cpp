// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/BundleDiff.h"

#include <QSet>

#include <algorithm>

namespace certrotor {

namespace {

QList<Certificate> unique(const QList<Certificate>& certs)
{
    QList<Certificate> out;
    QSet<QByteArray> seen;
    for (const Certificate& c : certs)
        if (!seen.contains(c.info().sha256)) {
            seen.insert(c.info().sha256);
            out << c;
        }
    return out;
}

QSet<QByteArray> digests(const QList<Certificate>& certs)
{
    QSet<QByteArray> out;
    for (const Certificate& c : certs)
        out.insert(c.info().sha256);
    return out;
}

using Window = Overlap::Window;

// Union of validity intervals, merged.
QList<Window> coverage(const QList<Certificate>& certs)
{
    QList<Window> spans;
    for (const Certificate& c : certs)
        spans << Window{c.info().notBefore, c.info().notAfter};
    std::sort(spans.begin(), spans.end(), [](const Window& a, const Window& b) { return a.start < b.start; });
    QList<Window> merged;
    for (const Window& w : spans) {
        if (!merged.isEmpty() && w.start <= merged.last().end)
            merged.last().end = std::max(merged.last().end, w.end);
        else
            merged << w;
    }
    return merged;
}

QList<Window> intersect(const QList<Window>& a, const QList<Window>& b)
{
    QList<Window> out;
    qsizetype i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const qint64 start = std::max(a[i].start, b[j].start);
        const qint64 end = std::min(a[i].end, b[j].end);
        if (start < end)
            out << Window{start, end};
        if (a[i].end < b[j].end)
            ++i;
        else
            ++j;
    }
    return out;
}

} // namespace

BundleDiff diffBundles(const QList<Certificate>& oldCerts, const QList<Certificate>& newCerts)
{
    BundleDiff diff;
    const QList<Certificate> oldUnique = unique(oldCerts);
    const QList<Certificate> newUnique = unique(newCerts);
    const QSet<QByteArray> oldSet = digests(oldUnique);
    const QSet<QByteArray> newSet = digests(newUnique);
    for (const Certificate& c : oldUnique)
        (newSet.contains(c.info().sha256) ? diff.kept : diff.removed) << c;
    for (const Certificate& c : newUnique)
        if (!oldSet.contains(c.info().sha256))
            diff.added << c;
    for (const Certificate& o : std::as_const(diff.removed))
        for (const Certificate& n : std::as_const(diff.added))
            if (o.info().subject.der == n.info().subject.der && o.info().spkiSha256 == n.info().spkiSha256)
                diff.renewed << qMakePair(o, n);
    return diff;
}

Overlap buildOverlap(const QList<Certificate>& oldCerts, const QList<Certificate>& newCerts, Overlap::Order order)
{
    Overlap overlap;
    const QList<Certificate> oldUnique = unique(oldCerts);
    const QList<Certificate> newUnique = unique(newCerts);
    const QSet<QByteArray> newSet = digests(newUnique);
    const QSet<QByteArray> oldSet = digests(oldUnique);
    QList<Certificate> onlyOld;
    for (const Certificate& c : oldUnique)
        if (!newSet.contains(c.info().sha256))
            onlyOld << c;
    QList<Certificate> added;
    for (const Certificate& c : newUnique)
        if (!oldSet.contains(c.info().sha256))
            added << c;

    if (order == Overlap::Order::NewFirst)
        overlap.certificates = newUnique + onlyOld;
    else
        overlap.certificates = oldUnique + added;
    overlap.fromOld = int(onlyOld.size());
    overlap.fromNew = int(newUnique.size());
    overlap.windows = intersect(coverage(onlyOld.isEmpty() ? oldUnique : onlyOld), coverage(added.isEmpty() ? newUnique : added));
    return overlap;
}

} // namespace certrotor
