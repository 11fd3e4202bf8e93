// SPDX-License-Identifier: GPL-3.0-or-later
#include "drill/Drill.h"

#include "audit/AuditLog.h"
#include "pki/CertFactory.h"
#include "probe/ClientIdentity.h"
#include "util/AsyncTask.h"
#include "util/Helpers.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>

#include <algorithm>
#include <csignal>
#include <sys/prctl.h>

using namespace Qt::StringLiterals;

namespace certrotor::drill {

namespace {

constexpr int kListenTimeoutMs = 10000;
constexpr int kStopGraceMs = 2000;
constexpr int kSealTimeoutMs = 10000;
constexpr int kSwitchPollMs = 250;

const QString kSecretSpec = u"secret://drill/trust-bundle#ca.crt"_s;

QString sha256Hex(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QString shortSha(const QString& sha)
{
    return sha.left(16);
}

/// Writes a file of the sandbox; private ones (keys) are 0600 from the first byte.
bool writeSandboxFile(const QString& path, const QByteArray& bytes, bool secret, QString* error)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = u"cannot write %1: %2"_s.arg(path, f.errorString());
        return false;
    }
    if (secret)
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (f.write(bytes) != bytes.size() || !f.commit()) {
        *error = u"cannot write %1: %2"_s.arg(path, f.errorString());
        return false;
    }
    return true;
}

QString exitText(int code, QProcess::ExitStatus status)
{
    return status == QProcess::CrashExit ? u"killed by a signal"_s : u"exit code %1"_s.arg(code);
}

/// The last non-empty line of a helper's stderr file ("" if none).
QString lastLine(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    return lines.isEmpty() ? QString() : QString::fromUtf8(lines.last().trimmed()).left(300);
}

QJsonArray stringsJson(const QStringList& list)
{
    QJsonArray a;
    for (const QString& s : list)
        a.append(s);
    return a;
}

QString mdCell(QString text)
{
    return text.replace(u'|', u"\\|"_s).replace(u'\n', u' ');
}

} // namespace

// ---- the report -----------------------------------------------------------------------------------

QJsonObject Step::toJson() const
{
    QJsonArray t;
    for (const rotation::TargetStatus& s : targets)
        t.append(s.toJson());
    return { { u"id"_s, id },
             { u"title"_s, title },
             { u"expected"_s, expected },
             { u"observed"_s, observed },
             { u"ok"_s, ok },
             { u"startedMs"_s, startedMs },
             { u"durationMs"_s, durationMs },
             { u"auditEvents"_s, stringsJson(auditEvents) },
             { u"probeIds"_s, stringsJson(probeIds) },
             { u"targets"_s, t } };
}

QJsonObject Report::toJson() const
{
    QJsonArray s;
    for (const Step& step : steps)
        s.append(step.toJson());
    return { { u"ok"_s, ok },
             { u"setupFailed"_s, setupFailed },
             { u"cancelled"_s, cancelled },
             { u"error"_s, error },
             { u"sandbox"_s, dir },
             { u"sandboxKept"_s, kept },
             { u"kube"_s, kube },
             { u"store"_s, store },
             { u"targets"_s, stringsJson(targets) },
             { u"oldRootSha256"_s, oldRootSha256 },
             { u"newRootSha256"_s, newRootSha256 },
             { u"clientCaSha256"_s, clientCaSha256 },
             { u"auditLog"_s, auditLog },
             { u"auditRecords"_s, auditRecords },
             { u"auditLastMac"_s, auditLastMac },
             { u"auditMacAlg"_s, auditMacAlg },
             { u"auditVerified"_s, auditVerified },
             { u"totalMs"_s, totalMs },
             { u"steps"_s, s } };
}

QString Report::toMarkdown() const
{
    QString md;
    md += u"# CertRotor drill: %1\n\n"_s.arg(ok                ? u"every step behaved as expected"_s
                                                 : cancelled   ? u"cancelled"_s
                                                 : setupFailed ? u"could not be set up"_s
                                                               : u"a step did not behave as expected"_s);
    if (!error.isEmpty())
        md += u"**%1**\n\n"_s.arg(error);
    md += u"- Sandbox: `%1`%2\n"_s.arg(dir, kept ? QString() : u" (removed afterwards; `--keep` keeps it)"_s);
    md += u"- Trust store rotated: `%1`%2\n"_s.arg(
        store, kube ? u" (a Secret on the sandbox's Kubernetes API)"_s : u" (a bundle file)"_s);
    for (const QString& t : targets)
        md += u"- Target: %1\n"_s.arg(t);
    md += u"- Old root CA SHA-256: `%1`\n- New root CA SHA-256: `%2`\n- Client CA SHA-256: `%3`\n"_s.arg(
        oldRootSha256, newRootSha256, clientCaSha256);
    md += u"- Audit log: `%1`: %2 records, %3, last mac `%4` (%5)\n"_s.arg(
        auditLog, QString::number(auditRecords), auditVerified ? u"verified"_s : u"NOT verified"_s, auditLastMac,
        auditMacAlg);
    md += u"- Total: %1 ms\n\n"_s.arg(totalMs);
    md += u"| # | Step | Verdict | ms | Expected | Observed |\n|---|---|---|---|---|---|\n"_s;
    for (int i = 0; i < steps.size(); ++i) {
        const Step& s = steps.at(i);
        md += u"| %1 | %2 | %3 | %4 | %5 | %6 |\n"_s.arg(
            QString::number(i + 1), mdCell(s.title), s.ok ? u"as expected"_s : u"**NOT as expected**"_s,
            QString::number(s.durationMs), mdCell(s.expected), mdCell(s.observed));
    }
    md += u"\n## Audit records per step\n\n"_s;
    for (const Step& s : steps) {
        md += u"- %1: %2"_s.arg(s.id, s.auditEvents.isEmpty() ? u"none"_s : s.auditEvents.join(u", "_s));
        if (!s.probeIds.isEmpty())
            md += u"; probes %1"_s.arg(s.probeIds.join(u", "_s));
        md += u'\n';
    }
    return md;
}

