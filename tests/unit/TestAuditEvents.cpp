// SPDX-License-Identifier: GPL-3.0-or-later
// The typed builders of the probe workflow's audit records (audit/AuditEvents.h): the shapes every
// caller writes, and the redaction of a refused target that no caller can forget.

#include "CertFactory.h"
#include "audit/AuditEvents.h"
#include "x509/BundleDiff.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();

} // namespace

class TestAuditEvents : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void redactedTargetDropsSchemeAndCredentials()
    {
        QCOMPARE(audit::redactedTarget(QStringLiteral("grpc.internal:443")), QStringLiteral("grpc.internal:443"));
        QCOMPARE(audit::redactedTarget(QStringLiteral("https://ops:s3cr3t@grpc.internal:443/x")),
                 QStringLiteral("[credentials removed]@grpc.internal:443/x"));
        QCOMPARE(audit::redactedTarget(QString(300, u'a')).size(), 200);
    }

    // The builder redacts a target in the value and in every reason, whatever the caller passed.
    void rejectedTargetIsRedactedInsideTheBuilder()
    {
        const QString raw = QStringLiteral("https://ops:s3cr3t-T0KEN@grpc.internal:443/x");
        const audit::AuditRecord r = audit::inputRejected(
            QStringLiteral("probe"), audit::InputKind::Target, QStringLiteral("target"), raw,
            { raw + QStringLiteral(": expected HOST:PORT"),
              QStringLiteral("'https://ops:s3cr3t-T0KEN@grpc.internal' is not a valid host name") });
        QCOMPARE(r.event, QStringLiteral("input-rejected"));
        QCOMPARE(r.data.keys(),
                 (QStringList { QStringLiteral("command"), QStringLiteral("errors"), QStringLiteral("input"),
                                QStringLiteral("value") }));
        QCOMPARE(r.data.value(QLatin1String("value")).toString(),
                 QStringLiteral("[credentials removed]@grpc.internal:443/x"));
        const QByteArray all = QJsonDocument(r.data).toJson();
        QVERIFY2(!all.contains("s3cr3t-T0KEN") && !all.contains("ops:"), all.constData());
        QVERIFY2(all.contains("grpc.internal"), all.constData());

        // A file keeps its path: it is what the operator must find.
        const audit::AuditRecord file = audit::inputRejected(
            QStringLiteral("console probe panel"), audit::InputKind::File, QStringLiteral("candidate file"),
            QStringLiteral("/tmp/a@b.pem"), { QStringLiteral("/tmp/a@b.pem: block 2: bad base64") });
        QCOMPARE(file.data.value(QLatin1String("value")).toString(), QStringLiteral("/tmp/a@b.pem"));
    }

    // probe-plan: one shape, bundles with their SHA-256 in order (new-first overlap != old-first).
    void probePlanShape()
    {
        const Hierarchy oldCa = makeHierarchy(kNow, QStringLiteral("Old"));
        const Hierarchy newCa = makeHierarchy(kNow, QStringLiteral("New"));
        const QList<Certificate> oldCerts { Certificate::fromDer(oldCa.root.der()).value() };
        const QList<Certificate> newCerts { Certificate::fromDer(newCa.root.der()).value() };
        const QList<PlanBundle> bundles { { QStringLiteral("current"), PlanBundle::Role::Current, oldCerts },
                                          { QStringLiteral("overlap"), PlanBundle::Role::Candidate,
                                            buildOverlap(oldCerts, newCerts).certificates } };
        ProbeResult ran;
        ran.probeId = QStringLiteral("p-1");
        const audit::AuditRecord plan = audit::probePlan(
            QStringLiteral("certrotor-cli probe"), { ProbeTarget::parse(QStringLiteral("a.example:443")).value() },
            bundles, { ran, ProbeResult() }, PlanVerdict {});
        QCOMPARE(plan.event, QStringLiteral("probe-plan"));
        QCOMPARE(plan.data.keys(),
                 (QStringList { QStringLiteral("bundles"), QStringLiteral("probeIds"), QStringLiteral("source"),
                                QStringLiteral("targets"), QStringLiteral("verdict") }));
        QCOMPARE(plan.data.value(QLatin1String("targets")).toArray(), QJsonArray { QStringLiteral("a.example:443") });
        QCOMPARE(plan.data.value(QLatin1String("probeIds")).toArray(),
                 QJsonArray { QStringLiteral("p-1") }); // one never ran
        const QJsonObject overlap = plan.data.value(QLatin1String("bundles")).toArray().at(1).toObject();
        QCOMPARE(overlap.value(QLatin1String("role")).toString(), QStringLiteral("candidate"));
        QCOMPARE(overlap.value(QLatin1String("certificates")).toInt(), 2);
        QCOMPARE(overlap.value(QLatin1String("sha256")).toString(), bundleSha256(newCerts + oldCerts));
        QVERIFY(overlap.value(QLatin1String("sha256")).toString() != bundleSha256(oldCerts + newCerts));

        QCOMPARE(audit::probe(ran).event, QStringLiteral("probe"));
        QCOMPARE(audit::probe(ran).data.value(QLatin1String("probeId")).toString(), QStringLiteral("p-1"));
    }
};

QTEST_GUILESS_MAIN(TestAuditEvents)
#include "TestAuditEvents.moc"
