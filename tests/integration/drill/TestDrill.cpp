// SPDX-License-Identifier: GPL-3.0-or-later
// The drill end to end against the real helpers: certrotor-cli drill (a bundle file) and the core's
// drill::Drill (--kube: a Secret on the Kubernetes API helper). The report's steps are checked against the
// sandbox's audit log and the servers' own logs (probe ids); faults — a helper killed mid-drill, a port
// taken, a sandbox that is not empty, a helper missing, Ctrl+C — end with a clear error and no process left.
#include "TestUtil.h"
#include "audit/AuditLog.h"
#include "drill/Drill.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace certrotor;
using namespace certrotor::test;
using namespace Qt::StringLiterals;

namespace {

const QStringList kSteps { u"sandbox"_s,      u"servers"_s, u"replace-refused"_s, u"stage"_s,   u"overlap"_s,
                           u"early-retire"_s, u"switch"_s,  u"retire"_s,          u"rollback"_s };

QList<QJsonObject> jsonLines(const QString& path)
{
    QList<QJsonObject> out;
    for (const QByteArray& line : readFile(path).split('\n'))
        if (const QJsonObject o = QJsonDocument::fromJson(line).object(); !o.isEmpty())
            out << o;
    return out;
}

/// Process ids whose parent is `pid` (from /proc).
QList<qint64> childrenOf(qint64 pid)
{
    QList<qint64> out;
    for (const QString& entry : QDir(u"/proc"_s).entryList(QDir::Dirs)) {
        bool isPid = false;
        const qint64 p = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        const QByteArray stat = readFile(u"/proc/%1/stat"_s.arg(p));
        const qsizetype close = stat.lastIndexOf(')');
        if (close < 0)
            continue;
        const QList<QByteArray> fields = stat.mid(close + 2).split(' '); // state ppid ...
        if (fields.size() > 1 && fields.at(1).toLongLong() == pid)
            out << p;
    }
    return out;
}

/// Process ids whose command line mentions `text` (a sandbox path: every helper's arguments name it).
QList<qint64> processesMentioning(const QString& text)
{
    QList<qint64> out;
    const QByteArray needle = text.toUtf8();
    for (const QString& entry : QDir(u"/proc"_s).entryList(QDir::Dirs)) {
        bool isPid = false;
        const qint64 p = entry.toLongLong(&isPid);
        if (isPid && p != ::getpid() && readFile(u"/proc/%1/cmdline"_s.arg(p)).contains(needle))
            out << p;
    }
    return out;
}

QString modeOf(const QString& path)
{
    struct stat st { };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return u"missing"_s;
    return QString::number(st.st_mode & 0777, 8);
}

QStringList strings(const QJsonValue& v)
{
    QStringList out;
    for (const QJsonValue& s : v.toArray())
        out << s.toString();
    return out;
}

} // namespace