// ---- the drill --------------------------------------------------------------------------------------

struct Drill::Helper {
    QString name; // "api", "payments", "kube-api"
    QProcess* process = nullptr; // parented to the drill
    quint16 port = 0;
    qint64 pid = 0; // kept: QProcess forgets it once the process is gone
    QByteArray out;
    bool listening = false;
    bool stopping = false;
    QString stderrPath;
};

/// What building the sandbox made (on a worker thread).
struct Drill::Sandbox {
    QString error;
    QString oldRootSha, newRootSha, clientCaSha;
    int keys = 0;
    int certificates = 0;
    QByteArray storeBytes, candidateBytes;
    ClientIdentity client;
};

Drill::Drill(Options options, QObject* parent) : QObject(parent), m_options(std::move(options))
{
    qRegisterMetaType<Step>();
    qRegisterMetaType<Report>();
    m_defs = {
        { u"sandbox"_s, u"Build the sandbox PKI"_s,
          u"an old and a new root CA, each with an intermediate, server certificates from each, a client CA for "
          u"mTLS; every key 0600 inside the sandbox"_s,
          [this](Next next) { buildSandbox(std::move(next)); } },
        { u"servers"_s, u"Start the servers"_s,
          u"two gRPC servers on loopback serving old-CA chains, one requiring a client certificate"_s,
          [this](Next next) { startServers(std::move(next)); } },
        { u"replace-refused"_s, u"Replace the CA outright"_s,
          u"refused (needs-old-ca): every server still serves an old-CA chain; nothing written"_s,
          [this](Next next) { replaceRefused(std::move(next)); } },
        { u"stage"_s, u"Stage the new CA"_s,
          u"previewed and gated: old + new, one certificate added, no rule broken, nothing written"_s,
          [this](Next next) { stage(std::move(next)); } },
        { u"overlap"_s, u"Commit the overlap and confirm"_s,
          u"old + new written; every server verifies, anchored by the old CA"_s,
          [this](Next next) { overlap(std::move(next)); } },
        { u"early-retire"_s, u"Retire the old CA too early"_s,
          u"refused (needs-old-ca), naming every server; the overlap stays"_s,
          [this](Next next) { earlyRetire(std::move(next)); } },
        { u"switch"_s, u"Renew the servers' certificates from the new CA"_s,
          u"the servers pick up new-CA chains (as after a cert-manager renewal); confirm: every server anchored "
          u"by the new CA"_s,
          [this](Next next) { switchServers(std::move(next)); } },
        { u"retire"_s, u"Retire the old CA and confirm"_s,
          u"new only written; every server verifies, anchored by the new CA"_s,
          [this](Next next) { retire(std::move(next)); } },
        { u"rollback"_s, u"Roll back one step"_s,
          u"the overlap written back byte for byte; the servers' probes follow and verify"_s,
          [this](Next next) { rollback(std::move(next)); } },
    };
}

Drill::~Drill()
{
    for (const auto& h : m_helpers) {
        if (h->process->state() == QProcess::NotRunning)
            continue;
        h->stopping = true;
        h->process->disconnect(this);
        h->process->kill();
        h->process->waitForFinished(1000);
    }
}

QList<Step> Drill::plannedSteps() const
{
    QList<Step> steps;
    for (const StepDef& def : m_defs) {
        Step s;
        s.id = def.id;
        s.title = def.title;
        s.expected = def.expected;
        steps << s;
    }
    return steps;
}

void Drill::proceed()
{
    if (!m_waiting)
        return;
    m_waiting = false;
    runStep(m_current + 1);
}

QList<qint64> Drill::helperPids() const
{
    QList<qint64> pids;
    for (const auto& h : m_helpers)
        if (h->process->state() != QProcess::NotRunning)
            pids << h->process->processId();
    return pids;
}

QString Drill::path(const QString& relative) const
{
    return m_dir + u'/' + relative;
}

