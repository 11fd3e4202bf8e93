// SPDX-License-Identifier: GPL-3.0-or-later
#include "CliApp.h"

#include "AuditCommand.h"
#include "CliCommon.h"
#include "DrillCommand.h"
#include "ExpiryCommand.h"
#include "KeyringCommand.h"
#include "ProbeCommand.h"
#include "RotateCommand.h"
#include "TextTable.h"
#include "WatchCommand.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"
#include "x509/Bundle.h"
#include "x509/BundleDiff.h"
#include "x509/CertificateJson.h"
#include "x509/Chain.h"
#include "x509/Lint.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

namespace certrotor::cli {

namespace {

const char* const kUsage = R"(Usage: certrotor-cli COMMAND [OPTIONS] ARGS
       certrotor-cli help COMMAND      a command's options, exit codes and examples (= COMMAND --help)

Commands:
  inspect [--json] [--at DATE] [--expiry-days N] FILE|DIR...|-  show every certificate of the bundles
  lint    [--json] [--at DATE] [--expiry-days N] FILE|DIR...|-  lint findings only
  diff    [--json] OLD NEW                                    added / removed / kept / renewed
  verify  --trust BUNDLE [--at DATE] [--hostname NAME] [--partial-chain] [--json] CHAIN
                                                              verify CHAIN (leaf first) against BUNDLE
  overlap [--old-first] [--json] OLD NEW -o OUT               write old+new, deduplicated, to OUT
  expiry  [--within DAYS] [--format ics|prometheus|json] [-o FILE] BUNDLE|DIR|secret://…|configmap://…
                                                              CA expiries for a calendar, Prometheus or scripts
  watch   [--json] [--debounce-ms N] SOURCE...                print each change of files, directories, Secrets
  probe   --ca BUNDLE [--cert F --key F] [--servername NAME] [--service NAME] [--timeout MS] [--json] HOST:PORT...
                                                              gRPC health check over h2+TLS trusting only BUNDLE
  rotate  --store DEST... --candidate BUNDLE --target HOST:PORT... [--mode overlap|replace] [--dry-run]
          [--expect-sha256 HEX] [--override-reason TEXT] [--confirm-deadline SECONDS] [--yes] [--json]
          | --plan PLAN.yaml                                  stage, gate, commit the overlap and confirm it
  rotate status [--store DEST] [--json]                       rotations in progress, phase per destination
  retire  --store DEST... [--target HOST:PORT...] [--yes] [--json]
                                                              commit the new CA alone once no target needs the old
  rollback --store DEST... [--yes] [--json]                   one step back, re-probed
                   DEST: a file, secret://[CONTEXT/]NS/NAME#KEY or configmap://[CONTEXT/]NS/NAME#KEY
  keyring store-passphrase --key F | forget-passphrase --key F | status
                                                              client key passphrases in the OS keyring
  drill   [--dir DIR] [--kube] [--keep] [--report FILE] [--json] [--port N]
                                                              rehearse a whole rotation and rollback in a sandbox
  audit   verify | show [--event E] [--json] | export --format json|csv [--output FILE]   [--audit-log PATH]
                                                              the hash-chained audit log of probes and plans

Options common to every command: --help. certrotor-cli --version prints the version.
DATE is ISO 8601: 2027-01-31 or 2027-01-31T12:00:00Z.
Exit codes: 0 all good; 1 findings, a bad block or a failed verification; 2 usage error or unreadable input;
3 the work succeeded but the audit log could not be written.
Colour only on a terminal, never when NO_COLOR is set. See certrotor-cli(1).
)";

const char* const kInspectUsage = R"(Usage: certrotor-cli inspect [--json] [--at DATE] [--expiry-days N] FILE|DIR...|-

Shows every certificate of the bundles (- reads standard input; a directory is read as one bundle):
subject, issuer, not after, days left, key, signature, SHA-256 and lint findings.
  --json           one object per certificate with every detail (subject, issuer, serial, validity,
                   fingerprints, key, extensions, findings, source file/block/line)
  --at DATE        judge validity and expiry at DATE (ISO 8601) instead of now
  --expiry-days N  warn (expires-soon) when a certificate expires within N days (default 30)
Exit codes: 0 no findings; 1 findings (warning or error) or a bad block; 2 usage error or unreadable input.
Examples:
  certrotor-cli inspect /etc/ssl/certs
  certrotor-cli inspect --json --at 2027-06-01 new-ca.pem
  kubectl get secret grpc-ca -o jsonpath='{.data.ca\.crt}' | base64 -d | certrotor-cli inspect -
)";

