// SPDX-License-Identifier: GPL-3.0-or-later
// The audit log without a keyring: the record format, the chain and what verification finds when a
// record is edited, deleted, swapped or cut short (with its line), HMAC records checked with and without
// the key, the SHA-256 fallback when there is no session bus, the secret guard, the file's mode, exports,
// and two processes appending at once. (The real keyring: TestAuditKeyring.)
#include "TestUtil.h"
#include "audit/AuditExport.h"
#include "audit/AuditLog.h"
#include "audit/AuditVerify.h"
#include "probe/ProbeJson.h"
#include "util/Clock.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <optional>
#include <thread>

#include <QElapsedTimer>
#include <QScopeGuard>

#include <signal.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const QByteArray kKey = QByteArray(32, '\x5a');

/// Writes `count` records ({n, note: "record-<n>"}) with `key` (empty: SHA-256) and waits for them.
bool fill(const QString& path, int count, const QByteArray& key = {}, const Clock* clock = nullptr)
{
    AuditLog log(path, clock);
    log.setKey(key);
    for (int n = 1; n <= count; ++n) {
        if (!log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), n},
                                                            {QStringLiteral("note"), QStringLiteral("record-%1").arg(n)}})
                 .ok())
            return false;
    }
    return log.waitForWritten() && log.errors().isEmpty();
}

QList<QByteArray> linesOf(const QString& path)
{
    QList<QByteArray> lines = readFile(path).split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

bool writeLines(const QString& path, const QList<QByteArray>& lines, bool finalNewline = true)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QByteArray all = lines.join('\n');
    if (finalNewline)
        all += '\n';
    return f.write(all) == all.size();
}

/// A child process that holds an exclusive flock on a file until released (or 30 s).
struct LockHolder
{
    pid_t pid = -1;
    explicit LockHolder(const QString& path)
    {
        int ready[2];
        if (::pipe(ready) != 0)
            return;
        const QByteArray native = QFile::encodeName(path);
        pid = ::fork();
        if (pid == 0) {
            const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || ::flock(fd, LOCK_EX) != 0)
                ::_exit(1);
            [[maybe_unused]] const ssize_t n = ::write(ready[1], "x", 1);
            ::sleep(30);
            ::_exit(0);
        }
        ::close(ready[1]);
        char c = 0;
        if (pid < 0 || ::read(ready[0], &c, 1) != 1)
            release();
        ::close(ready[0]);
    }
    void release()
    {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        pid = -1;
    }
    ~LockHolder() { release(); }
};

} // namespace

