// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditCommand.h"

#include "CliApp.h"
#include "CliCommon.h"
#include "audit/AuditExport.h"
#include "audit/AuditLog.h"
#include "audit/AuditVerify.h"
#include "keyring/Keyring.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QTimer>

#include <optional>

namespace certrotor::cli {

namespace {

const char* const kAuditUsage = R"(Usage: certrotor-cli audit verify [--audit-log PATH] [--no-keyring]
       certrotor-cli audit show [--audit-log PATH] [--event EVENT] [--json]
       certrotor-cli audit export --format json|csv [--output FILE] [--audit-log PATH] [--event EVENT]

The audit log is an append-only, hash-chained JSON Lines file of every probe, probe plan and rejected
input (default: $CERTROTOR_AUDIT_LOG, else ~/.local/share/certrotor/audit.jsonl). It never holds
private keys, passphrases or tokens.
  verify        check every record: sequence, chain links and MACs (HMAC-SHA256 with the key kept in
                the keyring, or SHA-256 where no keyring was available); names the first broken line
  --no-keyring  verify without asking the keyring for the key (HMAC records are then checked
                structurally only)
  show          one line per record (--json: the records as a JSON array)
  export        the records as JSON (an array) or CSV, to FILE or standard output
  --event EVENT only records of this event (probe, probe-plan, input-rejected, ...)
Exit codes: 0 intact / done; 1 the log is broken (verify); 2 usage error or unreadable log; 4 not
verified (verify): HMAC records and no key to check them, though the structure is intact.
Examples:
  certrotor-cli audit verify
  certrotor-cli audit show --event rotation-committed
  certrotor-cli audit export --format csv --output audit.csv
)";

/// `audit verify` without the key for HMAC records: the structure is intact, the MACs are unproven.
constexpr int kExitNotVerified = 4;

/// The audit key from the keyring, or none with the reason (no bus, no entry, timeout).
std::optional<QByteArray> keyFromKeyring(QString& why)
{
    if (!AuditLog::sessionBusAvailable()) {
        why = QStringLiteral("there is no D-Bus session bus to reach the keyring");
        return std::nullopt;
    }
    Keyring keyring;
    keyring.setTimeoutMs(3000);
    std::optional<Result<std::optional<QByteArray>>> outcome = keyring::waitFor<std::optional<QByteArray>>(
        [&](Keyring::ReadDone done) { keyring.read(audit::keyAccount(), std::move(done)); });
    if (!outcome->ok()) {
        why = outcome->error().text();
        return std::nullopt;
    }
    if (!outcome->value().has_value()) {
        why = QStringLiteral("the keyring holds no audit key");
        return std::nullopt;
    }
    QByteArray key = *outcome->value();
    outcome->value()->fill('\0');
    return key;
}

QList<AuditEntry> filtered(const QList<AuditEntry>& all, const QString& event)
{
    if (event.isEmpty())
        return all;
    QList<AuditEntry> out;
    for (const AuditEntry& e : all) {
        if (e.event == event)
            out << e;
    }
    return out;
}

} // namespace

bool finishAuditLog(AuditLog& log, const QString& command)
{
    if (!log.isReady()) {
        QEventLoop loop;
        QObject::connect(&log, &AuditLog::ready, &loop, &QEventLoop::quit);
        // A safety net only: every keyring call ends by its own timeout (3 calls at most on first use).
        QTimer::singleShot(4 * log.keyringTimeoutMs() + 1000, &loop, &QEventLoop::quit);
        if (!log.isReady())
            loop.exec();
        if (!log.isReady())
            log.setKey({}, QStringLiteral("the keyring did not answer"));
    }
    const bool written = log.waitForWritten();
    const QStringList errors = log.errors();
    for (const QString& e : errors)
        err() << "certrotor-cli: " << command << ": audit log: " << e << "\n";
    if (!written)
        err() << "certrotor-cli: " << command << ": audit log: records are still being written to " << log.path() << "\n";
    err().flush();
    return written && errors.isEmpty();
}

