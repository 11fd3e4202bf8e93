// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeCommand.h"

#include "CliCommon.h"
#include "KeyringCommand.h"
#include "probe/ProbeJson.h"
#include "probe/ProbePlan.h"
#include "x509/Bundle.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QUrl>

namespace certrotor::cli {

namespace {

const char* const kProbeUsage = R"(Usage: certrotor-cli probe --ca BUNDLE [--current BUNDLE] [--cert FILE --key FILE]
                           [--key-passphrase-stdin] [--send-client-cert] [--servername NAME]
                           [--service NAME] [--timeout MS] [--system-cas] [--json] HOST:PORT...

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
  --json                  one JSON object per probe
Exit codes: 0 every target answers SERVING over a verified TLS connection (with --current: the
rotation verdict passes); 1 a probe failed; 2 usage error or unreadable input.
)";

// Loads a bundle for probing: unreadable files, bad blocks and empty bundles are usage errors,
// because a probe with half a bundle proves nothing.
bool loadProbeBundle(const QString& option, const QString& path, QList<Certificate>& certs)
{
    Result<Bundle> b = loadBundleFile(path);
    if (!b.ok()) {
        err() << "certrotor-cli: " << option << ": " << b.error().text() << "\n";
        err().flush();
        return false;
    }
    bool bad = false;
    for (const ParseIssue& issue : b.value().issues) {
        const bool isError = issue.severity == ParseIssue::Severity::Error;
        err() << (isError ? "error: " : "warning: ") << issue.text() << "\n";
        bad |= isError;
    }
    certs = b.value().certificates();
    if (bad)
        err() << "certrotor-cli: " << option << ": " << path << " has unreadable blocks; not probing with part of a bundle\n";
    else if (certs.isEmpty())
        err() << "certrotor-cli: " << option << ": " << path << " holds no certificate\n";
    err().flush();
    return !bad && !certs.isEmpty();
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

    QList<ProbeTarget> targets;
    for (const QString& text : positional) {
        Result<ProbeTarget> t = ProbeTarget::parse(text);
        if (!t.ok())
            return usageError(QStringLiteral("probe: ") + t.error().text());
        t.value().serverName = parser.value(QStringLiteral("servername"));
        t.value().service = parser.value(QStringLiteral("service"));
        targets << t.value();
    }

    QList<PlanBundle> bundles;
    if (parser.isSet(QStringLiteral("current"))) {
        PlanBundle current{QStringLiteral("current"), PlanBundle::Role::Current, {}};
        if (!loadProbeBundle(QStringLiteral("--current"), parser.value(QStringLiteral("current")), current.certificates))
            return ExitUsage;
        bundles << current;
    }
    PlanBundle candidate{QStringLiteral("candidate"), PlanBundle::Role::Candidate, {}};
    if (!loadProbeBundle(QStringLiteral("--ca"), parser.value(QStringLiteral("ca")), candidate.certificates))
        return ExitUsage;
    bundles << candidate;

    // The command prints every result itself: keep the probe's and keyring's log lines and Qt's HTTP/2 warnings
    // ("stream 1 finished with error") off stderr. QT_LOGGING_RULES still overrides this.
    QLoggingCategory::setFilterRules(
        QStringLiteral("certrotor.probe.info=false\ncertrotor.keyring.info=false\nqt.network.http2.warning=false"));

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
                return ExitUsage;
            }
            passphrase = std::move(stored).value();
        }
        Result<ClientIdentity> identity = loadClientIdentity(parser.value(QStringLiteral("cert")),
                                                             parser.value(QStringLiteral("key")), passphrase);
        passphrase.fill('\0');
        if (!identity.ok()) {
            err() << "certrotor-cli: probe: " << identity.error().text() << "\n";
            err().flush();
            return ExitUsage;
        }
        settings.clientIdentity = identity.value();
    }

    ProbePlan plan(targets, bundles, settings);
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
    if (bundles.size() > 1)
        return verdict.passed() ? ExitOk : ExitFindings;
    return allOk ? ExitOk : ExitFindings;
}

} // namespace certrotor::cli
