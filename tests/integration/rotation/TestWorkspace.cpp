// SPDX-License-Identifier: GPL-3.0-or-later
// The workspace, headless: sources through its provider, the incoming analysis against the current
// store (newest delivery wins), the candidate (a chosen file wins over the incoming bundle), the audit
// handle and the resumption of open rotations from their state files.

#include "CertFactory.h"
#include "audit/AuditLog.h"
#include "rotation/Workspace.h"
#include "sources/InlineSource.h"
#include "util/Clock.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();

std::shared_ptr<const Bundle> bundleOf(const QByteArray& pem, const QString& name)
{
    return std::make_shared<const Bundle>(parseBundle(pem, name));
}

} // namespace

class TestWorkspace : public QObject {
    Q_OBJECT

    Hierarchy m_old, m_new;

private Q_SLOTS:
    void initTestCase()
    {
        m_old = makeHierarchy(kNow, QStringLiteral("Old"));
        m_new = makeHierarchy(kNow, QStringLiteral("New"));
    }

    void incomingBecomesTheCandidate()
    {
        FixedClock clock(QDateTime::fromSecsSinceEpoch(kNow, Qt::UTC));
        Workspace ws(clock);
        QSignalSpy current(&ws, &Workspace::currentStoreChanged);
        ws.setCurrentStore(bundleOf(m_old.root.pem(), QStringLiteral("old.pem")), QStringLiteral("/etc/old.pem"));
        QCOMPARE(current.size(), 1);
        QCOMPARE(current.first().first().toBool(), true);
        ws.setCurrentStore(bundleOf(m_old.root.pem(), QStringLiteral("old.pem")), QStringLiteral("/etc/old.pem"));
        QCOMPARE(current.last().first().toBool(), false); // same content: a verdict stands

        // A source that matches the store is analysed but offers nothing.
        QVERIFY(ws.addSource(new InlineSource(QStringLiteral("same"), m_old.root.pem())));
        QVERIFY(!ws.addSource(new InlineSource(QStringLiteral("same"), m_new.root.pem()))); // duplicate id, deleted
        QCOMPARE(ws.sources()->sourceIds(), QStringList { QStringLiteral("inline:same") });
        QSignalSpy analyzed(&ws, &Workspace::incomingAnalyzed);
        QSignalSpy updated(&ws, &Workspace::sourceUpdated);
        QTRY_COMPARE(updated.size(), 1);
        ws.analyzeIncoming(QStringLiteral("inline:same"));
        QVERIFY(analyzed.wait(5000));
        QVERIFY(!analyzed.first().first().value<IncomingAnalysis>().differs());
        QVERIFY(!ws.candidate().bundle);

        // One that differs becomes the candidate; the overlap is new first.
        QSignalSpy candidate(&ws, &Workspace::candidateChanged);
        QVERIFY(ws.addSource(new InlineSource(QStringLiteral("new"), m_new.root.pem())));
        QTRY_COMPARE(updated.size(), 2);
        ws.analyzeIncoming(QStringLiteral("inline:same")); // superseded by the next request: dropped
        ws.analyzeIncoming(QStringLiteral("inline:new"));
        QVERIFY(analyzed.wait(5000));
        QTest::qWait(50);
        QCOMPARE(analyzed.size(), 2);
        const IncomingAnalysis a = analyzed.last().first().value<IncomingAnalysis>();
        QCOMPARE(a.sourceId, QStringLiteral("inline:new"));
        QVERIFY(a.differs());
        QCOMPARE(a.overlap.certificates.first().info().subject.commonName, QStringLiteral("New Root CA"));
        QCOMPARE(candidate.size(), 1);
        QCOMPARE(ws.candidate().label, QStringLiteral("new"));

        // A chosen file wins until it is cleared.
        ws.setCandidateFile(bundleOf(m_old.root.pem() + m_new.root.pem(), QStringLiteral("both.pem")),
                            QStringLiteral("/tmp/both.pem"));
        QVERIFY(ws.candidateIsFile());
        QCOMPARE(ws.candidate().label, QStringLiteral("/tmp/both.pem"));
        ws.setIncomingBundle(bundleOf(m_new.root.pem() + m_new.intermediate.pem(), QStringLiteral("x")),
                             QStringLiteral("x"));
        QCOMPARE(candidate.last().first().toBool(), false); // the file still wins
        ws.clearCandidateFile();
        QCOMPARE(ws.candidate().label, QStringLiteral("x"));
        QCOMPARE(candidate.last().first().toBool(), true);
    }

    void recordsGoToTheLogOrNowhere()
    {
        FixedClock clock(QDateTime::fromSecsSinceEpoch(kNow, Qt::UTC));
        Workspace ws(clock);
        QVERIFY(ws.record(audit::probe(ProbeResult())).ok()); // no log: nothing recorded, not an error
        QTemporaryDir dir;
        AuditLog log(dir.filePath(QStringLiteral("audit.jsonl")));
        log.openWithoutKeyring();
        ws.setAuditLog(&log);
        QSignalSpy refused(&ws, &Workspace::auditRefused);
        QSignalSpy added(&log, &AuditLog::entryAdded);
        QVERIFY(
            ws.record(audit::inputRejected(QStringLiteral("probe"), audit::InputKind::Target, QStringLiteral("target"),
                                           QStringLiteral("https://u:pw@h:1"), { QStringLiteral("bad") }))
                .ok());
        QTRY_COMPARE(added.size(), 1);
        QVERIFY(!ws.record(audit::AuditRecord { {}, {} }).ok()); // no event: refused, and said
        QCOMPARE(refused.size(), 1);
    }

    // Open rotations are resumed from their state files; one that does not load is named, never skipped.
    void resumesRotationsFromState()
    {
        QTemporaryDir dir;
        FixedClock clock(QDateTime::fromSecsSinceEpoch(kNow, Qt::UTC));
        Workspace ws(clock);
        rotation::Rotation::Settings settings;
        settings.clock = &clock;
        settings.stateDir = dir.path();
        const auto resume = [&] {
            std::optional<QStringList> got;
            ws.resumeRotations(settings, [&](const QStringList& problems) { got = problems; });
            if (!QTest::qWaitFor([&] { return got.has_value(); }, 5000))
                return QStringList { QStringLiteral("resumeRotations never called back") };
            return *got;
        };
        QVERIFY(resume().isEmpty());
        QFile bad(dir.filePath(QStringLiteral("broken.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{ not json");
        bad.close();
        const QStringList problems = resume();
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(QLatin1String("broken.json")), qPrintable(problems.first()));
        QVERIFY(ws.rotations().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "TestWorkspace.moc"
