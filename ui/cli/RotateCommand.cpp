// SPDX-License-Identifier: GPL-3.0-or-later
#include "RotateCommand.h"

#include "AuditCommand.h"
#include "CliCommon.h"
#include "audit/AuditLog.h"
#include "rotation/Rotation.h"
#include "rotation/RotationPlan.h"
#include "util/Clock.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSocketNotifier>

#include <csignal>
#include <memory>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace certrotor::cli {

namespace {

using rotation::DestinationOutcome;
using rotation::DestinationState;
using rotation::Outcome;
using rotation::Rotation;
using rotation::RotationState;
using rotation::TargetStatus;

const char* const kRotateUsage =
    R"(Usage: certrotor-cli rotate --store DEST... --candidate BUNDLE --target HOST:PORT... [--mode overlap|replace]
                            [--dry-run] [--expect-sha256 HEX] [--override-reason TEXT]
                            [--confirm-deadline SECONDS] [--timeout MS] [--audit-log FILE] [--yes] [--json]
       certrotor-cli rotate --plan PLAN.yaml [--candidate BUNDLE] [same options]
       certrotor-cli rotate status [--store DEST] [--json]

Moves a candidate CA bundle into trust stores, phase by phase, each phase gated and audited:
  stage    read the candidate and every destination, preview the change (diff of the bytes, CAs added
           and removed, the overlap window, lint) and probe every target with the bundle now and the
           bundle to commit;
  overlap  write old + new (deduplicated, new first) to each destination: temporary file, fsync, rename,
           fsync of the directory, mode and owner kept, the last versions kept as backups; Secrets and
           ConfigMaps: one key, with the staged resourceVersion as precondition; then read back;
  confirm  re-probe every target with fresh connections until each verifies under the committed bundle
           (backoff from 250 ms to 5 s, --confirm-deadline), and report which CA anchors each chain.
Then, once the servers serve new-CA chains: certrotor-cli retire; at any point: certrotor-cli rollback.

  --store DEST            a bundle file, secret://[CONTEXT/]NAMESPACE/NAME#KEY or
                          configmap://[CONTEXT/]NAMESPACE/NAME#KEY (repeat for several; one wave)
  --candidate BUNDLE      the new CA bundle (PEM, DER or PKCS#7), a file or a secret://…#KEY or
                          configmap://…#KEY; it must parse whole, and may not change until committed
  --target HOST:PORT      a gRPC server that trusts the store; ";servername=NAME" and ";service=NAME"
                          may follow (repeat for several; every destination is proved with every target)
  --plan PLAN.yaml        destinations, targets and waves from a rotation plan (wave N+1 starts only
                          when wave N is committed and confirmed)
  --mode overlap|replace  overlap (default), or replace: new only in one step, only when the gate passes
  --dry-run               stop after staging: print per destination the bytes that would change and the
                          verdict the change would produce; nothing is written, no state is kept
  --expect-sha256 HEX     refuse a candidate whose SHA-256 is not HEX (the digest in the change ticket)
  --override-reason TEXT  commit although a blocking rule refuses it; TEXT (12 characters or more) is
                          audited with the rule it overrides
  --confirm-deadline SEC  how long confirmation waits for every target (default 180)
  --timeout MS            deadline of each probe (default 5000)
  --audit-log FILE        the audit log (default: $CERTROTOR_AUDIT_LOG, else ~/.local/share/certrotor/audit.jsonl)
  --yes                   do not ask before writing (without it, a terminal is asked)
  --json                  one JSON object with every step's outcome on stdout
The rotation's state is kept in $CERTROTOR_STATE_DIR (default ~/.local/state/certrotor/rotations), so
'rotate status', 'retire' and 'rollback' pick it up after a restart or a crash.
Exit codes: 0 done; 1 refused by policy, a failed probe, a failed confirmation or a conflict; 2 usage or
I/O error; 3 done, but the audit log could not be written.
Examples:
  certrotor-cli rotate --store /etc/grpc/ca.pem --candidate new-ca.pem --target gw.internal:8443 --dry-run
  certrotor-cli rotate --store secret://prod/payments/grpc-ca#ca.crt --candidate new-ca.pem --target 10.0.0.7:8443
  certrotor-cli rotate --plan rotation.yaml --yes --json
  certrotor-cli rotate status
)";

const char* const kRetireUsage =
    R"(Usage: certrotor-cli retire --store DEST... [--target HOST:PORT...] [--override-reason TEXT]
                            [--confirm-deadline SECONDS] [--timeout MS] [--audit-log FILE] [--yes] [--json]

Commits the new CA bundle alone to destinations in overlap, dropping the old CAs. Gated: every target must
already verify with the new bundle alone; otherwise refused, naming each target that still serves a chain
needing the old CA. --target replaces the targets the rotation was staged with. Then confirms.
Exit codes as for rotate.
Examples:
  certrotor-cli retire --store /etc/grpc/ca.pem
  certrotor-cli retire --store /etc/grpc/ca.pem --target gw.internal:8443 --yes
)";

