// SPDX-License-Identifier: GPL-3.0-or-later
// KubeSecretSource against the Kubernetes API test server: list + watch, reconnects, 410, bookmarks,
// auth failures, missing keys, garbage and stalls — and no secret in any log line.
#include "KubeTestUtil.h"
#include "kube/KubeSecretSource.h"
#include "sources/BundleCache.h"
#include "util/Clock.h"

#include <QFile>
#include <QSignalSpy>

using namespace Qt::StringLiterals;
using namespace certrotor;
using namespace certrotor::kube;
using certrotor::test::KubeApiServer;

namespace {
constexpr int kWait = 10000;
}

class TestKubeSecretSource : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<KubeApiServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    qint64 m_now = QDateTime::currentSecsSinceEpoch();
    int m_serial = 0;
    QHash<QString, QString> m_cnByRv; // what was written at each resourceVersion

    QByteArray caPem(const QString& cn)
    {
        test::CertSpec s;
        s.commonName = cn;
        s.isCA = true;
        s.notBefore = m_now - 3600;
        s.notAfter = m_now + 86400;
        return test::issue(s, test::makeKey()).pem();
    }

    /// Writes a new CA into default/NAME's ca.crt; remembers the CN under the new resourceVersion.
    QString write(const QString& name = u"trust"_s)
    {
        const QString cn = u"CA %1"_s.arg(++m_serial);
        const QString rv = m_server->putSecret(u"default"_s, name, {{u"ca.crt"_s, caPem(cn)}, {u"note"_s, "x"}});
        m_cnByRv.insert(rv, cn);
        return rv;
    }

    static QString cnOf(const SourceUpdate& u)
    {
        return u.bundle && !u.bundle->entries.isEmpty() ? u.bundle->entries.first().certificate.info().subject.commonName
                                                        : QString();
    }

    static KubeObjectRef secretRef(const QString& name)
    {
        return KubeObjectRef { KubeObjectRef::Kind::Secret, {}, u"default"_s, name, {} };
    }

    KubeSecretSource* makeSourceFor(const KubeObjectRef& ref, const QString& context = u"test-token"_s,
                                    KubeSecretSource::Options o = {})
    {
        o.initialBackoffMs = 10;
        o.maxBackoffMs = 200;
        auto* client = test::clientFor(*m_server, *m_dir, context, nullptr);
        auto* src = new KubeSecretSource(client, ref, o, this);
        client->setParent(src);
        return src;
    }

    KubeSecretSource* makeSource(const QString& context = u"test-token"_s, const QString& name = u"trust"_s,
                                 KubeSecretSource::Options o = {})
    {
        return makeSourceFor(secretRef(name), context, o);
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        KubeApiServer::Options o;
        o.tokens = {"source-token-XYZ-777"};
        o.bookmarkIntervalMs = 0;
        m_server = std::make_unique<KubeApiServer>(o);
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
        m_cnByRv.clear();
    }

    void cleanup()
    {
        const auto sources = findChildren<KubeSecretSource*>();
        qDeleteAll(sources);
        m_server.reset();
    }

    void deliversCurrentThenChanges()
    {
        const QString rv1 = write();
        auto* src = makeSource();
        QSignalSpy updates(src, &Source::updated);
        src->start();
        QVERIFY(updates.wait(kWait));
        auto u = updates.first().first().value<SourceUpdate>();
        QCOMPARE(u.revision, rv1);
        QCOMPARE(u.bundle->entries.size(), 1);
        QCOMPARE(cnOf(u), m_cnByRv.value(rv1));
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
        QCOMPARE(src->lastError(), QString());
        QCOMPARE(src->id(), u"secret://test-token/default/trust#ca.crt"_s);
        const QString rv2 = write();
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWait);
        u = updates.last().first().value<SourceUpdate>();
        QCOMPARE(u.revision, rv2);
        QCOMPARE(cnOf(u), m_cnByRv.value(rv2));
        QVERIFY(u.detectionLatencyMs >= 0);
        // a write that does not change the CA material (another key, same bytes) delivers nothing
        QJsonObject cur = m_server->secret(u"default"_s, u"trust"_s);
        m_server->putSecret(u"default"_s, u"trust"_s,
                            {{u"ca.crt"_s, QByteArray::fromBase64(cur.value(u"data"_s).toObject().value(u"ca.crt"_s).toString().toLatin1())},
                             {u"note"_s, "changed"}});
        const QString rv3 = write();
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 3, kWait);
        QCOMPARE(updates.last().first().value<SourceUpdate>().revision, rv3);
    }

    void dropped20TimesMissesNoUpdate()
    {
        test::LogCapture logs;
        write();
        auto* src = makeSource();
        QSignalSpy updates(src, &Source::updated);
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(opened.wait(kWait));
        QString last;
        for (int i = 0; i < 20; ++i) {
            const int openedBefore = int(opened.size());
            if (i % 2 == 0) {
                last = write(); // written while the watch is up, then the stream is cut
                m_server->dropWatches();
            } else {
                m_server->dropWatches();
                last = write(); // written while disconnected: must come from the server's history
                if (i % 3 == 0)
                    last = write();
            }
            QTRY_VERIFY_WITH_TIMEOUT(opened.size() > openedBefore, kWait);
        }
        QTRY_COMPARE_WITH_TIMEOUT(src->current().revision, last, kWait);
        // every delivered revision is one that was written, in order, with the content written then
        qint64 prev = 0;
        for (const auto& args : updates) {
            const auto u = args.first().value<SourceUpdate>();
            QVERIFY2(m_cnByRv.contains(u.revision), qPrintable(u.revision));
            QCOMPARE(cnOf(u), m_cnByRv.value(u.revision));
            QVERIFY(u.revision.toLongLong() > prev);
            prev = u.revision.toLongLong();
        }
        // resumed from the last resourceVersion every time: one list, 21+ watches, no relist
        QCOMPARE(src->relistCount(), 1);
        QVERIFY(src->watchCount() >= 21);
        QCOMPARE(src->current().bundle->entries.size(), 1);
        QVERIFY(!logs.text().contains(u"source-token-XYZ-777"_s));
        QVERIFY(logs.text().contains(u"WATCH"_s)); // the debug log really ran
    }

    void manyWatchesOnOneClient()
    {
        // More watches than Qt's 6 connections per host: none may starve the others or the client's calls.
        auto* client = test::clientFor(*m_server, *m_dir, u"test-cert"_s, this);
        QList<KubeSecretSource*> sources;
        for (int i = 0; i < 9; ++i) {
            write(u"s%1"_s.arg(i));
            auto* src = new KubeSecretSource(client, secretRef(u"s%1"_s.arg(i)), {}, this);
            src->start();
            sources << src;
        }
        for (auto* src : sources)
            QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
        const QString rv = write(u"s8"_s);
        QTRY_COMPARE_WITH_TIMEOUT(sources.last()->current().revision, rv, kWait);
        auto r = test::await<KubeObject>(
            [&](auto cb) { client->getObject(ObjectKind::Secret, u"default"_s, u"s0"_s, this, cb); });
        QVERIFY2(r.ok(), qPrintable(r.error.message));
        qDeleteAll(sources);
        delete client;
    }

    void goneLeadsToRelist_data()
    {
        QTest::addColumn<bool>("asHttpStatus");
        QTest::newRow("ERROR event 410") << false;
        QTest::newRow("HTTP 410") << true;
    }

    void goneLeadsToRelist()
    {
        QFETCH(bool, asHttpStatus);
        m_server->setGoneAsHttpStatus(asHttpStatus);
        write();
        auto* src = makeSource();
        QSignalSpy updates(src, &Source::updated);
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(opened.wait(kWait));
        QCOMPARE(updates.size(), 1);
        // The watch is cut, the Secret changes, and the server compacts past the source's revision.
        m_server->dropWatches();
        m_server->setStalled(true);
        const QString rv = write();
        write(u"unrelated"_s);
        m_server->forgetHistory();
        m_server->setStalled(false);
        QTRY_COMPARE_WITH_TIMEOUT(src->current().revision, rv, kWait);
        QCOMPARE(cnOf(src->current()), m_cnByRv.value(rv));
        QCOMPARE(src->relistCount(), 2);
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
    }

    void bookmarksAdvanceResourceVersion()
    {
        write();
        auto* src = makeSource();
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(opened.wait(kWait));
        for (int i = 0; i < 3; ++i)
            write(u"unrelated"_s);
        m_server->sendBookmarks();
        QTRY_COMPARE_WITH_TIMEOUT(src->resourceVersion(), QString::number(m_server->currentResourceVersion()), kWait);
        // Thanks to the bookmark, a compaction now does not force a relist.
        m_server->forgetHistory();
        m_server->dropWatches();
        QTRY_VERIFY_WITH_TIMEOUT(opened.size() >= 2, kWait);
        QCOMPARE(src->relistCount(), 1);
    }

    void authFailureGivesClearError()
    {
        test::LogCapture logs;
        write();
        auto* src = makeSource(); // its kubeconfig holds source-token-XYZ-777
        m_server->setTokens({"some-other-token"});
        QSignalSpy status(src, &Source::statusChanged);
        src->start();
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Error, kWait);
        QCOMPARE(src->lastError(),
                 u"Secret default/trust: the API server rejected our credentials (HTTP 401 Unauthorized)"_s);
        QVERIFY(!src->current().bundle);
        // it keeps retrying (capped backoff); once the credentials are accepted it recovers
        m_server->setTokens({"source-token-XYZ-777"});
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
        QVERIFY(src->current().bundle);
        QVERIFY(!logs.text().contains(u"source-token-XYZ-777"_s));
    }

    void secretWithoutKeyOrMissing()
    {
        m_server->putSecret(u"default"_s, u"nokey"_s, {{u"password"_s, "hunter2"}});
        auto* src = makeSource(u"test-cert"_s, u"nokey"_s);
        QSignalSpy updates(src, &Source::updated);
        src->start();
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Error, kWait);
        QCOMPARE(src->lastError(), u"Secret default/nokey has no key 'ca.crt' (its keys: password)"_s);
        QVERIFY(!src->lastError().contains(u"hunter2"_s));
        QCOMPARE(updates.size(), 0);
        // the key appears: delivered, status back to watching
        const QString cn = u"Late CA"_s;
        const QString rv = m_server->putSecret(u"default"_s, u"nokey"_s, {{u"ca.crt"_s, caPem(cn)}});
        QVERIFY(updates.wait(kWait));
        QCOMPARE(updates.first().first().value<SourceUpdate>().revision, rv);
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
        // key holding garbage: an update with no certificate and a clear status, no crash
        m_server->putSecret(u"default"_s, u"nokey"_s, {{u"ca.crt"_s, "garbage"}});
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Error, kWait);
        QVERIFY2(src->lastError().startsWith(u"Secret default/nokey: the key holds no certificate"_s),
                 qPrintable(src->lastError()));
        // deleted, then a Secret that does not exist yet is created
        m_server->deleteSecret(u"default"_s, u"nokey"_s);
        QTRY_VERIFY_WITH_TIMEOUT(src->lastError().contains(u"was deleted"_s), kWait);

        auto* later = makeSource(u"test-cert"_s, u"not-yet"_s);
        later->start();
        QTRY_VERIFY_WITH_TIMEOUT(later->lastError().contains(u"does not exist"_s), kWait);
        QSignalSpy laterUpdates(later, &Source::updated);
        const QString rv2 = write(u"not-yet"_s);
        QVERIFY(laterUpdates.wait(kWait));
        QCOMPARE(later->current().revision, rv2);
        QTRY_COMPARE_WITH_TIMEOUT(later->status(), Source::Status::Watching, kWait);
    }

    void configMapBadBlocksAreAnErrorWithTheLocatedText()
    {
        // A trust-manager target whose bundle has a bad second block: delivered (the console shows what
        // is wrong, and refuses it), but the source is in error with the located text, never "watching".
        const QByteArray good = caPem(u"Trust Manager CA"_s);
        const QByteArray bad = good + "-----BEGIN CERTIFICATE-----\nMIIBabc\n-----END CERTIFICATE-----\n";
        const qsizetype badLine = good.count('\n') + 2; // the base64 line of block 2
        const auto put = [&](const QMap<QString, QString>& data) {
            return m_server->putConfigMap(u"istio-system"_s, u"trust-bundle"_s, data);
        };
        put({ { u"ca.crt"_s, QString::fromLatin1(bad) }, { u"other"_s, u"kept"_s } });
        auto* src = makeSourceFor(
            KubeObjectRef { KubeObjectRef::Kind::ConfigMap, {}, u"istio-system"_s, u"trust-bundle"_s, {} });
        QCOMPARE(src->id(), u"configmap://test-token/istio-system/trust-bundle#ca.crt"_s);
        QSignalSpy updates(src, &Source::updated);
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(updates.wait(kWait));
        const auto first = updates.first().first().value<SourceUpdate>();
        QCOMPARE(first.bundle->entries.size(), 1);
        QVERIFY(first.bundle->hasErrors());
        QTRY_VERIFY_WITH_TIMEOUT(opened.size() >= 1, kWait);
        QCOMPARE(src->status(), Source::Status::Error);
        QCOMPARE(src->problem().code, kubeproblem::badBundle);
        QCOMPARE(
            src->lastError(),
            u"istio-system/trust-bundle#ca.crt: block 2, line %1: truncated base64 (7 characters, not a multiple of 4)"_s
                .arg(badLine));
        // The key goes away, then the same bad bytes come back: the bad-bundle error again (no new delivery).
        put({ { u"other"_s, u"kept"_s } });
        QTRY_COMPARE_WITH_TIMEOUT(src->problem().code, kubeproblem::missingKey, kWait);
        QCOMPARE(src->lastError(), u"ConfigMap istio-system/trust-bundle has no key 'ca.crt' (its keys: other)"_s);
        put({ { u"ca.crt"_s, QString::fromLatin1(bad) } });
        QTRY_COMPARE_WITH_TIMEOUT(src->problem().code, kubeproblem::badBundle, kWait);
        QCOMPARE(src->status(), Source::Status::Error);
        QCOMPARE(updates.size(), 1);
        // Fixed: delivered and watching.
        const QString rv = put({ { u"ca.crt"_s, QString::fromLatin1(good) } });
        QTRY_COMPARE_WITH_TIMEOUT(updates.size(), 2, kWait);
        QCOMPARE(updates.last().first().value<SourceUpdate>().revision, rv);
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
        QCOMPARE(src->problem().code, QString());
        QCOMPARE(src->lastError(), QString());
        // Deleted: absent, by code.
        m_server->deleteConfigMap(u"istio-system"_s, u"trust-bundle"_s);
        QTRY_COMPARE_WITH_TIMEOUT(src->problem().code, kubeproblem::absent, kWait);
        QCOMPARE(src->status(), Source::Status::Error);
    }

    void configMapBinaryDataThroughTheSharedCache()
    {
        // The same bytes in a ConfigMap's binaryData and in a Secret: two sources, one shared cache, one parse.
        const QByteArray pem = caPem(u"Mesh Root"_s);
        m_server->putConfigMap(u"mesh"_s, u"roots"_s, { { u"readme"_s, u"see root-cert.pem"_s } },
                               { { u"root-cert.pem"_s, pem } });
        m_server->putSecret(u"mesh"_s, u"roots"_s, { { u"root-cert.pem"_s, pem } });
        auto cache = std::make_shared<BundleCache>(8);
        auto* fromConfigMap = makeSourceFor(
            KubeObjectRef { KubeObjectRef::Kind::ConfigMap, {}, u"mesh"_s, u"roots"_s, u"root-cert.pem"_s });
        auto* fromSecret = makeSourceFor(
            KubeObjectRef { KubeObjectRef::Kind::Secret, {}, u"mesh"_s, u"roots"_s, u"root-cert.pem"_s });
        fromConfigMap->setBundleCache(cache);
        fromSecret->setBundleCache(cache);
        QSignalSpy cmUpdates(fromConfigMap, &Source::updated);
        QSignalSpy secretUpdates(fromSecret, &Source::updated);
        fromConfigMap->start();
        QVERIFY(cmUpdates.wait(kWait));
        fromSecret->start();
        QVERIFY(secretUpdates.wait(kWait));
        QCOMPARE(cache->misses(), 1);
        QCOMPARE(cache->hits(), 1);
        QCOMPARE(cnOf(cmUpdates.first().first().value<SourceUpdate>()), u"Mesh Root"_s);
        QCOMPARE(fromSecret->current().bundle->name, u"mesh/roots#root-cert.pem"_s);
        QTRY_COMPARE_WITH_TIMEOUT(fromConfigMap->status(), Source::Status::Watching, kWait);
        // A ConfigMap change reaches the ConfigMap's source only.
        const QString rv
            = m_server->putConfigMap(u"mesh"_s, u"roots"_s, {}, { { u"root-cert.pem"_s, caPem(u"Mesh Root 2"_s) } });
        QTRY_COMPARE_WITH_TIMEOUT(cmUpdates.size(), 2, kWait);
        QCOMPARE(fromConfigMap->current().revision, rv);
        QCOMPARE(cnOf(fromConfigMap->current()), u"Mesh Root 2"_s);
        QCOMPARE(secretUpdates.size(), 1);
    }

    void garbageOnStreamReconnects()
    {
        write();
        auto* src = makeSource();
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        QSignalSpy status(src, &Source::statusChanged);
        src->start();
        QVERIFY(opened.wait(kWait));
        m_server->sendGarbage();
        QVERIFY(opened.wait(kWait)); // reconnected
        bool sawReconnecting = false;
        for (const auto& args : status)
            if (args.first().value<Source::Status>() == Source::Status::Reconnecting
                && args.at(1).toString().contains(u"not a watch event"_s))
                sawReconnecting = true;
        QVERIFY(sawReconnecting);
        const QString rv = write();
        QTRY_COMPARE_WITH_TIMEOUT(src->current().revision, rv, kWait);
        QCOMPARE(src->relistCount(), 1);
    }

    void serverEndsStreamQuietReconnect()
    {
        write();
        KubeSecretSource::Options o;
        o.watchTimeoutSeconds = 1; // the server ends each stream after a second, as real ones do after minutes
        auto* src = makeSource(u"test-token"_s, u"trust"_s, o);
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(opened.wait(kWait));
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
        QSignalSpy status(src, &Source::statusChanged);
        QTRY_VERIFY_WITH_TIMEOUT(opened.size() >= 3, kWait);
        QCOMPARE(status.size(), 0); // a normal end of stream is not news for the user
        const QString rv = write();
        QTRY_COMPARE_WITH_TIMEOUT(src->current().revision, rv, kWait);
        QCOMPARE(src->relistCount(), 1);
    }

    void stalledStreamTimesOutAndReconnects()
    {
        write();
        KubeSecretSource::Options o;
        o.inactivityTimeoutMs = 700;
        auto* src = makeSource(u"test-token"_s, u"trust"_s, o);
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(opened.wait(kWait));
        m_server->setStalled(true);
        const QString rv = write();
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Reconnecting, kWait);
        QCOMPARE(src->lastError(), u"Secret default/trust: the watch stream went silent (stalled server or broken network path)"_s);
        m_server->setStalled(false);
        QTRY_COMPARE_WITH_TIMEOUT(src->current().revision, rv, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(src->status(), Source::Status::Watching, kWait);
    }

    void execPluginRerunAfterExpiryAndOn401()
    {
        test::LogCapture logs;
        const QString rv1 = write();
        const QString script = m_dir->filePath(u"plugin.sh"_s);
        const QString tokenFile = m_dir->filePath(u"token.txt"_s);
        QVERIFY(test::writeFile(tokenFile, "exec-issued-token-1"));
        QVERIFY(test::writeFile(script, "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                                        "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\","
                                        "\"expirationTimestamp\":\"2030-06-01T12:00:30Z\"}}' \"$(cat \"$1\")\"\n"));
        QFile::setPermissions(script, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        const QString main = m_dir->filePath(u"main.yaml"_s);
        QVERIFY(m_server->writeKubeconfig(main));
        const QString execYaml = m_dir->filePath(u"exec.yaml"_s);
        QVERIFY(test::writeFile(execYaml, "contexts:\n- name: ex\n  context: {cluster: test, user: ex}\nusers:\n- name: ex\n"
                                          "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                          "      command: " + script.toUtf8() + "\n      args: ['" + tokenFile.toUtf8() + "']\n"));
        auto rc = Kubeconfig::loadFiles({main, execYaml}).value().restConfig(u"ex"_s);
        QVERIFY(rc.ok());
        m_server->setTokens({"exec-issued-token-1"});
        FixedClock clock(QDateTime(QDate(2030, 6, 1), QTime(12, 0), Qt::UTC));
        auto* client = new KubeClient(rc.value());
        client->setClock(&clock);
        KubeSecretSource::Options o;
        o.initialBackoffMs = 10;
        o.maxBackoffMs = 200;
        auto* src = new KubeSecretSource(client, secretRef(u"trust"_s), o, this);
        client->setParent(src);
        QSignalSpy opened(src, &KubeSecretSource::watchOpened);
        src->start();
        QVERIFY(opened.wait(kWait));
        QCOMPARE(src->current().revision, rv1);
        QCOMPARE(client->execRuns(), 1); // one run for the list and the watch
        // the credential expires: the next connection runs the plugin again
        clock.advanceSecs(60);
        m_server->dropWatches();
        QTRY_VERIFY_WITH_TIMEOUT(opened.size() >= 2, kWait);
        QCOMPARE(client->execRuns(), 2);
        // the server stops accepting the token before it expires: 401, plugin re-run, recovered
        clock.set(QDateTime(QDate(2030, 6, 1), QTime(12, 0), Qt::UTC));
        QVERIFY(test::writeFile(tokenFile, "exec-issued-token-2"));
        m_server->setTokens({"exec-issued-token-2"});
        m_server->dropWatches();
        QTRY_VERIFY_WITH_TIMEOUT(opened.size() >= 3, kWait);
        QCOMPARE(client->execRuns(), 3);
        const QString rv2 = write();
        QTRY_COMPARE_WITH_TIMEOUT(src->current().revision, rv2, kWait);
        QVERIFY(!logs.text().contains(u"exec-issued-token"_s));
        QVERIFY(!src->lastError().contains(u"exec-issued-token"_s));
    }

    void fromUriUsesKubeconfig()
    {
        const QString rv = write();
        const QString kc = m_dir->filePath(u"kc.yaml"_s);
        QVERIFY(m_server->writeKubeconfig(kc));
        qputenv("KUBECONFIG", kc.toUtf8());
        QString err;
        auto src = KubeSecretSource::fromUri(u"secret://default/trust#ca.crt"_s, &err);
        auto bad = KubeSecretSource::fromUri(u"secret://nosuchctx/default/trust"_s, &err);
        qunsetenv("KUBECONFIG");
        QVERIFY(!bad);
        QCOMPARE(err, u"kubeconfig %1: context 'nosuchctx' not found"_s.arg(kc));
        QVERIFY(src);
        QCOMPARE(src->id(), u"secret://test-cert/default/trust#ca.crt"_s); // current context filled in
        QSignalSpy updates(src.get(), &Source::updated);
        src->start();
        QVERIFY(updates.wait(kWait));
        QCOMPARE(src->current().revision, rv);
        src->stop();
        QCOMPARE(src->status(), Source::Status::Idle);
        write();
        QTest::qWait(200); // stopped: nothing more arrives (bounded wait for a non-event)
        QCOMPARE(updates.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestKubeSecretSource)
#include "TestKubeSecretSource.moc"
