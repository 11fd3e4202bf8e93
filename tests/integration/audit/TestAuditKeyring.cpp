// SPDX-License-Identifier: GPL-3.0-or-later
// The audit log with the real Secret Service (with-keyring.sh) and end to end through certrotor-cli:
// the HMAC key is made once and kept in the keyring (never in the log), concurrent processes keep one
// keyed chain, `probe` against the real grpc++ server (mTLS, an encrypted client key) records the probe
// id the server saw and the plan's verdict, refused input is recorded with its located error, a log that
// cannot be written turns a passing probe into exit 3, and `audit verify/show/export` work on the result.
// Nothing secret (passphrase, key material, the audit key) ever reaches the log or the exports.
#include "CertFactory.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "audit/AuditLog.h"
#include "audit/AuditVerify.h"
#include "keyring/Keyring.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();
const QByteArray kPassphrase = "Audit-Test-Passphrase-73";
const QByteArray kWrong = "Wrong-Audit-Passphrase-19";

/// The audit key as the keyring holds it (in this process, on the CLI's session bus).
std::optional<QByteArray> storedKey()
{
    Keyring keyring;
    std::optional<Result<std::optional<QByteArray>>> outcome;
    QEventLoop loop;
    keyring.read(audit::keyAccount(), [&](Result<std::optional<QByteArray>> r) {
        outcome.emplace(std::move(r));
        loop.quit();
    });
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    if (!outcome)
        loop.exec();
    if (!outcome || !outcome->ok())
        return std::nullopt;
    return outcome->value();
}

/// Stores `key` as the audit key, or removes it (nullopt); true when the keyring did.
bool setStoredKey(const std::optional<QByteArray>& key)
{
    Keyring keyring;
    std::optional<bool> done;
    QEventLoop loop;
    if (key) {
        keyring.write(audit::keyAccount(), *key, [&](Result<std::monostate> r) {
            done = r.ok();
            loop.quit();
        });
    } else {
        keyring.remove(audit::keyAccount(), [&](Result<bool> r) {
            done = r.ok();
            loop.quit();
        });
    }
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    if (!done)
        loop.exec();
    return done.value_or(false);
}

QList<QJsonObject> jsonLines(const QString& path)
{
    QList<QJsonObject> out;
    for (const QByteArray& line : readFile(path).split('\n')) {
        if (!line.trimmed().isEmpty())
            out << QJsonDocument::fromJson(line).object();
    }
    return out;
}

QList<QJsonObject> recordsOf(const QString& path, const QString& event)
{
    QList<QJsonObject> out;
    for (const QJsonObject& o : jsonLines(path)) {
        if (o[QLatin1String("event")].toString() == event)
            out << o;
    }
    return out;
}

} // namespace

