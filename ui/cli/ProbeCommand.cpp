// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeCommand.h"

#include "AuditCommand.h"
#include "CliCommon.h"
#include "audit/AuditEvents.h"
#include "audit/AuditLog.h"
#include "probe/IdentityLoader.h"
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

#include <optional>

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

/// Runs the console's IdentityLoader to its end in a local loop (the CLI has nothing else to do meanwhile).
IdentityLoad loadIdentity(const IdentityRequest& request)
{
    IdentityLoader loader;
    std::optional<IdentityLoad> loaded;
    QEventLoop loop;
    QObject::connect(&loader, &IdentityLoader::finished, &loop, [&](const IdentityLoad& r) {
        loaded = r;
        loop.quit();
    });
    loader.load(request);
    if (!loaded)
        loop.exec();
    return std::move(*loaded);
}

/// The words for an identity that did not load; for an encrypted key with nothing in the keyring, how
/// to give its passphrase.
QString identityErrorText(const IdentityLoad& loaded, const QString& keyPath)
{
    if (loaded.outcome == IdentityLoad::Outcome::NeedsPassphrase) {
        if (loaded.keyringLookup == IdentityLoad::KeyringLookup::Unavailable)
            return Error { QStringLiteral("the private key is encrypted and no passphrase was given, and the keyring "
                                          "cannot be used: %1; pass the passphrase with --key-passphrase-stdin")
                               .arg(loaded.keyringError.message),
                           keyPath }
                .text();
        if (loaded.keyringLookup == IdentityLoad::KeyringLookup::NoneStored)
            return Error { QStringLiteral("the private key is encrypted and no passphrase was given, and the keyring "
                                          "holds none for it; store its passphrase with: certrotor-cli keyring "
                                          "store-passphrase --key %1 (or pass it with --key-passphrase-stdin)")
                               .arg(keyPath),
                           keyPath }
                .text();
    }
    return loaded.error.text();
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
        // The console's loader: the same files, the same "encrypted, needs a passphrase" decision (OpenSSL's
        // own answer), the same keyring entry.
        IdentityRequest request;
        request.certificatePath = parser.value(QStringLiteral("cert"));
        request.keyPath = parser.value(QStringLiteral("key"));
        if (parser.isSet(QStringLiteral("key-passphrase-stdin"))) {
            QFile in;
            if (in.open(stdin, QIODevice::ReadOnly))
                request.passphrase = in.readLine().trimmed();
        } else {
            request.lookUpKeyring = true; // an encrypted key's passphrase comes from the keyring
        }
        const IdentityLoad loaded = loadIdentity(request);
        request.passphrase.fill('\0');
        if (!loaded.ok()) {
            const bool keyringAsked = loaded.outcome == IdentityLoad::Outcome::NeedsPassphrase
                && loaded.keyringLookup != IdentityLoad::KeyringLookup::NotAsked;
            const QString text = identityErrorText(loaded, request.keyPath);
            err() << "certrotor-cli: probe: " << text << "\n";
            err().flush();
            if (keyringAsked)
                return rejected(workspace, audit::InputKind::File, QStringLiteral("--key"), request.keyPath, { text },
                                ExitUsage);
            return rejected(workspace, audit::InputKind::File, QStringLiteral("--cert/--key"),
                            request.certificatePath + QStringLiteral(", ") + request.keyPath, { text }, ExitUsage);
        }
        settings.clientIdentity = loaded.identity;
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
