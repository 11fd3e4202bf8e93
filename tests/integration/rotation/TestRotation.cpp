// SPDX-License-Identifier: GPL-3.0-or-later
// The phased rotation against real peers: two certrotor-drill-server processes serving chains from
// the old CA (switched to the new CA mid-rotation by rewriting their certificate files, which they reload
// every second), bundle files on the real filesystem, Secrets and ConfigMaps on the Kubernetes API test
// server (ConfigMaps read back with the real kubectl), the CLI, and a child driving a rotation that is
// SIGKILLed at random moments. Certificates are made at test time.
#include "CertFactory.h"
#include "KubeApiServer.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "audit/AuditLog.h"
#include "audit/AuditVerify.h"
#include "kube/KubeClient.h"
#include "probe/GrpcProbe.h"
#include "rotation/Rotation.h"
#include "x509/Bundle.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <optional>
#include <sys/stat.h>

using namespace certrotor;
using namespace certrotor::rotation;
using namespace certrotor::test;
using namespace Qt::StringLiterals;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();

QString sha(const QByteArray& b)
{
    return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex());
}

bool writeAtomically(const QString& path, const QByteArray& bytes)
{
    QSaveFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size() && f.commit();
}

/// The audit records of `event` in a log file, in order.
QList<QJsonObject> records(const QString& path, const QString& event = {})
{
    QList<QJsonObject> out;
    for (const QByteArray& line : readFile(path).split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (!o.isEmpty() && (event.isEmpty() || o.value(u"event"_s).toString() == event))
            out << o;
    }
    return out;
}

QString describe(const Outcome& o)
{
    return QString::fromUtf8(QJsonDocument(o.toJson()).toJson(QJsonDocument::Indented));
}

/// A port with nothing listening on it (bound, then closed).
quint16 closedPort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

} // namespace