const char* const kLintUsage = R"(Usage: certrotor-cli lint [--json] [--at DATE] [--expiry-days N] FILE|DIR...|-

The lint findings only, one line each: severity [code] file:block:line: subject: message. Codes: expired,
not-yet-valid, expires-soon, not-ca, ca-without-keycertsign, weak-rsa-key, weak-signature-sha1,
weak-signature-md5, duplicate, version-1, missing-ski, pathlen-violated.
  --json           one object per finding (severity, code, message, subject, sha256, source)
  --at DATE        judge at DATE (ISO 8601) instead of now
  --expiry-days N  the expires-soon threshold in days (default 30)
Exit codes: 0 no findings; 1 findings (warning or error) or a bad block; 2 usage error or unreadable input.
Examples:
  certrotor-cli lint new-ca.pem
  certrotor-cli lint --at 2027-06-01 --expiry-days 90 /etc/grpc/ca.pem
)";

const char* const kDiffUsage = R"(Usage: certrotor-cli diff [--json] [--at DATE] OLD NEW

The certificates added (+), removed (-), kept (=) and renewed (~: same subject and key, new certificate)
from bundle OLD to bundle NEW.
  --json      one object: added, removed, kept, renewed
  --at DATE   accepted for symmetry with the other commands
Exit codes: 0 compared; 1 an input has a bad block; 2 usage error or unreadable input.
Examples:
  certrotor-cli diff /etc/grpc/ca.pem new-ca.pem
  certrotor-cli diff --json current.pem overlap.pem
)";

const char* const kVerifyUsage
    = R"(Usage: certrotor-cli verify --trust BUNDLE [--at DATE] [--hostname NAME] [--partial-chain] [--json] CHAIN

Verifies CHAIN (a file: the leaf first, then intermediates) against the CAs of BUNDLE and lists every
OpenSSL error with its depth, not only the first.
  --trust BUNDLE    the trusted CAs (required)
  --at DATE         verify at DATE: will this chain still verify after the old CA expires?
  --hostname NAME   the leaf must match NAME
  --partial-chain   accept a trusted intermediate as the anchor
  --json            one object: ok, at, chain, errors, anchor, failure
Exit codes: 0 verified; 1 not verified or a bad block; 2 usage error or unreadable input.
Examples:
  certrotor-cli verify --trust new-ca.pem --hostname gw.internal server-chain.pem
  certrotor-cli verify --trust overlap.pem --at 2027-06-01 server-chain.pem
)";

const char* const kOverlapUsage = R"(Usage: certrotor-cli overlap [--old-first] [--json] [--at DATE] OLD NEW -o OUT

Writes the deduplicated union of OLD and NEW (new first) to OUT atomically, and prints the window during
which the retired and the added CAs are both valid. Refuses to write from input with bad blocks.
  -o, --output OUT  the bundle to write (required)
  --old-first       put the old certificates first
  --json            one object: output, certificates, fromOld, fromNew, windows
  --at DATE         accepted for symmetry with the other commands
Exit codes: 0 written with an overlap window; 1 no overlap window, or an input has bad blocks (nothing
written); 2 usage error or unreadable input.
Examples:
  certrotor-cli overlap /etc/grpc/ca.pem new-ca.pem -o overlap.pem
  certrotor-cli rotate --help     (a rotation writes the overlap for you, gated and audited)
)";

struct Common
{
    bool json = false;
    qint64 now = 0;
    int expiryDays = 30;
};