void Drill::start()
{
    if (m_running || m_current >= 0)
        return;
    m_running = true;
    m_clock.start();
    m_report = {};
    m_report.kube = m_options.kube;
    m_report.kept = m_options.keep;

    // Everything that can be checked before anything is made: a missing helper or a taken port leaves nothing.
    const auto server = helpers::find(QString::fromLatin1(helpers::kDrillServer), m_options.helperDir);
    if (!server)
        return setupError(server.error().message);
    m_serverProgram = server.value();
    if (m_options.kube) {
        const auto kube = helpers::find(QString::fromLatin1(helpers::kDrillKubeApi), m_options.helperDir);
        if (!kube)
            return setupError(kube.error().message);
        m_kubeProgram = kube.value();
    }
    if (m_options.port != 0) {
        const QStringList wants { u"api server"_s, u"payments server"_s, u"Kubernetes API"_s };
        for (int i = 0; i < (m_options.kube ? 3 : 2); ++i) {
            const int port = m_options.port + i;
            QTcpServer probe;
            if (port > 65535 || !probe.listen(QHostAddress::LocalHost, quint16(port)))
                return setupError(u"port %1 on 127.0.0.1 is not free (the drill's %2 wants it): pick another --port "
                                  u"or stop what holds it"_s.arg(port)
                                      .arg(wants.at(i)));
        }
    }

    if (m_options.dir.isEmpty()) {
        QTemporaryDir tmp(QDir::tempPath() + u"/certrotor-drill-XXXXXX"_s);
        if (!tmp.isValid())
            return setupError(u"cannot make a sandbox directory in %1: %2"_s.arg(QDir::tempPath(), tmp.errorString()));
        tmp.setAutoRemove(false);
        m_dir = tmp.path();
        m_ownsDir = true;
    } else {
        m_dir = QDir(m_options.dir).absolutePath();
        const QFileInfo info(m_dir);
        if (info.exists() && !info.isDir())
            return setupError(u"the sandbox %1 is not a directory"_s.arg(m_dir));
        if (info.exists()) {
            const QStringList entries = QDir(m_dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
            if (!entries.isEmpty())
                return setupError(u"the sandbox %1 is not empty (%2 entries, e.g. %3): a drill builds only in a new "
                                  u"or empty directory, and leaves what is there untouched"_s.arg(m_dir)
                                      .arg(entries.size())
                                      .arg(entries.first()));
        } else if (!QDir().mkpath(m_dir)) {
            return setupError(u"cannot create the sandbox %1"_s.arg(m_dir));
        } else {
            m_ownsDir = true;
        }
    }
    QFile::setPermissions(m_dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_filled = true;
    m_report.dir = m_dir;
    m_report.store = m_options.kube ? kSecretSpec : path(u"store/ca-bundle.pem"_s);
    m_report.auditLog = path(u"audit.jsonl"_s);

    m_audit = std::make_unique<AuditLog>(m_report.auditLog);
    connect(m_audit.get(), &AuditLog::entryAdded, this, [this](const AuditEntry& entry) {
        m_report.auditLastMac = entry.mac;
        m_report.auditMacAlg = entry.macAlg;
        if (m_collecting && !m_report.steps.isEmpty() && entry.event != u"drill-started"_s)
            step().auditEvents << entry.event;
        if (!m_sealEvent.isEmpty() && entry.event == m_sealEvent
            && entry.data.value(u"step"_s).toString() == (m_finishing ? QString() : step().id)) {
            m_sealEvent.clear();
            m_sealTimer->stop();
            m_finishing ? finishAudited() : sealStep(step().ok);
        }
    });
    connect(m_audit.get(), &AuditLog::writeFailed, this, [this](const QString& error) {
        if (m_report.error.isEmpty())
            m_report.error = u"the audit log could not be written: "_s + error;
        if (!m_sealEvent.isEmpty()) {
            m_sealEvent.clear();
            m_sealTimer->stop();
            m_finishing ? finishAudited() : sealStep(false);
        }
    });
    m_sealTimer = new QTimer(this);
    m_sealTimer->setSingleShot(true);
    m_sealTimer->setInterval(kSealTimeoutMs);
    connect(m_sealTimer, &QTimer::timeout, this, [this] {
        m_sealEvent.clear();
        if (m_report.error.isEmpty())
            m_report.error = u"the audit log did not confirm a record within %1 s"_s.arg(kSealTimeoutMs / 1000);
        m_finishing ? finishAudited() : sealStep(false);
    });
    m_audit->openWithoutKeyring(); // a sandbox's log is chained with SHA-256: its key would outlive the sandbox
    auditDrill(u"drill-started"_s, { { u"sandbox"_s, m_dir }, { u"kube"_s, m_options.kube } });
    runStep(0);
}

void Drill::cancel()
{
    if (!m_running || m_cancel)
        return;
    m_cancel = true;
    if (m_busy)
        m_busy->cancel();
    if (m_waiting) {
        m_waiting = false;
        runStep(m_current + 1); // ends the drill: cancelled before that step
    }
}

void Drill::auditDrill(const QString& event, QJsonObject data)
{
    if (!m_audit)
        return;
    data.insert(u"drill"_s, true);
    const auto appended = m_audit->append(event, data);
    if (!appended && m_report.error.isEmpty())
        m_report.error = u"the audit log refused a drill record: "_s + appended.error().message;
}

void Drill::setupError(const QString& message)
{
    m_report.setupFailed = true;
    if (m_report.error.isEmpty())
        m_report.error = message;
    // finished() always comes after start() returned.
    QTimer::singleShot(0, this, [this] { finish(); });
}

void Drill::runStep(int index)
{
    if (index >= int(m_defs.size()))
        return finish();
    if (m_cancel) {
        m_report.cancelled = true;
        m_report.error = u"cancelled before the step \"%1\""_s.arg(m_defs.at(index).title);
        return finish();
    }
    m_current = index;
    const StepDef& def = m_defs.at(index);
    Step s;
    s.id = def.id;
    s.title = def.title;
    s.expected = def.expected;
    s.startedMs = m_clock.elapsed();
    m_report.steps << s;
    m_collecting = true;
    Q_EMIT stepStarted(def.id, def.title);
    def.run([this](bool ok) { endStep(ok); });
}

void Drill::fail(Step& s, const QString& observed)
{
    s.ok = false;
    s.observed = observed;
}

void Drill::endStep(bool ok)
{
    Step& s = step();
    if (!m_helperDied.isEmpty()) {
        ok = false;
        s.observed = s.observed.isEmpty() ? m_helperDied : s.observed + u" — "_s + m_helperDied;
    } else if (m_cancel && !ok) {
        m_report.cancelled = true;
    }
    s.ok = ok;
    s.durationMs = m_clock.elapsed() - s.startedMs;
    if (!m_audit)
        return sealStep(ok);
    // The step's drill record is the last one it writes: once it is on disk, so is everything before it.
    m_sealEvent = u"drill-step"_s;
    m_sealTimer->start();
    auditDrill(u"drill-step"_s,
               { { u"step"_s, s.id },
                 { u"ok"_s, ok },
                 { u"expected"_s, s.expected },
                 { u"observed"_s, s.observed },
                 { u"durationMs"_s, s.durationMs },
                 { u"probeIds"_s, stringsJson(s.probeIds) } });
}

void Drill::sealStep(bool ok)
{
    m_collecting = false;
    const Step s = step();
    Q_EMIT stepFinished(s);
    if (!ok) {
        if (m_report.error.isEmpty())
            m_report.error = m_report.cancelled
                ? u"cancelled during the step \"%1\""_s.arg(s.title)
                : u"the step \"%1\" did not behave as expected: %2"_s.arg(s.title, s.observed);
        if (s.id == u"sandbox"_s || s.id == u"servers"_s)
            m_report.setupFailed = !m_report.cancelled;
        return finish();
    }
    if (m_options.pauseBetweenSteps && m_current + 1 < int(m_defs.size()) && !m_cancel) {
        m_waiting = true;
        const StepDef& next = m_defs.at(m_current + 1);
        Q_EMIT waitingForOperator(next.id, next.title);
        return;
    }
    runStep(m_current + 1);
}

void Drill::finish()
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_collecting = false;
    m_report.ok = m_report.error.isEmpty() && m_report.steps.size() == int(m_defs.size())
        && std::all_of(m_report.steps.cbegin(), m_report.steps.cend(), [](const Step& s) { return s.ok; });
    if (!m_audit)
        return finishAudited();
    m_sealEvent = u"drill-finished"_s;
    m_sealTimer->start();
    auditDrill(u"drill-finished"_s,
               { { u"ok"_s, m_report.ok },
                 { u"error"_s, m_report.error },
                 { u"steps"_s, int(m_report.steps.size()) },
                 { u"totalMs"_s, m_clock.elapsed() } });
}

void Drill::finishAudited()
{
    // Verify the log off this thread, stop the helpers, then tidy the sandbox.
    const auto verified = [this](const AuditVerifyReport& v) {
        m_report.auditRecords = v.records;
        m_report.auditVerified = v.ok;
        if (!v.lastMac.isEmpty())
            m_report.auditLastMac = v.lastMac;
        if (!v.ok && m_report.error.isEmpty()) {
            m_report.error = u"the drill's audit log does not verify: "_s + v.problem;
            m_report.ok = false;
        }
        stopHelpers([this] { release(); });
    };
    if (!m_audit)
        return verified({});
    runThenCallback(
        this, [inputs = m_audit->verifyInputs()] { return AuditLog::verifyWith(inputs); }, verified);
}

void Drill::release()
{
    m_rotation.reset();
    m_replace.reset();
    m_audit.reset();
    m_report.totalMs = m_clock.elapsed();
    const auto done = [this](bool) {
        m_running = false;
        Q_EMIT finished(m_report);
    };
    if (!m_filled)
        return done(true);
    const QString dir = m_dir;
    const bool remove = !m_options.keep;
    const bool ownsDir = m_ownsDir;
    const QByteArray md = m_report.toMarkdown().toUtf8();
    const QByteArray json = QJsonDocument(m_report.toJson()).toJson(QJsonDocument::Indented);
    runThenCallback(
        this,
        [dir, remove, ownsDir, md, json] {
            if (!remove) {
                QString error;
                return writeSandboxFile(dir + u"/report.md"_s, md, false, &error)
                    && writeSandboxFile(dir + u"/report.json"_s, json, false, &error);
            }
            QDir d(dir);
            if (ownsDir)
                return d.removeRecursively();
            bool ok = true;
            for (const QFileInfo& e : d.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
                ok = (e.isDir() && !e.isSymLink() ? QDir(e.filePath()).removeRecursively()
                                                  : QFile::remove(e.filePath()))
                    && ok;
            return ok;
        },
        done);
}

// ---- helpers ---------------------------------------------------------------------------------------

void Drill::startHelper(const QString& name, const QString& program, const QStringList& args, Next next)
{
    auto owned = std::make_unique<Helper>();
    Helper* h = owned.get();
    m_helpers.push_back(std::move(owned));
    h->name = name;
    h->stderrPath = path(u"logs/%1.stderr"_s.arg(name));
    QDir().mkpath(path(u"logs"_s));
    h->process = new QProcess(this);
    h->process->setProgram(program);
    h->process->setArguments(args);
    h->process->setStandardErrorFile(h->stderrPath);
    h->process->setProcessChannelMode(QProcess::SeparateChannels);
    // A helper dies with the process that started it, even if that one is killed outright.
    h->process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });

    auto settled = std::make_shared<bool>(false);
    auto* timer = new QTimer(h->process);
    timer->setSingleShot(true);
    const auto settle = [this, h, settled, timer, next](bool ok, const QString& why) {
        if (*settled)
            return;
        *settled = true;
        timer->stop();
        if (!ok)
            fail(step(), u"%1 (%2) %3"_s.arg(QFileInfo(h->process->program()).fileName(), h->name, why));
        next(ok);
    };
    connect(h->process, &QProcess::readyReadStandardOutput, this, [h, settle] {
        h->out += h->process->readAllStandardOutput();
        if (h->listening)
            return;
        static const QRegularExpression listening(u"LISTENING (\\d+)"_s);
        const auto m = listening.match(QString::fromUtf8(h->out));
        if (!m.hasMatch())
            return;
        h->listening = true;
        h->pid = h->process->processId();
        h->port = quint16(m.captured(1).toUInt());
        settle(true, {});
    });
    connect(h->process, &QProcess::errorOccurred, this, [h, settle](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            settle(false, u"could not be started: "_s + h->process->errorString());
    });
    connect(h->process, &QProcess::finished, this, [this, h, settled, settle](int code, QProcess::ExitStatus status) {
        QString how = exitText(code, status);
        const QString last = lastLine(h->stderrPath);
        if (!last.isEmpty())
            how += u": "_s + last;
        if (!*settled)
            return settle(false, u"stopped before it listened (%1)"_s.arg(how));
        if (!h->stopping)
            helperExited(h, how);
    });
    connect(timer, &QTimer::timeout, this,
            [settle] { settle(false, u"did not listen within %1 s"_s.arg(kListenTimeoutMs / 1000)); });
    timer->start(kListenTimeoutMs);
    h->process->start();
}