const char* const kRollbackUsage =
    R"(Usage: certrotor-cli rollback --store DEST... [--confirm-deadline SECONDS] [--timeout MS] [--audit-log FILE]
                              [--yes] [--json]

Writes each destination's previous committed version back through the same committer (after retire: the
overlap; after overlap or replace: the bundle it held before the rotation), re-reads it, re-probes its
targets and audits it. Exit codes as for rotate.
Examples:
  certrotor-cli rollback --store /etc/grpc/ca.pem
  certrotor-cli rotate status     (which rotations can be rolled back, and their stores)
)";

const char* const kStatusUsage = R"(Usage: certrotor-cli rotate status [--store DEST] [--json]

Every rotation kept in the state directory (newest first), or the one holding DEST: phase, confirmation
and the last verdict per destination, which CA anchors each target, and the next step.
Exit codes: 0 shown; 2 a state file does not load (named) or usage error.
Examples:
  certrotor-cli rotate status
  certrotor-cli rotate status --store /etc/grpc/ca.pem --json
)";

int exitFor(const Outcome& o)
{
    if (o.ok)
        return o.auditFailed ? ExitAuditFailed : ExitOk;
    static const QStringList usage { u"usage"_s, u"io"_s,        u"unusable"_s,         u"candidate"_s,
                                     u"plan"_s,  u"not-found"_s, u"readback-mismatch"_s };
    return usage.contains(o.code) ? ExitUsage : ExitFindings;
}

/// Runs one operation of the rotation to its end in a local event loop, printing progress on stderr.
Outcome runToEnd(Rotation& rotation, const std::function<void()>& start)
{
    Outcome result;
    QEventLoop loop;
    // Ctrl+C (SIGINT) or SIGTERM while an operation runs: the rotation stops where it safely can (a
    // confirmation ends, a write in flight finishes, no later step starts); the state stays resumable.
    const StopOnSignal stop([&rotation] {
        err() << "certrotor-cli: stopping: the step in flight finishes, nothing after it starts\n";
        err().flush();
        rotation.cancel();
    });
    const auto finished = QObject::connect(&rotation, &Rotation::finished, &loop, [&](const Outcome& o) {
        result = o;
        loop.quit();
    });
    const auto progress
        = QObject::connect(&rotation, &Rotation::progress, &loop, [](const QString& dest, const QString& message) {
              err() << "  " << dest << ": " << message << "\n";
              err().flush();
          });
    const auto target
        = QObject::connect(&rotation, &Rotation::targetUpdated, &loop, [](const QString& dest, const TargetStatus& t) {
              err() << "  " << dest << ": " << t.target << (t.ok ? u" verifies"_s : u" does not verify yet"_s);
              if (!t.anchoredBy.isEmpty())
                  err() << ", anchored by the " << t.anchoredBy << " CA";
              err() << " (attempt " << t.attempts << ")\n";
              err().flush();
          });
    start();
    loop.exec();
    QObject::disconnect(finished);
    QObject::disconnect(progress);
    QObject::disconnect(target);
    return result;
}

QString targetLine(const TargetStatus& t)
{
    QString line = t.target + (t.ok ? u"  verifies"_s : u"  FAILS"_s);
    if (!t.anchoredBy.isEmpty())
        line += u", anchored by the %1 CA (%2)"_s.arg(t.anchoredBy, t.anchorSubject);
    if (t.timeToTrustMs >= 0)
        line += u", time to trust %1 ms"_s.arg(qRound64(t.timeToTrustMs));
    if (!t.ok && !t.error.isEmpty())
        line += u": "_s + t.error;
    return line;
}

