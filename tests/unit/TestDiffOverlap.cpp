// SPDX-License-Identifier: GPL-3.0-or-later
// Bundle diff (added / removed / kept / renewed) and the overlap bundle with its window.
#include "CertFactory.h"
#include "x509/BundleDiff.h"

#include <QDateTime>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();
constexpr qint64 kDay = kSecondsPerDay;

Certificate ca(const QString& cn, qint64 from, qint64 to, EVP_PKEY* reuseKey = nullptr, ossl::EvpPkeyPtr* keyOut = nullptr)
{
    CertSpec s;
    s.commonName = cn;
    s.isCA = true;
    s.notBefore = from;
    s.notAfter = to;
    ossl::EvpPkeyPtr key;
    if (reuseKey) {
        EVP_PKEY_up_ref(reuseKey);
        key.reset(reuseKey);
    } else {
        key = makeKey();
    }
    Issued i = issue(s, std::move(key));
    if (keyOut)
        *keyOut = std::move(i.key);
    return Certificate::fromDer(i.der()).value();
}

} // namespace

class TestDiffOverlap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addedRemovedKeptRenewed()
    {
        ossl::EvpPkeyPtr renewKey;
        const Certificate keep = ca(QStringLiteral("Kept"), kNow - 10 * kDay, kNow + 100 * kDay);
        const Certificate gone = ca(QStringLiteral("Gone"), kNow - 10 * kDay, kNow + 5 * kDay);
        const Certificate oldGen = ca(QStringLiteral("Renewed"), kNow - 300 * kDay, kNow + 20 * kDay, nullptr, &renewKey);
        const Certificate newGen = ca(QStringLiteral("Renewed"), kNow, kNow + 700 * kDay, renewKey.get());
        const Certificate fresh = ca(QStringLiteral("Fresh"), kNow, kNow + 700 * kDay);
        const BundleDiff d = diffBundles({keep, gone, oldGen, keep}, {newGen, keep, fresh});
        QCOMPARE(d.kept, QList<Certificate>{keep});
        QCOMPARE(d.removed, (QList<Certificate>{gone, oldGen}));
        QCOMPARE(d.added, (QList<Certificate>{newGen, fresh}));
        QCOMPARE(d.renewed.size(), 1);
        QCOMPARE(d.renewed[0].first, oldGen);
        QCOMPARE(d.renewed[0].second, newGen);
        QVERIFY(!d.isEmpty());
        QVERIFY(diffBundles({keep}, {keep}).isEmpty());
    }

    void overlapWindowAndOrder()
    {
        const Certificate oldCa = ca(QStringLiteral("Old"), kNow - 300 * kDay, kNow + 30 * kDay);
        const Certificate newCa = ca(QStringLiteral("New"), kNow - kDay, kNow + 700 * kDay);
        const Overlap o = buildOverlap({oldCa}, {newCa});
        QCOMPARE(o.certificates, (QList<Certificate>{newCa, oldCa}));
        QCOMPARE(o.windows.size(), 1);
        QCOMPARE(o.windows[0].start, kNow - kDay);
        QCOMPARE(o.windows[0].end, kNow + 30 * kDay);
        QCOMPARE(o.fromOld, 1);
        QCOMPARE(o.fromNew, 1);
        const Overlap oldFirst = buildOverlap({oldCa}, {newCa}, Overlap::Order::OldFirst);
        QCOMPARE(oldFirst.certificates, (QList<Certificate>{oldCa, newCa}));
    }

    void overlapDeduplicatesAndUsesAddedCertificates()
    {
        const Certificate shared = ca(QStringLiteral("Shared"), kNow - 100 * kDay, kNow + 1000 * kDay);
        const Certificate oldCa = ca(QStringLiteral("Old"), kNow - 300 * kDay, kNow + 30 * kDay);
        const Certificate newCa = ca(QStringLiteral("New"), kNow + 10 * kDay, kNow + 700 * kDay);
        const Overlap o = buildOverlap({shared, oldCa}, {shared, newCa});
        QCOMPARE(o.certificates.size(), 3);
        QCOMPARE(o.certificates.count(shared), 1);
        // The window is about the hand-over (old vs added), not the certificate both sides keep.
        QCOMPARE(o.windows.size(), 1);
        QCOMPARE(o.windows[0].start, kNow + 10 * kDay);
        QCOMPARE(o.windows[0].end, kNow + 30 * kDay);
    }

    void noOverlapWhenNeverValidTogether()
    {
        const Certificate oldCa = ca(QStringLiteral("Old"), kNow - 300 * kDay, kNow - kDay);
        const Certificate newCa = ca(QStringLiteral("New"), kNow, kNow + 700 * kDay);
        QVERIFY(buildOverlap({oldCa}, {newCa}).windows.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDiffOverlap)
#include "TestDiffOverlap.moc"
