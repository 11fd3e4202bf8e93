// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor-cli watch end to end: the real executable under QProcess, real files, real signals.
#include "CertFactory.h"
#include "FileUpdates.h"
#include "TestUtil.h"
#include "x509/Certificate.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace certrotor;
using namespace certrotor::test;

namespace {

constexpr int kWaitMs = 10000;

QString hexSha(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

// The next complete line of stdout, within the deadline ("" on timeout or exit).
QByteArray nextLine(QProcess& p, int timeoutMs = kWaitMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!p.canReadLine()) {
        if (deadline.hasExpired() || p.state() == QProcess::NotRunning)
            return {};
        p.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    }
    return p.readLine().trimmed();
}

QJsonObject nextJson(QProcess& p)
{
    const QByteArray line = nextLine(p);
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not a JSON line: '%s'", line.constData());
    return doc.object();
}

QStringList strings(const QJsonValue& v)
{
    QStringList out;
    for (const QJsonValue& e : v.toArray())
        out << e.toString();
    return out;
}

} // namespace

class TestWatchCli : public QObject
{
    Q_OBJECT

    QList<QByteArray> m_pem;
    QStringList m_sha; // certificate fingerprints, as the CLI prints them

private Q_SLOTS:
    void initTestCase()
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        for (int i = 0; i < 4; ++i) {
            CertSpec spec;
            spec.commonName = QStringLiteral("CLI Watch CA %1").arg(i);
            spec.isCA = true;
            spec.notBefore = now - kSecondsPerDay;
            spec.notAfter = now + 30 * kSecondsPerDay;
            m_pem << issue(spec, makeKey()).pem();
            const Result<Certificate> c = Certificate::fromPem(m_pem.last());
            QVERIFY(c.ok());
            m_sha << c.value().info().sha256Hex();
        }
    }

    void jsonLinePerChange()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        const QByteArray first = m_pem[0] + m_pem[1];
        QVERIFY(writeInPlace(path, first));

        QProcess p;
        p.start(QStringLiteral(CERTROTOR_CLI_PATH), {QStringLiteral("watch"), QStringLiteral("--json"), path});
        QVERIFY(p.waitForStarted(kWaitMs));

        QJsonObject o = nextJson(p);
        QCOMPARE(o[QLatin1String("event")].toString(), QStringLiteral("status"));
        QCOMPARE(o[QLatin1String("status")].toString(), QStringLiteral("watching"));
        o = nextJson(p);
        QCOMPARE(o[QLatin1String("event")].toString(), QStringLiteral("update"));
        QCOMPARE(o[QLatin1String("source")].toString(), path);
        QCOMPARE(o[QLatin1String("revision")].toString(), hexSha(first));
        QCOMPARE(o[QLatin1String("initial")].toBool(), true);
        QCOMPARE(o[QLatin1String("certificates")].toInt(), 2);
        QCOMPARE(strings(o[QLatin1String("added")]), (QStringList{m_sha[0], m_sha[1]}));
        QCOMPARE(strings(o[QLatin1String("removed")]), QStringList{});
        QVERIFY(o[QLatin1String("latencyMs")].isNull());
        QVERIFY(QDateTime::fromString(o[QLatin1String("time")].toString(), Qt::ISODateWithMs).isValid());

        // A rotation step written the way editors and our committer write: temp file + rename.
        const QByteArray second = m_pem[1] + m_pem[2];
        QVERIFY(writeViaRename(path, second));
        o = nextJson(p);
        QCOMPARE(o[QLatin1String("event")].toString(), QStringLiteral("update"));
        QCOMPARE(o[QLatin1String("revision")].toString(), hexSha(second));
        QCOMPARE(o[QLatin1String("initial")].toBool(), false);
        QCOMPARE(o[QLatin1String("certificates")].toInt(), 2);
        QCOMPARE(strings(o[QLatin1String("added")]), QStringList{m_sha[2]});
        QCOMPARE(strings(o[QLatin1String("removed")]), QStringList{m_sha[0]});
        QVERIFY(o[QLatin1String("latencyMs")].toDouble(-1) >= 0);

        // The same bytes again print nothing: the next line is the next real change.
        QVERIFY(writeInPlace(path, second));
        // Nothing can be awaited for "no line": allow 8x the debounce for a line that must not come.
        QCOMPARE(nextLine(p, 400), QByteArray());
        const QByteArray third = m_pem[3];
        QVERIFY(writeInPlace(path, third));
        o = nextJson(p);
        QCOMPARE(o[QLatin1String("event")].toString(), QStringLiteral("update"));
        QCOMPARE(o[QLatin1String("revision")].toString(), hexSha(third));
        QCOMPARE(strings(o[QLatin1String("added")]), QStringList{m_sha[3]});
        QCOMPARE(strings(o[QLatin1String("removed")]), (QStringList{m_sha[1], m_sha[2]}));

        // Deleted: a status line.
        QVERIFY(QFile::remove(path));
        o = nextJson(p);
        QCOMPARE(o[QLatin1String("event")].toString(), QStringLiteral("status"));
        QCOMPARE(o[QLatin1String("status")].toString(), QStringLiteral("error"));
        QCOMPARE(o[QLatin1String("error")].toString(), QStringLiteral("waiting for %1 to appear").arg(path));

        // SIGTERM ends it cleanly with exit code 0.
        p.terminate();
        QVERIFY(p.waitForFinished(kWaitMs));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput().trimmed(), QByteArray()); // nothing after the last event
    }

    void textModeAndSigint()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(QStringLiteral("ca.pem"));
        QVERIFY(writeInPlace(path, m_pem[0]));
        QProcess p;
        p.start(QStringLiteral(CERTROTOR_CLI_PATH), {QStringLiteral("watch"), path});
        QVERIFY(p.waitForStarted(kWaitMs));
        QByteArray line = nextLine(p);
        QVERIFY2(line.endsWith(" status=watching"), line.constData());
        line = nextLine(p);
        const QByteArray expected = QByteArray(" revision=") + hexSha(m_pem[0]).toLatin1() + " certificates=1 added="
            + m_sha[0].toLatin1() + " removed=- latency=- (initial)";
        QVERIFY2(line.contains(expected), line.constData());
        QVERIFY(writeInPlace(path, m_pem[0] + "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"));
        line = nextLine(p);
        const QByteArray located = QByteArray(" status=error: ") + path.toUtf8() + ": block 2, line ";
        QVERIFY2(line.contains(located), line.constData());
        line = nextLine(p);
        QVERIFY2(line.contains(" certificates=1 added=- removed=- latency=") && line.contains(" issues=1"),
                 line.constData());
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(kWaitMs));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
    }

    void severalSourcesAndTestOptions()
    {
        QTemporaryDir tmp;
        KubeletVolume volume(tmp.filePath(QStringLiteral("secret")));
        QVERIFY(volume.write({{QStringLiteral("ca.crt"), m_pem[0]}}));
        const QString file = tmp.filePath(QStringLiteral("other.pem"));
        QVERIFY(writeInPlace(file, m_pem[1]));
        const ProcessResult r = runCli({QStringLiteral("watch"), QStringLiteral("--json"), QStringLiteral("--max-updates"),
                                        QStringLiteral("2"), volume.dir(), file});
        QCOMPARE(r.exitCode, 0);
        QStringList sources;
        for (const QByteArray& line : r.out.split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o[QLatin1String("event")].toString() == QLatin1String("update"))
                sources << o[QLatin1String("source")].toString();
        }
        sources.sort();
        QCOMPARE(sources, (QStringList{file, volume.dir()}));

        const ProcessResult timed = runCli({QStringLiteral("watch"), QStringLiteral("--exit-after-ms"), QStringLiteral("300"),
                                            tmp.filePath(QStringLiteral("never.pem"))});
        QCOMPARE(timed.exitCode, 0);
        QVERIFY2(timed.out.contains("status=error: waiting for"), timed.out.constData());
    }

    void usageErrors()
    {
        ProcessResult r = runCli({QStringLiteral("watch"), QStringLiteral("secret://default/trust")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("Kubernetes Secret sources are not available in this build"), r.err.constData());
        r = runCli({QStringLiteral("watch")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("name at least one SOURCE"), r.err.constData());
        r = runCli({QStringLiteral("watch"), QStringLiteral("--debounce-ms"), QStringLiteral("soon"), QStringLiteral("x.pem")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--debounce-ms"), r.err.constData());
        r = runCli({QStringLiteral("--help")});
        QVERIFY(r.out.contains("watch   [--json]"));
    }
};

QTEST_GUILESS_MAIN(TestWatchCli)
#include "TestWatchCli.moc"
