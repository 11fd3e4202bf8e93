// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor-cli end to end: output formats, exit codes (0 good, 1 findings/bad block/failed
// verification, 2 usage or unreadable input) and located errors on stderr.
#include "CertFactory.h"
#include "TestUtil.h"
#include "x509/Bundle.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

// The CLI judges expiry against the wall clock unless --at is given, so these certificates are
// made relative to now, with wide margins.
const qint64 kNow = QDateTime::currentSecsSinceEpoch();

QJsonDocument parseJson(const QByteArray& out)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(out, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON: %s\n%s", qPrintable(error.errorString()), out.constData());
    return doc;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A refused target goes to the audit log (append-only) and to stderr without what it carried as
    // credentials: operators paste URLs.
    void refusedTargetIsAuditedWithoutCredentials()
    {
        const QString log = m_dir.filePath(QStringLiteral("audit/refused.jsonl"));
        const ProcessResult r = runCli({QStringLiteral("probe"), QStringLiteral("--ca"), path("new.pem"), QStringLiteral("--audit-log"),
                                        log, QStringLiteral("https://ops:s3cr3t-T0KEN@grpc.internal:443/x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("grpc.internal"), r.err.constData());
        QVERIFY2(!r.err.contains("s3cr3t-T0KEN"), r.err.constData());
        const QByteArray written = readFile(log);
        QVERIFY2(written.contains("input-rejected") && written.contains("grpc.internal"), written.constData());
        QVERIFY2(!written.contains("s3cr3t-T0KEN") && !written.contains("ops:"), written.constData());
    }

    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_old = makeHierarchy(kNow, QStringLiteral("Old"));
        m_new = makeHierarchy(kNow, QStringLiteral("New"), KeySpec::rsa(2048));
        QVERIFY(writeFile(path("old.pem"), m_old.root.pem()));
        QVERIFY(writeFile(path("new.pem"), QByteArray(m_new.root.pem() + m_old.root.pem())));
        QVERIFY(writeFile(path("chain.pem"), QByteArray(m_old.leaf.pem() + m_old.intermediate.pem())));
        QByteArray bad = m_old.root.pem() + "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n";
        QVERIFY(writeFile(path("bad.pem"), bad));
    }

    void version()
    {
        const ProcessResult r = runCli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        const QString line = QString::fromUtf8(r.out).trimmed();
        QVERIFY2(QRegularExpression(QStringLiteral(
                                        R"(^certrotor-cli \d+\.\d+\.\d+ \(git ([0-9a-f]{7,}|unknown), \d{4}-\d{2}-\d{2}, linux-[a-z0-9_]+\)$)"))
                     .match(line)
                     .hasMatch(),
                 qPrintable(line));
    }

    void inspectJson()
    {
        const ProcessResult r = runCli({QStringLiteral("inspect"), QStringLiteral("--json"), path("new.pem")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray a = parseJson(r.out).array();
        QCOMPARE(a.size(), 2);
        const QJsonObject first = a[0].toObject();
        QCOMPARE(first[QLatin1String("subject")].toString(), QStringLiteral("CN=New Root CA"));
        QCOMPARE(first[QLatin1String("keyAlgorithm")].toString(), QStringLiteral("RSA"));
        QCOMPARE(first[QLatin1String("keyBits")].toInt(), 2048);
        QCOMPARE(first[QLatin1String("isCA")].toBool(), true);
        QCOMPARE(first[QLatin1String("sha256")].toString(),
                 Certificate::fromDer(m_new.root.der()).value().info().sha256Hex());
        QCOMPARE(first[QLatin1String("source")].toObject()[QLatin1String("block")].toInt(), 1);
        QCOMPARE(a[1].toObject()[QLatin1String("source")].toObject()[QLatin1String("block")].toInt(), 2);
        QVERIFY(first[QLatin1String("findings")].isArray());
    }

    void inspectTableAndStdin()
    {
        const ProcessResult r = runCli({QStringLiteral("inspect"), QStringLiteral("-")}, m_old.root.pem());
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("Old Root CA"), r.out.constData());
        QVERIFY(r.out.contains("SHA-256"));
    }

    void badBlockIsLocatedAndExitsOne()
    {
        const ProcessResult r = runCli({QStringLiteral("inspect"), path("bad.pem")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("%1: block 2, line ").arg(path("bad.pem")).toUtf8()), r.err.constData());
        QVERIFY(r.err.contains("invalid character '!' in base64"));
        QVERIFY(r.out.contains("Old Root CA")); // the good block is still shown
    }

    void unreadableAndUsageErrorsExitTwo()
    {
        ProcessResult r = runCli({QStringLiteral("inspect"), path("missing.pem")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("missing.pem"));
        QCOMPARE(runCli({}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("frobnicate")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("inspect")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("inspect"), QStringLiteral("--bogus"), path("old.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("lint"), QStringLiteral("--at"), QStringLiteral("yesterday"), path("old.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("diff"), path("old.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("verify"), path("chain.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("overlap"), path("old.pem"), path("new.pem")}).exitCode, 2);
        QCOMPARE(runCli({QStringLiteral("--help")}).exitCode, 0);
    }

    void lintAtADate()
    {
        ProcessResult r = runCli({QStringLiteral("lint"), path("old.pem")});
        QCOMPARE(r.exitCode, 0);
        const QString future = QDateTime::fromSecsSinceEpoch(kNow + 400 * 86400, Qt::UTC).date().toString(Qt::ISODate);
        r = runCli({QStringLiteral("lint"), QStringLiteral("--json"), QStringLiteral("--at"), future, path("old.pem")});
        QCOMPARE(r.exitCode, 1);
        const QJsonArray a = parseJson(r.out).array();
        QCOMPARE(a.size(), 1);
        QCOMPARE(a[0].toObject()[QLatin1String("code")].toString(), QStringLiteral("expired"));
        // the expiry threshold is an option too
        r = runCli({QStringLiteral("lint"), QStringLiteral("--expiry-days"), QStringLiteral("400"), path("old.pem")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains("expires-soon"));
    }

    void directoryIsOneBundle()
    {
        // Like /etc/ssl/certs: files plus a c_rehash-style link; duplicates across files are found once.
        const QString dir = path("certs");
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(writeFile(dir + QStringLiteral("/a.pem"), m_old.root.pem()));
        QVERIFY(writeFile(dir + QStringLiteral("/b.pem"), m_new.root.pem()));
        QVERIFY(writeFile(dir + QStringLiteral("/bundle.crt"), QByteArray(m_old.root.pem() + m_new.root.pem())));
        QVERIFY(QFile::link(dir + QStringLiteral("/a.pem"), dir + QStringLiteral("/1a2b3c4d.0")));
        QVERIFY(writeFile(dir + QStringLiteral("/.hidden"), "not a certificate"));
        const ProcessResult r = runCli({QStringLiteral("lint"), QStringLiteral("--json"), dir});
        QCOMPARE(r.exitCode, 1);
        const QJsonArray a = parseJson(r.out).array();
        QCOMPARE(a.size(), 2); // the bundle repeats a.pem and b.pem; the link adds nothing
        for (const QJsonValue& v : a) {
            QCOMPARE(v.toObject()[QLatin1String("code")].toString(), QStringLiteral("duplicate"));
            QVERIFY(v.toObject()[QLatin1String("source")].toObject()[QLatin1String("file")].toString().endsWith(
                QLatin1String("bundle.crt")));
        }
    }

    void diffJson()
    {
        const ProcessResult r = runCli({QStringLiteral("diff"), QStringLiteral("--json"), path("old.pem"), path("new.pem")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = parseJson(r.out).object();
        QCOMPARE(o[QLatin1String("added")].toArray().size(), 1);
        QCOMPARE(o[QLatin1String("removed")].toArray().size(), 0);
        QCOMPARE(o[QLatin1String("kept")].toArray().size(), 1);
        QCOMPARE(o[QLatin1String("added")].toArray()[0].toObject()[QLatin1String("subject")].toString(),
                 QStringLiteral("CN=New Root CA"));
        const ProcessResult text = runCli({QStringLiteral("diff"), path("new.pem"), path("old.pem")});
        QVERIFY(text.out.contains("0 added, 1 removed, 1 kept, 0 renewed"));
    }

    void verify()
    {
        ProcessResult r = runCli({QStringLiteral("verify"), QStringLiteral("--trust"), path("old.pem"), path("chain.pem")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("OK"));
        // "Will this still verify after the old CA expires?"
        const QString later = QDateTime::fromSecsSinceEpoch(kNow + 500 * 86400, Qt::UTC).toString(Qt::ISODate);
        r = runCli({QStringLiteral("verify"), QStringLiteral("--json"), QStringLiteral("--trust"), path("old.pem"),
                    QStringLiteral("--at"), later, path("chain.pem")});
        QCOMPARE(r.exitCode, 1);
        const QJsonObject o = parseJson(r.out).object();
        QCOMPARE(o[QLatin1String("ok")].toBool(), false);
        QSet<int> depths;
        for (const QJsonValue& e : o[QLatin1String("errors")].toArray()) {
            QCOMPARE(e.toObject()[QLatin1String("name")].toString(), QStringLiteral("X509_V_ERR_CERT_HAS_EXPIRED"));
            depths.insert(e.toObject()[QLatin1String("depth")].toInt());
        }
        QCOMPARE(depths, (QSet<int>{0, 1, 2}));
        // the wrong trust bundle
        QVERIFY(writeFile(path("other.pem"), m_new.root.pem()));
        r = runCli({QStringLiteral("verify"), QStringLiteral("--trust"), path("other.pem"), path("chain.pem")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"));
    }

    void overlapWritesBundle()
    {
        const QString out = path("overlap.pem");
        ProcessResult r = runCli({QStringLiteral("overlap"), QStringLiteral("--json"), path("old.pem"), path("new.pem"),
                                  QStringLiteral("-o"), out});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = parseJson(r.out).object();
        QCOMPARE(o[QLatin1String("certificates")].toInt(), 2);
        QCOMPARE(o[QLatin1String("windows")].toArray().size(), 1);
        const Result<Bundle> written = loadBundleFile(out);
        QVERIFY(written.ok());
        QCOMPARE(written.value().issues.size(), 0);
        QCOMPARE(written.value().entries.size(), 2);
        QCOMPARE(written.value().entries[0].certificate.info().subject.commonName, QStringLiteral("New Root CA"));

        // Bad input: nothing is written.
        const QString notWritten = path("never.pem");
        r = runCli({QStringLiteral("overlap"), path("bad.pem"), path("new.pem"), QStringLiteral("-o"), notWritten});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!QFile::exists(notWritten));
        QVERIFY(r.err.contains("block 2"));
    }

    // certrotor-cli help COMMAND and COMMAND --help print the same text: usage, exit codes, examples.
    void helpForEveryCommand()
    {
        const ProcessResult all = runCli({ QStringLiteral("help") });
        QCOMPARE(all.exitCode, 0);
        const QStringList commands { QStringLiteral("inspect"), QStringLiteral("lint"),     QStringLiteral("diff"),
                                     QStringLiteral("verify"),  QStringLiteral("overlap"),  QStringLiteral("expiry"),
                                     QStringLiteral("watch"),   QStringLiteral("probe"),    QStringLiteral("rotate"),
                                     QStringLiteral("retire"),  QStringLiteral("rollback"), QStringLiteral("keyring"),
                                     QStringLiteral("drill"),   QStringLiteral("audit") };
        for (const QString& command : commands) {
            QVERIFY2(all.out.contains(QStringLiteral("\n  %1 ").arg(command).toUtf8()), qPrintable(command));
            const ProcessResult help = runCli({ QStringLiteral("help"), command });
            QCOMPARE(help.exitCode, 0);
            QVERIFY2(help.out.startsWith(QStringLiteral("Usage: certrotor-cli %1").arg(command).toUtf8()),
                     help.out.constData());
            QVERIFY2(help.out.contains("Exit codes"), qPrintable(command));
            QVERIFY2(help.out.contains("\nExamples:\n  certrotor-cli "), qPrintable(command));
            const ProcessResult dashed = runCli({ command, QStringLiteral("--help") });
            QCOMPARE(dashed.exitCode, 0);
            QCOMPARE(dashed.out, help.out);
        }
        const ProcessResult status
            = runCli({ QStringLiteral("help"), QStringLiteral("rotate"), QStringLiteral("status") });
        QVERIFY2(status.out.startsWith("Usage: certrotor-cli rotate status"), status.out.constData());
        QCOMPARE(runCli({ QStringLiteral("help"), QStringLiteral("help") }).out, all.out);
        const ProcessResult unknown = runCli({ QStringLiteral("help"), QStringLiteral("frobnicate") });
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains("unknown command 'frobnicate'"), unknown.err.constData());
    }

    // Errors say what to type next.
    void usageErrorsNameTheHelpToRead()
    {
        ProcessResult r
            = runCli({ QStringLiteral("expiry"), QStringLiteral("--format"), QStringLiteral("vcal"), path("old.pem") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("Run 'certrotor-cli help expiry' for its options and examples."), r.err.constData());
        r = runCli({ QStringLiteral("verify"), path("chain.pem") });
        QVERIFY2(r.err.contains("--trust BUNDLE is required") && r.err.contains("certrotor-cli help verify"),
                 r.err.constData());
        r = runCli({ QStringLiteral("inspcet"), path("old.pem") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("Did you mean: certrotor-cli inspect\n"), r.err.constData());
        r = runCli({ QStringLiteral("rolback") });
        QVERIFY2(r.err.contains("Did you mean: certrotor-cli rollback\n"), r.err.constData());
        r = runCli({ QStringLiteral("zzzzzzzz") });
        QVERIFY2(!r.err.contains("Did you mean") && r.err.contains("certrotor-cli help"), r.err.constData());
        r = runCli({});
        QVERIFY2(r.err.contains("Run 'certrotor-cli help' for the commands"), r.err.constData());
    }

    // Colour only on a terminal (a pty made by script(1)), never with NO_COLOR or TERM=dumb, never in a pipe.
    void colourOnlyOnATerminalAndNeverWithNoColor()
    {
        const auto onTerminal = [this](const QString& env) {
            const QString command = QStringLiteral("env -u NO_COLOR %1 '%2' lint --at 2100-01-01 '%3'")
                                        .arg(env, QStringLiteral(CERTROTOR_CLI_PATH), path("old.pem"));
            return runProcess(QStringLiteral("/usr/bin/script"),
                              { QStringLiteral("-qec"), command, QStringLiteral("/dev/null") });
        };
        const ProcessResult tty = onTerminal(QStringLiteral("TERM=xterm"));
        QVERIFY2(tty.out.contains("\x1b[31;1merror\x1b[0m [expired]"), tty.out.constData());
        const ProcessResult noColor = onTerminal(QStringLiteral("TERM=xterm NO_COLOR=1"));
        QVERIFY2(noColor.out.contains("error [expired]") && !noColor.out.contains("\x1b["), noColor.out.constData());
        const ProcessResult dumb = onTerminal(QStringLiteral("TERM=dumb"));
        QVERIFY2(dumb.out.contains("error [expired]") && !dumb.out.contains("\x1b["), dumb.out.constData());
        const ProcessResult piped
            = runCli({ QStringLiteral("lint"), QStringLiteral("--at"), QStringLiteral("2100-01-01"), path("old.pem") });
        QCOMPARE(piped.exitCode, 1);
        QVERIFY2(piped.out.contains("error [expired]") && !piped.out.contains("\x1b["), piped.out.constData());
    }

private:
    QString path(const char* name) const { return m_dir.filePath(QLatin1String(name)); }

    QTemporaryDir m_dir;
    Hierarchy m_old, m_new;
};

QTEST_GUILESS_MAIN(TestCli)
#include "TestCli.moc"