class TestAuditLog : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;
    QString freshPath() { return m_dir.filePath(QStringLiteral("log-%1/audit.jsonl").arg(++m_n)); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")); // ctest: no session bus here
    }

    void recordShapeAndChain()
    {
        const QString path = freshPath();
        FixedClock clock(QDateTime(QDate(2026, 11, 23), QTime(10, 0, 0, 123), Qt::UTC));
        QVERIFY(fill(path, 3, {}, &clock));
        const QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 3);
        QString previous;
        for (int i = 0; i < 3; ++i) {
            const QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
            QCOMPARE(o[QLatin1String("seq")].toInteger(), i + 1);
            QCOMPARE(o[QLatin1String("time")].toString(), QStringLiteral("2026-11-23T10:00:00.123Z"));
            QCOMPARE(o[QLatin1String("event")].toString(), QStringLiteral("test"));
            QCOMPARE(o[QLatin1String("macAlg")].toString(), QStringLiteral("sha256"));
            QCOMPARE(o[QLatin1String("prev")].toString(), previous);
            QCOMPARE(o[QLatin1String("data")].toObject()[QLatin1String("n")].toInt(), i + 1);
            const QJsonObject actor = o[QLatin1String("actor")].toObject();
            QVERIFY(actor[QLatin1String("tool")].toString().startsWith(QLatin1String("certrotor/")));
            QVERIFY(!actor[QLatin1String("user")].toString().isEmpty());
            QVERIFY(!actor[QLatin1String("host")].toString().isEmpty());
            // mac = SHA-256 of the compact record without mac.
            QJsonObject withoutMac = o;
            withoutMac.remove(QLatin1String("mac"));
            const QByteArray canonical = QJsonDocument(withoutMac).toJson(QJsonDocument::Compact);
            QCOMPARE(o[QLatin1String("mac")].toString(),
                     QString::fromLatin1(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex()));
            previous = o[QLatin1String("mac")].toString();
        }
        const AuditVerifyReport report = verifyAuditLog(path);
        QVERIFY2(report.ok, qPrintable(report.summary(path)));
        QCOMPARE(report.records, 3);
        QCOMPARE(report.sha256Records, 3);
        QCOMPARE(report.lastMac, previous);
        QVERIFY(!report.structuralOnly);
    }

    void fileAndDirectoryArePrivate()
    {
        const QString path = m_dir.filePath(QStringLiteral("deep/er/audit.jsonl"));
        QVERIFY(fill(path, 1));
        struct stat st{};
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        QCOMPARE(::stat(QFile::encodeName(m_dir.filePath(QStringLiteral("deep/er"))).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0700u);
        // Appending to an existing file keeps it as it is.
        QVERIFY(fill(path, 1));
        QCOMPARE(linesOf(path).size(), 2);
        QVERIFY(verifyAuditLog(path).ok);
        // A log others could read is made private on the next append.
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
        QVERIFY(fill(path, 1));
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
    }

    void defaultPath()
    {
        qunsetenv("CERTROTOR_AUDIT_LOG");
        QVERIFY2(AuditLog::defaultPath().endsWith(QLatin1String("/certrotor/audit.jsonl")), qPrintable(AuditLog::defaultPath()));
        QVERIFY(AuditLog::defaultPath().startsWith(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)));
        qputenv("CERTROTOR_AUDIT_LOG", QFile::encodeName(m_dir.filePath(QStringLiteral("env.jsonl"))));
        QCOMPARE(AuditLog::defaultPath(), m_dir.filePath(QStringLiteral("env.jsonl")));
        QCOMPARE(AuditLog().path(), m_dir.filePath(QStringLiteral("env.jsonl")));
        qunsetenv("CERTROTOR_AUDIT_LOG");
    }

    void tamperingIsFoundWithItsLine_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("words");
        QTest::newRow("edited byte") << "edit" << 3 << "edited";
        QTest::newRow("edited, not JSON") << "break" << 3 << "not a JSON record";
        QTest::newRow("deleted line") << "delete" << 3 << "deleted";
        QTest::newRow("swapped lines") << "swap" << 2 << "reordered";
        QTest::newRow("truncated last line") << "truncate" << 5 << "truncated";
        QTest::newRow("deleted first line") << "delete-first" << 1 << "earlier records were deleted";
        QTest::newRow("edited and re-hashed") << "rehash" << 4 << "does not link";
    }

    void tamperingIsFoundWithItsLine()
    {
        QFETCH(QString, change);
        QFETCH(int, line);
        QFETCH(QString, words);
        const QString path = freshPath();
        QVERIFY(fill(path, 5));
        QVERIFY(verifyAuditLog(path).ok);
        QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 5);
        bool newline = true;
        if (change == QLatin1String("edit")) {
            QVERIFY(lines[2].contains("record-3"));
            lines[2].replace("record-3", "record-8"); // one byte
        } else if (change == QLatin1String("break")) {
            lines[2][0] = '[';
        } else if (change == QLatin1String("delete")) {
            lines.removeAt(2);
        } else if (change == QLatin1String("swap")) {
            lines.swapItemsAt(1, 2);
        } else if (change == QLatin1String("truncate")) {
            lines[4].chop(10);
            newline = false;
        } else if (change == QLatin1String("delete-first")) {
            lines.removeFirst();
        } else if (change == QLatin1String("rehash")) {
            // Anyone can recompute a plain SHA-256 record, but the next record still names the old one.
            lines[2].replace("record-3", "record-8");
            QByteArray canonical;
            QString mac;
            QVERIFY(audit::splitLine(lines[2], canonical, mac));
            lines[2] = audit::line(canonical, audit::mac(canonical, {}));
        }
        QVERIFY(writeLines(path, lines, newline));
        const AuditVerifyReport report = verifyAuditLog(path);
        QVERIFY(!report.ok);
        QCOMPARE(report.line, line);
        QVERIFY2(report.problem.contains(words), qPrintable(report.problem));
        QVERIFY2(report.summary(path).contains(QStringLiteral("line %1").arg(line)), qPrintable(report.summary(path)));
    }

    void hmacRecordsNeedTheKey()
    {
        const QString path = freshPath();
        QVERIFY(fill(path, 4, kKey));
        QCOMPARE(QJsonDocument::fromJson(linesOf(path)[0]).object()[QLatin1String("macAlg")].toString(),
                 QStringLiteral("hmac-sha256"));
        const AuditVerifyReport keyed = verifyAuditLog(path, kKey);
        QVERIFY2(keyed.ok, qPrintable(keyed.summary(path)));
        QCOMPARE(keyed.hmacRecords, 4);
        QVERIFY(!keyed.structuralOnly);

        // Without the key: the structure is intact, but the log is not verified (and never says "intact").
        const AuditVerifyReport noKey = verifyAuditLog(path);
        QVERIFY(noKey.ok);
        QVERIFY(noKey.structuralOnly);
        QVERIFY(!noKey.verified());
        QVERIFY(keyed.verified());
        QVERIFY2(noKey.summary(path).contains(QLatin1String(
                     "not verified: 4 records are keyed (HMAC) and the key is not available; the structure (sequence, "
                     "chain links) is intact")),
                 qPrintable(noKey.summary(path)));
        QVERIFY(!noKey.summary(path).contains(QLatin1String("is intact:")));
        {
            AuditLog keyless(path); // without a session bus there is no keyring to ask
            keyless.setKey({}, QStringLiteral("test: no key"));
            const AuditVerifyReport viaLog = keyless.verify();
            QVERIFY(viaLog.ok && viaLog.structuralOnly);
        }

        const AuditVerifyReport wrongKey = verifyAuditLog(path, QByteArray(32, '\x01'));
        QVERIFY(!wrongKey.ok);
        QCOMPARE(wrongKey.line, 1);
        QVERIFY(wrongKey.problem.contains(QLatin1String("HMAC does not match")));

        // An edited and re-hashed HMAC record is caught by its MAC, at its own line, with the key.
        QList<QByteArray> lines = linesOf(path);
        lines[1].replace("record-2", "record-7");
        QByteArray canonical;
        QString mac;
        QVERIFY(audit::splitLine(lines[1], canonical, mac));
        lines[1] = audit::line(canonical, audit::mac(canonical, QByteArray(32, '\x02')));
        QVERIFY(writeLines(path, lines));
        const AuditVerifyReport forged = verifyAuditLog(path, kKey);
        QVERIFY(!forged.ok);
        QCOMPARE(forged.line, 2);
        QVERIFY(!readFile(path).contains(kKey)); // the key is never written
        QVERIFY(!readFile(path).contains(kKey.toHex()));
    }

    void downgradeToSha256IsFound()
    {
        // Someone without the key rewrites the tail of a keyed log as SHA-256 records and recomputes the
        // chain to the end: every link and every SHA-256 matches, yet the downgrade is found at its line.
        const QString path = freshPath();
        QVERIFY(fill(path, 5, kKey));
        QList<QByteArray> lines = linesOf(path);
        QString prev;
        {
            QByteArray canonical;
            QVERIFY(audit::splitLine(lines[2], canonical, prev));
        }
        for (int i = 3; i < 5; ++i) {
            QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
            o.remove(QLatin1String("mac"));
            o[QLatin1String("macAlg")] = QStringLiteral("sha256");
            o[QLatin1String("prev")] = prev;
            const QByteArray canonical = QJsonDocument(o).toJson(QJsonDocument::Compact);
            prev = audit::mac(canonical, {});
            lines[i] = audit::line(canonical, prev);
        }
        QVERIFY(writeLines(path, lines));
        for (const std::optional<QByteArray>& key : {std::optional<QByteArray>(kKey), std::optional<QByteArray>()}) {
            const AuditVerifyReport report = verifyAuditLog(path, key);
            QVERIFY2(!report.ok, qPrintable(report.summary(path)));
            QCOMPARE(report.line, 4);
            QCOMPARE(report.records, 3);
            QVERIFY2(report.problem.contains(QLatin1String("drops from HMAC to plain SHA-256")), qPrintable(report.problem));
            QVERIFY(report.summary(path).contains(QLatin1String("line 4")));
        }
        // SHA-256 then HMAC (a keyring that became available) is fine.
        const QString upgraded = freshPath();
        QVERIFY(fill(upgraded, 2));
        QVERIFY(fill(upgraded, 2, kKey));
        const AuditVerifyReport up = verifyAuditLog(upgraded, kKey);
        QVERIFY2(up.ok, qPrintable(up.summary(upgraded)));
        QCOMPARE(up.sha256Records, 2);
        QCOMPARE(up.hmacRecords, 2);
    }

    void keylessAppendAfterAnHmacTailIsRefused()
    {
        const QString path = freshPath();
        QVERIFY(fill(path, 2, kKey));
        const QByteArray before = readFile(path);
        AuditLog log(path);
        QSignalSpy failed(&log, &AuditLog::writeFailed);
        QSignalSpy added(&log, &AuditLog::entryAdded);
        log.openWithoutKeyring();
        QVERIFY(log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), 3}}).ok()); // queued
        QVERIFY(log.waitForWritten());
        QCOMPARE(log.errors().size(), 1);
        const QString error = log.errors().first();
        QVERIFY2(error.contains(QLatin1String("the audit log is keyed (HMAC) but the keyring key is not available")),
                 qPrintable(error));
        QVERIFY2(error.contains(path), qPrintable(error));
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(added.count(), 0);
        QCOMPARE(readFile(path), before); // unchanged
        QVERIFY(verifyAuditLog(path, kKey).ok);
    }

    void missingLogIsAnError()
    {
        const AuditVerifyReport report = verifyAuditLog(m_dir.filePath(QStringLiteral("nothing-here.jsonl")));
        QVERIFY(!report.ok);
        QCOMPARE(report.line, 0);
        QVERIFY(report.problem.contains(QLatin1String("no audit log")));
    }

    void noSessionBusFallsBackToSha256AndKeepsEarlyRecords()
    {
        const QString path = freshPath();
        AuditLog log(path);
        QSignalSpy ready(&log, &AuditLog::ready);
        QSignalSpy added(&log, &AuditLog::entryAdded);
        log.open();
        // Appended before the keyring answered: kept in memory, written in order once it did.
        QVERIFY(log.append(QStringLiteral("early"), QJsonObject{{QStringLiteral("n"), 1}}).ok());
        QVERIFY(log.append(QStringLiteral("early"), QJsonObject{{QStringLiteral("n"), 2}}).ok());
        QVERIFY(ready.wait(10000) || ready.count() == 1);
        QCOMPARE(log.macAlg(), QStringLiteral("sha256"));
        QVERIFY2(log.fallbackReason().contains(QLatin1String("D-Bus")), qPrintable(log.fallbackReason()));
        QVERIFY(log.waitForWritten());
        QTRY_COMPARE(added.count(), 2);
        const AuditEntry first = added.at(0).at(0).value<AuditEntry>();
        QCOMPARE(first.seq, 1);
        QCOMPARE(first.event, QStringLiteral("early"));
        QCOMPARE(first.data[QLatin1String("n")].toInt(), 1);
        QCOMPARE(added.at(1).at(0).value<AuditEntry>().prev, first.mac);
        const AuditVerifyReport report = verifyAuditLog(path);
        QVERIFY(report.ok);
        QCOMPARE(report.records, 2);
    }

    void recordsWaitingForTheKeyAreWrittenOnClose()
    {
        const QString path = freshPath();
        {
            AuditLog log(path);
            log.open(); // closed before the keyring answers
            QVERIFY(log.append(QStringLiteral("late"), QJsonObject{{QStringLiteral("n"), 1}}).ok());
        }
        QCOMPARE(linesOf(path).size(), 1);
        QVERIFY(verifyAuditLog(path).ok);
    }

    void recordsWaitingForTheKeyStayFirst()
    {
        // Records appended before the key came are written before any appended (on another thread) after.
        const QString path = freshPath();
        AuditLog log(path);
        for (int n = 1; n <= 200; ++n)
            QVERIFY(log.append(QStringLiteral("early"), QJsonObject{{QStringLiteral("n"), n}}).ok());
        std::atomic<bool> go{false};
        std::atomic<int> late{0};
        std::thread appender([&] {
            while (!go.load()) {
            }
            while (!log.isReady()) {
            }
            for (int n = 1; n <= 50; ++n) {
                if (log.append(QStringLiteral("late"), QJsonObject{{QStringLiteral("n"), n}}).ok())
                    ++late;
            }
        });
        go = true;
        log.setKey(kKey);
        appender.join();
        QCOMPARE(late.load(), 50);
        QVERIFY(log.waitForWritten());
        const Result<QList<AuditEntry>> entries = readAuditLog(path);
        QVERIFY(entries.ok());
        QCOMPARE(entries.value().size(), 250);
        for (int i = 0; i < 200; ++i) {
            QCOMPARE(entries.value().at(i).event, QStringLiteral("early"));
            QCOMPARE(entries.value().at(i).data[QLatin1String("n")].toInt(), i + 1);
        }
        QVERIFY(verifyAuditLog(path, kKey).verified());
    }

    void secretsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("field");
        QTest::newRow("passphrase") << QByteArray(R"({"passphrase":"x"})") << "passphrase";
        QTest::newRow("nested, any case") << QByteArray(R"({"identity":{"Key-PassPhrase":"x"}})") << "identity.Key-PassPhrase";
        QTest::newRow("in an array") << QByteArray(R"({"list":[{"ok":1},{"apiToken":"t"}]})") << "list[1].apiToken";
        QTest::newRow("private key") << QByteArray(R"({"privateKey":"..."})") << "privateKey";
        QTest::newRow("key") << QByteArray(R"({"key":"..."})") << "key";
        QTest::newRow("password") << QByteArray(R"({"a":{"b":{"password":1}}})") << "a.b.password";
        QTest::newRow("secret") << QByteArray(R"({"client_secret":"s"})") << "client_secret";
        QTest::newRow("authorization") << QByteArray(R"({"headers":{"Authorization":"Bearer x"}})") << "headers.Authorization";
        QTest::newRow("PEM key as a value") << QByteArray(R"({"note":"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMII"})") << "note";
    }

    void secretsAreRefused()
    {
        QFETCH(QByteArray, data);
        QFETCH(QString, field);
        const QString path = freshPath();
        AuditLog log(path);
        log.openWithoutKeyring();
        const Result<std::monostate> r = log.append(QStringLiteral("test"), QJsonDocument::fromJson(data).object());
        QVERIFY(!r.ok());
        QVERIFY2(r.error().text().contains(QLatin1Char('"') + field + QLatin1Char('"')), qPrintable(r.error().text()));
        QVERIFY(r.error().text().contains(QLatin1String("looks like a secret")));
        QVERIFY(log.waitForWritten());
        QVERIFY(!QFile::exists(path)); // nothing written
    }

    void probeResultsPassTheGuard()
    {
        ProbeResult r;
        r.target = ProbeTarget::parse(QStringLiteral("example.org:443")).value();
        r.probeId = QStringLiteral("3c1f1b7e-0000-4000-8000-000000000001");
        r.error = QStringLiteral("the server's certificate is not trusted");
        r.verifyErrors << ProbeVerifyError{QStringLiteral("untrusted"), QStringLiteral("m"), QStringLiteral("d"), {}, {}};
        QCOMPARE(audit::secretField(json::probeResult(r)), QString());
        QCOMPARE(audit::secretField(json::planVerdict(PlanVerdict{})), QString());
    }

    void tornLastLineIsReportedAndTheChainGoesOn()
    {
        const QString path = freshPath();
        QVERIFY(fill(path, 2));
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        f.write("{\"seq\":3,\"ti"); // a write cut off by a crash
        f.close();
        QVERIFY(fill(path, 1));
        const QList<QByteArray> lines = linesOf(path);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(QJsonDocument::fromJson(lines[3]).object()[QLatin1String("seq")].toInt(), 3);
        const AuditVerifyReport report = verifyAuditLog(path);
        QVERIFY(!report.ok);
        QCOMPARE(report.line, 3);
        QVERIFY(report.problem.contains(QLatin1String("not a JSON record")));
    }

    void aLockHeldByAnotherProcessIsAnErrorNotAHang()
    {
        const QString path = freshPath();
        QVERIFY(fill(path, 1));
        const QByteArray before = readFile(path);
        // Another process takes the file's lock and keeps it (30 s, far beyond the test's deadline).
        LockHolder holder(path);
        QVERIFY(holder.pid > 0);
        audit::setLockTimeoutMs(300);
        const auto restore = qScopeGuard([] { audit::setLockTimeoutMs(10000); });
        {
            AuditLog log(path);
            log.openWithoutKeyring();
            QVERIFY(log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), 2}}).ok());
            QVERIFY(log.waitForWritten(10000));
            QCOMPARE(log.errors().size(), 1);
            const QString error = log.errors().first();
            QVERIFY2(error.contains(QLatin1String("the audit log is locked by another process for more than 300 ms")),
                     qPrintable(error));
            QVERIFY2(error.contains(path), qPrintable(error));
        }
        const AuditVerifyReport report = verifyAuditLog(path);
        QVERIFY(!report.ok);
        QCOMPARE(report.line, 0);
        QVERIFY2(report.problem.contains(QLatin1String("locked by another process")) && report.problem.contains(path),
                 qPrintable(report.problem));
        // Closing a log with many records queued behind the lock does not wait 300 ms for each.
        QElapsedTimer closing;
        {
            AuditLog log(path);
            log.openWithoutKeyring();
            for (int n = 0; n < 40; ++n)
                QVERIFY(log.append(QStringLiteral("test"), QJsonObject{{QStringLiteral("n"), n}}).ok());
            closing.start();
        }
        QVERIFY2(closing.elapsed() < 3000, qPrintable(QString::number(closing.elapsed())));
        holder.release();
        QCOMPARE(readFile(path), before); // nothing was written
        QVERIFY(verifyAuditLog(path).verified());
        QVERIFY(fill(path, 1)); // and the log works again once the lock is gone
        QCOMPARE(verifyAuditLog(path).records, 2);
    }

    void exports()
    {
        const QString path = freshPath();
        {
            AuditLog log(path);
            log.openWithoutKeyring();
            ProbeResult r;
            r.target = ProbeTarget::parse(QStringLiteral("grpc.example:50051")).value();
            r.bundleName = QStringLiteral("candidate");
            r.bundleSha256 = QStringLiteral("ab12");
            r.probeId = QStringLiteral("11111111-2222-4333-8444-555555555555");
            r.error = QStringLiteral("refused, by \"policy\"");
            QVERIFY(log.append(QStringLiteral("probe"), json::probeResult(r)).ok());
            QVERIFY(log.append(QStringLiteral("=cmd|calc"), QJsonObject{{QStringLiteral("value"), QStringLiteral("x")}}).ok());
            QVERIFY(log.waitForWritten());
        }
        const Result<QList<AuditEntry>> entries = readAuditLog(path);
        QVERIFY(entries.ok());
        QCOMPARE(entries.value().size(), 2);

        const QByteArray csv = audit::exportCsv(entries.value());
        const QList<QByteArray> rows = csv.split('\n');
        QCOMPARE(rows[0], QByteArray("seq,time,event,user,host,tool,macAlg,summary\r"));
        QVERIFY2(rows[1].startsWith("1,"), rows[1].constData());
        QVERIFY(rows[1].contains(",probe,"));
        QVERIFY2(rows[1].contains("\"target=grpc.example:50051; bundle=candidate; bundleSha256=ab12; "
                                  "probeId=11111111-2222-4333-8444-555555555555; ok=false; stage="),
                 rows[1].constData());
        QVERIFY(rows[1].contains("error=refused, by \"\"policy\"\"\""));
        QVERIFY2(rows[2].contains(",'=cmd|calc,"), rows[2].constData()); // a spreadsheet shows it, never runs it
        QVERIFY(!rows[2].contains(",="));

        const QJsonArray json = QJsonDocument::fromJson(audit::exportJson(entries.value())).array();
        QCOMPARE(json.size(), 2);
        QCOMPARE(json[0].toObject()[QLatin1String("data")].toObject()[QLatin1String("probeId")].toString(),
                 QStringLiteral("11111111-2222-4333-8444-555555555555"));
        QCOMPARE(json[1].toObject()[QLatin1String("prev")].toString(), json[0].toObject()[QLatin1String("mac")].toString());
        QCOMPARE(json[1].toObject()[QLatin1String("seq")].toInt(), 2);
    }

    void twoProcessesAppendingKeepOneChain()
    {
        const QString path = freshPath();
        QVERIFY(fill(path, 1)); // the file exists: both writers chain onto it
        QProcess a, b;
        const QString helper = QStringLiteral(CERTROTOR_TEST_AUDIT_APPEND);
        a.start(helper, {path, QStringLiteral("60")});
        b.start(helper, {path, QStringLiteral("60")});
        QVERIFY(a.waitForFinished(20000) && b.waitForFinished(20000));
        QVERIFY2(a.exitCode() == 0, a.readAllStandardError().constData());
        QVERIFY2(b.exitCode() == 0, b.readAllStandardError().constData());
        const AuditVerifyReport report = verifyAuditLog(path);
        QVERIFY2(report.ok, qPrintable(report.summary(path)));
        QCOMPARE(report.records, 121);
        const Result<QList<AuditEntry>> entries = readAuditLog(path);
        QVERIFY(entries.ok());
        QSet<qint64> seqs;
        QSet<qint64> pids;
        for (const AuditEntry& e : entries.value()) {
            seqs.insert(e.seq);
            if (e.event == QLatin1String("test") && e.data.contains(QLatin1String("pid")))
                pids.insert(e.data[QLatin1String("pid")].toInteger());
        }
        QCOMPARE(seqs.size(), 121);
        QCOMPARE(pids.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestAuditLog)
#include "TestAuditLog.moc"