void printDestination(const DestinationOutcome& d, bool withDiff)
{
    out() << d.destination;
    if (!d.waveName.isEmpty())
        out() << "  (wave " << (d.wave + 1) << ", " << d.waveName << ")";
    out() << "\n  phase " << d.phase << (d.ok || d.code.isEmpty() ? QString() : u", FAILED ("_s + d.code + u')')
          << "\n";
    if (d.certificatesBefore || d.certificatesAfter)
        out() << "  certificates " << d.certificatesBefore << " -> " << d.certificatesAfter << "\n";
    for (const QString& a : d.added)
        out() << "    + " << a << "\n";
    for (const QString& r : d.removed)
        out() << "    - " << r << "\n";
    for (const auto& w : d.overlapWindows)
        out() << "  overlap window " << isoUtc(w.start) << " .. " << isoUtc(w.end) << "\n";
    if (!d.beforeSha256.isEmpty())
        out() << "  sha256 " << d.beforeSha256.left(16) << "… -> " << d.afterSha256.left(16) << "…\n";
    if (!d.precondition.isEmpty())
        out() << "  precondition " << d.precondition << "\n";
    if (!d.backup.isEmpty())
        out() << "  backup " << d.backup << "\n";
    if (!d.verdict.isEmpty())
        out() << "  verdict: " << d.verdict << "\n";
    for (const TargetStatus& t : d.targets)
        out() << "    " << targetLine(t) << "\n";
    for (const rotation::Violation& v : d.violations)
        out() << "  " << (d.overridden ? "overridden" : "refused") << " [" << v.rule << "] " << v.message << "\n";
    if (!d.message.isEmpty() && d.violations.isEmpty())
        out() << "  " << d.message << "\n";
    for (const QString& n : d.notes)
        out() << "  note: " << n << "\n";
    if (withDiff) {
        if (d.diff.unified.isEmpty())
            out() << "  (no change to the bytes)\n";
        else
            out() << d.diff.unified << (d.diff.unified.endsWith(u'\n') ? "" : "\n");
    }
    out().flush();
}

void printOutcome(const Outcome& o, bool withDiff)
{
    for (const DestinationOutcome& d : o.destinations)
        printDestination(d, withDiff);
    if (!o.ok)
        out() << o.operation << ": " << (o.message.isEmpty() ? o.code : o.message) << "\n";
    out().flush();
}

/// Asks on a terminal; true without asking when --yes was given or standard input is not a terminal.
bool askOnTerminal(const QString& question, bool yes)
{
    if (yes || ::isatty(STDIN_FILENO) != 1)
        return true;
    err() << question << " Type 'yes' to go on: ";
    err().flush();
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return false;
    const QString answer = QString::fromUtf8(in.readLine().trimmed()).toLower();
    return answer == u"yes"_s || answer == u"y"_s;
}

/// The options every rotation command shares.
struct Shared {
    bool json = false;
    bool yes = false;
    QString auditPath;
    Rotation::Settings settings;
};

void addShared(QCommandLineParser& parser)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({ u"store"_s, u"Destination"_s, u"DEST"_s });
    parser.addOption({ u"target"_s, u"Probe target"_s, u"HOST:PORT"_s });
    parser.addOption({ u"override-reason"_s, u"Typed reason for an override"_s, u"TEXT"_s });
    parser.addOption({ u"confirm-deadline"_s, u"Seconds"_s, u"SECONDS"_s, u"180"_s });
    parser.addOption({ u"timeout"_s, u"Probe deadline in ms"_s, u"MS"_s, u"5000"_s });
    parser.addOption({ u"audit-log"_s, u"Audit log"_s, u"FILE"_s });
    parser.addOption({ u"yes"_s, u"Do not ask"_s });
    parser.addOption({ u"json"_s, u"JSON output"_s });
    parser.addOption({ { u"h"_s, u"help"_s }, u"Show help"_s });
}