void Drill::helperExited(Helper* h, const QString& how)
{
    if (!m_helperDied.isEmpty())
        return;
    m_helperDied
        = u"the %1 helper (pid %2) stopped on its own while the drill ran (%3)"_s.arg(h->name).arg(h->pid).arg(how);
    if (m_report.error.isEmpty())
        m_report.error = m_helperDied;
    if (m_busy)
        m_busy->cancel();
}

void Drill::stopHelpers(std::function<void()> done)
{
    QList<QProcess*> running;
    for (const auto& h : m_helpers) {
        if (h->process->state() == QProcess::NotRunning)
            continue;
        h->stopping = true;
        running << h->process;
    }
    if (running.isEmpty())
        return done();
    auto left = std::make_shared<int>(int(running.size()));
    auto called = std::make_shared<bool>(false);
    auto* killTimer = new QTimer(this);
    killTimer->setSingleShot(true);
    const auto one = [left, called, killTimer, done] {
        if (--*left > 0 || *called)
            return;
        *called = true;
        killTimer->stop();
        killTimer->deleteLater();
        done();
    };
    for (QProcess* p : running) {
        connect(p, &QProcess::finished, this, one, Qt::SingleShotConnection);
        p->terminate();
    }
    connect(killTimer, &QTimer::timeout, this, [running] {
        for (QProcess* p : running)
            if (p->state() != QProcess::NotRunning)
                p->kill();
    });
    killTimer->start(kStopGraceMs);
}

