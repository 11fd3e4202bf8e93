// SPDX-License-Identifier: GPL-3.0-or-later
// Proves the Kubernetes API test server speaks the real protocol: the real kubectl against the
// certrotor-test-kubeapi executable — get -o json, get --watch seeing a live update, replace with a
// stale resourceVersion failing with a conflict, patch and delete.
#include "CertFactory.h"
#include "TestUtil.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestKubectl : public QObject
{
    Q_OBJECT

private:
    QString m_kubectl;
    QTemporaryDir m_dir;
    QString m_kubeconfig;
    QProcess m_server;
    QByteArray m_serverOut;
    int m_minor = 0;

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(u"KUBECONFIG"_s, m_kubeconfig);
        return e;
    }

    certrotor::test::ProcessResult kubectl(const QStringList& args, int timeoutMs = 30000)
    {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(m_kubectl, QStringList{u"--cache-dir"_s, m_dir.filePath(u"cache"_s)} + args);
        certrotor::test::ProcessResult r;
        if (!p.waitForStarted(10000))
            return r;
        p.closeWriteChannel();
        r.timedOut = !p.waitForFinished(timeoutMs);
        if (r.timedOut)
            p.kill(), p.waitForFinished(2000);
        r.exitCode = p.exitCode();
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    /// Sends a control line to the server and returns its one-line answer.
    QString control(const QString& line)
    {
        m_server.write(line.toUtf8() + '\n');
        for (int i = 0; i < 100 && !m_serverOut.contains('\n'); ++i) {
            if (m_server.waitForReadyRead(100))
                m_serverOut += m_server.readAllStandardOutput();
        }
        const qsizetype nl = m_serverOut.indexOf('\n');
        if (nl < 0)
            return {};
        const QString reply = QString::fromUtf8(m_serverOut.left(nl));
        m_serverOut.remove(0, nl + 1);
        return reply;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_kubectl = QStandardPaths::findExecutable(u"kubectl"_s);
        // installer/install-deps.sh guarantees a kubectl: its absence is a failure, never a skip.
        QVERIFY2(!m_kubectl.isEmpty(), "no kubectl binary on this machine (installer/install-deps.sh installs kubernetes-client)");
        const auto v = kubectl({u"version"_s, u"--client"_s, u"-o"_s, u"json"_s});
        m_minor = QJsonDocument::fromJson(v.out).object().value(u"clientVersion"_s).toObject().value(u"minor"_s)
                      .toString().remove(u'+').toInt();
        qInfo("kubectl %s, client minor version %d", qPrintable(m_kubectl), m_minor);
        m_kubeconfig = m_dir.filePath(u"kubeconfig"_s);
        m_server.setProgram(QStringLiteral(CERTROTOR_KUBEAPI_PATH));
        m_server.setArguments({u"--port"_s, u"0"_s, u"--write-kubeconfig"_s, m_kubeconfig, u"--seed"_s,
                               u"default/demo-ca"_s, u"--bookmark-ms"_s, u"0"_s});
        m_server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_server.start();
        QVERIFY(m_server.waitForStarted(10000));
        for (int i = 0; i < 100 && !m_serverOut.contains('\n'); ++i)
            if (m_server.waitForReadyRead(100))
                m_serverOut += m_server.readAllStandardOutput();
        QVERIFY2(m_serverOut.startsWith("LISTENING "), m_serverOut.constData());
        m_serverOut.remove(0, m_serverOut.indexOf('\n') + 1);
    }

    void cleanupTestCase()
    {
        if (m_server.state() != QProcess::NotRunning) {
            m_server.write("quit\n");
            if (!m_server.waitForFinished(5000))
                m_server.kill();
            m_server.waitForFinished(2000);
        }
    }

    void getSecretJson()
    {
        const auto r = kubectl({u"get"_s, u"secret"_s, u"demo-ca"_s, u"-o"_s, u"json"_s});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(u"kind"_s).toString(), u"Secret"_s);
        QCOMPARE(o.value(u"metadata"_s).toObject().value(u"name"_s).toString(), u"demo-ca"_s);
        QCOMPARE(o.value(u"metadata"_s).toObject().value(u"namespace"_s).toString(), u"default"_s);
        const QByteArray pem = QByteArray::fromBase64(
            o.value(u"data"_s).toObject().value(u"ca.crt"_s).toString().toLatin1());
        QVERIFY(pem.startsWith("-----BEGIN CERTIFICATE-----"));
        // a missing one is a proper NotFound
        const auto nf = kubectl({u"get"_s, u"secret"_s, u"nope"_s});
        QVERIFY(nf.exitCode != 0);
        QVERIFY2(nf.err.contains("secrets \"nope\" not found"), nf.err.constData());
        // list with a label selector
        const auto l = kubectl({u"get"_s, u"secrets"_s, u"-l"_s, u"app=certrotor-test"_s, u"-o"_s, u"name"_s});
        QCOMPARE(l.out.trimmed(), QByteArray("secret/demo-ca"));
    }

    void watchSeesLiveUpdate()
    {
        QProcess watch;
        watch.setProcessEnvironment(env());
        watch.start(m_kubectl, {u"--cache-dir"_s, m_dir.filePath(u"cache"_s), u"get"_s, u"secrets"_s, u"--watch"_s,
                                u"--request-timeout=0"_s});
        QVERIFY(watch.waitForStarted(10000));
        QByteArray out;
        for (int i = 0; i < 150 && !out.contains("demo-ca"); ++i)
            if (watch.waitForReadyRead(100))
                out += watch.readAllStandardOutput();
        QVERIFY2(out.contains("demo-ca"), out.constData());
        // let the watch request reach the server before the update
        for (int i = 0; i < 100 && control(u"watches"_s) != u"OK 1"_s; ++i)
            QTest::qWait(50);
        const QString reply = control(u"put default demo-ca ca.crt=%1 extra=%2"_s.arg(
            QString::fromLatin1(QByteArray("not really a CA").toBase64()), QString::fromLatin1(QByteArray("x").toBase64())));
        QVERIFY2(reply.startsWith(u"OK "_s), qPrintable(reply));
        // Until the second line is complete: kubectl may write a table row in more than one piece.
        for (int i = 0; i < 150 && (out.count("demo-ca") < 2 || !out.endsWith('\n')); ++i)
            if (watch.waitForReadyRead(100))
                out += watch.readAllStandardOutput();
        watch.kill();
        watch.waitForFinished(5000);
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QVERIFY2(out.count("demo-ca") >= 2, out.constData());
        // NAME TYPE DATA AGE: the live line shows the new key count
        const QList<QByteArray> cols = lines.last().simplified().split(' ');
        QCOMPARE(cols.value(0), QByteArray("demo-ca"));
        QCOMPARE(cols.value(2), QByteArray("2"));
    }

    void replaceWithStaleResourceVersionConflicts()
    {
        auto r = kubectl({u"get"_s, u"secret"_s, u"demo-ca"_s, u"-o"_s, u"json"_s});
        QVERIFY(r.exitCode == 0);
        QJsonObject o = QJsonDocument::fromJson(r.out).object();
        // someone else updates it after we read it
        QVERIFY(control(u"put default demo-ca ca.crt=%1"_s.arg(QString::fromLatin1(QByteArray("theirs").toBase64())))
                    .startsWith(u"OK"_s));
        QJsonObject data = o.value(u"data"_s).toObject();
        data.insert(u"mine"_s, QString::fromLatin1(QByteArray("mine").toBase64()));
        o.insert(u"data"_s, data);
        const QString file = m_dir.filePath(u"stale.json"_s);
        QVERIFY(certrotor::test::writeFile(file, QJsonDocument(o).toJson()));
        const auto stale = kubectl(QStringList{u"replace"_s, u"-f"_s, file});
        QVERIFY(stale.exitCode != 0);
        QVERIFY2(stale.err.contains("Conflict") && stale.err.contains("the object has been modified"),
                 stale.err.constData());
        // with the fresh resourceVersion it is accepted
        r = kubectl({u"get"_s, u"secret"_s, u"demo-ca"_s, u"-o"_s, u"json"_s});
        QJsonObject fresh = QJsonDocument::fromJson(r.out).object();
        QJsonObject md = o.value(u"metadata"_s).toObject();
        md.insert(u"resourceVersion"_s, fresh.value(u"metadata"_s).toObject().value(u"resourceVersion"_s));
        o.insert(u"metadata"_s, md);
        QVERIFY(certrotor::test::writeFile(file, QJsonDocument(o).toJson()));
        const auto ok = kubectl(QStringList{u"replace"_s, u"-f"_s, file});
        QVERIFY2(ok.exitCode == 0, ok.err.constData());
        QVERIFY2(ok.out.contains("secret/demo-ca replaced"), ok.out.constData());
    }

    void createPatchDelete()
    {
        const auto c = kubectl({u"create"_s, u"secret"_s, u"generic"_s, u"made-by-kubectl"_s,
                                u"--from-literal=ca.crt=hello"_s});
        QVERIFY2(c.exitCode == 0, c.err.constData());
        const auto dup = kubectl({u"create"_s, u"secret"_s, u"generic"_s, u"made-by-kubectl"_s,
                                  u"--from-literal=a=b"_s});
        QVERIFY(dup.exitCode != 0);
        QVERIFY2(dup.err.contains("secrets \"made-by-kubectl\" already exists"), dup.err.constData());
        const auto p = kubectl({u"patch"_s, u"secret"_s, u"made-by-kubectl"_s, u"--type"_s, u"merge"_s, u"-p"_s,
                                uR"({"data":{"extra":"eA=="}})"_s});
        QVERIFY2(p.exitCode == 0, p.err.constData());
        const auto g = kubectl({u"get"_s, u"secret"_s, u"made-by-kubectl"_s, u"-o"_s, u"jsonpath={.data.extra}"_s});
        QCOMPARE(g.out, QByteArray("eA=="));
        const auto d = kubectl({u"delete"_s, u"secret"_s, u"made-by-kubectl"_s});
        QVERIFY2(d.exitCode == 0, d.err.constData());
        QVERIFY(kubectl({u"get"_s, u"secret"_s, u"made-by-kubectl"_s}).exitCode != 0);
    }
};

QTEST_GUILESS_MAIN(TestKubectl)
#include "TestKubectl.moc"
