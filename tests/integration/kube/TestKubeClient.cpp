// SPDX-License-Identifier: GPL-3.0-or-later
// KubeClient against the Kubernetes API test server over real TLS: both auth methods, headers,
// errors, replace with a resourceVersion precondition, listing for the picker, exec plugins.
#include "CertFactory.h"
#include "KubeTestUtil.h"
#include "kube/ExecCredentialPlugin.h"
#include "kube/KubeCatalog.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QFile>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QSslCertificate>

using namespace Qt::StringLiterals;
using namespace certrotor;
using namespace certrotor::kube;
using certrotor::test::await;
using certrotor::test::KubeApiServer;

class TestKubeClient : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<KubeApiServer> m_server;
    QTemporaryDir m_dir;
    test::Issued m_ca;
    qint64 m_now = QDateTime::currentSecsSinceEpoch();

    QByteArray caPem(const QString& cn)
    {
        test::CertSpec s;
        s.commonName = cn;
        s.isCA = true;
        s.notBefore = m_now - 3600;
        s.notAfter = m_now + 86400;
        return test::issue(s, test::makeKey()).pem();
    }

private Q_SLOTS:
    void initTestCase()
    {
        KubeApiServer::Options o;
        o.tokens = {"good-token-123456"};
        o.bookmarkIntervalMs = 0;
        m_server = std::make_unique<KubeApiServer>(o);
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
        m_server->putSecret(u"default"_s, u"ca-one"_s, {{u"ca.crt"_s, caPem(u"One"_s)}}, {{u"app"_s, u"gw"_s}});
        m_server->putSecret(u"default"_s, u"tls-two"_s,
                            {{u"tls.crt"_s, caPem(u"Two"_s)}, {u"tls.key"_s, "not-a-cert"}}, {{u"app"_s, u"web"_s}});
        m_server->putSecret(u"default"_s, u"password"_s, {{u"password"_s, "hunter2"}, {u"junk.pem"_s, "no pem"}});
        m_server->putSecret(u"other"_s, u"bundle"_s,
                            {{u"ca-bundle.crt"_s, caPem(u"B1"_s) + caPem(u"B2"_s)}, {u"extra.pem"_s, caPem(u"E"_s)}});
    }

    void tokenAuthSendsIdentityHeaders()
    {
        m_server->clearRequests();
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-token"_s, nullptr));
        auto r = await<KubeObject>(
            [&](auto cb) { c->getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        QCOMPARE(r.value.name, u"ca-one"_s);
        QVERIFY(r.value.data.value(u"ca.crt"_s).startsWith("-----BEGIN CERTIFICATE-----"));
        QVERIFY(!r.value.resourceVersion.isEmpty());
        const auto reqs = m_server->requests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs.first().auth, u"token"_s);
        QCOMPARE(QString::fromUtf8(reqs.first().userAgent), buildinfo::userAgent());
        QCOMPARE(QString::fromUtf8(reqs.first().clientInfo), buildinfo::clientInfo());
        QVERIFY(reqs.first().userAgent.startsWith("certrotor/"));
    }

    void clientCertificateAuth()
    {
        test::LogCapture logs;
        m_server->clearRequests();
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-cert"_s, nullptr));
        auto r = await<QStringList>([&](auto cb) { c->listNamespaces(this, cb); });
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        QVERIFY(r.value.contains(u"default"_s));
        QVERIFY(r.value.contains(u"other"_s));
        QCOMPARE(m_server->requests().last().auth, u"cert:certrotor-test-admin"_s);
        // not a line of the private key in the (debug-enabled) log
        QVERIFY(logs.lines() > 0);
        const QList<QByteArray> keyLines = m_server->clientKeyPem().split('\n');
        for (const QByteArray& line : keyLines)
            if (line.size() > 20 && !line.startsWith("-----"))
                QVERIFY(!logs.text().contains(QString::fromLatin1(line)));
    }

    void authFailureIsClearAndSecretFree()
    {
        test::LogCapture logs;
        // a user with a wrong token, added through a second kubeconfig file merged in
        const QString second = m_dir.filePath(u"bad.yaml"_s);
        QVERIFY(test::writeFile(second, "users:\n- name: bad-user\n  user: {token: wrong-token-SECRET-987}\n"
                                        "contexts:\n- name: bad\n  context: {cluster: test, user: bad-user}\n"));
        const QString first = m_dir.filePath(u"main.yaml"_s);
        QVERIFY(m_server->writeKubeconfig(first));
        auto cfg = Kubeconfig::loadFiles({first, second});
        QVERIFY(cfg.ok());
        auto rc = cfg.value().restConfig(u"bad"_s);
        QVERIFY(rc.ok());
        KubeClient c(rc.value());
        auto r
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error.kind, KubeError::Kind::Unauthorized);
        QCOMPARE(r.error.httpStatus, 401);
        QCOMPARE(r.error.message, u"the API server rejected our credentials (HTTP 401 Unauthorized)"_s);
        QVERIFY(logs.lines() > 0); // the debug log did run
        QVERIFY(!logs.text().contains(u"wrong-token-SECRET-987"_s));
    }

    void wrongCaIsATlsError()
    {
        const QByteArray otherCa = caPem(u"Not the server CA"_s);
        const QString path = m_dir.filePath(u"wrongca.yaml"_s);
        QVERIFY(test::writeFile(path, "current-context: w\nclusters:\n- name: w\n  cluster:\n    server: " + m_server->url().toUtf8()
                                          + "\n    certificate-authority-data: " + otherCa.toBase64()
                                          + "\nusers:\n- name: u\n  user: {token: good-token-123456}\ncontexts:\n- name: w\n  context: {cluster: w, user: u}\n"));
        auto rc = Kubeconfig::loadFiles({path}).value().restConfig();
        QVERIFY(rc.ok());
        KubeClient c(rc.value());
        auto r
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QCOMPARE(r.error.kind, KubeError::Kind::Tls);
        QVERIFY2(r.error.message.contains(u"TLS handshake"_s), qPrintable(r.error.message));

        // insecure-skip-tls-verify connects, and the client carries the warning for the UI
        QVERIFY(test::writeFile(path, "current-context: w\nclusters:\n- name: w\n  cluster:\n    server: " + m_server->url().toUtf8()
                                          + "\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user: {token: good-token-123456}\ncontexts:\n- name: w\n  context: {cluster: w, user: u}\n"));
        KubeClient insecure(Kubeconfig::loadFiles({path}).value().restConfig().value());
        QCOMPARE(insecure.warnings().size(), 1);
        auto ok = await<KubeObject>(
            [&](auto cb) { insecure.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY2(ok.ok(), qPrintable(ok.error.message));
    }

    void tlsServerNameIsVerified()
    {
        std::unique_ptr<KubeClient> base(test::clientFor(*m_server, m_dir, u"test-token"_s, nullptr));
        RestConfig rc = base->config();
        rc.cluster.tlsServerName = u"kubernetes.default.svc"_s; // in the server certificate's SANs
        KubeClient good(rc);
        auto ok = await<KubeObject>(
            [&](auto cb) { good.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY2(ok.ok(), qPrintable(ok.error.message));
        rc.cluster.tlsServerName = u"not-the-apiserver.example"_s;
        KubeClient bad(rc);
        auto r = await<KubeObject>(
            [&](auto cb) { bad.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QCOMPARE(r.error.kind, KubeError::Kind::Tls);
    }

    void notFoundAndConnectionRefused()
    {
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-token"_s, nullptr));
        auto r
            = await<KubeObject>([&](auto cb) { c->getObject(ObjectKind::Secret, u"default"_s, u"nope"_s, this, cb); });
        QCOMPARE(r.error.kind, KubeError::Kind::NotFound);
        QCOMPARE(r.error.message, u"secrets \"nope\" not found (HTTP 404 Not Found)"_s);

        RestConfig rc = c->config();
        rc.cluster.server = u"https://127.0.0.1:1"_s;
        KubeClient dead(rc);
        auto d
            = await<KubeObject>([&](auto cb) { dead.getObject(ObjectKind::Secret, u"default"_s, u"x"_s, this, cb); });
        QCOMPARE(d.error.kind, KubeError::Kind::Network);
        QVERIFY2(d.error.message.contains(u"refused"_s), qPrintable(d.error.message));
    }

    void replaceWithResourceVersionPrecondition()
    {
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-token"_s, nullptr));
        auto got = await<KubeObject>(
            [&](auto cb) { c->getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY(got.ok());
        KubeObject mine = got.value;
        // someone else writes in between
        const QString theirs = m_server->putSecret(u"default"_s, u"ca-one"_s, {{u"ca.crt"_s, caPem(u"Theirs"_s)}});
        mine.data.insert(u"ca.crt"_s, caPem(u"Mine"_s));
        auto conflict = await<KubeObject>([&](auto cb) { c->replaceObject(mine, this, cb); });
        QCOMPARE(conflict.error.kind, KubeError::Kind::Conflict);
        QCOMPARE(conflict.error.httpStatus, 409);
        QVERIFY(conflict.error.message.contains(u"the object has been modified"_s));
        // the server kept theirs
        QCOMPARE(m_server->secret(u"default"_s, u"ca-one"_s).value(u"metadata"_s).toObject().value(u"resourceVersion"_s).toString(),
                 theirs);
        // with the current resourceVersion it goes through and returns the new one
        mine.resourceVersion = theirs;
        auto ok = await<KubeObject>([&](auto cb) { c->replaceObject(mine, this, cb); });
        QVERIFY2(ok.ok(), qPrintable(ok.error.message));
        QVERIFY(ok.value.resourceVersion.toLongLong() > theirs.toLongLong());
        QCOMPARE(ok.value.data.value(u"ca.crt"_s), mine.data.value(u"ca.crt"_s));
        QCOMPARE(ok.value.labels.value(u"app"_s), u"gw"_s); // labels survive the round trip
    }

    void listWithSelectors()
    {
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-cert"_s, nullptr));
        auto byLabel = await<KubeObjectList>([&](auto cb) {
            c->listObjects(ObjectKind::Secret, u"default"_s, { u"app=web"_s, {} }, this, cb);
        });
        QVERIFY(byLabel.ok());
        QCOMPARE(byLabel.value.items.size(), 1);
        QCOMPARE(byLabel.value.items.first().name, u"tls-two"_s);
        auto byField = await<KubeObjectList>([&](auto cb) {
            c->listObjects(ObjectKind::Secret, u"default"_s, { {}, u"metadata.name=password"_s }, this, cb);
        });
        QCOMPARE(byField.value.items.size(), 1);
        QCOMPARE(byField.value.items.first().data.value(u"password"_s), QByteArray("hunter2"));
        QVERIFY(!byField.value.resourceVersion.isEmpty());
        auto in = await<KubeObjectList>([&](auto cb) {
            c->listObjects(ObjectKind::Secret, u"default"_s, { u"app in (gw,web)"_s, {} }, this, cb);
        });
        QCOMPARE(in.value.items.size(), 2);
        auto all = await<KubeObjectList>([&](auto cb) { c->listObjects(ObjectKind::Secret, {}, {}, this, cb); });
        QCOMPARE(all.value.items.size(), 4);
    }

    void caSecretsForThePicker()
    {
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-cert"_s, nullptr));
        auto r = await<QList<CaObjectInfo>>([&](auto cb) { listCaObjects(c.get(), u"default"_s, {}, this, cb); });
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        QCOMPARE(r.value.size(), 2); // "password" holds no certificate, its junk.pem does not parse
        QCOMPARE(r.value.at(0).name, u"ca-one"_s);
        QCOMPARE(r.value.at(0).caKeys, QStringList{u"ca.crt"_s});
        QCOMPARE(r.value.at(1).caKeys, QStringList{u"tls.crt"_s});
        auto o = await<QList<CaObjectInfo>>([&](auto cb) { listCaObjects(c.get(), u"other"_s, {}, this, cb); });
        QCOMPARE(o.value.size(), 1);
        QCOMPARE(o.value.first().caKeys, (QStringList{u"ca-bundle.crt"_s, u"extra.pem"_s}));
        QCOMPARE(o.value.first().certificateCounts, (QList<int>{2, 1}));
        QCOMPARE(o.value.first().uri(u"ctx"_s, u"ca-bundle.crt"_s), u"secret://ctx/other/bundle#ca-bundle.crt"_s);
        auto sel
            = await<QList<CaObjectInfo>>([&](auto cb) { listCaObjects(c.get(), u"default"_s, u"app=gw"_s, this, cb); });
        QCOMPARE(sel.value.size(), 1);
    }

    void configMapsListGetReplaceWatch()
    {
        // A trust-manager-style target (text in data), a mesh root in binaryData (DER), and a ConfigMap
        // without CA material; a Secret of the same name must never show up among ConfigMaps.
        const QByteArray root = caPem(u"Mesh Root"_s);
        const QByteArray derRoot = QSslCertificate(root, QSsl::Pem).toDer();
        m_server->putConfigMap(u"mesh"_s, u"trust-bundle"_s,
                               { { u"ca.crt"_s, QString::fromLatin1(root) }, { u"owner"_s, u"tm"_s } }, {},
                               { { u"app"_s, u"trust"_s } });
        m_server->putConfigMap(u"mesh"_s, u"binary-root"_s, { { u"readme"_s, u"DER root below"_s } },
                               { { u"root-cert.crt"_s, derRoot } });
        m_server->putConfigMap(u"mesh"_s, u"settings"_s, { { u"config.yaml"_s, u"replicas: 2\n"_s } });
        m_server->putSecret(u"mesh"_s, u"trust-bundle"_s, { { u"ca.crt"_s, caPem(u"Not a ConfigMap"_s) } });
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-token"_s, nullptr));

        auto all
            = await<KubeObjectList>([&](auto cb) { c->listObjects(ObjectKind::ConfigMap, u"mesh"_s, {}, this, cb); });
        QVERIFY2(all.ok(), qPrintable(all.error.message));
        QCOMPARE(all.value.items.size(), 3);
        auto byLabel = await<KubeObjectList>([&](auto cb) {
            c->listObjects(ObjectKind::ConfigMap, u"mesh"_s, { u"app=trust"_s, {} }, this, cb);
        });
        QCOMPARE(byLabel.value.items.size(), 1);
        auto byField = await<KubeObjectList>([&](auto cb) {
            c->listObjects(ObjectKind::ConfigMap, {}, { {}, u"metadata.name=binary-root"_s }, this, cb);
        });
        QCOMPARE(byField.value.items.size(), 1);
        const KubeObject binary = byField.value.items.first();
        QCOMPARE(binary.kind, ObjectKind::ConfigMap);
        QCOMPARE(binary.data.value(u"root-cert.crt"_s), derRoot); // binaryData decoded
        QCOMPARE(binary.binaryKeys, QSet<QString> { u"root-cert.crt"_s });
        QCOMPARE(binary.data.value(u"readme"_s), QByteArray("DER root below")); // data is text, not base64

        auto got = await<KubeObject>(
            [&](auto cb) { c->getObject(ObjectKind::ConfigMap, u"mesh"_s, u"trust-bundle"_s, this, cb); });
        QVERIFY2(got.ok(), qPrintable(got.error.message));
        QCOMPARE(got.value.data.value(u"ca.crt"_s), root);
        auto missing
            = await<KubeObject>([&](auto cb) { c->getObject(ObjectKind::ConfigMap, u"mesh"_s, u"nope"_s, this, cb); });
        QCOMPARE(missing.error.kind, KubeError::Kind::NotFound);
        QCOMPARE(missing.error.message, u"configmaps \"nope\" not found (HTTP 404 Not Found)"_s);

        // Replace: a stale resourceVersion is a conflict; a fresh one keeps each key where it was.
        KubeObject mine = got.value;
        const QString theirs = m_server->putConfigMap(u"mesh"_s, u"trust-bundle"_s, { { u"ca.crt"_s, u"theirs"_s } },
                                                      {}, { { u"app"_s, u"trust"_s } });
        mine.data.insert(u"ca.crt"_s, caPem(u"Mine"_s));
        auto conflict = await<KubeObject>([&](auto cb) { c->replaceObject(mine, this, cb); });
        QCOMPARE(conflict.error.kind, KubeError::Kind::Conflict);
        QVERIFY2(conflict.error.message.contains(u"configmaps \"trust-bundle\""_s), qPrintable(conflict.error.message));
        mine.resourceVersion = theirs;
        auto ok = await<KubeObject>([&](auto cb) { c->replaceObject(mine, this, cb); });
        QVERIFY2(ok.ok(), qPrintable(ok.error.message));
        const QJsonObject stored = m_server->configMap(u"mesh"_s, u"trust-bundle"_s);
        QCOMPARE(stored.value(u"data"_s).toObject().value(u"ca.crt"_s).toString().toLatin1(),
                 mine.data.value(u"ca.crt"_s));
        QCOMPARE(stored.value(u"data"_s).toObject().value(u"owner"_s).toString(), u"tm"_s);
        QVERIFY(!stored.contains(u"binaryData"_s));
        KubeObject bin = binary;
        bin.data.insert(u"root-cert.crt"_s, QSslCertificate(caPem(u"New Mesh Root"_s), QSsl::Pem).toDer());
        auto binOk = await<KubeObject>([&](auto cb) { c->replaceObject(bin, this, cb); });
        QVERIFY2(binOk.ok(), qPrintable(binOk.error.message));
        const QJsonObject storedBin = m_server->configMap(u"mesh"_s, u"binary-root"_s);
        QCOMPARE(QByteArray::fromBase64(
                     storedBin.value(u"binaryData"_s).toObject().value(u"root-cert.crt"_s).toString().toLatin1()),
                 bin.data.value(u"root-cert.crt"_s));
        QCOMPARE(storedBin.value(u"data"_s).toObject().value(u"readme"_s).toString(), u"DER root below"_s);
        // The server refuses what the real one refuses: one key in both data and binaryData.
        QJsonObject dup = storedBin;
        QJsonObject dupData = dup.value(u"data"_s).toObject();
        dupData.insert(u"root-cert.crt"_s, u"text too"_s);
        dup.insert(u"data"_s, dupData);
        auto invalid = await<QJsonObject>([&](auto cb) {
            c->call("PUT", u"/api/v1/namespaces/mesh/configmaps/binary-root"_s, {},
                    QJsonDocument(dup).toJson(QJsonDocument::Compact), this, cb);
        });
        QCOMPARE(invalid.error.kind, KubeError::Kind::Invalid);

        // A watch on ConfigMaps sees a ConfigMap change, not the Secret of the same name.
        WatchOptions wo;
        wo.fieldSelector = u"metadata.name=trust-bundle"_s;
        wo.resourceVersion = QString::number(m_server->currentResourceVersion());
        std::unique_ptr<KubeWatch> w(c->watchObjects(ObjectKind::ConfigMap, u"mesh"_s, wo, nullptr));
        QSignalSpy opened(w.get(), &KubeWatch::opened);
        QSignalSpy events(w.get(), &KubeWatch::event);
        QVERIFY(opened.wait(10000));
        m_server->putSecret(u"mesh"_s, u"trust-bundle"_s, { { u"ca.crt"_s, caPem(u"Secret again"_s) } });
        const QString rv
            = m_server->putConfigMap(u"mesh"_s, u"trust-bundle"_s, { { u"ca.crt"_s, QString::fromLatin1(root) } });
        QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, 10000);
        const auto ev = events.first().first().value<WatchEvent>();
        QCOMPARE(ev.type, WatchEvent::Type::Modified);
        QCOMPARE(ev.object.value(u"kind"_s).toString(), u"ConfigMap"_s);
        QCOMPARE(ev.object.value(u"metadata"_s).toObject().value(u"resourceVersion"_s).toString(), rv);
        m_server->deleteConfigMap(u"mesh"_s, u"trust-bundle"_s);
        QTRY_COMPARE_WITH_TIMEOUT(events.size(), 2, 10000);
        QCOMPARE(events.last().first().value<WatchEvent>().type, WatchEvent::Type::Deleted);
        QVERIFY(m_server->configMap(u"mesh"_s, u"trust-bundle"_s).isEmpty());
        QVERIFY(!m_server->secret(u"mesh"_s, u"trust-bundle"_s).isEmpty());
    }

    void caConfigMapsBesideSecretsForThePicker()
    {
        m_server->putConfigMap(u"picker"_s, u"kube-root-ca.crt"_s,
                               { { u"ca.crt"_s, QString::fromLatin1(caPem(u"Cluster"_s)) } });
        m_server->putConfigMap(u"picker"_s, u"app-config"_s, { { u"settings.pem"_s, u"not a certificate"_s } });
        m_server->putSecret(u"picker"_s, u"gateway-ca"_s, { { u"tls.crt"_s, caPem(u"Gateway"_s) } });
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-cert"_s, nullptr));
        auto r = await<QList<CaObjectInfo>>([&](auto cb) { listCaObjects(c.get(), u"picker"_s, {}, this, cb); });
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        QCOMPARE(r.value.size(), 2); // app-config holds no certificate
        QCOMPARE(r.value.at(0).kind, ObjectKind::Secret); // Secrets first
        QCOMPARE(r.value.at(1).kind, ObjectKind::ConfigMap);
        QCOMPARE(r.value.at(1).name, u"kube-root-ca.crt"_s);
        QCOMPARE(r.value.at(1).caKeys, QStringList { u"ca.crt"_s });
        QCOMPARE(r.value.at(1).uri(u"ctx"_s, u"ca.crt"_s), u"configmap://ctx/picker/kube-root-ca.crt#ca.crt"_s);
    }

    void watchDeliversEventsAndRejectsGarbage()
    {
        std::unique_ptr<KubeClient> c(test::clientFor(*m_server, m_dir, u"test-token"_s, nullptr));
        WatchOptions o;
        o.fieldSelector = u"metadata.name=ca-one"_s;
        o.resourceVersion = QString::number(m_server->currentResourceVersion());
        KubeWatch* w = c->watchObjects(ObjectKind::Secret, u"default"_s, o, this);
        QSignalSpy opened(w, &KubeWatch::opened);
        QSignalSpy events(w, &KubeWatch::event);
        QSignalSpy finished(w, &KubeWatch::finished);
        QVERIFY(opened.wait(10000));
        const QString rv = m_server->putSecret(u"default"_s, u"ca-one"_s, {{u"ca.crt"_s, caPem(u"W"_s)}});
        m_server->putSecret(u"default"_s, u"tls-two"_s, {{u"tls.crt"_s, caPem(u"ignored"_s)}}); // filtered out
        QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, 10000);
        const auto ev = events.first().first().value<WatchEvent>();
        QCOMPARE(ev.type, WatchEvent::Type::Modified);
        QCOMPARE(ev.object.value(u"metadata"_s).toObject().value(u"resourceVersion"_s).toString(), rv);
        m_server->sendGarbage();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        const auto err = finished.first().first().value<KubeError>();
        QCOMPARE(err.kind, KubeError::Kind::BadResponse);
        QVERIFY(err.message.contains(u"not a watch event"_s));
        delete w;
        // the watch request said who is calling, like every other request
        const auto reqs = m_server->requests();
        QVERIFY(!reqs.isEmpty());
        for (const auto& r : reqs) {
            QCOMPARE(QString::fromUtf8(r.userAgent), buildinfo::userAgent());
            QCOMPARE(QString::fromUtf8(r.clientInfo), buildinfo::clientInfo());
        }
        QVERIFY(reqs.last().target.contains("watch=1"));
    }

    void execPluginCachedUntilExpiryAndRerunOn401()
    {
        test::LogCapture logs;
        const QString script = m_dir.filePath(u"plugin.sh"_s);
        const QString countFile = m_dir.filePath(u"runs.txt"_s);
        const QString tokenFile = m_dir.filePath(u"exec-token.txt"_s);
        const QString infoFile = m_dir.filePath(u"exec-info.json"_s);
        QVERIFY(test::writeFile(tokenFile, "exec-token-AAA"));
        QVERIFY(test::writeFile(script, "#!/bin/sh\necho run >> \"$COUNT_FILE\"\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$INFO_FILE\"\n"
                                        "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                                        "\"status\":{\"token\":\"%s\",\"expirationTimestamp\":\"2030-01-01T00:05:00Z\"}}\\n' \"$(cat \"$TOKEN_FILE\")\"\n"));
        QFile::setPermissions(script, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        const QString path = m_dir.filePath(u"exec.yaml"_s);
        QVERIFY(m_server->writeKubeconfig(path));
        const QString execYaml = m_dir.filePath(u"exec-user.yaml"_s);
        QVERIFY(test::writeFile(execYaml, "contexts:\n- name: ex\n  context: {cluster: test, user: ex}\nusers:\n- name: ex\n  user:\n    exec:\n"
                                          "      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n"
                                          "      interactiveMode: Never\n      provideClusterInfo: true\n      env:\n"
                                          "      - {name: COUNT_FILE, value: '" + countFile.toUtf8() + "'}\n"
                                          "      - {name: TOKEN_FILE, value: '" + tokenFile.toUtf8() + "'}\n"
                                          "      - {name: INFO_FILE, value: '" + infoFile.toUtf8() + "'}\n"));
        auto rc = Kubeconfig::loadFiles({path, execYaml}).value().restConfig(u"ex"_s);
        QVERIFY2(rc.ok(), qPrintable(rc.ok() ? QString() : rc.error().text()));
        m_server->setTokens({"exec-token-AAA"});
        FixedClock clock(QDateTime(QDate(2030, 1, 1), QTime(0, 0), Qt::UTC));
        KubeClient c(rc.value());
        c.setClock(&clock);
        auto r1
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY2(r1.ok(), qPrintable(r1.error.message));
        QCOMPARE(c.execRuns(), 1);
        const QJsonObject info = QJsonDocument::fromJson(test::readFile(infoFile)).object();
        QCOMPARE(info.value(u"kind"_s).toString(), u"ExecCredential"_s);
        QCOMPARE(info.value(u"spec"_s).toObject().value(u"interactive"_s).toBool(true), false);
        QCOMPARE(info.value(u"spec"_s).toObject().value(u"cluster"_s).toObject().value(u"server"_s).toString(), m_server->url());
        // cached while valid
        clock.advanceSecs(120);
        auto r2
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY(r2.ok());
        QCOMPARE(c.execRuns(), 1);
        // re-run after expiry
        clock.advanceSecs(600);
        auto r3
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY(r3.ok());
        QCOMPARE(c.execRuns(), 2);
        // the server rotates the token: the cached one gets a 401, the plugin runs again, the call succeeds
        clock.set(QDateTime(QDate(2030, 1, 1), QTime(0, 0), Qt::UTC));
        QVERIFY(test::writeFile(tokenFile, "exec-token-BBB"));
        m_server->setTokens({"exec-token-BBB"});
        auto r4
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QVERIFY2(r4.ok(), qPrintable(r4.error.message));
        QCOMPARE(c.execRuns(), 3);
        QCOMPARE(test::readFile(countFile).count("run"), 3);
        QVERIFY(!logs.text().contains(u"exec-token-"_s));
        m_server->setTokens({"good-token-123456"});
    }

    void execPluginFailuresAreClear()
    {
        const QString script = m_dir.filePath(u"bad-plugin.sh"_s);
        QVERIFY(test::writeFile(script, "#!/bin/sh\necho 'leaked-secret-in-stderr' >&2\necho '{\"token\": \"leaked-secret-out\"' \nexit 0\n"));
        QFile::setPermissions(script, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        RestConfig rc;
        rc.contextName = u"x"_s;
        rc.cluster.server = m_server->url();
        rc.cluster.caPem = m_server->caPem();
        rc.user.exec = ExecConfig{u"client.authentication.k8s.io/v1beta1"_s, script, {}, {}, false, {}, {}};
        KubeClient c(rc);
        auto r
            = await<KubeObject>([&](auto cb) { c.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QCOMPARE(r.error.kind, KubeError::Kind::Credentials);
        QCOMPARE(r.error.message,
                 u"exec credential plugin '%1': its output is not an ExecCredential JSON object"_s.arg(script));
        QVERIFY(!r.error.message.contains(u"leaked"_s));
        rc.user.exec->command = m_dir.filePath(u"no-such-plugin"_s);
        rc.user.exec->installHint = u"install it with: apt install no-such-plugin"_s;
        KubeClient missing(rc);
        auto m = await<KubeObject>(
            [&](auto cb) { missing.getObject(ObjectKind::Secret, u"default"_s, u"ca-one"_s, this, cb); });
        QCOMPARE(m.error.kind, KubeError::Kind::Credentials);
        QVERIFY2(m.error.message.contains(u"could not be started"_s), qPrintable(m.error.message));
        QVERIFY(m.error.message.contains(u"apt install no-such-plugin"_s));
        // wrong apiVersion in the answer
        Credentials out;
        const KubeError e = ExecCredentialPlugin::parse(
            R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"tok-zzz"}})",
            u"client.authentication.k8s.io/v1"_s, &out);
        QCOMPARE(e.kind, KubeError::Kind::Credentials);
        QVERIFY(!e.message.contains(u"tok-zzz"_s));
    }
};

QTEST_GUILESS_MAIN(TestKubeClient)
#include "TestKubeClient.moc"