class TestRotation : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    Hierarchy m_old, m_new;
    QByteArray m_oldRoot, m_newRoot;
    GrpcTestServer m_a, m_b;
    QString m_candidate;
    int m_case = 0;
    QHash<QString, bool> m_onNew; // server name -> serves a new-CA chain now

    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString target(const GrpcTestServer& s) const { return u"127.0.0.1:%1"_s.arg(s.port()); }

    /// A fresh case: its own state directory, store file and audit log.
    struct Case {
        QString dir, store, stateDir, auditPath;
    };
    Case newCase(const QByteArray& storeBytes)
    {
        Case c;
        c.dir = path(u"case-%1"_s.arg(++m_case));
        QDir().mkpath(c.dir);
        c.store = c.dir + u"/ca.pem"_s;
        c.stateDir = c.dir + u"/state"_s;
        c.auditPath = c.dir + u"/audit.jsonl"_s;
        writeFile(c.store, storeBytes);
        return c;
    }

    Rotation::Settings settingsFor(const Case& c, AuditLog* log, int deadlineMs = 20000)
    {
        Rotation::Settings s;
        s.audit = log;
        s.actor = u"test"_s;
        s.stateDir = c.stateDir;
        s.confirmDeadlineMs = deadlineMs;
        s.probe.timeoutMs = 5000;
        return s;
    }

    Rotation::Request request(const QString& store, const QStringList& targets,
                              Rotation::Mode mode = Rotation::Mode::Overlap)
    {
        Rotation::Request r;
        r.candidatePath = m_candidate;
        r.mode = mode;
        r.destinations << Rotation::DestinationSpec { store, targets, 0, {}, -1 };
        return r;
    }

    /// Serves `leaf` (chain: leaf + its intermediate) from a server's certificate files; the server picks
    /// it up within its refresh period. Waits until a probe sees the new anchor.
    bool switchServer(const QString& name, const GrpcTestServer& server, const Hierarchy& to)
    {
        CertSpec spec;
        spec.commonName = u"localhost"_s;
        spec.notBefore = kNow - 3600;
        spec.notAfter = kNow + 30 * 86400;
        spec.extendedKeyUsage = { u"serverAuth"_s };
        spec.subjectAltNames = { u"DNS:localhost"_s, u"IP:127.0.0.1"_s };
        const Issued leaf = issue(spec, makeKey(), &to.intermediate);
        m_onNew[name] = &to == &m_new;
        const QString dir = path(u"servers"_s);
        if (!writeAtomically(dir + u'/' + name + u".key"_s, leaf.keyPem())
            || !writeAtomically(dir + u'/' + name + u".pem"_s, leaf.pem() + to.intermediate.pem()))
            return false;
        const Certificate root = Certificate::fromDer(to.root.der()).value();
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000) {
            ProbeOptions o;
            o.bundle = { root };
            GrpcProbe probe(ProbeTarget { u"127.0.0.1"_s, server.port(), {}, {} }, o);
            QSignalSpy spy(&probe, &GrpcProbe::finished);
            probe.start();
            if (!probe.isFinished())
                spy.wait(10000);
            if (probe.result().ok)
                return true;
            QTest::qWait(200);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_old = makeHierarchy(kNow, u"Old"_s);
        m_new = makeHierarchy(kNow, u"New"_s);
        QVERIFY(m_old.leaf.cert && m_new.leaf.cert);
        m_oldRoot = m_old.root.pem();
        m_newRoot = m_new.root.pem();
        m_candidate = path(u"new-ca.pem"_s);
        QVERIFY(writeFile(m_candidate, m_newRoot));
        const QString servers = path(u"servers"_s);
        QDir().mkpath(servers);
        QStringList a = grpcServerTlsArgs(servers, u"a"_s, m_old.leaf, m_old.intermediate);
        QStringList b = grpcServerTlsArgs(servers, u"b"_s, m_old.leaf, m_old.intermediate);
        QVERIFY(!a.isEmpty() && !b.isEmpty());
        QVERIFY(m_a.start(a << u"--refresh-secs"_s << u"1"_s));
        QVERIFY(m_b.start(b << u"--refresh-secs"_s << u"1"_s));
    }

    void init()
    {
        // Every case starts with both servers on the old CA, whatever the case before it left.
        if (m_onNew.value(u"a"_s))
            QVERIFY(switchServer(u"a"_s, m_a, m_old));
        if (m_onNew.value(u"b"_s))
            QVERIFY(switchServer(u"b"_s, m_b, m_old));
    }

    // ---- the whole procedure on a file --------------------------------------------------------------

    void phasedRotationOnAFile()
    {
        Case c = newCase(m_oldRoot);
        QVERIFY(::chmod(QFile::encodeName(c.store).constData(), 0640) == 0);
        AuditLog log(c.auditPath);
        log.openWithoutKeyring();
        Rotation r(settingsFor(c, &log));

        // stage: preview and the gate for the overlap.
        Outcome staged = test::runRotationStep(r, [&] { r.stage(request(c.store, { target(m_a), target(m_b) })); });
        QVERIFY2(staged.ok, qPrintable(describe(staged)));
        QCOMPARE(staged.destinations.size(), 1);
        const DestinationOutcome& preview = staged.destinations.first();
        QVERIFY2(preview.violations.isEmpty(), qPrintable(describe(staged)));
        QCOMPARE(preview.certificatesBefore, 1);
        QCOMPARE(preview.certificatesAfter, 2);
        QCOMPARE(preview.added, QStringList { u"CN=New Root CA"_s });
        QVERIFY(preview.diff.unified.contains(u"+-----BEGIN CERTIFICATE-----"_s));
        QCOMPARE(preview.precondition, sha(m_oldRoot));
        QCOMPARE(readFile(c.store), m_oldRoot); // staging writes nothing
        QVERIFY(QFile::exists(RotationState::pathFor(r.state().id, c.stateDir)));

        // overlap: new first, deduplicated, the file's mode kept, a backup of what it replaced, confirmed.
        Outcome committed = test::runRotationStep(r, [&] { r.commitWave(0); });
        QVERIFY2(committed.ok, qPrintable(describe(committed)));
        const QByteArray overlap = readFile(c.store);
        QCOMPARE(overlap, m_newRoot + m_oldRoot);
        struct stat st { };
        QVERIFY(::stat(QFile::encodeName(c.store).constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, 0640u);
        const QString backup = committed.destinations.first().backup;
        QVERIFY2(!backup.isEmpty() && readFile(backup) == m_oldRoot, qPrintable(backup));
        QVERIFY(backup.contains(u"/.certrotor-backups/ca.pem/"_s));
        QCOMPARE(r.state().destinations.first().phase, Phase::Overlap);
        QVERIFY(r.state().destinations.first().confirmed);
        for (const TargetStatus& t : committed.destinations.first().targets) {
            QVERIFY2(t.ok, qPrintable(t.error));
            QCOMPARE(t.anchoredBy, u"old"_s);
            QVERIFY(t.timeToTrustMs >= 0);
        }

        // retire too early: refused, naming every target that still needs the old CA; nothing written.
        Outcome early = test::runRotationStep(r, [&] { r.retire(); });
        QVERIFY(!early.ok);
        QCOMPARE(early.code, u"policy"_s);
        QVERIFY2(!early.destinations.first().violations.isEmpty(), qPrintable(describe(early)));
        QCOMPARE(early.destinations.first().violations.first().rule, policy::needsOldCa);
        QCOMPARE(early.destinations.first().violations.first().targets, (QStringList { target(m_a), target(m_b) }));
        QCOMPARE(readFile(c.store), overlap);

        // One server moves to the new CA: confirm says so; retire still refused, naming only the other one.
        QVERIFY(switchServer(u"a"_s, m_a, m_new));
        Outcome checked = test::runRotationStep(r, [&] { r.confirm(); });
        QVERIFY2(checked.ok, qPrintable(describe(checked)));
        QCOMPARE(checked.destinations.first().targets.at(0).anchoredBy, u"new"_s);
        QCOMPARE(checked.destinations.first().targets.at(1).anchoredBy, u"old"_s);
        Outcome stillEarly = test::runRotationStep(r, [&] { r.retire(); });
        QVERIFY(!stillEarly.ok);
        QCOMPARE(stillEarly.destinations.first().violations.first().targets, QStringList { target(m_b) });

        // Both moved: retire is allowed, confirmed, anchored by the new CA.
        QVERIFY(switchServer(u"b"_s, m_b, m_new));
        Outcome retired = test::runRotationStep(r, [&] { r.retire(); });
        QVERIFY2(retired.ok, qPrintable(describe(retired)));
        QCOMPARE(readFile(c.store), m_newRoot);
        QCOMPARE(r.state().destinations.first().phase, Phase::Retired);
        for (const TargetStatus& t : retired.destinations.first().targets)
            QCOMPARE(t.anchoredBy, u"new"_s);

        // Roll back one step (to the overlap), then another (to the original), byte for byte.
        Outcome back = test::runRotationStep(r, [&] { r.rollback(); });
        QVERIFY2(back.ok, qPrintable(describe(back)));
        QCOMPARE(readFile(c.store), overlap);
        QCOMPARE(r.state().destinations.first().phase, Phase::Overlap);
        // Back to the original while the servers serve new-CA chains would cut them off: refused.
        Outcome cutOff = test::runRotationStep(r, [&] { r.rollback(); });
        QCOMPARE(cutOff.code, u"policy"_s);
        QVERIFY(!cutOff.destinations.first().violations.isEmpty());
        QCOMPARE(cutOff.destinations.first().violations.first().rule, policy::removesAnchor);
        QCOMPARE(readFile(c.store), overlap);
        QVERIFY(switchServer(u"a"_s, m_a, m_old));
        QVERIFY(switchServer(u"b"_s, m_b, m_old));
        Outcome back2 = test::runRotationStep(r, [&] { r.rollback(); });
        QVERIFY2(back2.ok, qPrintable(describe(back2)));
        QCOMPARE(readFile(c.store), m_oldRoot);
        QCOMPARE(r.state().destinations.first().phase, Phase::RolledBack);

        // Every transition is audited, in order, with fingerprints and preconditions.
        QVERIFY(log.waitForWritten(10000));
        QStringList events;
        for (const QJsonObject& rec : records(c.auditPath)) {
            const QString e = rec.value(u"event"_s).toString();
            if (e.startsWith(u"rotation-"_s) && e != u"rotation-probed"_s)
                events << e;
        }
        QCOMPARE(
            events,
            (QStringList { u"rotation-staged"_s, u"rotation-committed"_s, u"rotation-confirmed"_s,
                           u"rotation-refused"_s, u"rotation-confirmed"_s, u"rotation-refused"_s, u"rotation-retired"_s,
                           u"rotation-confirmed"_s, u"rotation-rolled-back"_s, u"rotation-confirmed"_s,
                           u"rotation-refused"_s, u"rotation-rolled-back"_s, u"rotation-confirmed"_s }));
        const QJsonObject commit = records(c.auditPath, u"rotation-committed"_s).first().value(u"data"_s).toObject();
        QCOMPARE(commit.value(u"precondition"_s).toString(), sha(m_oldRoot));
        QCOMPARE(commit.value(u"afterSha256"_s).toString(), sha(overlap));
        QCOMPARE(commit.value(u"fingerprintsAfter"_s).toArray().size(), 2);
        QCOMPARE(log.verify().ok, true);
    }

    // ---- confirmation waits for the servers ---------------------------------------------------------

    void confirmSeesTheServerSwitchAndOverrideIsAudited()
    {
        Case c = newCase(m_oldRoot);
        AuditLog log(c.auditPath);
        log.openWithoutKeyring();
        Rotation::Settings s = settingsFor(c, &log);
        Rotation r(s);
        // replace while the server still serves an old-CA chain: refused (needs-old-ca)...
        Outcome staged
            = test::runRotationStep(r, [&] { r.stage(request(c.store, { target(m_a) }, Rotation::Mode::Replace)); });
        QVERIFY2(staged.ok, qPrintable(describe(staged)));
        QVERIFY2(!staged.destinations.first().violations.isEmpty(), qPrintable(describe(staged)));
        QCOMPARE(staged.destinations.first().violations.first().rule, policy::needsOldCa);
        Outcome refused = test::runRotationStep(r, [&] { r.commitWave(0); });
        QCOMPARE(refused.code, u"policy"_s);
        QCOMPARE(readFile(c.store), m_oldRoot);
        // ...and a too-short reason does not override it.
        r.setOverrideReason(u"ok"_s);
        Outcome shortReason = test::runRotationStep(r, [&] { r.commitWave(0); });
        QCOMPARE(shortReason.code, u"policy"_s);
        QVERIFY(shortReason.message.contains(u"at least 12 characters"_s));
        QCOMPARE(readFile(c.store), m_oldRoot);

        // Overridden with a typed reason: committed; the confirm loop retries until the server switches
        // (1.5 s later), then records the time to trust.
        const QString reason = u"CHG-4711: server switches to the new CA during the window"_s;
        r.setOverrideReason(reason);
        QTimer::singleShot(1500, this, [this] { switchServer(u"a"_s, m_a, m_new); });
        Outcome committed = test::runRotationStep(r, [&] { r.commitWave(0); });
        QVERIFY2(committed.ok, qPrintable(describe(committed)));
        QVERIFY(committed.destinations.first().overridden);
        QCOMPARE(readFile(c.store), m_newRoot);
        const TargetStatus t = committed.destinations.first().targets.first();
        QVERIFY2(t.ok && t.anchoredBy == u"new"_s, qPrintable(t.error));
        QVERIFY2(t.attempts > 1, qPrintable(QString::number(t.attempts)));
        QVERIFY2(t.timeToTrustMs >= 1000, qPrintable(QString::number(t.timeToTrustMs)));
        QCOMPARE(r.state().destinations.first().phase, Phase::Replaced);

        QVERIFY(log.waitForWritten(10000));
        const QList<QJsonObject> overrides = records(c.auditPath, u"rotation-override"_s);
        QCOMPARE(overrides.size(), 1);
        QCOMPARE(overrides.first().value(u"data"_s).toObject().value(u"rule"_s).toString(), policy::needsOldCa);
        QCOMPARE(overrides.first().value(u"data"_s).toObject().value(u"reason"_s).toString(), reason);
        QCOMPARE(records(c.auditPath, u"rotation-refused"_s).size(), 2);
        const QJsonObject confirmed = records(c.auditPath, u"rotation-confirmed"_s).first().value(u"data"_s).toObject();
        QVERIFY(confirmed.value(u"targets"_s).toArray().first().toObject().value(u"timeToTrustMs"_s).toDouble()
                >= 1000);
    }

    void cancelDuringTheGateWritesNothing()
    {
        Case c = newCase(m_oldRoot);
        Rotation r(settingsFor(c, nullptr));
        QVERIFY(test::runRotationStep(r, [&] { r.stage(request(c.store, { target(m_a), target(m_b) })); }).ok);
        // Cancelled while the commit's gate probes (before any write): nothing is written, the state stays staged.
        Outcome o = test::runRotationStep(r, [&] {
            r.commitWave(0);
            QTimer::singleShot(0, &r, [&r] { r.cancel(); });
        });
        QCOMPARE(o.code, u"cancelled"_s);
        QCOMPARE(readFile(c.store), m_oldRoot);
        QCOMPARE(r.state().destinations.first().phase, Phase::Staged);
        QVERIFY(r.state().destinations.first().pending.isEmpty());
        // And the same rotation can still be committed afterwards.
        Outcome again = test::runRotationStep(r, [&] { r.commitWave(0); });
        QVERIFY2(again.ok, qPrintable(describe(again)));
        QCOMPARE(readFile(c.store), m_newRoot + m_oldRoot);
    }

    void cancelEndsAConfirmationAndKeepsTheCommit()
    {
        Case c = newCase(m_oldRoot);
        AuditLog log(c.auditPath);
        log.openWithoutKeyring();
        Rotation r(settingsFor(c, &log, 60000));
        QVERIFY(
            test::runRotationStep(r, [&] { r.stage(request(c.store, { target(m_a) }, Rotation::Mode::Replace)); }).ok);
        r.setOverrideReason(u"drill: cut the old CA off while the server still needs it"_s);
        // The server never moves: confirmation would wait the whole minute; cancelled after 1.2 s.
        QTimer::singleShot(1200, &r, [&r] { r.cancel(); });
        QElapsedTimer t;
        t.start();
        Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
        QCOMPARE(o.code, u"cancelled"_s);
        QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(readFile(c.store), m_newRoot); // the commit stays
        QCOMPARE(r.state().destinations.first().phase, Phase::Replaced);
        QVERIFY(!r.state().destinations.first().confirmed);
        QVERIFY(r.state().destinations.first().lastVerdict.contains(u"cancelled"_s));
        // And it can be rolled back: the old CA anchors the server again.
        Outcome back = test::runRotationStep(r, [&] { r.rollback(); });
        QVERIFY2(back.ok, qPrintable(describe(back)));
        QCOMPARE(readFile(c.store), m_oldRoot);
    }

    // ---- the other blocking rules ------------------------------------------------------------------

    void failingProbeAndErrorFindingsRefuse()
    {
        // A target that does not answer: probe-failed.
        {
            Case c = newCase(m_oldRoot);
            AuditLog log(c.auditPath);
            log.openWithoutKeyring();
            Rotation r(settingsFor(c, &log));
            const QString dead = u"127.0.0.1:%1"_s.arg(closedPort());
            Outcome staged = test::runRotationStep(r, [&] { r.stage(request(c.store, { target(m_a), dead })); });
            QVERIFY(staged.ok);
            QVERIFY2(!staged.destinations.first().violations.isEmpty(), qPrintable(describe(staged)));
            QCOMPARE(staged.destinations.first().violations.first().rule, policy::probeFailed);
            QCOMPARE(staged.destinations.first().violations.first().targets, QStringList { dead });
            Outcome refused = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(refused.code, u"policy"_s);
            QCOMPARE(readFile(c.store), m_oldRoot);
            QVERIFY(log.waitForWritten(10000));
            QCOMPARE(records(c.auditPath, u"rotation-refused"_s)
                         .first()
                         .value(u"data"_s)
                         .toObject()
                         .value(u"rule"_s)
                         .toString(),
                     policy::probeFailed);
        }
        // A candidate whose CA has expired: error-findings; overridden, audited with the reason.
        {
            Case c = newCase(m_oldRoot);
            CertSpec spec;
            spec.commonName = u"Expired Root CA"_s;
            spec.notBefore = kNow - 400 * 86400;
            spec.notAfter = kNow - 86400;
            spec.isCA = true;
            spec.keyUsage = { u"keyCertSign"_s, u"cRLSign"_s };
            const Issued expired = issue(spec, makeKey());
            const QString cand = c.dir + u"/expired-candidate.pem"_s;
            QVERIFY(writeFile(cand, m_newRoot + expired.pem()));
            AuditLog log(c.auditPath);
            log.openWithoutKeyring();
            Rotation r(settingsFor(c, &log));
            Rotation::Request req = request(c.store, { target(m_a) });
            req.candidatePath = cand;
            Outcome staged = test::runRotationStep(r, [&] { r.stage(req); });
            QVERIFY(staged.ok);
            QVERIFY2(!staged.destinations.first().violations.isEmpty(), qPrintable(describe(staged)));
            QCOMPARE(staged.destinations.first().violations.first().rule, policy::errorFindings);
            Outcome refused = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(refused.code, u"policy"_s);
            QCOMPARE(readFile(c.store), m_oldRoot);
            r.setOverrideReason(u"expired CA kept for an archived client, CHG-9"_s);
            Outcome done = test::runRotationStep(r, [&] { r.commitWave(0); });
            QVERIFY2(done.ok, qPrintable(describe(done)));
            QVERIFY(log.waitForWritten(10000));
            const QJsonObject o = records(c.auditPath, u"rotation-override"_s).first().value(u"data"_s).toObject();
            QCOMPARE(o.value(u"rule"_s).toString(), policy::errorFindings);
            QCOMPARE(o.value(u"reason"_s).toString(), u"expired CA kept for an archived client, CHG-9"_s);
        }
    }

    // ---- preconditions ------------------------------------------------------------------------------

    void concurrentChangesAreConflicts()
    {
        // The file changed by someone else between stage and commit.
        {
            Case c = newCase(m_oldRoot);
            AuditLog log(c.auditPath);
            log.openWithoutKeyring();
            Rotation r(settingsFor(c, &log));
            QVERIFY(test::runRotationStep(r, [&] { r.stage(request(c.store, { target(m_a) })); }).ok);
            const QByteArray theirs = m_oldRoot + m_old.intermediate.pem();
            QVERIFY(writeFile(c.store, theirs));
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(o.code, u"conflict"_s);
            QVERIFY(o.message.contains(u"changed by someone else"_s));
            QCOMPARE(readFile(c.store), theirs); // never overwritten
            QVERIFY(log.waitForWritten(10000));
            QCOMPARE(records(c.auditPath, u"rotation-conflict"_s).size(), 1);
        }
        // The candidate changed since staging.
        {
            Case c = newCase(m_oldRoot);
            const QString cand = c.dir + u"/cand.pem"_s;
            QVERIFY(writeFile(cand, m_newRoot));
            AuditLog log(c.auditPath);
            log.openWithoutKeyring();
            Rotation r(settingsFor(c, &log));
            Rotation::Request req = request(c.store, { target(m_a) });
            req.candidatePath = cand;
            QVERIFY(test::runRotationStep(r, [&] { r.stage(req); }).ok);
            QVERIFY(writeFile(cand, m_newRoot + m_new.intermediate.pem()));
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(o.code, u"conflict"_s);
            QVERIFY(o.message.contains(u"changed since it was staged"_s));
            QCOMPARE(readFile(c.store), m_oldRoot);
        }
        // --expect-sha256 pins the candidate.
        {
            Case c = newCase(m_oldRoot);
            Rotation r(settingsFor(c, nullptr));
            Rotation::Request req = request(c.store, { target(m_a) });
            req.expectSha256 = sha("something else");
            Outcome o = test::runRotationStep(r, [&] { r.stage(req); });
            QCOMPARE(o.code, u"sha256-mismatch"_s);
            req.expectSha256 = sha(m_newRoot).toUpper();
            QVERIFY(test::runRotationStep(r, [&] { r.stage(req); }).ok);
        }
        // A candidate with a bad block: a located error, nothing staged.
        {
            Case c = newCase(m_oldRoot);
            const QString cand = c.dir + u"/bad.pem"_s;
            QByteArray bad = m_newRoot;
            bad.replace(bad.indexOf('\n') + 10, 8, "!!!!!!!!");
            QVERIFY(writeFile(cand, bad));
            Rotation r(settingsFor(c, nullptr));
            Rotation::Request req = request(c.store, { target(m_a) });
            req.candidatePath = cand;
            Outcome o = test::runRotationStep(r, [&] { r.stage(req); });
            QCOMPARE(o.code, u"candidate"_s);
            QVERIFY2(o.message.contains(u"block 1, line"_s), qPrintable(o.message));
            QVERIFY(!QFile::exists(RotationState::pathFor(RotationState::idFor({ c.store }), c.stateDir)));
        }
    }

    void secretRotationKeepsOtherKeysAndDetectsConflicts()
    {
        KubeApiServer server(KubeApiServer::Options {});
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        const QString kubeconfig = path(u"kubeconfig"_s);
        QVERIFY(server.writeKubeconfig(kubeconfig));
        qputenv("KUBECONFIG", QFile::encodeName(kubeconfig));
        const QByteArray token = "not-a-ca-but-kept";
        QVERIFY(!server.putSecret(u"payments"_s, u"grpc-ca"_s, { { u"ca.crt"_s, m_oldRoot }, { u"token"_s, token } })
                     .isEmpty());
        const QString dest = u"secret://test-cert/payments/grpc-ca#ca.crt"_s;
        auto secretKey = [&](const QString& key) {
            return QByteArray::fromBase64(server.secret(u"payments"_s, u"grpc-ca"_s)
                                              .value(u"data"_s)
                                              .toObject()
                                              .value(key)
                                              .toString()
                                              .toLatin1());
        };

        Case c = newCase({});
        AuditLog log(c.auditPath);
        log.openWithoutKeyring();
        {
            // Another writer between stage and commit: 409-free conflict from the staged resourceVersion.
            Rotation r(settingsFor(c, &log));
            Outcome staged = test::runRotationStep(r, [&] { r.stage(request(dest, { target(m_a) })); });
            QVERIFY2(staged.ok, qPrintable(describe(staged)));
            QVERIFY(staged.destinations.first().notes.join(u' ').contains(u"subPath"_s));
            QVERIFY(!server
                         .putSecret(u"payments"_s, u"grpc-ca"_s,
                                    { { u"ca.crt"_s, m_oldRoot }, { u"token"_s, token }, { u"extra"_s, "x" } })
                         .isEmpty());
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(o.code, u"conflict"_s);
            QCOMPARE(secretKey(u"ca.crt"_s), m_oldRoot);
            QCOMPARE(secretKey(u"extra"_s), QByteArray("x"));
            r.discard();
        }
        {
            Rotation r(settingsFor(c, &log));
            QVERIFY(test::runRotationStep(r, [&] { r.stage(request(dest, { target(m_a) })); }).ok);
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QVERIFY2(o.ok, qPrintable(describe(o)));
            QCOMPARE(secretKey(u"ca.crt"_s), m_newRoot + m_oldRoot);
            QCOMPARE(secretKey(u"token"_s), token);
            QCOMPARE(secretKey(u"extra"_s), QByteArray("x"));
            Outcome back = test::runRotationStep(r, [&] { r.rollback(); });
            QVERIFY2(back.ok, qPrintable(describe(back)));
            QCOMPARE(secretKey(u"ca.crt"_s), m_oldRoot);
            QCOMPARE(secretKey(u"token"_s), token);
        }
        {
            // Another writer between the committer's own read and its update: the API server refuses the PUT
            // on the staged resourceVersion (409), which is a conflict, never retried.
            Rotation r(settingsFor(c, &log));
            QVERIFY(test::runRotationStep(r, [&] { r.stage(request(dest, { target(m_a) })); }).ok);
            const auto countPuts = [&server] {
                int puts = 0;
                for (const KubeApiServer::RequestRecord& rec : server.requests())
                    puts += rec.method == "PUT" ? 1 : 0;
                return puts;
            };
            const int putsBefore = countPuts();
            int gets = 0;
            const auto hook = connect(&server, &KubeApiServer::requestServed, this, [&](int) {
                const KubeApiServer::RequestRecord last = server.requests().last();
                if (last.method == "GET" && last.target.endsWith("/namespaces/payments/secrets/grpc-ca") && ++gets == 2)
                    server.putSecret(u"payments"_s, u"grpc-ca"_s,
                                     { { u"ca.crt"_s, m_oldRoot }, { u"token"_s, token }, { u"extra"_s, "racer" } });
            });
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            disconnect(hook);
            QCOMPARE(o.code, u"conflict"_s);
            QVERIFY2(o.message.contains(u"409"_s), qPrintable(o.message));
            QCOMPARE(secretKey(u"extra"_s), QByteArray("racer"));
            QCOMPARE(secretKey(u"ca.crt"_s), m_oldRoot);
            QCOMPARE(countPuts(), putsBefore + 1); // the one refused PUT: no blind retry
            r.discard();
        }
        {
            // The candidate itself from a Secret key (as a PKI team delivers it): read, pinned at staging,
            // re-read at commit — a changed candidate Secret is a conflict.
            QVERIFY(!server.putSecret(u"pki"_s, u"next-ca"_s, { { u"ca.crt"_s, m_newRoot } }).isEmpty());
            Rotation r(settingsFor(c, &log));
            Rotation::Request req = request(dest, { target(m_a) });
            req.candidatePath = u"secret://test-cert/pki/next-ca#ca.crt"_s;
            Outcome staged = test::runRotationStep(r, [&] { r.stage(req); });
            QVERIFY2(staged.ok, qPrintable(describe(staged)));
            QCOMPARE(r.state().candidateName, req.candidatePath);
            QCOMPARE(r.state().candidateSha256, sha(m_newRoot));
            QVERIFY(!server.putSecret(u"pki"_s, u"next-ca"_s, { { u"ca.crt"_s, m_newRoot + m_new.intermediate.pem() } })
                         .isEmpty());
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(o.code, u"conflict"_s);
            QVERIFY(o.message.contains(u"changed since it was staged"_s));
            QCOMPARE(secretKey(u"ca.crt"_s), m_oldRoot);
            r.discard();
        }
        // Every request carried the User-Agent and x-client-info.
        for (const KubeApiServer::RequestRecord& rec : server.requests()) {
            QVERIFY2(rec.userAgent.startsWith("certrotor"), rec.userAgent.constData());
            QVERIFY(rec.clientInfo.contains("version="));
        }
        // The token never reaches the audit log.
        QVERIFY(log.waitForWritten(10000));
        QVERIFY(!readFile(c.auditPath).contains(token));
        QVERIFY(!readFile(c.auditPath).contains(token.toBase64()));
        qunsetenv("KUBECONFIG");
    }

    void configMapRotationReadBackWithKubectl()
    {
        // A trust-manager-style target: the bundle in a ConfigMap's data (text), beside a key that must stay
        // untouched. Every read back goes through the real kubectl against the in-process API server.
        const QString kubectlPath = QStandardPaths::findExecutable(u"kubectl"_s);
        QVERIFY2(!kubectlPath.isEmpty(), "no kubectl (installer/install-deps.sh installs kubernetes-client)");
        KubeApiServer server(KubeApiServer::Options {});
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        const QString kubeconfig = path(u"kubeconfig-configmap"_s);
        QVERIFY(server.writeKubeconfig(kubeconfig));
        qputenv("KUBECONFIG", QFile::encodeName(kubeconfig));
        // kubectl talks to this very thread's server: run it without blocking the event loop.
        const auto kubectl = [&](const QStringList& args) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(u"KUBECONFIG"_s, kubeconfig);
            p.setProcessEnvironment(env);
            QSignalSpy finished(&p, &QProcess::finished);
            p.start(kubectlPath, QStringList { u"--cache-dir"_s, path(u"kubectl-cache"_s) } + args);
            ProcessResult r;
            if (!p.waitForStarted(10000))
                return r;
            r.timedOut = !finished.wait(30000);
            if (r.timedOut) {
                p.kill();
                p.waitForFinished(2000);
            }
            r.exitCode = p.exitCode();
            r.out = p.readAllStandardOutput();
            r.err = p.readAllStandardError();
            return r;
        };
        const auto jsonpath = [&](const QString& expression) {
            const ProcessResult r = kubectl({ u"get"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s,
                                              u"-o"_s, u"jsonpath="_s + expression });
            return r.exitCode == 0 ? r.out : QByteArray("kubectl failed: " + r.err);
        };
        const QString meshConfig = u"trustDomain: cluster.local\n"_s;
        QVERIFY(!server
                     .putConfigMap(u"istio-system"_s, u"trust-bundle"_s,
                                   { { u"ca.crt"_s, QString::fromLatin1(m_oldRoot) }, { u"mesh.yaml"_s, meshConfig } },
                                   {}, { { u"trust.cert-manager.io/bundle"_s, u"trust-bundle"_s } })
                     .isEmpty());
        QCOMPARE(jsonpath(u"{.data.ca\\.crt}"_s), m_oldRoot);
        const QString dest = u"configmap://test-cert/istio-system/trust-bundle#ca.crt"_s;

        Case c = newCase({});
        AuditLog log(c.auditPath);
        log.openWithoutKeyring();
        {
            // kubectl writes between stage and commit: a conflict, nothing written.
            Rotation r(settingsFor(c, &log));
            Outcome staged = test::runRotationStep(r, [&] { r.stage(request(dest, { target(m_a) })); });
            QVERIFY2(staged.ok, qPrintable(describe(staged)));
            QVERIFY(staged.destinations.first().notes.join(u' ').contains(u"ConfigMap"_s));
            const ProcessResult patch
                = kubectl({ u"patch"_s, u"configmap"_s, u"trust-bundle"_s, u"-n"_s, u"istio-system"_s, u"--type"_s,
                            u"merge"_s, u"-p"_s, uR"({"data":{"owner":"kubectl"}})"_s });
            QVERIFY2(patch.exitCode == 0, patch.err.constData());
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QCOMPARE(o.code, u"conflict"_s);
            QCOMPARE(jsonpath(u"{.data.ca\\.crt}"_s), m_oldRoot);
            r.discard();
        }
        {
            Rotation r(settingsFor(c, &log));
            QVERIFY(test::runRotationStep(r, [&] { r.stage(request(dest, { target(m_a) })); }).ok);
            Outcome o = test::runRotationStep(r, [&] { r.commitWave(0); });
            QVERIFY2(o.ok, qPrintable(describe(o)));
            // The overlap, as text in data (never moved to binaryData); the other keys untouched.
            QCOMPARE(jsonpath(u"{.data.ca\\.crt}"_s), m_newRoot + m_oldRoot);
            QCOMPARE(jsonpath(u"{.data.mesh\\.yaml}"_s), meshConfig.toUtf8());
            QCOMPARE(jsonpath(u"{.data.owner}"_s), QByteArray("kubectl"));
            QCOMPARE(jsonpath(u"{.binaryData}"_s), QByteArray());
            QCOMPARE(jsonpath(u"{.metadata.labels.trust\\.cert-manager\\.io/bundle}"_s), QByteArray("trust-bundle"));
            Outcome back = test::runRotationStep(r, [&] { r.rollback(); });
            QVERIFY2(back.ok, qPrintable(describe(back)));
            QCOMPARE(jsonpath(u"{.data.ca\\.crt}"_s), m_oldRoot);
            QCOMPARE(jsonpath(u"{.data.mesh\\.yaml}"_s), meshConfig.toUtf8());
        }
        qunsetenv("KUBECONFIG");
    }

    void configMapCommitterKeepsEachKeyWhereItIs()
    {
        KubeApiServer server(KubeApiServer::Options {});
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        const QString kubeconfig = path(u"kubeconfig-committer"_s);
        QVERIFY(server.writeKubeconfig(kubeconfig));
        qputenv("KUBECONFIG", QFile::encodeName(kubeconfig));
        const QByteArray der = QByteArray::fromHex("3082000102");
        QVERIFY(!server
                     .putConfigMap(u"mesh"_s, u"roots"_s, { { u"ca.crt"_s, QString::fromLatin1(m_oldRoot) } },
                                   { { u"root.pem"_s, m_oldRoot }, { u"other.der"_s, der } })
                     .isEmpty());
        const auto committerFor = [](const QString& spec) {
            Result<std::unique_ptr<Committer>> c = Committer::create(Destination::parse(spec).value(), {});
            return c.ok() ? std::move(c).value() : nullptr;
        };
        const auto await = [](const std::function<void(Committer::Done)>& start) {
            auto out = std::make_shared<std::optional<Result<DestinationContent>>>();
            start([out](Result<DestinationContent> r) { *out = std::move(r); });
            (void)QTest::qWaitFor([&] { return out->has_value(); }, 15000);
            return out->value_or(Result<DestinationContent>(Error { u"the test gave up waiting"_s, {}, {} }));
        };

        // A key in binaryData stays in binaryData (base64), every other key untouched.
        std::unique_ptr<Committer> binary = committerFor(u"configmap://test-cert/mesh/roots#root.pem"_s);
        QVERIFY(binary);
        Result<DestinationContent> before = await([&](Committer::Done d) { binary->read(std::move(d)); });
        QVERIFY2(before.ok(), qPrintable(before.ok() ? QString() : before.error().text()));
        QCOMPARE(before.value().bytes, m_oldRoot);
        Result<DestinationContent> written = await(
            [&](Committer::Done d) { binary->write(m_newRoot + m_oldRoot, before.value().version, std::move(d)); });
        QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().text()));
        const QJsonObject stored = server.configMap(u"mesh"_s, u"roots"_s);
        const QJsonObject binaryData = stored.value(u"binaryData"_s).toObject();
        QCOMPARE(QByteArray::fromBase64(binaryData.value(u"root.pem"_s).toString().toLatin1()), m_newRoot + m_oldRoot);
        QCOMPARE(QByteArray::fromBase64(binaryData.value(u"other.der"_s).toString().toLatin1()), der);
        QCOMPARE(stored.value(u"data"_s).toObject().value(u"ca.crt"_s).toString().toLatin1(), m_oldRoot);
        QVERIFY(!stored.value(u"data"_s).toObject().contains(u"root.pem"_s));

        // A data key holds text only: bytes that are not UTF-8 are refused, nothing written.
        std::unique_ptr<Committer> text = committerFor(u"configmap://test-cert/mesh/roots#ca.crt"_s);
        Result<DestinationContent> textBefore = await([&](Committer::Done d) { text->read(std::move(d)); });
        QVERIFY(textBefore.ok());
        Result<DestinationContent> notText = await([&](Committer::Done d) {
            text->write(QByteArray("\xff\xfe not text", 11), textBefore.value().version, std::move(d));
        });
        QVERIFY(!notText.ok());
        QCOMPARE(notText.error().code, commitcode::unusable);
        QCOMPARE(server.configMap(u"mesh"_s, u"roots"_s)
                     .value(u"metadata"_s)
                     .toObject()
                     .value(u"resourceVersion"_s)
                     .toString(),
                 textBefore.value().version);

        // A missing key and a missing ConfigMap are unusable destinations, by code.
        std::unique_ptr<Committer> noKey = committerFor(u"configmap://test-cert/mesh/roots#nope.pem"_s);
        Result<DestinationContent> missingKey = await([&](Committer::Done d) { noKey->read(std::move(d)); });
        QVERIFY(!missingKey.ok());
        QCOMPARE(missingKey.error().code, commitcode::unusable);
        std::unique_ptr<Committer> absent = committerFor(u"configmap://test-cert/mesh/nothing#ca.crt"_s);
        Result<DestinationContent> notThere = await([&](Committer::Done d) { absent->read(std::move(d)); });
        QVERIFY(!notThere.ok());
        QCOMPARE(notThere.error().code, commitcode::unusable);

        // An immutable ConfigMap can never be updated: refused before any write.
        QJsonObject frozen = server.configMap(u"mesh"_s, u"roots"_s);
        frozen.insert(u"immutable"_s, true);
        std::unique_ptr<kube::KubeClient> client(kube::KubeClient::fromKubeconfig({}).value());
        QVERIFY(await([&](Committer::Done d) {
                    client->call("PUT", u"/api/v1/namespaces/mesh/configmaps/roots"_s, {},
                                 QJsonDocument(frozen).toJson(QJsonDocument::Compact), nullptr,
                                 [d](kube::KubeResult<QJsonObject> r) {
                                     d(r.ok() ? Result<DestinationContent>(DestinationContent {})
                                              : Result<DestinationContent>(Error { r.error.message, {}, {} }));
                                 });
                }).ok());
        Result<DestinationContent> frozenBefore = await([&](Committer::Done d) { text->read(std::move(d)); });
        QVERIFY(frozenBefore.ok());
        Result<DestinationContent> refused
            = await([&](Committer::Done d) { text->write(m_newRoot, frozenBefore.value().version, std::move(d)); });
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, commitcode::unusable);
        QVERIFY2(refused.error().message.contains(u"immutable"_s), qPrintable(refused.error().message));
        qunsetenv("KUBECONFIG");
    }

    // ---- the CLI ------------------------------------------------------------------------------------

    void cliDryRunRotateStatusRetireRollback()
    {
        Case c = newCase(m_oldRoot);
        qputenv("CERTROTOR_STATE_DIR", QFile::encodeName(c.stateDir));
        const QStringList common { u"--audit-log"_s, c.auditPath, u"--yes"_s };

        // --dry-run: the bytes that would change and the verdict; nothing written, no state kept.
        ProcessResult dry = runCli(QStringList { u"rotate"_s, u"--store"_s, c.store, u"--candidate"_s, m_candidate,
                                                 u"--target"_s, target(m_a), u"--dry-run"_s }
                                   + common);
        QVERIFY2(dry.exitCode == 0, dry.err.constData());
        QVERIFY(dry.out.contains(QByteArray(QByteArray("+++ ") + QFile::encodeName(c.store))));
        QVERIFY(dry.out.contains("+-----BEGIN CERTIFICATE-----"));
        QVERIFY(dry.out.contains("the commit would be allowed"));
        QCOMPARE(readFile(c.store), m_oldRoot);
        QVERIFY(QDir(c.stateDir).entryList({ u"*.json"_s }).isEmpty());

        // replace is refused while the server serves an old-CA chain: exit 1, nothing written.
        ProcessResult replace = runCli(QStringList { u"rotate"_s, u"--store"_s, c.store, u"--candidate"_s, m_candidate,
                                                     u"--target"_s, target(m_a), u"--mode"_s, u"replace"_s }
                                       + common);
        QCOMPARE(replace.exitCode, 1);
        QVERIFY(replace.out.contains("needs-old-ca"));
        QCOMPARE(readFile(c.store), m_oldRoot);

        // On a terminal (script(1) gives it one) without --yes it asks before writing: "no" writes nothing.
        {
            const QString cmd = u"'%1' rotate --store '%2' --candidate '%3' --target %4 --audit-log '%5'"_s.arg(
                QString::fromUtf8(CERTROTOR_CLI_PATH), c.store, m_candidate, target(m_a), c.auditPath);
            ProcessResult asked = runProcess(u"script"_s, { u"-qec"_s, cmd, u"/dev/null"_s }, "no\n");
            QCOMPARE(asked.exitCode, 1);
            QVERIFY2(asked.out.contains("Type 'yes' to go on"), asked.out.constData());
            QVERIFY(asked.out.contains("nothing written (not confirmed)"));
            QCOMPARE(readFile(c.store), m_oldRoot);
            QVERIFY(QDir(c.stateDir).entryList({ u"*.json"_s }).isEmpty()); // the staged rotation was dropped
        }

        // overlap: committed and confirmed; the state is kept for a later process.
        ProcessResult rotated = runCli(QStringList { u"rotate"_s, u"--store"_s, c.store, u"--candidate"_s, m_candidate,
                                                     u"--target"_s, target(m_a), u"--json"_s }
                                       + common);
        QVERIFY2(rotated.exitCode == 0, rotated.out.constData());
        const QJsonObject j = QJsonDocument::fromJson(rotated.out).object();
        QCOMPARE(j.value(u"steps"_s).toArray().size(), 2);
        QCOMPARE(readFile(c.store), m_newRoot + m_oldRoot);

        ProcessResult status = runCli({ u"rotate"_s, u"status"_s, u"--store"_s, c.store });
        QCOMPARE(status.exitCode, 0);
        QVERIFY2(status.out.contains("phase overlap, confirmed"), status.out.constData());
        QVERIFY(status.out.contains("anchored by the old CA"));
        QVERIFY(status.out.contains("certrotor-cli retire"));

        // A second rotation over the same store is refused while this one is open.
        ProcessResult again = runCli(QStringList { u"rotate"_s, u"--store"_s, c.store, u"--candidate"_s, m_candidate,
                                                   u"--target"_s, target(m_a) }
                                     + common);
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("already open") || again.out.contains("already open"));

        // retire: refused (old-CA chain), then allowed after the switch.
        ProcessResult early
            = runCli(QStringList { u"retire"_s, u"--store"_s, c.store, u"--target"_s, target(m_a) } + common);
        QCOMPARE(early.exitCode, 1);
        QVERIFY(early.out.contains("too early to drop the old CA"));
        QVERIFY(early.out.contains(target(m_a).toUtf8()));
        QVERIFY(switchServer(u"a"_s, m_a, m_new));
        ProcessResult retired
            = runCli(QStringList { u"retire"_s, u"--store"_s, c.store, u"--target"_s, target(m_a) } + common);
        QVERIFY2(retired.exitCode == 0, retired.out.constData());
        QCOMPARE(readFile(c.store), m_newRoot);

        // rollback: back to the overlap (one step).
        ProcessResult back = runCli(QStringList { u"rollback"_s, u"--store"_s, c.store } + common);
        QVERIFY2(back.exitCode == 0, back.out.constData());
        QCOMPARE(readFile(c.store), m_newRoot + m_oldRoot);

        // Ctrl+C during a confirmation: it stops there, the commit stays (unconfirmed), exit 1, resumable.
        {
            QVERIFY(switchServer(u"a"_s, m_a, m_old)); // it moved to the new CA above
            Case k = newCase(m_oldRoot);
            QProcess cli;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(u"CERTROTOR_STATE_DIR"_s, k.stateDir);
            cli.setProcessEnvironment(env);
            cli.start(QString::fromUtf8(CERTROTOR_CLI_PATH),
                      { u"rotate"_s, u"--store"_s, k.store, u"--candidate"_s, m_candidate, u"--target"_s, target(m_a),
                        u"--mode"_s, u"replace"_s, u"--override-reason"_s, u"drill: Ctrl+C during confirmation"_s,
                        u"--confirm-deadline"_s, u"120"_s, u"--audit-log"_s, k.auditPath, u"--yes"_s });
            QVERIFY(cli.waitForStarted(5000));
            QByteArray errText;
            QTRY_VERIFY_WITH_TIMEOUT((errText += cli.readAllStandardError()).contains("do not verify yet"), 20000);
            ::kill(pid_t(cli.processId()), SIGINT);
            QVERIFY(cli.waitForFinished(15000));
            errText += cli.readAllStandardError();
            QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
            QCOMPARE(cli.exitCode(), 1);
            QVERIFY2(errText.contains("stopping"), errText.constData());
            QVERIFY(cli.readAllStandardOutput().contains("cancelled"));
            QCOMPARE(readFile(k.store), m_newRoot);
            qputenv("CERTROTOR_STATE_DIR", QFile::encodeName(k.stateDir));
            ProcessResult st = runCli({ u"rotate"_s, u"status"_s, u"--store"_s, k.store });
            QVERIFY2(st.out.contains("phase replaced, not confirmed"), st.out.constData());
            ProcessResult back
                = runCli({ u"rollback"_s, u"--store"_s, k.store, u"--audit-log"_s, k.auditPath, u"--yes"_s });
            QVERIFY2(back.exitCode == 0, back.out.constData());
            QCOMPARE(readFile(k.store), m_oldRoot);
            qputenv("CERTROTOR_STATE_DIR", QFile::encodeName(c.stateDir));
        }

        // usage errors: exit 2, said in words.
        ProcessResult noTarget = runCli({ u"rotate"_s, u"--store"_s, c.store, u"--candidate"_s, m_candidate });
        QCOMPARE(noTarget.exitCode, 2);
        QVERIFY(noTarget.err.contains("--target"));
        ProcessResult shortReason = runCli({ u"rotate"_s, u"--store"_s, c.store, u"--candidate"_s, m_candidate,
                                             u"--target"_s, target(m_a), u"--override-reason"_s, u"ok"_s });
        QCOMPARE(shortReason.exitCode, 2);

        // The audit log verifies and holds the CLI's records.
        ProcessResult verify = runCli({ u"audit"_s, u"verify"_s, u"--audit-log"_s, c.auditPath });
        QVERIFY2(verify.exitCode == 0, verify.out.constData());
        QVERIFY(!records(c.auditPath, u"rotation-retired"_s).isEmpty());
        QCOMPARE(records(c.auditPath, u"rotation-retired"_s)
                     .first()
                     .value(u"data"_s)
                     .toObject()
                     .value(u"actor"_s)
                     .toString(),
                 u"certrotor-cli"_s);
        qunsetenv("CERTROTOR_STATE_DIR");
    }

    void cliWavesStopAtTheFailingCanaryAndRollBackByteForByte()
    {
        Case c = newCase(m_oldRoot);
        qputenv("CERTROTOR_STATE_DIR", QFile::encodeName(c.stateDir));
        const QByteArray canaryOriginal = m_oldRoot + m_old.intermediate.pem(); // distinct bytes per store
        QVERIFY(writeFile(c.dir + u"/canary-a.pem"_s, canaryOriginal));
        QVERIFY(writeFile(c.dir + u"/canary-b.pem"_s, m_oldRoot));
        QVERIFY(writeFile(c.dir + u"/rest.pem"_s, m_oldRoot));
        const QString dead = u"127.0.0.1:%1"_s.arg(closedPort());
        const QByteArray plan = u"candidate: ../new-ca.pem\n"
                                "waves:\n"
                                "  - name: canary\n"
                                "    destinations:\n"
                                "      - store: canary-a.pem\n"
                                "        targets: [\"%1\"]\n"
                                "      - store: canary-b.pem\n"
                                "        targets: [\"%2\"]\n"
                                "  - name: everywhere\n"
                                "    destinations:\n"
                                "      - store: rest.pem\n"
                                "        targets: [\"%1\"]\n"_s.arg(target(m_a), dead)
                                    .toUtf8();
        QVERIFY(writeFile(c.dir + u"/plan.yaml"_s, plan));
        ProcessResult rotated = runCli({ u"rotate"_s, u"--plan"_s, c.dir + u"/plan.yaml"_s, u"--audit-log"_s,
                                         c.auditPath, u"--yes"_s, u"--timeout"_s, u"2000"_s });
        QCOMPARE(rotated.exitCode, 1);
        QVERIFY2(rotated.out.contains("probe-failed"), rotated.out.constData());
        QVERIFY(rotated.out.contains(
            QByteArray(QByteArray("certrotor-cli rollback --store ") + QFile::encodeName(c.dir + u"/canary-a.pem"_s))));
        QCOMPARE(readFile(c.dir + u"/canary-a.pem"_s), m_newRoot + canaryOriginal);
        QCOMPARE(readFile(c.dir + u"/canary-b.pem"_s), m_oldRoot);
        QCOMPARE(readFile(c.dir + u"/rest.pem"_s), m_oldRoot); // the later wave is never written
        QVERIFY(!QDir(c.dir + u"/.certrotor-backups/rest.pem"_s).exists());

        ProcessResult back = runCli(
            { u"rollback"_s, u"--store"_s, c.dir + u"/canary-a.pem"_s, u"--audit-log"_s, c.auditPath, u"--yes"_s });
        QVERIFY2(back.exitCode == 0, back.out.constData());
        QCOMPARE(readFile(c.dir + u"/canary-a.pem"_s), canaryOriginal); // byte for byte

        // A plan with a misspelt key is refused with its line.
        QVERIFY(writeFile(c.dir + u"/bad.yaml"_s,
                          "waves:\n  - name: x\n    destinations:\n      - store: a.pem\n        targtes: []\n"));
        ProcessResult bad = runCli({ u"rotate"_s, u"--plan"_s, c.dir + u"/bad.yaml"_s, u"--candidate"_s, m_candidate });
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("line 5: unknown key 'targtes'"), bad.err.constData());
        qunsetenv("CERTROTOR_STATE_DIR");
    }

    // ---- crash safety -------------------------------------------------------------------------------

    void sigkillAtRandomMomentsNeverTearsTheStore()
    {
        Case c = newCase(m_oldRoot);
        const QByteArray overlap = m_newRoot + m_oldRoot;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"CERTROTOR_STATE_DIR"_s, c.stateDir);
        const QString id = RotationState::idFor({ c.store });
        const int kills = qEnvironmentVariableIntValue("CERTROTOR_CRASH_KILLS") > 0
            ? qEnvironmentVariableIntValue("CERTROTOR_CRASH_KILLS")
            : 200;
        int cycles = 0, tornTails = 0;
        QRandomGenerator rng(20261203);
        for (int i = 0; i < kills; ++i) {
            QProcess child;
            child.setProcessEnvironment(env);
            child.start(QString::fromUtf8(CERTROTOR_TEST_ROTATION_LOOP),
                        { c.store, m_candidate, target(m_a), c.auditPath });
            QVERIFY(child.waitForStarted(5000));
            // Random moments: from the start-up to several whole commit/rollback cycles.
            QTest::qWait(int(rng.bounded(20, 260)));
            ::kill(pid_t(child.processId()), SIGKILL);
            QVERIFY(child.waitForFinished(5000));
            const QByteArray output = child.readAllStandardOutput();
            cycles += int(output.count("CYCLE"));
            QVERIFY2(child.exitStatus() == QProcess::CrashExit,
                     qPrintable(u"the loop stopped by itself: "_s + QString::fromUtf8(child.readAllStandardError())));

            // The store is exactly one complete version.
            const QByteArray now = readFile(c.store);
            QVERIFY2(now == m_oldRoot || now == overlap,
                     qPrintable(u"kill %1: the store holds %2 bytes, neither version"_s.arg(i).arg(now.size())));
            // The state file always loads (when it was written at all).
            const QString statePath = RotationState::pathFor(id, c.stateDir);
            if (QFile::exists(statePath)) {
                Result<RotationState> s = RotationState::load(statePath);
                QVERIFY2(s.ok(), s.ok() ? "" : qPrintable(s.error().text()));
            }
            // The audit log verifies, up to a torn last line that verify names as such.
            if (i % 20 == 19 || i == kills - 1) {
                const AuditVerifyReport report = verifyAuditLog(c.auditPath);
                if (!report.ok) {
                    QVERIFY2(report.problem.contains(u"last line is truncated"_s),
                             qPrintable(report.summary(c.auditPath)));
                    ++tornTails;
                }
            }
        }
        qInfo("%d kills, %d completed steps between them, %d torn audit tails", kills, cycles, tornTails);
        QVERIFY2(cycles > kills / 4, "the child hardly ever completed a step: the kills did not land mid-rotation");

        // And after the last kill the rotation resumes: status shows it, it can be driven to its end.
        qputenv("CERTROTOR_STATE_DIR", QFile::encodeName(c.stateDir));
        ProcessResult status = runCli({ u"rotate"_s, u"status"_s, u"--store"_s, c.store });
        qunsetenv("CERTROTOR_STATE_DIR");
        QVERIFY2(status.exitCode == 0, status.err.constData());
        QVERIFY2(status.out.contains(QByteArray(QByteArray("rotation ") + id.toLatin1()))
                     && status.out.contains("phase "),
                 status.out.constData());
        AuditLog log(c.auditPath);
        log.openWithoutKeyring();
        Rotation::Settings s = settingsFor(c, &log);
        Rotation r(s);
        QVERIFY(r.resume(c.store).ok());
        if (r.isBusy())
            QVERIFY(test::runRotationStep(r, [] {}).ok);
        if (r.state().destinations.first().phase == Phase::Overlap)
            QVERIFY(test::runRotationStep(r, [&] { r.rollback(); }).ok);
        QCOMPARE(readFile(c.store), m_oldRoot);
    }
};

QTEST_GUILESS_MAIN(TestRotation)
#include "TestRotation.moc"