/// "" when the shared options are valid, else the usage error.
QString readShared(const QCommandLineParser& parser, const QString& command, Shared& s)
{
    s.json = parser.isSet(u"json"_s);
    s.yes = parser.isSet(u"yes"_s);
    bool ok = false;
    const int deadline = parser.value(u"confirm-deadline"_s).toInt(&ok);
    if (!ok || deadline < 1 || deadline > 7 * 24 * 3600)
        return u"%1: --confirm-deadline takes seconds from 1 to 604800, not '%2'"_s.arg(
            command, parser.value(u"confirm-deadline"_s));
    const int timeout = parser.value(u"timeout"_s).toInt(&ok);
    if (!ok || timeout < 1 || timeout > 3600000)
        return u"%1: --timeout takes milliseconds from 1 to 3600000, not '%2'"_s.arg(command,
                                                                                     parser.value(u"timeout"_s));
    if (parser.isSet(u"audit-log"_s) && parser.value(u"audit-log"_s).isEmpty())
        return command + u": --audit-log needs a path"_s;
    if (parser.isSet(u"override-reason"_s)) {
        const QString why = rotation::policy::checkOverrideReason(parser.value(u"override-reason"_s));
        if (!why.isEmpty())
            return command + u": --override-reason: "_s + why;
    }
    s.auditPath = parser.value(u"audit-log"_s);
    s.settings.actor = u"certrotor-cli"_s;
    s.settings.confirmDeadlineMs = deadline * 1000;
    s.settings.probe.timeoutMs = timeout;
    s.settings.overrideReason = parser.value(u"override-reason"_s);
    return {};
}

void quietLogs()
{
    // The commands print every result themselves: keep the info lines and Qt's HTTP/2 warnings off stderr.
    QLoggingCategory::setFilterRules(u"certrotor.probe.info=false\ncertrotor.keyring.info=false\n"
                                     "certrotor.audit.info=false\ncertrotor.rotation.info=false\n"
                                     "certrotor.kube.info=false\nqt.network.http2.warning=false"_s);
}

/// Writes the command's JSON (every outcome) and returns the exit code, the audit log flushed first.
int finish(AuditLog& log, const QString& command, const Shared& s, const QList<Outcome>& outcomes, int code,
           const QJsonObject& extra = {})
{
    const bool audited = finishAuditLog(log, command);
    bool auditFailed = !audited;
    for (const Outcome& o : outcomes)
        auditFailed |= o.auditFailed;
    if (code == ExitOk && auditFailed)
        code = ExitAuditFailed;
    if (s.json) {
        QJsonArray steps;
        for (const Outcome& o : outcomes)
            steps.append(o.toJson());
        QJsonObject o = extra;
        o.insert(u"command"_s, command);
        o.insert(u"steps"_s, steps);
        o.insert(u"exitCode"_s, code);
        o.insert(u"ok"_s, code == ExitOk);
        printJson(o);
    }
    return code;
}

/// Loads the rotation holding `stores` (all of one rotation) and settles an interrupted write.
bool resumeFor(Rotation& rotation, const QStringList& stores, const QString& command, Outcome& settled, int& code)
{
    Result<std::monostate> resumed = rotation.resume(stores.first());
    if (!resumed.ok()) {
        err() << "certrotor-cli: " << command << ": " << resumed.error().text() << "\n";
        err().flush();
        code = resumed.error().code == u"locked"_s ? ExitFindings : ExitUsage;
        return false;
    }
    if (rotation.isBusy()) {
        settled = runToEnd(rotation, [] {});
        if (!settled.ok) {
            printOutcome(settled, false);
            code = exitFor(settled);
            return false;
        }
    }
    for (const QString& s : stores) {
        Result<rotation::Destination> d = rotation::Destination::parse(s);
        if (!d.ok() || !rotation.state().destination(d.value().id())) {
            err() << "certrotor-cli: " << command << ": " << s << " is not part of rotation " << rotation.state().id
                  << " (which holds " << stores.first() << "); one rotation per command\n";
            err().flush();
            code = ExitUsage;
            return false;
        }
    }
    return true;
}

QStringList idsOf(const QStringList& stores)
{
    QStringList ids;
    for (const QString& s : stores) {
        if (Result<rotation::Destination> d = rotation::Destination::parse(s); d.ok())
            ids << d.value().id();
    }
    return ids;
}

QString storeArgs(const QStringList& ids)
{
    QStringList parts;
    for (const QString& id : ids)
        parts << u"--store "_s + id;
    return parts.join(u' ');
}

// ---- rotate status ------------------------------------------------------------------------------------