// ---- the steps -------------------------------------------------------------------------------------

void Drill::buildSandbox(Next next)
{
    const QString dir = m_dir;
    runThenCallback(
        this,
        [dir] {
            Sandbox out;
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            const pki::Hierarchy oldCa = pki::makeHierarchy(now, u"Drill Old"_s);
            const pki::Hierarchy newCa = pki::makeHierarchy(now, u"Drill New"_s);
            const pki::Hierarchy clients = pki::makeHierarchy(now, u"Drill Clients"_s);
            const pki::Issued client = pki::issueClientCertificate(now, clients);
            const auto leaf = [now](const QString& name, const pki::Issued& issuer, int days) {
                pki::CertSpec spec;
                spec.commonName = name + u".drill.local"_s;
                spec.notBefore = now - 3600;
                spec.notAfter = now + days * pki::kSecondsPerDay;
                spec.extendedKeyUsage = { u"serverAuth"_s };
                spec.subjectAltNames = { u"DNS:localhost"_s, u"IP:127.0.0.1"_s, u"DNS:"_s + spec.commonName };
                return pki::issue(spec, pki::makeKey(), &issuer);
            };
            struct File {
                QString path;
                QByteArray bytes;
                bool secret = false;
            };
            QList<File> files;
            const auto ca = [&](const QString& name, const pki::Issued& issued) {
                files.append({ u"ca/%1.pem"_s.arg(name), issued.pem(), false });
                files.append({ u"ca/%1.key"_s.arg(name), issued.keyPem(), true });
            };
            ca(u"old-root"_s, oldCa.root);
            ca(u"old-intermediate"_s, oldCa.intermediate);
            ca(u"new-root"_s, newCa.root);
            ca(u"new-intermediate"_s, newCa.intermediate);
            ca(u"client-root"_s, clients.root);
            ca(u"client-intermediate"_s, clients.intermediate);
            for (const QString& name : { u"api"_s, u"payments"_s }) {
                const pki::Issued now1 = leaf(name, oldCa.intermediate, 60);
                const pki::Issued renewed = leaf(name, newCa.intermediate, 90);
                if (!now1.cert || !renewed.cert) {
                    out.error = u"OpenSSL could not issue the %1 server's certificates"_s.arg(name);
                    return out;
                }
                files.append({ u"servers/%1.pem"_s.arg(name), now1.pem() + oldCa.intermediate.pem(), false });
                files.append({ u"servers/%1.key"_s.arg(name), now1.keyPem(), true });
                files.append(
                    { u"servers/renewed/%1.pem"_s.arg(name), renewed.pem() + newCa.intermediate.pem(), false });
                files.append({ u"servers/renewed/%1.key"_s.arg(name), renewed.keyPem(), true });
            }
            if (!oldCa.leaf.cert || !newCa.leaf.cert || !client.cert) {
                out.error = u"OpenSSL could not make the sandbox's CAs"_s;
                return out;
            }
            files.append({ u"servers/client-ca.pem"_s, clients.root.pem(), false });
            files.append({ u"client/client.pem"_s, client.pem() + clients.intermediate.pem(), false });
            files.append({ u"client/client.key"_s, client.keyPem(), true });
            out.storeBytes = oldCa.root.pem();
            files.append({ u"store/ca-bundle.pem"_s, out.storeBytes, false });
            out.candidateBytes = newCa.root.pem();
            files.append({ u"incoming/new-ca.pem"_s, out.candidateBytes, false });
            for (const File& f : files) {
                if (!writeSandboxFile(dir + u'/' + f.path, f.bytes, f.secret, &out.error))
                    return out;
                out.keys += f.secret ? 1 : 0;
                out.certificates += int(f.bytes.count("-----BEGIN CERTIFICATE-----"));
            }
            out.oldRootSha = sha256Hex(oldCa.root.der());
            out.newRootSha = sha256Hex(newCa.root.der());
            out.clientCaSha = sha256Hex(clients.root.der());
            auto identity = clientIdentityFromData(client.pem() + clients.intermediate.pem(), u"client/client.pem"_s,
                                                   client.keyPem(), u"client/client.key"_s);
            if (!identity) {
                out.error = identity.error().text();
                return out;
            }
            out.client = identity.value();
            return out;
        },
        [this, next](const Sandbox& made) {
            if (!made.error.isEmpty()) {
                fail(step(), made.error);
                return next(false);
            }
            m_report.oldRootSha256 = made.oldRootSha;
            m_report.newRootSha256 = made.newRootSha;
            m_report.clientCaSha256 = made.clientCaSha;
            m_client = made.client;
            m_originalSha = sha256Hex(made.storeBytes);
            m_newSha = sha256Hex(made.candidateBytes);
            step().observed = u"%1 keys (0600) and %2 certificates in %3; old root %4…, new root %5…"_s.arg(made.keys)
                                  .arg(made.certificates)
                                  .arg(m_dir, shortSha(made.oldRootSha), shortSha(made.newRootSha));
            next(true);
        });
}

