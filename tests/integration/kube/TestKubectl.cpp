// SPDX-License-Identifier: GPL-3.0-or-later
// Proves the Kubernetes API test server speaks the real protocol: the real kubectl against the
// certrotor-drill-kubeapi executable — for Secrets and ConfigMaps: get -o json/yaml, get --watch seeing a
// live update, apply, replace with a stale resourceVersion failing with a conflict, patch and delete.
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
        m_server.setArguments({ u"--port"_s, u"0"_s, u"--write-kubeconfig"_s, m_kubeconfig, u"--seed"_s,
                                u"default/demo-ca"_s, u"--seed-configmap"_s, u"default/demo-bundle"_s,
                                u"--bookmark-ms"_s, u"0"_s });
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

    // ---- ConfigMaps ------------------------------------------------------------------------------

    void getConfigMapYamlAndTable()
    {
        // data is plain text: the PEM shows as is in YAML, not base64
        const auto y = kubectl({ u"get"_s, u"configmap"_s, u"demo-bundle"_s, u"-o"_s, u"yaml"_s });
        QVERIFY2(y.exitCode == 0, y.err.constData());
        QVERIFY2(y.out.contains("kind: ConfigMap"), y.out.constData());
        QVERIFY2(y.out.contains("ca.crt: |"), y.out.constData());
        QVERIFY2(y.out.contains("    -----BEGIN CERTIFICATE-----"), y.out.constData());
        const auto pem = kubectl({ u"get"_s, u"cm"_s, u"demo-bundle"_s, u"-o"_s, u"jsonpath={.data.ca\\.crt}"_s });
        QVERIFY(pem.out.startsWith("-----BEGIN CERTIFICATE-----"));
        // NAME DATA AGE, as for a real cluster's ConfigMaps
        const auto t = kubectl({ u"get"_s, u"configmaps"_s });
        QVERIFY2(t.exitCode == 0, t.err.constData());
        const QList<QByteArray> lines = t.out.trimmed().split('\n');
        QCOMPARE(lines.value(0).simplified(), QByteArray("NAME DATA AGE"));
        QCOMPARE(lines.value(1).simplified().split(' ').mid(0, 2), (QList<QByteArray> { "demo-bundle", "1" }));
        const auto l = kubectl({ u"get"_s, u"configmaps"_s, u"-l"_s, u"app=certrotor-test"_s, u"-o"_s, u"name"_s });
        QCOMPARE(l.out.trimmed(), QByteArray("configmap/demo-bundle"));
        // a Secret of another name is not a ConfigMap, and a missing one is a proper NotFound
        const auto nf = kubectl({ u"get"_s, u"configmap"_s, u"demo-ca"_s });
        QVERIFY(nf.exitCode != 0);
        QVERIFY2(nf.err.contains("configmaps \"demo-ca\" not found"), nf.err.constData());
        const auto all = kubectl({ u"get"_s, u"configmaps"_s, u"--all-namespaces"_s, u"-o"_s, u"name"_s });
        QCOMPARE(all.out.trimmed(), QByteArray("configmap/demo-bundle"));
    }

    void watchConfigMapSeesLiveUpdate()
    {
        for (int i = 0; i < 100 && control(u"watches"_s) != u"OK 0"_s; ++i)
            QTest::qWait(50); // the Secret watch of an earlier case is gone
        QProcess watch;
        watch.setProcessEnvironment(env());
        watch.start(m_kubectl,
                    { u"--cache-dir"_s, m_dir.filePath(u"cache"_s), u"get"_s, u"configmaps"_s, u"--watch"_s,
                      u"--request-timeout=0"_s });
        QVERIFY(watch.waitForStarted(10000));
        QByteArray out;
        for (int i = 0; i < 150 && !out.contains("demo-bundle"); ++i)
            if (watch.waitForReadyRead(100))
                out += watch.readAllStandardOutput();
        QVERIFY2(out.contains("demo-bundle"), out.constData());
        for (int i = 0; i < 100 && control(u"watches"_s) != u"OK 1"_s; ++i)
            QTest::qWait(50);
        // a Secret change is not a ConfigMap event; the ConfigMap change is
        QVERIFY(
            control(u"put default demo-bundle ca.crt=%1"_s.arg(QString::fromLatin1(QByteArray("secret").toBase64())))
                .startsWith(u"OK "_s));
        const QString reply = control(u"put-configmap default demo-bundle ca.crt=%1 extra=%2 more=%3"_s.arg(
            QString::fromLatin1(QByteArray("not really a CA").toBase64()),
            QString::fromLatin1(QByteArray("x").toBase64()), QString::fromLatin1(QByteArray("y").toBase64())));
        QVERIFY2(reply.startsWith(u"OK "_s), qPrintable(reply));
        for (int i = 0; i < 150 && (out.count("demo-bundle") < 2 || !out.endsWith('\n')); ++i)
            if (watch.waitForReadyRead(100))
                out += watch.readAllStandardOutput();
        watch.kill();
        watch.waitForFinished(5000);
        QVERIFY2(out.count("demo-bundle") == 2, out.constData());
        // NAME DATA AGE: the live line shows the new key count
        const QList<QByteArray> cols = out.trimmed().split('\n').last().simplified().split(' ');
        QCOMPARE(cols.value(0), QByteArray("demo-bundle"));
        QCOMPARE(cols.value(1), QByteArray("3"));
        QVERIFY(control(u"delete default demo-bundle"_s).startsWith(u"OK "_s)); // the Secret made above
    }

    void applyReplaceConflictPatchDeleteConfigMap()
    {
        const QString file = m_dir.filePath(u"trust-bundle.yaml"_s);
        const auto yaml = [](const QByteArray& value) -> QByteArray {
            return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trust-bundle\n  namespace: istio-system\n"
                   "data:\n  ca.crt: "
                + value + "\n  mesh.yaml: keep\n";
        };
        QVERIFY(certrotor::test::writeFile(file, yaml("first")));
        const auto created = kubectl(QStringList { u"apply"_s, u"-f"_s, file });
        QVERIFY2(created.exitCode == 0, created.err.constData());
        QVERIFY2(created.out.contains("configmap/trust-bundle created"), created.out.constData());
        QVERIFY(certrotor::test::writeFile(file, yaml("second")));
        const auto configured = kubectl(QStringList { u"apply"_s, u"-f"_s, file });
        QVERIFY2(configured.exitCode == 0, configured.err.constData());
        QVERIFY2(configured.out.contains("configmap/trust-bundle configured"), configured.out.constData());
        const QStringList getJson { u"get"_s,          u"configmap"_s, u"trust-bundle"_s, u"-n"_s,
                                    u"istio-system"_s, u"-o"_s,        u"json"_s };
        QJsonObject o = QJsonDocument::fromJson(kubectl(getJson).out).object();
        QCOMPARE(o.value(u"data"_s).toObject().value(u"ca.crt"_s).toString(), u"second"_s);
        QCOMPARE(o.value(u"data"_s).toObject().value(u"mesh.yaml"_s).toString(), u"keep"_s);

        // replace with a stale resourceVersion: Conflict; with the fresh one: replaced
        QVERIFY(control(u"put-configmap istio-system trust-bundle ca.crt=%1"_s.arg(
                            QString::fromLatin1(QByteArray("theirs").toBase64())))
                    .startsWith(u"OK"_s));
        QJsonObject data = o.value(u"data"_s).toObject();
        data.insert(u"ca.crt"_s, u"mine"_s);
        o.insert(u"data"_s, data);
        const QString json = m_dir.filePath(u"trust-bundle.json"_s);
        QVERIFY(certrotor::test::writeFile(json, QJsonDocument(o).toJson()));
        const auto stale = kubectl(QStringList { u"replace"_s, u"-f"_s, json });
        QVERIFY(stale.exitCode != 0);
        QVERIFY2(stale.err.contains("Conflict") && stale.err.contains("configmaps \"trust-bundle\""),
                 stale.err.constData());
        QJsonObject md = o.value(u"metadata"_s).toObject();
        md.insert(u"resourceVersion"_s,
                  QJsonDocument::fromJson(kubectl(getJson).out)
                      .object()
                      .value(u"metadata"_s)
                      .toObject()
                      .value(u"resourceVersion"_s));
        o.insert(u"metadata"_s, md);
        QVERIFY(certrotor::test::writeFile(json, QJsonDocument(o).toJson()));
        const auto replaced = kubectl(QStringList { u"replace"_s, u"-f"_s, json });
        QVERIFY2(replaced.exitCode == 0, replaced.err.constData());
        QVERIFY2(replaced.out.contains("configmap/trust-bundle replaced"), replaced.out.constData());

        // binaryData through a merge patch stays base64 in binaryData
        const auto p = kubectl({ u"patch"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s, u"--type"_s,
                                 u"merge"_s, u"-p"_s, uR"({"binaryData":{"root.der":"AAEC"}})"_s });
        QVERIFY2(p.exitCode == 0, p.err.constData());
        const auto b = kubectl({ u"get"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s, u"-o"_s,
                                 u"jsonpath={.binaryData.root\\.der} {.data.ca\\.crt}"_s });
        QCOMPARE(b.out, QByteArray("AAEC mine"));
        // one key in both data and binaryData is refused, as by a real API server
        const auto dup = kubectl({ u"patch"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s,
                                   u"--type"_s, u"merge"_s, u"-p"_s, uR"({"data":{"root.der":"text"}})"_s });
        QVERIFY(dup.exitCode != 0);
        QVERIFY2(dup.err.contains("duplicate of key present in binaryData"), dup.err.constData());

        const auto d = kubectl({ u"delete"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s });
        QVERIFY2(d.exitCode == 0, d.err.constData());
        QVERIFY(kubectl({ u"get"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s }).exitCode != 0);
    }
};

QTEST_GUILESS_MAIN(TestKubectl)
#include "TestKubectl.moc"
