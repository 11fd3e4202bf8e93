// SPDX-License-Identifier: GPL-3.0-or-later
// The probe against real peers: certrotor-drill-server (grpc++, TLS and mTLS), openssl s_server
// (HTTP/1.1 only), a socket that accepts and stays silent, a port nobody listens on, and the CLI.
// Certificates are made at test time; servers pick their own ports (--port 0).
#include "CertFactory.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "probe/GrpcProbe.h"
#include "probe/ProbePlan.h"
#include "util/BuildInfo.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <memory>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();

Certificate cert(const Issued& issued)
{
    return Certificate::fromDer(issued.der()).value();
}

bool writeAtomically(const QString& path, const QByteArray& bytes)
{
    QSaveFile f(path); // write + rename: a watcher never sees half a file
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size() && f.commit();
}

ProbeTarget local(quint16 port, const QString& host = QStringLiteral("127.0.0.1"))
{
    return ProbeTarget{host, port, {}, {}};
}

ProbeResult runProbe(const ProbeTarget& target, const QList<Certificate>& bundle, int timeoutMs = 5000,
                     const ClientIdentity& identity = ClientIdentity(), bool sendCertHeader = false,
                     const QString& name = QStringLiteral("candidate"))
{
    ProbeOptions options;
    options.bundle = bundle;
    options.bundleName = name;
    options.timeoutMs = timeoutMs;
    options.clientIdentity = identity;
    options.sendClientCertificateHeader = sendCertHeader;
    GrpcProbe probe(target, options);
    QSignalSpy spy(&probe, &GrpcProbe::finished);
    probe.start();
    if (!probe.isFinished() && !spy.wait(timeoutMs + 10000)) {
        ProbeResult r;
        r.error = QStringLiteral("TEST: the probe never finished");
        return r;
    }
    return probe.result();
}

QString describe(const ProbeResult& r)
{
    return r.summary();
}

/// The JSON lines the server wrote, one per call.
QList<QJsonObject> metadataLines(const QString& path)
{
    QList<QJsonObject> lines;
    const QByteArray all = readFile(path);
    for (const QByteArray& line : all.split('\n')) {
        if (!line.trimmed().isEmpty())
            lines << QJsonDocument::fromJson(line).object();
    }
    return lines;
}

} // namespace