// Parses the options a command shares. Returns -1 to go on, or an exit code.
int parseCommon(QCommandLineParser& parser, const QStringList& args, Common& common, bool withExpiry, const char* usage)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({QStringLiteral("json"), QStringLiteral("JSON output")});
    parser.addOption({QStringLiteral("at"), QStringLiteral("Evaluate at DATE instead of now"), QStringLiteral("DATE")});
    parser.addOption({{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help")});
    if (withExpiry)
        parser.addOption({QStringLiteral("expiry-days"), QStringLiteral("Warn this many days before expiry"),
                          QStringLiteral("N"), QStringLiteral("30")});
    if (!parser.parse(args))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        out() << usage;
        out().flush();
        return ExitOk;
    }
    common.json = parser.isSet(QStringLiteral("json"));
    common.now = Clock::system().nowSecs();
    if (parser.isSet(QStringLiteral("at")) && !parseDate(parser.value(QStringLiteral("at")), common.now))
        return usageError(QStringLiteral("--at: '%1' is not an ISO 8601 date").arg(parser.value(QStringLiteral("at"))));
    if (withExpiry) {
        bool ok = false;
        common.expiryDays = parser.value(QStringLiteral("expiry-days")).toInt(&ok);
        if (!ok || common.expiryDays < 0)
            return usageError(QStringLiteral("--expiry-days takes a whole number of days"));
    }
    return -1;
}

bool counts(const Finding& f)
{
    return f.severity != Finding::Severity::Info;
}

int inspectOrLint(const QStringList& args, bool inspect)
{
    QCommandLineParser parser;
    Common common;
    if (const int rc = parseCommon(parser, args, common, true, inspect ? kInspectUsage : kLintUsage); rc >= 0)
        return rc;
    const QStringList files = parser.positionalArguments();
    if (files.isEmpty())
        return usageError(QStringLiteral("%1: name at least one bundle file (or - for standard input)")
                              .arg(inspect ? QStringLiteral("inspect") : QStringLiteral("lint")));
    QList<Bundle> bundles;
    const bool readable = loadAll(files, bundles);

    bool bad = false;
    QJsonArray jsonOut;
    for (const Bundle& bundle : std::as_const(bundles)) {
        bad |= reportIssues(bundle);
        const QList<Finding> findings = lintBundle(bundle, LintOptions{common.now, common.expiryDays});
        for (const Finding& f : findings)
            bad |= counts(f);
        if (common.json) {
            for (int i = 0; i < bundle.entries.size(); ++i) {
                if (inspect) {
                    jsonOut.append(json::certificate(bundle.entries[i], common.now, findingsFor(findings, i)));
                } else {
                    for (const Finding& f : findingsFor(findings, i)) {
                        QJsonObject o = json::finding(f);
                        o[QLatin1String("subject")] = bundle.entries[i].certificate.info().subject.rfc4514;
                        o[QLatin1String("sha256")] = bundle.entries[i].certificate.info().sha256Hex();
                        o[QLatin1String("source")] = json::source(bundle.entries[i].source);
                        jsonOut.append(o);
                    }
                }
            }
            continue;
        }
        if (inspect) {
            TextTable table({QStringLiteral("#"), QStringLiteral("SUBJECT"), QStringLiteral("ISSUER"),
                             QStringLiteral("NOT AFTER"), QStringLiteral("DAYS"), QStringLiteral("KEY"),
                             QStringLiteral("SIGNATURE"), QStringLiteral("SHA-256"), QStringLiteral("FINDINGS")});
            for (int i = 0; i < bundle.entries.size(); ++i) {
                const CertificateInfo& c = bundle.entries[i].certificate.info();
                QStringList codes;
                for (const Finding& f : findingsFor(findings, i))
                    codes << f.code;
                table.addRow({QString::number(i + 1), c.subject.commonName.isEmpty() ? c.subject.rfc4514 : c.subject.commonName,
                              c.issuer.commonName.isEmpty() ? c.issuer.rfc4514 : c.issuer.commonName,
                              isoUtc(c.notAfter).left(10), QString::number(daysUntil(common.now, c.notAfter)),
                              c.keyDescription(), c.signatureAlgorithm, c.sha256Hex().left(16),
                              codes.join(QLatin1Char(','))});
            }
            out() << bundle.name << ": " << bundle.entries.size() << " certificate(s)\n" << table.render();
        } else {
            for (const Finding& f : findings) {
                const BundleEntry& e = bundle.entries[f.entry];
                const Colour colour = f.severity == Finding::Severity::Error ? Colour::Red
                    : f.severity == Finding::Severity::Warning               ? Colour::Yellow
                                                                             : Colour::Bold;
                out() << paint(Finding::severityName(f.severity), colour) << " [" << f.code << "] " << e.source.text()
                      << ": " << e.certificate.info().subject.rfc4514 << ": " << f.message << "\n";
            }
            out() << bundle.name << ": " << bundle.entries.size() << " certificate(s), " << findings.size()
                  << " finding(s)\n";
        }
        out().flush();
    }
    if (common.json)
        printJson(jsonOut);
    if (!readable)
        return ExitUsage;
    return bad ? ExitFindings : ExitOk;
}

int diff(const QStringList& args)
{
    QCommandLineParser parser;
    Common common;
    if (const int rc = parseCommon(parser, args, common, false, kDiffUsage); rc >= 0)
        return rc;
    const QStringList files = parser.positionalArguments();
    if (files.size() != 2)
        return usageError(QStringLiteral("diff: give exactly two bundles, OLD and NEW"));
    QList<Bundle> bundles;
    if (!loadAll(files, bundles))
        return ExitUsage;
    bool bad = reportIssues(bundles[0]);
    bad |= reportIssues(bundles[1]);
    const BundleDiff d = diffBundles(bundles[0].certificates(), bundles[1].certificates());
    if (common.json) {
        printJson(json::diff(d));
    } else {
        const auto list = [](const char* sign, const QList<Certificate>& certs) {
            for (const Certificate& c : certs)
                out() << sign << " " << c.info().sha256Hex() << "  " << c.info().subject.rfc4514 << "  (not after "
                      << isoUtc(c.info().notAfter) << ")\n";
        };
        list("+", d.added);
        list("-", d.removed);
        list("=", d.kept);
        for (const auto& pair : d.renewed)
            out() << "~ renewed: " << pair.second.info().subject.rfc4514 << "  " << pair.first.info().sha256Hex().left(16)
                  << " -> " << pair.second.info().sha256Hex().left(16) << "\n";
        out() << d.added.size() << " added, " << d.removed.size() << " removed, " << d.kept.size() << " kept, "
              << d.renewed.size() << " renewed\n";
        out().flush();
    }
    return bad ? ExitFindings : ExitOk;
}

int verify(const QStringList& args)
{
    QCommandLineParser parser;
    Common common;
    parser.addOption({QStringLiteral("trust"), QStringLiteral("Trusted bundle"), QStringLiteral("BUNDLE")});
    parser.addOption({QStringLiteral("hostname"), QStringLiteral("Leaf must match NAME"), QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("partial-chain"), QStringLiteral("Accept a trusted intermediate as anchor")});
    if (const int rc = parseCommon(parser, args, common, false, kVerifyUsage); rc >= 0)
        return rc;
    if (!parser.isSet(QStringLiteral("trust")))
        return usageError(QStringLiteral("verify: --trust BUNDLE is required"));
    const QStringList files = parser.positionalArguments();
    if (files.size() != 1)
        return usageError(QStringLiteral("verify: give one CHAIN file (leaf first, then intermediates)"));
    QList<Bundle> bundles;
    if (!loadAll({parser.value(QStringLiteral("trust")), files.first()}, bundles))
        return ExitUsage;
    bool bad = reportIssues(bundles[0]);
    bad |= reportIssues(bundles[1]);
    const QList<Certificate> trusted = bundles[0].certificates();
    QList<Certificate> chain = bundles[1].certificates();
    if (chain.isEmpty()) {
        err() << "certrotor-cli: " << bundles[1].name << ": no certificate to verify\n";
        err().flush();
        return ExitFindings;
    }
    const Certificate leaf = chain.takeFirst();
    VerifyOptions options;
    options.at = common.now;
    options.partialChain = parser.isSet(QStringLiteral("partial-chain"));
    options.hostname = parser.value(QStringLiteral("hostname"));
    const VerifyResult result = verifyChain(leaf, chain, trusted, options);
    if (common.json) {
        QJsonObject o;
        o[QLatin1String("ok")] = result.ok;
        o[QLatin1String("at")] = isoUtc(common.now);
        QJsonArray c, e;
        for (const Certificate& cert : result.chain)
            c.append(json::certificate(cert, common.now));
        for (const VerifyError& ve : result.errors)
            e.append(json::verifyError(ve));
        o[QLatin1String("chain")] = c;
        o[QLatin1String("errors")] = e;
        if (!result.anchor().isNull())
            o[QLatin1String("anchor")] = result.anchor().info().sha256Hex();
        if (!result.failure.isEmpty())
            o[QLatin1String("failure")] = result.failure;
        printJson(o);
    } else {
        out() << (result.ok ? paint(QStringLiteral("OK"), Colour::Green) : paint(QStringLiteral("FAILED"), Colour::Red))
              << ": " << leaf.info().subject.rfc4514 << " at " << isoUtc(common.now) << "\n";
        for (int i = 0; i < result.chain.size(); ++i)
            out() << "  depth " << i << ": " << result.chain[i].info().subject.rfc4514 << "  (not after "
                  << isoUtc(result.chain[i].info().notAfter) << ")\n";
        for (const VerifyError& ve : result.errors)
            out() << "  error: " << ve.text() << "\n";
        if (!result.failure.isEmpty())
            out() << "  error: " << result.failure << "\n";
        out().flush();
    }
    return (result.ok && !bad) ? ExitOk : ExitFindings;
}

int overlap(const QStringList& args)
{
    QCommandLineParser parser;
    Common common;
    parser.addOption({{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Output file"), QStringLiteral("OUT")});
    parser.addOption({QStringLiteral("old-first"), QStringLiteral("Put the old certificates first")});
    if (const int rc = parseCommon(parser, args, common, false, kOverlapUsage); rc >= 0)
        return rc;
    const QStringList files = parser.positionalArguments();
    if (files.size() != 2)
        return usageError(QStringLiteral("overlap: give exactly two bundles, OLD and NEW"));
    if (!parser.isSet(QStringLiteral("output")))
        return usageError(QStringLiteral("overlap: -o OUT is required"));
    QList<Bundle> bundles;
    if (!loadAll(files, bundles))
        return ExitUsage;
    const bool badOld = reportIssues(bundles[0]);
    const bool badNew = reportIssues(bundles[1]);
    if (badOld || badNew) {
        // Never write a trust bundle built from input we could not fully read.
        err() << "certrotor-cli: overlap: not written, because an input has bad blocks\n";
        err().flush();
        return ExitFindings;
    }
    const Overlap o = buildOverlap(bundles[0].certificates(), bundles[1].certificates(),
                                   parser.isSet(QStringLiteral("old-first")) ? Overlap::Order::OldFirst
                                                                             : Overlap::Order::NewFirst);
    QByteArray pem;
    for (const Certificate& c : o.certificates) {
        const CertificateInfo& i = c.info();
        pem += "# " + i.subject.rfc4514.toUtf8() + "\n# not after " + isoUtc(i.notAfter).toUtf8() + ", sha256 "
            + i.sha256Hex().toLatin1() + "\n";
        pem += c.toPem();
    }
    const QString outPath = parser.value(QStringLiteral("output"));
    QSaveFile file(outPath);
    if (!file.open(QIODevice::WriteOnly) || file.write(pem) != pem.size() || !file.commit()) {
        err() << "certrotor-cli: " << outPath << ": cannot write: " << file.errorString() << "\n";
        err().flush();
        return ExitUsage;
    }
    if (common.json) {
        QJsonObject j;
        j[QLatin1String("output")] = outPath;
        j[QLatin1String("certificates")] = int(o.certificates.size());
        j[QLatin1String("fromOld")] = o.fromOld;
        j[QLatin1String("fromNew")] = o.fromNew;
        QJsonArray windows;
        for (const Overlap::Window& w : o.windows)
            windows.append(QJsonObject{{QStringLiteral("start"), isoUtc(w.start)}, {QStringLiteral("end"), isoUtc(w.end)}});
        j[QLatin1String("windows")] = windows;
        printJson(j);
    } else {
        out() << "wrote " << outPath << ": " << o.certificates.size() << " certificate(s) (" << o.fromNew << " new, "
              << o.fromOld << " old only)\n";
        if (o.windows.isEmpty())
            out() << "no overlap window: the old and new certificates are never valid at the same time\n";
        for (const Overlap::Window& w : o.windows)
            out() << "overlap window: " << isoUtc(w.start) << " .. " << isoUtc(w.end) << " ("
                  << (w.end - w.start) / 86400 << " days)\n";
        out().flush();
    }
    return o.windows.isEmpty() ? ExitFindings : ExitOk;
}

} // namespace

const QStringList& commandNames()
{
    static const QStringList names { QStringLiteral("inspect"), QStringLiteral("lint"),     QStringLiteral("diff"),
                                     QStringLiteral("verify"),  QStringLiteral("overlap"),  QStringLiteral("expiry"),
                                     QStringLiteral("watch"),   QStringLiteral("probe"),    QStringLiteral("rotate"),
                                     QStringLiteral("retire"),  QStringLiteral("rollback"), QStringLiteral("keyring"),
                                     QStringLiteral("drill"),   QStringLiteral("audit"),    QStringLiteral("help") };
    return names;
}

namespace {

/// Levenshtein distance, for "did you mean" (the command names are short).
int editDistance(const QString& a, const QString& b)
{
    QList<int> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int up = row[j];
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1) });
            diagonal = up;
        }
    }
    return row[b.size()];
}

