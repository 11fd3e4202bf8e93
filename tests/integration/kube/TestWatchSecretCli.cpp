// SPDX-License-Identifier: GPL-3.0-or-later
// `certrotor-cli watch secret://NAMESPACE/NAME` end to end against the Kubernetes API test server:
// the first delivery, a live update with the right added/removed hashes, and clean exit.
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

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_kubeconfig = m_dir.filePath(QStringLiteral("kubeconfig"));
        m_server.setProgram(QStringLiteral(CERTROTOR_KUBEAPI_PATH));
        m_server.setArguments({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--write-kubeconfig"),
                               m_kubeconfig, QStringLiteral("--seed"), QStringLiteral("default/trust")});
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
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("KUBECONFIG"), m_kubeconfig);
        cli.setProcessEnvironment(env);
        cli.start(QStringLiteral(CERTROTOR_CLI_PATH),
                  {QStringLiteral("watch"), QStringLiteral("--json"), QStringLiteral("--max-updates"), QStringLiteral("2"),
                   QStringLiteral("secret://default/trust")});
        QVERIFY(cli.waitForStarted(10000));
        QByteArray out;
        QJsonObject initial;
        for (int i = 0; i < 5 && initial.isEmpty(); ++i) { // status lines may come first
            const QJsonObject o = QJsonDocument::fromJson(readLine(cli, out)).object();
            if (o[QLatin1String("event")].toString() == QLatin1String("update"))
                initial = o;
        }
        QVERIFY2(!initial.isEmpty(), cli.readAllStandardError().constData());
        QCOMPARE(initial[QLatin1String("certificates")].toInt(), 1);
        QVERIFY(initial[QLatin1String("source")].toString().contains(QLatin1String("default/trust")));
        const QString firstRevision = initial[QLatin1String("revision")].toString();

        // Rotate: the Secret now holds a new CA only.
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const Hierarchy h = makeHierarchy(now, QStringLiteral("Rotated"));
        const QString newSha = Certificate::fromDer(h.root.der()).value().info().sha256Hex();
        m_server.write("put default trust ca.crt=" + h.root.pem().toBase64() + "\n");
        QVERIFY(readLine(m_server, m_serverOut).startsWith("OK"));

        QJsonObject update;
        for (int i = 0; i < 5 && update.isEmpty(); ++i) {
            const QJsonObject o = QJsonDocument::fromJson(readLine(cli, out)).object();
            if (o[QLatin1String("event")].toString() == QLatin1String("update"))
                update = o;
        }
        QVERIFY(!update.isEmpty());
        QVERIFY(update[QLatin1String("revision")].toString() != firstRevision);
        QCOMPARE(update[QLatin1String("added")].toArray().size(), 1);
        QCOMPARE(update[QLatin1String("added")].toArray()[0].toString(), newSha);
        QCOMPARE(update[QLatin1String("removed")].toArray().size(), 1);
        QVERIFY(cli.waitForFinished(10000)); // --max-updates 2
        QCOMPARE(cli.exitCode(), 0);
    }

private:
    QTemporaryDir m_dir;
    QString m_kubeconfig;
    QProcess m_server;
    QByteArray m_serverOut;
};

QTEST_GUILESS_MAIN(TestWatchSecretCli)
#include "TestWatchSecretCli.moc"