class TestProbeGrpc : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    Hierarchy m_old, m_new;
    QList<Certificate> m_oldBundle, m_newBundle, m_overlapBundle;
    GrpcTestServer m_oldServer, m_newServer;
    QString m_oldLog;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // Server files for a leaf: chain (leaf + intermediate) and key.
    QStringList tlsArgs(const QString& name, const Issued& leaf, const Issued& intermediate)
    {
        return grpcServerTlsArgs(m_dir.path(), name, leaf, intermediate);
    }

    Issued leafFrom(const Hierarchy& h, CertSpec spec)
    {
        return issue(spec, makeKey(), &h.intermediate);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_old = makeHierarchy(kNow, QStringLiteral("Old"));
        m_new = makeHierarchy(kNow, QStringLiteral("New"));
        QVERIFY(m_old.leaf.cert && m_new.leaf.cert);
        m_oldBundle = {cert(m_old.root)};
        m_newBundle = {cert(m_new.root)};
        m_overlapBundle = {cert(m_new.root), cert(m_old.root)};
        m_oldLog = path(QStringLiteral("old-metadata.jsonl"));
        QVERIFY(m_oldServer.start(tlsArgs(QStringLiteral("old"), m_old.leaf, m_old.intermediate)
                                  + QStringList{QStringLiteral("--metadata-log"), m_oldLog}));
        QVERIFY(m_newServer.start(tlsArgs(QStringLiteral("new"), m_new.leaf, m_new.intermediate)));
    }

    void passesWithTheRightCa()
    {
        const ProbeResult r = runProbe(local(m_oldServer.port()), m_oldBundle);
        QVERIFY2(r.ok, qPrintable(describe(r)));
        QCOMPARE(r.stage, ProbeResult::Stage::Done);
        QCOMPARE(r.servingStatus, grpcwire::ServingStatus::Serving);
        QCOMPARE(r.grpcStatus, 0);
        QCOMPARE(r.httpStatus, 200);
        QCOMPARE(r.alpn, QStringLiteral("h2"));
        QVERIFY2(r.tlsVersion == QLatin1String("TLSv1.3") || r.tlsVersion == QLatin1String("TLSv1.2"),
                 qPrintable(r.tlsVersion));
        QVERIFY(!r.cipher.isEmpty());
        QVERIFY(r.verifyErrors.isEmpty());
        QVERIFY(r.error.isEmpty());
        // The chain as sent (leaf, intermediate) and the bundle certificate that anchored it.
        QCOMPARE(r.peerChain.size(), 2);
        QCOMPARE(r.peerChain[0], cert(m_old.leaf));
        QCOMPARE(r.peerChain[1], cert(m_old.intermediate));
        QCOMPARE(r.anchor, cert(m_old.root));
        QVERIFY(!QUuid::fromString(r.probeId).isNull());
        QCOMPARE(r.bundleSha256, bundleSha256(m_oldBundle));
        QVERIFY(r.timings.totalMs > 0);
        QVERIFY(r.timings.connectMs >= 0 && r.timings.tlsMs >= 0 && r.timings.rpcMs >= 0);
        QVERIFY(r.timings.connectMs + r.timings.tlsMs + r.timings.rpcMs <= r.timings.totalMs + 0.001);
    }

    void failsWithTheWrongCaAndSaysWhy()
    {
        const ProbeResult r = runProbe(local(m_oldServer.port()), m_newBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Tls);
        QVERIFY(!r.verifyErrors.isEmpty());
        QCOMPARE(r.verifyErrors.first().kind, QStringLiteral("untrusted"));
        // Each error names the certificate it concerns: one of the server's.
        const QStringList sent{cert(m_old.leaf).info().sha256Hex(), cert(m_old.intermediate).info().sha256Hex()};
        QVERIFY2(sent.contains(r.verifyErrors.first().sha256), qPrintable(r.verifyErrors.first().message));
        QVERIFY2(r.error.contains(QLatin1String("not in the bundle")), qPrintable(r.error));
        QVERIFY2(r.error.contains(QLatin1String("Old")), qPrintable(r.error)); // names the missing issuer
        QVERIFY(!r.peerChain.isEmpty()); // the operator still sees what the server sent
        QCOMPARE(r.peerChain.first(), cert(m_old.leaf));
        QVERIFY(r.anchor.isNull());
        QCOMPARE(r.grpcStatus, -1);
    }

    // PLATFORM.md: a shared QNetworkAccessManager reuses a connection made with another CA list.
    // Each probe must make its own handshake: right -> wrong -> right on the same target.
    void everyProbeMakesAFreshHandshake()
    {
        const ProbeTarget t = local(m_oldServer.port());
        const ProbeResult first = runProbe(t, m_oldBundle);
        QVERIFY2(first.ok, qPrintable(describe(first)));
        const ProbeResult wrongRightAfter = runProbe(t, m_newBundle);
        QVERIFY2(!wrongRightAfter.ok, "a wrong-CA probe right after a passing one passed: a connection was reused");
        QCOMPARE(wrongRightAfter.stage, ProbeResult::Stage::Tls);
        const ProbeResult rightAfterWrong = runProbe(t, m_oldBundle);
        QVERIFY2(rightAfterWrong.ok, qPrintable(describe(rightAfterWrong)));
        QVERIFY(first.probeId != rightAfterWrong.probeId);

        // And at the same time, in one plan: both bundles against the same server.
        ProbePlan plan({t}, {{QStringLiteral("current"), PlanBundle::Role::Current, m_newBundle},
                             {QStringLiteral("candidate"), PlanBundle::Role::Candidate, m_oldBundle}},
                       ProbePlan::Settings{});
        QSignalSpy done(&plan, &ProbePlan::finished);
        plan.start();
        QVERIFY(done.wait(15000));
        QVERIFY(!plan.results()[0].ok);
        QVERIFY(plan.results()[1].ok);
    }

    void overlapKeepsOldAndNewServersWorking()
    {
        const QList<ProbeTarget> targets{local(m_oldServer.port()), local(m_newServer.port())};
        {
            ProbePlan plan(targets,
                           {{QStringLiteral("current"), PlanBundle::Role::Current, m_oldBundle},
                            {QStringLiteral("overlap"), PlanBundle::Role::Candidate, m_overlapBundle}},
                           ProbePlan::Settings{});
            QSignalSpy each(&plan, &ProbePlan::probeFinished);
            QSignalSpy done(&plan, &ProbePlan::finished);
            plan.start();
            QVERIFY(done.wait(15000));
            QCOMPARE(each.size(), 4);
            const QList<ProbeResult>& r = plan.results();
            QVERIFY(r[0].ok); // old server, current bundle
            QVERIFY(!r[1].ok); // new server, current bundle
            QVERIFY2(r[2].ok, qPrintable(describe(r[2])));
            QVERIFY2(r[3].ok, qPrintable(describe(r[3])));
            QCOMPARE(r[2].anchor, cert(m_old.root)); // each server anchored by its own root
            QCOMPARE(r[3].anchor, cert(m_new.root));
            const PlanVerdict v = plan.verdict();
            QCOMPARE(v.kind, PlanVerdict::Kind::OverlapWorks);
            QVERIFY2(v.text.startsWith(QLatin1String("overlap keeps old and new servers working")), qPrintable(v.text));
        }
        {
            // The new CA alone would strand the server still on the old certificate.
            ProbePlan plan(targets,
                           {{QStringLiteral("current"), PlanBundle::Role::Current, m_oldBundle},
                            {QStringLiteral("candidate"), PlanBundle::Role::Candidate, m_newBundle}},
                           ProbePlan::Settings{});
            QSignalSpy done(&plan, &ProbePlan::finished);
            plan.start();
            QVERIFY(done.wait(15000));
            const PlanVerdict v = plan.verdict();
            QCOMPARE(v.kind, PlanVerdict::Kind::CandidateFails);
            const QString oldAddress = targets[0].address();
            QVERIFY2(v.text.contains(QStringLiteral("candidate fails at ") + oldAddress), qPrintable(v.text));
            QVERIFY2(v.text.contains(QLatin1String("would break")), qPrintable(v.text));
        }
    }

    // The server re-reads its certificate from disk: rotate it in place, as an operator would.
    void serverRotatesCertificateOnDisk()
    {
        GrpcTestServer server;
        const QStringList args = tlsArgs(QStringLiteral("rotating"), m_old.leaf, m_old.intermediate);
        QVERIFY(server.start(args + QStringList{QStringLiteral("--refresh-secs"), QStringLiteral("1")}));
        const ProbeTarget t = local(server.port());
        QVERIFY(runProbe(t, m_oldBundle).ok);
        QVERIFY(!runProbe(t, m_newBundle).ok);

        QVERIFY(writeAtomically(args[1], m_new.leaf.pem() + m_new.intermediate.pem()));
        QVERIFY(writeAtomically(args[3], m_new.leaf.keyPem()));
        // The overlap bundle keeps passing throughout; wait (bounded) until the new leaf is served.
        ProbeResult r;
        QTRY_VERIFY_WITH_TIMEOUT((r = runProbe(t, m_overlapBundle), r.ok && !r.peerChain.isEmpty()
                                  && r.peerChain.first() == cert(m_new.leaf)),
                                 10000);
        QCOMPARE(r.anchor, cert(m_new.root));
        QVERIFY(runProbe(t, m_newBundle).ok);
        const ProbeResult old = runProbe(t, m_oldBundle);
        QVERIFY(!old.ok);
        QCOMPARE(old.stage, ProbeResult::Stage::Tls);
    }

    void expiredServerCertificate()
    {
        CertSpec spec;
        spec.commonName = QStringLiteral("localhost");
        spec.notBefore = kNow - 30 * kSecondsPerDay;
        spec.notAfter = kNow - kSecondsPerDay;
        spec.extendedKeyUsage = {QStringLiteral("serverAuth")};
        spec.subjectAltNames = {QStringLiteral("DNS:localhost"), QStringLiteral("IP:127.0.0.1")};
        const Issued expired = leafFrom(m_old, spec);
        QVERIFY(expired.cert);
        GrpcTestServer server;
        QVERIFY(server.start(tlsArgs(QStringLiteral("expired"), expired, m_old.intermediate)));
        const ProbeResult r = runProbe(local(server.port()), m_oldBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Tls);
        bool found = false;
        for (const ProbeVerifyError& e : r.verifyErrors) {
            if (e.kind == QLatin1String("expired")) {
                found = true;
                QCOMPARE(e.sha256, cert(expired).info().sha256Hex());
                QVERIFY2(e.message.contains(QLatin1String("expired on ")), qPrintable(e.message));
            }
        }
        QVERIFY2(found, qPrintable(r.error));
    }

    void hostnameMismatchAndServerNameOverride()
    {
        CertSpec spec;
        spec.commonName = QStringLiteral("payments.internal.example");
        spec.notBefore = kNow - kSecondsPerDay;
        spec.notAfter = kNow + 30 * kSecondsPerDay;
        spec.extendedKeyUsage = {QStringLiteral("serverAuth")};
        spec.subjectAltNames = {QStringLiteral("DNS:payments.internal.example")};
        const Issued named = leafFrom(m_old, spec);
        const QString log = path(QStringLiteral("named.jsonl"));
        GrpcTestServer server;
        QVERIFY(server.start(tlsArgs(QStringLiteral("named"), named, m_old.intermediate)
                             + QStringList{QStringLiteral("--metadata-log"), log}));

        ProbeTarget byIp = local(server.port());
        const ProbeResult mismatch = runProbe(byIp, m_oldBundle);
        QVERIFY(!mismatch.ok);
        QCOMPARE(mismatch.stage, ProbeResult::Stage::Tls);
        QCOMPARE(mismatch.verifyErrors.size(), 1); // trusted chain: only the name is wrong
        QCOMPARE(mismatch.verifyErrors.first().kind, QStringLiteral("hostname-mismatch"));
        QCOMPARE(mismatch.verifyErrors.first().sha256, cert(named).info().sha256Hex());
        QVERIFY2(mismatch.error.contains(QLatin1String("'127.0.0.1'"))
                     && mismatch.error.contains(QLatin1String("DNS:payments.internal.example")),
                 qPrintable(mismatch.error));

        byIp.serverName = QStringLiteral("payments.internal.example");
        const ProbeResult overridden = runProbe(byIp, m_oldBundle);
        QVERIFY2(overridden.ok, qPrintable(describe(overridden)));
        QCOMPARE(overridden.peerChain.first(), cert(named));
        // The server saw the name as :authority too (what a virtual-hosting proxy routes on).
        const QList<QJsonObject> lines = metadataLines(log);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines[0][QLatin1String("authority")].toString(),
                 QStringLiteral("payments.internal.example:%1").arg(server.port()));
        QCOMPARE(lines[0][QLatin1String("x-certrotor-probe-id")].toString(), overridden.probeId);

        byIp.serverName = QStringLiteral("billing.internal.example");
        const ProbeResult wrongName = runProbe(byIp, m_oldBundle);
        QVERIFY(!wrongName.ok);
        QVERIFY2(wrongName.error.contains(QLatin1String("'billing.internal.example'")), qPrintable(wrongName.error));
    }

    void servingStatusAndGrpcErrors()
    {
        GrpcTestServer server;
        QVERIFY(server.start(tlsArgs(QStringLiteral("status"), m_old.leaf, m_old.intermediate)
                             + QStringList{QStringLiteral("--status"), QStringLiteral("=NOT_SERVING"),
                                           QStringLiteral("--status"), QStringLiteral("payments=SERVING")}));
        ProbeTarget t = local(server.port());

        const ProbeResult whole = runProbe(t, m_oldBundle);
        QVERIFY(!whole.ok);
        QCOMPARE(whole.stage, ProbeResult::Stage::Serving);
        QCOMPARE(whole.servingStatus, grpcwire::ServingStatus::NotServing);
        QCOMPARE(whole.grpcStatus, 0);
        QCOMPARE(whole.anchor, cert(m_old.root)); // TLS was fine
        QVERIFY2(whole.error.contains(QLatin1String("NOT_SERVING for the server")), qPrintable(whole.error));

        t.service = QStringLiteral("payments");
        const ProbeResult payments = runProbe(t, m_oldBundle);
        QVERIFY2(payments.ok, qPrintable(describe(payments)));

        t.service = QStringLiteral("ledger");
        const ProbeResult unknown = runProbe(t, m_oldBundle);
        QVERIFY(!unknown.ok);
        QCOMPARE(unknown.stage, ProbeResult::Stage::Grpc);
        QCOMPARE(unknown.grpcStatus, 5);
        QVERIFY2(unknown.error.contains(QLatin1String("does not know health service 'ledger' (NOT_FOUND)")),
                 qPrintable(unknown.error));
        QCOMPARE(unknown.grpcMessage, QStringLiteral("unknown service"));
    }

    void serverNameOverrideReportsTheRealConnectFailure()
    {
        QTcpServer reserve;
        QVERIFY(reserve.listen(QHostAddress::LocalHost));
        ProbeTarget t = local(reserve.serverPort());
        reserve.close();
        t.serverName = QStringLiteral("payments.internal.example");
        const ProbeResult r = runProbe(t, m_oldBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Connect);
        QVERIFY2(r.error.contains(QStringLiteral("connection refused: nothing is listening on ") + t.address()),
                 qPrintable(r.error));

        t.serverName = QStringLiteral("bad name");
        const ProbeResult invalid = runProbe(t, m_oldBundle);
        QVERIFY(!invalid.ok);
        QVERIFY2(invalid.error.contains(QLatin1String("'bad name' is not a valid server name")), qPrintable(invalid.error));
    }

    void unimplementedMethod()
    {
        GrpcTestServer server;
        QVERIFY(server.start(tlsArgs(QStringLiteral("unimpl"), m_old.leaf, m_old.intermediate)
                             + QStringList{QStringLiteral("--unimplemented")}));
        const ProbeResult r = runProbe(local(server.port()), m_oldBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Grpc);
        QCOMPARE(r.grpcStatus, 12);
        QVERIFY2(r.error.contains(QLatin1String("UNIMPLEMENTED")), qPrintable(r.error));
    }

    void serverDown()
    {
        QTcpServer reserve; // a port that was free a moment ago, now closed
        QVERIFY(reserve.listen(QHostAddress::LocalHost));
        const quint16 port = reserve.serverPort();
        reserve.close();
        const ProbeResult r = runProbe(local(port), m_oldBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Connect);
        QVERIFY2(r.error.contains(QLatin1String("connection refused")), qPrintable(r.error));
        QVERIFY(r.peerChain.isEmpty());
    }

    void http11OnlyTlsServer()
    {
        QVERIFY2(!opensslPath().isEmpty(), "the openssl command line tool is required (installer/install-deps.sh)");
        const QString leaf = path(QStringLiteral("s_server-leaf.pem")), chain = path(QStringLiteral("s_server-chain.pem"));
        QVERIFY(writeAtomically(leaf, m_old.leaf.pem()));
        QVERIFY(writeAtomically(chain, m_old.intermediate.pem()));
        PeerProcess sserver;
        QVERIFY(sserver.start(opensslPath(),
                              {QStringLiteral("s_server"), QStringLiteral("-accept"), QStringLiteral("127.0.0.1:0"),
                               QStringLiteral("-www"), QStringLiteral("-cert"), leaf, QStringLiteral("-cert_chain"), chain,
                               QStringLiteral("-key"), path(QStringLiteral("old.key"))},
                              QRegularExpression(QStringLiteral("ACCEPT [^\\n]*:(\\d+)"))));
        const ProbeResult r = runProbe(local(sserver.port()), m_oldBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Alpn);
        QVERIFY(r.alpn.isEmpty());
        QVERIFY(r.verifyErrors.isEmpty()); // TLS itself was fine: the problem is HTTP/2
        QVERIFY2(r.error.contains(QLatin1String("did not agree to HTTP/2")), qPrintable(r.error));
    }

    void plaintextServer()
    {
        GrpcTestServer server; // h2c, no TLS at all
        QVERIFY(server.start({}));
        const ProbeResult r = runProbe(local(server.port()), m_oldBundle);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Tls);
        QVERIFY2(r.error.contains(QLatin1String("does not speak TLS")) || r.error.contains(QLatin1String("TLS")),
                 qPrintable(r.error));
    }

    void silentServerHitsTheDeadline()
    {
        SilentTcpServer silent; // accepts, keeps the connections open, never writes
        QVERIFY(silent.listenLocal());
        const int deadline = 400;
        const ProbeResult r = runProbe(local(silent.serverPort()), m_oldBundle, deadline);
        QVERIFY(!r.ok);
        QCOMPARE(r.stage, ProbeResult::Stage::Tls);
        QVERIFY2(r.error.contains(QLatin1String("400 ms deadline")), qPrintable(r.error));
        QVERIFY2(r.error.contains(QLatin1String("accepts TCP connections")), qPrintable(r.error));
        QVERIFY(r.timings.totalMs >= deadline); // the deadline, not an early give-up
        QVERIFY(silent.acceptedCount() > 0);
    }

    void cancelEndsProbesAndPlans()
    {
        SilentTcpServer silent;
        QVERIFY(silent.listenLocal());
        const ProbeTarget t = local(silent.serverPort());
        ProbeOptions options;
        options.bundle = m_oldBundle;
        options.timeoutMs = 20000;
        GrpcProbe probe(t, options);
        QSignalSpy finished(&probe, &GrpcProbe::finished);
        probe.start();
        QTRY_VERIFY_WITH_TIMEOUT(silent.acceptedCount() > 0, 10000);
        probe.cancel();
        QVERIFY(finished.size() == 1 || finished.wait(5000));
        QCOMPARE(finished.size(), 1);
        QVERIFY(!probe.result().ok);
        QVERIFY(probe.result().cancelled);
        QCOMPARE(probe.result().error, QStringLiteral("cancelled"));
        probe.cancel(); // idempotent: no second finished()
        QCOMPARE(finished.size(), 1);

        // A plan running one probe at a time: cancel drops the queue and ends the running one.
        ProbePlan::Settings settings;
        settings.maxParallel = 1;
        settings.timeoutMs = 20000;
        ProbePlan plan({t, t, t}, {{QStringLiteral("candidate"), PlanBundle::Role::Candidate, m_oldBundle}}, settings);
        QSignalSpy done(&plan, &ProbePlan::finished);
        const qsizetype before = silent.acceptedCount();
        plan.start();
        QTRY_VERIFY_WITH_TIMEOUT(silent.acceptedCount() == before + 1, 10000);
        plan.cancel();
        QVERIFY(done.size() == 1 || done.wait(5000));
        QCOMPARE(done.size(), 1);
        QCOMPARE(silent.acceptedCount(), before + 1); // the queued probes never connected
        QCOMPARE(plan.results()[0].error, QStringLiteral("cancelled"));
        QCOMPARE(plan.results()[2].error, QStringLiteral("cancelled before it started"));
        QCOMPARE(plan.verdict().kind, PlanVerdict::Kind::Incomplete); // a cancelled probe proves nothing
    }

    void mutualTls()
    {
        const Hierarchy clients = makeHierarchy(kNow, QStringLiteral("Clients"));
        const Hierarchy strangers = makeHierarchy(kNow, QStringLiteral("Strangers"));
        CertSpec spec;
        spec.commonName = QStringLiteral("certrotor-probe");
        spec.notBefore = kNow - kSecondsPerDay;
        spec.notAfter = kNow + 30 * kSecondsPerDay;
        spec.extendedKeyUsage = {QStringLiteral("clientAuth")};
        const Issued client = leafFrom(clients, spec);
        const Issued stranger = leafFrom(strangers, spec);
        const QString clientCa = path(QStringLiteral("client-ca.pem"));
        QVERIFY(writeAtomically(clientCa, clients.root.pem()));
        const QString log = path(QStringLiteral("mtls.jsonl"));
        GrpcTestServer server;
        QVERIFY(server.start(tlsArgs(QStringLiteral("mtls"), m_old.leaf, m_old.intermediate)
                             + QStringList{QStringLiteral("--client-ca"), clientCa, QStringLiteral("--metadata-log"), log}));
        const ProbeTarget t = local(server.port());

        const ProbeResult without = runProbe(t, m_oldBundle);
        QVERIFY(!without.ok);
        QCOMPARE(without.stage, ProbeResult::Stage::Tls);
        QVERIFY2(without.error.contains(QLatin1String("client certificate")), qPrintable(without.error));

        Result<ClientIdentity> id = clientIdentityFromData(client.pem() + clients.intermediate.pem(),
                                                           QStringLiteral("client.pem"), client.keyPem(),
                                                           QStringLiteral("client.key"));
        QVERIFY(id.ok());
        const ProbeResult with = runProbe(t, m_oldBundle, 5000, id.value(), true);
        QVERIFY2(with.ok, qPrintable(describe(with)));

        Result<ClientIdentity> wrong = clientIdentityFromData(stranger.pem() + strangers.intermediate.pem(),
                                                              QStringLiteral("stranger.pem"), stranger.keyPem(),
                                                              QStringLiteral("stranger.key"));
        QVERIFY(wrong.ok());
        const ProbeResult rejected = runProbe(t, m_oldBundle, 5000, wrong.value());
        QVERIFY(!rejected.ok);
        QCOMPARE(rejected.stage, ProbeResult::Stage::Tls);
        QVERIFY2(rejected.error.contains(QLatin1String("rejected our client certificate")), qPrintable(rejected.error));

        // Only the accepted call reached the service, with the verified identity and the header.
        QList<QJsonObject> lines = metadataLines(log);
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0][QLatin1String("peer-subject")].toString().contains(QLatin1String("certrotor-probe")),
                 qPrintable(lines[0][QLatin1String("peer-subject")].toString()));
        QCOMPARE(QByteArray::fromBase64(lines[0][QLatin1String("x-client-certificate")].toString().toLatin1()),
                 client.der());
        QCOMPARE(lines[0][QLatin1String("x-certrotor-probe-id")].toString(), with.probeId);

        // The CLI with an encrypted key: the passphrase comes on stdin and never shows up anywhere.
        const QByteArray secret = "s3cret-passphrase";
        const QByteArray encryptedKey = client.encryptedKeyPem(secret);
        QVERIFY(encryptedKey.contains("ENCRYPTED PRIVATE KEY"));
        const QString keyFile = path(QStringLiteral("client-encrypted.key"));
        const QString certFile = path(QStringLiteral("client-chain.pem"));
        const QString caFile = path(QStringLiteral("mtls-server-ca.pem"));
        QVERIFY(writeAtomically(keyFile, encryptedKey));
        QVERIFY(writeAtomically(certFile, client.pem() + clients.intermediate.pem()));
        QVERIFY(writeAtomically(caFile, m_old.root.pem()));
        const QStringList args{QStringLiteral("probe"), QStringLiteral("--ca"), caFile, QStringLiteral("--cert"), certFile,
                               QStringLiteral("--key"), keyFile, QStringLiteral("--key-passphrase-stdin"), t.address()};
        ProcessResult cliOk = runCli(args, secret + "\n");
        QVERIFY2(cliOk.exitCode == 0, cliOk.out.constData());
        ProcessResult cliWrong = runCli(args, "not-the-passphrase\n");
        QCOMPARE(cliWrong.exitCode, 2);
        QVERIFY2(cliWrong.err.contains("the passphrase does not decrypt the private key"), cliWrong.err.constData());
        QVERIFY(!cliWrong.err.contains("not-the-passphrase") && !cliWrong.out.contains("not-the-passphrase"));
        ProcessResult cliNone = runCli(args.mid(0, 7) + QStringList{t.address()});
        QCOMPARE(cliNone.exitCode, 2);
        QVERIFY2(cliNone.err.contains("encrypted and no passphrase was given"), cliNone.err.constData());
        ProcessResult cliNoCert = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), caFile, t.address()});
        QCOMPARE(cliNoCert.exitCode, 1);
        QVERIFY2(cliNoCert.out.contains("requires a client certificate"), cliNoCert.out.constData());
        lines = metadataLines(log);
        QCOMPARE(lines.size(), 2); // the CLI's one accepted call
    }

    // Every call says who is calling, and the server can join its log with ours.
    void serverSeesWhoIsCalling()
    {
        QFile::remove(m_oldLog);
        const ProbeResult r = runProbe(local(m_oldServer.port()), m_oldBundle, 3000);
        QVERIFY(r.ok);
        const QList<QJsonObject> lines = metadataLines(m_oldLog);
        QCOMPARE(lines.size(), 1);
        const QJsonObject& m = lines[0];
        QCOMPARE(m[QLatin1String("user-agent")].toString(), buildinfo::userAgent());
        QVERIFY(m[QLatin1String("user-agent")].toString().startsWith(QLatin1String("certrotor/")));
        QCOMPARE(m[QLatin1String("x-client-info")].toString(), buildinfo::clientInfo());
        QVERIFY(m[QLatin1String("x-client-info")].toString().startsWith(QLatin1String("version=")));
        QCOMPARE(m[QLatin1String("x-certrotor-probe-id")].toString(), r.probeId);
        QCOMPARE(m[QLatin1String("x-certrotor-bundle-sha256")].toString(), bundleSha256(m_oldBundle));
        QVERIFY(!m.contains(QLatin1String("x-client-certificate"))); // no identity, no header
        QCOMPARE(m[QLatin1String("service")].toString(), QString());
        // grpc++ understood our grpc-timeout: its deadline is (a little under) 3 s away.
        const int remaining = m[QLatin1String("deadline-ms")].toInt(-1);
        QVERIFY2(remaining > 0 && remaining <= 3000, qPrintable(QString::number(remaining)));
    }

    void cliProbe()
    {
        const QString oldCa = path(QStringLiteral("old-ca.pem")), newCa = path(QStringLiteral("new-ca.pem"));
        QVERIFY(writeAtomically(oldCa, m_old.root.pem()));
        QVERIFY(writeAtomically(newCa, m_new.root.pem()));
        const QString oldTarget = local(m_oldServer.port()).address();
        const QString newTarget = local(m_newServer.port()).address();

        ProcessResult ok = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, QStringLiteral("--json"),
                                   oldTarget});
        QVERIFY2(ok.exitCode == 0, ok.err.constData());
        QVERIFY2(ok.err.isEmpty(), ok.err.constData()); // results go to stdout, no log noise
        const QJsonArray results = QJsonDocument::fromJson(ok.out).array();
        QCOMPARE(results.size(), 1);
        const QJsonObject o = results[0].toObject();
        QCOMPARE(o[QLatin1String("ok")].toBool(), true);
        QCOMPARE(o[QLatin1String("stage")].toString(), QStringLiteral("done"));
        QCOMPARE(o[QLatin1String("grpcStatus")].toInt(), 0);
        QCOMPARE(o[QLatin1String("servingStatus")].toString(), QStringLiteral("SERVING"));
        QCOMPARE(o[QLatin1String("alpn")].toString(), QStringLiteral("h2"));
        QVERIFY(o[QLatin1String("tlsVersion")].toString().startsWith(QLatin1String("TLSv1.")));
        QVERIFY(o[QLatin1String("verifyErrors")].toArray().isEmpty());
        QCOMPARE(o[QLatin1String("peerChain")].toArray().size(), 2);
        QCOMPARE(o[QLatin1String("peerChain")].toArray()[0].toObject()[QLatin1String("sha256")].toString(),
                 cert(m_old.leaf).info().sha256Hex());
        QCOMPARE(o[QLatin1String("anchor")].toObject()[QLatin1String("sha256")].toString(),
                 cert(m_old.root).info().sha256Hex());
        QVERIFY(o[QLatin1String("timings")].toObject()[QLatin1String("totalMs")].toDouble() > 0);
        QVERIFY(o[QLatin1String("error")].isNull());

        // Two targets, one on another CA: exit 1, and the failure is located.
        ProcessResult mixed = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, oldTarget, newTarget});
        QCOMPARE(mixed.exitCode, 1);
        QVERIFY2(mixed.out.contains(QByteArray("OK " + oldTarget.toUtf8())), mixed.out.constData());
        QVERIFY2(mixed.out.contains(QByteArray("FAILED " + newTarget.toUtf8() + " [candidate] at tls")), mixed.out.constData());
        QVERIFY(mixed.out.contains("verify: "));

        // With --current, the rotation verdict decides.
        const QString overlapCa = path(QStringLiteral("overlap-ca.pem"));
        QVERIFY(writeAtomically(overlapCa, m_new.root.pem() + m_old.root.pem()));
        ProcessResult verdict = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), overlapCa,
                                        QStringLiteral("--current"), oldCa, oldTarget, newTarget});
        QVERIFY2(verdict.exitCode == 0, verdict.out.constData());
        QVERIFY2(verdict.out.contains("verdict: overlap keeps old and new servers working"), verdict.out.constData());

        // Usage errors: exit 2, nothing probed.
        const QString garbage = path(QStringLiteral("garbage.pem"));
        QVERIFY(writeAtomically(garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"));
        const QList<QStringList> usage{
            {QStringLiteral("probe"), oldTarget},
            {QStringLiteral("probe"), QStringLiteral("--ca"), oldCa},
            {QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, QStringLiteral("no-port")},
            {QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, QStringLiteral("--timeout"), QStringLiteral("soon"),
             oldTarget},
            {QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, QStringLiteral("--cert"), oldCa, oldTarget},
            {QStringLiteral("probe"), QStringLiteral("--ca"), garbage, oldTarget},
            {QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, QStringLiteral("--servername"),
             QStringLiteral("not a name"), oldTarget},
            {QStringLiteral("probe"), QStringLiteral("--ca"), oldCa, QStringLiteral("--send-client-cert"), oldTarget},
            {QStringLiteral("probe"), QStringLiteral("--ca"), path(QStringLiteral("missing.pem")), oldTarget},
        };
        for (const QStringList& args : usage) {
            ProcessResult r = runCli(args);
            QVERIFY2(r.exitCode == 2, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(" -> ")
                                                 + QString::number(r.exitCode) + QString::fromUtf8(r.err)));
            QVERIFY(r.out.isEmpty());
            QVERIFY(!r.err.isEmpty());
        }
        ProcessResult bad = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), garbage, oldTarget});
        QVERIFY2(bad.err.contains("garbage.pem: block 1"), bad.err.constData()); // located
    }

    void cleanupTestCase()
    {
        m_oldServer.stop();
        m_newServer.stop();
    }
};

QTEST_GUILESS_MAIN(TestProbeGrpc)
#include "TestProbeGrpc.moc"