int audit(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({QStringLiteral("audit-log"), QStringLiteral("The audit log"), QStringLiteral("PATH")});
    parser.addOption({QStringLiteral("no-keyring"), QStringLiteral("Do not ask the keyring for the key")});
    parser.addOption({QStringLiteral("event"), QStringLiteral("Only this event"), QStringLiteral("EVENT")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("JSON output")});
    parser.addOption({QStringLiteral("format"), QStringLiteral("json or csv"), QStringLiteral("FORMAT")});
    parser.addOption({{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Output file"), QStringLiteral("FILE")});
    parser.addOption({{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help")});
    if (!parser.parse(args))
        return usageError(QStringLiteral("audit: ") + parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        out() << kAuditUsage;
        out().flush();
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(QStringLiteral("audit: name one action: verify, show or export"));
    const QString action = positional.first();
    const QString path = parser.isSet(QStringLiteral("audit-log")) ? parser.value(QStringLiteral("audit-log"))
                                                                    : AuditLog::defaultPath();
    QLoggingCategory::setFilterRules(QStringLiteral("certrotor.keyring.info=false\ncertrotor.keyring.warning=false"));

    if (action == QLatin1String("verify")) {
        std::optional<QByteArray> key;
        QString why = QStringLiteral("--no-keyring was given");
        if (!parser.isSet(QStringLiteral("no-keyring")))
            key = keyFromKeyring(why);
        const AuditVerifyReport report = verifyAuditLog(path, key);
        if (key)
            key->fill('\0');
        if (!report.ok && report.line == 0) {
            err() << "certrotor-cli: audit: " << report.problem << "\n";
            err().flush();
            return ExitUsage;
        }
        out() << report.summary(path) << "\n";
        if (report.ok && report.structuralOnly) {
            out() << "(no key: " << why << ")\n";
            out().flush();
            return kExitNotVerified;
        }
        out().flush();
        return report.ok ? ExitOk : ExitFindings;
    }
    if (action != QLatin1String("show") && action != QLatin1String("export"))
        return usageError(QStringLiteral("audit: unknown action '%1' (verify, show or export)").arg(action));

    QString format;
    if (action == QLatin1String("export")) {
        format = parser.value(QStringLiteral("format"));
        if (format != QLatin1String("json") && format != QLatin1String("csv"))
            return usageError(QStringLiteral("audit export: --format takes json or csv"));
    }
    QStringList skipped;
    Result<QList<AuditEntry>> read = readAuditLog(path, &skipped);
    if (!read.ok()) {
        err() << "certrotor-cli: audit: " << read.error().text() << "\n";
        err().flush();
        return ExitUsage;
    }
    for (const QString& s : std::as_const(skipped))
        err() << "warning: skipped " << s << "\n";
    err().flush();
    const QList<AuditEntry> entries = filtered(read.value(), parser.value(QStringLiteral("event")));

    if (action == QLatin1String("show")) {
        if (parser.isSet(QStringLiteral("json"))) {
            QJsonArray array;
            for (const AuditEntry& e : entries)
                array.append(e.toJson());
            printJson(array);
            return ExitOk;
        }
        for (const AuditEntry& e : entries)
            out() << e.seq << "  " << e.time.toString(Qt::ISODateWithMs) << "  " << e.event << "  "
                  << e.actor.value(QLatin1String("user")).toString() << "@" << e.actor.value(QLatin1String("host")).toString()
                  << "  " << audit::summary(e) << "\n";
        out().flush();
        return ExitOk;
    }

    const QByteArray bytes = format == QLatin1String("csv") ? audit::exportCsv(entries) : audit::exportJson(entries);
    if (!parser.isSet(QStringLiteral("output"))) {
        out() << QString::fromUtf8(bytes);
        out().flush();
        return ExitOk;
    }
    QSaveFile file(parser.value(QStringLiteral("output")));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        err() << "certrotor-cli: audit export: cannot write " << file.fileName() << ": " << file.errorString() << "\n";
        err().flush();
        return ExitUsage;
    }
    return ExitOk;
}

} // namespace certrotor::cli