class TestDrill : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_keptSandbox; // the file drill's, for the console

    drill::Drill::Options options(const QString& dir) const
    {
        drill::Drill::Options o;
        o.dir = dir;
        o.helperDir = QStringLiteral(CERTROTOR_TEST_HELPER_DIR);
        return o;
    }

    /// Runs a drill in this process to its end; the report.
    drill::Report runDrill(drill::Drill& d, int timeoutMs = 90000)
    {
        QSignalSpy finished(&d, &drill::Drill::finished);
        d.start();
        if (finished.isEmpty() && !finished.wait(timeoutMs))
            return {};
        return finished.first().first().value<drill::Report>();
    }

    /// Checks a kept sandbox's report (JSON) against its audit log and its servers' logs.
    void checkAgainstLogs(const QJsonObject& report, const QString& dir)
    {
        const QList<QJsonObject> records = jsonLines(dir + u"/audit.jsonl"_s);
        QVERIFY(records.size() > 20);
        // Every record the drill wrote is marked as drill — the rotation's and the drill's own.
        for (const QJsonObject& r : records) {
            QVERIFY2(r.value(u"data"_s).toObject().value(u"drill"_s).toBool(),
                     QJsonDocument(r).toJson(QJsonDocument::Compact).constData());
        }
        QCOMPARE(records.first().value(u"event"_s).toString(), u"drill-started"_s);
        QCOMPARE(records.last().value(u"event"_s).toString(), u"drill-finished"_s);
        QCOMPARE(report.value(u"auditLastMac"_s).toString(), records.last().value(u"mac"_s).toString());
        QCOMPARE(report.value(u"auditRecords"_s).toInteger(), qint64(records.size()));
        QVERIFY(report.value(u"auditVerified"_s).toBool());

        // The steps' records, concatenated, are the log between the drill's first and last record, in order.
        QStringList fromSteps;
        const QJsonArray steps = report.value(u"steps"_s).toArray();
        for (const QJsonValue& s : steps)
            fromSteps << strings(s.toObject().value(u"auditEvents"_s));
        QStringList fromLog;
        for (qsizetype i = 1; i + 1 < records.size(); ++i)
            fromLog << records.at(i).value(u"event"_s).toString();
        QCOMPARE(fromSteps, fromLog);
        // Each step ends with its own drill record, which carries its verdict.
        for (const QJsonValue& v : steps) {
            const QJsonObject s = v.toObject();
            QVERIFY2(strings(s.value(u"auditEvents"_s)).endsWith(u"drill-step"_s),
                     qPrintable(s.value(u"id"_s).toString()));
        }
        QStringList stepRecords;
        for (const QJsonObject& r : records)
            if (r.value(u"event"_s).toString() == u"drill-step"_s) {
                const QJsonObject data = r.value(u"data"_s).toObject();
                stepRecords << data.value(u"step"_s).toString();
                QVERIFY(data.value(u"ok"_s).toBool());
            }
        QCOMPARE(stepRecords, kSteps);
        // The procedure, as the rotation core recorded it.
        QStringList rotation;
        for (const QString& e : fromLog)
            if (e.startsWith(u"rotation-"_s) && e != u"rotation-probed"_s && e != u"rotation-dry-run"_s)
                rotation << e;
        QCOMPARE(rotation.first(), u"rotation-staged"_s); // the replace
        QVERIFY2(rotation.contains(u"rotation-refused"_s) && rotation.contains(u"rotation-committed"_s)
                     && rotation.contains(u"rotation-retired"_s) && rotation.contains(u"rotation-rolled-back"_s),
                 qPrintable(rotation.join(u' ')));
        QCOMPARE(rotation.count(u"rotation-refused"_s), 2); // the replace and the early retire

        // Every probe a step names reached a server, which logged its id; the mTLS server saw the client.
        QSet<QString> served;
        for (const QString& name : { u"api"_s, u"payments"_s }) {
            const QList<QJsonObject> calls = jsonLines(u"%1/servers/%2.log"_s.arg(dir, name));
            QVERIFY2(!calls.isEmpty(), qPrintable(name));
            for (const QJsonObject& c : calls) {
                served << c.value(u"x-certrotor-probe-id"_s).toString();
                if (name == u"payments"_s)
                    QVERIFY2(c.value(u"peer-subject"_s).toString().contains(u"certrotor-probe"_s),
                             QJsonDocument(c).toJson(QJsonDocument::Compact).constData());
            }
        }
        int named = 0;
        for (const QString& id : { u"overlap"_s, u"switch"_s, u"retire"_s, u"rollback"_s }) {
            for (const QJsonValue& v : steps) {
                const QJsonObject s = v.toObject();
                if (s.value(u"id"_s).toString() != id)
                    continue;
                const QStringList ids = strings(s.value(u"probeIds"_s));
                QVERIFY2(ids.size() >= 2, qPrintable(id));
                for (const QString& p : ids) {
                    QVERIFY2(served.contains(p), qPrintable(id + u": "_s + p));
                    ++named;
                }
            }
        }
        QVERIFY(named >= 8);
        // Every probe the log says got an answer was answered by a sandbox server, and every one the
        // rotation's probe records name is in the log; a probe refused at the handshake (the replace's new-only
        // bundle against an old chain) never reaches the server's handler.
        QSet<QString> logged;
        int answered = 0, refusedAtHandshake = 0;
        for (const QJsonObject& r : records) {
            if (r.value(u"event"_s).toString() != u"probe"_s)
                continue;
            const QJsonObject data = r.value(u"data"_s).toObject();
            const QString id = data.value(u"probeId"_s).toString();
            logged << id;
            if (data.value(u"ok"_s).toBool()) {
                QVERIFY2(served.contains(id), qPrintable(id));
                ++answered;
            } else {
                QVERIFY2(!served.contains(id), qPrintable(id));
                ++refusedAtHandshake;
            }
        }
        QVERIFY(answered >= 20);
        QVERIFY(refusedAtHandshake >= 2);
        for (const QJsonObject& r : records)
            if (r.value(u"event"_s).toString() == u"rotation-probed"_s)
                for (const QString& p : strings(r.value(u"data"_s).toObject().value(u"probeIds"_s)))
                    QVERIFY2(logged.contains(p), qPrintable(p));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    // ---- the whole drill through the CLI (a bundle file) ------------------------------------------------

    void cliDrillOnAFile()
    {
        const QString dir = m_tmp.filePath(u"file-sandbox"_s);
        const QString reportMd = m_tmp.filePath(u"file-report.md"_s);
        const ProcessResult r
            = runCli({ u"drill"_s, u"--dir"_s, dir, u"--keep"_s, u"--json"_s, u"--report"_s, reportMd }, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(r.out).object();
        QVERIFY2(report.value(u"ok"_s).toBool(), r.out.constData());
        QCOMPARE(report.value(u"sandbox"_s).toString(), dir);
        QCOMPARE(report.value(u"store"_s).toString(), dir + u"/store/ca-bundle.pem"_s);
        QStringList ids;
        for (const QJsonValue& s : report.value(u"steps"_s).toArray()) {
            ids << s.toObject().value(u"id"_s).toString();
            QVERIFY2(s.toObject().value(u"ok"_s).toBool(), qPrintable(s.toObject().value(u"observed"_s).toString()));
            QVERIFY(!s.toObject().value(u"expected"_s).toString().isEmpty());
        }
        QCOMPARE(ids, kSteps);
        // Progress on stderr, one line per step.
        QVERIFY2(r.err.contains("[9/9] Roll back one step"), r.err.constData());

        // The fingerprints are the sandbox's CAs'; the store ends in the overlap (after the rollback).
        const QByteArray oldRoot = readFile(dir + u"/ca/old-root.pem"_s);
        const QByteArray newRoot = readFile(dir + u"/ca/new-root.pem"_s);
        QCOMPARE(readFile(dir + u"/store/ca-bundle.pem"_s), newRoot + oldRoot);
        QCOMPARE(report.value(u"oldRootSha256"_s).toString().size(), 64);
        QVERIFY(report.value(u"oldRootSha256"_s) != report.value(u"newRootSha256"_s));
        // The servers serve the renewed chains.
        QCOMPARE(readFile(dir + u"/servers/api.pem"_s), readFile(dir + u"/servers/renewed/api.pem"_s));
        // Keys stay private, inside the sandbox.
        for (const QString& key : { u"ca/old-root.key"_s, u"ca/new-intermediate.key"_s, u"servers/api.key"_s,
                                    u"servers/renewed/payments.key"_s, u"client/client.key"_s })
            QCOMPARE(modeOf(dir + u'/' + key), u"600"_s);
        QCOMPARE(modeOf(dir), u"700"_s);
        // The audit log and the reports never hold a private key.
        for (const QString& f : QStringList { dir + u"/audit.jsonl"_s, reportMd, dir + u"/report.json"_s })
            QVERIFY2(!readFile(f).contains("PRIVATE KEY"), qPrintable(f));

        checkAgainstLogs(report, dir);

        // The Markdown report (--report) and the one kept in the sandbox say the same.
        const QByteArray md = readFile(reportMd);
        QVERIFY2(md.startsWith("# CertRotor drill: every step behaved as expected"), md.constData());
        QVERIFY(md.contains(report.value(u"auditLastMac"_s).toString().toUtf8()));
        QVERIFY(md.contains("| 3 | Replace the CA outright | as expected |"));
        QCOMPARE(QJsonDocument::fromJson(readFile(dir + u"/report.json"_s)).object().value(u"auditLastMac"_s),
                 report.value(u"auditLastMac"_s));
        // Nothing the drill started is still running.
        QCOMPARE(processesMentioning(dir + u"/"_s), QList<qint64> {});
        m_keptSandbox = dir;
    }

    // ---- the console on a kept sandbox ------------------------------------------------------------------

    void consoleOpensTheSandbox()
    {
        QVERIFY2(!m_keptSandbox.isEmpty(), "runs on cliDrillOnAFile's kept sandbox");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        env.remove(u"CERTROTOR_AUDIT_LOG"_s);
        env.insert(u"QT_LOGGING_RULES"_s, u"certrotor.*.info=true"_s); // it says what it opened
        const QString realLog = QDir(qEnvironmentVariable("XDG_DATA_HOME")).filePath(u"certrotor/audit.jsonl"_s);
        const QByteArray realBefore = readFile(realLog);
        const QByteArray sandboxLog = readFile(m_keptSandbox + u"/audit.jsonl"_s);
        const QString png = m_keptSandbox + u"/console.png"_s;
        QProcess gui;
        gui.setProcessEnvironment(env);
        gui.start(QStringLiteral(CERTROTOR_GUI_PATH), { u"--drill"_s, m_keptSandbox, u"--screenshot"_s, png });
        QVERIFY(gui.waitForFinished(60000));
        const QByteArray err = gui.readAllStandardError();
        QVERIFY2(gui.exitCode() == 0, err.constData());
        // It opened the sandbox's store and watched its incoming CA, and saved the window.
        QVERIFY2(err.contains(u"opening store \"%1/store/ca-bundle.pem\""_s.arg(m_keptSandbox).toUtf8()),
                 err.constData());
        QVERIFY2(err.contains(u"watching \"%1/incoming\""_s.arg(m_keptSandbox).toUtf8()), err.constData());
        QVERIFY(readFile(png).startsWith("\x89PNG"));
        // The drill's log and the real one are never mixed: the real log is untouched, the sandbox's still verifies.
        QCOMPARE(readFile(realLog), realBefore);
        QVERIFY(readFile(m_keptSandbox + u"/audit.jsonl"_s).startsWith(sandboxLog));
        QVERIFY(AuditLog::verifyFile(m_keptSandbox + u"/audit.jsonl"_s, {}, false).ok);

        // A directory that is not a sandbox: said so, nothing opened.
        QProcess wrong;
        wrong.setProcessEnvironment(env);
        wrong.start(QStringLiteral(CERTROTOR_GUI_PATH), { u"--drill"_s, m_tmp.path() });
        QVERIFY(wrong.waitForFinished(30000));
        QCOMPARE(wrong.exitCode(), 2);
        QVERIFY(wrong.readAllStandardError().contains("is not a drill's sandbox"));
    }

    // ---- the Secret variant, in process -----------------------------------------------------------------

    void kubeDrillInProcess()
    {
        const QString dir = m_tmp.filePath(u"kube-sandbox"_s);
        const QList<qint64> before = childrenOf(::getpid());
        drill::Drill::Options o = options(dir);
        o.kube = true;
        o.keep = true;
        drill::Drill d(o);
        QStringList started, finished;
        connect(&d, &drill::Drill::stepStarted, this, [&](const QString& id, const QString&) {
            started << id;
            if (id == u"overlap"_s) // three helpers run while the procedure does
                QCOMPARE(d.helperPids().size(), 3);
        });
        connect(&d, &drill::Drill::stepFinished, this, [&](const drill::Step& s) { finished << s.id; });
        const drill::Report report = runDrill(d);
        QVERIFY2(report.ok, qPrintable(QString::fromUtf8(QJsonDocument(report.toJson()).toJson())));
        QCOMPARE(started, kSteps);
        QCOMPARE(finished, kSteps);
        QVERIFY(report.kube);
        QCOMPARE(report.store, u"secret://drill/trust-bundle#ca.crt"_s);
        QVERIFY(QFile::exists(dir + u"/kubeconfig"_s));
        checkAgainstLogs(report.toJson(), dir);
        // The Secret was rotated, the file it was seeded from was not.
        QCOMPARE(readFile(dir + u"/store/ca-bundle.pem"_s), readFile(dir + u"/ca/old-root.pem"_s));
        QVERIFY(d.helperPids().isEmpty());
        QCOMPARE(childrenOf(::getpid()), before);
        QCOMPARE(processesMentioning(dir + u"/"_s), QList<qint64> {});
    }

    // ---- faults -----------------------------------------------------------------------------------------

    void helperKilledMidDrill()
    {
        const QString dir = m_tmp.filePath(u"killed-sandbox"_s);
        const QList<qint64> before = childrenOf(::getpid());
        drill::Drill d(options(dir)); // not kept: the sandbox goes too
        qint64 killed = 0;
        connect(&d, &drill::Drill::stepStarted, this, [&](const QString& id, const QString&) {
            if (id != u"early-retire"_s)
                return;
            const QList<qint64> pids = d.helperPids();
            QCOMPARE(pids.size(), 2);
            killed = pids.at(1); // payments
            ::kill(pid_t(killed), SIGKILL);
        });
        const drill::Report report = runDrill(d);
        QVERIFY(killed > 0);
        QVERIFY(!report.ok);
        QVERIFY(!report.setupFailed);
        QVERIFY2(report.error.contains(u"payments helper (pid %1) stopped on its own"_s.arg(killed)),
                 qPrintable(report.error));
        QVERIFY(!report.steps.isEmpty());
        QVERIFY(!report.steps.last().ok);
        QVERIFY(report.steps.last().id == u"early-retire"_s || report.steps.last().id == u"switch"_s);
        QVERIFY(d.helperPids().isEmpty());
        QCOMPARE(childrenOf(::getpid()), before);
        QCOMPARE(processesMentioning(dir + u"/"_s), QList<qint64> {});
        QVERIFY(!QFileInfo::exists(dir));
    }

    void portTaken()
    {
        QTcpServer holder;
        QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
        const QString dir = m_tmp.filePath(u"port-sandbox"_s);
        const ProcessResult r
            = runCli({ u"drill"_s, u"--dir"_s, dir, u"--port"_s, QString::number(holder.serverPort()) });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(
                     u"port %1 on 127.0.0.1 is not free (the drill's api server wants it)"_s.arg(holder.serverPort())
                         .toUtf8()),
                 r.err.constData());
        QVERIFY(!QFileInfo::exists(dir)); // nothing made
        QCOMPARE(processesMentioning(dir + u"/"_s), QList<qint64> {});
    }

    void sandboxNotEmpty()
    {
        const QString dir = m_tmp.filePath(u"busy-sandbox"_s);
        QVERIFY(QDir().mkpath(dir));
        QFile precious(dir + u"/precious.txt"_s);
        QVERIFY(precious.open(QIODevice::WriteOnly) && precious.write("keep me") == 7);
        precious.close();
        const ProcessResult r = runCli({ u"drill"_s, u"--dir"_s, dir, u"--json"_s });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("is not empty (1 entries, e.g. precious.txt)"), r.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(r.out).object();
        QVERIFY(report.value(u"setupFailed"_s).toBool());
        QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList { u"precious.txt"_s });
        QCOMPARE(readFile(dir + u"/precious.txt"_s), QByteArray("keep me"));
    }

    void helperMissing()
    {
        QTemporaryDir empty;
        drill::Drill::Options o = options(m_tmp.filePath(u"missing-sandbox"_s));
        o.helperDir = empty.path();
        drill::Drill d(o);
        const drill::Report report = runDrill(d, 5000);
        QVERIFY(report.setupFailed);
        QVERIFY2(
            report.error.contains(
                u"certrotor-drill-server is not installed: looked for %1/certrotor-drill-server"_s.arg(empty.path())),
            qPrintable(report.error));
        QVERIFY(report.steps.isEmpty());
        QVERIFY(!QFileInfo::exists(o.dir));
    }

    void ctrlCStopsTheDrill()
    {
        const QString dir = m_tmp.filePath(u"interrupted-sandbox"_s);
        QProcess cli;
        cli.start(QStringLiteral(CERTROTOR_CLI_PATH), { u"drill"_s, u"--dir"_s, dir, u"--keep"_s, u"--json"_s });
        QVERIFY(cli.waitForStarted());
        QByteArray err;
        QElapsedTimer t;
        t.start();
        while (!err.contains("[7/9]") && t.elapsed() < 60000 && cli.state() == QProcess::Running) {
            cli.waitForReadyRead(200);
            err += cli.readAllStandardError();
        }
        QVERIFY2(err.contains("[7/9]"), err.constData());
        QCOMPARE(processesMentioning(dir + u"/"_s).size(), 2); // the two servers
        ::kill(pid_t(cli.processId()), SIGINT);
        QVERIFY(cli.waitForFinished(30000));
        err += cli.readAllStandardError();
        QCOMPARE(cli.exitCode(), 1);
        QVERIFY2(err.contains("stopping the drill"), err.constData());
        const QJsonObject report = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        QVERIFY(report.value(u"cancelled"_s).toBool());
        QVERIFY(!report.value(u"ok"_s).toBool());
        QVERIFY2(report.value(u"steps"_s).toArray().size() < kSteps.size(),
                 qPrintable(report.value(u"error"_s).toString()));
        QCOMPARE(processesMentioning(dir + u"/"_s), QList<qint64> {});
        // The log says so too, and still verifies.
        const QList<QJsonObject> records = jsonLines(dir + u"/audit.jsonl"_s);
        QVERIFY(!records.isEmpty());
        QCOMPARE(records.last().value(u"event"_s).toString(), u"drill-finished"_s);
        QVERIFY(!records.last().value(u"data"_s).toObject().value(u"ok"_s).toBool());
        QVERIFY(AuditLog::verifyFile(dir + u"/audit.jsonl"_s, {}, false).ok);
    }
};

QTEST_GUILESS_MAIN(TestDrill)
#include "TestDrill.moc"