void Drill::startServers(Next next)
{
    const auto port = [this](int i) { return QString::number(m_options.port == 0 ? 0 : m_options.port + i); };
    const auto serverArgs = [this, port](const QString& name, int i) {
        return QStringList { u"--host"_s,         u"127.0.0.1"_s,
                             u"--port"_s,         port(i),
                             u"--cert"_s,         path(u"servers/%1.pem"_s.arg(name)),
                             u"--key"_s,          path(u"servers/%1.key"_s.arg(name)),
                             u"--refresh-secs"_s, QString::number(m_options.serverRefreshSecs),
                             u"--metadata-log"_s, path(u"servers/%1.log"_s.arg(name)) };
    };
    const auto described = [this, next] {
        QStringList parts;
        m_targets.clear();
        m_targetNames.clear();
        m_report.targets.clear();
        for (const auto& h : m_helpers) {
            if (h->name == u"kube-api"_s) {
                parts << u"Kubernetes API on 127.0.0.1:%1 with Secret drill/trust-bundle (key ca.crt)"_s.arg(h->port);
                continue;
            }
            const QString target = u"127.0.0.1:%1"_s.arg(h->port);
            m_targets << target;
            m_targetNames << h->name;
            const QString what = h->name == u"payments"_s ? u"mTLS, client certificate required"_s : u"TLS"_s;
            m_report.targets << u"%1 %2 (%3)"_s.arg(h->name, target, what);
            parts << u"%1 on %2 (%3)"_s.arg(h->name, target, what);
        }
        step().observed = parts.join(u"; "_s);
        next(true);
    };
    startHelper(u"api"_s, m_serverProgram, serverArgs(u"api"_s, 0), [=, this](bool ok) {
        if (!ok)
            return next(false);
        startHelper(u"payments"_s, m_serverProgram,
                    serverArgs(u"payments"_s, 1) << u"--client-ca"_s << path(u"servers/client-ca.pem"_s),
                    [=, this](bool ok2) {
                        if (!ok2)
                            return next(false);
                        if (!m_options.kube)
                            return described();
                        startHelper(u"kube-api"_s, m_kubeProgram,
                                    { u"--port"_s, port(2), u"--write-kubeconfig"_s, path(u"kubeconfig"_s),
                                      u"--secret"_s, u"drill/trust-bundle/ca.crt="_s + path(u"store/ca-bundle.pem"_s) },
                                    [=](bool ok3) { ok3 ? described() : next(false); });
                    });
    });
}

rotation::Rotation::Settings Drill::rotationSettings() const
{
    rotation::Rotation::Settings s;
    s.audit = m_audit.get();
    s.actor = u"drill"_s;
    s.drill = true;
    s.stateDir = path(u"state"_s);
    s.probe.timeoutMs = 3000;
    s.probe.clientIdentity = m_client;
    s.confirmDeadlineMs = 15000;
    s.confirmInitialBackoffMs = 100;
    s.confirmMaxBackoffMs = 1000;
    if (m_options.kube)
        s.committer.kubeconfig = path(u"kubeconfig"_s);
    return s;
}

rotation::Rotation::Request Drill::request(rotation::Rotation::Mode mode) const
{
    rotation::Rotation::Request r;
    r.candidatePath = path(u"incoming/new-ca.pem"_s);
    r.mode = mode;
    r.destinations << rotation::Rotation::DestinationSpec { m_report.store, m_targets, 0, {}, -1 };
    return r;
}

void Drill::runOp(rotation::Rotation* rotation, const std::function<void()>& start,
                  std::function<void(const rotation::Outcome&)> done)
{
    m_busy = rotation;
    connect(
        rotation, &rotation::Rotation::finished, this,
        [this, done = std::move(done)](const rotation::Outcome& outcome) {
            // On a later turn: the next operation never starts inside this one's finished().
            QTimer::singleShot(0, this, [this, done, outcome] {
                m_busy = nullptr;
                note(outcome);
                done(outcome);
            });
        },
        Qt::SingleShotConnection);
    start();
    if (m_cancel || !m_helperDied.isEmpty())
        rotation->cancel();
}

void Drill::note(const rotation::Outcome& outcome)
{
    if (m_report.steps.isEmpty())
        return;
    Step& s = step();
    for (const rotation::DestinationOutcome& d : outcome.destinations) {
        if (d.targets.isEmpty())
            continue;
        s.targets = d.targets;
        for (const rotation::TargetStatus& t : d.targets)
            if (!t.probeId.isEmpty() && !s.probeIds.contains(t.probeId))
                s.probeIds << t.probeId;
    }
}

QString Drill::targetName(const QString& target) const
{
    const int i = int(m_targets.indexOf(target));
    return i < 0 ? target : u"%1 (%2)"_s.arg(m_targetNames.at(i), target);
}

QString Drill::targetsText(const QList<rotation::TargetStatus>& targets) const
{
    QStringList parts;
    for (const rotation::TargetStatus& t : targets) {
        QString part = targetName(t.target) + (t.ok ? u" verifies"_s : u" fails"_s);
        if (!t.anchoredBy.isEmpty())
            part += u", anchored by the %1 CA"_s.arg(t.anchoredBy);
        if (!t.ok && !t.error.isEmpty())
            part += u" ("_s + t.error + u')';
        parts << part;
    }
    return parts.join(u"; "_s);
}

