// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeCommand.h"

#include "AuditCommand.h"
#include "CliCommon.h"
#include "KeyringCommand.h"
#include "audit/AuditEvents.h"
#include "audit/AuditLog.h"
#include "probe/ProbeJson.h"
#include "probe/ProbePlan.h"
#include "rotation/Candidate.h"
#include "rotation/Workspace.h"
#include "util/Clock.h"
#include "x509/Bundle.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QUrl>

namespace certrotor::cli {

namespace {

const char* const kProbeUsage = R"(Usage: certrotor-cli probe --ca BUNDLE [--current BUNDLE] [--cert FILE --key FILE]
                           [--key-passphrase-stdin] [--send-client-cert] [--servername NAME]
                           [--service NAME] [--timeout MS] [--system-cas] [--audit-log PATH] [--json]
                           HOST:PORT...

Calls grpc.health.v1.Health/Check on every target over HTTP/2 and TLS, trusting only the certificates
of --ca (a fresh connection and a full TLS handshake per target).
  --ca BUNDLE             the bundle under test (PEM, DER or PKCS#7)
  --current BUNDLE        also probe with the bundle trusted today and print the rotation verdict
  --cert FILE, --key FILE client certificate and key for mTLS; an encrypted key's passphrase comes from
                          the keyring (store it with: certrotor-cli keyring store-passphrase --key FILE)
  --key-passphrase-stdin  read the key's passphrase from the first line of standard input instead
  --send-client-cert      also send the client certificate as x-client-certificate (base64 DER),
                          for servers behind a TLS-terminating proxy
  --servername NAME       SNI and the name the server certificate must match (servers reached by
                          address or through a tunnel)
  --service NAME          the health service to ask about (default: "", the whole server)
  --timeout MS            deadline per call, sent as grpc-timeout (default 5000)
  --system-cas            also trust the system's CA certificates (off: only the bundle is trusted)
  --audit-log PATH        the audit log to record to (default: $CERTROTOR_AUDIT_LOG, else
                          ~/.local/share/certrotor/audit.jsonl): every probe with its probe id, the plan's
                          verdict, and input that was refused (see certrotor-cli audit --help)
  --json                  one JSON object per probe
Exit codes: 0 every target answers SERVING over a verified TLS connection (with --current: the
rotation verdict passes); 1 a probe failed; 2 usage error or unreadable input; 3 the probes passed
but the audit log could not be written (a failed probe or bad input keeps its own code; the audit
error is printed either way).
Examples:
  certrotor-cli probe --ca new-ca.pem gw.internal:8443
  certrotor-cli probe --ca new-ca.pem --current /etc/grpc/ca.pem --servername ext.payments.svc 10.0.0.7:8443
  certrotor-cli probe --ca new-ca.pem --cert client.pem --key client.key payments.internal:9443
)";

// Loads a bundle for probing by the one rule for a candidate (rotation::loadCandidateFile): unreadable
// files, bad blocks and empty bundles are usage errors, with the console's words for them.
// `errors` gets the refusal's lines (never the file's contents) for the audit log.
bool loadProbeBundle(const QString& option, const QString& path, QList<Certificate>& certs, QStringList& errors)
{
    const Result<Bundle> b = loadCandidateFile(path);
    if (!b.ok()) {
        errors = b.error().text().split(QLatin1Char('\n'));
        err() << "certrotor-cli: " << option << ": " << b.error().text() << "\n";
        err().flush();
        return false;
    }
    for (const ParseIssue& issue : b.value().issues) // warnings do not refuse a bundle, but are said
        err() << "warning: " << issue.text() << "\n";
    err().flush();
    certs = b.value().certificates();
    return true;
}

/// Records refused input ("input-rejected") and returns `code` once the record is written (or the
/// write failed, which is reported too: the input error's code wins).
int rejected(Workspace& workspace, audit::InputKind kind, const QString& what, const QString& value,
             const QStringList& errors, int code)
{
    // A refusal is printed by the workspace's auditRefused connection.
    static_cast<void>(workspace.record(audit::inputRejected(QStringLiteral("probe"), kind, what, value, errors)));
    finishAuditLog(*workspace.auditLog(), QStringLiteral("probe"));
    return code;
}

void printText(const ProbeResult& r)
{
    out() << r.summary() << "\n";
    out() << "  probe-id " << r.probeId << ", bundle sha256 " << r.bundleSha256.left(16) << "…\n";
    if (!r.tlsVersion.isEmpty() || !r.alpn.isEmpty())
        out() << "  tls " << (r.tlsVersion.isEmpty() ? QStringLiteral("?") : r.tlsVersion) << " "
              << (r.cipher.isEmpty() ? QStringLiteral("?") : r.cipher) << ", alpn "
              << (r.alpn.isEmpty() ? QStringLiteral("none") : r.alpn) << "\n";
    for (const ProbeVerifyError& e : r.verifyErrors)
        out() << "  verify: " << e.message << (e.sha256.isEmpty() ? QString() : QStringLiteral(" [sha256 ") + e.sha256.left(16) + QStringLiteral("…]")) << "\n";
    for (int i = 0; i < r.peerChain.size(); ++i)
        out() << "  peer " << i << ": " << r.peerChain[i].info().sha256Hex() << "  " << r.peerChain[i].info().subject.rfc4514
              << "\n";
    if (!r.anchor.isNull())
        out() << "  anchor: " << r.anchor.info().sha256Hex() << "  " << r.anchor.info().subject.rfc4514 << "\n";
    const auto t = [](double v) { return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', 2); };
    out() << "  timings ms: connect " << t(r.timings.connectMs) << ", tls " << t(r.timings.tlsMs) << ", rpc "
          << t(r.timings.rpcMs) << ", total " << t(r.timings.totalMs) << "\n";
    out().flush();
}

} // namespace

int probe(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({QStringLiteral("ca"), QStringLiteral("Bundle under test"), QStringLiteral("BUNDLE")});
    parser.addOption({QStringLiteral("current"), QStringLiteral("Bundle trusted today"), QStringLiteral("BUNDLE")});
    parser.addOption({QStringLiteral("cert"), QStringLiteral("Client certificate"), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("key"), QStringLiteral("Client key"), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("key-passphrase-stdin"), QStringLiteral("Read the key passphrase from stdin")});
    parser.addOption({QStringLiteral("send-client-cert"), QStringLiteral("Send x-client-certificate")});
    parser.addOption({QStringLiteral("servername"), QStringLiteral("SNI / verification name"), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("service"), QStringLiteral("Health service name"), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("timeout"), QStringLiteral("Deadline in ms"), QStringLiteral("MS"),
                      QStringLiteral("5000")});
    parser.addOption({QStringLiteral("system-cas"), QStringLiteral("Also trust the system's CA certificates")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("JSON output")});
    parser.addOption({QStringLiteral("audit-log"), QStringLiteral("Audit log"), QStringLiteral("PATH")});
    parser.addOption({{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help")});
    if (!parser.parse(args))
        return usageError(QStringLiteral("probe: ") + parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        out() << kProbeUsage;
        out().flush();
        return ExitOk;
    }
    if (!parser.isSet(QStringLiteral("ca")))
        return usageError(QStringLiteral("probe: --ca BUNDLE is required"));
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usageError(QStringLiteral("probe: name at least one target as HOST:PORT"));
    if (parser.isSet(QStringLiteral("cert")) != parser.isSet(QStringLiteral("key")))
        return usageError(QStringLiteral("probe: --cert and --key go together"));
    if (parser.isSet(QStringLiteral("send-client-cert")) && !parser.isSet(QStringLiteral("cert")))
        return usageError(QStringLiteral("probe: --send-client-cert needs --cert and --key"));
    if (parser.isSet(QStringLiteral("key-passphrase-stdin")) && !parser.isSet(QStringLiteral("key")))
        return usageError(QStringLiteral("probe: --key-passphrase-stdin needs --key"));
    bool numberOk = false;
    const int timeout = parser.value(QStringLiteral("timeout")).toInt(&numberOk);
    if (!numberOk || timeout < 1 || timeout > 3600000)
        return usageError(QStringLiteral("probe: --timeout takes milliseconds from 1 to 3600000, not '%1'")
                              .arg(parser.value(QStringLiteral("timeout"))));

    if (parser.isSet(QStringLiteral("servername"))) {
        QUrl check;
        check.setHost(parser.value(QStringLiteral("servername")), QUrl::StrictMode);
        if (!check.isValid() || check.host().isEmpty())
            return usageError(QStringLiteral("probe: --servername: '%1' is not a valid host name")
                                  .arg(parser.value(QStringLiteral("servername"))));
    }

    // The command prints every result itself: keep the probe's, keyring's and audit log's info lines and Qt's
    // HTTP/2 warnings ("stream 1 finished with error") off stderr. QT_LOGGING_RULES still overrides this.
    QLoggingCategory::setFilterRules(QStringLiteral("certrotor.probe.info=false\ncertrotor.keyring.info=false\n"
                                                    "certrotor.audit.info=false\nqt.network.http2.warning=false"));

    // The audit log looks its key up in the keyring while the inputs are read and the probes run.
    if (parser.isSet(QStringLiteral("audit-log")) && parser.value(QStringLiteral("audit-log")).isEmpty())
        return usageError(QStringLiteral("probe: --audit-log needs a path"));
    AuditLog auditLog(parser.value(QStringLiteral("audit-log")));
    auditLog.open();
    // The console's workspace, headless: the same probe run and the same audit records.
    Workspace workspace(Clock::system());
    workspace.setAuditLog(&auditLog);
    bool audited = true;
    QObject::connect(&workspace, &Workspace::auditRefused, &workspace, [&audited](const QString& error) {
        err() << "certrotor-cli: probe: audit log: " << error << "\n";
        err().flush();
        audited = false;
    });

    QList<ProbeTarget> targets;
    for (const QString& text : positional) {
        Result<ProbeTarget> t = ProbeTarget::parse(text);
        if (!t.ok()) {
            // stderr can end up in a ticket too: the same redaction as the audit record's.
            const int rc = usageError(QStringLiteral("probe: ") + audit::redactedTarget(text) + QStringLiteral(": ")
                                      + t.error().message);
            return rejected(workspace, audit::InputKind::Target, QStringLiteral("target"), text,
                            { text + QStringLiteral(": ") + t.error().message }, rc);
        }
        t.value().serverName = parser.value(QStringLiteral("servername"));
        t.value().service = parser.value(QStringLiteral("service"));
        targets << t.value();
    }

    QList<PlanBundle> bundles;
    if (parser.isSet(QStringLiteral("current"))) {
        PlanBundle current{QStringLiteral("current"), PlanBundle::Role::Current, {}};
        QStringList errors;
        if (!loadProbeBundle(QStringLiteral("--current"), parser.value(QStringLiteral("current")), current.certificates,
                             errors))
            return rejected(workspace, audit::InputKind::File, QStringLiteral("--current"),
                            QFileInfo(parser.value(QStringLiteral("current"))).absoluteFilePath(), errors, ExitUsage);
        bundles << current;
    }
    PlanBundle candidate{QStringLiteral("candidate"), PlanBundle::Role::Candidate, {}};
    QStringList errors;
    if (!loadProbeBundle(QStringLiteral("--ca"), parser.value(QStringLiteral("ca")), candidate.certificates, errors))
        return rejected(workspace, audit::InputKind::File, QStringLiteral("--ca"),
                        QFileInfo(parser.value(QStringLiteral("ca"))).absoluteFilePath(), errors, ExitUsage);
    bundles << candidate;

    ProbePlan::Settings settings;
    settings.timeoutMs = timeout;
    settings.useSystemCas = parser.isSet(QStringLiteral("system-cas"));
    settings.sendClientCertificateHeader = parser.isSet(QStringLiteral("send-client-cert"));
    if (parser.isSet(QStringLiteral("cert"))) {
        QByteArray passphrase;
        if (parser.isSet(QStringLiteral("key-passphrase-stdin"))) {
            QFile in;
            if (in.open(stdin, QIODevice::ReadOnly))
                passphrase = in.readLine().trimmed();
        } else {
            Result<QByteArray> stored = keyPassphraseFromKeyring(parser.value(QStringLiteral("key")));
            if (!stored.ok()) {
                err() << "certrotor-cli: probe: " << stored.error().text() << "\n";
                err().flush();
                return rejected(workspace, audit::InputKind::File, QStringLiteral("--key"),
                                parser.value(QStringLiteral("key")), { stored.error().text() }, ExitUsage);
            }
            passphrase = std::move(stored).value();
        }
        Result<ClientIdentity> identity = loadClientIdentity(parser.value(QStringLiteral("cert")),
                                                             parser.value(QStringLiteral("key")), passphrase);
        passphrase.fill('\0');
        if (!identity.ok()) {
            err() << "certrotor-cli: probe: " << identity.error().text() << "\n";
            err().flush();
            return rejected(workspace, audit::InputKind::File, QStringLiteral("--cert/--key"),
                            parser.value(QStringLiteral("cert")) + QStringLiteral(", ")
                                + parser.value(QStringLiteral("key")),
                            { identity.error().text() }, ExitUsage);
        }
        settings.clientIdentity = identity.value();
    }

    // The workspace records every probe (with the id the server saw as x-certrotor-probe-id), then the plan.
    ProbePlan& plan = *workspace.newProbePlan(QStringLiteral("certrotor-cli probe"), targets, bundles, settings);
    QEventLoop loop; // the CLI's own loop: the probes are asynchronous
    QObject::connect(&plan, &ProbePlan::finished, &loop, &QEventLoop::quit);
    plan.start();
    if (!plan.isFinished())
        loop.exec();

    const PlanVerdict verdict = plan.verdict();
    bool allOk = true;
    for (const ProbeResult& r : plan.results())
        allOk = allOk && r.ok;
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray array;
        for (const ProbeResult& r : plan.results())
            array.append(json::probeResult(r));
        printJson(array);
    } else {
        for (const ProbeResult& r : plan.results())
            printText(r);
        if (bundles.size() > 1) {
            out() << "verdict: " << verdict.text << "\n";
            out().flush();
        }
    }
    audited = finishAuditLog(auditLog, QStringLiteral("probe")) && audited;

    const bool passed = bundles.size() > 1 ? verdict.passed() : allOk;
    if (!passed)
        return ExitFindings;
    return audited ? ExitOk : ExitAuditFailed;
}

} // namespace certrotor::cli