int unknownCommand(const QString& command)
{
    QString best;
    int bestDistance = 3; // at most two edits away
    for (const QString& name : commandNames()) {
        const int d = editDistance(command, name);
        if (d < bestDistance || (command.size() >= 3 && name.startsWith(command) && best.isEmpty())) {
            best = name;
            bestDistance = std::min(d, bestDistance);
        }
    }
    err() << "certrotor-cli: unknown command '" << command << "'\n";
    if (!best.isEmpty())
        err() << "Did you mean: certrotor-cli " << best << "\n";
    err() << "The commands: " << commandNames().join(QStringLiteral(", ")) << "\n"
          << "Run 'certrotor-cli help' for what each does.\n";
    err().flush();
    return ExitUsage;
}

} // namespace

int run(const QStringList& arguments)
{
    QStringList args = arguments.mid(1);
    setCurrentCommand({});
    if (args.isEmpty())
        return usageError(QStringLiteral("no command given"));
    if (args.first() == QLatin1String("help") && args.size() > 1) {
        // certrotor-cli help COMMAND [ACTION] is COMMAND [ACTION] --help.
        if (!commandNames().contains(args.at(1)) || args.at(1) == QLatin1String("help"))
            return args.at(1) == QLatin1String("help") ? run({ arguments.first(), QStringLiteral("--help") })
                                                       : unknownCommand(args.at(1));
        args = args.mid(1);
        args << QStringLiteral("--help");
    }
    const QString command = args.first();
    if (command == QLatin1String("--version") || command == QLatin1String("version")) {
        out() << buildinfo::versionLine(QStringLiteral("certrotor-cli")) << "\n";
        out().flush();
        return ExitOk;
    }
    if (command == QLatin1String("--help") || command == QLatin1String("-h") || command == QLatin1String("help")) {
        out() << kUsage;
        out().flush();
        return ExitOk;
    }
    setCurrentCommand(command);
    // QCommandLineParser expects the program name first.
    const QStringList rest = QStringList{arguments.first() + QLatin1Char(' ') + command} + args.mid(1);
    if (command == QLatin1String("inspect"))
        return inspectOrLint(rest, true);
    if (command == QLatin1String("lint"))
        return inspectOrLint(rest, false);
    if (command == QLatin1String("diff"))
        return diff(rest);
    if (command == QLatin1String("verify"))
        return verify(rest);
    if (command == QLatin1String("overlap"))
        return overlap(rest);
    if (command == QLatin1String("watch"))
        return watch(rest);
    if (command == QLatin1String("probe"))
        return probe(rest);
    if (command == QLatin1String("expiry"))
        return expiry(rest);
    if (command == QLatin1String("rotate"))
        return rotate(rest);
    if (command == QLatin1String("retire"))
        return retire(rest);
    if (command == QLatin1String("rollback"))
        return rollback(rest);
    if (command == QLatin1String("keyring"))
        return keyring(rest);
    if (command == QLatin1String("drill"))
        return drill(rest);
    if (command == QLatin1String("audit"))
        return audit(rest);
    setCurrentCommand({});
    return unknownCommand(command);
}

} // namespace certrotor::cli