QString Drill::targetsProblem(const rotation::Outcome& outcome, const QString& side) const
{
    if (outcome.destinations.isEmpty())
        return u"no destination in the outcome"_s;
    const QList<rotation::TargetStatus>& targets = outcome.destinations.first().targets;
    if (targets.size() != m_targets.size())
        return u"%1 of %2 servers probed"_s.arg(targets.size()).arg(m_targets.size());
    for (const rotation::TargetStatus& t : targets)
        if (!t.ok || (!side.isEmpty() && t.anchoredBy != side))
            return targetsText(targets);
    return {};
}

namespace {

QString outcomeText(const rotation::Outcome& o)
{
    QString text = o.ok ? u"%1 succeeded"_s.arg(o.operation)
                        : u"%1 failed (%2): %3"_s.arg(o.operation, o.code.isEmpty() ? u"?"_s : o.code, o.message);
    return text;
}

QSet<QString> setOf(const QStringList& list)
{
    return QSet<QString>(list.cbegin(), list.cend());
}

} // namespace

void Drill::replaceRefused(Next next)
{
    m_replace = std::make_unique<rotation::Rotation>(rotationSettings());
    rotation::Rotation* r = m_replace.get();
    runOp(
        r, [this, r] { r->stage(request(rotation::Rotation::Mode::Replace)); },
        [this, r, next](const rotation::Outcome& staged) {
            if (!staged.ok) {
                fail(step(), u"staging the replace: "_s + outcomeText(staged));
                return next(false);
            }
            runOp(
                r, [r] { r->commitWave(0); },
                [this, r, next](const rotation::Outcome& refused) {
                    const rotation::DestinationOutcome d = refused.destinations.isEmpty()
                        ? rotation::DestinationOutcome {}
                        : refused.destinations.first();
                    const rotation::Violation v
                        = d.violations.isEmpty() ? rotation::Violation {} : d.violations.first();
                    const bool discarded = r->discard();
                    if (refused.ok || refused.code != u"policy"_s || v.rule != rotation::policy::needsOldCa
                        || setOf(v.targets) != setOf(m_targets) || !discarded) {
                        fail(step(),
                             u"expected a refusal naming every server; got: %1%2"_s.arg(
                                 refused.ok ? u"the replace was committed"_s : outcomeText(refused),
                                 discarded ? QString() : u" (and the staged replace could not be discarded)"_s));
                        return next(false);
                    }
                    QStringList names;
                    for (const QString& t : v.targets)
                        names << targetName(t);
                    step().observed = u"refused (%1) for %2: %3; nothing written, the staged replace discarded"_s.arg(
                        v.rule, names.join(u", "_s), v.message);
                    next(true);
                });
        });
}

void Drill::stage(Next next)
{
    m_rotation = std::make_unique<rotation::Rotation>(rotationSettings());
    rotation::Rotation* r = m_rotation.get();
    runOp(
        r, [this, r] { r->stage(request(rotation::Rotation::Mode::Overlap)); },
        [this, next](const rotation::Outcome& staged) {
            if (!staged.ok || staged.destinations.isEmpty()) {
                fail(step(), outcomeText(staged));
                return next(false);
            }
            const rotation::DestinationOutcome& d = staged.destinations.first();
            QStringList problems;
            for (const rotation::Violation& v : d.violations)
                problems << u"%1: %2"_s.arg(v.rule, v.message);
            if (d.certificatesBefore != 1 || d.certificatesAfter != 2)
                problems
                    << u"%1 → %2 certificates, expected 1 → 2"_s.arg(d.certificatesBefore).arg(d.certificatesAfter);
            if (d.beforeSha256 != m_originalSha)
                problems << u"the store is not the original (sha %1…, expected %2…): something wrote it"_s.arg(
                    shortSha(d.beforeSha256), shortSha(m_originalSha));
            if (!problems.isEmpty()) {
                fail(step(), problems.join(u"; "_s));
                return next(false);
            }
            step().observed = u"%1 → %2 certificates, adds %3; no rule broken; the store still holds the original "
                              u"(sha %4…)"_s.arg(d.certificatesBefore)
                                  .arg(d.certificatesAfter)
                                  .arg(d.added.join(u", "_s), shortSha(d.beforeSha256));
            next(true);
        });
}

void Drill::overlap(Next next)
{
    rotation::Rotation* r = m_rotation.get();
    runOp(
        r, [r] { r->commitWave(0); },
        [this, r, next](const rotation::Outcome& committed) {
            if (!committed.ok || committed.destinations.isEmpty()
                || committed.destinations.first().phase != rotation::phaseName(rotation::Phase::Overlap)) {
                fail(step(), u"commit: "_s + outcomeText(committed));
                return next(false);
            }
            m_overlapSha = committed.destinations.first().afterSha256;
            const QString committedProblem = targetsProblem(committed, u"old"_s);
            if (!committedProblem.isEmpty()) {
                fail(step(), u"commit confirmed, but: "_s + committedProblem);
                return next(false);
            }
            const QString timeToTrust = [&] {
                QStringList parts;
                for (const rotation::TargetStatus& t : committed.destinations.first().targets)
                    parts << u"%1 ms"_s.arg(qRound64(t.timeToTrustMs));
                return parts.join(u", "_s);
            }();
            runOp(
                r, [r] { r->confirm(); },
                [this, next, timeToTrust](const rotation::Outcome& confirmed) {
                    const QString problem = confirmed.ok ? targetsProblem(confirmed, u"old"_s) : outcomeText(confirmed);
                    if (!problem.isEmpty()) {
                        fail(step(), u"confirm: "_s + problem);
                        return next(false);
                    }
                    step().observed = u"old + new written (sha %1…), time to trust %2; confirm: %3"_s.arg(
                        shortSha(m_overlapSha), timeToTrust, targetsText(confirmed.destinations.first().targets));
                    next(true);
                });
        });
}