QString lockHolder(const RotationState& s)
{
    const QString held = FileLock::holder(RotationState::lockPathFor(s.id));
    return held.isEmpty() ? QString() : u"driven now by another process (lock %1)"_s.arg(held);
}

QString nextStep(const RotationState& s)
{
    QStringList overlap, committed;
    bool staged = false;
    for (const DestinationState& d : s.destinations) {
        if (d.phase == rotation::Phase::Overlap)
            overlap << d.id;
        if (d.phase == rotation::Phase::Staged)
            staged = true;
        if (d.history.size() > 1 && d.phase != rotation::Phase::RolledBack)
            committed << d.id;
    }
    if (!overlap.isEmpty())
        return u"when every server serves a new-CA chain: certrotor-cli retire %1; or certrotor-cli rollback %1"_s.arg(
            storeArgs(overlap));
    if (staged)
        return u"staged only: run certrotor-cli rotate again to commit"_s;
    if (!committed.isEmpty())
        return u"closed; certrotor-cli rollback %1 steps back once"_s.arg(storeArgs(committed));
    return u"closed"_s;
}

int status(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({ u"store"_s, u"Destination"_s, u"DEST"_s });
    parser.addOption({ u"json"_s, u"JSON output"_s });
    parser.addOption({ { u"h"_s, u"help"_s }, u"Show help"_s });
    if (!parser.parse(args))
        return usageError(u"rotate status: "_s + parser.errorText());
    if (parser.isSet(u"help"_s)) {
        out() << kStatusUsage;
        out().flush();
        return ExitOk;
    }
    QString destId;
    if (parser.isSet(u"store"_s)) {
        Result<rotation::Destination> d = rotation::Destination::parse(parser.value(u"store"_s));
        if (!d.ok())
            return usageError(u"rotate status: --store: "_s + d.error().text());
        destId = d.value().id();
    }
    int code = ExitOk;
    QJsonArray all;
    int shown = 0;
    for (const Result<RotationState>& r : RotationState::loadAll()) {
        if (!r.ok()) {
            err() << "certrotor-cli: rotate status: " << r.error().text() << "\n";
            code = ExitUsage;
            continue;
        }
        const RotationState& s = r.value();
        if (!destId.isEmpty() && !s.destination(destId))
            continue;
        ++shown;
        const QString holder = lockHolder(s);
        if (parser.isSet(u"json"_s)) {
            QJsonObject o = s.toJson();
            o.remove(u"newBytes"_s);
            QJsonArray ds;
            for (const DestinationState& d : s.destinations) {
                QJsonObject dj = d.toJson();
                dj.remove(u"originalBytes"_s);
                dj.remove(u"overlapBytes"_s);
                ds.append(dj);
            }
            o.insert(u"destinations"_s, ds);
            o.insert(u"closed"_s, s.isClosed());
            o.insert(u"statePath"_s, RotationState::pathFor(s.id));
            o.insert(u"next"_s, nextStep(s));
            if (!holder.isEmpty())
                o.insert(u"lockedBy"_s, holder);
            all.append(o);
            continue;
        }
        out() << "rotation " << s.id << " (" << s.mode << ", " << (s.isClosed() ? "closed" : "open")
              << (s.drill ? ", drill" : "") << ")\n";
        out() << "  candidate " << s.candidateName << "  sha256 " << s.candidateSha256 << "\n";
        out() << "  created " << s.createdAt.toString(Qt::ISODate) << ", updated " << s.updatedAt.toString(Qt::ISODate)
              << "\n";
        out() << "  state " << RotationState::pathFor(s.id) << "\n";
        if (!holder.isEmpty())
            out() << "  " << holder << "\n";
        for (const DestinationState& d : s.destinations) {
            out() << "  " << d.id;
            if (!d.waveName.isEmpty())
                out() << "  (wave " << (d.wave + 1) << ", " << d.waveName << ")";
            out() << "\n    phase " << rotation::phaseName(d.phase)
                  << (d.confirmed ? ", confirmed" : ", not confirmed");
            if (!d.pending.isEmpty())
                out() << ", a write of the " << d.pending.value(u"label"_s).toString()
                      << " bundle was interrupted (the next command settles it)";
            out() << "\n";
            for (const rotation::CommittedVersion& v : d.history)
                out() << "    " << v.label << "  sha256 " << v.sha256.left(16) << "…  version " << v.version.left(16)
                      << "  " << v.at.toString(Qt::ISODate)
                      << (v.backup.isEmpty() ? QString() : u"  backup "_s + v.backup) << "\n";
            if (!d.lastVerdict.isEmpty())
                out() << "    last verdict: " << d.lastVerdict << "\n";
            if (!d.lastError.isEmpty())
                out() << "    last error: " << d.lastError << "\n";
            for (const TargetStatus& t : d.targetStatus)
                out() << "      " << targetLine(t) << "\n";
        }
        out() << "  next: " << nextStep(s) << "\n";
    }
    if (parser.isSet(u"json"_s))
        printJson(all);
    else if (shown == 0)
        out() << (destId.isEmpty() ? u"no rotation in %1\n"_s.arg(RotationState::stateDir())
                                   : u"no rotation holds %1\n"_s.arg(destId));
    out().flush();
    err().flush();
    return code;
}

} // namespace

