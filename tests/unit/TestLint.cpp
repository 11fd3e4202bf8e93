// SPDX-License-Identifier: GPL-3.0-or-later
// Lint: each stable code fires for the certificate that deserves it, and only for it.
#include "CertFactory.h"
#include "util/Clock.h"
#include "x509/Bundle.h"
#include "x509/Lint.h"

#include <QDateTime>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const FixedClock kClock(QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC));
const qint64 kNow = kClock.nowSecs();

CertSpec caSpec(const QString& cn)
{
    CertSpec s;
    s.commonName = cn;
    s.isCA = true;
    s.notBefore = kNow - 10 * kSecondsPerDay;
    s.notAfter = kNow + 400 * kSecondsPerDay;
    return s;
}

QStringList codes(const QList<Finding>& findings, int entry)
{
    QStringList out;
    for (const Finding& f : findingsFor(findings, entry))
        out << f.code;
    out.sort();
    return out;
}

} // namespace

class TestLint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanCaHasNoFindings()
    {
        const Issued ca = issue(caSpec(QStringLiteral("Clean")), makeKey());
        const Bundle b = parseBundle(ca.pem(), QStringLiteral("b"));
        QCOMPARE(lintBundle(b, LintOptions{kNow, 30}).size(), 0);
    }

    void eachCode_data()
    {
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("severity");
        QTest::newRow("expired") << QStringLiteral("expired") << QStringLiteral("error");
        QTest::newRow("not-yet-valid") << QStringLiteral("not-yet-valid") << QStringLiteral("warning");
        QTest::newRow("expires-soon") << QStringLiteral("expires-soon") << QStringLiteral("warning");
        QTest::newRow("not-ca") << QStringLiteral("not-ca") << QStringLiteral("error");
        QTest::newRow("ca-without-keycertsign") << QStringLiteral("ca-without-keycertsign") << QStringLiteral("error");
        QTest::newRow("weak-rsa-key") << QStringLiteral("weak-rsa-key") << QStringLiteral("error");
        QTest::newRow("weak-signature-sha1") << QStringLiteral("weak-signature-sha1") << QStringLiteral("error");
        QTest::newRow("weak-signature-md5") << QStringLiteral("weak-signature-md5") << QStringLiteral("error");
        QTest::newRow("version-1") << QStringLiteral("version-1") << QStringLiteral("warning");
        QTest::newRow("missing-ski") << QStringLiteral("missing-ski") << QStringLiteral("warning");
    }

    void eachCode()
    {
        QFETCH(QString, expected);
        QFETCH(QString, severity);
        // A root that signs the subject of the test (so signature findings concern a non-self-signed certificate).
        const Issued root = issue(caSpec(QStringLiteral("Root")), makeKey(KeySpec::rsa(2048)));
        CertSpec s = caSpec(QStringLiteral("Subject"));
        KeySpec key;
        if (expected == QLatin1String("expired")) {
            s.notAfter = kNow - 3 * kSecondsPerDay;
        } else if (expected == QLatin1String("not-yet-valid")) {
            s.notBefore = kNow + 5 * kSecondsPerDay;
        } else if (expected == QLatin1String("expires-soon")) {
            s.notAfter = kNow + 12 * kSecondsPerDay;
        } else if (expected == QLatin1String("not-ca")) {
            s.isCA = false;
        } else if (expected == QLatin1String("ca-without-keycertsign")) {
            s.keyUsage = {QStringLiteral("digitalSignature")};
        } else if (expected == QLatin1String("weak-rsa-key")) {
            key = KeySpec::rsa(1024);
        } else if (expected == QLatin1String("weak-signature-sha1")) {
            s.digest = "SHA1";
        } else if (expected == QLatin1String("weak-signature-md5")) {
            s.digest = "MD5";
        } else if (expected == QLatin1String("version-1")) {
            s.version = 1;
        } else if (expected == QLatin1String("missing-ski")) {
            s.subjectKeyId = false;
        }
        const Issued cert = issue(s, makeKey(key), &root);
        QVERIFY(cert.cert);
        const Bundle b = parseBundle(QByteArray(root.pem() + cert.pem()), QStringLiteral("b"));
        QCOMPARE(b.entries.size(), 2);
        const QList<Finding> findings = lintBundle(b, LintOptions{kNow, 30});
        QCOMPARE(codes(findings, 0), QStringList());
        QCOMPARE(codes(findings, 1), QStringList{expected});
        const Finding f = findingsFor(findings, 1).first();
        QCOMPARE(Finding::severityName(f.severity), severity);
        QVERIFY(!f.message.isEmpty());
    }

    void expiryThresholdIsAnOption()
    {
        CertSpec s = caSpec(QStringLiteral("Soon"));
        s.notAfter = kNow + 45 * kSecondsPerDay;
        const Bundle b = parseBundle(issue(s, makeKey()).pem(), QStringLiteral("b"));
        QCOMPARE(lintBundle(b, LintOptions{kNow, 30}).size(), 0);
        const QList<Finding> f = lintBundle(b, LintOptions{kNow, 60});
        QCOMPARE(f.size(), 1);
        QCOMPARE(f[0].code, QStringLiteral("expires-soon"));
        QVERIFY2(f[0].message.contains(QLatin1String("45 days")), qPrintable(f[0].message));
        // The same certificate, judged after it expired: injected time, not the wall clock.
        const QList<Finding> later = lintBundle(b, LintOptions{kNow + 50 * kSecondsPerDay, 30});
        QCOMPARE(later.size(), 1);
        QCOMPARE(later[0].code, QStringLiteral("expired"));
        QVERIFY2(later[0].message.contains(QLatin1String("5 days ago")), qPrintable(later[0].message));
    }

    void duplicateInBundle()
    {
        const Issued ca = issue(caSpec(QStringLiteral("Twice")), makeKey());
        const Bundle b = parseBundle(QByteArray(ca.pem() + ca.pem()), QStringLiteral("dup.pem"));
        const QList<Finding> f = lintBundle(b, LintOptions{kNow, 30});
        QCOMPARE(codes(f, 0), QStringList());
        QCOMPARE(codes(f, 1), QStringList{QStringLiteral("duplicate")});
        QVERIFY(findingsFor(f, 1)[0].message.contains(QLatin1String("dup.pem: block 1")));
    }

    void selfSignedSha1RootIsOnlyInfo()
    {
        CertSpec s = caSpec(QStringLiteral("Old Root"));
        s.digest = "SHA1";
        const Bundle b = parseBundle(issue(s, makeKey()).pem(), QStringLiteral("b"));
        const QList<Finding> f = lintBundle(b, LintOptions{kNow, 30});
        QCOMPARE(f.size(), 1);
        QCOMPARE(f[0].code, QStringLiteral("weak-signature-sha1"));
        QCOMPARE(f[0].severity, Finding::Severity::Info);
    }

    void pathLenViolated()
    {
        // Root -> A (pathLen 0) -> B (a CA): B is one intermediate CA more than A allows.
        const Issued root = issue(caSpec(QStringLiteral("Root")), makeKey());
        CertSpec a = caSpec(QStringLiteral("A"));
        a.pathLen = 0;
        const Issued ia = issue(a, makeKey(), &root);
        const Issued ib = issue(caSpec(QStringLiteral("B")), makeKey(), &ia);
        CertSpec leaf = caSpec(QStringLiteral("leaf"));
        leaf.isCA = false;
        const Issued il = issue(leaf, makeKey(), &ia);
        const Bundle b = parseBundle(QByteArray(root.pem() + ia.pem() + ib.pem() + il.pem()), QStringLiteral("b"));
        const QList<Finding> f = lintBundle(b, LintOptions{kNow, 30});
        QCOMPARE(codes(f, 0), QStringList());
        QCOMPARE(codes(f, 1), QStringList()); // A itself is fine under the root
        QCOMPARE(codes(f, 2), QStringList{QStringLiteral("pathlen-violated")});
        QCOMPARE(codes(f, 3), QStringList{QStringLiteral("not-ca")}); // a leaf under A is allowed by pathLen 0
        QVERIFY(findingsFor(f, 2)[0].message.contains(QLatin1String("'A'")));
    }
};

QTEST_GUILESS_MAIN(TestLint)
#include "TestLint.moc"