void Drill::earlyRetire(Next next)
{
    rotation::Rotation* r = m_rotation.get();
    runOp(
        r, [r] { r->retire(); },
        [this, r, next](const rotation::Outcome& refused) {
            const rotation::DestinationOutcome d
                = refused.destinations.isEmpty() ? rotation::DestinationOutcome {} : refused.destinations.first();
            const rotation::Violation v = d.violations.isEmpty() ? rotation::Violation {} : d.violations.first();
            const bool stillOverlap = !r->state().destinations.isEmpty()
                && r->state().destinations.first().phase == rotation::Phase::Overlap;
            if (refused.ok || refused.code != u"policy"_s || v.rule != rotation::policy::needsOldCa
                || setOf(v.targets) != setOf(m_targets) || !stillOverlap) {
                fail(step(),
                     u"expected a refusal naming every server; got: "_s
                         + (refused.ok ? u"the old CA was retired"_s : outcomeText(refused)));
                return next(false);
            }
            QStringList names;
            for (const QString& t : v.targets)
                names << targetName(t);
            step().observed = u"refused (%1), naming %2; the overlap stays"_s.arg(v.rule, names.join(u", "_s));
            next(true);
        });
}

void Drill::switchServers(Next next)
{
    const QString dir = m_dir;
    const QStringList names = m_targetNames;
    runThenCallback(
        this,
        [dir, names] {
            // As a renewal does: the key, then the chain, each replaced by a rename.
            for (const QString& name : names) {
                for (const QString& ext : { u"key"_s, u"pem"_s }) {
                    QFile from(u"%1/servers/renewed/%2.%3"_s.arg(dir, name, ext));
                    if (!from.open(QIODevice::ReadOnly))
                        return u"cannot read %1: %2"_s.arg(from.fileName(), from.errorString());
                    QString error;
                    if (!writeSandboxFile(u"%1/servers/%2.%3"_s.arg(dir, name, ext), from.readAll(), ext == u"key"_s,
                                          &error))
                        return error;
                }
            }
            return QString();
        },
        [this, next](const QString& error) {
            if (!error.isEmpty()) {
                fail(step(), error);
                return next(false);
            }
            m_switchStartedMs = m_clock.elapsed();
            confirmUntilNew(next);
        });
}

void Drill::confirmUntilNew(Next next)
{
    rotation::Rotation* r = m_rotation.get();
    runOp(
        r, [r] { r->confirm(); },
        [this, next](const rotation::Outcome& confirmed) {
            const QString problem = confirmed.ok ? targetsProblem(confirmed, u"new"_s) : outcomeText(confirmed);
            if (problem.isEmpty()) {
                step().observed = u"the servers serve new-CA chains %1 ms after the renewal; confirm: %2"_s
                                      .arg(m_clock.elapsed() - m_switchStartedMs)
                                      .arg(targetsText(confirmed.destinations.first().targets));
                return next(true);
            }
            const bool late = m_clock.elapsed() - m_switchStartedMs > m_options.switchDeadlineMs;
            if (!confirmed.ok || late || m_cancel || !m_helperDied.isEmpty()) {
                fail(step(),
                     late ? u"the servers still do not serve new-CA chains after %1 ms: %2"_s
                                .arg(m_options.switchDeadlineMs)
                                .arg(problem)
                          : problem);
                return next(false);
            }
            QTimer::singleShot(kSwitchPollMs, this, [this, next] { confirmUntilNew(next); });
        });
}

void Drill::retire(Next next)
{
    rotation::Rotation* r = m_rotation.get();
    runOp(
        r, [r] { r->retire(); },
        [this, next](const rotation::Outcome& retired) {
            if (!retired.ok || retired.destinations.isEmpty()
                || retired.destinations.first().phase != rotation::phaseName(rotation::Phase::Retired)) {
                fail(step(), outcomeText(retired));
                return next(false);
            }
            const QString problem = targetsProblem(retired, u"new"_s);
            if (!problem.isEmpty()) {
                fail(step(), u"retired, but: "_s + problem);
                return next(false);
            }
            const rotation::DestinationOutcome& d = retired.destinations.first();
            if (d.afterSha256 != m_newSha) {
                fail(step(),
                     u"retired to sha %1…, expected the new CA alone (%2…)"_s.arg(shortSha(d.afterSha256),
                                                                                  shortSha(m_newSha)));
                return next(false);
            }
            step().observed = u"the new CA alone written (sha %1…, byte for byte the candidate); confirm: %2"_s.arg(
                shortSha(d.afterSha256), targetsText(d.targets));
            next(true);
        });
}

void Drill::rollback(Next next)
{
    rotation::Rotation* r = m_rotation.get();
    runOp(
        r, [r] { r->rollback(); },
        [this, next](const rotation::Outcome& back) {
            if (!back.ok || back.destinations.isEmpty()
                || back.destinations.first().phase != rotation::phaseName(rotation::Phase::Overlap)) {
                fail(step(), outcomeText(back));
                return next(false);
            }
            const rotation::DestinationOutcome& d = back.destinations.first();
            if (d.afterSha256 != m_overlapSha) {
                fail(step(),
                     u"rolled back to sha %1…, expected the overlap's %2…"_s.arg(shortSha(d.afterSha256),
                                                                                 shortSha(m_overlapSha)));
                return next(false);
            }
            const QString problem = targetsProblem(back, {});
            if (!problem.isEmpty()) {
                fail(step(), u"rolled back, but: "_s + problem);
                return next(false);
            }
            step().observed = u"the overlap written back (sha %1…, byte for byte); the probes follow: %2"_s.arg(
                shortSha(d.afterSha256), targetsText(d.targets));
            next(true);
        });
}

} // namespace certrotor::drill