class TestAuditKeyring : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    GrpcTestServer m_server;
    QString m_caFile, m_certFile, m_keyFile, m_metadataLog, m_log;
    QByteArray m_encryptedKey, m_plainKey;

    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString target() const { return QStringLiteral("127.0.0.1:%1").arg(m_server.port()); }

    QStringList probeArgs(const QString& ca, const QString& log) const
    {
        return {QStringLiteral("probe"), QStringLiteral("--ca"), ca, QStringLiteral("--cert"), m_certFile,
                QStringLiteral("--key"), m_keyFile, QStringLiteral("--key-passphrase-stdin"),
                QStringLiteral("--audit-log"), log, target()};
    }

    /// Nothing secret in `bytes`: no passphrase, no key material, no audit key.
    void checkNoSecrets(const QByteArray& bytes)
    {
        QVERIFY(!bytes.contains(kPassphrase));
        QVERIFY(!bytes.contains(kWrong));
        QVERIFY(!bytes.contains("PRIVATE KEY"));
        const QList<QByteArray> keyLines = QByteArray(m_encryptedKey + m_plainKey).split('\n');
        for (const QByteArray& line : keyLines) {
            if (line.size() >= 32 && !line.startsWith("-----"))
                QVERIFY2(!bytes.contains(line), "key material in the log");
        }
        const std::optional<QByteArray> key = storedKey();
        QVERIFY(key.has_value() && key->size() == 32);
        QVERIFY(!bytes.contains(*key));
        QVERIFY(!bytes.contains(key->toHex()));
        QVERIFY(!bytes.contains(key->toBase64()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "run through with-keyring.sh (ctest does): no session bus");
        const MtlsFiles files = writeMtlsFiles(m_dir.path(), kNow, kPassphrase);
        QVERIFY(files.ok);
        m_caFile = files.serverCa;
        m_certFile = files.clientCert;
        m_keyFile = files.encryptedKey;
        m_encryptedKey = files.encryptedKeyPem;
        m_plainKey = files.plainKeyPem;
        m_metadataLog = path(QStringLiteral("server-metadata.jsonl"));
        m_log = path(QStringLiteral("audit/audit.jsonl"));
        QVERIFY(m_server.start(files.serverArgs + QStringList{QStringLiteral("--metadata-log"), m_metadataLog}));
    }

    void hmacKeyIsMadeOnceAndKeptInTheKeyring()
    {
        QVERIFY(!storedKey().has_value()); // a fresh keyring
        const QString log = path(QStringLiteral("keyed.jsonl"));
        {
            AuditLog first(log);
            QSignalSpy ready(&first, &AuditLog::ready);
            first.open();
            QVERIFY(first.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), 1}}).ok()); // before the key
            QVERIFY(ready.wait(15000));
            QCOMPARE(first.macAlg(), QStringLiteral("hmac-sha256"));
            QVERIFY(first.fallbackReason().isEmpty());
            QVERIFY(first.waitForWritten());
        }
        const std::optional<QByteArray> key = storedKey();
        QVERIFY(key.has_value());
        QCOMPARE(key->size(), 32);
        {
            AuditLog second(log); // finds the same key
            QSignalSpy ready(&second, &AuditLog::ready);
            second.open();
            QVERIFY(ready.wait(15000));
            QVERIFY(second.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), 2}}).ok());
            QVERIFY(second.waitForWritten());
            QVERIFY(second.errors().isEmpty());
        }
        QCOMPARE(storedKey(), key);
        const AuditVerifyReport report = verifyAuditLog(log, *key);
        QVERIFY2(report.ok, qPrintable(report.summary(log)));
        QCOMPARE(report.hmacRecords, 2);
        QVERIFY(!report.structuralOnly);
        QVERIFY(!verifyAuditLog(log, QByteArray(32, 'x')).ok); // the MACs really depend on the key
        const QByteArray bytes = readFile(log);
        QVERIFY(!bytes.contains(*key) && !bytes.contains(key->toHex()) && !bytes.contains(key->toBase64()));
    }

    void concurrentProcessesKeepOneKeyedChain()
    {
        const QString log = path(QStringLiteral("concurrent.jsonl"));
        QProcess a, b;
        const QString helper = QStringLiteral(CERTROTOR_TEST_AUDIT_APPEND);
        a.start(helper, {log, QStringLiteral("40"), QStringLiteral("--keyring")});
        b.start(helper, {log, QStringLiteral("40"), QStringLiteral("--keyring")});
        QVERIFY(a.waitForFinished(20000) && b.waitForFinished(20000));
        QVERIFY2(a.exitCode() == 0, a.readAllStandardError().constData());
        QVERIFY2(b.exitCode() == 0, b.readAllStandardError().constData());
        QCOMPARE(a.readAllStandardOutput().trimmed(), QByteArray("hmac-sha256"));
        const AuditVerifyReport report = verifyAuditLog(log, storedKey());
        QVERIFY2(report.ok, qPrintable(report.summary(log)));
        QCOMPARE(report.records, 80);
        QCOMPARE(report.hmacRecords, 80);
    }

    void probeRecordsTheIdTheServerSaw()
    {
        const ProcessResult r = runCli(probeArgs(m_caFile, m_log), kPassphrase + '\n');
        QVERIFY2(r.exitCode == 0, QByteArray(r.err + r.out).constData());
        const QList<QJsonObject> seen = jsonLines(m_metadataLog);
        QCOMPARE(seen.size(), 1);
        const QString serverId = seen[0][QLatin1String("x-certrotor-probe-id")].toString();
        QVERIFY(!serverId.isEmpty());
        QVERIFY(!seen[0][QLatin1String("peer-subject")].toString().isEmpty()); // mTLS with the decrypted key

        const QList<QJsonObject> probes = recordsOf(m_log, QStringLiteral("probe"));
        QCOMPARE(probes.size(), 1);
        const QJsonObject data = probes[0][QLatin1String("data")].toObject();
        QCOMPARE(data[QLatin1String("probeId")].toString(), serverId);
        QCOMPARE(data[QLatin1String("target")].toString(), target());
        QCOMPARE(data[QLatin1String("ok")].toBool(), true);
        QCOMPARE(data[QLatin1String("bundleSha256")].toString(), seen[0][QLatin1String("x-certrotor-bundle-sha256")].toString());
        QCOMPARE(probes[0][QLatin1String("macAlg")].toString(), QStringLiteral("hmac-sha256"));

        const QList<QJsonObject> plans = recordsOf(m_log, QStringLiteral("probe-plan"));
        QCOMPARE(plans.size(), 1);
        const QJsonObject plan = plans[0][QLatin1String("data")].toObject();
        QCOMPARE(plan[QLatin1String("verdict")].toObject()[QLatin1String("kind")].toString(), QStringLiteral("candidate-works"));
        QVERIFY(!plan[QLatin1String("verdict")].toObject()[QLatin1String("text")].toString().isEmpty());
        QCOMPARE(plan[QLatin1String("probeIds")].toArray(), QJsonArray{serverId});
        QCOMPARE(plans[0][QLatin1String("seq")].toInt(), probes[0][QLatin1String("seq")].toInt() + 1);
        checkNoSecrets(readFile(m_log));
    }

    void refusedInputIsRecorded()
    {
        const QString garbage = path(QStringLiteral("garbage.pem"));
        QVERIFY(writeFile(garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"));
        const ProcessResult bad = runCli(probeArgs(garbage, m_log), kPassphrase + '\n');
        QCOMPARE(bad.exitCode, 2);
        // A wrong passphrase for the client key is refused input too; the passphrase is not recorded.
        const ProcessResult wrong = runCli(probeArgs(m_caFile, m_log), kWrong + '\n');
        QCOMPARE(wrong.exitCode, 2);
        const QList<QJsonObject> rejected = recordsOf(m_log, QStringLiteral("input-rejected"));
        QCOMPARE(rejected.size(), 2);
        const QJsonObject first = rejected[0][QLatin1String("data")].toObject();
        QCOMPARE(first[QLatin1String("input")].toString(), QStringLiteral("--ca"));
        QCOMPARE(first[QLatin1String("value")].toString(), garbage);
        const QString errors = QString::fromUtf8(QJsonDocument(first[QLatin1String("errors")].toArray()).toJson());
        QVERIFY2(errors.contains(QLatin1String("garbage.pem: block 1")), qPrintable(errors)); // located
        QVERIFY(!readFile(m_log).contains("not base64")); // never the file's contents
        QCOMPARE(rejected[1][QLatin1String("data")].toObject()[QLatin1String("input")].toString(), QStringLiteral("--cert/--key"));
        QCOMPARE(jsonLines(m_metadataLog).size(), 1); // nothing was probed
        checkNoSecrets(readFile(m_log));
        QVERIFY(verifyAuditLog(m_log, storedKey()).ok);
    }

    void unwritableLogFailsAPassingProbe()
    {
        const QString blocker = path(QStringLiteral("not-a-directory"));
        QVERIFY(writeFile(blocker, "x"));
        const QString log = blocker + QStringLiteral("/audit.jsonl");
        const ProcessResult passed = runCli(probeArgs(m_caFile, log), kPassphrase + '\n');
        QCOMPARE(passed.exitCode, 3);
        QVERIFY2(passed.err.contains("audit log"), passed.err.constData());
        QVERIFY(passed.out.contains("OK "));
        // A failing probe keeps its own exit code; the audit error is still reported.
        const QString wrongCa = path(QStringLiteral("wrong-ca.pem"));
        QVERIFY(writeFile(wrongCa, makeHierarchy(kNow, QStringLiteral("Stranger")).root.pem()));
        const ProcessResult failed = runCli(probeArgs(wrongCa, log), kPassphrase + '\n');
        QCOMPARE(failed.exitCode, 1);
        QVERIFY(failed.err.contains("audit log"));
    }

    void auditCommands()
    {
        const QString serverId = jsonLines(m_metadataLog).value(0)[QLatin1String("x-certrotor-probe-id")].toString();
        QVERIFY(!serverId.isEmpty());
        const QStringList logArg{QStringLiteral("--audit-log"), m_log};

        const ProcessResult verify = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("verify")} + logArg);
        QVERIFY2(verify.exitCode == 0, QByteArray(verify.out + verify.err).constData());
        QVERIFY2(verify.out.contains("is intact: 4 record(s), 4 with HMAC-SHA256"), verify.out.constData());
        QVERIFY(!verify.out.contains("structurally"));
        const ProcessResult noKey = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("verify"),
                                                       QStringLiteral("--no-keyring")} + logArg);
        QCOMPARE(noKey.exitCode, 4); // not verified: the structure alone is not "intact"
        QVERIFY2(noKey.out.contains("not verified: 4 records are keyed (HMAC) and the key is not available; the structure "
                                    "(sequence, chain links) is intact"),
                 noKey.out.constData());
        QVERIFY(!noKey.out.contains("is intact:"));
        {
            // AuditLog::verify() asks the keyring itself when the log has no key (yet).
            AuditLog log(m_log);
            log.setKey({}, QStringLiteral("test: no key"));
            const AuditVerifyReport viaLog = log.verify();
            QVERIFY2(viaLog.verified(), qPrintable(viaLog.summary(m_log)));
            QCOMPARE(viaLog.hmacRecords, 4);
        }

        const ProcessResult show = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("show"), QStringLiteral("--event"),
                                                      QStringLiteral("probe")} + logArg);
        QCOMPARE(show.exitCode, 0);
        QCOMPARE(show.out.trimmed().split('\n').size(), 1);
        QVERIFY2(show.out.contains(serverId.toUtf8()), show.out.constData());
        const ProcessResult showJson = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("show"), QStringLiteral("--json")} + logArg);
        QCOMPARE(QJsonDocument::fromJson(showJson.out).array().size(), 4);

        const QString csvFile = path(QStringLiteral("export.csv"));
        const ProcessResult csv = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--format"),
                                                     QStringLiteral("csv"), QStringLiteral("--output"), csvFile} + logArg);
        QCOMPARE(csv.exitCode, 0);
        const QByteArray csvBytes = readFile(csvFile);
        QVERIFY(csvBytes.startsWith("seq,time,event,user,host,tool,macAlg,summary\r\n"));
        QVERIFY(csvBytes.contains(QByteArray("probeId=" + serverId.toUtf8())));
        QCOMPARE(csvBytes.count("\r\n"), 5);
        const ProcessResult json = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--format"),
                                                      QStringLiteral("json")} + logArg);
        QCOMPARE(json.exitCode, 0);
        const QJsonArray records = QJsonDocument::fromJson(json.out).array();
        QCOMPARE(records.size(), 4);
        QCOMPARE(records[0].toObject()[QLatin1String("data")].toObject()[QLatin1String("probeId")].toString(), serverId);
        checkNoSecrets(csvBytes + json.out + show.out);

        QCOMPARE(runCli(QStringList{QStringLiteral("audit"), QStringLiteral("export"), QStringLiteral("--format"),
                                    QStringLiteral("xml")} + logArg).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--audit-log"),
                         path(QStringLiteral("missing.jsonl"))}).exitCode, 2);

        // One edited byte in the probe record (line 1): verify says where, exit 1.
        QByteArray bytes = readFile(m_log);
        const qsizetype at = bytes.indexOf(serverId.toUtf8());
        QVERIFY(at > 0 && at < bytes.indexOf('\n'));
        bytes[at] = bytes[at] == 'a' ? 'b' : 'a';
        QVERIFY(writeFile(m_log, bytes));
        const ProcessResult broken = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("verify")} + logArg);
        QCOMPARE(broken.exitCode, 1);
        QVERIFY2(broken.out.contains("broken at line 1: the record was edited"), broken.out.constData());
    }

    void noNewKeyForAKeyedLogAndOneKeyOnFirstUse()
    {
        const std::optional<QByteArray> original = storedKey();
        QVERIFY(original.has_value());
        auto restore = qScopeGuard([&original] { setStoredKey(original); });

        // The keyring lost the key of a keyed log: no new key is made (it would not verify the old records
        // and would hide the loss), and appends are refused with a clear error, the file unchanged.
        QVERIFY(setStoredKey(std::nullopt));
        QVERIFY(!storedKey().has_value());
        const QByteArray before = readFile(m_log);
        {
            AuditLog log(m_log);
            QSignalSpy ready(&log, &AuditLog::ready);
            log.open();
            QVERIFY(ready.wait(15000));
            QCOMPARE(log.macAlg(), QStringLiteral("sha256"));
            QVERIFY2(log.fallbackReason().contains(QLatin1String("already has HMAC records")), qPrintable(log.fallbackReason()));
            QVERIFY(log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), 1}}).ok());
            QVERIFY(log.waitForWritten());
            QCOMPARE(log.errors().size(), 1);
            QVERIFY2(log.errors().first().contains(QLatin1String("the audit log is keyed (HMAC) but the keyring key is not available")),
                     qPrintable(log.errors().first()));
        }
        QVERIFY(!storedKey().has_value());
        QCOMPARE(readFile(m_log), before);

        // Two processes on first use, at once: one key is made and both chain with it.
        const QString log = path(QStringLiteral("first-use/audit.jsonl"));
        QProcess a, b;
        const QString helper = QStringLiteral(CERTROTOR_TEST_AUDIT_APPEND);
        a.start(helper, {log, QStringLiteral("20"), QStringLiteral("--keyring")});
        b.start(helper, {log, QStringLiteral("20"), QStringLiteral("--keyring")});
        QVERIFY(a.waitForFinished(20000) && b.waitForFinished(20000));
        QVERIFY2(a.exitCode() == 0, a.readAllStandardError().constData());
        QVERIFY2(b.exitCode() == 0, b.readAllStandardError().constData());
        QCOMPARE(a.readAllStandardOutput().trimmed(), QByteArray("hmac-sha256"));
        QCOMPARE(b.readAllStandardOutput().trimmed(), QByteArray("hmac-sha256"));
        const std::optional<QByteArray> made = storedKey();
        QVERIFY(made.has_value() && made != original);
        const AuditVerifyReport report = verifyAuditLog(log, made);
        QVERIFY2(report.verified(), qPrintable(report.summary(log)));
        QCOMPARE(report.hmacRecords, 40);
        QVERIFY(QFile::exists(path(QStringLiteral("first-use/.audit-key.lock"))));
    }

    void cleanupTestCase() { m_server.stop(); }
};

QTEST_GUILESS_MAIN(TestAuditKeyring)
#include "TestAuditKeyring.moc"
