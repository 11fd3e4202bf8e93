// SPDX-License-Identifier: GPL-3.0-or-later
// Chain building from a pool and verification at a chosen time, with every OpenSSL error reported.
#include "CertFactory.h"
#include "x509/Bundle.h"
#include "x509/Chain.h"

#include <QDateTime>
#include <QtTest>

#include <openssl/x509_vfy.h>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();

Certificate cert(const Issued& i)
{
    return Certificate::fromDer(i.der()).value();
}

bool hasError(const VerifyResult& r, int code, int depth)
{
    for (const VerifyError& e : r.errors)
        if (e.code == code && e.depth == depth)
            return true;
    return false;
}

QString describe(const VerifyResult& r)
{
    QStringList out;
    for (const VerifyError& e : r.errors)
        out << e.text();
    return out.join(QLatin1String("; ")) + r.failure;
}

} // namespace

class TestChain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_h = makeHierarchy(kNow, QStringLiteral("Chain"), KeySpec::rsa(2048));
        QVERIFY(m_h.root.cert && m_h.intermediate.cert && m_h.leaf.cert);
    }

    void verifiesNow()
    {
        const VerifyResult r = verifyChain(cert(m_h.leaf), {cert(m_h.intermediate)}, {cert(m_h.root)}, VerifyOptions{kNow, false, {}});
        QVERIFY2(r.ok, qPrintable(describe(r)));
        QCOMPARE(r.errors.size(), 0);
        QCOMPARE(r.chain.size(), 3);
        QCOMPARE(r.chain[0], cert(m_h.leaf));
        QCOMPARE(r.chain[2], cert(m_h.root));
        QCOMPARE(r.anchor(), cert(m_h.root));
    }

    void verifiesAtAChosenDate()
    {
        // The hierarchy is valid for a year: two years on, every certificate has expired, and each is reported.
        const qint64 later = kNow + 2 * 365 * kSecondsPerDay;
        const VerifyResult r = verifyChain(cert(m_h.leaf), {cert(m_h.intermediate)}, {cert(m_h.root)}, VerifyOptions{later, false, {}});
        QVERIFY(!r.ok);
        QVERIFY2(hasError(r, X509_V_ERR_CERT_HAS_EXPIRED, 0), qPrintable(describe(r)));
        QVERIFY2(hasError(r, X509_V_ERR_CERT_HAS_EXPIRED, 1), qPrintable(describe(r)));
        QVERIFY2(hasError(r, X509_V_ERR_CERT_HAS_EXPIRED, 2), qPrintable(describe(r)));
        QCOMPARE(r.errors[0].name, QStringLiteral("X509_V_ERR_CERT_HAS_EXPIRED"));
        QCOMPARE(r.errors[0].message, QStringLiteral("certificate has expired"));
        // and before it is valid
        const VerifyResult early = verifyChain(cert(m_h.leaf), {cert(m_h.intermediate)}, {cert(m_h.root)},
                                               VerifyOptions{kNow - 30 * kSecondsPerDay, false, {}});
        QVERIFY(hasError(early, X509_V_ERR_CERT_NOT_YET_VALID, 0));
    }

    void untrustedRootAndExpiryTogether()
    {
        const Hierarchy other = makeHierarchy(kNow, QStringLiteral("Other"));
        const VerifyResult r = verifyChain(cert(m_h.leaf), {cert(m_h.intermediate)}, {cert(other.root)},
                                           VerifyOptions{kNow + 2 * 365 * kSecondsPerDay, false, {}});
        QVERIFY(!r.ok);
        QVERIFY2(hasError(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1), qPrintable(describe(r)));
        QVERIFY2(hasError(r, X509_V_ERR_CERT_HAS_EXPIRED, 0), qPrintable(describe(r))); // not just the first error
        QVERIFY(r.anchor().isNull());
        for (const VerifyError& e : r.errors)
            QVERIFY(!e.subject.isEmpty());
    }

    void missingIntermediate()
    {
        const VerifyResult r = verifyChain(cert(m_h.leaf), {}, {cert(m_h.root)}, VerifyOptions{kNow, false, {}});
        QVERIFY(!r.ok);
        QVERIFY(hasError(r, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0));
        // trusting the intermediate alone works only with partial chains allowed
        QVERIFY(!verifyChain(cert(m_h.leaf), {}, {cert(m_h.intermediate)}, VerifyOptions{kNow, false, {}}).ok);
        QVERIFY(verifyChain(cert(m_h.leaf), {}, {cert(m_h.intermediate)}, VerifyOptions{kNow, true, {}}).ok);
    }

    void hostname()
    {
        QVERIFY(verifyChain(cert(m_h.leaf), {cert(m_h.intermediate)}, {cert(m_h.root)},
                            VerifyOptions{kNow, false, QStringLiteral("localhost")}).ok);
        const VerifyResult r = verifyChain(cert(m_h.leaf), {cert(m_h.intermediate)}, {cert(m_h.root)},
                                           VerifyOptions{kNow, false, QStringLiteral("example.org")});
        QVERIFY(!r.ok);
        QVERIFY(hasError(r, X509_V_ERR_HOSTNAME_MISMATCH, 0));
    }

    void issuerIndexBuildsChainsFromPool()
    {
        // Pool in scrambled order, plus an unrelated CA with the same name but another key.
        CertSpec impostor;
        impostor.commonName = QStringLiteral("Chain Root CA");
        impostor.isCA = true;
        impostor.notBefore = kNow;
        impostor.notAfter = kNow + kSecondsPerDay;
        const Issued fake = issue(impostor, makeKey());
        const QList<Certificate> pool{cert(m_h.leaf), cert(fake), cert(m_h.root), cert(m_h.intermediate)};
        const IssuerIndex index(pool);
        QCOMPARE(index.chainFor(0), (QList<int>{0, 3, 2}));
        QCOMPARE(index.issuerOf(2), -1); // self-issued
        QCOMPARE(index.chainFor(1), QList<int>{1});
    }

    void verifyErrorNames()
    {
        QCOMPARE(verifyErrorName(X509_V_ERR_CERT_HAS_EXPIRED), QStringLiteral("X509_V_ERR_CERT_HAS_EXPIRED"));
        QCOMPARE(verifyErrorName(99999), QStringLiteral("X509_V_ERR_UNKNOWN_99999"));
    }

    void nullLeafIsAnErrorNotACrash()
    {
        const VerifyResult r = verifyChain(Certificate(), {}, {cert(m_h.root)}, VerifyOptions{kNow, false, {}});
        QVERIFY(!r.ok);
        QVERIFY(!r.failure.isEmpty());
    }

private:
    Hierarchy m_h;
};

QTEST_GUILESS_MAIN(TestChain)
#include "TestChain.moc"