// ---- rotate -------------------------------------------------------------------------------------------

int rotate(const QStringList& args)
{
    if (args.size() > 1 && args.at(1) == u"status"_s)
        return status(QStringList { args.first() + u" status"_s } + args.mid(2));

    QCommandLineParser parser;
    addShared(parser);
    parser.addOption({ u"candidate"_s, u"Candidate bundle"_s, u"BUNDLE"_s });
    parser.addOption({ u"plan"_s, u"Rotation plan"_s, u"PLAN.yaml"_s });
    parser.addOption({ u"mode"_s, u"overlap or replace"_s, u"MODE"_s });
    parser.addOption({ u"dry-run"_s, u"Preview only"_s });
    parser.addOption({ u"expect-sha256"_s, u"Candidate digest"_s, u"HEX"_s });
    if (!parser.parse(args))
        return usageError(u"rotate: "_s + parser.errorText());
    if (parser.isSet(u"help"_s)) {
        out() << kRotateUsage;
        out().flush();
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(u"rotate: unexpected argument '%1' (targets go after --target)"_s.arg(
            parser.positionalArguments().first()));
    Shared shared;
    if (const QString bad = readShared(parser, u"rotate"_s, shared); !bad.isEmpty())
        return usageError(bad);

    Rotation::Request request;
    if (parser.isSet(u"plan"_s)) {
        if (parser.isSet(u"store"_s) || parser.isSet(u"target"_s))
            return usageError(u"rotate: --plan names the destinations and targets; drop --store and --target"_s);
        Result<rotation::RotationPlan> plan = rotation::loadRotationPlan(parser.value(u"plan"_s));
        if (!plan.ok())
            return usageError(u"rotate: --plan: "_s + plan.error().text());
        request.destinations = plan.value().destinations;
        request.waveNames = plan.value().waveNames;
        request.planPath = plan.value().path;
        request.candidatePath = plan.value().candidatePath;
        request.expectSha256 = plan.value().expectSha256;
        request.mode = plan.value().mode;
    } else {
        if (!parser.isSet(u"store"_s))
            return usageError(u"rotate: --store DEST is required (or --plan PLAN.yaml)"_s);
        if (!parser.isSet(u"target"_s))
            return usageError(u"rotate: name at least one --target HOST:PORT: a commit needs a passing probe"_s);
        for (const QString& store : parser.values(u"store"_s))
            request.destinations << Rotation::DestinationSpec { store, parser.values(u"target"_s), 0, {}, -1 };
    }
    if (parser.isSet(u"candidate"_s))
        request.candidatePath = parser.value(u"candidate"_s);
    if (request.candidatePath.isEmpty())
        return usageError(u"rotate: --candidate BUNDLE is required"_s);
    if (parser.isSet(u"expect-sha256"_s))
        request.expectSha256 = parser.value(u"expect-sha256"_s);
    if (!request.expectSha256.isEmpty()) {
        static const QRegularExpression hex(u"^[0-9a-fA-F]{64}$"_s);
        if (!hex.match(request.expectSha256.trimmed()).hasMatch())
            return usageError(u"rotate: --expect-sha256 takes 64 hex digits, not '%1'"_s.arg(request.expectSha256));
    }
    if (parser.isSet(u"mode"_s)) {
        const QString mode = parser.value(u"mode"_s);
        if (mode != u"overlap"_s && mode != u"replace"_s)
            return usageError(u"rotate: --mode is overlap or replace, not '%1'"_s.arg(mode));
        request.mode = mode == u"replace"_s ? Rotation::Mode::Replace : Rotation::Mode::Overlap;
    }
    request.dryRun = parser.isSet(u"dry-run"_s);

    quietLogs();
    AuditLog auditLog(shared.auditPath);
    auditLog.open();
    shared.settings.audit = &auditLog;
    Rotation rotation(shared.settings);
    QList<Outcome> outcomes;

    // 1. stage (and, with --dry-run, nothing more).
    const Outcome staged = runToEnd(rotation, [&] { rotation.stage(request); });
    outcomes << staged;
    const QJsonObject ids { { u"rotationId"_s, rotation.state().id } };
    if (!shared.json && staged.ok) {
        out() << (request.dryRun ? "dry run" : "staged") << " rotation " << rotation.state().id << " ("
              << rotation.state().mode << "), candidate " << rotation.state().candidateName << " sha256 "
              << rotation.state().candidateSha256 << "\n";
        printOutcome(staged, request.dryRun);
    } else if (!shared.json) {
        printOutcome(staged, false);
    }
    if (!staged.ok)
        return finish(auditLog, u"rotate"_s, shared, outcomes, exitFor(staged), ids);
    bool refused = false;
    for (const DestinationOutcome& d : staged.destinations)
        refused |= !d.violations.isEmpty();
    if (request.dryRun) {
        if (!shared.json)
            out() << (refused ? "dry run: the commit would be refused (see above); nothing was written\n"
                              : "dry run: the commit would be allowed; nothing was written\n");
        out().flush();
        return finish(auditLog, u"rotate"_s, shared, outcomes,
                      refused && shared.settings.overrideReason.isEmpty() ? ExitFindings : ExitOk, ids);
    }

    // 2. commit wave after wave (each confirmed before the next starts).
    const QList<int> waves = rotation.waves();
    const QString what
        = request.mode == Rotation::Mode::Overlap ? u"the overlap bundle (old + new)"_s : u"the new bundle alone"_s;
    // Always asked (a refusal at staging may not repeat at the commit's own gate: a flaky target).
    const QString refusedNote = refused && shared.settings.overrideReason.isEmpty()
        ? u" (staging found blocking rules: the commit's gate will refuse unless they clear)"_s
        : QString();
    if (!askOnTerminal(u"Write %1 to %2 destination(s) in %3 wave(s)%4?"_s.arg(what)
                           .arg(rotation.state().destinations.size())
                           .arg(waves.size())
                           .arg(refusedNote),
                       shared.yes)) {
        rotation.discard();
        err() << "certrotor-cli: rotate: nothing written (not confirmed)\n";
        err().flush();
        return finish(auditLog, u"rotate"_s, shared, outcomes, ExitFindings, ids);
    }
    for (int wave : waves) {
        if (!shared.json && waves.size() > 1)
            out() << "wave " << rotation.waveLabel(wave) << "\n";
        // The reason covers each wave's commit (the core drops it after every operation), never the
        // rollback offered below.
        rotation.setOverrideReason(shared.settings.overrideReason);
        const Outcome committed = runToEnd(rotation, [&] { rotation.commitWave(wave); });
        outcomes << committed;
        if (!shared.json)
            printOutcome(committed, false);
        if (committed.ok)
            continue;
        // A failure stops the rotation; what was committed can be rolled back.
        QStringList done;
        for (const DestinationState& d : rotation.state().destinations) {
            if (d.history.size() > 1 && d.phase != rotation::Phase::RolledBack)
                done << d.id;
        }
        if (!done.isEmpty()) {
            const QString hint = u"certrotor-cli rollback "_s + storeArgs(done);
            if (!shared.yes && ::isatty(STDIN_FILENO) == 1
                && askOnTerminal(
                    u"The rotation stopped. Roll back the %1 destination(s) already committed?"_s.arg(done.size()),
                    false)) {
                const Outcome back = runToEnd(rotation, [&] { rotation.rollback(); });
                outcomes << back;
                if (!shared.json)
                    printOutcome(back, false);
            } else if (!shared.json) {
                out() << "the rotation stopped; the destinations already committed stay as they are: " << hint << "\n";
            }
        } else {
            rotation.discard(); // nothing was written: no open rotation is left behind
            if (!shared.json)
                out() << "nothing was written\n";
        }
        out().flush();
        return finish(auditLog, u"rotate"_s, shared, outcomes, exitFor(committed), ids);
    }
    if (!shared.json) {
        const QStringList all = idsOf([&] {
            QStringList s;
            for (const DestinationState& d : rotation.state().destinations)
                s << d.id;
            return s;
        }());
        if (request.mode == Rotation::Mode::Overlap)
            out() << "overlap committed and confirmed. When every server serves a new-CA chain: certrotor-cli retire "
                  << storeArgs(all) << "\n";
        else
            out() << "replaced and confirmed.\n";
        out().flush();
    }
    return finish(auditLog, u"rotate"_s, shared, outcomes, ExitOk, ids);
}

// ---- retire / rollback --------------------------------------------------------------------------------

namespace {

int retireOrRollback(const QStringList& args, bool isRetire)
{
    const QString command = isRetire ? u"retire"_s : u"rollback"_s;
    QCommandLineParser parser;
    addShared(parser);
    if (!parser.parse(args))
        return usageError(command + u": "_s + parser.errorText());
    if (parser.isSet(u"help"_s)) {
        out() << (isRetire ? kRetireUsage : kRollbackUsage);
        out().flush();
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(u"%1: unexpected argument '%2'"_s.arg(command, parser.positionalArguments().first()));
    if (!parser.isSet(u"store"_s))
        return usageError(command + u": --store DEST is required (certrotor-cli rotate status lists the rotations)"_s);
    if (!isRetire && parser.isSet(u"target"_s))
        return usageError(
            u"rollback: --target is not an option of rollback (it re-probes the rotation's own targets)"_s);
    Shared shared;
    if (const QString bad = readShared(parser, command, shared); !bad.isEmpty())
        return usageError(bad);
    const QStringList stores = parser.values(u"store"_s);
    for (const QString& s : stores) {
        if (Result<rotation::Destination> d = rotation::Destination::parse(s); !d.ok())
            return usageError(u"%1: --store: %2"_s.arg(command, d.error().text()));
    }
    for (const QString& t : parser.values(u"target"_s)) {
        if (Result<ProbeTarget> pt = rotation::parseTargetSpec(t); !pt.ok())
            return usageError(u"%1: --target %2"_s.arg(command, pt.error().text()));
    }

    quietLogs();
    AuditLog auditLog(shared.auditPath);
    auditLog.open();
    shared.settings.audit = &auditLog;
    Rotation rotation(shared.settings);
    QList<Outcome> outcomes;
    Outcome settled;
    int code = ExitOk;
    if (!resumeFor(rotation, stores, command, settled, code)) {
        if (!settled.operation.isEmpty())
            outcomes << settled;
        return finish(auditLog, command, shared, outcomes, code);
    }
    if (!settled.operation.isEmpty())
        outcomes << settled;
    const QStringList ids = idsOf(stores);
    const QJsonObject extra { { u"rotationId"_s, rotation.state().id } };
    const QString question = isRetire
        ? u"Drop the old CAs from %1 destination(s) (commit the new bundle alone)?"_s.arg(ids.size())
        : u"Write the previous version back to %1 destination(s)?"_s.arg(ids.size());
    if (!askOnTerminal(question, shared.yes)) {
        err() << "certrotor-cli: " << command << ": nothing written (not confirmed)\n";
        err().flush();
        return finish(auditLog, command, shared, outcomes, ExitFindings, extra);
    }
    const QStringList targets = parser.values(u"target"_s);
    rotation.setOverrideReason(shared.settings.overrideReason); // resume() and a settled write used none
    const Outcome o = runToEnd(rotation, [&] {
        if (isRetire)
            rotation.retire(ids, targets);
        else
            rotation.rollback(ids);
    });
    outcomes << o;
    if (!shared.json) {
        printOutcome(o, false);
        if (o.ok)
            out() << (isRetire ? "retired and confirmed: the old CAs are no longer trusted\n"
                               : "rolled back and re-probed\n");
        out().flush();
    }
    return finish(auditLog, command, shared, outcomes, exitFor(o), extra);
}

} // namespace

int retire(const QStringList& args)
{
    return retireOrRollback(args, true);
}

int rollback(const QStringList& args)
{
    return retireOrRollback(args, false);
}

} // namespace certrotor::cli
