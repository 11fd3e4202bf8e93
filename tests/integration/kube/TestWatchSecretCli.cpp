// SPDX-License-Identifier: GPL-3.0-or-later
// `certrotor-cli watch secret://NAMESPACE/NAME` and `configmap://NAMESPACE/NAME#KEY` end to end against
// the Kubernetes API test server: the first delivery, a live update with the right added/removed
// hashes, a bad-block bundle reported as an error status with its located text, and clean exit.
#include "CertFactory.h"
#include "TestUtil.h"
#include "x509/Bundle.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

class TestWatchSecretCli : public QObject
{
    Q_OBJECT

    QByteArray readLine(QProcess& p, QByteArray& buffer, int timeoutMs = 20000)
    {
        QElapsedTimer t;
        t.start();
        while (!buffer.contains('\n') && t.elapsed() < timeoutMs) {
            if (p.waitForReadyRead(200))
                buffer += p.readAllStandardOutput();
            if (p.state() == QProcess::NotRunning) {
                buffer += p.readAllStandardOutput();
                break;
            }
        }
        const qsizetype nl = buffer.indexOf('\n');
        if (nl < 0)
            return {};
        const QByteArray line = buffer.left(nl);
        buffer.remove(0, nl + 1);
        return line;
    }

    /// Starts `certrotor-cli watch --json --max-updates N SPEC` against the test server.
    void startWatch(QProcess& cli, const QString& spec, int maxUpdates)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KUBECONFIG"), m_kubeconfig);
        cli.setProcessEnvironment(env);
        m_skipped.clear();
        cli.start(QStringLiteral(CERTROTOR_CLI_PATH),
                  { QStringLiteral("watch"), QStringLiteral("--json"), QStringLiteral("--max-updates"),
                    QString::number(maxUpdates), spec });
    }

    /// The next JSON line of `cli` whose event is `event` (and, if given, whose status is `status`). Lines
    /// of other events are kept for later calls: a status line and an update may come in either order.
    QJsonObject nextEvent(QProcess& cli, QByteArray& out, QLatin1String event, const QString& status = {})
    {
        const auto wanted = [&](const QJsonObject& o) {
            return o[QLatin1String("event")].toString() == event
                && (status.isEmpty() || o[QLatin1String("status")].toString() == status);
        };
        for (qsizetype i = 0; i < m_skipped.size(); ++i)
            if (wanted(m_skipped.at(i)))
                return m_skipped.takeAt(i);
        for (int i = 0; i < 8; ++i) {
            const QJsonObject o = QJsonDocument::fromJson(readLine(cli, out)).object();
            if (wanted(o))
                return o;
            if (!o.isEmpty())
                m_skipped << o;
        }
        return {};
    }

    /// Sends a control line to the server; true when it answered OK.
    bool control(const QByteArray& line)
    {
        m_server.write(line + '\n');
        return readLine(m_server, m_serverOut).startsWith("OK");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_kubeconfig = m_dir.filePath(QStringLiteral("kubeconfig"));
        m_server.setProgram(QStringLiteral(CERTROTOR_KUBEAPI_PATH));
        m_server.setArguments({ QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--write-kubeconfig"),
                                m_kubeconfig, QStringLiteral("--seed"), QStringLiteral("default/trust"),
                                QStringLiteral("--seed-configmap"), QStringLiteral("istio-system/trust-bundle") });
        m_server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_server.start();
        QVERIFY(m_server.waitForStarted(10000));
        const QByteArray first = readLine(m_server, m_serverOut);
        QVERIFY2(first.startsWith("LISTENING "), first.constData());
    }

    void cleanupTestCase()
    {
        m_server.write("quit\n");
        if (!m_server.waitForFinished(5000))
            m_server.kill();
    }

    void watchSeesLiveUpdate()
    {
        QProcess cli;
        startWatch(cli, QStringLiteral("secret://default/trust"), 2);
        QVERIFY(cli.waitForStarted(10000));
        QByteArray out;
        const QJsonObject initial = nextEvent(cli, out, QLatin1String("update")); // status lines may come first
        QVERIFY2(!initial.isEmpty(), cli.readAllStandardError().constData());
        QCOMPARE(initial[QLatin1String("certificates")].toInt(), 1);
        QVERIFY(initial[QLatin1String("source")].toString().contains(QLatin1String("default/trust")));
        const QString firstRevision = initial[QLatin1String("revision")].toString();

        // Rotate: the Secret now holds a new CA only.
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const Hierarchy h = makeHierarchy(now, QStringLiteral("Rotated"));
        const QString newSha = Certificate::fromDer(h.root.der()).value().info().sha256Hex();
        QVERIFY(control("put default trust ca.crt=" + h.root.pem().toBase64()));

        const QJsonObject update = nextEvent(cli, out, QLatin1String("update"));
        QVERIFY(!update.isEmpty());
        QVERIFY(update[QLatin1String("revision")].toString() != firstRevision);
        QCOMPARE(update[QLatin1String("added")].toArray().size(), 1);
        QCOMPARE(update[QLatin1String("added")].toArray()[0].toString(), newSha);
        QCOMPARE(update[QLatin1String("removed")].toArray().size(), 1);
        QVERIFY(cli.waitForFinished(10000)); // --max-updates 2
        QCOMPARE(cli.exitCode(), 0);
    }

    void watchConfigMapReportsBadBlocksAsAnError()
    {
        QProcess cli;
        startWatch(cli, QStringLiteral("configmap://istio-system/trust-bundle#ca.crt"), 3);
        QVERIFY(cli.waitForStarted(10000));
        QByteArray out;
        const QJsonObject initial = nextEvent(cli, out, QLatin1String("update"));
        QVERIFY2(!initial.isEmpty(), cli.readAllStandardError().constData());
        QCOMPARE(initial[QLatin1String("certificates")].toInt(), 1);
        QCOMPARE(initial[QLatin1String("source")].toString(),
                 QStringLiteral("configmap://test-cert/istio-system/trust-bundle#ca.crt"));
        QVERIFY(!nextEvent(cli, out, QLatin1String("status"), QStringLiteral("watching")).isEmpty());

        // A trust-manager target with a bad second block: delivered with its issue, and an error status
        // with the located text instead of "watching".
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QByteArray good = makeHierarchy(now, QStringLiteral("Mesh")).root.pem();
        const QByteArray bad = good + "-----BEGIN CERTIFICATE-----\nMIIBabc\n-----END CERTIFICATE-----\n";
        QVERIFY(control("put-configmap istio-system trust-bundle ca.crt=" + bad.toBase64()));
        const QJsonObject broken = nextEvent(cli, out, QLatin1String("update"));
        QCOMPARE(broken[QLatin1String("certificates")].toInt(), 1);
        QCOMPARE(broken[QLatin1String("issues")].toArray().size(), 1);
        const QJsonObject error = nextEvent(cli, out, QLatin1String("status"), QStringLiteral("error"));
        QCOMPARE(error[QLatin1String("error")].toString(),
                 QStringLiteral("istio-system/trust-bundle#ca.crt: block 2, line %1: truncated base64 (7 characters, "
                                "not a multiple of 4)")
                     .arg(good.count('\n') + 2));

        // Fixed: an update and "watching" again.
        QVERIFY(control("put-configmap istio-system trust-bundle ca.crt=" + good.toBase64()));
        const QJsonObject fixed = nextEvent(cli, out, QLatin1String("update"));
        QCOMPARE(fixed[QLatin1String("issues")].toArray().size(), 0);
        QVERIFY(!nextEvent(cli, out, QLatin1String("status"), QStringLiteral("watching")).isEmpty());
        QVERIFY(cli.waitForFinished(10000)); // --max-updates 3
        QCOMPARE(cli.exitCode(), 0);
    }

private:
    QTemporaryDir m_dir;
    QString m_kubeconfig;
    QProcess m_server;
    QByteArray m_serverOut;
    QList<QJsonObject> m_skipped; // lines nextEvent() read past
};

QTEST_GUILESS_MAIN(TestWatchSecretCli)
#include "TestWatchSecretCli.moc"
