// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor-cli end to end: output formats, exit codes (0 good, 1 findings/bad block/failed
// verification, 2 usage or unreadable input) and located errors on stderr.
#include "CertFactory.h"
#include "TestUtil.h"
#include "x509/Bundle.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

// The CLI judges expiry against the wall clock unless --at is given, so these certificates are
// made relative to now, with wide margins.
const qint64 kNow = QDateTime::currentSecsSinceEpoch();

QJsonDocument parseJson(const QByteArray& out)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(out, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON: %s\n%s", qPrintable(error.errorString()), out.constData());
    return doc;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A refused target goes to the audit log (append-only) and to stderr without what it carried as
    // credentials: operators paste URLs.
    void refusedTargetIsAuditedWithoutCredentials()
    {
        const QString log = m_dir.filePath(QStringLiteral("audit/refused.jsonl"));
        const ProcessResult r = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), path("new.pem"), QStringLiteral("--audit-log"),
                                        log, QStringLiteral("https://ops:s3cr3t-T0KEN@grpc.internal:443/x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("grpc.internal"), r.err.constData());
        QVERIFY2(!r.err.contains("s3cr3t-T0KEN"), r.err.constData());
        const QByteArray written = readFile(log);
        QVERIFY2(written.contains("input-rejected") && written.contains("grpc.internal"), written.constData());
        QVERIFY2(!written.contains("s3cr3t-T0KEN") && !written.contains("ops:"), written.constData());
    }

    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_old = makeHierarchy(kNow, QStringLiteral("Old"));
        m_new = makeHierarchy(kNow, QStringLiteral("New"), KeySpec::rsa(2048));
        QVERIFY(writeFile(path("old.pem"), m_old.root.pem()));
        QVERIFY(writeFile(path("new.pem"), QByteArray(m_new.root.pem() + m_old.root.pem())));
        QVERIFY(writeFile(path("chain.pem"), QByteArray(m_old.leaf.pem() + m_old.intermediate.pem())));
        QByteArray bad = m_old.root.pem() + "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n";
        QVERIFY(writeFile(path("bad.pem"), bad));
    }

    void version()
    {
        const ProcessResult r = runCli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        const QString line = QString::fromUtf8(r.out).trimmed();
        QVERIFY2(QRegularExpression(QStringLiteral(
                                        R"(^certrotor-cli \d+\.\d+\.\d+ \(git ([0-9a-f]{7,}|unknown), \d{4}-\d{2}-\d{2}, linux-[a-z0-9_]+\)$)"))
                     .match(line)
                     .hasMatch(),
                 qPrintable(line));
    }

    void inspectJson()
    {
        const ProcessResult r = runCli({QStringLiteral("inspect"), QStringLiteral("--json"), path("new.pem")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray a = parseJson(r.out).array();
        QCOMPARE(a.size(), 2);
        const QJsonObject first = a[0].toObject();
        QCOMPARE(first[QLatin1String("subject")].toString(), QStringLiteral("CN=New Root CA"));
        QCOMPARE(first[QLatin1String("keyAlgorithm")].toString(), QStringLiteral("RSA"));
        QCOMPARE(first[QLatin1String("keyBits")].toInt(), 2048);
        QCOMPARE(first[QLatin1String("isCA")].toBool(), true);
        QCOMPARE(first[QLatin1String("sha256")].toString(),
                 Certificate::fromDer(m_new.root.der()).value().info().sha256Hex());
        QCOMPARE(first[QLatin1String("source")].toObject()[QLatin1String("block")].toInt(), 1);
        QCOMPARE(a[1].toObject()[QLatin1String("source")].toObject()[QLatin1String("block")].toInt(), 2);
        QVERIFY(first[QLatin1String("findings")].isArray());
    }

    void inspectTableAndStdin()
    {
        const ProcessResult r = runCli({QStringLiteral("inspect"), QStringLiteral("-")}, m_old.root.pem());
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("Old Root CA"), r.out.constData());
        QVERIFY(r.out.contains("SHA-256"));
    }

    void badBlockIsLocatedAndExitsOne()
    {
        const ProcessResult r = runCli({QStringLiteral("inspect"), path("bad.pem")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("%1: block 2, line ").arg(path("bad.pem")).toUtf8()), r.err.constData());
        QVERIFY(r.err.contains("invalid character '!' in base64"));
        QVERIFY(r.out.contains("Old Root CA")); // the good block is still shown
    }

    void unreadableAndUsageErrorsExitTwo()
    {
        ProcessResult r = runCli({QStringLiteral("inspect"), path("missing.pem")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("missing.pem"));
        QCOMPARE(runCli({}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("frobnicate")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("inspect")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("inspect"), QStringLiteral("--bogus"), path("old.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("lint"), QStringLiteral("--at"), QStringLiteral("yesterday"), path("old.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("diff"), path("old.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("verify"), path("chain.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("overlap"), path("old.pem"), path("new.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("--help")}).exitCode, 0);
    }

    void lintAtADate()
    {
        ProcessResult r = runCli({QStringLiteral("lint"), path("old.pem")});
        QCOMPARE(r.exitCode, 0);
        const QString future = QDateTime::fromSecsSinceEpoch(kNow + 400 * 86400, Qt::UTC).date().toString(Qt::ISODate);
        r = runCli({QStringLiteral("lint"), QStringLiteral("--json"), QStringLiteral("--at"), future, path("old.pem")});
        QCOMPARE(r.exitCode, 1);
        const QJsonArray a = parseJson(r.out).array();
        QCOMPARE(a.size(), 1);
        QCOMPARE(a[0].toObject()[QLatin1String("code")].toString(), QStringLiteral("expired"));
        // the expiry threshold is an option too
        r = runCli({QStringLiteral("lint"), QStringLiteral("--expiry-days"), QStringLiteral("400"), path("old.pem")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains("expires-soon"));
    }

    void directoryIsOneBundle()
    {
        // Like /etc/ssl/certs: files plus a c_rehash-style link; duplicates across files are found once.
        const QString dir = path("certs");
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(writeFile(dir + QStringLiteral("/a.pem"), m_old.root.pem()));
        QVERIFY(writeFile(dir + QStringLiteral("/b.pem"), m_new.root.pem()));
        QVERIFY(writeFile(dir + QStringLiteral("/bundle.crt"), QByteArray(m_old.root.pem() + m_new.root.pem())));
        QVERIFY(QFile::link(dir + QStringLiteral("/a.pem"), dir + QStringLiteral("/1a2b3c4d.0")));
        QVERIFY(writeFile(dir + QStringLiteral("/.hidden"), "not a certificate"));
        const ProcessResult r = runCli({QStringLiteral("lint"), QStringLiteral("--json"), dir});
        QCOMPARE(r.exitCode, 1);
        const QJsonArray a = parseJson(r.out).array();
        QCOMPARE(a.size(), 2); // the bundle repeats a.pem and b.pem; the link adds nothing
        for (const QJsonValue& v : a) {
            QCOMPARE(v.toObject()[QLatin1String("code")].toString(), QStringLiteral("duplicate"));
            QVERIFY(v.toObject()[QLatin1String("source")].toObject()[QLatin1String("file")].toString().endsWith(
                QLatin1String("bundle.crt")));
        }
    }

    void diffJson()
    {
        const ProcessResult r = runCli({QStringLiteral("diff"), QStringLiteral("--json"), path("old.pem"), path("new.pem")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = parseJson(r.out).object();
        QCOMPARE(o[QLatin1String("added")].toArray().size(), 1);
        QCOMPARE(o[QLatin1String("removed")].toArray().size(), 0);
        QCOMPARE(o[QLatin1String("kept")].toArray().size(), 1);
        QCOMPARE(o[QLatin1String("added")].toArray()[0].toObject()[QLatin1String("subject")].toString(),
                 QStringLiteral("CN=New Root CA"));
        const ProcessResult text = runCli({QStringLiteral("diff"), path("new.pem"), path("old.pem")});
        QVERIFY(text.out.contains("0 added, 1 removed, 1 kept, 0 renewed"));
    }

    void verify()
    {
        ProcessResult r = runCli({QStringLiteral("verify"), QStringLiteral("--trust"), path("old.pem"), path("chain.pem")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("OK"));
        // "Will this still verify after the old CA expires?"
        const QString later = QDateTime::fromSecsSinceEpoch(kNow + 500 * 86400, Qt::UTC).toString(Qt::ISODate);
        r = runCli({QStringLiteral("verify"), QStringLiteral("--json"), QStringLiteral("--trust"), path("old.pem"),
                    QStringLiteral("--at"), later, path("chain.pem")});
        QCOMPARE(r.exitCode, 1);
        const QJsonObject o = parseJson(r.out).object();
        QCOMPARE(o[QLatin1String("ok")].toBool(), false);
        QSet<int> depths;
        for (const QJsonValue& e : o[QLatin1String("errors")].toArray()) {
            QCOMPARE(e.toObject()[QLatin1String("name")].toString(), QStringLiteral("X509_V_ERR_CERT_HAS_EXPIRED"));
            depths.insert(e.toObject()[QLatin1String("depth")].toInt());
        }
        QCOMPARE(depths, (QSet<int>{0, 1, 2}));
        // the wrong trust bundle
        QVERIFY(writeFile(path("other.pem"), m_new.root.pem()));
        r = runCli({QStringLiteral("verify"), QStringLiteral("--trust"), path("other.pem"), path("chain.pem")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"));
    }

    void overlapWritesBundle()
    {
        const QString out = path("overlap.pem");
        ProcessResult r = runCli({QStringLiteral("overlap"), QStringLiteral("--json"), path("old.pem"), path("new.pem"),
                                  QStringLiteral("-o"), out});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = parseJson(r.out).object();
        QCOMPARE(o[QLatin1String("certificates")].toInt(), 2);
        QCOMPARE(o[QLatin1String("windows")].toArray().size(), 1);
        const Result<Bundle> written = loadBundleFile(out);
        QVERIFY(written.ok());
        QCOMPARE(written.value().issues.size(), 0);
        QCOMPARE(written.value().entries.size(), 2);
        QCOMPARE(written.value().entries[0].certificate.info().subject.commonName, QStringLiteral("New Root CA"));

        // Bad input: nothing is written.
        const QString notWritten = path("never.pem");
        r = runCli({QStringLiteral("overlap"), path("bad.pem"), path("new.pem"), QStringLiteral("-o"), notWritten});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!QFile::exists(notWritten));
        QVERIFY(r.err.contains("block 2"));
    }

private:
    QString path(const char* name) const { return m_dir.filePath(QLatin1String(name)); }

    QTemporaryDir m_dir;
    Hierarchy m_old, m_new;
};

QTEST_GUILESS_MAIN(TestCli)
#include "TestCli.moc"
