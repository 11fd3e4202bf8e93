// SPDX-License-Identifier: GPL-3.0-or-later
// The rotation's pure parts: the plan file, the gate's rules, the byte diff, the state file round trip,
// the atomic write and the lock.
#include "CertFactory.h"
#include "TestUtil.h"
#include "rotation/RotationPlan.h"
#include "rotation/RotationPolicy.h"
#include "rotation/RotationState.h"
#include "rotation/TextDiff.h"
#include "util/AtomicFile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace certrotor;
using namespace certrotor::rotation;
using namespace certrotor::test;
using namespace Qt::StringLiterals;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();

ProbeResult result(const QString& target, bool ok, const Certificate& anchor = {})
{
    ProbeResult r;
    r.target = ProbeTarget::parse(target).value();
    r.ok = ok;
    r.anchor = anchor;
    r.error = ok ? QString() : u"certificate verify failed"_s;
    return r;
}

} // namespace

class TestRotationUnit : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void planParsesWavesAndResolvesPaths()
    {
        const QByteArray yaml = "candidate: new.pem\n"
                                "mode: overlap\n"
                                "confirmDeadline: 60\n"
                                "waves:\n"
                                "  - name: canary\n"
                                "    destinations:\n"
                                "      - store: secret://canary/payments/grpc-ca#ca.crt\n"
                                "        targets: [\"10.0.0.7:8443;servername=ext.svc\"]\n"
                                "        confirmDeadline: 300\n"
                                "  - destinations:\n"
                                "      - store: stores/ca.pem\n"
                                "        targets: gw:443\n";
        Result<RotationPlan> p = parseRotationPlan(yaml, u"/srv/plans/rollout.yaml"_s);
        QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(p.error().text()));
        QCOMPARE(p.value().candidatePath, u"/srv/plans/new.pem"_s);
        QCOMPARE(p.value().waveNames, (QStringList { u"canary"_s, u"wave 2"_s }));
        QCOMPARE(p.value().destinations.size(), 2);
        QCOMPARE(p.value().destinations.at(0).wave, 0);
        QCOMPARE(p.value().destinations.at(0).confirmDeadlineMs, 300000);
        QCOMPARE(p.value().destinations.at(0).targets, QStringList { u"10.0.0.7:8443;servername=ext.svc"_s });
        QCOMPARE(p.value().destinations.at(1).spec, u"/srv/plans/stores/ca.pem"_s);
        QCOMPARE(p.value().destinations.at(1).wave, 1);
        QCOMPARE(p.value().destinations.at(1).confirmDeadlineMs, 60000);
    }

    void planErrorsNameTheLine_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::newRow("misspelt key") << QByteArray(
            "waves:\n  - destinations:\n      - store: a\n        targtes: [x:1]\n")
                                      << u"line 4: unknown key 'targtes'"_s;
        QTest::newRow("no waves") << QByteArray("mode: overlap\n") << u"needs 'waves:'"_s;
        QTest::newRow("bad mode") << QByteArray("mode: yolo\nwaves: []\n") << u"line 1: mode is overlap or replace"_s;
        QTest::newRow("bad target") << QByteArray(
            "waves:\n  - destinations:\n      - store: a\n        targets: [\"nope\"]\n")
                                    << u"line 4: target nope"_s;
        QTest::newRow("twice") << QByteArray("waves:\n  - destinations:\n      - store: /a\n      - store: /a\n")
                               << u"line 4: /a is named twice"_s;
        QTest::newRow("bad yaml") << QByteArray("waves: [\n") << u"line "_s;
        QTest::newRow("deadline") << QByteArray("confirmDeadline: -3\nwaves: []\n")
                                  << u"line 1: the plan: confirmDeadline takes seconds"_s;
    }
    void planErrorsNameTheLine()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, expected);
        Result<RotationPlan> p = parseRotationPlan(yaml, u"/p/plan.yaml"_s);
        QVERIFY(!p.ok());
        QVERIFY2(p.error().text().contains(expected), qPrintable(p.error().text()));
        QVERIFY(p.error().text().startsWith(u"/p/plan.yaml: "_s));
    }

    void gateRules()
    {
        const Hierarchy oldH = makeHierarchy(kNow, u"Old"_s), newH = makeHierarchy(kNow, u"New"_s);
        const Certificate oldRoot = Certificate::fromDer(oldH.root.der()).value();
        const Certificate newRoot = Certificate::fromDer(newH.root.der()).value();
        const Certificate other = Certificate::fromDer(makeHierarchy(kNow, u"Other"_s).root.der()).value();
        GateInput in;
        in.destination = u"/etc/ca.pem"_s;
        QCOMPARE(evaluateGate(in).first().rule, policy::noTargets);

        in.targets = { u"a:1"_s, u"b:1"_s };
        in.current = { result(u"a:1"_s, true, oldRoot), result(u"b:1"_s, true, other) };
        in.proposed = { result(u"a:1"_s, true, oldRoot), result(u"b:1"_s, true, other) };
        in.proposedShas = { oldRoot.info().sha256Hex(), newRoot.info().sha256Hex(), other.info().sha256Hex() };
        in.oldShas = { oldRoot.info().sha256Hex() };
        QVERIFY(evaluateGate(in).isEmpty());

        // retire while a:1 is anchored by the old CA: needs-old-ca, naming a:1 only.
        in.newOnly = true;
        in.proposedShas = { newRoot.info().sha256Hex(), other.info().sha256Hex() };
        in.proposed = { result(u"a:1"_s, false), result(u"b:1"_s, true, other) };
        QList<Violation> v = evaluateGate(in);
        QCOMPARE(v.size(), 1);
        QCOMPARE(v.first().rule, policy::needsOldCa);
        QCOMPARE(v.first().targets, QStringList { u"a:1"_s });
        QVERIFY(v.first().message.contains(u"CN=Old Root CA"_s));

        // b:1's anchor is dropped though it is no old CA of the rotation: removes-anchor.
        in.proposedShas = { newRoot.info().sha256Hex() };
        in.proposed = { result(u"a:1"_s, true, newRoot), result(u"b:1"_s, false) };
        v = evaluateGate(in);
        QCOMPARE(v.size(), 1);
        QCOMPARE(v.first().rule, policy::removesAnchor);
        QCOMPARE(v.first().targets, QStringList { u"b:1"_s });

        // a target that failed before and fails now: probe-failed; error findings too.
        in.current = {};
        in.findings = { Finding { Finding::Severity::Error, u"expired"_s, u"expired"_s, -1 } };
        v = evaluateGate(in);
        QCOMPARE(v.size(), 2);
        QCOMPARE(v.at(0).rule, policy::errorFindings);
        QCOMPARE(v.at(1).rule, policy::probeFailed);

        QVERIFY(!policy::checkOverrideReason(u"ok"_s).isEmpty());
        QVERIFY(!policy::checkOverrideReason(u"   y         "_s).isEmpty());
        QVERIFY(policy::checkOverrideReason(u"CHG-1: approved by SRE"_s).isEmpty());
    }

    void unifiedDiffShowsExactlyTheChangedLines()
    {
        const QByteArray a = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";
        const QByteArray b = "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\nEIGHT\n";
        const TextDiff d = unifiedDiff(a, b, u"a"_s, u"b"_s);
        QCOMPARE(d.added, 2);
        QCOMPARE(d.removed, 1);
        QVERIFY(d.unified.startsWith(u"--- a\n+++ b\n"_s));
        QVERIFY(d.unified.contains(u"+zero\n"_s));
        QVERIFY(d.unified.contains(u"-eight\n+EIGHT\n"_s));
        // Two hunks (lines 1-3 and 5-8 of the old text, 3 lines of context): line 4 is in neither.
        QCOMPARE(d.unified.count(u"\n@@ -"_s), 2);
        QVERIFY(!d.unified.contains(u" four\n"_s));
        QVERIFY(unifiedDiff(a, a, u"a"_s, u"b"_s).unified.isEmpty());
    }

    void stateRoundTripsAndLocks()
    {
        QTemporaryDir dir;
        RotationState s;
        s.id = RotationState::idFor({ u"/b"_s, u"/a"_s });
        QCOMPARE(s.id, RotationState::idFor({ u"/a"_s, u"/b"_s }));
        s.mode = u"overlap"_s;
        s.candidateSha256 = u"ab"_s;
        s.newBytes = "new\n";
        DestinationState d;
        d.id = u"/a"_s;
        d.originalBytes = "old\n";
        d.overlapBytes = "new\nold\n";
        d.phase = Phase::Overlap;
        d.history
            = { CommittedVersion { u"original"_s, u"1"_s, u"1"_s, true, {}, QDateTime::currentDateTimeUtc() },
                CommittedVersion { u"overlap"_s, u"2"_s, u"2"_s, true, u"/bk"_s, QDateTime::currentDateTimeUtc() } };
        d.pending = QJsonObject { { u"label"_s, u"new"_s } };
        s.destinations << d;
        const QString path = RotationState::pathFor(s.id, dir.path());
        QVERIFY(s.save(path).ok());
        struct stat st { };
        QVERIFY(::stat(QFile::encodeName(path).constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        Result<RotationState> back = RotationState::load(path);
        QVERIFY(back.ok());
        QCOMPARE(back.value().destinations.first().overlapBytes, d.overlapBytes);
        QCOMPARE(back.value().destinations.first().history.last().backup, u"/bk"_s);
        QCOMPARE(back.value().destinations.first().phase, Phase::Overlap);
        QVERIFY(!back.value().isClosed()); // a pending write keeps it open
        QVERIFY(RotationState::findOpen(u"/a"_s, dir.path()).ok());
        QVERIFY(!RotationState::findOpen(u"/c"_s, dir.path()).ok());

        // A damaged state file is named, never skipped.
        QVERIFY(writeFile(dir.filePath(u"broken.json"_s), "{\"id\": "));
        int errors = 0;
        for (const Result<RotationState>& r : RotationState::loadAll(dir.path()))
            errors += r.ok() ? 0 : 1;
        QCOMPARE(errors, 1);

        // The lock: one holder at a time, who it is in the refusal.
        Result<FileLock> first = FileLock::tryLock(RotationState::lockPathFor(s.id, dir.path()));
        QVERIFY(first.ok());
        Result<FileLock> second = FileLock::tryLock(RotationState::lockPathFor(s.id, dir.path()));
        QVERIFY(!second.ok());
        QCOMPARE(second.error().code, u"locked"_s);
        // Who holds it is found without taking it (rotate status must never make a retire fail).
        QCOMPARE(FileLock::holder(RotationState::lockPathFor(s.id, dir.path())),
                 u"held by pid %1"_s.arg(QCoreApplication::applicationPid()));
        first.value().unlock();
        QCOMPARE(FileLock::holder(RotationState::lockPathFor(s.id, dir.path())), QString());
        QVERIFY(FileLock::tryLock(RotationState::lockPathFor(s.id, dir.path())).ok());
    }

    void atomicWriteKeepsModeAndLeavesNoTemporary()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"ca.pem"_s);
        QVERIFY(writeFile(path, "old"));
        QVERIFY(::chmod(QFile::encodeName(path).constData(), 0604) == 0);
        QVERIFY(atomicWriteFile(path, "new").ok());
        QCOMPARE(readFile(path), QByteArray("new"));
        struct stat st { };
        QVERIFY(::stat(QFile::encodeName(path).constData(), &st) == 0);
        QCOMPARE(st.st_mode & 0777, 0604u);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList { u"ca.pem"_s });
        // A directory that cannot be written: an error naming the path, the file untouched.
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0500) == 0);
        if (::geteuid() != 0) { // root writes anyway
            Result<std::monostate> r = atomicWriteFile(path, "newer");
            QVERIFY(!r.ok());
            QVERIFY(r.error().text().contains(dir.path()));
            QCOMPARE(readFile(path), QByteArray("new"));
        }
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0700) == 0);
    }
};

QTEST_GUILESS_MAIN(TestRotationUnit)
#include "TestRotationUnit.moc"
